// Owns: StepHistory (see step_history.h).
#include "s2s/train/step_history.h"

#include <cmath>

#include "s2s/kernels/tensor_ops.h"

namespace s2s::train {
namespace {
enum AuxSlot : std::int64_t { kLoss, kTokens, kCheckpoint, kTerm, kInt, kAuxSize };
// A history row: the reduced aux, then the global gradient norm².
constexpr std::int64_t kNormSq = kAuxSize;
constexpr std::int64_t kCols = kAuxSize + 1;
}  // namespace

StepHistory::StepHistory(std::int64_t capacity, DType dtype, Device device)
    : aux_(Tensor::zeros({kAuxSize}, dtype, device)), rows_(Tensor::zeros({capacity, kCols}, dtype, device)) {
  S2S_CHECK(capacity >= 1, "StepHistory: capacity must be >= 1, got ", capacity);
}

void StepHistory::set_aux(const Tensor& loss, double tokens, bool checkpoint, bool term, bool interrupt) {
  aux_.rows(kLoss, kLoss + 1).copy_from(loss.reshape({1}));
  const std::vector<double> host = {tokens, checkpoint ? 1.0 : 0.0, term ? 1.0 : 0.0, interrupt ? 1.0 : 0.0};
  aux_.rows(kTokens, kAuxSize).copy_from(Tensor::from_vector<double>({kAuxSize - kTokens}, host).to_dtype(aux_.dtype()));
}

Tensor StepHistory::record(std::span<const Tensor> grads, StepInfo info) {
  S2S_CHECK(!full(), "StepHistory: ", capacity(), " steps recorded without a read()");
  Tensor row = rows_[size()];
  row.rows(0, kAuxSize).copy_from(aux_);
  Tensor norm_sq = row.rows(kNormSq, kNormSq + 1);
  kern::global_sum_squares(norm_sq, grads);  // on the device: no host read
  pending_.push_back(std::move(info));
  return norm_sq;
}

std::vector<StepRecord> StepHistory::read(int world_size) {
  std::vector<StepRecord> out;
  if (pending_.empty()) return out;
  const Tensor host = rows_.rows(0, size()).to(Device::CPU).to_dtype(DType::F64);
  const double* h = host.data<double>();
  for (std::size_t i = 0; i < pending_.size(); ++i) {
    const double* row = h + static_cast<std::int64_t>(i) * kCols;
    StepRecord r;
    r.info = pending_[i];
    r.loss = row[kLoss];
    r.tokens = std::round(row[kTokens] * world_size);  // the mean of integers, times the ranks
    r.grad_norm = std::sqrt(row[kNormSq]);
    r.checkpoint = row[kCheckpoint] > 0;
    r.term = row[kTerm] > 0;
    r.interrupt = row[kInt] > 0;
    out.push_back(r);
  }
  pending_.clear();
  return out;
}

}  // namespace s2s::train
