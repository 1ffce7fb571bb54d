// Owns: the temporary input file and the property-failure report of the fuzz targets.
#include "fuzz_support.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>

namespace s2s::fuzz {

namespace {
std::string g_path;
void remove_temp() {
  if (!g_path.empty()) std::remove(g_path.c_str());
}
}  // namespace

const std::string& write_temp_file(const std::uint8_t* data, std::size_t size, const char* suffix) {
  if (g_path.empty()) {
    // /dev/shm keeps the millions of rewrites off the disk. A process killed on a timeout or
    // crash never runs atexit: run.sh gives a folder of its own (S2S_FUZZ_TMPDIR) and removes it.
    const char* env = std::getenv("S2S_FUZZ_TMPDIR");
    std::string dir = env && *env ? env
                      : std::filesystem::is_directory("/dev/shm") ? "/dev/shm"
                                                                  : std::filesystem::temp_directory_path().string();
    g_path = dir + "/s2s-fuzz-" + std::to_string(::getpid()) + suffix;
    std::atexit(remove_temp);
  }
  std::FILE* f = std::fopen(g_path.c_str(), "wb");
  if (!f || (size && std::fwrite(data, 1, size, f) != size) || std::fclose(f) != 0) {
    std::perror(g_path.c_str());
    std::abort();
  }
  return g_path;
}

void property_failed(const std::string& what) {
  std::fprintf(stderr, "s2s fuzz: property failed: %s\n", what.c_str());
  std::abort();
}

}  // namespace s2s::fuzz
