// Owns: the synthetic tasks' generator, its PairSource and its text emitter.
#include "s2s/data/synthetic.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <vector>

#include "s2s/core/error.h"
#include "s2s/core/philox.h"
#include "s2s/io/atomic_file.h"
#include "s2s/io/sha256.h"

namespace s2s::data {

namespace {
constexpr const char* kNoiseSymbols[] = {"X", "Y", "Z"};

void validate(const SyntheticOptions& o) {
  if (o.pairs < 1) S2S_FAIL("--pairs ", o.pairs, " (expected at least 1)");
  if (o.dev_pairs < 0) S2S_FAIL("--dev-pairs ", o.dev_pairs, " (expected >= 0)");
  if (o.min_length < 1 || o.max_length < o.min_length)
    S2S_FAIL("synthetic lengths ", o.min_length, "..", o.max_length, " (expected 1 <= min <= max)");
  if (o.alphabet < 2 || o.alphabet > 100000) S2S_FAIL("synthetic alphabet of ", o.alphabet, " (expected 2..100000)");
  if (!(o.noise >= 0.0 && o.noise < 1.0)) S2S_FAIL("synthetic noise ", o.noise, " (expected [0, 1))");
}

class SyntheticSource : public PairSource {
 public:
  SyntheticSource(const SyntheticOptions& o, SplitKind split)
      : options_(o), split_(split), count_(split == SplitKind::Train ? o.pairs : o.dev_pairs) {}
  bool next(TextPair& pair) override {
    if (index_ == count_) {
      finished_ = true;
      return false;
    }
    synthetic_pair(options_, split_, index_, source_, target_);
    source_hash_.update(source_);
    source_hash_.update("\n");
    target_hash_.update(target_);
    target_hash_.update("\n");
    ++index_;
    pair = {index_, source_, target_};
    return true;
  }
  void rewind() override {
    index_ = 0;
    finished_ = false;
    source_hash_.reset();
    target_hash_.reset();
    source_digest_.clear();
    target_digest_.clear();
  }
  double fraction_done() const override { return count_ ? double(index_) / double(count_) : 1.0; }
  std::string source_name() const override { return name() + " side=source"; }
  std::string target_name() const override { return name() + " side=target"; }
  std::string source_sha256() override { return digest(source_hash_, source_digest_); }
  std::string target_sha256() override { return digest(target_hash_, target_digest_); }

 private:
  std::string name() const {
    return options_.describe() + " split=" + (split_ == SplitKind::Train ? "train" : "dev") +
           " pairs=" + std::to_string(count_);
  }
  std::string digest(io::Sha256& h, std::string& cached) {
    if (!finished_) S2S_FAIL("synthetic checksum requested before a complete pass");
    if (cached.empty()) cached = h.hex_digest();
    return cached;
  }
  SyntheticOptions options_;
  SplitKind split_;
  std::int64_t count_, index_ = 0;
  bool finished_ = false;
  std::string source_, target_;
  io::Sha256 source_hash_, target_hash_;
  std::string source_digest_, target_digest_;
};

void write_text_file(const std::string& path, bool overwrite, const SyntheticOptions& o, SplitKind split,
                     bool source_side) {
  io::AtomicFile out(path, overwrite);
  std::FILE* f = std::fopen(out.temp_path().c_str(), "wb");
  if (f == nullptr) S2S_FAIL("cannot write ", out.temp_path());
  std::vector<char> buffer(1 << 20);
  std::setvbuf(f, buffer.data(), _IOFBF, buffer.size());
  std::string src, tgt;
  std::int64_t n = split == SplitKind::Train ? o.pairs : o.dev_pairs;
  for (std::int64_t i = 0; i < n; ++i) {
    synthetic_pair(o, split, i, src, tgt);
    const std::string& line = source_side ? src : tgt;
    std::fwrite(line.data(), 1, line.size(), f);
    std::fputc('\n', f);
  }
  if (std::fclose(f) != 0) S2S_FAIL("error writing ", out.temp_path());
  out.commit();
}
}  // namespace

std::string_view synthetic_task_name(SyntheticTask t) {
  switch (t) {
    case SyntheticTask::Reverse:
      return "reverse";
    case SyntheticTask::Sort:
      return "sort";
    case SyntheticTask::CopyNoise:
      return "copy-noise";
  }
  return "?";
}

SyntheticTask synthetic_task_from_name(std::string_view name) {
  for (auto t : {SyntheticTask::Reverse, SyntheticTask::Sort, SyntheticTask::CopyNoise})
    if (synthetic_task_name(t) == name) return t;
  S2S_FAIL("unknown synthetic task '", name, "' (expected reverse, sort or copy-noise)");
}

std::string SyntheticOptions::describe() const {
  std::string s = "synthetic:" + std::string(synthetic_task_name(task)) + " seed=" + std::to_string(seed) +
                  " alphabet=" + std::to_string(alphabet) + " length=" + std::to_string(min_length) + ".." +
                  std::to_string(max_length);
  if (task == SyntheticTask::CopyNoise) s += " noise=" + std::to_string(noise);
  return s;
}

std::string synthetic_symbol(int index) {
  // Bijective-ish base 26 with "a" as zero digit after the first place: 0..25 -> a..z, 26 -> ba.
  std::string s;
  do {
    s.insert(s.begin(), static_cast<char>('a' + index % 26));
    index /= 26;
  } while (index > 0);
  return s;
}

void synthetic_pair(const SyntheticOptions& o, SplitKind split, std::int64_t index, std::string& source,
                    std::string& target) {
  validate(o);
  // One Philox stream per pair: stream = split in the top byte, pair index below.
  PhiloxStream rng(o.seed, (static_cast<std::uint64_t>(split) + 1) << 56 | static_cast<std::uint64_t>(index));
  const int length =
      o.min_length + static_cast<int>(rng.below(static_cast<std::uint64_t>(o.max_length - o.min_length + 1)));
  std::vector<int> symbols(static_cast<std::size_t>(length));
  for (int& s : symbols) s = static_cast<int>(rng.below(static_cast<std::uint64_t>(o.alphabet)));
  auto join = [](const std::vector<std::string>& tokens, std::string& out) {
    out.clear();
    for (std::size_t i = 0; i < tokens.size(); ++i) {
      if (i) out += ' ';
      out += tokens[i];
    }
  };
  std::vector<std::string> src, tgt;
  for (int s : symbols) src.push_back(synthetic_symbol(s));
  switch (o.task) {
    case SyntheticTask::Reverse:
      tgt.assign(src.rbegin(), src.rend());
      break;
    case SyntheticTask::Sort: {
      std::vector<int> sorted = symbols;
      std::sort(sorted.begin(), sorted.end());
      for (int s : sorted) tgt.push_back(synthetic_symbol(s));
      break;
    }
    case SyntheticTask::CopyNoise: {
      tgt = src;
      std::vector<std::string> noisy;
      for (const auto& s : src) {
        if (rng.uniform() < o.noise) noisy.emplace_back(kNoiseSymbols[rng.below(3)]);
        noisy.push_back(s);
      }
      src = std::move(noisy);
      break;
    }
  }
  join(src, source);
  join(tgt, target);
}

std::unique_ptr<PairSource> make_synthetic_source(const SyntheticOptions& options, SplitKind split) {
  validate(options);
  return std::make_unique<SyntheticSource>(options, split);
}

void emit_synthetic_text(const SyntheticOptions& options, const std::string& dir, bool overwrite) {
  validate(options);
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) S2S_FAIL("cannot create folder ", dir, ": ", ec.message());
  auto path = [&](const char* name) { return (std::filesystem::path(dir) / name).string(); };
  write_text_file(path("train.src"), overwrite, options, SplitKind::Train, true);
  write_text_file(path("train.tgt"), overwrite, options, SplitKind::Train, false);
  if (options.dev_pairs > 0) {
    write_text_file(path("dev.src"), overwrite, options, SplitKind::Dev, true);
    write_text_file(path("dev.tgt"), overwrite, options, SplitKind::Dev, false);
  }
}

}  // namespace s2s::data
