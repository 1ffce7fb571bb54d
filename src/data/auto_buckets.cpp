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

// The ceil(q * total)-th smallest value (1-based rank >= 1) of a weighted list sorted by value.
std::int64_t quantile(const std::vector<std::pair<std::int64_t, std::int64_t>>& sorted, std::int64_t rank) {
  std::int64_t seen = 0;
  for (const auto& [value, count] : sorted) {
    seen += count;
    if (seen >= rank) return value;
  }
  return sorted.back().first;
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
  const std::int64_t need = m - allowed;
  std::int64_t max_b = 0;
  for (const auto& e : entries) max_b = std::max(max_b, e.target + 2);

  // The largest bucket: sweep I over the encoder sizes a in increasing order.
  Fenwick by_b(static_cast<std::size_t>(max_b) + 1);
  std::int64_t inside = 0, best_i = 0, best_o = 0;
  double best_area = 0;
  for (std::size_t k = 0; k < entries.size();) {
    const std::int64_t a = entries[k].source + 1;
    for (; k < entries.size() && entries[k].source + 1 == a; ++k) {
      by_b.add(static_cast<std::size_t>(entries[k].target + 2), entries[k].count);
      inside += entries[k].count;
    }
    if (inside < need) continue;
    const auto b = static_cast<std::int64_t>(by_b.lower_bound(need));
    const double area = double(a) * double(std::max<std::int64_t>(b, 3));
    if (best_i == 0 || area < best_area) {
      best_i = a;
      best_o = std::max<std::int64_t>(b, 3);
      best_area = area;
    }
  }
  S2S_CHECK(best_i > 0, "automatic buckets: no bucket found");  // unreachable: the last I keeps all

  // The smaller buckets: marginal quantiles of the pairs inside the largest one.
  std::vector<std::pair<std::int64_t, std::int64_t>> as, bs;
  std::int64_t kept = 0;
  for (const auto& e : entries) {
    if (e.source + 1 > best_i || e.target + 2 > best_o) continue;
    as.push_back({e.source + 1, e.count});
    bs.push_back({e.target + 2, e.count});
    kept += e.count;
  }
  std::sort(as.begin(), as.end());
  std::sort(bs.begin(), bs.end());
  std::vector<Bucket> out;
  for (int k = 1; k < o.count; ++k) {
    const std::int64_t rank = (static_cast<std::int64_t>(k) * kept + o.count - 1) / o.count;  // ceil
    out.push_back({quantile(as, std::max<std::int64_t>(rank, 1)),
                   std::max<std::int64_t>(quantile(bs, std::max<std::int64_t>(rank, 1)), 3)});
  }
  out.push_back({best_i, best_o});
  out.erase(std::unique(out.begin(), out.end()), out.end());
  validate_buckets(out);
  return out;
}

}  // namespace s2s::data
