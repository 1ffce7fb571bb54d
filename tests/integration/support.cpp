// Owns: the integration suite's helpers (see support.h).
#include "support.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "s2s/core/error.h"
#include "s2s/data/prepare.h"
#include "s2s/dist/world.h"
#include "s2s/checkpoint/checkpoint_manager.h"

namespace s2s::itest {
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

TempDir::TempDir() {
  const char* base = std::getenv("TMPDIR");
  std::string tmpl = std::string(base && *base ? base : "/tmp") + "/s2s-itest-XXXXXX";
  std::vector<char> buf(tmpl.begin(), tmpl.end());
  buf.push_back('\0');
  S2S_CHECK(::mkdtemp(buf.data()) != nullptr, "mkdtemp ", tmpl, " failed");
  path_ = buf.data();
}

TempDir::~TempDir() {
  if (std::getenv("S2S_KEEP_TEST_DIRS")) return;
  std::error_code ec;
  fs::remove_all(path_, ec);
}

void make_dataset(const std::string& path, const TinyData& d) {
  data::PrepareOptions o;
  data::SyntheticOptions syn;
  syn.task = data::synthetic_task_from_name(d.task);
  syn.pairs = d.pairs;
  syn.dev_pairs = d.dev_pairs;
  syn.seed = d.seed;
  syn.alphabet = d.alphabet;
  syn.min_length = d.min_length;
  syn.max_length = d.max_length;
  o.synthetic = syn;
  o.output_path = path;
  o.force = true;
  o.buckets = data::parse_buckets(d.buckets);
  data::prepare_dataset(o);
}

std::vector<std::string> tiny_overrides(const std::string& dataset, const std::string& train_dir) {
  return {"model.cell=gru",
          "model.num_layers=1",
          "model.size=8",
          "model.embedding_size=8",
          "model.attention=true",
          "model.num_samples=0",
          "data.dataset=" + dataset,
          "data.sampler=epochs",
          "data.seed=3",
          "optim.optimizer=sgd",
          "optim.learning_rate=0.5",
          "optim.decay=plateau",
          "train.batch_size=4",
          "train.max_steps=12",
          "train.steps_per_checkpoint=4",
          "train.log_every=0",
          "train.train_dir=" + train_dir,
          "train.keep_checkpoints=0",
          "train.eval=both",
          "train.seed=7"};
}

config::TrainConfig make_config(const std::vector<std::string>& assignments) {
  config::TrainConfig cfg;
  config::config_apply_overrides(cfg, assignments);
  config::config_validate(cfg);
  return cfg;
}

train::TrainResult train_local(const config::TrainConfig& cfg) {
  dist::WorldOptions options;
  options.use_mpi = false;
  dist::World world(options);
  return train::run_training(cfg, world);
}

checkpoint::CheckpointState read_normalized(const std::string& path) {
  checkpoint::CheckpointState st = checkpoint::read_checkpoint(path);
  st.scalars.erase("window_seconds");
  st.config_yaml.clear();
  st.run_id.clear();  // a straight run and a resumed one are two runs
  st.info = {};
  return st;
}

std::string compare_checkpoints(const std::string& a, const std::string& b) {
  std::string why;
  if (checkpoint::checkpoint_states_equal(read_normalized(a), read_normalized(b), &why)) return "";
  return why.empty() ? std::string("differ") : why;
}

std::vector<std::int64_t> checkpoint_steps(const std::string& train_dir) {
  std::vector<std::int64_t> steps;
  for (const auto& e : fs::directory_iterator(train_dir))
    if (auto s = checkpoint::checkpoint_step_from_name(e.path().filename().string())) steps.push_back(*s);
  std::sort(steps.begin(), steps.end());
  return steps;
}

std::string s2s_binary() { return S2S_BINARY; }
std::string source_dir() { return S2S_TEST_SOURCE_DIR; }

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void write_file(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  S2S_CHECK(out.good(), "cannot write ", path);
}

// ---- subprocesses -----------------------------------------------------------------------------
namespace {
int decode_status(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}
int g_child_counter = 0;
}  // namespace

Child::Child(const std::vector<std::string>& argv, const std::string& log_prefix, const std::string& stdin_text) {
  const std::string tag = log_prefix + "." + std::to_string(::getpid()) + "." + std::to_string(g_child_counter++);
  out_path_ = tag + ".out";
  err_path_ = tag + ".err";
  const std::string in_path = tag + ".in";
  write_file(in_path, stdin_text);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  ::setenv("OPENBLAS_NUM_THREADS", "1", 1);
  pid_ = ::fork();
  S2S_CHECK(pid_ >= 0, "fork failed");
  if (pid_ == 0) {
    int in = ::open(in_path.c_str(), O_RDONLY);
    int out = ::open(out_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int err = ::open(err_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (in < 0 || out < 0 || err < 0) ::_exit(126);
    ::dup2(in, 0);
    ::dup2(out, 1);
    ::dup2(err, 2);
    ::setpgid(0, 0);  // its own process group: signals from a terminal do not reach it
    ::execv(args[0], args.data());
    ::_exit(127);
  }
}

Child::~Child() {
  if (!code_ && pid_ > 0) {
    ::kill(pid_, SIGKILL);
    int status = 0;
    ::waitpid(pid_, &status, 0);
  }
}

void Child::signal(int sig) const { ::kill(pid_, sig); }

std::optional<int> Child::wait(double timeout_s) {
  if (code_) return code_;
  const auto deadline = Clock::now() + std::chrono::duration<double>(timeout_s);
  for (;;) {
    int status = 0;
    pid_t r = ::waitpid(pid_, &status, WNOHANG);
    if (r == pid_) {
      code_ = decode_status(status);
      return code_;
    }
    if (Clock::now() > deadline) return std::nullopt;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

std::string Child::out() const { return read_file(out_path_); }
std::string Child::err() const { return read_file(err_path_); }

bool Child::wait_for_output(const std::string& needle, double timeout_s) {
  const auto deadline = Clock::now() + std::chrono::duration<double>(timeout_s);
  while (Clock::now() < deadline) {
    if (out().find(needle) != std::string::npos) return true;
    if (wait(0.0)) return out().find(needle) != std::string::npos;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

ProcessResult run_process(const std::vector<std::string>& argv, const std::string& scratch_dir, double timeout_s,
                          const std::string& stdin_text) {
  const auto t0 = Clock::now();
  Child child(argv, scratch_dir + "/proc", stdin_text);
  ProcessResult r;
  auto code = child.wait(timeout_s);
  if (!code) {
    child.signal(SIGKILL);
    code = child.wait(10);
  }
  r.code = code.value_or(-1);
  r.out = child.out();
  r.err = child.err();
  r.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  return r;
}

ProcessResult run_s2s(const std::vector<std::string>& args, const std::string& scratch_dir, double timeout_s,
                      const std::string& stdin_text) {
  std::vector<std::string> argv{s2s_binary()};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_process(argv, scratch_dir, timeout_s, stdin_text);
}

std::vector<std::string> as_set_args(const std::vector<std::string>& assignments) {
  std::vector<std::string> out;
  for (const auto& a : assignments) {
    out.push_back("--set");
    out.push_back(a);
  }
  return out;
}

}  // namespace s2s::itest
