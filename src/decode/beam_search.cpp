// Owns: beam search and the length penalty (see beam_search.h).
#include "s2s/decode/beam_search.h"

#include <algorithm>
#include <cmath>

#include "s2s/core/error.h"
#include "s2s/data/vocabulary.h"
#include "s2s/kernels/tensor_ops.h"

namespace s2s::decode {
namespace {

// The score of a row that holds no hypothesis (an unused beam, a finished source): finite, so the
// kernels never see inf − inf, and far below any real log-probability.
constexpr double kDead = -1e30;
constexpr double kDeadBelow = -1e29;

Tensor upload_i32(const std::vector<std::int32_t>& v, Device device) {
  return Tensor::from_vector<std::int32_t>({static_cast<std::int64_t>(v.size())}, v).to(device);
}

// The best `count` entries of every row of scores [N, C] (consumed: masked as they are taken),
// best first, ties to the lower column. Returns the columns, host [N][count] row-major.
std::vector<std::int32_t> top_columns(Tensor& scores, std::int64_t count, const Tensor& all_columns) {
  const std::int64_t N = scores.dim(0);
  Tensor idx = Tensor::empty({count, N}, DType::I32, scores.device());
  for (std::int64_t j = 0; j < count; ++j) {
    Tensor picked = idx[j];  // [N]
    kern::argmax_rows(picked, scores);
    // −FLT_MAX on the picked column of each row (column ids 0..C−1 against the row's pick).
    if (j + 1 < count) kern::mask_accidental_hits(scores, scores, all_columns, picked.reshape({N, 1}));
  }
  const std::vector<std::int32_t> by_rank = idx.to_vector<std::int32_t>();  // [count, N]
  std::vector<std::int32_t> out(static_cast<std::size_t>(N * count));
  for (std::int64_t n = 0; n < N; ++n)
    for (std::int64_t j = 0; j < count; ++j)
      out[static_cast<std::size_t>(n * count + j)] = by_rank[static_cast<std::size_t>(j * N + n)];
  return out;
}

void sort_best_first(std::vector<Hypothesis>& h) {
  std::stable_sort(h.begin(), h.end(), [](const Hypothesis& a, const Hypothesis& b) { return a.score > b.score; });
}

}  // namespace

double length_penalty(std::int64_t length, double alpha) {
  return alpha == 0.0 ? 1.0 : std::pow((5.0 + static_cast<double>(length)) / 6.0, alpha);
}

std::vector<std::vector<Hypothesis>> beam_search(BeamStepper& stepper, std::span<const std::int64_t> max_steps,
                                                 const BeamOptions& options) {
  const std::int64_t k = options.beam_size;
  S2S_CHECK(k >= 1, "beam search: beam size ", k, " (expected >= 1)");
  S2S_CHECK(options.n_best >= 1 && options.n_best <= k, "beam search: n-best ", options.n_best,
            " (expected 1..beam size ", k, ")");
  S2S_CHECK(options.length_penalty >= 0.0 && std::isfinite(options.length_penalty), "beam search: length penalty ",
            options.length_penalty, " (expected a finite alpha >= 0)");
  const auto N = static_cast<std::int64_t>(max_steps.size());
  std::vector<std::vector<Hypothesis>> finished(static_cast<std::size_t>(N));
  if (N == 0) return finished;
  std::int64_t horizon = 0;
  for (std::int64_t m : max_steps) {
    S2S_CHECK(m >= 1, "beam search: max length ", m, " (expected >= 1)");
    horizon = std::max(horizon, m);
  }
  const Device device = stepper.device();
  const auto row = [](std::int64_t r) { return static_cast<std::size_t>(r); };
  const double alpha = options.length_penalty;

  // The sources still searched, in order; beam b of active[a] is row a·k + b. Every source starts
  // with one live beam (b = 0, GO); a source that stops leaves the rows (they are compacted away).
  std::vector<std::int64_t> active(static_cast<std::size_t>(N));
  for (std::int64_t n = 0; n < N; ++n) active[row(n)] = n;
  std::vector<std::int32_t> parents(row(N * k));
  for (std::int64_t r = 0; r < N * k; ++r) parents[row(r)] = static_cast<std::int32_t>(r / k);
  stepper.reorder(upload_i32(parents, device), /*same_sources=*/false);
  std::vector<std::int32_t> tokens(row(N * k), data::kGoId);
  std::vector<double> scores(row(N * k), kDead);
  for (std::int64_t n = 0; n < N; ++n) scores[row(n * k)] = 0.0;
  std::vector<std::vector<std::int32_t>> history(row(N * k));
  Tensor all_columns;  // int32 [k·V]: 0, 1, …, on the device

  for (std::int64_t t = 1; t <= horizon && !active.empty(); ++t) {
    const auto A = static_cast<std::int64_t>(active.size());
    const std::int64_t R = A * k;
    const Tensor logits = stepper.step(upload_i32(tokens, device));  // [R, V]
    S2S_CHECK(logits.ndim() == 2 && logits.dim(0) == R, "beam search: the step returned logits ",
              shape_str(logits.shape()), " for ", R, " rows");
    const std::int64_t V = logits.dim(1), C = k * V;
    const DType dtype = logits.dtype();
    if (!all_columns.defined()) {
      std::vector<std::int32_t> cols(row(C));
      for (std::int64_t c = 0; c < C; ++c) cols[row(c)] = static_cast<std::int32_t>(c);
      all_columns = upload_i32(cols, device);
    }
    // total[r, y] = scores[r] + log softmax(logits[r])[y], viewed as [A, k·V] per source.
    Tensor log_probs = Tensor::empty({R, V}, dtype, device);
    kern::log_softmax_rows(log_probs, logits);
    const Tensor beam_scores = Tensor::from_vector<double>({R, 1}, scores).to_dtype(dtype).to(device);
    Tensor total = Tensor::empty({R, V, 1}, dtype, device);
    kern::add_broadcast_middle(total, log_probs.reshape({R, V, 1}), beam_scores);
    const Tensor per_source = total.reshape({A, C});
    Tensor work = Tensor::empty({A, C}, dtype, device);
    work.copy_from(per_source);
    const std::int64_t count = std::min(2 * k, C);
    const std::vector<std::int32_t> picked = top_columns(work, count, all_columns);  // [A][count]
    std::vector<std::int32_t> flat(picked.size());
    for (std::int64_t a = 0; a < A; ++a)
      for (std::int64_t j = 0; j < count; ++j)
        flat[row(a * count + j)] = static_cast<std::int32_t>(a * C + picked[row(a * count + j)]);
    Tensor values = Tensor::empty({A * count, 1}, dtype, device);
    kern::embedding_gather(values, per_source.reshape({A * C, 1}), upload_i32(flat, device));
    const std::vector<double> value = values.to(Device::CPU).to_dtype(DType::F64).to_vector<double>();

    std::vector<std::int32_t> next_parents(row(R)), next_tokens(row(R), data::kPadId);
    std::vector<double> next_scores(row(R), kDead);
    std::vector<std::vector<std::int32_t>> next_history(row(R));
    std::vector<char> stop(row(A), 0);
    for (std::int64_t a = 0; a < A; ++a) {
      auto& fin = finished[row(active[row(a)])];
      for (std::int64_t b = 0; b < k; ++b) next_parents[row(a * k + b)] = static_cast<std::int32_t>(a * k);
      std::int64_t live = 0;
      double best_live = kDead;
      for (std::int64_t j = 0; j < count && live < k; ++j) {
        const double v = value[row(a * count + j)];
        if (v < kDeadBelow) break;  // ranked: the rest extend unused rows too
        const std::int32_t c = picked[row(a * count + j)];
        const std::int64_t parent = a * k + c / V;
        const auto symbol = static_cast<std::int32_t>(c % V);
        if (symbol == data::kEosId) {
          fin.push_back({history[row(parent)], v / length_penalty(t, alpha), v, t, true});
          continue;
        }
        const std::int64_t r = a * k + live++;
        next_parents[row(r)] = static_cast<std::int32_t>(parent);
        next_tokens[row(r)] = symbol;
        next_scores[row(r)] = v;
        next_history[row(r)] = history[row(parent)];
        next_history[row(r)].push_back(symbol);
        best_live = std::max(best_live, v);
      }
      const std::int64_t max_len = max_steps[row(active[row(a)])];
      if (t >= max_len) {
        for (std::int64_t b = 0; b < live; ++b) {
          const std::int64_t r = a * k + b;
          fin.push_back({next_history[row(r)], next_scores[row(r)] / length_penalty(t, alpha), next_scores[row(r)], t,
                         false});
        }
        stop[row(a)] = 1;
      } else if (live == 0) {
        stop[row(a)] = 1;
      } else if (static_cast<std::int64_t>(fin.size()) >= options.n_best) {
        sort_best_first(fin);
        if (fin[row(options.n_best - 1)].score >= best_live / length_penalty(max_len, alpha)) stop[row(a)] = 1;
      }
    }
    if (std::none_of(stop.begin(), stop.end(), [](char x) { return x != 0; })) {
      stepper.reorder(upload_i32(next_parents, device), /*same_sources=*/true);
      tokens = std::move(next_tokens);
      scores = std::move(next_scores);
      history = std::move(next_history);
      continue;
    }
    // Some sources stopped: keep the rows of the others (their attention memory moves too).
    std::vector<std::int64_t> kept;
    std::vector<std::int32_t> rows;
    tokens.clear();
    scores.clear();
    history.clear();
    for (std::int64_t a = 0; a < A; ++a) {
      if (stop[row(a)]) continue;
      kept.push_back(active[row(a)]);
      for (std::int64_t b = 0; b < k; ++b) {
        const std::int64_t r = a * k + b;
        rows.push_back(next_parents[row(r)]);
        tokens.push_back(next_tokens[row(r)]);
        scores.push_back(next_scores[row(r)]);
        history.push_back(std::move(next_history[row(r)]));
      }
    }
    active = std::move(kept);
    if (!active.empty()) stepper.reorder(upload_i32(rows, device), /*same_sources=*/false);
  }
  for (auto& fin : finished) {
    sort_best_first(fin);
    if (static_cast<std::int64_t>(fin.size()) > options.n_best) fin.resize(row(options.n_best));
  }
  return finished;
}

}  // namespace s2s::decode
