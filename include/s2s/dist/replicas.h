#pragma once
// Owns: keeping replicated state identical across ranks (architecture decision 4):
//   - broadcast_tensors: rank `root`'s values into every rank's tensors (initial parameters,
//     parameters and optimizer slots after a checkpoint was read by rank 0);
//   - broadcast_bytes / broadcast_string: a blob or string of any size from `root` (checkpoint
//     bytes, a config, a vocabulary) — the size is sent first, receivers are resized;
//   - check_replicas: the drift check. Every rank hashes every parameter bitwise (plus a float64
//     sum, for the message), the hashes are all-reduced MIN/MAX, and if any parameter differs
//     every rank throws s2s::Error naming the first differing parameter (prepare order), the
//     ranks whose copy differs from rank 0's, and the hashes/sums.
// All functions are collective (every rank calls them in the same order, same tensor list) and
// deadline-guarded by the World. CUDA tensors are staged through host memory. In a Local World
// they do nothing, nor does check_replicas with one rank (it still validates its arguments, and
// reads no device tensor).
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "s2s/core/tensor.h"
#include "s2s/dist/world.h"

namespace s2s::dist {

void broadcast_tensors(World& world, std::span<Tensor> tensors, int root = 0);
void broadcast_bytes(World& world, std::vector<std::byte>& blob, int root = 0);
void broadcast_string(World& world, std::string& text, int root = 0);

struct TensorChecksum {
  std::uint64_t hash = 0;  // of the raw bytes (bitwise: -0.0 != 0.0, NaN payloads count)
  double sum = 0;          // sum of the elements in float64 (only for messages)
};
TensorChecksum tensor_checksum(const Tensor& t);

// names[i] names tensors[i] in the error message (may be empty: "parameter #i" is used).
// Also fails if ranks pass different numbers, shapes or dtypes of tensors.
void check_replicas(World& world, std::span<const Tensor> tensors,
                    std::span<const std::string> names = {});

}  // namespace s2s::dist
