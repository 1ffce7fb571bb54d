// Tests the replica helpers across ranks: broadcasts make every rank bitwise identical to the
// root (checked against values regenerated locally from the root's seed, not against MPI), and
// the drift check passes on identical replicas and names the parameter and rank of a perturbed one.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>

#include "s2s/core/error.h"
#include "s2s/dist/replicas.h"
#include "s2s/dist/world.h"

namespace s2s::dist {
namespace {

std::vector<Tensor> random_params(std::uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<double> normal;
  std::vector<Tensor> out;
  const std::vector<std::pair<Shape, DType>> layout = {
      {{17, 3}, DType::F32}, {{5}, DType::F64}, {{0}, DType::F32}, {{128, 64}, DType::F32}, {{2, 3, 4}, DType::I32}};
  for (const auto& [shape, dtype] : layout) {
    Tensor t = Tensor::empty(shape, dtype);
    switch (dtype) {
      case DType::F32: for (float& v : t.span<float>()) v = static_cast<float>(normal(rng)); break;
      case DType::F64: for (double& v : t.span<double>()) v = normal(rng); break;
      case DType::I32: for (std::int32_t& v : t.span<std::int32_t>()) v = static_cast<std::int32_t>(rng()); break;
      default: break;
    }
    out.push_back(t);
  }
  return out;
}

bool bitwise_equal(const Tensor& a, const Tensor& b) {
  return a.shape() == b.shape() && a.dtype() == b.dtype() &&
         std::memcmp(a.raw(), b.raw(), a.nbytes()) == 0;
}

TEST(ReplicasMpi, BroadcastTensorsMakesRanksBitwiseIdentical) {
  World world;
  for (int root : {0, world.size() - 1}) {
    std::vector<Tensor> params = random_params(100 + world.rank());
    broadcast_tensors(world, params, root);
    const std::vector<Tensor> expected = random_params(100 + root);
    for (std::size_t i = 0; i < params.size(); ++i)
      EXPECT_TRUE(bitwise_equal(params[i], expected[i])) << "tensor " << i << " root " << root;
    EXPECT_NO_THROW(check_replicas(world, params));
  }
}

TEST(ReplicasMpi, BroadcastBytesAndStrings) {
  World world;
  std::vector<std::byte> blob;
  if (world.is_root()) {
    blob.resize(3 * 1000 * 1000 + 7);
    for (std::size_t i = 0; i < blob.size(); ++i) blob[i] = static_cast<std::byte>((i * 131) >> 3);
  } else {
    blob.resize(11, std::byte{0xee});  // receivers are resized to the root's size
  }
  broadcast_bytes(world, blob);
  ASSERT_EQ(blob.size(), 3u * 1000 * 1000 + 7);
  for (std::size_t i = 0; i < blob.size(); ++i)
    ASSERT_EQ(blob[i], static_cast<std::byte>((i * 131) >> 3)) << "byte " << i;

  std::vector<std::byte> empty(world.is_root() ? 0 : 5);
  broadcast_bytes(world, empty);
  EXPECT_TRUE(empty.empty());

  std::string text = world.is_root() ? std::string("vocab: \0 with a NUL", 19) : "junk";
  broadcast_string(world, text, 0);
  EXPECT_EQ(text, std::string("vocab: \0 with a NUL", 19));
  EXPECT_THROW(broadcast_string(world, text, world.size()), Error);
}

TEST(ReplicasMpi, DriftCheckNamesPerturbedParameterAndRank) {
  World world;
  if (world.size() == 1) GTEST_SKIP() << "needs 2 ranks";
  std::vector<Tensor> params = random_params(7);  // identical on every rank
  const std::vector<std::string> names = {"enc/kernel", "enc/bias", "empty", "dec/kernel", "ids"};
  ASSERT_NO_THROW(check_replicas(world, params, names));
  const int bad_rank = world.size() - 1;
  if (world.rank() == bad_rank) {  // one ulp on one element of the 4th tensor
    float* p = params[3].data<float>() + 1000;
    *p = std::nextafter(*p, 10.0f);
  }
  try {
    check_replicas(world, params, names);
    FAIL() << "the drift was not detected";
  } catch (const Error& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("REPLICA DRIFT: 'dec/kernel'"), std::string::npos) << what;
    EXPECT_NE(what.find("rank(s) " + std::to_string(bad_rank) + " differ from rank 0"),
              std::string::npos) << what;
    EXPECT_NE(what.find("1 of 5 tensors"), std::string::npos) << what;
  }
}

TEST(ReplicasMpi, DriftCheckSeesNegativeZero) {
  World world;
  if (world.size() == 1) GTEST_SKIP() << "needs 2 ranks";
  std::vector<Tensor> params = {Tensor::zeros({4}, DType::F32)};
  if (world.rank() == 1) params[0].data<float>()[2] = -0.0f;  // equal as a number, not bitwise
  EXPECT_THROW(check_replicas(world, params), Error);
}

TEST(ReplicasMpi, DifferentParameterListsAreReported) {
  World world;
  if (world.size() == 1) GTEST_SKIP() << "needs 2 ranks";
  std::vector<Tensor> params = random_params(7);
  if (world.rank() == 1) params.pop_back();
  try {
    check_replicas(world, params);
    FAIL() << "different parameter lists were not detected";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("different parameter lists"), std::string::npos) << e.what();
  }
  EXPECT_THROW(broadcast_tensors(world, params), Error);
}

}  // namespace
}  // namespace s2s::dist
