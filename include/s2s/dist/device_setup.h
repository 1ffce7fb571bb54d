#pragma once
// Owns: making a model's device usable in this process before anything is put on it: `s2s train`,
// `eval` and `decode` call prepare_device() first.
// CPU: nothing to do. CUDA: the rank's GPU is local rank modulo the devices visible on its node
// (dist::World::device_for_local_rank, so `mpirun -n 8` on an 8-GPU node gives one GPU per rank
// and CUDA_VISIBLE_DEVICES narrows the choice), then the backend is initialised on it (context,
// stream, cuBLAS handle, caching allocator). Without a usable GPU — a CPU-only build, no driver, no
// visible device — it throws an error that names the setting that asked for CUDA and the reason.
#include <string>
#include <string_view>

#include "s2s/core/tensor.h"
#include "s2s/dist/world.h"

namespace s2s::dist {

// `setting` is what the user wrote to ask for `device` (e.g. "model.device" or "--device"), for
// the error message. `world` null: device 0. `one_device_per_rank` (training with NCCL, which
// refuses two ranks on one GPU): more ranks on a node than visible GPUs is an error naming both
// counts, instead of NCCL's own failure later. Returns what it chose (the launch self-check
// gathers it from every rank).
struct DeviceChoice {
  std::string label = "cpu";  // "cpu" or "cuda:<index>"
  std::string uuid;           // the GPU's UUID (cuda::device_uuid); empty on the CPU
};
DeviceChoice prepare_device(Device device, const dist::World* world, std::string_view setting,
                    bool one_device_per_rank = false);

}  // namespace s2s::dist
