// Owns: broadcasts of tensors / bytes / strings from one rank, the bitwise tensor checksum and the
// replica drift check (see s2s/dist/replicas.h).
#include "s2s/dist/replicas.h"

#include <algorithm>
#include <climits>
#include <cstring>

#include <fmt/format.h>

#include "s2s/core/mpi_check.h"

namespace s2s::dist {
namespace {
constexpr std::size_t kChunk = std::size_t{1} << 30;  // MPI counts are int: send <= 1 GiB pieces

// Launches MPI_Ibcast of `bytes` bytes at `data` in <= 1 GiB pieces.
void ibcast_bytes(World& world, void* data, std::size_t bytes, int root,
                  std::vector<MPI_Request>& requests) {
  auto* p = static_cast<std::byte*>(data);
  for (std::size_t done = 0; done < bytes; done += kChunk) {
    const int n = static_cast<int>(std::min(kChunk, bytes - done));
    MPI_Request req = MPI_REQUEST_NULL;
    S2S_MPI_CHECK(MPI_Ibcast(p + done, n, MPI_BYTE, root, world.comm(), &req));
    requests.push_back(req);
  }
}

void check_root(const World& world, int root) {
  S2S_CHECK(root >= 0 && root < world.size(), "broadcast root ", root, " is not a rank (size ",
            world.size(), ")");
}

std::uint64_t fnv(std::uint64_t h, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) {
    h ^= (v >> (8 * i)) & 0xffu;
    h *= 1099511628211ull;
  }
  return h;
}

std::uint64_t layout_hash(std::span<const Tensor> tensors) {
  std::uint64_t h = fnv(1469598103934665603ull, tensors.size());
  for (const Tensor& t : tensors) {
    h = fnv(h, static_cast<std::uint64_t>(t.dtype()));
    h = fnv(h, static_cast<std::uint64_t>(t.ndim()));
    for (std::int64_t d : t.shape()) h = fnv(h, static_cast<std::uint64_t>(d));
  }
  return h;
}

// 64-bit hash of a byte range: four independent multiply-rotate lanes over 8-byte words (fast
// enough for a periodic check of every parameter), then the tail and the length.
std::uint64_t hash_bytes(const std::byte* p, std::size_t n) {
  constexpr std::uint64_t k1 = 0x9E3779B97F4A7C15ull, k2 = 0xBF58476D1CE4E5B9ull;
  auto round = [](std::uint64_t h, std::uint64_t w) {
    h ^= w * k1;
    h = (h << 31) | (h >> 33);
    return h * k2;
  };
  std::uint64_t lane[4] = {1, 2, 3, 4};
  std::size_t i = 0;
  for (; i + 32 <= n; i += 32) {
    std::uint64_t w[4];
    std::memcpy(w, p + i, 32);
    for (int l = 0; l < 4; ++l) lane[l] = round(lane[l], w[l]);
  }
  std::uint64_t h = round(round(round(lane[0], lane[1]), lane[2]), lane[3]);
  for (; i + 8 <= n; i += 8) {
    std::uint64_t w;
    std::memcpy(&w, p + i, 8);
    h = round(h, w);
  }
  std::uint64_t tail = 0;
  if (i < n) std::memcpy(&tail, p + i, n - i);
  h = round(round(h, tail), n);
  h ^= h >> 29;
  return h;
}

template <class T>
double sum_of(const Tensor& t) {
  double s = 0;
  for (T v : t.span<T>()) s += static_cast<double>(v);
  return s;
}
}  // namespace

void broadcast_tensors(World& world, std::span<Tensor> tensors, int root) {
  check_root(world, root);
  for (std::size_t i = 0; i < tensors.size(); ++i)
    S2S_CHECK(tensors[i].defined(), "broadcast_tensors: tensor ", i, " is undefined");
  if (!world.uses_mpi()) return;
  S2S_CHECK(world.all_equal(layout_hash(tensors), "broadcast_tensors: layout check"),
            "broadcast_tensors: ranks passed different tensor lists (count, shapes or dtypes); this "
            "rank has ", tensors.size(), " tensors");
  std::vector<Tensor> staged(tensors.size());  // host copies of device tensors
  std::vector<MPI_Request> requests;
  std::size_t bytes = 0;
  for (std::size_t i = 0; i < tensors.size(); ++i) {
    Tensor& t = tensors[i];
    void* data = t.raw();
    if (t.device() != Device::CPU) {  // the root sends its values; the others only receive
      staged[i] = world.rank() == root ? t.to(Device::CPU) : Tensor::empty(t.shape(), t.dtype());
      data = staged[i].raw();
    }
    ibcast_bytes(world, data, t.nbytes(), root, requests);
    bytes += t.nbytes();
  }
  world.wait(requests, fmt::format("broadcast of {} tensor(s) ({} B) from rank {}",
                                   tensors.size(), bytes, root));
  if (world.rank() != root)
    for (std::size_t i = 0; i < tensors.size(); ++i)
      if (staged[i].defined()) tensors[i].copy_from(staged[i]);
}

void broadcast_bytes(World& world, std::vector<std::byte>& blob, int root) {
  check_root(world, root);
  if (!world.uses_mpi()) return;
  std::uint64_t size = blob.size();
  MPI_Request req = MPI_REQUEST_NULL;
  S2S_MPI_CHECK(MPI_Ibcast(&size, 1, MPI_UINT64_T, root, world.comm(), &req));
  world.wait(std::span<MPI_Request>(&req, 1), fmt::format("broadcast of a blob size from rank {}", root));
  if (world.rank() != root) blob.resize(size);
  std::vector<MPI_Request> requests;
  ibcast_bytes(world, blob.data(), blob.size(), root, requests);
  world.wait(requests, fmt::format("broadcast of a {} B blob from rank {}", size, root));
}

void broadcast_string(World& world, std::string& text, int root) {
  // Iterator copies, not memcpy: an empty text (a rank's placeholder) has no data pointer to copy
  // from, and memcpy from null is undefined even for 0 bytes (UBSan).
  const auto* begin = reinterpret_cast<const std::byte*>(text.data());
  std::vector<std::byte> blob(begin, begin + text.size());
  broadcast_bytes(world, blob, root);
  const auto* bytes = reinterpret_cast<const char*>(blob.data());
  text.assign(bytes, bytes + blob.size());
}

TensorChecksum tensor_checksum(const Tensor& t) {
  S2S_CHECK(t.defined(), "tensor_checksum of an undefined tensor");
  const Tensor host = t.device() == Device::CPU ? t : t.to(Device::CPU);
  TensorChecksum c;
  c.hash = hash_bytes(static_cast<const std::byte*>(host.raw()), host.nbytes());
  switch (host.dtype()) {
    case DType::F32: c.sum = sum_of<float>(host); break;
    case DType::F64: c.sum = sum_of<double>(host); break;
    case DType::I32: c.sum = sum_of<std::int32_t>(host); break;
    case DType::I64: c.sum = sum_of<std::int64_t>(host); break;
  }
  return c;
}

void check_replicas(World& world, std::span<const Tensor> tensors,
                    std::span<const std::string> names) {
  S2S_CHECK(names.empty() || names.size() == tensors.size(), "check_replicas: ", names.size(),
            " names for ", tensors.size(), " tensors");
  const std::size_t n = tensors.size();
  for (std::size_t i = 0; i < n; ++i)
    S2S_CHECK(tensors[i].defined(), "check_replicas: tensor ", i, " is undefined");
  // No peer to compare with: hashing would only copy every device tensor to the host.
  if (!world.uses_mpi() || world.size() == 1) return;
  std::vector<TensorChecksum> mine(n);
  for (std::size_t i = 0; i < n; ++i) mine[i] = tensor_checksum(tensors[i]);

  // [layout, h_0 .. h_n-1, ~layout, ~h_0 .. ~h_n-1] reduced with MAX gives max and ~min at once.
  std::vector<std::uint64_t> hashes(2 * (n + 1));
  hashes[0] = layout_hash(tensors);
  for (std::size_t i = 0; i < n; ++i) hashes[i + 1] = mine[i].hash;
  for (std::size_t i = 0; i <= n; ++i) hashes[n + 1 + i] = ~hashes[i];
  // The layout all-reduce goes first: with different counts the big one would not even match.
  MPI_Request req = MPI_REQUEST_NULL;
  std::uint64_t layout[2] = {hashes[0], hashes[n + 1]};
  S2S_MPI_CHECK(MPI_Iallreduce(MPI_IN_PLACE, layout, 2, MPI_UINT64_T, MPI_MAX, world.comm(), &req));
  world.wait(std::span<MPI_Request>(&req, 1), "replica check: layout");
  S2S_CHECK(layout[0] == ~layout[1], "replica check: ranks hold different parameter lists (count, "
            "shapes or dtypes differ); this rank has ", n, " tensors");
  S2S_MPI_CHECK(MPI_Iallreduce(MPI_IN_PLACE, hashes.data(), static_cast<int>(hashes.size()),
                               MPI_UINT64_T, MPI_MAX, world.comm(), &req));
  world.wait(std::span<MPI_Request>(&req, 1),
             fmt::format("replica check: checksums of {} tensor(s)", n));

  std::size_t first = n, differing = 0;
  for (std::size_t i = 0; i < n; ++i) {
    if (hashes[i + 1] != ~hashes[n + 2 + i]) {
      if (first == n) first = i;
      ++differing;
    }
  }
  if (first == n) return;

  // Every rank sees the mismatch: gather the first differing tensor's checksum from all ranks to
  // name the ranks whose copy differs from rank 0's.
  std::vector<TensorChecksum> all(static_cast<std::size_t>(world.size()));
  S2S_MPI_CHECK(MPI_Iallgather(&mine[first], sizeof(TensorChecksum), MPI_BYTE, all.data(),
                               sizeof(TensorChecksum), MPI_BYTE, world.comm(), &req));
  world.wait(std::span<MPI_Request>(&req, 1), "replica check: gather of the differing checksum");
  std::string ranks, detail;
  for (int r = 1; r < world.size(); ++r) {
    if (all[r].hash == all[0].hash) continue;
    ranks += (ranks.empty() ? "" : ", ") + std::to_string(r);
    if (detail.size() < 400)
      detail += fmt::format("; rank {}: hash {:016x} sum {:.17g}", r, all[r].hash, all[r].sum);
  }
  const std::string name = names.empty() || names[first].empty()
                               ? fmt::format("parameter #{}", first)
                               : fmt::format("'{}'", names[first]);
  S2S_FAIL("REPLICA DRIFT: ", name, " (", shape_str(tensors[first].shape()), " ",
           dtype_name(tensors[first].dtype()), ") differs across ranks: rank(s) ", ranks,
           " differ from rank 0 (rank 0: hash ", fmt::format("{:016x}", all[0].hash), " sum ",
           fmt::format("{:.17g}", all[0].sum), detail, "); ", differing, " of ", n,
           " tensors differ in total. Replicated state must be bitwise identical on all ranks");
}

}  // namespace s2s::dist
