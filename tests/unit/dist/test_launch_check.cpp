// Owns: tests of dist/launch_check.h: the verdict over hand-made rank facts (every expected
// summary and message written out here), the facts' encoding, and a one-process check.
#include "s2s/dist/launch_check.h"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "s2s/core/error.h"

namespace s2s::dist {
namespace {

RankFacts rank_on(int rank, const std::string& host, int local_rank, int local_size, std::string launcher = "") {
  RankFacts f;
  f.rank = rank;
  f.host = host;
  f.local_rank = local_rank;
  f.local_size = local_size;
  f.launcher = std::move(launcher);
  return f;
}

// 2 hosts x 2 ranks under mpirun, CPU, dataset and train_dir seen by all.
std::vector<RankFacts> two_by_two() {
  std::vector<RankFacts> facts;
  for (int r = 0; r < 4; ++r) {
    RankFacts f = rank_on(r, r < 2 ? "a" : "b", r % 2, 2, "OMPI_COMM_WORLD_SIZE=4");
    f.dataset = "ok 1000 00000000000000ff";
    f.train_dir = "seen";
    facts.push_back(f);
  }
  return facts;
}

LaunchCheckOptions paths() {
  LaunchCheckOptions o;
  o.dataset = "/data/d.h5";
  o.train_dir = "/runs/x";
  return o;
}

std::string joined(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += x + "\n";
  return s;
}

TEST(LaunchCheck, HealthyTwoHostsSummarisedOnOneLine) {
  const LaunchReport r = judge_launch(two_by_two(), paths());
  EXPECT_TRUE(r.errors.empty()) << joined(r.errors);
  EXPECT_TRUE(r.warnings.empty()) << joined(r.warnings);
  EXPECT_EQ(r.summary,
            "launch check: 4 rank(s) on 2 host(s) x 2 rank(s): a ranks 0-1 (cpu,cpu), b ranks 2-3 (cpu,cpu); "
            "launcher: mpirun (OMPI_COMM_WORLD_SIZE=4); dataset: the same 1000 bytes on every rank; "
            "train_dir: shared (every rank read rank 0's token)");
}

TEST(LaunchCheck, UnevenAndInterleavedHostsAndGpus) {
  std::vector<RankFacts> facts = {rank_on(0, "a", 0, 2), rank_on(1, "b", 0, 1), rank_on(2, "a", 1, 2)};
  facts[0].device = "cuda:0", facts[0].device_id = "GPU-0";
  facts[1].device = "cuda:0", facts[1].device_id = "GPU-1";
  facts[2].device = "cuda:1", facts[2].device_id = "GPU-2";
  const LaunchReport r = judge_launch(facts, {});
  EXPECT_TRUE(r.errors.empty()) << joined(r.errors);
  EXPECT_EQ(r.summary,
            "launch check: 3 rank(s) on 2 host(s): a ranks 0,2 (cuda:0,cuda:1), b ranks 1 (cuda:0); "
            "launcher: none (started directly)");
}

TEST(LaunchCheck, SingleProcessWithoutLauncherPrintsNothing) {
  const LaunchReport r = judge_launch({rank_on(0, "a", 0, 1)}, paths());
  EXPECT_TRUE(r.summary.empty());
  EXPECT_TRUE(r.errors.empty());
  EXPECT_TRUE(r.warnings.empty());
}

// `srun -n 2` of tasks that each came up alone (S2S_MPI=0, or a PMI the MPI library lacks).
TEST(LaunchCheck, SrunTaskAloneInItsWorldIsAnError) {
  const LaunchReport r =
      judge_launch({rank_on(0, "node7", 0, 1, "SLURM_STEP_NUM_TASKS=2 SLURM_NTASKS=2 SLURM_PROCID=1")}, paths());
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_NE(r.errors[0].find("the launcher started 2 process(es) (SLURM_STEP_NUM_TASKS=2) but rank 0 on host node7 "
                             "joined a world of 1 rank(s) (this process is SLURM_PROCID=1)"),
            std::string::npos)
      << r.errors[0];
  EXPECT_NE(r.summary.find("launcher: srun (SLURM_STEP_NUM_TASKS=2)"), std::string::npos) << r.summary;
}

TEST(LaunchCheck, MpirunSizeAndPmiSizeDisagreeingAreErrors) {
  std::vector<RankFacts> facts = two_by_two();
  for (auto& f : facts) f.launcher = "OMPI_COMM_WORLD_SIZE=8";
  facts[3].launcher = "PMI_SIZE=3";
  const LaunchReport r = judge_launch(facts, paths());
  ASSERT_EQ(r.errors.size(), 2u) << joined(r.errors);
  EXPECT_NE(joined(r.errors).find("(OMPI_COMM_WORLD_SIZE=8) but ranks 0-1 on host a and rank 2 on host b joined a "
                                  "world of 4"),
            std::string::npos)
      << joined(r.errors);
  EXPECT_NE(joined(r.errors).find("(PMI_SIZE=3) but rank 3 on host b joined"), std::string::npos) << joined(r.errors);
}

TEST(LaunchCheck, MatchingSrunAndMpirunInsideABiggerAllocation) {
  std::vector<RankFacts> srun = two_by_two();
  for (auto& f : srun) f.launcher = "SLURM_STEP_NUM_TASKS=4 SLURM_NTASKS=4 SLURM_PROCID=" + std::to_string(f.rank);
  LaunchReport r = judge_launch(srun, paths());
  EXPECT_TRUE(r.errors.empty()) << joined(r.errors);
  EXPECT_TRUE(r.warnings.empty()) << joined(r.warnings);
  // `mpirun -np 4` inside `sbatch -n 6`: mpirun decides the size; the unused tasks are a warning.
  std::vector<RankFacts> mpirun = two_by_two();
  for (auto& f : mpirun) f.launcher = "OMPI_COMM_WORLD_SIZE=4 SLURM_NTASKS=6 SLURM_PROCID=0";
  r = judge_launch(mpirun, paths());
  EXPECT_TRUE(r.errors.empty()) << joined(r.errors);
  ASSERT_EQ(r.warnings.size(), 1u);
  EXPECT_EQ(r.warnings[0],
            "the Slurm allocation has 6 task(s) (SLURM_NTASKS=6) but this run has 4 rank(s) (ranks 0-1 on host a and "
            "ranks 2-3 on host b started without srun): launch with srun or launch/slurm.sbatch to use them all");
}

TEST(LaunchCheck, TwoRanksOnOneGpu) {
  std::vector<RankFacts> facts = two_by_two();
  const char* ids[] = {"GPU-a0", "GPU-a1", "GPU-b0", "GPU-b0"};
  for (int r = 0; r < 4; ++r) facts[r].device = "cuda:" + std::to_string(r % 2), facts[r].device_id = ids[r];
  facts[3].device = "cuda:0";  // e.g. CUDA_VISIBLE_DEVICES=0 on both ranks of host b
  LaunchCheckOptions o = paths();
  o.one_device_per_rank = true;
  LaunchReport r = judge_launch(facts, o);
  ASSERT_EQ(r.errors.size(), 1u) << joined(r.errors);
  EXPECT_EQ(r.errors[0], "ranks 2-3 on host b share one GPU (GPU-b0; cuda:0, cuda:0): NCCL needs one GPU per rank "
                         "(check CUDA_VISIBLE_DEVICES and the number of ranks per node)");
  o.one_device_per_rank = false;
  r = judge_launch(facts, o);
  EXPECT_TRUE(r.errors.empty());
  ASSERT_EQ(r.warnings.size(), 1u);
  EXPECT_EQ(r.warnings[0], "ranks 2-3 on host b share one GPU (GPU-b0; cuda:0, cuda:0)");
}

TEST(LaunchCheck, DatasetUnreadableOrDifferentOnSomeHost) {
  std::vector<RankFacts> facts = two_by_two();
  facts[2].dataset = facts[3].dataset = "error cannot open it (No such file or directory)";
  LaunchReport r = judge_launch(facts, paths());
  ASSERT_EQ(r.errors.size(), 1u) << joined(r.errors);
  EXPECT_EQ(r.errors[0], "dataset /data/d.h5 cannot be read by ranks 2-3 on host b: cannot open it (No such file or "
                         "directory)");
  EXPECT_EQ(r.summary.find("dataset:"), std::string::npos) << r.summary;
  facts = two_by_two();
  facts[3].dataset = "ok 999 00000000000000aa";
  r = judge_launch(facts, paths());
  ASSERT_EQ(r.errors.size(), 1u) << joined(r.errors);
  EXPECT_EQ(r.errors[0], "dataset /data/d.h5 is not the same file on every rank: 1000 bytes, fingerprint "
                         "00000000000000ff on ranks 0-1 on host a and rank 2 on host b; 999 bytes, fingerprint "
                         "00000000000000aa on rank 3 on host b");
}

TEST(LaunchCheck, TrainDirNotSharedIsAnErrorUnlessAllowed) {
  std::vector<RankFacts> facts = two_by_two();
  facts[2].train_dir = facts[3].train_dir = "error /runs/x/.s2s-launch-check-1: No such file or directory";
  LaunchCheckOptions o = paths();
  LaunchReport r = judge_launch(facts, o);
  ASSERT_EQ(r.errors.size(), 1u) << joined(r.errors);
  EXPECT_EQ(r.errors[0],
            "train_dir /runs/x is not shared: ranks 2-3 on host b cannot see the token rank 0 (host a) wrote there "
            "(/runs/x/.s2s-launch-check-1: No such file or directory). Rank 0 alone reads and writes checkpoints, so a "
            "restart with rank 0 on another host (a requeue) would start again from step 0: put train_dir on a "
            "filesystem every host mounts, or set dist.require_shared_train_dir=false");
  o.require_shared_train_dir = false;
  r = judge_launch(facts, o);
  EXPECT_TRUE(r.errors.empty()) << joined(r.errors);
  ASSERT_EQ(r.warnings.size(), 1u);
  EXPECT_NE(r.warnings[0].find("(allowed: dist.require_shared_train_dir=false)"), std::string::npos);
  EXPECT_NE(r.summary.find("; train_dir: NOT shared"), std::string::npos) << r.summary;
  facts = two_by_two();
  facts[0].train_dir = "error Permission denied";
  r = judge_launch(facts, paths());
  ASSERT_EQ(r.errors.size(), 1u) << joined(r.errors);
  EXPECT_EQ(r.errors[0], "rank 0 (host a) cannot write train_dir /runs/x: Permission denied");
}

TEST(LaunchCheck, OneHostNameOnSeveralMemoryDomainsIsAWarning) {
  // Two containers both named "worker": each holds 1 rank by shared memory, 2 by name.
  const LaunchReport r = judge_launch({rank_on(0, "worker", 0, 1), rank_on(1, "worker", 0, 1)}, {});
  EXPECT_TRUE(r.errors.empty());
  ASSERT_EQ(r.warnings.size(), 1u);
  EXPECT_EQ(r.warnings[0], "host name worker is reported by 2 rank(s), but rank 0 shares memory with 1: several "
                           "machines or containers with one host name?");
}

TEST(LaunchCheck, FactsRoundTripAndRejectGarbage) {
  RankFacts f = rank_on(3, "h\tx", 1, 2, "OMPI_COMM_WORLD_SIZE=4");
  f.device = "cuda:1";
  f.device_id = "GPU-12";
  f.dataset = "error a\nb";
  f.train_dir = "seen";
  const RankFacts g = decode_facts(encode_facts(f));
  EXPECT_EQ(g.rank, 3);
  EXPECT_EQ(g.host, "h x");
  EXPECT_EQ(g.local_rank, 1);
  EXPECT_EQ(g.local_size, 2);
  EXPECT_EQ(g.device, "cuda:1");
  EXPECT_EQ(g.device_id, "GPU-12");
  EXPECT_EQ(g.launcher, "OMPI_COMM_WORLD_SIZE=4");
  EXPECT_EQ(g.dataset, "error a b");
  EXPECT_EQ(g.train_dir, "seen");
  EXPECT_THROW(decode_facts("1\t2"), Error);
}

TEST(LaunchCheck, LauncherVariablesInAFixedOrder) {
  const std::map<std::string, std::string> env = {{"SLURM_PROCID", "1"}, {"SLURM_NTASKS", "2"}, {"HOME", "/root"},
                                                  {"OMPI_COMM_WORLD_SIZE", "2"}, {"PMI_SIZE", ""}};
  EXPECT_EQ(launcher_variables([&](const char* n) -> const char* {
              auto it = env.find(n);
              return it == env.end() ? nullptr : it->second.c_str();
            }),
            "OMPI_COMM_WORLD_SIZE=2 SLURM_NTASKS=2 SLURM_PROCID=1");
  EXPECT_EQ(launcher_variables([](const char*) -> const char* { return nullptr; }), "");
}

TEST(LaunchCheck, OneProcessLocalWorldProbesNothing) {
  World world({.use_mpi = false, .timeout_s = {}});
  LaunchCheckOptions o;
  o.dataset = "/nonexistent/d.h5";         // one rank: the dataset reader reports this itself
  o.train_dir = "/nonexistent/train_dir";  // and train_dir is not created
  const LaunchReport r = check_launch(world, o);
  EXPECT_TRUE(r.errors.empty()) << joined(r.errors);
  EXPECT_NO_THROW(enforce_launch(world, r));
}

}  // namespace
}  // namespace s2s::dist
