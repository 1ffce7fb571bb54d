#pragma once
// Owns: evaluation data from parallel text rather than a prepared dataset: `s2s eval --source
// --target` tokenizes and buckets the given files with a model's own tokenizer, vocabularies and
// buckets (those a checkpoint or export carries), exactly as `s2s prepare` would with those
// vocabularies, into a temporary dataset whose "train" split holds the pairs. Pairs that fit no
// bucket are left out of the perplexity, as translate's read_data drops them (counted in
// `pairs_too_long`).
// Why through prepare_dataset: one tokenize/bucket/id path for training data and evaluation text,
// with its checks (equal line counts, UTF-8 errors naming the file and line).
#include <memory>
#include <string>

#include "s2s/data/dataset_file.h"
#include "s2s/data/prepare.h"

namespace s2s::eval {

struct TextSplit {
  std::shared_ptr<const data::Dataset> dataset;  // its split "train" holds the kept pairs
  data::SplitStats stats;
};

// `model_data` gives the tokenizer, vocabularies and buckets; `scratch_dir` (existing) receives the
// temporary files, which the caller removes.
TextSplit text_split(const data::Dataset& model_data, const std::string& source_path, const std::string& target_path,
                     const std::string& scratch_dir);

}  // namespace s2s::eval
