// Owns: Dataset::without_examples, a dataset holding only what decoding needs (vocabularies,
// buckets, tokenizer), built in memory from a model file's payload rather than read from disk.
// Kept apart from the reader (dataset_reader.cpp), which validates files.
#include "s2s/data/dataset_file.h"

namespace s2s::data {

std::shared_ptr<const Dataset> Dataset::without_examples(std::string label, Vocabulary source, Vocabulary target,
                                                         std::vector<Bucket> buckets, TokenizerOptions tokenizer) {
  validate_buckets(buckets);
  std::shared_ptr<Dataset> ds(new Dataset());
  ds->path_ = std::move(label);
  ds->source_vocab_ = std::move(source);
  ds->target_vocab_ = std::move(target);
  ds->buckets_ = std::move(buckets);
  ds->tokenizer_ = tokenizer;
  return ds;
}

}  // namespace s2s::data
