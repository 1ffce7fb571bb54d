#pragma once
// Test corpora: small parallel text files whose pairs land in known buckets, prepared into a
// dataset with prepare_dataset. Pair lengths per bucket (translate's default buckets):
// bucket 0 (5,10): 2/2 tokens, 1 (10,15): 7/7, 2 (20,25): 15/15, 3 (40,50): 30/30.
// Tokens are letter names (no digits), unique per line, so a pair is identified by its line.
#include <string>
#include <vector>

#include "s2s/data/prepare.h"
#include "s2s/data/synthetic.h"
#include "unit/io/temp_dir.h"

namespace s2s::test_support {

inline std::string corpus_line(std::int64_t line, int length, char side) {
  std::string s;
  for (int k = 0; k < length; ++k) {
    if (k) s += ' ';
    s += side + data::synthetic_symbol(static_cast<int>(line * 64 + k));
  }
  return s;
}

// counts[b] pairs in bucket b, interleaved round-robin so example order differs from line order.
inline std::string make_bucketed_dataset(const TempDir& dir, const std::vector<int>& counts,
                                         const std::string& name = "data.h5") {
  static const int kLen[4] = {2, 7, 15, 30};
  std::string src, tgt;
  std::vector<int> left = counts;
  std::int64_t line = 0;
  for (bool any = true; any;) {
    any = false;
    for (std::size_t b = 0; b < left.size(); ++b) {
      if (left[b] == 0) continue;
      --left[b];
      any = true;
      ++line;
      src += corpus_line(line, kLen[b], 's') + "\n";
      tgt += corpus_line(line, kLen[b], 't') + "\n";
    }
  }
  data::PrepareOptions o;
  o.source_path = dir.write(name + ".src", src);
  o.target_path = dir.write(name + ".tgt", tgt);
  o.output_path = dir.file(name);
  o.force = true;
  data::prepare_dataset(o);
  return o.output_path;
}

}  // namespace s2s::test_support
