// Owns: reading checkpoints/exports for inference, writing exports, payload <-> data types
// (see model_file.h).
#include "s2s/model/model_file.h"

#include <algorithm>
#include <filesystem>

#include "s2s/checkpoint/checkpoint.h"
#include "s2s/checkpoint/checkpoint_manager.h"
#include "s2s/checkpoint/checksummed.h"
#include "s2s/core/error.h"
#include "s2s/data/subword.h"
#include "s2s/io/crc32c.h"
#include "s2s/io/atomic_file.h"
#include "s2s/io/h5_file.h"

namespace s2s::model {

std::string resolve_model_path(const std::string& checkpoint_or_dir) {
  if (!std::filesystem::is_directory(checkpoint_or_dir)) return checkpoint_or_dir;
  checkpoint::CheckpointManager manager(checkpoint_or_dir, 0);
  checkpoint::ResumeChoice choice = manager.resolve_resume(checkpoint_or_dir);
  S2S_CHECK(choice.path.has_value(), "no checkpoint found in ", checkpoint_or_dir);
  return *choice.path;
}

ModelFile read_model_file(const std::string& checkpoint_or_dir) {
  ModelFile m;
  m.path = resolve_model_path(checkpoint_or_dir);
  try {
    io::File f = io::File::open(m.path, io::FileAccess::ReadOnly);
    S2S_CHECK(f.has_attribute("format"), "no root attribute 'format' (expected a checkpoint, ",
              checkpoint::kCheckpointFormatName, ", or a model export, ", kModelFormatName, ")");
    m.format = f.attribute_string("format");
    m.format_version = f.attribute_int("format_version");
    const bool paths_summed = m.format == checkpoint::kCheckpointFormatName
                                  ? m.format_version >= checkpoint::kCheckpointFormatPathChecksums
                                  : m.format_version >= 2;
    checkpoint::ChecksummedReader r(
        f, paths_summed ? checkpoint::ChecksumScheme::PathAndData : checkpoint::ChecksumScheme::Data);
    if (m.format == checkpoint::kCheckpointFormatName) {
      S2S_CHECK(m.format_version >= 1 && m.format_version <= checkpoint::kCheckpointFormatVersion,
                "checkpoint format version ", m.format_version, " is not supported (this s2s reads 1..",
                checkpoint::kCheckpointFormatVersion, "; written by a newer s2s?)");
      m.global_step = r.scalar<std::int64_t>("state/global_step");
    } else if (m.format == kModelFormatName) {
      S2S_CHECK(m.format_version >= 1 && m.format_version <= kModelFormatVersion, "model format version ",
                m.format_version, " is not supported (this s2s reads 1..", kModelFormatVersion,
                "; written by a newer s2s?)");
      m.global_step = r.scalar<std::int64_t>("meta/global_step");
      m.source = r.string("meta/source");
    } else {
      S2S_FAIL("format '", m.format, "' is neither a checkpoint (", checkpoint::kCheckpointFormatName,
               ") nor a model export (", kModelFormatName, ")");
    }
    if (paths_summed) r.verify_manifest();
    checkpoint::read_model_payload(r, m.params, m.assets, m.config_yaml);
    S2S_CHECK(m.format != kModelFormatName || !m.assets.empty(), "the export has no /model group");
    f.close();
  } catch (const Error& e) {
    S2S_FAIL("model file ", m.path, " is unreadable or corrupt: ", e.what());
  }
  return m;
}

void write_model_file(const std::string& path, const ModelFile& m) {
  S2S_CHECK(!m.assets.empty(), "writing ", path, ": the model has no vocabularies/tokenizer/buckets to export");
  try {
    io::AtomicFile out(path, /*overwrite=*/true);
    {
      io::File f = io::File::create(out.temp_path(), /*truncate=*/true);
      checkpoint::write_file_description(f, kModelFormatName, kModelFormatVersion);
      checkpoint::write_model_payload(f, m.params, m.assets, m.config_yaml);
      {
        io::Group meta = f.open_group("meta");
        checkpoint::put_tensor(meta, "global_step", Tensor::from_vector<std::int64_t>({}, {m.global_step}));
        checkpoint::put_string(meta, "source", m.source);
      }
      checkpoint::write_manifest(f);  // last: it lists every dataset written above
      f.close();
    }
    out.commit();
  } catch (const Error& e) {
    S2S_FAIL("writing model file ", path, " failed (the previous file, if any, is unchanged): ", e.what());
  }
}

checkpoint::ModelAssets assets_from_dataset(const data::Dataset& dataset) {
  checkpoint::ModelAssets a;
  a.source_vocab = dataset.source_vocab().tokens();
  a.target_vocab = dataset.target_vocab().tokens();
  a.tokenizer.type = std::string(data::tokenizer_name(dataset.tokenizer().kind));
  a.tokenizer.normalize_digits = dataset.tokenizer().normalize_digits;
  if (dataset.tokenizer().kind == data::TokenizerKind::SentencePiece) {
    a.tokenizer.source_model = dataset.tokenizer().source_model->serialized();
    a.tokenizer.target_model = dataset.tokenizer().target_model->serialized();
  }
  for (const auto& b : dataset.buckets()) a.buckets.push_back({b.encoder_size, b.decoder_size});
  return a;
}

data::TokenizerOptions tokenizer_from_spec(const checkpoint::TokenizerSpec& spec, const std::string& origin) {
  data::TokenizerOptions t;
  try {
    t.kind = data::tokenizer_from_name(spec.type);
  } catch (const Error& e) {
    S2S_FAIL(origin, ": tokenizer type '", spec.type, "' is not supported by this s2s (", e.what(), ")");
  }
  t.normalize_digits = spec.normalize_digits;
  if (t.kind == data::TokenizerKind::SentencePiece) {
    t.source_model = data::SubwordModel::from_serialized(spec.source_model, origin + ":/model/tokenizer/source_model");
    t.target_model = spec.target_model == spec.source_model
                         ? t.source_model
                         : data::SubwordModel::from_serialized(spec.target_model, origin + ":/model/tokenizer/target_model");
  }
  return t;
}

std::shared_ptr<const data::Dataset> dataset_from_assets(const checkpoint::ModelAssets& a, const std::string& origin) {
  std::vector<data::Bucket> buckets;
  for (const auto& b : a.buckets) buckets.push_back({b[0], b[1]});
  data::TokenizerOptions tokenizer = tokenizer_from_spec(a.tokenizer, origin);
  if (tokenizer.kind == data::TokenizerKind::SentencePiece)
    S2S_CHECK(tokenizer.source_model->pieces() == a.source_vocab && tokenizer.target_model->pieces() == a.target_vocab,
              origin, ": /model/vocab differs from the pieces of the SentencePiece models in /model/tokenizer");
  return data::Dataset::without_examples(
      origin, data::Vocabulary::from_tokens(a.source_vocab, origin + ":/model/vocab/source"),
      data::Vocabulary::from_tokens(a.target_vocab, origin + ":/model/vocab/target"), std::move(buckets),
      std::move(tokenizer));
}

namespace {
std::string compare_vocab(const char* side, const std::vector<std::string>& a, const std::vector<std::string>& b,
                          const std::string& a_name, const std::string& b_name) {
  const std::size_t n = std::min(a.size(), b.size());
  for (std::size_t i = 0; i < n; ++i)
    if (a[i] != b[i])
      return std::string(side) + " vocabulary: id " + std::to_string(i) + " is '" + a[i] + "' in " + a_name +
             " but '" + b[i] + "' in " + b_name;
  if (a.size() != b.size())
    return std::string(side) + " vocabulary: " + std::to_string(a.size()) + " tokens in " + a_name + " but " +
           std::to_string(b.size()) + " in " + b_name;
  return {};
}
}  // namespace

std::string compare_assets(const checkpoint::ModelAssets& a, const checkpoint::ModelAssets& b,
                           const std::string& a_name, const std::string& b_name) {
  if (auto d = compare_vocab("source", a.source_vocab, b.source_vocab, a_name, b_name); !d.empty()) return d;
  if (auto d = compare_vocab("target", a.target_vocab, b.target_vocab, a_name, b_name); !d.empty()) return d;
  auto tok = [](const checkpoint::TokenizerSpec& t) {
    if (!t.source_model.empty())
      return t.type + " (models of " + std::to_string(t.source_model.size()) + " and " +
             std::to_string(t.target_model.size()) + " bytes, crc32c " + std::to_string(io::crc32c(t.source_model)) +
             " and " + std::to_string(io::crc32c(t.target_model)) + ")";
    return t.type + (t.normalize_digits ? " with" : " without") + " digit normalisation";
  };
  if (!(a.tokenizer == b.tokenizer))
    return "tokenizer: " + tok(a.tokenizer) + " in " + a_name + " but " + tok(b.tokenizer) + " in " + b_name;
  auto fmt = [](const std::vector<std::array<std::int64_t, 2>>& bs) {
    std::string s;
    for (const auto& x : bs) s += (s.empty() ? "" : ":") + std::to_string(x[0]) + "," + std::to_string(x[1]);
    return s;
  };
  if (a.buckets != b.buckets)
    return "buckets: " + fmt(a.buckets) + " in " + a_name + " but " + fmt(b.buckets) + " in " + b_name;
  return {};
}

}  // namespace s2s::model
