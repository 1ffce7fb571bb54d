// Owns: the step's GEMM list and its in-process timing (see gemm_floor.h).
#include "gemm_floor.h"

#include <algorithm>
#include <map>
#include <tuple>

#include "s2s/core/philox.h"
#include "s2s/kernels/cuda_runtime_api.h"
#include "s2s/kernels/tensor_ops.h"

namespace s2s::bench {
namespace {


Tensor random_matrix(std::int64_t rows, std::int64_t cols, Device device, std::uint64_t stream) {
  Tensor t = Tensor::empty({rows, cols}, DType::F32);
  PhiloxStream rng(7, stream);
  for (float& v : t.span<float>()) v = rng.uniform_float() - 0.5f;
  return device == Device::CPU ? t : t.to(device);
}

void sync(Device device) {
  if (device == Device::CUDA) cuda::synchronize();
}

// Median seconds of one call of `op`, after one warm-up call.
template <class Op>
double median_seconds(Op&& op, Device device, double min_seconds, StepClock clock) {
  op();
  sync(device);
  std::vector<double> times;
  double total = 0;
  while (times.size() < 3 || (total < min_seconds && times.size() < 50)) {
    const double t0 = clock_seconds(clock);
    op();
    sync(device);
    const double s = clock_seconds(clock) - t0;
    times.push_back(s);
    total += s;
  }
  std::nth_element(times.begin(), times.begin() + times.size() / 2, times.end());
  return times[times.size() / 2];
}

}  // namespace

std::vector<GemmShape> step_gemm_shapes(const model::ModelConfig& model, std::int64_t target_vocab,
                                        const model::Bucket& bucket, std::int64_t batch) {
  const std::int64_t B = batch, n = model.size, E = model.effective_embedding_size(), N = model.num_layers;
  const auto [I, O] = bucket;
  const bool gru = model.cell == model::CellType::Gru;
  const bool sampled = model.use_sampled_softmax(target_vocab);
  std::vector<GemmShape> raw;
  auto add = [&](std::int64_t m, std::int64_t k, std::int64_t nn, double count, const char* what) {
    raw.push_back({m, k, nn, count, what});
  };
  // Cells (encoder and decoder each run every time step): GRU gates [in+n, 2n] and candidate
  // [in+n, n]; LSTM one [in+n, 4n]. Layer 0's input is E, the others' n.
  const double steps = double(I + O);
  for (std::int64_t layer = 0; layer < N; ++layer) {
    const std::int64_t in = layer == 0 ? E : n;
    if (gru) {
      add(B, in + n, 2 * n, steps, "gru gates");
      add(B, in + n, n, steps, "gru candidate");
    } else {
      add(B, in + n, 4 * n, steps, "lstm gates");
    }
  }
  if (model.attention) {
    const std::int64_t A = n, K = model.num_heads;
    const std::int64_t Q = n * N * (gru ? 1 : 2);  // the whole state, flattened
    const std::int64_t cell_out = sampled ? n : target_vocab;  // OutputProjectionWrapper when full
    const std::int64_t out_size = sampled ? n : target_vocab;
    add(B * I, A, A, double(K), "attention features (1x1 conv)");
    add(B, E + K * A, E, double(O), "attention input linear");
    add(B, Q, A, double(O * K), "attention query");
    add(B, cell_out + K * A, out_size, double(O), "AttnOutputProjection");
    if (!sampled) add(B, n, target_vocab, double(O), "OutputProjectionWrapper");
  } else if (!sampled) {
    add(B, n, target_vocab, double(O), "OutputProjectionWrapper");
  }
  if (sampled) add(B, n, model.num_samples, double(O), "sampled softmax logits");
  // Merge equal shapes.
  std::map<std::tuple<std::int64_t, std::int64_t, std::int64_t>, GemmShape> merged;
  for (const auto& s : raw) {
    auto [it, fresh] = merged.try_emplace({s.m, s.k, s.n}, s);
    if (!fresh) {
      it->second.count += s.count;
      it->second.what += " + " + s.what;
    }
  }
  std::vector<GemmShape> out;
  for (auto& [key, s] : merged) out.push_back(s);
  return out;
}

GemmFloor measure_gemm_floor(const std::vector<GemmShape>& shapes, Device device, StepClock clock,
                             double min_seconds) {
  GemmFloor floor;
  std::uint64_t stream = 1;
  for (const auto& s : shapes) {
    Tensor a = random_matrix(s.m, s.k, device, stream++);   // [m, k] activations
    Tensor b = random_matrix(s.k, s.n, device, stream++);   // [k, n] weight
    Tensor dc = random_matrix(s.m, s.n, device, stream++);  // [m, n] output gradient
    Tensor c = Tensor::zeros({s.m, s.n}, DType::F32, device);
    Tensor da = Tensor::zeros({s.m, s.k}, DType::F32, device);
    Tensor db = Tensor::zeros({s.k, s.n}, DType::F32, device);
    const double fwd = median_seconds([&] { kern::gemm(c, a, b, false, false, 1.0, 0.0); }, device, min_seconds, clock);
    const double dx = median_seconds([&] { kern::gemm(da, dc, b, false, true, 1.0, 0.0); }, device, min_seconds, clock);
    const double dw = median_seconds([&] { kern::gemm(db, a, dc, true, false, 1.0, 1.0); }, device, min_seconds, clock);
    floor.flops += 3.0 * s.forward_flops() * s.count;
    floor.seconds += (fwd + dx + dw) * s.count;
  }
  return floor;
}

}  // namespace s2s::bench
