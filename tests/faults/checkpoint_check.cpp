// Owns: s2s_faults_check, the checker of the kill-test harness (kill_resume.sh):
//   s2s_faults_check equal A.h5 B.h5   exit 0 when the two checkpoints hold bitwise the same
//                                      state (checkpoint_states_equal: every tensor, counter, RNG
//                                      position, cursor, accumulator), the stored config compared
//                                      without its train.train_dir line (the runs use two folders);
//                                      1 with the first difference printed.
//   s2s_faults_check latest DIR        exit 0 when DIR/latest is absent (nothing saved yet) or
//                                      names a checkpoint that reads with every checksum verified
//                                      (prints its step); 1 when `latest` is unloadable.
// Exit 2: usage or an unreadable A/B.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "s2s/checkpoint/checkpoint.h"
#include "s2s/core/error.h"

namespace {

std::string without_train_dir(const std::string& yaml) {
  std::istringstream in(yaml);
  std::string line, out;
  while (std::getline(in, line))
    if (line.find("train_dir:") == std::string::npos) out += line + "\n";
  return out;
}

int equal(const std::string& a_path, const std::string& b_path) {
  auto a = s2s::checkpoint::read_checkpoint(a_path);
  auto b = s2s::checkpoint::read_checkpoint(b_path);
  a.config_yaml = without_train_dir(a.config_yaml);
  b.config_yaml = without_train_dir(b.config_yaml);
  a.run_id.clear();  // the straight run and the killed-and-resumed one are two runs
  b.run_id.clear();
  std::string why;
  if (!s2s::checkpoint::checkpoint_states_equal(a, b, &why)) {
    std::printf("MISMATCH at step %lld: %s\n", static_cast<long long>(a.global_step), why.c_str());
    return 1;
  }
  std::printf("bitwise equal: step %lld\n", static_cast<long long>(a.global_step));
  return 0;
}

int latest(const std::string& dir) {
  const std::filesystem::path pointer = std::filesystem::path(dir) / "latest";
  if (!std::filesystem::exists(pointer)) {
    std::printf("no latest\n");
    return 0;
  }
  std::ifstream in(pointer);
  std::string name;
  std::getline(in, name);
  std::filesystem::path target = name;
  if (target.is_relative()) target = std::filesystem::path(dir) / target;
  try {
    const auto s = s2s::checkpoint::read_checkpoint(target.string());
    std::printf("latest: step %lld\n", static_cast<long long>(s.global_step));
    return 0;
  } catch (const s2s::Error& e) {
    std::printf("UNLOADABLE latest ('%s'): %s\n", name.c_str(), e.what());
    return 1;
  }
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const std::string cmd = argc > 1 ? argv[1] : "";
    if (cmd == "equal" && argc == 4) return equal(argv[2], argv[3]);
    if (cmd == "latest" && argc == 3) return latest(argv[2]);
    std::fprintf(stderr, "usage: %s equal A.h5 B.h5 | latest DIR\n", argv[0]);
    return 2;
  } catch (const s2s::Error& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 2;
  }
}
