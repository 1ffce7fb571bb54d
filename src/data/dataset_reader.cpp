// Owns: Dataset, the reader of the dataset schema (validation of format/version, vocabularies,
// buckets, per-split sizes; hyperslab reads of example runs).
#include <algorithm>

#include "s2s/data/dataset_file.h"
#include "s2s/data/subword.h"

namespace s2s::data {
namespace {
constexpr const char* kArrays[] = {"source_ids", "source_offsets", "target_ids", "target_offsets", "line"};
}  // namespace

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

void read_subword_models(const io::Group& root, const std::string& label, const Vocabulary& source,
                         const Vocabulary& target, TokenizerOptions& tokenizer) {
  if (tokenizer.kind != TokenizerKind::SentencePiece) return;
  auto bytes = [&](const char* name) {
    S2S_CHECK(root.contains_dataset(name), label, ": tokenizer 'sentencepiece' but no /", name,
              " (expected the serialized SentencePiece model)");
    return root.read_bytes(name);
  };
  auto check = [&](const SubwordModel& model, const Vocabulary& vocab, const char* side, const char* name) {
    S2S_CHECK(model.pieces() == vocab.tokens(), label, ": the ", side, " vocabulary differs from the pieces of /",
              name, " (", vocab.size(), " tokens, ", model.size(), " pieces)");
  };
  std::string source_bytes = bytes("tokenizer/source_model"), target_bytes = bytes("tokenizer/target_model");
  const bool joint = source_bytes == target_bytes;
  tokenizer.source_model = SubwordModel::from_serialized(std::move(source_bytes), label + ":/tokenizer/source_model");
  tokenizer.target_model = joint ? tokenizer.source_model
                                 : SubwordModel::from_serialized(std::move(target_bytes),
                                                                 label + ":/tokenizer/target_model");
  check(*tokenizer.source_model, source, "source", "tokenizer/source_model");
  check(*tokenizer.target_model, target, "target", "tokenizer/target_model");
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
  read_subword_models(f, path, ds->source_vocab_, ds->target_vocab_, ds->tokenizer_);
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
      S2S_CHECK(n >= 0, path, ": ", g.path(), ": num_examples = ", n, " (expected >= 0)");
      for (const char* name : kArrays) ds->check_array(g, name);
      S2S_CHECK(g.open_dataset("line").rows() == n && g.open_dataset("source_offsets").rows() == n + 1 &&
                    g.open_dataset("target_offsets").rows() == n + 1,
                path, ": ", g.path(), ": array lengths disagree with num_examples = ", n);
      ds->check_offset_ends(g, "source_offsets", "source_ids", n);
      ds->check_offset_ends(g, "target_offsets", "target_ids", n);
      sizes.push_back(n);
    }
    ds->sizes_.push_back(std::move(sizes));
  }
  S2S_CHECK(ds->has_split("train"), path, ": no 'train' split");
  return ds;
}

std::string Dataset::array_name(const io::Group& g, const char* name) const {
  return path_ + ": " + g.path() + "/" + name;
}

void Dataset::check_array(const io::Group& g, const char* name) const {
  const std::string what = array_name(g, name);
  S2S_CHECK(g.contains_dataset(name), what, " is missing");
  io::Dataset a = g.open_dataset(name);
  S2S_CHECK(a.shape().size() == 1, what, ": shape ", shape_str(a.shape()), " (expected a 1-D array)");
  S2S_CHECK(!a.is_string(), what, " holds strings (expected integers)");
  const DType t = a.dtype();
  S2S_CHECK(t == DType::I32 || t == DType::I64, what, " holds ", dtype_name(t),
            " values (expected integers: token ids and offsets are never fractional)");
  a.require_stored();  // before anything is allocated for its declared length
}

void Dataset::check_offset_ends(const io::Group& g, const char* offsets, const char* ids, std::int64_t n) const {
  const std::int64_t first = g.open_dataset(offsets).read_rows<std::int64_t>(0, 1)[0];
  const std::int64_t last = g.open_dataset(offsets).read_rows<std::int64_t>(n, 1)[0];
  const std::int64_t stored = g.open_dataset(ids).rows();
  S2S_CHECK(first == 0 && last == stored, array_name(g, offsets), ": runs from ", first, " to ", last, " but ",
            array_name(g, ids), " holds ", stored, " ids (expected 0 to ", stored, ")");
}

void Dataset::check_block(const io::Group& g, const char* offsets_name, const std::vector<std::int64_t>& offsets,
                          std::int64_t begin, std::int64_t stored_ids) const {
  for (std::size_t i = 0; i < offsets.size(); ++i) {
    const bool ok = offsets[i] >= 0 && offsets[i] <= stored_ids && (i == 0 || offsets[i] >= offsets[i - 1]);
    S2S_CHECK(ok, array_name(g, offsets_name), ": entry ", begin + static_cast<std::int64_t>(i), " = ", offsets[i],
              i > 0 ? detail::concat(" after ", offsets[i - 1]) : std::string(),
              " (expected non-decreasing offsets within [0, ", stored_ids, "])");
  }
}

void Dataset::check_ids(const io::Group& g, const char* ids_name, const std::vector<std::int32_t>& ids,
                        std::int64_t first, std::int64_t vocab_size) const {
  for (std::size_t i = 0; i < ids.size(); ++i)
    S2S_CHECK(ids[i] >= 0 && ids[i] < vocab_size, array_name(g, ids_name), ": entry ",
              first + static_cast<std::int64_t>(i), " = ", ids[i], " is not a token id (the vocabulary has ",
              vocab_size, " entries)");
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
  // A damaged or crafted file must fail here naming the array, not as a huge allocation or an
  // out-of-range embedding row later.
  auto load_ids = [&](const char* offsets_name, const char* name, std::vector<std::int64_t>& offsets,
                      std::vector<std::int32_t>& ids, std::int64_t vocab_size) {
    io::Dataset stored = g.open_dataset(name);
    check_block(g, offsets_name, offsets, begin, stored.rows());
    std::int64_t first = offsets.front(), last = offsets.back();
    ids = stored.read_rows<std::int32_t>(first, last - first);
    check_ids(g, name, ids, first, vocab_size);
    for (auto& o : offsets) o -= first;
  };
  load_ids("source_offsets", "source_ids", block.source_offsets, block.source_ids, source_vocab_.size());
  load_ids("target_offsets", "target_ids", block.target_offsets, block.target_ids, target_vocab_.size());
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
