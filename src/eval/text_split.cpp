// Owns: parallel text -> a temporary evaluation dataset with a model's vocabularies (text_split.h).
#include "s2s/eval/text_split.h"

namespace s2s::eval {

TextSplit text_split(const data::Dataset& model_data, const std::string& source_path, const std::string& target_path,
                     const std::string& scratch_dir) {
  data::PrepareOptions o;
  o.source_path = source_path;
  o.target_path = target_path;
  if (model_data.tokenizer().kind != data::TokenizerKind::SentencePiece) {  // SentencePiece: the models' pieces
    o.vocab_from_path = scratch_dir + "/vocab.source";
    o.vocab_to_path = scratch_dir + "/vocab.target";
    model_data.source_vocab().save(o.vocab_from_path);
    model_data.target_vocab().save(o.vocab_to_path);
  }
  o.buckets = model_data.buckets();
  o.tokenizer = model_data.tokenizer();
  o.output_path = scratch_dir + "/eval.h5";
  o.force = true;
  o.deflate_level = 0;
  o.created_by = "s2s eval --source --target";
  const data::PrepareSummary summary = data::prepare_dataset(o);
  return {data::Dataset::open(o.output_path), summary.train};
}

}  // namespace s2s::eval
