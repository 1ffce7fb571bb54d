// Tests: the conformance harness on fixtures written here by hand (a `linear` call whose
// expected values and gradients are computed in plain loops): PASS when right, FAIL when a value
// or a gradient is off, and errors naming the path for a missing/unused parameter, an unused
// input, an unknown kwargs key and a probe/expected mismatch; directory expansion.
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <functional>

#include "s2s/conformance/harness.h"
#include "s2s/io/h5_file.h"

namespace s2s::conformance {
namespace {

namespace fs = std::filesystem;

struct LinearCase {
  // x [2, 3], W [3, 2], b [2], R [2, 2]
  std::vector<double> x = {0.5, -1.0, 2.0, 1.5, 0.25, -0.75};
  std::vector<double> w = {0.1, -0.2, 0.3, 0.4, -0.5, 0.6};
  std::vector<double> b = {0.05, -0.05};
  std::vector<double> r = {1.0, -2.0, 0.5, 3.0};
  std::vector<double> out() const {
    std::vector<double> y(4);
    for (int i = 0; i < 2; ++i)
      for (int j = 0; j < 2; ++j) {
        y[i * 2 + j] = b[j];
        for (int k = 0; k < 3; ++k) y[i * 2 + j] += x[i * 3 + k] * w[k * 2 + j];
      }
    return y;
  }
  std::vector<double> grad_w() const {  // xᵀ R
    std::vector<double> g(6, 0.0);
    for (int k = 0; k < 3; ++k)
      for (int j = 0; j < 2; ++j)
        for (int i = 0; i < 2; ++i) g[k * 2 + j] += x[i * 3 + k] * r[i * 2 + j];
    return g;
  }
  std::vector<double> grad_x() const {  // R Wᵀ
    std::vector<double> g(6, 0.0);
    for (int i = 0; i < 2; ++i)
      for (int k = 0; k < 3; ++k)
        for (int j = 0; j < 2; ++j) g[i * 3 + k] += r[i * 2 + j] * w[k * 2 + j];
    return g;
  }
  std::vector<double> grad_b() const { return {r[0] + r[2], r[1] + r[3]}; }
};

class HarnessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("s2s_harness_" + std::to_string(::getpid()) + "_" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  // Writes the linear fixture; `edit` may change the file before it is closed.
  std::string write(const std::string& name, const std::function<void(io::File&)>& edit = {},
                    const std::string& kwargs = R"({"bias": true, "output_size": 2})") {
    const std::string path = (dir_ / name).string();
    LinearCase c;
    io::File f = io::File::create(path, true);
    f.set_attribute("format", "s2s-conformance");
    f.set_attribute("version", 1);
    f.set_attribute("function", "linear");
    f.set_attribute("dtype", "float64");
    f.set_attribute("kwargs", kwargs);
    auto put = [&](const std::string& p, Shape shape, const std::vector<double>& v) {
      f.write_tensor(p, Tensor::from_vector<double>(shape, v));
    };
    put("inputs/args/0", {2, 3}, c.x);
    put("params/kernel", {3, 2}, c.w);
    put("params/bias", {2}, c.b);
    put("probe/outputs", {2, 2}, c.r);
    put("expected/outputs", {2, 2}, c.out());
    put("expected/grad/params/kernel", {3, 2}, c.grad_w());
    put("expected/grad/params/bias", {2}, c.grad_b());
    put("expected/grad/inputs/args/0", {2, 3}, c.grad_x());
    if (edit) edit(f);
    f.close();
    return path;
  }
  fs::path dir_;
};

TEST_F(HarnessTest, PassesAHandComputedFixture) {
  FixtureReport r = check_fixture(write("ok.f64.h5"));
  EXPECT_TRUE(r.passed) << format_report(r);
  EXPECT_EQ(r.function, "linear");
  EXPECT_LT(r.outputs, 1e-15);
  EXPECT_LT(r.grads, 1e-15);
  EXPECT_EQ(r.state, -1.0);
  EXPECT_NE(format_report(r).find("PASS  linear  float64"), std::string::npos);
}

TEST_F(HarnessTest, FailsOnAWrongValueOrGradient) {
  auto off_output = write("bad_out.f64.h5", [](io::File& f) {
    auto v = f.read_vector<double>("expected/outputs");
    v[3] += 1e-6;
    f.open_dataset("expected/outputs").write<double>(v);
  });
  FixtureReport r = check_fixture(off_output);
  EXPECT_FALSE(r.passed);
  EXPECT_GT(r.outputs, 1e-9);
  EXPECT_NE(format_report(r).find("FAIL"), std::string::npos);
  EXPECT_NE(format_report(r).find("outputs: error"), std::string::npos);
  // The same error passes under a looser --rtol.
  HarnessOptions loose;
  loose.rtol = 1e-5;
  EXPECT_TRUE(check_fixture(off_output, loose).passed);

  auto off_grad = write("bad_grad.f64.h5", [](io::File& f) {
    auto v = f.read_vector<double>("expected/grad/params/bias");
    v[0] *= 1.001;
    f.open_dataset("expected/grad/params/bias").write<double>(v);
  });
  r = check_fixture(off_grad);
  EXPECT_FALSE(r.passed);
  EXPECT_NE(format_report(r).find("grad/params/bias"), std::string::npos);
}

TEST_F(HarnessTest, ParameterNamesAreChecked) {
  auto renamed = write("renamed.f64.h5", [](io::File& f) {
    f.write_tensor("params/weights", Tensor::zeros({3, 2}, DType::F64));
  });
  FixtureReport r = check_fixture(renamed);
  EXPECT_FALSE(r.passed);
  EXPECT_NE(r.message.find("/params/weights"), std::string::npos) << r.message;  // unused

  // A fixture without the bias parameter the call needs.
  {
    LinearCase c;
    io::File f = io::File::create((dir_ / "nobias.f64.h5").string(), true);
    f.set_attribute("format", "s2s-conformance");
    f.set_attribute("version", 1);
    f.set_attribute("function", "linear");
    f.set_attribute("dtype", "float64");
    f.set_attribute("kwargs", R"({"bias": true, "output_size": 2})");
    f.write_tensor("inputs/args/0", Tensor::from_vector<double>({2, 3}, c.x));
    f.write_tensor("params/kernel", Tensor::from_vector<double>({3, 2}, c.w));
    f.write_tensor("probe/outputs", Tensor::from_vector<double>({2, 2}, c.r));
    f.write_tensor("expected/outputs", Tensor::from_vector<double>({2, 2}, c.out()));
    f.close();
  }
  r = check_fixture((dir_ / "nobias.f64.h5").string());
  EXPECT_FALSE(r.passed);
  EXPECT_NE(r.message.find("bias"), std::string::npos) << r.message;
  EXPECT_NE(r.message.find("missing"), std::string::npos) << r.message;
}

TEST_F(HarnessTest, InputsKwargsAndProbesAreStrict) {
  FixtureReport r = check_fixture(write("extra_input.f64.h5", [](io::File& f) {
    f.write_tensor("inputs/initial_state/0", Tensor::zeros({2, 2}, DType::F64));
  }));
  EXPECT_NE(r.message.find("/inputs/initial_state/0 was not used"), std::string::npos) << r.message;

  r = check_fixture(write("extra_key.f64.h5", {}, R"({"bias": true, "output_size": 2, "mask_padding": true})"));
  EXPECT_NE(r.message.find("unsupported key(s) mask_padding"), std::string::npos) << r.message;

  r = check_fixture(write("no_probe.f64.h5", [](io::File& f) {
    f.write_tensor("expected/state/0", Tensor::zeros({2, 2}, DType::F64));
  }));
  EXPECT_NE(r.message.find("has no /probe/state/0"), std::string::npos) << r.message;
}

TEST_F(HarnessTest, DirectoriesExpandToTheirH5Files) {
  write("b.f64.h5");
  write("a.f64.h5");
  std::ofstream(dir_ / "notes.txt") << "not a fixture";
  auto files = expand_fixture_paths({dir_.string()});
  ASSERT_EQ(files.size(), 2u);
  EXPECT_EQ(fs::path(files[0]).filename(), "a.f64.h5");
  EXPECT_THROW(expand_fixture_paths({(dir_ / "nope.h5").string()}), s2s::Error);
}

TEST(CommittedFixtures, AllPass) {
  const char* root = std::getenv("S2S_SOURCE_DIR");
  if (root == nullptr) GTEST_SKIP() << "S2S_SOURCE_DIR not set";
  const fs::path dir = fs::path(root) / "tests/fixtures/conformance";
  if (!fs::exists(dir)) GTEST_SKIP() << dir << " does not exist";
  for (const auto& f : expand_fixture_paths({dir.string()})) {
    FixtureReport r = check_fixture(f);
    EXPECT_TRUE(r.passed) << format_report(r);
  }
}

}  // namespace
}  // namespace s2s::conformance
