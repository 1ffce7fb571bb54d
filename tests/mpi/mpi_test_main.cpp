// Owns: the gtest main of the MPI suites (toolchain.md §3): MPI_Init_thread(FUNNELED) before the
// tests (Worlds created by the tests adopt it), only rank 0 prints, a FATAL failure (ASSERT_*) on
// any rank aborts the whole job at once (the other ranks would otherwise block in the next
// collective until ctest's timeout), and every rank exits with the worst result of all ranks.
#include <gtest/gtest.h>
#include <mpi.h>

#include <cstdio>

namespace {
class AbortOnFatalFailure : public ::testing::EmptyTestEventListener {
  void OnTestPartResult(const ::testing::TestPartResult& result) override {
    if (!result.fatally_failed()) return;
    int rank = 0;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    std::fprintf(stderr, "[rank %d] fatal test failure at %s:%d: %s\n-> MPI_Abort\n", rank,
                 result.file_name() ? result.file_name() : "?", result.line_number(),
                 result.summary());
    std::fflush(stderr);
    MPI_Abort(MPI_COMM_WORLD, 1);
  }
};
}  // namespace

int main(int argc, char** argv) {
  int provided = 0;
  MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided);
  ::testing::InitGoogleTest(&argc, argv);
  int rank = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  auto& listeners = ::testing::UnitTest::GetInstance()->listeners();
  if (rank != 0) delete listeners.Release(listeners.default_result_printer());
  listeners.Append(new AbortOnFatalFailure);
  int rc = RUN_ALL_TESTS();
  int worst = 0;
  MPI_Allreduce(&rc, &worst, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
  MPI_Finalize();
  return worst;
}
