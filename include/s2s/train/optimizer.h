#pragma once
// Owns: the optimizers (SGD as in translate, TF's MomentumOptimizer and AdamOptimizer) over a list
// of named parameters, and their state under TF's names so checkpoints hold it:
//   slots "<param>/Momentum" (momentum), "<param>/Adam" (m) and "<param>/Adam_1" (v), and Adam's
//   non-slot scalars "beta1_power" and "beta2_power" (beta^t after t updates, kept as running
//   products in the parameters' dtype, as TF does).
// Does not own: clipping (clip.h) or the learning rate (lr_schedule.h): step() takes the already
// clipped gradients and this step's learning rate. The element loops are in update_rules.h.
// Sparse gradients (ParamRef::sparse, a RowSparse: embedding tables and proj_w under
// train.sparse_gradients) follow TF 1.x's sparse rules (docs/nn.md "Optimizers"): duplicate ids
// are summed first (Optimizer._apply_sparse_duplicate_indices); SGD equals dense; Momentum updates
// only the touched rows (SparseApplyMomentum: untouched rows' accumulators do not decay, unlike
// the dense rule); Adam's _apply_sparse decays every row, so it is applied as dense Adam on the
// densified gradient (bitwise the dense result).
#include <cstdint>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "s2s/core/row_sparse.h"
#include "s2s/core/tensor.h"
#include "s2s/config/config.h"

namespace s2s::train {

// One trainable parameter: its TF name, its value and its gradient (same shape/dtype/device).
// With `sparse` defined the step uses it and not `grad` (which Adam may overwrite with the
// densified gradient; it is then the dense [V, D] buffer, or undefined and allocated per step).
struct ParamRef {
  std::string name;
  Tensor value;
  Tensor grad;
  RowSparse sparse{};
};

class Optimizer {
 public:
  virtual ~Optimizer() = default;
  virtual config::OptimizerKind kind() const = 0;
  virtual std::string_view tf_name() const = 0;  // "GradientDescent", "Momentum", "Adam"

  // Creates the zero-initialised state for `params` (step() does it on first use). The parameter
  // set is fixed from then on: step() checks it gets the same names in the same order.
  void init(std::span<const ParamRef> params);
  bool initialized() const { return initialized_; }
  // One update with learning rate `lr` for every parameter.
  void step(std::span<const ParamRef> params, double lr);
  std::int64_t updates() const { return updates_; }

  // State by TF name (tensors share storage with the optimizer). Empty before init().
  const std::map<std::string, Tensor>& state() const { return state_; }
  // Copies saved state in after init(): every expected name must be present with its shape and
  // dtype, and no other name; `updates` is restored too. Errors name the missing/extra/bad entry.
  void load_state(const std::map<std::string, Tensor>& saved, std::int64_t updates);

 protected:
  virtual void create_state(std::span<const ParamRef> params) = 0;
  virtual void apply(std::span<const ParamRef> params, double lr) = 0;
  Tensor& slot(const std::string& name);
  std::map<std::string, Tensor> state_;

 private:
  std::vector<std::string> names_;
  std::int64_t updates_ = 0;
  bool initialized_ = false;
};

class SgdOptimizer final : public Optimizer {
 public:
  config::OptimizerKind kind() const override { return config::OptimizerKind::Sgd; }
  std::string_view tf_name() const override { return "GradientDescent"; }

 protected:
  void create_state(std::span<const ParamRef>) override {}
  void apply(std::span<const ParamRef> params, double lr) override;
};

class MomentumOptimizer final : public Optimizer {
 public:
  explicit MomentumOptimizer(double momentum) : momentum_(momentum) {}
  config::OptimizerKind kind() const override { return config::OptimizerKind::Momentum; }
  std::string_view tf_name() const override { return "Momentum"; }

 protected:
  void create_state(std::span<const ParamRef> params) override;
  void apply(std::span<const ParamRef> params, double lr) override;

 private:
  double momentum_;
};

class AdamOptimizer final : public Optimizer {
 public:
  AdamOptimizer(double beta1, double beta2, double epsilon)
      : beta1_(beta1), beta2_(beta2), epsilon_(epsilon) {}
  config::OptimizerKind kind() const override { return config::OptimizerKind::Adam; }
  std::string_view tf_name() const override { return "Adam"; }

 protected:
  void create_state(std::span<const ParamRef> params) override;
  void apply(std::span<const ParamRef> params, double lr) override;

 private:
  static Tensor dense_gradient(const ParamRef& p);
  double beta1_, beta2_, epsilon_;
};

std::unique_ptr<Optimizer> make_optimizer(const config::OptimConfig& cfg);

}  // namespace s2s::train
