// Owns: the layering rule "parts above dist/ do not call MPI" (issue 15): a scan of src/ and
// include/ for MPI calls, types and constants outside src/dist/, include/s2s/dist/ and the check
// macro's header. Collectives the other parts need are World's or dist/sums.h's. Comments may name
// MPI freely; code may not.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

namespace s2s::dist {
namespace {

namespace fs = std::filesystem;

std::string source_dir() {
  const char* d = std::getenv("S2S_SOURCE_DIR");  // set by tests/CMakeLists.txt
  return d != nullptr ? d : ".";
}

bool allowed_to_use_mpi(const std::string& rel) {
  return rel.rfind("src/dist/", 0) == 0 || rel.rfind("include/s2s/dist/", 0) == 0 ||
         rel == "include/s2s/core/mpi_check.h";
}

TEST(MpiLayering, NoMpiAboveDist) {
  // MPI_Foo( calls, MPI_Request / MPI_Comm / MPI_DOUBLE / MPI_SUM ... tokens, and mpi_check.h.
  const std::regex mpi(R"((\bMPI_[A-Z][A-Za-z_]*\b)|(mpi_check\.h)|(<mpi\.h>))");
  std::vector<std::string> offenders;
  int scanned = 0;
  for (const char* top : {"src", "include"}) {
    for (const auto& e : fs::recursive_directory_iterator(fs::path(source_dir()) / top)) {
      const std::string ext = e.path().extension().string();
      if (!e.is_regular_file() || (ext != ".cpp" && ext != ".h" && ext != ".cu" && ext != ".cuh")) continue;
      const std::string rel = fs::relative(e.path(), source_dir()).string();
      ++scanned;
      if (allowed_to_use_mpi(rel)) continue;
      std::ifstream in(e.path());
      int n = 0;
      for (std::string line; std::getline(in, line);) {
        ++n;
        const auto c = line.find("//");
        if (c != std::string::npos) line.resize(c);
        std::smatch m;
        if (std::regex_search(line, m, mpi)) offenders.push_back(rel + ":" + std::to_string(n) + ": " + m.str());
      }
    }
  }
  ASSERT_GT(scanned, 100) << "S2S_SOURCE_DIR=" << source_dir() << " does not look like the source tree";
  EXPECT_TRUE(offenders.empty()) << "MPI used above dist/ (route it through dist::World or dist/sums.h):\n"
                                 << ::testing::PrintToString(offenders);
}

}  // namespace
}  // namespace s2s::dist
