// Owns: prepare_device (train/device_setup.h).
#include "s2s/dist/device_setup.h"

#include <string>

#include "s2s/core/error.h"
#include "s2s/dist/log.h"
#include "s2s/kernels/cuda_runtime_api.h"

namespace s2s::dist {

DeviceChoice prepare_device(Device device, const dist::World* world, std::string_view setting, bool one_device_per_rank) {
  if (device != Device::CUDA) return {};
  std::string reason;
  const int count = cuda::device_count(&reason);
  S2S_CHECK(count > 0, setting, " = cuda, but no CUDA device is usable here (", reason,
            "); run on a GPU machine or set ", setting, " to cpu");
  if (one_device_per_rank && world != nullptr && world->size() > 1)
    S2S_CHECK(world->local_size() <= count, setting, " = cuda with ", world->local_size(),
              " ranks on this node but ", count, " visible GPU(s): NCCL needs one GPU per rank (launch at most ",
              count, " ranks per node, or check CUDA_VISIBLE_DEVICES)");
  const int index = world != nullptr ? world->device_for_local_rank(count) : 0;
  cuda::initialize(index);
  if (world != nullptr)
    dist::log_all("rank {} uses CUDA device {} of {} visible on its node", world->rank(), index, count);
  return {"cuda:" + std::to_string(index), cuda::device_uuid(index)};
}

}  // namespace s2s::dist
