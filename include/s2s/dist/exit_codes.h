#pragma once
// Owns: the process exit codes of a distributed run (documented in docs/distributed.md).
// With mpirun, the job's exit status is the code the first aborting rank passed to MPI_Abort.
namespace s2s::dist {

inline constexpr int kExitError = 1;              // an s2s::Error reached main (the CLI aborts with 1)
inline constexpr int kExitCollectiveTimeout = 75;  // a collective missed its deadline (a rank hung)
inline constexpr int kExitNcclError = 76;          // NCCL reported an asynchronous error

}  // namespace s2s::dist
