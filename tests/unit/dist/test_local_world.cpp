// Tests the one-process fake World (no MPI at all): identity, timeout configuration, and that the
// reducer and replica helpers work in it (average over one rank = the gradient itself).
#include <gtest/gtest.h>

#include <cstdlib>

#include "s2s/core/error.h"
#include "s2s/dist/gradient_reducer.h"
#include "s2s/dist/log.h"
#include "s2s/dist/replicas.h"
#include "s2s/dist/world.h"

namespace s2s::dist {
namespace {

TEST(LocalWorld, IsRankZeroOfOne) {
  World world(WorldOptions{.use_mpi = false, .timeout_s = {}});
  EXPECT_FALSE(world.uses_mpi());
  EXPECT_EQ(world.rank(), 0);
  EXPECT_EQ(world.size(), 1);
  EXPECT_EQ(world.local_rank(), 0);
  EXPECT_EQ(world.local_size(), 1);
  EXPECT_TRUE(world.is_root());
  EXPECT_EQ(rank_tag(), "[rank 0/1]");
  EXPECT_EQ(world.device_for_local_rank(4), 0);
  world.barrier();
  EXPECT_TRUE(world.all_equal(5, "x"));
  EXPECT_EQ(world.operations(), 2u);
}

TEST(LocalWorld, TimeoutFromOptionEnvironmentOrDefault) {
  unsetenv("S2S_DIST_TIMEOUT_S");
  EXPECT_DOUBLE_EQ(timeout_from_environment(), kDefaultTimeoutS);
  setenv("S2S_DIST_TIMEOUT_S", "2.5", 1);
  EXPECT_DOUBLE_EQ(timeout_from_environment(), 2.5);
  {
    World world(WorldOptions{.use_mpi = false, .timeout_s = {}});
    EXPECT_DOUBLE_EQ(world.timeout_s(), 2.5);
    World explicit_world(WorldOptions{.use_mpi = false, .timeout_s = 9.0});
    EXPECT_DOUBLE_EQ(explicit_world.timeout_s(), 9.0);
  }
  for (const char* bad : {"0", "-1", "abc", "5s", "inf"}) {
    setenv("S2S_DIST_TIMEOUT_S", bad, 1);
    EXPECT_THROW(timeout_from_environment(), Error) << bad;
  }
  unsetenv("S2S_DIST_TIMEOUT_S");
  EXPECT_THROW(World(WorldOptions{.use_mpi = false, .timeout_s = 0.0}), Error);
}

TEST(LocalWorld, ReducerKeepsGradientsAndCountsBuckets) {
  World world(WorldOptions{.use_mpi = false, .timeout_s = {}});
  auto reducer = make_reducer("mpi", world, {.bucket_bytes = 32});
  std::vector<Tensor> grads = {Tensor::from_vector<float>({3, 4}, {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}),
                               Tensor::from_vector<double>({3}, {0.25, -1.5, 1e300})};
  const std::vector<float> g0 = grads[0].to_vector<float>();
  const std::vector<double> g1 = grads[1].to_vector<double>();
  reducer->prepare(grads);
  reducer->ready(grads[0]);  // 48 B float32: one full 32 B bucket now, 16 B left open
  reducer->ready(std::size_t{1});
  ReduceStats s = reducer->finish();
  EXPECT_EQ(grads[0].to_vector<float>(), g0);
  EXPECT_EQ(grads[1].to_vector<double>(), g1);
  EXPECT_EQ(s.buckets, 3u);
  EXPECT_EQ(s.buckets_during_backward, 1u);
  EXPECT_EQ(s.bytes, 48u + 24u);
  EXPECT_EQ(s.bucket_bytes_min, 16u);
  EXPECT_EQ(s.bucket_bytes_max, 32u);
  EXPECT_EQ(reducer->world_size(), 1);
  EXPECT_EQ(reducer->totals().steps, 1u);
  EXPECT_FALSE(s.summary().empty());
}

TEST(LocalWorld, NcclReducerIsReportedWhenUnavailable) {
  World world(WorldOptions{.use_mpi = false, .timeout_s = {}});
  if (nccl_reducer_available()) GTEST_SKIP() << "built with NCCL";
  try {
    make_reducer("nccl", world);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("built without CUDA"), std::string::npos) << e.what();
  }
}

TEST(LocalWorld, ReplicaHelpersAreIdentity) {
  World world(WorldOptions{.use_mpi = false, .timeout_s = {}});
  std::vector<Tensor> params = {Tensor::full({4}, DType::F32, 3.0)};
  broadcast_tensors(world, params);
  EXPECT_EQ(params[0].to_vector<float>(), std::vector<float>(4, 3.0f));
  std::string text = "hello";
  broadcast_string(world, text);
  EXPECT_EQ(text, "hello");
  EXPECT_NO_THROW(check_replicas(world, params));
  const std::vector<std::string> one_name = {"a"};
  EXPECT_NO_THROW(check_replicas(world, params, one_name));
  const std::vector<std::string> two_names = {"a", "b"};
  EXPECT_THROW(check_replicas(world, params, two_names), Error);
  EXPECT_THROW(broadcast_string(world, text, 1), Error);
}

TEST(ReduceStats, HiddenFractionAndAccumulate) {
  ReduceStats a;
  EXPECT_EQ(a.hidden_fraction(), 0.0);
  a.steps = 1;
  a.buckets = 2;
  a.bytes = 100;
  a.bucket_bytes_min = 40;
  a.bucket_bytes_max = 60;
  a.comm_s = 0.010;
  a.wait_s = 0.002;
  EXPECT_NEAR(a.hidden_fraction(), 0.8, 1e-12);
  ReduceStats b = a;
  b.bucket_bytes_min = 10;
  b.wait_s = 0.010;
  ReduceStats total;
  total.accumulate(a);
  total.accumulate(b);
  EXPECT_EQ(total.steps, 2u);
  EXPECT_EQ(total.buckets, 4u);
  EXPECT_EQ(total.bucket_bytes_min, 10u);
  EXPECT_EQ(total.bucket_bytes_max, 60u);
  EXPECT_NEAR(total.hidden_fraction(), 1.0 - 0.012 / 0.020, 1e-12);
  EXPECT_DOUBLE_EQ(total.mean_bucket_bytes(), 50.0);
}

}  // namespace
}  // namespace s2s::dist

namespace s2s::dist {
namespace {

// S2S_MPI (world_options_from_environment): unset or 1 = MPI, 0 = the Local world, refused when a
// launcher says this is one of several tasks; anything else is an error naming the variable.
TEST(WorldOptionsFromEnvironment, S2sMpiSelectsTheLocalWorld) {
  const char* saved_omp = std::getenv("OMPI_COMM_WORLD_SIZE");
  const std::string saved = saved_omp ? saved_omp : "";
  ::unsetenv("OMPI_COMM_WORLD_SIZE");
  ::unsetenv("PMI_SIZE");
  ::unsetenv("S2S_MPI");
  EXPECT_TRUE(world_options_from_environment().use_mpi);
  ::setenv("S2S_MPI", "1", 1);
  EXPECT_TRUE(world_options_from_environment().use_mpi);
  ::setenv("S2S_MPI", "0", 1);
  EXPECT_FALSE(world_options_from_environment().use_mpi);
  ::setenv("OMPI_COMM_WORLD_SIZE", "1", 1);
  EXPECT_FALSE(world_options_from_environment().use_mpi) << "mpirun -n 1 is one task";
  ::setenv("OMPI_COMM_WORLD_SIZE", "4", 1);
  try {
    world_options_from_environment();
    ADD_FAILURE() << "S2S_MPI=0 under mpirun -n 4 was accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("OMPI_COMM_WORLD_SIZE=4"), std::string::npos) << e.what();
  }
  ::unsetenv("OMPI_COMM_WORLD_SIZE");
  ::setenv("S2S_MPI", "no", 1);
  try {
    world_options_from_environment();
    ADD_FAILURE() << "S2S_MPI=no was accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("S2S_MPI must be 0"), std::string::npos) << e.what();
  }
  ::unsetenv("S2S_MPI");
  if (saved_omp != nullptr) ::setenv("OMPI_COMM_WORLD_SIZE", saved.c_str(), 1);
}

}  // namespace
}  // namespace s2s::dist
