#pragma once
// Owns: `s2s prepare` as a library call: parallel text (or a synthetic task) -> one dataset file
// (schema: s2s/data/dataset_file.h, docs/dataset-format.md).
// Streaming passes, so memory does not grow with the corpus (vocabulary counting and the
// SentencePiece trainer's sample aside):
//   1. scan: read train (and dev) pairs, check them (line counts, UTF-8), checksum the inputs,
//      count tokens for the vocabularies that are built rather than given; with SentencePiece
//      the trainer pulls the sentences of this pass (a second pass trains a separate target model);
//   (with --buckets auto) lengths: tokenize the training pairs, choose the buckets from the
//      length histogram (auto_buckets.h);
//   2. write: tokenize, map to ids, choose buckets, append to the output in bounded buffers.
// The output is written to a temporary in the same folder and renamed into place only when
// complete (io::AtomicFile); any error leaves no output file behind.
// The library prints nothing: progress goes to a callback, the summary is returned.
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "s2s/data/auto_buckets.h"
#include "s2s/data/buckets.h"
#include "s2s/data/dataset_file.h"
#include "s2s/data/parallel_text.h"
#include "s2s/data/subword.h"
#include "s2s/data/synthetic.h"
#include "s2s/data/tokenizer.h"

namespace s2s::data {

// tokenizer.kind == SentencePiece: where the models come from. In order: models already in
// `tokenizer` (s2s eval's text, with a checkpoint's models); model files; trained here.
struct SubwordOptions {
  bool joint = true;                    // one model for both sides (trained on source + target)
  std::string model_path;               // reuse: the source model (and the target's, when joint)
  std::string target_model_path;        // reuse: a separate target model
  SubwordTrainOptions train;            // otherwise: train (each side's model gets vocab_size)
};

struct PrepareOptions {
  std::string source_path, target_path;          // training text (ignored with `synthetic`)
  std::string dev_source_path, dev_target_path;  // optional dev text
  std::optional<SyntheticOptions> synthetic;     // generate the corpus instead of reading text
  std::string output_path;
  bool force = false;                            // replace an existing output
  std::string vocab_from_path, vocab_to_path;    // reuse vocabularies instead of building them
  std::int64_t source_vocab_size = 40000;        // translate's from_vocab_size (specials included)
  std::int64_t target_vocab_size = 40000;        // translate's to_vocab_size
  std::vector<Bucket> buckets = default_buckets();
  std::optional<AutoBucketOptions> auto_buckets;  // choose the buckets from the training lengths
  TokenizerOptions tokenizer;
  SubwordOptions subword;
  InvalidPolicy on_invalid = InvalidPolicy::Error;
  std::int64_t max_pairs = 0;                    // translate's max_train_data_size (0: all)
  int deflate_level = 4;
  std::string created_by = "s2s prepare";
};

struct PrepareProgress {
  std::string phase;          // "scan train", "train target" (spm), "scan dev", "lengths", "write train", "write dev"
  std::int64_t pairs = 0;     // pairs read in this phase
  double fraction = 0.0;      // of this phase's input, [0, 1]
  double seconds = 0.0;       // since the phase began
  bool done = false;          // last call of the phase
};
using PrepareProgressFn = std::function<void(const PrepareProgress&)>;

struct PrepareSummary {
  std::string output_path;
  std::int64_t output_bytes = 0;
  SplitStats train;
  std::optional<SplitStats> dev;
  std::vector<Bucket> buckets;     // as written (chosen, with auto buckets)
  std::int64_t auto_bucket_pairs = 0;  // pairs the automatic buckets were chosen from (0: not auto)
  std::int32_t source_vocab = 0, target_vocab = 0;
  std::int64_t distinct_source_tokens = 0, distinct_target_tokens = 0;  // 0 when given
  double seconds = 0.0;
  double scan_seconds = 0.0, write_seconds = 0.0;
};

PrepareSummary prepare_dataset(const PrepareOptions& options, const PrepareProgressFn& progress = {});

}  // namespace s2s::data
