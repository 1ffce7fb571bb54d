// Owns: naming, `latest`, rotation and --resume resolution for the checkpoints of a train_dir
// (rules in checkpoint_manager.h).
#include "s2s/checkpoint/checkpoint_manager.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "s2s/core/error.h"
#include "s2s/dist/log.h"
#include "s2s/io/atomic_file.h"
#include "s2s/kernels/tensor_ops.h"

namespace s2s::checkpoint {
namespace fs = std::filesystem;
namespace {

constexpr const char* kLatestName = "latest";
constexpr const char* kBestName = "best.h5";

bool stat_file(const std::string& path, std::int64_t& size, std::int64_t& mtime_ns) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return false;
  size = static_cast<std::int64_t>(st.st_size);
  mtime_ns = static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1000000000LL + st.st_mtim.tv_nsec;
  return true;
}

// A checkpoint with Inf/NaN values would become `latest` and poison every resume and eval.
void require_finite(const CheckpointState& state, const std::string& path) {
  auto check = [&](const char* what, const std::string& name, const Tensor& t) {
    if (!t.defined() || (t.dtype() != DType::F32 && t.dtype() != DType::F64)) return;
    // On the host: a device-side sum of squares could overflow for large but finite values.
    S2S_CHECK(kern::all_finite(t), "not writing checkpoint ", path,
              ": ", what, " '", name, "' holds non-finite values (Inf/NaN; e.g. a learning rate too large for "
              "the model). The previous checkpoints and `latest` are unchanged");
  };
  for (const auto& [name, t] : state.params) check("parameter", name, t);
  for (const auto& [name, t] : state.optimizer_state) check("optimizer state", name, t);
}

}  // namespace

std::optional<std::int64_t> checkpoint_step_from_name(const std::string& name) {
  constexpr std::string_view prefix = "ckpt-", suffix = ".h5";
  if (name.size() <= prefix.size() + suffix.size() || name.compare(0, prefix.size(), prefix) != 0 ||
      name.compare(name.size() - suffix.size(), suffix.size(), suffix) != 0)
    return std::nullopt;
  const std::string digits = name.substr(prefix.size(), name.size() - prefix.size() - suffix.size());
  if (digits.empty() || digits.size() > 18 ||
      !std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return std::nullopt;
  return std::stoll(digits);
}

CheckpointManager::CheckpointManager(std::string train_dir, std::int64_t keep, WarnFn warn)
    : dir_(std::move(train_dir)), keep_(keep), warn_(std::move(warn)) {
  S2S_CHECK(!dir_.empty(), "checkpoint manager: train_dir is empty");
  S2S_CHECK(keep_ >= 0, "checkpoint manager: keep must be >= 0, got ", keep_);
  // Diagnostics go to stderr: stdout carries the command's output (decode's lines, eval's JSON).
  if (!warn_) warn_ = [](const std::string& m) { dist::log_all("warning: " + m); };
  std::error_code ec;
  fs::create_directories(dir_, ec);
  S2S_CHECK(!ec && fs::is_directory(dir_), "cannot create train_dir '", dir_, "': ", ec.message());
}

std::string CheckpointManager::path_for_step(std::int64_t step) const {
  return (fs::path(dir_) / ("ckpt-" + std::to_string(step) + ".h5")).string();
}

std::vector<CheckpointFile> CheckpointManager::list() const {
  std::vector<CheckpointFile> out;
  for (const auto& entry : fs::directory_iterator(dir_)) {
    if (!entry.is_regular_file()) continue;
    if (auto step = checkpoint_step_from_name(entry.path().filename().string()))
      out.push_back({*step, entry.path().string()});
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.step < b.step; });
  return out;
}

std::optional<std::string> CheckpointManager::latest() const {
  const std::string pointer = (fs::path(dir_) / kLatestName).string();
  std::ifstream in(pointer);
  if (!in) return std::nullopt;
  std::string name;
  std::getline(in, name);
  if (name.empty()) return std::nullopt;
  // save() writes a bare file name of this folder. Anything else (an absolute path, "../run2/…",
  // another name) points outside this train_dir's own checkpoints: most likely at another run's.
  S2S_CHECK(name.find('/') == std::string::npos && checkpoint_step_from_name(name).has_value(), pointer,
            " names '", name, "', which is not a checkpoint of this train_dir (s2s writes one line "
            "'ckpt-<step>.h5' naming a file beside it). Refusing to resume from another folder's checkpoint "
            "implicitly: delete or fix ", pointer, ", or pass --resume ", name, " to start from it explicitly");
  return (fs::path(dir_) / name).string();
}

bool CheckpointManager::is_valid(const std::string& path, std::string* error) {
  std::int64_t size = 0, mtime = 0;
  if (!stat_file(path, size, mtime)) {
    if (error) *error = path + " does not exist";
    return false;
  }
  auto it = verdicts_.find(path);
  if (it == verdicts_.end() || it->second.size != size || it->second.mtime_ns != mtime) {
    Verdict v{size, mtime, true, {}, {}};
    try {
      const CheckpointState st = read_checkpoint(path);
      v.run_id = st.run_id;
      // A file whose name claims another step than it holds (copied or renamed by hand) would be
      // resumed as the wrong step or rotated as the wrong age.
      const auto named = checkpoint_step_from_name(fs::path(path).filename().string());
      S2S_CHECK(!named || *named == st.global_step, "checkpoint ", path, " holds global step ", st.global_step,
                " but its name says step ", *named, " (renamed or copied over by hand?)");
    } catch (const Error& e) {
      v.valid = false;
      v.error = e.what();
    }
    it = verdicts_.insert_or_assign(path, v).first;
  }
  if (error) *error = it->second.error;
  return it->second.valid;
}

std::string CheckpointManager::run_id_of(const std::string& path) {
  if (!is_valid(path)) return {};
  return verdicts_.at(path).run_id;
}

std::vector<std::string> CheckpointManager::remove_stale_temporaries() {
  return io::remove_stale_temporaries(
      dir_, [](const std::string& target) {
        return target == kLatestName || target == kBestName || checkpoint_step_from_name(target).has_value();
      });
}

void CheckpointManager::write_latest(const std::string& file_name) {
  io::AtomicFile out((fs::path(dir_) / kLatestName).string(), /*overwrite=*/true);
  {
    std::ofstream f(out.temp_path(), std::ios::trunc);
    f << file_name << "\n";
    f.close();
    S2S_CHECK(f.good(), "cannot write ", out.temp_path());
  }
  out.commit();
}

std::string CheckpointManager::save(const CheckpointState& state) {
  const std::string path = path_for_step(state.global_step);
  require_finite(state, path);
  std::string why;
  if (fs::exists(path) && !is_valid(path, &why)) {
    const std::string aside = path + ".corrupt";
    warn_("checkpoint " + path + " exists and does not verify; keeping it as " + aside + " (" + why + ")");
    fs::rename(path, aside);
  }
  write_checkpoint(path, state);
  S2S_CHECK(is_valid(path, &why), "checkpoint ", path, " did not verify after writing: ", why);
  write_latest(fs::path(path).filename().string());
  rotate(path);
  return path;
}

std::string CheckpointManager::best_path() const { return (fs::path(dir_) / kBestName).string(); }

std::string CheckpointManager::mark_best(const std::string& checkpoint_path) {
  io::AtomicFile out(best_path(), /*overwrite=*/true);
  // A hard link costs nothing and shares the verified bytes; rotation later unlinking the
  // ckpt-<step>.h5 name leaves best.h5's. Filesystems without hard links get a copy.
  if (::link(checkpoint_path.c_str(), out.temp_path().c_str()) != 0) {
    const int err = errno;
    std::error_code ec;
    fs::copy_file(checkpoint_path, out.temp_path(), fs::copy_options::overwrite_existing, ec);
    S2S_CHECK(!ec, "cannot make ", best_path(), " from ", checkpoint_path, ": link failed (", std::strerror(err),
              "), copy failed (", ec.message(), ")");
  }
  out.commit();
  verdicts_.erase(best_path());
  return best_path();
}

void CheckpointManager::rotate(const std::string& keep_path) {
  if (keep_ == 0) return;
  auto files = list();
  std::int64_t kept = 0;
  for (auto it = files.rbegin(); it != files.rend(); ++it) {
    if (!is_valid(it->path)) continue;  // corrupt files are evidence: never deleted
    if (kept < keep_ || it->path == keep_path) {
      ++kept;
      continue;
    }
    std::error_code ec;
    fs::remove(it->path, ec);
    if (ec) warn_("rotation could not delete " + it->path + ": " + ec.message());
    verdicts_.erase(it->path);
  }
}

ResumeChoice CheckpointManager::resolve_auto(const std::string& dir) {
  ResumeChoice choice;
  auto note = [&](const std::string& m) {
    choice.warnings.push_back(m);
    warn_(m);
  };
  CheckpointManager other(dir, 0, warn_);
  CheckpointManager& m = dir == dir_ ? *this : other;
  std::string why;
  const std::optional<std::string> latest = m.latest();
  // The run `latest` belongs to: a fallback must not continue another run whose checkpoints share
  // the folder (a --resume none restart into it, a file copied in).
  std::string run;
  if (latest) {
    if (m.is_valid(*latest, &why)) {
      choice.path = *latest;
      return choice;
    }
    run = read_checkpoint_run_id(*latest).value_or("");
    note("checkpoint named by " + (fs::path(dir) / kLatestName).string() + " is not usable: " + why +
         "; falling back to the newest checkpoint that verifies");
  }
  auto files = m.list();
  for (auto it = files.rbegin(); it != files.rend(); ++it) {
    if (latest && fs::path(*latest) == fs::path(it->path)) continue;  // reported above
    if (!m.is_valid(it->path, &why)) {
      note("skipping corrupt checkpoint: " + why);
      continue;
    }
    const std::string other = m.run_id_of(it->path);
    if (!run.empty() && !other.empty() && other != run) {
      note("skipping checkpoint " + it->path + ": it belongs to run " + other + ", not to run " + run +
           " that `latest` names");
      continue;
    }
    choice.path = it->path;
    return choice;
  }
  S2S_CHECK(files.empty(), "no checkpoint in ", dir, " verifies (", files.size(),
            " found, newest ", files.empty() ? "" : files.back().path,
            "); move them away or pass --resume none to start fresh");
  return choice;
}

ResumeChoice CheckpointManager::resolve_resume(const std::string& spec) {
  if (spec == "none") return {};
  if (spec == "auto" || spec.empty()) return resolve_auto(dir_);
  if (fs::is_directory(spec)) return resolve_auto(spec);
  std::string why;
  S2S_CHECK(fs::exists(spec), "--resume ", spec, ": no such checkpoint file or folder");
  S2S_CHECK(is_valid(spec, &why), "--resume ", spec, ": ", why);
  return {spec, {}};
}

}  // namespace s2s::checkpoint
