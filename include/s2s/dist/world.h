#pragma once
// Owns: s2s::dist::World, the process group of a data-parallel run: rank, size, local rank (ranks
// sharing this node), the device a rank should use, the deadline every collective is waited with,
// and what happens when a deadline passes (diagnose the missing ranks, then MPI_Abort).
//
// Two modes:
//   - MPI (default): MPI_Init_thread(MPI_THREAD_FUNNELED) unless MPI is already up. Works under
//     mpirun / srun and as a singleton (the binary started directly: rank 0 of 1).
//   - Local (WorldOptions::use_mpi = false): a one-process fake that never touches MPI; every
//     collective of this part is then the identity. For tests, and for the CLI with S2S_MPI=0
//     where MPI cannot start (world_options_from_environment()).
// Only the thread that created the World calls MPI (FUNNELED): the data prefetch thread never does.
//
// Invariants: every rank calls the collectives of this part in the same order (they are
// deadline-guarded, numbered, and the number is printed when one times out). World is not
// copyable; create one per process (tests may create several after MPI is up).
#include <mpi.h>

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace s2s::dist {

// Default deadline of a collective, overridable with S2S_DIST_TIMEOUT_S (seconds).
inline constexpr double kDefaultTimeoutS = 300.0;

struct WorldOptions {
  bool use_mpi = true;              // false: the one-process fake world (no MPI calls at all)
  std::optional<double> timeout_s;  // unset: env S2S_DIST_TIMEOUT_S, else kDefaultTimeoutS
};

// The timeout in effect when none is given: S2S_DIST_TIMEOUT_S if set (must be > 0), else 300 s.
double timeout_from_environment();

// The options the CLI starts its World with: S2S_MPI=0 selects the Local world (one process, no
// MPI at all: for machines where MPI_Init cannot run, e.g. a container without the Open MPI
// runtime; refused when a launcher reports more than one task), S2S_MPI=1 or unset MPI.
WorldOptions world_options_from_environment();

class World {
 public:
  explicit World(WorldOptions options = {});
  ~World();
  World(const World&) = delete;
  World& operator=(const World&) = delete;

  int rank() const { return rank_; }
  int size() const { return size_; }
  int local_rank() const { return local_rank_; }  // rank among the processes of this node
  int local_size() const { return local_size_; }
  bool is_root() const { return rank_ == 0; }
  bool uses_mpi() const { return uses_mpi_; }

  // The GPU this rank should use given the node's visible device count: local_rank % count.
  // Throws if count < 1; warns (once, on stderr) if more ranks than devices share the node.
  int device_for_local_rank(int device_count) const;

  double timeout_s() const { return timeout_s_; }
  void set_timeout_s(double seconds);

  // A duplicate of MPI_COMM_WORLD with MPI_ERRORS_RETURN (so S2S_MPI_CHECK reports errors).
  // MPI_COMM_NULL in Local mode.
  MPI_Comm comm() const { return comm_; }

  // Waits for non-blocking MPI requests by polling MPI_Testall until they complete or the
  // deadline passes; on timeout calls abort_on_timeout(what, ...). `what` names the operation in
  // the message ("allreduce bucket 3 of step 12"). Each call counts as one collective operation.
  void wait(std::span<MPI_Request> requests, std::string_view what);
  // One progress poll (MPI_Testall, never blocks); true when all requests have completed.
  static bool test(std::span<MPI_Request> requests);
  // A deadline-guarded barrier (MPI_Ibarrier + wait).
  void barrier(std::string_view what = "barrier");
  // True iff every rank passed the same value (an all-reduce MAX of {v, ~v}; deadline-guarded).
  bool all_equal(std::uint64_t value, std::string_view what);

  // On a timed-out operation: every live rank that timed out sends a small "arrived at
  // operation #n" note to all others on a private communicator, listens for the others' notes for
  // a grace period (min(10 s, max(1 s, timeout / 5))), prints one line naming the missing
  // rank(s) (no note) and the ranks stuck in another operation, then MPI_Abort(kExitTimeout).
  // Also used by the NCCL reducer (after ncclCommAbort). Local mode: prints and std::_Exit.
  [[noreturn]] void abort_on_timeout(std::string_view what, double waited_s);
  // Prints `message` (rank-prefixed) and aborts the whole job with `exit_code`.
  [[noreturn]] void abort(int exit_code, std::string_view message);

  // Number of collective operations waited so far (identical on all ranks when healthy).
  std::uint64_t operations() const { return op_seq_; }

 private:
  bool uses_mpi_ = true;
  bool owns_mpi_ = false;  // this World called MPI_Init_thread and will call MPI_Finalize
  int rank_ = 0, size_ = 1, local_rank_ = 0, local_size_ = 1;
  double timeout_s_ = kDefaultTimeoutS;
  std::uint64_t op_seq_ = 0;
  MPI_Comm comm_ = MPI_COMM_NULL;   // collectives
  MPI_Comm diag_ = MPI_COMM_NULL;   // timeout diagnosis notes only
};

}  // namespace s2s::dist
