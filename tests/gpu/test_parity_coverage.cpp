// Every op of the registry has a parity test in this binary (each test file lists its ops with
// S2S_PARITY_COVERS), and no test claims an op the registry does not know. Runs in every build.
#include "gpu/harness.h"

namespace s2s::test {
namespace {

TEST(GpuParityCoverage, EveryRegisteredOpHasAParityTest) {
  std::set<std::string> registered;
  for (const auto& op : kern::op_registry()) registered.insert(std::string(op.name));
  for (const auto& name : registered) EXPECT_TRUE(tested_ops().count(name)) << "no CUDA parity test for op " << name;
  for (const auto& name : tested_ops()) EXPECT_TRUE(registered.count(name)) << "parity test for unregistered op " << name;
}

}  // namespace
}  // namespace s2s::test
