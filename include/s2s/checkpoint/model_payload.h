#pragma once
// Owns: the model payload, what a checkpoint and an exported model file both carry so that text
// can be translated without the training dataset (docs/checkpoint-format.md, "Model payload"):
//   /params/<tf name>                  the parameters
//   /model/vocab/source, /vocab/target  string [V] each (the id is the index)
//   /model/tokenizer/type               string: "basic" | "space" | "sentencepiece"
//   /model/tokenizer/normalize_digits   int64 scalar 0 | 1
//   /model/tokenizer/source_model       uint8 [n] (sentencepiece only): the serialized models,
//   /model/tokenizer/target_model       the same bytes twice for a joint model
//   /model/buckets                      int64 [K, 2]: (I, O) per bucket
//   /meta/config_yaml                   string: the run's resolved configuration
// every one a checksummed dataset (checksummed.h). A tokenizer with a learned model
// (SentencePiece) adds its serialized model below /model/tokenizer beside `type`; a reader
// refuses types it does not know (an s2s from before SentencePiece names the type).
// Does not own: turning these plain values into vocabularies and tokenizers (s2s/model/model_file.h
// does, since the data part sits above this one), nor the training state (checkpoint.h).
#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "s2s/checkpoint/checksummed.h"
#include "s2s/core/tensor.h"
#include "s2s/io/h5_file.h"

namespace s2s::checkpoint {

struct TokenizerSpec {
  std::string type;              // "basic" | "space" | "sentencepiece" (data/tokenizer.h)
  bool normalize_digits = true;  // every ASCII digit -> '0'
  std::string source_model, target_model;  // sentencepiece: the serialized models (else empty)
  bool operator==(const TokenizerSpec&) const = default;
};

// Everything beside the parameters and the config that decoding needs.
struct ModelAssets {
  std::vector<std::string> source_vocab, target_vocab;  // contents, specials first
  TokenizerSpec tokenizer;
  std::vector<std::array<std::int64_t, 2>> buckets;     // (I, O)
  bool empty() const { return source_vocab.empty() && target_vocab.empty(); }
  bool operator==(const ModelAssets&) const = default;
};

// Writes /params, /model and /meta/config_yaml below `root`. `assets` must be complete (both
// vocabularies, a tokenizer type, at least one bucket) unless empty (then /model is not written:
// only unit tests of the checkpoint file do that).
void write_model_payload(io::Group& root, const std::map<std::string, Tensor>& params, const ModelAssets& assets,
                         const std::string& config_yaml);
// Reads what write_model_payload wrote, verifying checksums. A file without /model (checkpoint
// format 1) gives empty assets.
void read_model_payload(ChecksummedReader& reader, std::map<std::string, Tensor>& params, ModelAssets& assets,
                        std::string& config_yaml);

}  // namespace s2s::checkpoint
