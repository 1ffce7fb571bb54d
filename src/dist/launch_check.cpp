// Owns: the launch self-check (see s2s/dist/launch_check.h): collecting one rank's facts, the
// verdict over all ranks' facts, and its report.
#include "s2s/dist/launch_check.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <sstream>

#include "s2s/core/environment.h"
#include "s2s/core/error.h"
#include "s2s/dist/gather.h"
#include "s2s/dist/replicas.h"

namespace s2s::dist {
namespace {
namespace fs = std::filesystem;

constexpr const char* kLauncherVariables[] = {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "SLURM_STEP_NUM_TASKS",
                                              "SLURM_NTASKS", "SLURM_PROCID"};
constexpr std::size_t kFingerprintBytes = 64 * 1024;  // from each end of the dataset file
constexpr std::size_t kMaxHostsListed = 8;            // the summary stays one readable line

std::vector<std::string> split(std::string_view text, char sep) {
  std::vector<std::string> out;
  std::size_t start = 0;
  for (;;) {
    const std::size_t end = text.find(sep, start);
    out.emplace_back(text.substr(start, end == std::string_view::npos ? text.npos : end - start));
    if (end == std::string_view::npos) return out;
    start = end + 1;
  }
}

std::string clean(std::string s) {  // the encoding's separators never appear inside a field
  std::replace(s.begin(), s.end(), '\t', ' ');
  std::replace(s.begin(), s.end(), '\n', ' ');
  return s;
}

// "NAME" -> value from a facts' launcher string, or "" when the rank did not see it.
std::string launcher_value(const RankFacts& f, std::string_view name) {
  for (const std::string& kv : split(f.launcher, ' ')) {
    const auto eq = kv.find('=');
    if (eq != std::string::npos && std::string_view(kv).substr(0, eq) == name) return kv.substr(eq + 1);
  }
  return {};
}

// "0-3", "0,2,4", "1": ranks ascending, runs of two or more consecutive ranks collapsed.
std::string rank_list(std::vector<int> ranks) {
  std::sort(ranks.begin(), ranks.end());
  std::string out;
  for (std::size_t i = 0; i < ranks.size();) {
    std::size_t j = i;
    while (j + 1 < ranks.size() && ranks[j + 1] == ranks[j] + 1) ++j;
    if (!out.empty()) out += ',';
    out += std::to_string(ranks[i]);
    if (j > i) out += "-" + std::to_string(ranks[j]);
    i = j + 1;
  }
  return out;
}

// "rank 2 on host b", "ranks 2-3 on host b and rank 5 on host c": who, for error messages.
std::string who(const std::vector<RankFacts>& facts, const std::vector<int>& ranks) {
  std::vector<std::string> order;
  std::map<std::string, std::vector<int>> by_host;
  for (int r : ranks) {
    const std::string& h = facts[static_cast<std::size_t>(r)].host;
    if (!by_host.count(h)) order.push_back(h);
    by_host[h].push_back(r);
  }
  std::string out;
  for (std::size_t i = 0; i < order.size(); ++i) {
    const auto& rs = by_host[order[i]];
    out += (i == 0 ? "" : i + 1 == order.size() ? " and " : ", ");
    out += fmt::format("{} {} on host {}", rs.size() == 1 ? "rank" : "ranks", rank_list(rs), order[i]);
  }
  return out;
}

// What launched this world, for the summary: "mpirun (OMPI_COMM_WORLD_SIZE=4)".
std::string launcher_summary(const RankFacts& f) {
  if (auto v = launcher_value(f, "OMPI_COMM_WORLD_SIZE"); !v.empty()) return "mpirun (OMPI_COMM_WORLD_SIZE=" + v + ")";
  if (auto v = launcher_value(f, "SLURM_STEP_NUM_TASKS"); !v.empty()) return "srun (SLURM_STEP_NUM_TASKS=" + v + ")";
  if (auto v = launcher_value(f, "PMI_SIZE"); !v.empty()) return "a PMI launcher (PMI_SIZE=" + v + ")";
  return "none (started directly)";
}

void judge_launcher(const std::vector<RankFacts>& facts, LaunchReport& report) {
  const auto world = static_cast<long>(facts.size());
  // variable=value -> ranks that saw it, for every launcher variable that disagrees with the world.
  std::map<std::string, std::vector<int>> mismatch;
  std::map<std::string, std::vector<int>> allocation;  // SLURM_NTASKS outside an srun step
  for (const RankFacts& f : facts) {
    for (const char* name : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "SLURM_STEP_NUM_TASKS"}) {
      const std::string v = launcher_value(f, name);
      if (!v.empty() && std::atol(v.c_str()) != world) mismatch[std::string(name) + "=" + v].push_back(f.rank);
    }
    const std::string ntasks = launcher_value(f, "SLURM_NTASKS");
    if (!ntasks.empty() && launcher_value(f, "SLURM_STEP_NUM_TASKS").empty() && std::atol(ntasks.c_str()) != world)
      allocation["SLURM_NTASKS=" + ntasks].push_back(f.rank);
  }
  for (const auto& [var, ranks] : mismatch) {
    const RankFacts& f = facts[static_cast<std::size_t>(ranks.front())];
    const std::string procid = launcher_value(f, "SLURM_PROCID");
    report.errors.push_back(fmt::format(
        "the launcher started {} process(es) ({}) but {} joined a world of {} rank(s){} (separate worlds would "
        "each train alone into one train_dir): is S2S_MPI=0 set, or does the launcher's MPI/PMI not match the MPI "
        "s2s is built with (srun: use --mpi=pmix)?",
        var.substr(var.find('=') + 1), var, who(facts, ranks), world,
        procid.empty() || world > 1 ? "" : " (this process is SLURM_PROCID=" + procid + ")"));
  }
  for (const auto& [var, ranks] : allocation)
    report.warnings.push_back(fmt::format(
        "the Slurm allocation has {} task(s) ({}) but this run has {} rank(s) ({} started without srun): "
        "launch with srun or launch/slurm.sbatch to use them all",
        var.substr(var.find('=') + 1), var, world, who(facts, ranks)));
}

void judge_devices(const std::vector<RankFacts>& facts, const LaunchCheckOptions& o, LaunchReport& report) {
  std::map<std::string, std::vector<int>> by_id;
  for (const RankFacts& f : facts)
    if (!f.device_id.empty()) by_id[f.device_id].push_back(f.rank);
  for (const auto& [id, ranks] : by_id) {
    if (ranks.size() < 2) continue;
    std::string devices;
    for (int r : ranks) devices += (devices.empty() ? "" : ", ") + facts[static_cast<std::size_t>(r)].device;
    const std::string msg = fmt::format("{} share one GPU ({}; {})", who(facts, ranks), id, devices);
    if (o.one_device_per_rank)
      report.errors.push_back(msg + ": NCCL needs one GPU per rank (check CUDA_VISIBLE_DEVICES and the number of "
                                    "ranks per node)");
    else
      report.warnings.push_back(msg);
  }
  // Host names are the summary's grouping; World's local ranks come from shared memory. Two
  // machines (or containers) with one name would be summarised as one host.
  std::map<std::string, std::vector<int>> by_host;
  for (const RankFacts& f : facts) by_host[f.host].push_back(f.rank);
  for (const auto& [host, ranks] : by_host)
    for (int r : ranks)
      if (facts[static_cast<std::size_t>(r)].local_size != static_cast<int>(ranks.size())) {
        report.warnings.push_back(fmt::format("host name {} is reported by {} rank(s), but rank {} shares memory with "
                                              "{}: several machines or containers with one host name?",
                                              host, ranks.size(), r, facts[static_cast<std::size_t>(r)].local_size));
        break;
      }
}

void judge_dataset(const std::vector<RankFacts>& facts, const LaunchCheckOptions& o, LaunchReport& report,
                   std::string& summary) {
  std::map<std::string, std::vector<int>> errors, versions;
  bool checked = false;
  for (const RankFacts& f : facts) {
    if (f.dataset.empty()) continue;
    checked = true;
    if (f.dataset.rfind("ok ", 0) == 0) versions[f.dataset.substr(3)].push_back(f.rank);
    else errors[f.dataset.rfind("error ", 0) == 0 ? f.dataset.substr(6) : f.dataset].push_back(f.rank);
  }
  if (!checked) return;
  for (const auto& [reason, ranks] : errors)
    report.errors.push_back(fmt::format("dataset {} cannot be read by {}: {}", o.dataset, who(facts, ranks), reason));
  if (versions.size() > 1) {
    std::string list;
    for (const auto& [v, ranks] : versions)
      list += fmt::format("{}{} bytes, fingerprint {} on {}", list.empty() ? "" : "; ", split(v, ' ')[0],
                          split(v, ' ').back(), who(facts, ranks));
    report.errors.push_back(fmt::format("dataset {} is not the same file on every rank: {}", o.dataset, list));
  }
  if (errors.empty() && versions.size() == 1)
    summary += fmt::format("; dataset: the same {} bytes on every rank", split(versions.begin()->first, ' ')[0]);
}

void judge_train_dir(const std::vector<RankFacts>& facts, const LaunchCheckOptions& o, LaunchReport& report,
                     std::string& summary) {
  if (facts.empty() || facts.front().train_dir.empty()) return;
  if (facts.front().train_dir != "seen") {
    report.errors.push_back(fmt::format("rank 0 (host {}) cannot write train_dir {}: {}", facts.front().host, o.train_dir,
                                        facts.front().train_dir.substr(facts.front().train_dir.find(' ') + 1)));
    return;
  }
  std::vector<int> blind;
  std::string reason;
  for (const RankFacts& f : facts)
    if (f.train_dir != "seen") {
      blind.push_back(f.rank);
      if (reason.empty()) reason = f.train_dir.rfind("error ", 0) == 0 ? f.train_dir.substr(6) : f.train_dir;
    }
  if (blind.empty()) {
    summary += "; train_dir: shared (every rank read rank 0's token)";
    return;
  }
  const std::string msg = fmt::format(
      "train_dir {} is not shared: {} cannot see the token rank 0 (host {}) wrote there ({}). Rank 0 alone reads and "
      "writes checkpoints, so a restart with rank 0 on another host (a requeue) would start again from step 0",
      o.train_dir, who(facts, blind), facts.front().host, reason);
  if (o.require_shared_train_dir) {
    report.errors.push_back(msg + ": put train_dir on a filesystem every host mounts, or set "
                                  "dist.require_shared_train_dir=false");
  } else {
    report.warnings.push_back(msg + " (allowed: dist.require_shared_train_dir=false)");
    summary += "; train_dir: NOT shared";
  }
}

std::uint64_t fnv1a(std::uint64_t h, const char* p, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) {
    h ^= static_cast<unsigned char>(p[i]);
    h *= 1099511628211ull;
  }
  return h;
}

// "ok <bytes> <fingerprint of the first and last 64 KiB>" or "error <reason>". Cheap on any
// size: what it catches is a different copy (another version prepared on one host), not bit rot.
std::string probe_dataset(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return fmt::format("error cannot open it ({})", std::strerror(errno));
  std::error_code ec;
  const auto size = fs::file_size(path, ec);
  if (ec) return "error " + ec.message();
  std::string buf(static_cast<std::size_t>(std::min<std::uintmax_t>(size, kFingerprintBytes)), '\0');
  std::uint64_t h = 1469598103934665603ull;
  in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
  h = fnv1a(h, buf.data(), static_cast<std::size_t>(in.gcount()));
  if (size > kFingerprintBytes) {
    in.seekg(static_cast<std::streamoff>(size - std::min<std::uintmax_t>(size - kFingerprintBytes, kFingerprintBytes)));
    in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
    h = fnv1a(h, buf.data(), static_cast<std::size_t>(in.gcount()));
  }
  if (in.bad()) return "error read failed";
  return fmt::format("ok {} {:016x}", size, h);
}

std::string token_name(const std::string& nonce) { return ".s2s-launch-check-" + nonce; }

// Rank 0: create train_dir and write the token; returns its nonce, or "" with `fact` = the error.
std::string write_token(const std::string& train_dir, std::string& fact) {
  std::random_device rd;
  const auto now = std::chrono::system_clock::now().time_since_epoch().count();
  const std::string nonce = fmt::format("{:08x}{:08x}{:x}", rd(), static_cast<std::uint32_t>(now), ::getpid());
  std::error_code ec;
  fs::create_directories(train_dir, ec);
  if (ec) {
    fact = "error " + ec.message();
    return {};
  }
  std::ofstream out(fs::path(train_dir) / token_name(nonce), std::ios::trunc);
  out << nonce;
  out.close();
  if (!out) {
    fact = fmt::format("error cannot write {} ({})", (fs::path(train_dir) / token_name(nonce)).string(), std::strerror(errno));
    return {};
  }
  fact = "seen";
  return nonce;
}

std::string read_token(const std::string& train_dir, const std::string& nonce) {
  if (nonce.empty()) return "error rank 0 wrote no token";
  const fs::path path = fs::path(train_dir) / token_name(nonce);
  std::ifstream in(path);
  if (!in) return fmt::format("error {}: {}", path.string(), std::strerror(errno));
  std::string content;
  std::getline(in, content);
  return content == nonce ? "seen" : "error " + path.string() + " holds other bytes";
}

std::string host_name() {
  char host[256] = {};
  if (::gethostname(host, sizeof(host) - 1) != 0) return "?";
  return host;
}
}  // namespace

std::string encode_facts(const RankFacts& f) {
  return fmt::format("{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}", f.rank, clean(f.host), f.local_rank, f.local_size,
                     clean(f.device), clean(f.device_id), clean(f.launcher), clean(f.dataset), clean(f.train_dir));
}

RankFacts decode_facts(std::string_view text) {
  const auto v = split(text, '\t');
  S2S_CHECK(v.size() == 9, "launch check: malformed rank facts (", v.size(), " fields, expected 9): '", text, "'");
  RankFacts f;
  f.rank = std::atoi(v[0].c_str());
  f.host = v[1];
  f.local_rank = std::atoi(v[2].c_str());
  f.local_size = std::atoi(v[3].c_str());
  f.device = v[4];
  f.device_id = v[5];
  f.launcher = v[6];
  f.dataset = v[7];
  f.train_dir = v[8];
  return f;
}

std::string launcher_variables(const EnvLookup& lookup) {
  std::string out;
  for (const char* name : kLauncherVariables) {
    const char* v = lookup(name);
    if (v != nullptr && *v != '\0') out += fmt::format("{}{}={}", out.empty() ? "" : " ", name, clean(v));
  }
  return out;
}

LaunchReport judge_launch(const std::vector<RankFacts>& facts, const LaunchCheckOptions& options) {
  LaunchReport report;
  S2S_CHECK(!facts.empty(), "judge_launch: no rank facts");
  for (std::size_t r = 0; r < facts.size(); ++r)
    S2S_CHECK(facts[r].rank == static_cast<int>(r), "judge_launch: facts[", r, "] is rank ", facts[r].rank);
  judge_launcher(facts, report);
  judge_devices(facts, options, report);

  // Hosts in order of their lowest rank: "2 host(s) x 2 rank(s): a ranks 0-1 (cpu), b ranks 2-3 (cpu)".
  std::vector<std::string> hosts;
  std::map<std::string, std::vector<int>> ranks_of;
  for (const RankFacts& f : facts) {
    if (!ranks_of.count(f.host)) hosts.push_back(f.host);
    ranks_of[f.host].push_back(f.rank);
  }
  bool even = true;
  for (const auto& h : hosts) even = even && ranks_of[h].size() == ranks_of[hosts.front()].size();
  std::string summary = fmt::format("launch check: {} rank(s) on {} host(s){}", facts.size(), hosts.size(),
                                    even ? fmt::format(" x {} rank(s)", ranks_of[hosts.front()].size()) : "");
  for (std::size_t i = 0; i < hosts.size() && i < kMaxHostsListed; ++i) {
    std::string devices;
    for (int r : ranks_of[hosts[i]]) devices += (devices.empty() ? "" : ",") + facts[static_cast<std::size_t>(r)].device;
    summary += fmt::format("{} {} ranks {} ({})", i == 0 ? ":" : ",", hosts[i], rank_list(ranks_of[hosts[i]]), devices);
  }
  if (hosts.size() > kMaxHostsListed) summary += fmt::format(" and {} more host(s)", hosts.size() - kMaxHostsListed);
  summary += "; launcher: " + launcher_summary(facts.front());
  judge_dataset(facts, options, report, summary);
  judge_train_dir(facts, options, report, summary);
  // A single process started by hand has nothing worth a line; a launcher's single task has.
  if (facts.size() > 1 || !facts.front().launcher.empty() || !report.errors.empty() || !report.warnings.empty())
    report.summary = std::move(summary);
  return report;
}

LaunchReport check_launch(World& world, const LaunchCheckOptions& options) {
  RankFacts mine;
  mine.rank = world.rank();
  mine.host = host_name();
  mine.local_rank = world.local_rank();
  mine.local_size = world.local_size();
  mine.device = options.device;
  mine.device_id = options.device_id;
  mine.launcher = launcher_variables([](const char* name) { return env_value(name); });
  if (world.size() > 1) {
    if (!options.dataset.empty()) mine.dataset = probe_dataset(options.dataset);
    if (!options.train_dir.empty()) {
      std::string nonce;
      if (world.is_root()) nonce = write_token(options.train_dir, mine.train_dir);
      broadcast_string(world, nonce);
      if (!world.is_root()) mine.train_dir = read_token(options.train_dir, nonce);
      std::vector<RankFacts> facts;
      for (const std::string& s : all_gather_strings(world, encode_facts(mine))) facts.push_back(decode_facts(s));
      if (world.is_root() && !nonce.empty()) {
        std::error_code ec;
        fs::remove(fs::path(options.train_dir) / token_name(nonce), ec);  // every rank has read it
      }
      return judge_launch(facts, options);
    }
  }
  std::vector<RankFacts> facts;
  for (const std::string& s : all_gather_strings(world, encode_facts(mine))) facts.push_back(decode_facts(s));
  return judge_launch(facts, options);
}

void enforce_launch(const World& world, const LaunchReport& report) {
  if (world.is_root()) {
    if (!report.summary.empty()) log_root(report.summary);
    for (const std::string& w : report.warnings) log_root("warning: launch check: " + w);
  }
  if (report.errors.empty()) return;
  std::string msg = "launch check failed: ";
  for (std::size_t i = 0; i < report.errors.size(); ++i) msg += (i ? "; " : "") + report.errors[i];
  S2S_FAIL(msg);
}

}  // namespace s2s::dist
