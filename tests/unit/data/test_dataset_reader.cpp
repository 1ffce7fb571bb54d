// Dataset::open / read on damaged or crafted files (issue 15 item 7): every error names the file
// and the array, declared lengths are checked against what the file stores before anything is
// allocated, ids must be integers inside the vocabulary. The hostile files start from a valid
// dataset made by prepare_dataset; the damage is done with the HDF5 C API directly (not with the
// reader's own helpers), so what is on disk is exactly what each test says.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <hdf5.h>

#include <cstdint>
#include <filesystem>
#include <vector>

#include "s2s/core/error.h"
#include "s2s/data/dataset_file.h"
#include "unit/data/corpus_fixture.h"

namespace s2s::data {
namespace {
using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;

// The reader's error for `path` (or "" if it opened and read every bucket).
std::string reader_error(const std::string& path) {
  try {
    auto ds = Dataset::open(path);
    for (int b = 0; b < static_cast<int>(ds->buckets().size()); ++b)
      (void)ds->read("train", b, 0, ds->bucket_size("train", b));
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

// Raw HDF5 edits of one file (no s2s wrappers).
class RawFile {
 public:
  explicit RawFile(const std::string& path) : id_(H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT)) {
    EXPECT_GE(id_, 0) << path;
  }
  ~RawFile() { H5Fclose(id_); }
  template <class T>
  void overwrite(const std::string& name, std::int64_t index, T value, hid_t mem_type) {
    hid_t ds = H5Dopen2(id_, name.c_str(), H5P_DEFAULT);
    hid_t space = H5Dget_space(ds);
    hsize_t start = static_cast<hsize_t>(index), one = 1;
    H5Sselect_hyperslab(space, H5S_SELECT_SET, &start, nullptr, &one, nullptr);
    hid_t mem = H5Screate_simple(1, &one, nullptr);
    EXPECT_GE(H5Dwrite(ds, mem_type, mem, space, H5P_DEFAULT, &value), 0);
    H5Sclose(mem);
    H5Sclose(space);
    H5Dclose(ds);
  }
  // Replaces `name` by a chunked dataset of `file_type` with extent `rows` (chunks of `chunk`
  // rows) in which only the first `values.size()` rows are written.
  template <class T>
  void replace(const std::string& name, hid_t file_type, hid_t mem_type, hsize_t rows, hsize_t chunk,
               const std::vector<T>& values) {
    EXPECT_GE(H5Ldelete(id_, name.c_str(), H5P_DEFAULT), 0);
    hsize_t max = H5S_UNLIMITED;
    hid_t space = H5Screate_simple(1, &rows, &max);
    hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
    H5Pset_chunk(dcpl, 1, &chunk);
    H5Pset_deflate(dcpl, 4);
    hid_t ds = H5Dcreate2(id_, name.c_str(), file_type, space, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    EXPECT_GE(ds, 0);
    if (!values.empty()) {
      hsize_t start = 0, n = values.size();
      H5Sselect_hyperslab(space, H5S_SELECT_SET, &start, nullptr, &n, nullptr);
      hid_t mem = H5Screate_simple(1, &n, nullptr);
      EXPECT_GE(H5Dwrite(ds, mem_type, mem, space, H5P_DEFAULT, values.data()), 0);
      H5Sclose(mem);
    }
    H5Dclose(ds);
    H5Pclose(dcpl);
    H5Sclose(space);
  }
  void set_int_attribute(const std::string& object, const char* name, std::int64_t value) {
    hid_t obj = H5Oopen(id_, object.c_str(), H5P_DEFAULT);
    hid_t attr = H5Aopen(obj, name, H5P_DEFAULT);
    EXPECT_GE(H5Awrite(attr, H5T_NATIVE_INT64, &value), 0);
    H5Aclose(attr);
    H5Oclose(obj);
  }

 private:
  hid_t id_;
};

class HostileDataset : public ::testing::Test {
 protected:
  // Two buckets: 3 pairs of 2/2 tokens in bucket 0, 2 pairs of 7/7 in bucket 1.
  void SetUp() override { path_ = test_support::make_bucketed_dataset(dir_, {3, 2}); }
  test_support::TempDir dir_;
  std::string path_;
};

TEST_F(HostileDataset, ValidFileReads) { EXPECT_EQ(reader_error(path_), ""); }

TEST_F(HostileDataset, OffsetPastTheIdsNamesFileAndArray) {
  RawFile(path_).overwrite<std::int64_t>("train/bucket_0/source_offsets", 1, 1000000, H5T_NATIVE_INT64);
  EXPECT_THAT(reader_error(path_), AllOf(HasSubstr(path_), HasSubstr("/train/bucket_0/source_offsets"),
                                         HasSubstr("entry 1 = 1000000"), Not(HasSubstr("vector"))));
}

TEST_F(HostileDataset, DecreasingOffsetNamesFileAndArray) {
  RawFile(path_).overwrite<std::int64_t>("train/bucket_0/target_offsets", 2, 1, H5T_NATIVE_INT64);
  EXPECT_THAT(reader_error(path_), AllOf(HasSubstr(path_), HasSubstr("/train/bucket_0/target_offsets"),
                                         HasSubstr("non-decreasing")));
}

TEST_F(HostileDataset, LastOffsetMustMatchTheStoredIds) {
  // 3 pairs of 2 tokens: the last offset is 6; claim 7.
  RawFile(path_).overwrite<std::int64_t>("train/bucket_0/source_offsets", 3, 7, H5T_NATIVE_INT64);
  EXPECT_THAT(reader_error(path_), AllOf(HasSubstr(path_), HasSubstr("/train/bucket_0/source_offsets"),
                                         HasSubstr("/train/bucket_0/source_ids holds 6 ids")));
}

TEST_F(HostileDataset, IdOutsideTheVocabularyNamesFileAndArray) {
  RawFile(path_).overwrite<std::int32_t>("train/bucket_1/target_ids", 3, 99999, H5T_NATIVE_INT32);
  EXPECT_THAT(reader_error(path_), AllOf(HasSubstr(path_), HasSubstr("/train/bucket_1/target_ids"),
                                         HasSubstr("entry 3 = 99999"), HasSubstr("not a token id")));
}

TEST_F(HostileDataset, FloatIdsAreRefusedNotTruncated) {
  // Same length and layout as the real array, but float32 values (4.7 would read as id 4).
  std::vector<float> ids(6, 4.7f);
  RawFile(path_).replace<float>("train/bucket_0/source_ids", H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, 6, 1024, ids);
  EXPECT_THAT(reader_error(path_), AllOf(HasSubstr(path_), HasSubstr("/train/bucket_0/source_ids"),
                                         HasSubstr("float32"), HasSubstr("expected integers")));
}

TEST_F(HostileDataset, HugeDeclaredLengthFailsBeforeAllocating) {
  // 2^31 examples declared consistently (attribute and every extent) in a file of a few kB: only
  // the first chunk of each array is written, the rest would read as fill values. Reading the
  // offsets alone would need 16 GiB.
  const hsize_t n = hsize_t{1} << 31;
  {
    RawFile f(path_);
    const std::string g = "train/bucket_0/";
    f.replace<std::int64_t>(g + "source_offsets", H5T_STD_I64LE, H5T_NATIVE_INT64, n + 1, 32768, {0, 2, 4, 6});
    f.replace<std::int64_t>(g + "target_offsets", H5T_STD_I64LE, H5T_NATIVE_INT64, n + 1, 32768, {0, 2, 4, 6});
    f.replace<std::int64_t>(g + "line", H5T_STD_I64LE, H5T_NATIVE_INT64, n, 32768, {1, 3, 5});
    f.set_int_attribute("train/bucket_0", "num_examples", static_cast<std::int64_t>(n));
  }
  ASSERT_LT(std::filesystem::file_size(path_), 1u << 20);
  EXPECT_THAT(reader_error(path_), AllOf(HasSubstr(path_), HasSubstr("/train/bucket_0/"),
                                         HasSubstr("chunks (the file is damaged or crafted)")));
}

TEST_F(HostileDataset, NegativeExampleCountIsRefused) {
  RawFile(path_).set_int_attribute("train/bucket_1", "num_examples", -3);
  EXPECT_THAT(reader_error(path_), AllOf(HasSubstr(path_), HasSubstr("/train/bucket_1"), HasSubstr("num_examples = -3")));
}

}  // namespace
}  // namespace s2s::data
