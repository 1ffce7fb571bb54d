// A small MPI program for the no-hang tests (not a gtest): every rank prepares an MpiReducer and
// all-reduces a few gradients, except the victim rank, which first stalls (sleeps 60 s, far past
// the deadline) or dies (SIGKILL). The healthy ranks must end the job within the deadline
// (S2S_DIST_TIMEOUT_S) with exit code 75 and a message naming the missing rank.
// Usage: s2s_dist_hang_probe none|sleep|kill VICTIM_RANK
#include <csignal>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <thread>

#include "s2s/core/error.h"
#include "s2s/dist/exit_codes.h"
#include "s2s/dist/gradient_reducer.h"
#include "s2s/dist/log.h"
#include "s2s/dist/world.h"

int main(int argc, char** argv) {
  using namespace s2s;
  if (argc != 3) {
    std::fprintf(stderr, "usage: %s none|sleep|kill VICTIM_RANK\n", argv[0]);
    return 2;
  }
  const std::string mode = argv[1];
  const int victim = std::atoi(argv[2]);
  dist::World world;
  try {
    std::vector<Tensor> grads = {Tensor::full({100}, DType::F32, 1.0), Tensor::full({10}, DType::F64, 2.0)};
    auto reducer = dist::make_reducer("mpi", world, {.bucket_bytes = 64});
    reducer->prepare(grads);
    if (world.rank() == victim && mode == "sleep") {
      dist::log_all("probe: stalling before the all-reduce");
      std::this_thread::sleep_for(std::chrono::seconds(60));
    } else if (world.rank() == victim && mode == "kill") {
      dist::log_all("probe: killing myself before the all-reduce");
      std::raise(SIGKILL);
    }
    reducer->ready(std::size_t{1});
    reducer->ready(std::size_t{0});
    reducer->finish();
    S2S_CHECK(grads[0].data<float>()[99] == 1.0f && grads[1].data<double>()[0] == 2.0,
              "wrong average");
    dist::log_root("probe: all-reduce complete on {} rank(s)", world.size());
  } catch (const Error& e) {
    world.abort(dist::kExitError, e.what());
  }
  return 0;
}
