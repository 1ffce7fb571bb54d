#pragma once
// Owns: deterministic toy parallel corpora, so the quickstart needs no download:
//  - reverse:    target = the source reversed;
//  - sort:       target = the source's symbols sorted (alphabet order);
//  - copy-noise: target = a clean sequence; source = the same with noise symbols (X, Y, Z)
//                inserted before each symbol with probability `noise` (the model learns to drop
//                them).
// Symbols are lowercase letter names ("a".."z", then "ba", "bb", ..): no digits (which digit
// normalisation would merge) and no punctuation (which the basic tokenizer would split).
// Pair i of a split is a pure function of (seed, split, i): a Philox stream per pair, so any
// pair can be regenerated alone and the corpus does not depend on how it is read.
// Defaults (20 symbols, lengths 3..8) fit translate's first two buckets and are learnable by a
// small GRU attention model in minutes on a CPU.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "s2s/data/parallel_text.h"

namespace s2s::data {

enum class SyntheticTask { Reverse, Sort, CopyNoise };
std::string_view synthetic_task_name(SyntheticTask t);          // "reverse" | "sort" | "copy-noise"
SyntheticTask synthetic_task_from_name(std::string_view name);  // throws for other names

struct SyntheticOptions {
  SyntheticTask task = SyntheticTask::Reverse;
  std::int64_t pairs = 10000;      // training pairs
  std::int64_t dev_pairs = 1000;   // dev pairs (0: no dev split)
  std::uint64_t seed = 1;
  int min_length = 3;
  int max_length = 8;
  int alphabet = 20;
  double noise = 0.25;             // copy-noise: insertion probability per symbol
  std::string describe() const;    // "synthetic:reverse seed=1 alphabet=20 length=3..8"
};

std::string synthetic_symbol(int index);  // 0 -> "a", 25 -> "z", 26 -> "ba", ...

enum class SplitKind { Train = 0, Dev = 1 };
// The text of pair `index` of `split`: tokens separated by single spaces.
void synthetic_pair(const SyntheticOptions& options, SplitKind split, std::int64_t index, std::string& source,
                    std::string& target);

// A PairSource over the generated pairs of one split; its checksums are those of the text
// --emit-text writes (each line followed by '\n').
std::unique_ptr<PairSource> make_synthetic_source(const SyntheticOptions& options, SplitKind split);

// Writes DIR/train.src, DIR/train.tgt (and DIR/dev.src, DIR/dev.tgt when dev_pairs > 0), each
// atomically; existing files are refused unless `overwrite`.
void emit_synthetic_text(const SyntheticOptions& options, const std::string& dir, bool overwrite);

}  // namespace s2s::data
