// Owns: the automatic bucket rule (see s2s/data/auto_buckets.h) and the length histogram.
#include "s2s/data/auto_buckets.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <tuple>

#include "s2s/core/error.h"

namespace s2s::data {

bool parse_auto_buckets(std::string_view spec, AutoBucketOptions& options) {
  if (spec == "auto") return true;
  if (!spec.starts_with("auto:")) return false;
  std::string_view n = spec.substr(5);
  int value = 0;
  auto [p, ec] = std::from_chars(n.data(), n.data() + n.size(), value);
  S2S_CHECK(ec == std::errc() && p == n.data() + n.size() && value >= 1 && value <= 64, "bad bucket count in '",
            spec, "' (expected auto or auto:N with N in 1..64)");
  options.count = value;
  return true;
}

void LengthHistogram::add(std::int64_t source_length, std::int64_t target_length, std::int64_t count) {
  S2S_CHECK(source_length >= 0 && target_length >= 0 && count >= 0, "LengthHistogram::add: negative length or count");
  raw_.push_back({source_length, target_length, count});
  pairs_ += count;
  if (raw_.size() >= (std::size_t{1} << 20)) compact();  // bounded: distinct lengths are few
}

void LengthHistogram::compact() {
  std::sort(raw_.begin(), raw_.end(),
            [](const Entry& x, const Entry& y) { return std::tie(x.source, x.target) < std::tie(y.source, y.target); });
  std::vector<Entry> merged;
  for (const Entry& e : raw_) {
    if (!merged.empty() && merged.back().source == e.source && merged.back().target == e.target)
      merged.back().count += e.count;
    else
      merged.push_back(e);
  }
  raw_ = std::move(merged);
}

std::vector<LengthHistogram::Entry> LengthHistogram::entries() const {
  LengthHistogram copy = *this;
  copy.compact();
  return copy.raw_;
}

namespace {
// Counts over decoder sizes b in [0, n): prefix sums and "smallest b with prefix >= need".
class Fenwick {
 public:
  explicit Fenwick(std::size_t n) : tree_(n + 1, 0) {}
  void add(std::size_t i, std::int64_t v) {
    for (++i; i < tree_.size(); i += i & (~i + 1)) tree_[i] += v;
  }
  // The smallest index i with count(0..i) >= need (need >= 1 and reachable).
  std::size_t lower_bound(std::int64_t need) const {
    std::size_t pos = 0, step = 1;
    while (step * 2 < tree_.size()) step *= 2;
    for (; step > 0; step /= 2)
      if (pos + step < tree_.size() && tree_[pos + step] < need) {
        pos += step;
        need -= tree_[pos];
      }
    return pos;  // 0-based index of the element reaching need
  }

 private:
  std::vector<std::int64_t> tree_;
};

struct Corner {
  std::int64_t encoder = 0, decoder = 0;  // 0: none found
};

// The smallest-area corner (I, O), I <= max_i and O <= max_o, holding at least `need` pairs
// (a <= I and b <= O). Sweeps I over the encoder sizes that occur, in increasing order; ties keep
// the smaller I. O is at least 3.
Corner best_corner(const std::vector<LengthHistogram::Entry>& entries, std::int64_t need, std::int64_t max_i,
                   std::int64_t max_o, std::int64_t max_b) {
  Fenwick by_b(static_cast<std::size_t>(max_b) + 1);
  std::int64_t inside = 0;
  Corner best;
  double best_area = 0;
  for (std::size_t k = 0; k < entries.size();) {
    const std::int64_t a = entries[k].source + 1;
    if (a > max_i) break;
    for (; k < entries.size() && entries[k].source + 1 == a; ++k) {
      const std::int64_t b = entries[k].target + 2;
      if (b > max_o) continue;
      by_b.add(static_cast<std::size_t>(b), entries[k].count);
      inside += entries[k].count;
    }
    if (inside < need) continue;
    const std::int64_t o = std::max<std::int64_t>(static_cast<std::int64_t>(by_b.lower_bound(need)), 3);
    if (o > max_o) continue;
    const double area = double(a) * double(o);
    if (best.encoder == 0 || area < best_area) {
      best = {a, o};
      best_area = area;
    }
  }
  return best;
}
}  // namespace

std::vector<Bucket> choose_buckets(const LengthHistogram& lengths, const AutoBucketOptions& o) {
  S2S_CHECK(o.count >= 1, "automatic buckets: count ", o.count, " (expected >= 1)");
  S2S_CHECK(o.drop_share >= 0.0 && o.drop_share < 1.0, "automatic buckets: drop share ", o.drop_share,
            " (expected in [0, 1))");
  const auto entries = lengths.entries();  // sorted by source length
  const std::int64_t m = lengths.pairs();
  S2S_CHECK(m > 0, "automatic buckets: no training pairs to choose buckets from");
  const auto allowed = static_cast<std::int64_t>(std::floor(o.drop_share * static_cast<double>(m)));
  std::int64_t max_b = 3;
  for (const auto& e : entries) max_b = std::max(max_b, e.target + 2);
  constexpr std::int64_t kAny = INT64_MAX;

  const Corner largest = best_corner(entries, m - allowed, kAny, kAny, max_b);
  S2S_CHECK(largest.encoder > 0, "automatic buckets: no bucket found");  // unreachable: the last a keeps all
  std::int64_t kept = 0;
  for (const auto& e : entries)
    if (e.source + 1 <= largest.encoder && e.target + 2 <= largest.decoder) kept += e.count;
  std::vector<Bucket> out(static_cast<std::size_t>(o.count));
  out.back() = {largest.encoder, largest.decoder};
  for (int k = o.count - 1; k >= 1; --k) {  // inside the next bucket, so the sizes never decrease
    const Bucket& next = out[static_cast<std::size_t>(k)];
    const std::int64_t need = std::max<std::int64_t>((static_cast<std::int64_t>(k) * kept + o.count - 1) / o.count, 1);
    const Corner c = best_corner(entries, need, next.encoder_size, next.decoder_size, max_b);
    out[static_cast<std::size_t>(k) - 1] = c.encoder > 0 ? Bucket{c.encoder, c.decoder} : next;
  }
  out.erase(std::unique(out.begin(), out.end()), out.end());
  validate_buckets(out);
  return out;
}

}  // namespace s2s::data
