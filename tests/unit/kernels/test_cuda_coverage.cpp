// Coverage of the CUDA backend, checked in every build (no device needed): the ops declared in the
// `namespace s2s::cpu` blocks of include/s2s/kernels/*.h are exactly the ops of the op registry
// (op_registry.h), each has a declared twin in the same header's `namespace s2s::cuda` block, and
// in a CUDA build every registry entry has a CUDA function (null entries otherwise).
// The headers are parsed as text, independently of the registry, so a new CPU kernel without a
// CUDA twin (or without a registry line) fails here.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>

#include "s2s/kernels/op_registry.h"

namespace s2s::kern {
namespace {

namespace fs = std::filesystem;

// CUDA-only functions that are settings, not ops.
const std::set<std::string> kCudaOnlySettings = {"set_gemm_tf32"};

fs::path source_dir() {
  if (const char* dir = std::getenv("S2S_SOURCE_DIR")) return dir;
  return fs::path(__FILE__).parent_path().parent_path().parent_path().parent_path();  // tests/unit/kernels/x.cpp
}

std::string strip_comments(const std::string& text) {
  return std::regex_replace(text, std::regex("//[^\n]*"), "");
}

// Function names declared in the `namespace <ns> {` blocks of a header (blocks end at a line
// starting with '}').
std::set<std::string> declared_in(const std::string& text, const std::string& ns) {
  std::set<std::string> names;
  const std::string open = "namespace " + ns + " {";
  static const std::regex decl(R"((?:^|[\s>;])(?:void|double|float|bool|int|std::\w+)\s+(\w+)\s*\()");
  for (std::size_t at = text.find(open); at != std::string::npos; at = text.find(open, at + 1)) {
    const std::size_t end = text.find("\n}", at);
    const std::string block = text.substr(at, end == std::string::npos ? std::string::npos : end - at);
    for (std::sregex_iterator it(block.begin(), block.end(), decl), last; it != last; ++it) names.insert((*it)[1]);
  }
  return names;
}

struct HeaderOps {
  std::set<std::string> cpu, cuda;
};

std::map<std::string, HeaderOps> parse_kernel_headers() {
  std::map<std::string, HeaderOps> out;
  for (const auto& entry : fs::directory_iterator(source_dir() / "include/s2s/kernels")) {
    if (entry.path().extension() != ".h") continue;
    std::ifstream in(entry.path());
    std::stringstream ss;
    ss << in.rdbuf();
    const std::string text = strip_comments(ss.str());
    HeaderOps ops{declared_in(text, "s2s::cpu"), declared_in(text, "s2s::cuda")};
    if (!ops.cpu.empty()) out[entry.path().stem().string()] = ops;
  }
  return out;
}

TEST(CudaCoverage, HeadersParse) {
  const auto headers = parse_kernel_headers();
  ASSERT_TRUE(headers.count("gemm")) << "no kernel headers found under " << source_dir();
  EXPECT_TRUE(headers.at("gemm").cpu.count("gemm_batched"));
  EXPECT_TRUE(headers.at("gemm").cuda.count("set_gemm_tf32"));
  EXPECT_TRUE(headers.at("reduce").cpu.count("argmax_rows"));
}

TEST(CudaCoverage, EveryCpuOpHasADeclaredCudaTwin) {
  for (const auto& [family, ops] : parse_kernel_headers()) {
    for (const auto& name : ops.cpu)
      EXPECT_TRUE(ops.cuda.count(name)) << family << ".h declares cpu::" << name << " but no cuda::" << name;
    for (const auto& name : ops.cuda)
      EXPECT_TRUE(ops.cpu.count(name) || kCudaOnlySettings.count(name))
          << family << ".h declares cuda::" << name << " without a CPU reference";
  }
}

TEST(CudaCoverage, RegistryListsExactlyTheHeaderOps) {
  std::map<std::string, std::string> header_ops;  // name -> family
  for (const auto& [family, ops] : parse_kernel_headers())
    for (const auto& name : ops.cpu) header_ops[name] = family;
  std::set<std::string> seen;
  for (const OpEntry& op : op_registry()) {
    const std::string name(op.name);
    EXPECT_TRUE(seen.insert(name).second) << "op " << name << " is registered twice";
    ASSERT_TRUE(header_ops.count(name)) << "registered op " << name << " is not declared in any kernel header";
    EXPECT_EQ(header_ops.at(name), op.family) << "op " << name << " registered under the wrong family";
    EXPECT_NE(op.cpu_f32, nullptr) << name;
    EXPECT_NE(op.cpu_f64, nullptr) << name;
  }
  for (const auto& [name, family] : header_ops)
    EXPECT_TRUE(seen.count(name)) << family << ".h declares op " << name << " but src/kernels/op_registry.cpp lacks it";
}

TEST(CudaCoverage, CudaTwinsArePresentExactlyWhenBuilt) {
  for (const OpEntry& op : op_registry()) {
    if (cuda_backend_built()) EXPECT_NE(op.cuda, nullptr) << "no CUDA twin for " << op.name;
    else EXPECT_EQ(op.cuda, nullptr) << op.name << " has a CUDA entry in a build without CUDA";
  }
}

}  // namespace
}  // namespace s2s::kern
