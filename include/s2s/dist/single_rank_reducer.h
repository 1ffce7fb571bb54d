#pragma once
// Owns: SingleRankReducer, the GradientReducer of a one-rank run ("none"): the average over one
// rank is the gradient itself, so it moves no data. Why: the MPI and NCCL reducers would still
// copy every gradient into fusion buckets, "all-reduce" them and copy them back (on a GPU about
// three passes over all gradient bytes per step — for translate's 169 M parameters several
// milliseconds — and host copies on the CPU) for an identity. It keeps the interface's checks
// (registered buffers, no gradient marked twice in a step) and counts steps, so the trainer's
// step and its statistics line work unchanged.
#include <cstddef>
#include <map>
#include <string_view>
#include <vector>

#include "s2s/dist/gradient_reducer.h"

namespace s2s::dist {

class SingleRankReducer final : public GradientReducer {
 public:
  std::string_view name() const override { return "none"; }
  int world_size() const override { return 1; }
  void prepare(std::vector<Tensor> grads) override;
  void ready(std::size_t index) override;
  void ready(const Tensor& grad) override;
  ReduceStats finish() override;
  const ReduceStats& totals() const override { return totals_; }

 private:
  std::map<const void*, std::size_t> index_of_;  // gradient buffer -> position in prepare()
  std::vector<bool> marked_;                      // ready() this step
  ReduceStats totals_;
  bool prepared_ = false;
};

}  // namespace s2s::dist
