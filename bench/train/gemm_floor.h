#pragma once
// Owns: the napkin floor of one training step: the matrix products the step performs, listed
// from the model's shapes (spec §1.2 GRU, §4.7 attention, §7 sampled softmax, §4.9 the
// OutputProjectionWrapper + AttnOutputProjection pair of a full softmax), each timed in-process
// on the benchmark's device as its forward product C = A·B, its input gradient dA = dC·Bᵀ and
// its weight gradient dB += Aᵀ·dC. The measured rate (their FLOPs / their time) turns FLOPs into
// the time a step would take if it did nothing but these products at the rate this machine
// reaches on them right now.
// Does not own: the model's own FLOP count (Seq2SeqModel::step_flops, compared against ours).
// Non-GEMM work (attention scores and reads, activations, embedding gathers, the update) is not
// in the floor: that is what the measured/floor ratio exposes.
#include <cstdint>
#include <string>
#include <vector>

#include "s2s/core/tensor.h"
#include "s2s/config/config.h"
#include "step_clock.h"

namespace s2s::bench {

// C[m, n] = A[m, k] @ B[k, n], `count` times per step (forward only; backward is implied).
struct GemmShape {
  std::int64_t m = 0, k = 0, n = 0;
  double count = 0;
  std::string what;
  double forward_flops() const { return 2.0 * double(m) * double(k) * double(n); }
};

// The forward products of one training step of `bucket` with batch `batch`, merged by shape.
std::vector<GemmShape> step_gemm_shapes(const model::ModelConfig& model, std::int64_t target_vocab,
                                        const model::Bucket& bucket, std::int64_t batch);

struct GemmFloor {
  double flops = 0;    // forward + backward FLOPs of the listed products, per step
  double seconds = 0;  // their measured time per step
  double rate() const { return seconds > 0 ? flops / seconds : 0.0; }
};

// Times every shape's three products on `clock` (median of a few calls each, at least `min_seconds` of
// calls per product) on `device`.
GemmFloor measure_gemm_floor(const std::vector<GemmShape>& shapes, Device device, StepClock clock,
                             double min_seconds = 0.02);

}  // namespace s2s::bench
