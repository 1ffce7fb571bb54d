// Owns: World set-up (MPI init, communicators, local rank), deadline-guarded waits, and the
// diagnosis printed when a collective times out (see s2s/dist/world.h).
//
// Why notes on timeout rather than a heartbeat: a rank that hangs (sleeping, spinning in a
// kernel, blocked in I/O) makes no MPI progress, so it cannot answer anything, and one-sided
// reads of its state need target progress except on shared memory. The live ranks, however,
// can all talk: when their wait times out each sends a small eager message ("I am at operation
// #n, waited t s") to every other rank and listens for the same from the others for a grace
// period. Eager sends complete without the receiver's help, and Iprobe needs only the prober's
// progress, so this works over any Open MPI transport. A rank that sent no note is named
// missing; a rank that sent a note for another operation number is named as stuck elsewhere.
#include "s2s/dist/world.h"

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <thread>
#include <vector>

#include "s2s/core/error.h"
#include "s2s/core/environment.h"
#include "s2s/core/mpi_check.h"
#include "s2s/dist/exit_codes.h"
#include "s2s/dist/log.h"

namespace s2s::dist {
namespace {
using Clock = std::chrono::steady_clock;

constexpr int kNoteTag = 0x5d;

struct ArrivalNote {
  std::uint64_t operation;
  double waited_s;
  char what[112];
};

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

// Polling pace: spin (yielding) for the first millisecond, then sleep a little, so that
// oversubscribed ranks (np > cores) leave the cores to the ranks that have work.
void backoff(double elapsed_s) {
  if (elapsed_s < 1e-3) std::this_thread::yield();
  else if (elapsed_s < 0.1) std::this_thread::sleep_for(std::chrono::microseconds(20));
  else std::this_thread::sleep_for(std::chrono::microseconds(200));
}

std::string join_ranks(const std::vector<int>& ranks) {
  std::string s;
  for (std::size_t i = 0; i < ranks.size(); ++i) s += (i ? ", " : "") + std::to_string(ranks[i]);
  return s;
}
}  // namespace

WorldOptions world_options_from_environment() {
  WorldOptions o;
  const char* v = env_value("S2S_MPI");
  if (v == nullptr || *v == '\0') return o;
  const std::string value(v);
  S2S_CHECK(value == "0" || value == "1", "S2S_MPI must be 0 (no MPI: one process) or 1 (MPI), got '", value, "'");
  if (value == "1") return o;
  // Launched as one of several tasks, each process would train alone on the same train_dir.
  for (const char* launcher_size : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE"}) {  // mpirun; hydra, srun --mpi=pmi2
    const char* n = env_value(launcher_size);
    S2S_CHECK(n == nullptr || std::atoi(n) <= 1, "S2S_MPI=0 but ", launcher_size, "=", n,
              ": this is one of several launched tasks, which need MPI to train together (unset S2S_MPI)");
  }
  o.use_mpi = false;
  return o;
}

double timeout_from_environment() {
  const char* v = env_value("S2S_DIST_TIMEOUT_S");
  if (v == nullptr || *v == '\0') return kDefaultTimeoutS;
  char* end = nullptr;
  double t = std::strtod(v, &end);
  S2S_CHECK(end != v && *end == '\0' && std::isfinite(t) && t > 0,
            "S2S_DIST_TIMEOUT_S must be a positive number of seconds, got '", v, "'");
  return t;
}

World::World(WorldOptions options) {
  set_timeout_s(options.timeout_s ? *options.timeout_s : timeout_from_environment());
  uses_mpi_ = options.use_mpi;
  if (!uses_mpi_) {
    set_process_rank(0);
    set_log_identity(0, 1);
    return;
  }
  int finalized = 0;
  MPI_Finalized(&finalized);
  S2S_CHECK(!finalized, "World created after MPI_Finalize");
  int initialized = 0;
  MPI_Initialized(&initialized);
  int provided = 0;
  if (!initialized) {
    // FUNNELED: only this (main) thread calls MPI; the prefetch thread never does.
    S2S_MPI_CHECK(MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED, &provided));
    owns_mpi_ = true;
  } else {
    S2S_MPI_CHECK(MPI_Query_thread(&provided));
  }
  S2S_CHECK(provided >= MPI_THREAD_FUNNELED,
            "MPI provides thread level ", provided, ", s2s needs MPI_THREAD_FUNNELED or better");
  // Errors come back as return codes (S2S_MPI_CHECK turns them into s2s::Error naming the call).
  S2S_MPI_CHECK(MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN));
  S2S_MPI_CHECK(MPI_Comm_dup(MPI_COMM_WORLD, &comm_));
  S2S_MPI_CHECK(MPI_Comm_dup(MPI_COMM_WORLD, &diag_));
  S2S_MPI_CHECK(MPI_Comm_rank(comm_, &rank_));
  S2S_MPI_CHECK(MPI_Comm_size(comm_, &size_));
  MPI_Comm local = MPI_COMM_NULL;
  S2S_MPI_CHECK(MPI_Comm_split_type(comm_, MPI_COMM_TYPE_SHARED, rank_, MPI_INFO_NULL, &local));
  S2S_MPI_CHECK(MPI_Comm_rank(local, &local_rank_));
  S2S_MPI_CHECK(MPI_Comm_size(local, &local_size_));
  MPI_Comm_free(&local);
  set_process_rank(rank_);
  set_log_identity(rank_, size_);
}

World::~World() {
  if (!uses_mpi_) return;
  int finalized = 0;
  MPI_Finalized(&finalized);
  if (finalized) return;
  // A World that owns MPI and is destroyed by an escaping exception must not finalize (the other
  // ranks would block in their next collective): end the whole job instead.
  if (owns_mpi_ && size_ > 1 && std::uncaught_exceptions() > 0) {
    log_all("World destroyed by an exception: aborting the job");
    MPI_Abort(MPI_COMM_WORLD, kExitError);
  }
  if (comm_ != MPI_COMM_NULL) MPI_Comm_free(&comm_);
  if (diag_ != MPI_COMM_NULL) MPI_Comm_free(&diag_);
  if (owns_mpi_) MPI_Finalize();
}

int World::device_for_local_rank(int device_count) const {
  S2S_CHECK(device_count >= 1, "rank ", rank_, ": no GPU visible (device count ", device_count,
            ")");
  static bool warned = false;
  if (local_size_ > device_count && !warned) {
    warned = true;
    log_all("warning: {} ranks on this node share {} device(s)", local_size_, device_count);
  }
  return local_rank_ % device_count;
}

void World::set_timeout_s(double seconds) {
  S2S_CHECK(std::isfinite(seconds) && seconds > 0, "collective timeout must be > 0 s, got ",
            seconds);
  timeout_s_ = seconds;
}

bool World::test(std::span<MPI_Request> requests) {
  if (requests.empty()) return true;
  int flag = 0;
  S2S_MPI_CHECK(MPI_Testall(static_cast<int>(requests.size()), requests.data(), &flag,
                            MPI_STATUSES_IGNORE));
  return flag != 0;
}

void World::wait(std::span<MPI_Request> requests, std::string_view what) {
  ++op_seq_;
  const auto t0 = Clock::now();
  for (;;) {
    if (test(requests)) return;
    const double elapsed = seconds_since(t0);
    if (elapsed > timeout_s_) abort_on_timeout(what, elapsed);
    backoff(elapsed);
  }
}

void World::barrier(std::string_view what) {
  if (!uses_mpi_) {
    ++op_seq_;
    return;
  }
  MPI_Request req = MPI_REQUEST_NULL;
  S2S_MPI_CHECK(MPI_Ibarrier(comm_, &req));
  wait(std::span<MPI_Request>(&req, 1), what);
}

bool World::all_equal(std::uint64_t value, std::string_view what) {
  if (!uses_mpi_) {
    ++op_seq_;
    return true;
  }
  std::uint64_t v[2] = {value, ~value};  // max(v) and ~max(~v) = min(v) in one all-reduce
  MPI_Request req = MPI_REQUEST_NULL;
  S2S_MPI_CHECK(MPI_Iallreduce(MPI_IN_PLACE, v, 2, MPI_UINT64_T, MPI_MAX, comm_, &req));
  wait(std::span<MPI_Request>(&req, 1), what);
  return v[0] == ~v[1];
}

void World::abort_on_timeout(std::string_view what, double waited_s) {
  std::string msg = fmt::format(
      "collective timeout: '{}' (operation #{}) not complete after {:.1f} s "
      "(limit {:.1f} s: dist.timeout_s or S2S_DIST_TIMEOUT_S)",
      what, op_seq_, waited_s, timeout_s_);
  if (!uses_mpi_ || size_ == 1) abort(kExitCollectiveTimeout, msg);

  ArrivalNote mine{};
  mine.operation = op_seq_;
  mine.waited_s = waited_s;
  std::snprintf(mine.what, sizeof(mine.what), "%.*s", static_cast<int>(what.size()), what.data());
  std::vector<MPI_Request> sends(static_cast<std::size_t>(size_), MPI_REQUEST_NULL);
  for (int r = 0; r < size_; ++r)
    if (r != rank_) MPI_Isend(&mine, sizeof(mine), MPI_BYTE, r, kNoteTag, diag_, &sends[r]);

  const double grace = std::min(10.0, std::max(1.0, timeout_s_ / 5));
  std::vector<bool> heard(static_cast<std::size_t>(size_), false);
  std::vector<ArrivalNote> notes(static_cast<std::size_t>(size_));
  heard[rank_] = true;
  int outstanding = size_ - 1;
  const auto t0 = Clock::now();
  while (outstanding > 0 && seconds_since(t0) < grace) {
    for (int r = 0; r < size_; ++r) {
      if (heard[r]) continue;
      int flag = 0;
      if (MPI_Iprobe(r, kNoteTag, diag_, &flag, MPI_STATUS_IGNORE) != MPI_SUCCESS || !flag) continue;
      MPI_Recv(&notes[r], sizeof(ArrivalNote), MPI_BYTE, r, kNoteTag, diag_, MPI_STATUS_IGNORE);
      heard[r] = true;
      --outstanding;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }

  std::vector<int> missing;
  std::string elsewhere;
  for (int r = 0; r < size_; ++r) {
    if (!heard[r]) {
      missing.push_back(r);
    } else if (r != rank_ && notes[r].operation != op_seq_) {
      notes[r].what[sizeof(notes[r].what) - 1] = '\0';
      elsewhere += fmt::format("; rank {} is stuck in '{}' (operation #{})", r, notes[r].what,
                               notes[r].operation);
    }
  }
  if (!missing.empty())
    msg += fmt::format("; missing rank(s): {} (no arrival notice within {:.1f} s: hung, dead, "
                       "or not at a collective)",
                       join_ranks(missing), grace);
  else if (elsewhere.empty())
    msg += "; every rank reached this operation and timed out (mismatched collective arguments?)";
  msg += elsewhere;
  abort(kExitCollectiveTimeout, msg);
}

void World::abort(int exit_code, std::string_view message) {
  log_all("{} -- aborting the job with exit code {}", message, exit_code);
  if (uses_mpi_) {
    int initialized = 0, finalized = 0;
    MPI_Initialized(&initialized);
    MPI_Finalized(&finalized);
    if (initialized && !finalized) MPI_Abort(MPI_COMM_WORLD, exit_code);
  }
  std::_Exit(exit_code);
}

}  // namespace s2s::dist
