// Owns: Dataset, the reader of the dataset schema (validation of format/version, vocabularies,
// buckets, per-split sizes; hyperslab reads of example runs).
#include <algorithm>

#include "s2s/data/dataset_file.h"

namespace s2s::data {

std::span<const std::int32_t> ExampleBlock::source(std::int64_t i) const {
  auto b = source_offsets[static_cast<std::size_t>(i)], e = source_offsets[static_cast<std::size_t>(i) + 1];
  return {source_ids.data() + b, static_cast<std::size_t>(e - b)};
}

std::span<const std::int32_t> ExampleBlock::target(std::int64_t i) const {
  auto b = target_offsets[static_cast<std::size_t>(i)], e = target_offsets[static_cast<std::size_t>(i) + 1];
  return {target_ids.data() + b, static_cast<std::size_t>(e - b)};
}

BatchExample ExampleBlock::example(std::int64_t i) const {
  return {source(i), target(i), begin + i, lines[static_cast<std::size_t>(i)]};
}

std::shared_ptr<const Dataset> Dataset::open(const std::string& path) {
  std::shared_ptr<Dataset> ds(new Dataset());
  ds->path_ = path;
  ds->file_ = io::File::open(path);
  io::File& f = ds->file_;
  if (!f.has_attribute("format") || f.attribute_string("format") != kDatasetFormat)
    S2S_FAIL(path, " is not an s2s dataset (expected root attribute format='", kDatasetFormat,
             "', as written by `s2s prepare`)");
  std::int64_t version = f.attribute_int("version");
  S2S_CHECK(version == kDatasetVersion, path, ": dataset format version ", version, " (this s2s reads version ",
            kDatasetVersion, ")");
  auto flat = f.attribute_ints("buckets");
  S2S_CHECK(!flat.empty() && flat.size() % 2 == 0, path, ": attribute 'buckets' must hold I,O pairs");
  for (std::size_t i = 0; i < flat.size(); i += 2) ds->buckets_.push_back({flat[i], flat[i + 1]});
  validate_buckets(ds->buckets_);
  ds->tokenizer_.kind = tokenizer_from_name(f.attribute_string("tokenizer"));
  ds->tokenizer_.normalize_digits = f.attribute_int("normalize_digits") != 0;
  ds->source_vocab_ = Vocabulary::from_tokens(f.read_strings("vocab/source"), path + ":/vocab/source");
  ds->target_vocab_ = Vocabulary::from_tokens(f.read_strings("vocab/target"), path + ":/vocab/target");
  for (const std::string& split : {std::string("train"), std::string("dev")}) {
    if (!f.contains_group(split)) continue;
    ds->splits_.push_back(split);
    std::vector<std::int64_t> sizes;
    for (std::size_t k = 0; k < ds->buckets_.size(); ++k) {
      io::Group g = ds->bucket_group(split, static_cast<int>(k));
      S2S_CHECK(g.attribute_int("encoder_size") == ds->buckets_[k].encoder_size &&
                    g.attribute_int("decoder_size") == ds->buckets_[k].decoder_size,
                path, ": ", g.path(), " sizes differ from the root 'buckets' attribute");
      std::int64_t n = g.attribute_int("num_examples");
      S2S_CHECK(g.open_dataset("line").rows() == n && g.open_dataset("source_offsets").rows() == n + 1 &&
                    g.open_dataset("target_offsets").rows() == n + 1,
                path, ": ", g.path(), ": array lengths disagree with num_examples = ", n);
      sizes.push_back(n);
    }
    ds->sizes_.push_back(std::move(sizes));
  }
  S2S_CHECK(ds->has_split("train"), path, ": no 'train' split");
  return ds;
}

std::vector<std::string> Dataset::splits() const { return splits_; }

bool Dataset::has_split(std::string_view split) const {
  return std::find(splits_.begin(), splits_.end(), split) != splits_.end();
}

std::vector<std::int64_t> Dataset::bucket_sizes(std::string_view split) const {
  auto it = std::find(splits_.begin(), splits_.end(), split);
  S2S_CHECK(it != splits_.end(), path_, ": no split '", split, "' (it has ", splits_.size(), " splits)");
  return sizes_[static_cast<std::size_t>(it - splits_.begin())];
}

std::int64_t Dataset::bucket_size(std::string_view split, int bucket) const {
  auto sizes = bucket_sizes(split);
  S2S_CHECK(bucket >= 0 && bucket < static_cast<int>(sizes.size()), path_, ": bucket ", bucket,
            " out of range (", sizes.size(), " buckets)");
  return sizes[static_cast<std::size_t>(bucket)];
}

io::Group Dataset::bucket_group(std::string_view split, int bucket) const {
  return file_.open_group(std::string(split) + "/bucket_" + std::to_string(bucket));
}

ExampleBlock Dataset::read(std::string_view split, int bucket, std::int64_t begin, std::int64_t count) const {
  std::int64_t n = bucket_size(split, bucket);
  S2S_CHECK(begin >= 0 && count >= 0 && begin + count <= n, path_, ": examples [", begin, ", ", begin + count,
            ") of ", split, " bucket ", bucket, " (it has ", n, ")");
  ExampleBlock block;
  block.begin = begin;
  io::H5Lock lock;  // one consistent read of the five arrays
  io::Group g = bucket_group(split, bucket);
  block.source_offsets = g.open_dataset("source_offsets").read_rows<std::int64_t>(begin, count + 1);
  block.target_offsets = g.open_dataset("target_offsets").read_rows<std::int64_t>(begin, count + 1);
  block.lines = g.open_dataset("line").read_rows<std::int64_t>(begin, count);
  auto load_ids = [&](const char* name, std::vector<std::int64_t>& offsets, std::vector<std::int32_t>& ids) {
    std::int64_t first = offsets.front(), last = offsets.back();
    ids = g.open_dataset(name).read_rows<std::int32_t>(first, last - first);
    for (auto& o : offsets) o -= first;
  };
  load_ids("source_ids", block.source_offsets, block.source_ids);
  load_ids("target_ids", block.target_offsets, block.target_ids);
  return block;
}

std::pair<std::int64_t, std::int64_t> Dataset::token_counts(std::string_view split, int bucket) const {
  const std::int64_t n = bucket_size(split, bucket);
  io::H5Lock lock;
  io::Group g = bucket_group(split, bucket);
  return {g.open_dataset("source_offsets").read_rows<std::int64_t>(n, 1)[0],
          g.open_dataset("target_offsets").read_rows<std::int64_t>(n, 1)[0]};
}

void Dataset::read_lengths(std::string_view split, int bucket, std::int64_t begin, std::int64_t count,
                           std::vector<std::int32_t>& source_lengths, std::vector<std::int32_t>& target_lengths) const {
  io::H5Lock lock;
  io::Group g = bucket_group(split, bucket);
  auto diff = [&](const char* name, std::vector<std::int32_t>& out) {
    auto off = g.open_dataset(name).read_rows<std::int64_t>(begin, count + 1);
    out.resize(static_cast<std::size_t>(count));
    for (std::int64_t i = 0; i < count; ++i)
      out[static_cast<std::size_t>(i)] = static_cast<std::int32_t>(off[static_cast<std::size_t>(i) + 1] - off[static_cast<std::size_t>(i)]);
  };
  diff("source_offsets", source_lengths);
  diff("target_offsets", target_lengths);
}

}  // namespace s2s::data
