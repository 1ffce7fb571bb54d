// Tests World under MPI: identity against MPI_COMM_WORLD, local rank on one node, error handler,
// agreement check, barrier, device choice.
#include <gtest/gtest.h>
#include <mpi.h>

#include "s2s/core/error.h"
#include "s2s/core/mpi_check.h"
#include "s2s/dist/log.h"
#include "s2s/dist/world.h"

namespace s2s::dist {
namespace {

TEST(WorldMpi, MatchesCommWorld) {
  World world;
  int rank = -1, size = -1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  EXPECT_TRUE(world.uses_mpi());
  EXPECT_EQ(world.rank(), rank);
  EXPECT_EQ(world.size(), size);
  EXPECT_EQ(world.is_root(), rank == 0);
  // All ranks of these tests run on this one machine.
  EXPECT_EQ(world.local_rank(), rank);
  EXPECT_EQ(world.local_size(), size);
  EXPECT_EQ(rank_tag(), "[rank " + std::to_string(rank) + "/" + std::to_string(size) + "]");
  EXPECT_NE(process_identity().find("rank " + std::to_string(rank)), std::string::npos);
}

TEST(WorldMpi, ThreadLevelAtLeastFunneled) {
  World world;
  int provided = 0;
  MPI_Query_thread(&provided);
  EXPECT_GE(provided, MPI_THREAD_FUNNELED);
}

TEST(WorldMpi, ErrorsReturnSoChecksThrow) {
  World world;
  int value = 0;
  // Sending to a rank that does not exist must come back as an error code, not kill the job.
  try {
    S2S_MPI_CHECK(MPI_Send(&value, 1, MPI_INT, world.size() + 5, 0, world.comm()));
    FAIL() << "MPI_Send to an invalid rank did not fail";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("MPI call failed: MPI_Send"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("rank " + std::to_string(world.rank())), std::string::npos);
  }
}

TEST(WorldMpi, AllEqualDetectsOneDifferentRank) {
  World world;
  EXPECT_TRUE(world.all_equal(42, "same"));
  const bool same = world.all_equal(world.rank() == world.size() - 1 ? 7 : 42, "last differs");
  EXPECT_EQ(same, world.size() == 1);
  EXPECT_EQ(world.operations(), 2u);
}

TEST(WorldMpi, BarrierAndDeviceChoice) {
  World world;
  world.barrier();
  EXPECT_EQ(world.device_for_local_rank(1), 0);
  EXPECT_EQ(world.device_for_local_rank(8), world.local_rank() % 8);
  EXPECT_THROW(world.device_for_local_rank(0), Error);
}

TEST(WorldMpi, TimeoutOptionOverridesDefault) {
  World world(WorldOptions{.use_mpi = true, .timeout_s = 12.5});
  EXPECT_DOUBLE_EQ(world.timeout_s(), 12.5);
  EXPECT_THROW(world.set_timeout_s(0), Error);
}

}  // namespace
}  // namespace s2s::dist
