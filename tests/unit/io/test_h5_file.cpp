// HDF5 wrappers: typed round trips (vectors, tensors, strings, attributes), hyperslab reads,
// appends, chunking/compression actually applied, and errors that name file and object.
// Storage types are checked through the HDF5 C API directly, not through the wrappers.
#include <gtest/gtest.h>

#include <cstdint>
#include <thread>
#include <vector>

#include "s2s/core/error.h"
#include "s2s/io/h5_file.h"
#include "unit/io/temp_dir.h"

using namespace s2s;
using namespace s2s::io;

TEST(H5File, VectorRoundTripAllTypesCompressed) {
  test_support::TempDir dir;
  std::string path = dir.file("v.h5");
  std::vector<float> f = {1.5f, -2.25f, 3.0f};
  std::vector<double> d = {1e-300, 2.0, -0.0};
  std::vector<std::int32_t> i32(100000);
  for (std::size_t k = 0; k < i32.size(); ++k) i32[k] = static_cast<std::int32_t>(k % 97) - 40;
  std::vector<std::int64_t> i64 = {std::int64_t{1} << 40, -5};
  {
    auto file = File::create(path);
    file.write_vector("f", f);
    file.write_vector("d", d, DatasetOptions::compressed(6));
    file.write_vector("g/i32", i32, DatasetOptions::compressed(4));
    file.write_vector("i64", i64);
    file.close();
  }
  auto file = File::open(path);
  EXPECT_EQ(file.read_vector<float>("f"), f);
  EXPECT_EQ(file.read_vector<double>("d"), d);
  EXPECT_EQ(file.read_vector<std::int32_t>("g/i32"), i32);
  EXPECT_EQ(file.read_vector<std::int64_t>("i64"), i64);
  auto ds = file.open_dataset("g/i32");
  EXPECT_TRUE(ds.chunked());
  EXPECT_EQ(ds.deflate_level(), 4);
  EXPECT_EQ(ds.dtype(), DType::I32);
  EXPECT_FALSE(file.open_dataset("f").chunked());
  // HDF5 converts on read: int32 on disk into int64 memory.
  auto widened = ds.read<std::int64_t>();
  EXPECT_EQ(widened[5], i32[5]);
  // Compression really happened: the stored size is far below 400000 bytes.
  EXPECT_LT(H5Dget_storage_size(ds.id()), 100000u);
}

TEST(H5File, TensorRoundTripAndHyperslabRows) {
  test_support::TempDir dir;
  std::string path = dir.file("t.h5");
  Tensor t = Tensor::empty({4, 3, 2}, DType::F64);
  for (std::int64_t k = 0; k < t.numel(); ++k) t.data<double>()[k] = 0.5 * static_cast<double>(k);
  Tensor ids = Tensor::from_vector<std::int32_t>({2, 2}, {1, 2, 3, 4});
  {
    auto file = File::create(path);
    file.write_tensor("params/w", t, DatasetOptions::compressed());
    file.write_tensor("ids", ids);
    file.close();
  }
  auto file = File::open(path);
  Tensor back = file.read_tensor("params/w");
  EXPECT_EQ(back.shape(), (Shape{4, 3, 2}));
  EXPECT_EQ(back.dtype(), DType::F64);
  EXPECT_EQ(back.to_vector<double>(), t.to_vector<double>());
  EXPECT_EQ(file.read_tensor("ids").to_vector<std::int32_t>(), (std::vector<std::int32_t>{1, 2, 3, 4}));
  auto ds = file.open_dataset("params/w");
  EXPECT_EQ(ds.rows(), 4);
  EXPECT_EQ(ds.row_size(), 6);
  auto rows = ds.read_rows<double>(1, 2);  // rows 1 and 2: elements 6..17
  ASSERT_EQ(rows.size(), 12u);
  EXPECT_EQ(rows.front(), 3.0);
  EXPECT_EQ(rows.back(), 8.5);
  Tensor slab = ds.read_tensor_rows(3, 1);
  EXPECT_EQ(slab.shape(), (Shape{1, 3, 2}));
  EXPECT_EQ(slab.to_vector<double>()[0], 9.0);
  EXPECT_THROW(ds.read_rows<double>(3, 2), Error);
}

TEST(H5File, AppendGrowsAnExtendableDataset) {
  test_support::TempDir dir;
  std::string path = dir.file("a.h5");
  {
    auto file = File::create(path);
    auto ds = file.create_dataset("x", DType::I64, {0}, DatasetOptions::appendable(1));
    std::vector<std::int64_t> a = {1, 2, 3}, b = {}, c = {4, 5};
    ds.append<std::int64_t>(a);
    ds.append<std::int64_t>(b);
    ds.append<std::int64_t>(c);
    auto m = file.create_dataset("m", DType::F32, {0, 2}, DatasetOptions::appendable(0));
    std::vector<float> r = {1, 2, 3, 4};
    m.append<float>(r);
    std::vector<float> odd = {1, 2, 3};
    EXPECT_THROW(m.append<float>(odd), Error);
    auto empty = file.create_dataset("empty", DType::I32, {0}, DatasetOptions::appendable(4));
  }
  auto file = File::open(path);
  EXPECT_EQ(file.read_vector<std::int64_t>("x"), (std::vector<std::int64_t>{1, 2, 3, 4, 5}));
  EXPECT_EQ(file.open_dataset("m").shape(), (std::vector<std::int64_t>{2, 2}));
  EXPECT_TRUE(file.read_vector<std::int32_t>("empty").empty());
}

TEST(H5File, AttributesRoundTripAndStringsAreVariableLengthUtf8) {
  test_support::TempDir dir;
  std::string path = dir.file("attrs.h5");
  const std::string text = "größe ✓ 名前";
  {
    auto file = File::create(path);
    auto g = file.create_group("a/b");
    g.set_attribute("name", text);
    g.set_attribute("count", std::int64_t{-12});
    g.set_attribute("rate", 0.125);
    g.set_attribute("buckets", std::vector<std::int64_t>{5, 10, 10, 15, 20, 25}, {3, 2});
    g.set_attribute("weights", std::vector<double>{0.5, 0.25});
    g.set_attribute("empty", "");
    g.set_attribute("count", std::int64_t{13});  // overwrite
    file.set_attribute("count", "now a string");  // another object, other type
  }
  auto file = File::open(path);
  auto g = file.open_group("a/b");
  EXPECT_EQ(g.attribute_string("name"), text);
  EXPECT_EQ(g.attribute_int("count"), 13);
  EXPECT_EQ(g.attribute_double("rate"), 0.125);
  EXPECT_EQ(g.attribute_double("count"), 13.0);
  EXPECT_EQ(g.attribute_ints("buckets"), (std::vector<std::int64_t>{5, 10, 10, 15, 20, 25}));
  EXPECT_EQ(g.attribute_shape("buckets"), (std::vector<std::int64_t>{3, 2}));
  EXPECT_EQ(g.attribute_doubles("weights"), (std::vector<double>{0.5, 0.25}));
  EXPECT_EQ(g.attribute_string("empty"), "");
  EXPECT_EQ(file.attribute_string("count"), "now a string");
  EXPECT_EQ(g.attribute_names(), (std::vector<std::string>{"buckets", "count", "empty", "name", "rate", "weights"}));
  // Independent check of the stored type through the C API.
  hid_t attr = H5Aopen(g.id(), "name", H5P_DEFAULT);
  hid_t type = H5Aget_type(attr);
  EXPECT_EQ(H5Tget_class(type), H5T_STRING);
  EXPECT_GT(H5Tis_variable_str(type), 0);
  EXPECT_EQ(H5Tget_cset(type), H5T_CSET_UTF8);
  H5Tclose(type);
  H5Aclose(attr);
  try {
    g.attribute_string("nope");
    FAIL();
  } catch (const Error& e) {
    std::string msg = e.what();
    EXPECT_NE(msg.find("nope"), std::string::npos) << msg;
    EXPECT_NE(msg.find("attrs.h5"), std::string::npos) << msg;
    EXPECT_NE(msg.find("/a/b"), std::string::npos) << msg;
  }
  EXPECT_THROW(g.attribute_int("name"), Error);
  EXPECT_THROW(g.attribute_string("count"), Error);
}

TEST(H5File, FixedLengthStringAttributeWrittenByOtherTools) {
  test_support::TempDir dir;
  std::string path = dir.file("fixed.h5");
  {
    auto file = File::create(path);
    H5Lock lock;
    hid_t type = H5Tcopy(H5T_C_S1);
    H5Tset_size(type, 8);
    H5Tset_strpad(type, H5T_STR_NULLPAD);
    hid_t space = H5Screate(H5S_SCALAR);
    hid_t attr = H5Acreate2(file.id(), "fmt", type, space, H5P_DEFAULT, H5P_DEFAULT);
    char buf[8] = {'a', 'b', 'c', 0, 0, 0, 0, 0};
    H5Awrite(attr, type, buf);
    H5Aclose(attr);
    H5Sclose(space);
    H5Tclose(type);
  }
  EXPECT_EQ(File::open(path).attribute_string("fmt"), "abc");
}

TEST(H5File, StringDatasets) {
  test_support::TempDir dir;
  std::string path = dir.file("s.h5");
  std::vector<std::string> vocab = {"_PAD", "_GO", "", "größe", "\"", "x y"};
  {
    auto file = File::create(path);
    file.create_string_dataset("vocab/source", vocab);
    file.create_string_dataset("vocab/empty", {});
  }
  auto file = File::open(path);
  EXPECT_EQ(file.read_strings("vocab/source"), vocab);
  EXPECT_TRUE(file.read_strings("vocab/empty").empty());
  EXPECT_TRUE(file.open_dataset("vocab/source").is_string());
  EXPECT_THROW(file.open_dataset("vocab/source").read<std::int32_t>(), Error);
}

TEST(H5File, GroupsAndLinks) {
  test_support::TempDir dir;
  std::string path = dir.file("g.h5");
  auto file = File::create(path);
  file.create_group("train/bucket_1");
  file.create_group("train/bucket_0");
  file.write_vector<std::int32_t>("train/n", std::vector<std::int32_t>{1});
  EXPECT_TRUE(file.contains("train/bucket_1"));
  EXPECT_TRUE(file.contains_group("train"));
  EXPECT_FALSE(file.contains_group("train/n"));
  EXPECT_TRUE(file.contains_dataset("train/n"));
  EXPECT_FALSE(file.contains("dev/bucket_0"));
  EXPECT_FALSE(file.contains("train/bucket_9/x"));
  EXPECT_EQ(file.open_group("train").children(), (std::vector<std::string>{"bucket_0", "bucket_1", "n"}));
  auto same = file.require_group("train");
  EXPECT_EQ(same.path(), "/train");
  EXPECT_THROW(file.open_group("dev"), Error);
  EXPECT_THROW(file.open_dataset("train/bucket_0"), Error);
}

TEST(H5File, FileErrors) {
  test_support::TempDir dir;
  std::string path = dir.file("f.h5");
  File::create(path).close();
  EXPECT_THROW(File::create(path), Error);   // exists
  File::create(path, true).close();          // truncate is allowed
  EXPECT_THROW(File::open(dir.file("missing.h5")), Error);
  auto text = dir.write("not.h5", "plain text, not HDF5");
  try {
    File::open(text);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("not an HDF5 file"), std::string::npos) << e.what();
  }
  // Closing while a dataset is open is refused (the file would stay open behind our back).
  auto file = File::open(path, FileAccess::ReadWrite);
  auto ds = file.write_vector<double>("x", std::vector<double>{1.0});
  EXPECT_THROW(file.close(), Error);
  ds = Dataset();
  file.close();
}

TEST(H5File, FailingCallsCarryHdf5sMessage) {
  test_support::TempDir dir;
  auto file = File::create(dir.file("e.h5"));
  try {
    H5Lock lock;
    S2S_H5_CHECK(H5Dopen2(file.id(), "does_not_exist", H5P_DEFAULT));
    FAIL();
  } catch (const Error& e) {
    std::string msg = e.what();
    EXPECT_NE(msg.find("HDF5 call failed"), std::string::npos) << msg;
    EXPECT_NE(msg.find("H5Dopen2"), std::string::npos) << msg;
    EXPECT_NE(msg.find("not"), std::string::npos) << msg;  // "... doesn't exist" / "not found"
  }
}

TEST(H5File, ConcurrentUseFromTwoThreadsIsSerialised) {
  test_support::TempDir dir;
  auto work = [&](const std::string& name) {
    for (int round = 0; round < 20; ++round) {
      auto file = File::create(dir.file(name), true);
      std::vector<std::int32_t> v(5000, round);
      file.write_vector("v", v, DatasetOptions::compressed());
      file.set_attribute("round", std::int64_t{round});
      file.close();
      auto back = File::open(dir.file(name));
      if (back.read_vector<std::int32_t>("v") != v || back.attribute_int("round") != round) throw Error("mismatch");
    }
  };
  std::exception_ptr err;
  std::thread t([&] {
    try { work("a.h5"); } catch (...) { err = std::current_exception(); }
  });
  work("b.h5");
  t.join();
  if (err) std::rethrow_exception(err);
}

// Opaque bytes (a serialized SentencePiece model holds NULs): stored as uint8 [n], read back
// byte for byte, compressed or not, empty too; any other dataset is refused by read_bytes.
TEST(H5File, BytesRoundTrip) {
  test_support::TempDir dir;
  std::string bytes;
  for (std::int64_t i = 0; i < 300000; ++i) bytes.push_back(static_cast<char>((i * 7919) % 256));  // int64: i * 7919 overflows int
  {
    File f = File::create(dir.file("b.h5"));
    f.write_bytes("plain", std::string("\0a\0b\xff", 5));
    f.write_bytes("deep/packed", bytes, 4);
    f.write_bytes("empty", "");
    f.write_vector<std::int32_t>("ints", std::vector<std::int32_t>{1, 2});
    f.close();
  }
  File f = File::open(dir.file("b.h5"));
  EXPECT_EQ(f.read_bytes("plain"), std::string("\0a\0b\xff", 5));
  EXPECT_EQ(f.read_bytes("deep/packed"), bytes);
  EXPECT_EQ(f.open_dataset("deep/packed").deflate_level(), 4);
  EXPECT_EQ(f.read_bytes("empty"), "");
  EXPECT_THROW(f.read_bytes("ints"), Error);
}
