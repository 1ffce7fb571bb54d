// Owns: writing the dataset schema (see s2s/data/dataset_file.h): vocabularies and one split's
// buckets, appended in bounded buffers.
#include "s2s/data/dataset_file.h"
#include "s2s/data/subword.h"

namespace s2s::data {

namespace {
constexpr std::size_t kFlushIds = 1 << 20;  // buffered token ids per bucket before an append

io::DatasetOptions appendable(int level) {
  io::DatasetOptions o = io::DatasetOptions::appendable(level);
  if (level == 0) o.shuffle = false;
  return o;
}
}  // namespace

void write_vocabulary(io::Group& root, const Vocabulary& source, const Vocabulary& target) {
  root.create_string_dataset("vocab/source", source.tokens());
  root.create_string_dataset("vocab/target", target.tokens());
}

void write_subword_models(io::Group& root, const TokenizerOptions& tokenizer) {
  if (tokenizer.kind != TokenizerKind::SentencePiece) return;
  S2S_CHECK(tokenizer.source_model && tokenizer.target_model, "write_subword_models: no SentencePiece model");
  root.write_bytes("tokenizer/source_model", tokenizer.source_model->serialized(), 4);
  root.write_bytes("tokenizer/target_model", tokenizer.target_model->serialized(), 4);
}

SplitWriter::SplitWriter(io::Group& root, std::string split, std::vector<Bucket> buckets, int deflate_level)
    : buckets_(std::move(buckets)) {
  group_ = root.create_group(split);
  out_.resize(buckets_.size());
  const std::int64_t zero = 0;
  for (std::size_t k = 0; k < buckets_.size(); ++k) {
    BucketBuffer& b = out_[k];
    b.group = group_.create_group("bucket_" + std::to_string(k));
    b.group.set_attribute("encoder_size", buckets_[k].encoder_size);
    b.group.set_attribute("decoder_size", buckets_[k].decoder_size);
    b.source_ids = b.group.create_dataset("source_ids", DType::I32, {0}, appendable(deflate_level));
    b.source_offsets = b.group.create_dataset("source_offsets", DType::I64, {0}, appendable(deflate_level));
    b.target_ids = b.group.create_dataset("target_ids", DType::I32, {0}, appendable(deflate_level));
    b.target_offsets = b.group.create_dataset("target_offsets", DType::I64, {0}, appendable(deflate_level));
    b.lines = b.group.create_dataset("line", DType::I64, {0}, appendable(deflate_level));
    b.source_offsets.append<std::int64_t>(std::span<const std::int64_t>(&zero, 1));
    b.target_offsets.append<std::int64_t>(std::span<const std::int64_t>(&zero, 1));
  }
}

void SplitWriter::add(int bucket, std::int64_t line, std::span<const std::int32_t> source,
                      std::span<const std::int32_t> target) {
  S2S_CHECK(bucket >= 0 && bucket < static_cast<int>(out_.size()), "SplitWriter::add: bucket ", bucket);
  BucketBuffer& b = out_[static_cast<std::size_t>(bucket)];
  b.src.insert(b.src.end(), source.begin(), source.end());
  b.tgt.insert(b.tgt.end(), target.begin(), target.end());
  b.src_total += static_cast<std::int64_t>(source.size());
  b.tgt_total += static_cast<std::int64_t>(target.size());
  b.src_off.push_back(b.src_total);
  b.tgt_off.push_back(b.tgt_total);
  b.line.push_back(line);
  ++b.count;
  if (b.src.size() + b.tgt.size() >= kFlushIds) flush(b);
}

void SplitWriter::flush(BucketBuffer& b) {
  b.source_ids.append<std::int32_t>(b.src);
  b.target_ids.append<std::int32_t>(b.tgt);
  b.source_offsets.append<std::int64_t>(b.src_off);
  b.target_offsets.append<std::int64_t>(b.tgt_off);
  b.lines.append<std::int64_t>(b.line);
  b.src.clear();
  b.tgt.clear();
  b.src_off.clear();
  b.tgt_off.clear();
  b.line.clear();
}

void SplitWriter::finish(const SplitStats& stats, const std::string& source_path, const std::string& source_sha256,
                         const std::string& target_path, const std::string& target_sha256) {
  for (BucketBuffer& b : out_) {
    flush(b);
    b.group.set_attribute("num_examples", b.count);
  }
  group_.set_attribute("pairs_read", stats.pairs_read);
  group_.set_attribute("pairs_kept", stats.pairs_kept);
  group_.set_attribute("pairs_too_long", stats.pairs_too_long);
  group_.set_attribute("pairs_empty", stats.pairs_empty);
  group_.set_attribute("pairs_invalid_utf8", stats.pairs_invalid);
  group_.set_attribute("kept_per_bucket", stats.kept_per_bucket);
  group_.set_attribute("source_tokens", stats.source_tokens);
  group_.set_attribute("source_unk", stats.source_unk);
  group_.set_attribute("target_tokens", stats.target_tokens);
  group_.set_attribute("target_unk", stats.target_unk);
  group_.set_attribute("source_path", source_path);
  group_.set_attribute("source_sha256", source_sha256);
  group_.set_attribute("target_path", target_path);
  group_.set_attribute("target_sha256", target_sha256);
  out_.clear();  // closes the datasets, so the file can be closed
  group_ = io::Group();
}

}  // namespace s2s::data
