// Owns: SingleRankReducer (dist/single_rank_reducer.h).
#include "s2s/dist/single_rank_reducer.h"

#include "s2s/core/error.h"

namespace s2s::dist {

void SingleRankReducer::prepare(std::vector<Tensor> grads) {
  S2S_CHECK(!prepared_, "gradient reducer 'none': prepare() called twice");
  for (std::size_t i = 0; i < grads.size(); ++i) {
    S2S_CHECK(grads[i].defined() && is_floating(grads[i].dtype()), "gradient reducer 'none': gradient ", i,
              " must be a defined float tensor");
    index_of_.emplace(grads[i].raw(), i);
  }
  marked_.assign(grads.size(), false);
  prepared_ = true;
}

void SingleRankReducer::ready(std::size_t index) {
  S2S_CHECK(prepared_, "gradient reducer 'none': ready() before prepare()");
  S2S_CHECK(index < marked_.size(), "gradient reducer 'none': gradient index ", index, " of ", marked_.size());
  S2S_CHECK(!marked_[index], "gradient reducer 'none': gradient ", index, " marked ready twice in one step");
  marked_[index] = true;
}

void SingleRankReducer::ready(const Tensor& grad) {
  const auto it = index_of_.find(grad.defined() ? grad.raw() : nullptr);
  S2S_CHECK(it != index_of_.end(), "gradient reducer 'none': ready() for a buffer that was not prepared");
  ready(it->second);
}

ReduceStats SingleRankReducer::finish() {
  S2S_CHECK(prepared_, "gradient reducer 'none': finish() before prepare()");
  marked_.assign(marked_.size(), false);
  ReduceStats step;
  step.steps = 1;
  totals_.accumulate(step);
  return step;
}

}  // namespace s2s::dist
