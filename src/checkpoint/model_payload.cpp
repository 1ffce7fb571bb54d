// Owns: the model payload's datasets (see model_payload.h).
#include "s2s/checkpoint/model_payload.h"

#include "s2s/core/error.h"

namespace s2s::checkpoint {
namespace {
constexpr const char* kSentencePiece = "sentencepiece";  // data::tokenizer_name(TokenizerKind::SentencePiece)
}  // namespace

void write_model_payload(io::Group& root, const std::map<std::string, Tensor>& params, const ModelAssets& assets,
                         const std::string& config_yaml) {
  io::Group p = root.create_group("params");
  for (const auto& [name, t] : params) {
    check_dataset_name("parameter", name);
    put_tensor(p, name, t);
  }
  if (!assets.empty()) {
    S2S_CHECK(!assets.source_vocab.empty() && !assets.target_vocab.empty(),
              "model payload: both vocabularies are required (source ", assets.source_vocab.size(), ", target ",
              assets.target_vocab.size(), " tokens)");
    S2S_CHECK(!assets.tokenizer.type.empty(), "model payload: the tokenizer type is empty");
    S2S_CHECK(!assets.buckets.empty(), "model payload: no buckets");
    io::Group m = root.create_group("model");
    put_strings(m, "vocab/source", assets.source_vocab);
    put_strings(m, "vocab/target", assets.target_vocab);
    put_string(m, "tokenizer/type", assets.tokenizer.type);
    put_tensor(m, "tokenizer/normalize_digits",
               Tensor::from_vector<std::int64_t>({}, {assets.tokenizer.normalize_digits ? 1 : 0}));
    if (assets.tokenizer.type == kSentencePiece) {
      S2S_CHECK(!assets.tokenizer.source_model.empty() && !assets.tokenizer.target_model.empty(),
                "model payload: a sentencepiece tokenizer without its models");
      put_bytes(m, "tokenizer/source_model", assets.tokenizer.source_model);
      put_bytes(m, "tokenizer/target_model", assets.tokenizer.target_model);
    }
    std::vector<std::int64_t> flat;
    for (const auto& b : assets.buckets) flat.insert(flat.end(), b.begin(), b.end());
    put_tensor(m, "buckets",
               Tensor::from_vector<std::int64_t>({static_cast<std::int64_t>(assets.buckets.size()), 2}, flat));
  }
  io::Group meta = root.require_group("meta");
  put_string(meta, "config_yaml", config_yaml);
}

void read_model_payload(ChecksummedReader& r, std::map<std::string, Tensor>& params, ModelAssets& assets,
                        std::string& config_yaml) {
  for (const auto& name : r.datasets_under("params")) params[name] = r.tensor("params/" + name);
  config_yaml = r.string("meta/config_yaml");
  assets = {};
  if (r.datasets_under("model").empty()) return;
  assets.source_vocab = r.strings("model/vocab/source");
  assets.target_vocab = r.strings("model/vocab/target");
  assets.tokenizer.type = r.string("model/tokenizer/type");
  const auto digits = r.scalar<std::int64_t>("model/tokenizer/normalize_digits");
  S2S_CHECK(digits == 0 || digits == 1, "dataset model/tokenizer/normalize_digits: expected 0 or 1, found ", digits);
  assets.tokenizer.normalize_digits = digits == 1;
  if (assets.tokenizer.type == kSentencePiece) {
    assets.tokenizer.source_model = r.bytes("model/tokenizer/source_model");
    assets.tokenizer.target_model = r.bytes("model/tokenizer/target_model");
  }
  Tensor b = r.tensor("model/buckets");
  S2S_CHECK(b.dtype() == DType::I64 && b.ndim() == 2 && b.shape()[1] == 2 && b.shape()[0] >= 1,
            "dataset model/buckets: expected int64 [K, 2] with K >= 1, found ", dtype_name(b.dtype()), " ",
            shape_str(b.shape()));
  const auto v = b.to_vector<std::int64_t>();
  for (std::size_t i = 0; i < v.size(); i += 2) assets.buckets.push_back({v[i], v[i + 1]});
}

}  // namespace s2s::checkpoint
