// Fuzz target: the dataset reader (src/data/dataset_reader.cpp) on crafted HDF5 files (wrong
// shapes, huge declared sizes, wrong types, bad offsets). The input is written to a temporary
// file and opened as `s2s train` would: Dataset::open, then for every split and bucket the sizes,
// token counts, lengths, a run of examples (each example's ids read through its spans) and the
// rank's shard table the trainer loads (ShardTable::load, which reserves from the token counts).
// A rejection must be an s2s::Error; any other exception (std::bad_alloc, std::length_error from
// a size taken on trust), a sanitizer report or an allocation over -malloc_limit_mb is a crash.
// libhdf5 is not instrumented: a crash inside it on a crafted file still shows as a crash here.
#include <algorithm>
#include <cstdint>
#include <string>

#include "fuzz_support.h"
#include "s2s/core/error.h"
#include "s2s/data/dataset_file.h"
#include "s2s/data/shard.h"

namespace {
// Keeps one input's work bounded: the reader is expected to read what it is asked for.
constexpr std::int64_t kMaxExamples = 64;
constexpr std::int64_t kMaxShard = 4096;

void exercise(const s2s::data::Dataset& ds) {
  volatile std::int64_t sink = 0;
  for (const auto& split : ds.splits()) {
    const auto sizes = ds.bucket_sizes(split);
    for (std::size_t k = 0; k < sizes.size(); ++k) {
      const int bucket = static_cast<int>(k);
      try {
        auto [src_tokens, tgt_tokens] = ds.token_counts(split, bucket);
        sink = sink + src_tokens + tgt_tokens;
        const std::int64_t n = std::min(sizes[k], kMaxExamples);
        std::vector<std::int32_t> sl, tl;
        ds.read_lengths(split, bucket, 0, n, sl, tl);
        s2s::data::ExampleBlock block = ds.read(split, bucket, 0, n);
        for (std::int64_t i = 0; i < block.size(); ++i) {
          auto ex = block.example(i);
          for (std::int32_t id : ex.source) sink = sink + id;
          for (std::int32_t id : ex.target) sink = sink + id;
        }
        std::vector<std::uint32_t> wanted(static_cast<std::size_t>(std::min(sizes[k], kMaxShard)));
        for (std::size_t i = 0; i < wanted.size(); ++i) wanted[i] = static_cast<std::uint32_t>(i);
        auto shard = s2s::data::ShardTable::load(ds, split, bucket, wanted);
        sink = sink + shard.size();
      } catch (const s2s::Error&) {
        // this bucket is rejected; the others are still read
      }
    }
  }
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string& path = s2s::fuzz::write_temp_file(data, size, ".h5");
  try {
    auto ds = s2s::data::Dataset::open(path);
    exercise(*ds);
  } catch (const s2s::Error&) {
  }
  return 0;
}
