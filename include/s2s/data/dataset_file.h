#pragma once
// Owns: the s2s dataset file schema (docs/dataset-format.md), its writer and its reader.
//
//   /                      attrs: format="s2s-dataset", version=1, created_by, buckets int64 [K,2],
//                                 tokenizer, normalize_digits, settings of the preparation
//   /vocab/source, /vocab/target          UTF-8 strings [V]; the id is the index
//   /tokenizer/source_model, /tokenizer/target_model   (tokenizer="sentencepiece" only) uint8 [n]:
//                          the serialized SentencePiece models (the same bytes twice when joint);
//                          /vocab/* are then their pieces in s2s id order (subword.h)
//   /<split>               ("train", "dev") attrs: counts (pairs read/kept/dropped/empty/invalid,
//                                 tokens, UNKs, kept per bucket), source/target path and SHA-256
//   /<split>/bucket_<k>    attrs: encoder_size, decoder_size, num_examples
//       source_ids int32 [S], source_offsets int64 [n+1]   example i = ids[offsets[i]:offsets[i+1]]
//       target_ids int32 [T], target_offsets int64 [n+1]   (targets WITHOUT the EOS)
//       line int64 [n]                                     1-based line of the pair in the inputs
// Why flat ids + offsets rather than padded [n, I] arrays: no padding is stored or read (a
// padded (40,50) bucket is mostly PAD), the layout does not depend on the bucket sizes, and a
// contiguous run of examples is two hyperslabs. Arrays are chunked (~256 KiB) and compressed with
// shuffle+deflate. Examples keep the input order; shuffling is the sampler's job.
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "s2s/data/batch.h"
#include "s2s/data/buckets.h"
#include "s2s/data/tokenizer.h"
#include "s2s/data/vocabulary.h"
#include "s2s/io/h5_file.h"

namespace s2s::data {

inline constexpr std::string_view kDatasetFormat = "s2s-dataset";
inline constexpr std::int64_t kDatasetVersion = 1;

// Counts of one split, written as attributes of /<split>.
struct SplitStats {
  std::int64_t pairs_read = 0;        // lines read (after --max-pairs)
  std::int64_t pairs_kept = 0;
  std::int64_t pairs_too_long = 0;    // fit no bucket: dropped, as translate does
  std::int64_t pairs_empty = 0;       // a side with no tokens: skipped
  std::int64_t pairs_invalid = 0;     // invalid UTF-8 with --on-invalid skip
  std::vector<std::int64_t> kept_per_bucket;
  std::int64_t source_tokens = 0, source_unk = 0;  // over kept pairs
  std::int64_t target_tokens = 0, target_unk = 0;  // over kept pairs, EOS not counted
  double source_unk_rate() const { return source_tokens ? double(source_unk) / double(source_tokens) : 0.0; }
  double target_unk_rate() const { return target_tokens ? double(target_unk) / double(target_tokens) : 0.0; }
};

// Appends examples to the buckets of one split, buffering and flushing to extendable datasets
// so memory stays bounded whatever the corpus size.
class SplitWriter {
 public:
  SplitWriter(io::Group& root, std::string split, std::vector<Bucket> buckets, int deflate_level);
  void add(int bucket, std::int64_t line, std::span<const std::int32_t> source,
           std::span<const std::int32_t> target);
  // Flushes, writes the counts and input fingerprints, and closes the split's datasets.
  void finish(const SplitStats& stats, const std::string& source_path, const std::string& source_sha256,
              const std::string& target_path, const std::string& target_sha256);

 private:
  struct BucketBuffer {
    io::Group group;
    io::Dataset source_ids, source_offsets, target_ids, target_offsets, lines;
    std::vector<std::int32_t> src, tgt;
    std::vector<std::int64_t> src_off, tgt_off, line;
    std::int64_t src_total = 0, tgt_total = 0, count = 0;
  };
  void flush(BucketBuffer& b);
  io::Group group_;
  std::vector<Bucket> buckets_;
  std::vector<BucketBuffer> out_;
};

void write_vocabulary(io::Group& root, const Vocabulary& source, const Vocabulary& target);
// /tokenizer/{source,target}_model of a SentencePiece tokenizer (nothing for the others).
void write_subword_models(io::Group& root, const TokenizerOptions& tokenizer);
// The models of /tokenizer/*_model, checked against the vocabularies; `label` names the file.
void read_subword_models(const io::Group& root, const std::string& label, const Vocabulary& source,
                         const Vocabulary& target, TokenizerOptions& tokenizer);

// A run of consecutive examples [begin, begin + size()) of one bucket, as read from the file.
struct ExampleBlock {
  std::int64_t begin = 0;
  std::vector<std::int64_t> source_offsets, target_offsets;  // [n + 1], rebased to start at 0
  std::vector<std::int32_t> source_ids, target_ids;
  std::vector<std::int64_t> lines;                           // [n]
  std::int64_t size() const { return static_cast<std::int64_t>(lines.size()); }
  std::span<const std::int32_t> source(std::int64_t i) const;
  std::span<const std::int32_t> target(std::int64_t i) const;
  BatchExample example(std::int64_t i) const;
};

// Read-only view of a dataset file; thread-safe (HDF5 calls are serialised by io's lock).
class Dataset {
 public:
  static std::shared_ptr<const Dataset> open(const std::string& path);
  // A dataset with no splits: only what decoding needs (vocabularies, buckets, tokenizer), e.g.
  // from a self-contained checkpoint. `label` stands for the path in messages.
  static std::shared_ptr<const Dataset> without_examples(std::string label, Vocabulary source, Vocabulary target,
                                                         std::vector<Bucket> buckets, TokenizerOptions tokenizer);

  const std::string& path() const { return path_; }
  const Vocabulary& source_vocab() const { return source_vocab_; }
  const Vocabulary& target_vocab() const { return target_vocab_; }
  const std::vector<Bucket>& buckets() const { return buckets_; }
  const TokenizerOptions& tokenizer() const { return tokenizer_; }  // as prepared: decode must match
  std::vector<std::string> splits() const;
  bool has_split(std::string_view split) const;
  std::int64_t bucket_size(std::string_view split, int bucket) const;
  std::vector<std::int64_t> bucket_sizes(std::string_view split) const;
  // Examples [begin, begin + count) of a bucket: one hyperslab per array.
  ExampleBlock read(std::string_view split, int bucket, std::int64_t begin, std::int64_t count) const;
  // Total source and target tokens of a bucket (the last offsets).
  std::pair<std::int64_t, std::int64_t> token_counts(std::string_view split, int bucket) const;
  // Reads only the offsets of [begin, begin + count), giving each example's lengths.
  void read_lengths(std::string_view split, int bucket, std::int64_t begin, std::int64_t count,
                    std::vector<std::int32_t>& source_lengths, std::vector<std::int32_t>& target_lengths) const;
  const io::File& file() const { return file_; }  // for attributes (settings, counts)

 private:
  Dataset() = default;
  io::Group bucket_group(std::string_view split, int bucket) const;
  // Validation of a (possibly damaged or crafted) file; every error names file and array.
  std::string array_name(const io::Group& g, const char* name) const;  // "<file>: /train/bucket_0/line"
  void check_array(const io::Group& g, const char* name) const;        // 1-D, integer, fully stored
  void check_offset_ends(const io::Group& g, const char* offsets, const char* ids, std::int64_t n) const;
  void check_block(const io::Group& g, const char* offsets_name, const std::vector<std::int64_t>& offsets,
                   std::int64_t begin, std::int64_t stored_ids) const;
  void check_ids(const io::Group& g, const char* ids_name, const std::vector<std::int32_t>& ids, std::int64_t first,
                 std::int64_t vocab_size) const;
  std::string path_;
  io::File file_;
  Vocabulary source_vocab_, target_vocab_;
  std::vector<Bucket> buckets_;
  TokenizerOptions tokenizer_;
  std::vector<std::string> splits_;
  std::vector<std::vector<std::int64_t>> sizes_;  // [split][bucket]
};

}  // namespace s2s::data
