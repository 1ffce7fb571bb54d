#pragma once
// Owns: s2s::Error (the one exception type of the library), S2S_CHECK for internal invariants and
// argument validation, and the single reporting function every per-library check macro uses.
// Library code throws; only the CLI's main catches, logs once and aborts the MPI job.
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>

namespace s2s {

class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

namespace detail {
template <class... Args>
std::string concat(const Args&... args) {
  std::ostringstream os;
  (os << ... << args);
  return os.str();
}
[[noreturn]] void check_failed(const char* expr, const std::string& message, const char* file,
                               int line);
// Reports a failing call of an external library (CUDA, cuBLAS, NCCL, MPI, HDF5): library name,
// the call as written, the library's own error text, file:line, and this process's rank and host.
[[noreturn]] void external_call_failed(std::string_view library, const char* call,
                                       const std::string& what, const char* file, int line);
}  // namespace detail

// "rank R on HOST" for error messages; the rank is taken from set_process_rank() once MPI is up,
// before that from the launcher's environment (OMPI_COMM_WORLD_RANK, PMI_RANK, SLURM_PROCID).
std::string process_identity();
void set_process_rank(int rank);

}  // namespace s2s

// S2S_CHECK(cond, message parts...): throws s2s::Error with the message, the condition and file:line.
#define S2S_CHECK(cond, ...)                                                                      \
  do {                                                                                            \
    if (!(cond)) ::s2s::detail::check_failed(#cond, ::s2s::detail::concat(__VA_ARGS__), __FILE__, \
                                             __LINE__);                                           \
  } while (0)

// S2S_FAIL(message parts...): throws unconditionally (for unreachable cases and bad input).
#define S2S_FAIL(...) ::s2s::detail::check_failed(nullptr, ::s2s::detail::concat(__VA_ARGS__), __FILE__, __LINE__)
