// Owns: the optimizers' bookkeeping (state by TF name, parameter-set checks, state restore) and
// the three update schedules over the rules of update_rules.h.
#include "s2s/train/optimizer.h"

#include "s2s/kernels/sparse_rows.h"
#include "s2s/kernels/tensor_ops.h"
#include "s2s/train/update_rules.h"

namespace s2s::train {

void Optimizer::init(std::span<const ParamRef> params) {
  S2S_CHECK(!initialized_, "optimizer ", tf_name(), ": init() called twice");
  names_.clear();
  for (const auto& p : params) {
    S2S_CHECK(p.value.defined() && is_floating(p.value.dtype()), "optimizer ", tf_name(),
              ": parameter '", p.name, "' must be a defined float tensor");
    names_.push_back(p.name);
  }
  create_state(params);
  initialized_ = true;
}

void Optimizer::step(std::span<const ParamRef> params, double lr) {
  if (!initialized_) init(params);
  S2S_CHECK(params.size() == names_.size(), "optimizer ", tf_name(), ": step() got ", params.size(),
            " parameters, initialised with ", names_.size());
  for (std::size_t i = 0; i < params.size(); ++i) {
    S2S_CHECK(params[i].name == names_[i], "optimizer ", tf_name(), ": parameter ", i, " is '",
              params[i].name, "', initialised as '", names_[i], "'");
    S2S_CHECK(params[i].grad.defined() || params[i].sparse.defined(), "optimizer ", tf_name(), ": parameter '",
              params[i].name, "' has no gradient");
  }
  apply(params, lr);
  ++updates_;
}

Tensor& Optimizer::slot(const std::string& name) {
  auto it = state_.find(name);
  S2S_CHECK(it != state_.end(), "optimizer ", tf_name(), ": no state '", name, "'");
  return it->second;
}

void Optimizer::load_state(const std::map<std::string, Tensor>& saved, std::int64_t updates) {
  S2S_CHECK(initialized_, "optimizer ", tf_name(), ": load_state() before init()");
  for (const auto& [name, t] : saved)
    S2S_CHECK(state_.count(name) == 1, "optimizer ", tf_name(), ": saved state has '", name,
              "', which this optimizer and model do not have (another optimizer or model?)");
  for (auto& [name, t] : state_) {
    auto it = saved.find(name);
    S2S_CHECK(it != saved.end(), "optimizer ", tf_name(), ": saved state lacks '", name, "'");
    S2S_CHECK(it->second.shape() == t.shape() && it->second.dtype() == t.dtype(), "optimizer ",
              tf_name(), ": saved '", name, "' is ", dtype_name(it->second.dtype()), " ",
              shape_str(it->second.shape()), ", expected ", dtype_name(t.dtype()), " ",
              shape_str(t.shape()));
    t.copy_from(it->second);
  }
  updates_ = updates;
}

void SgdOptimizer::apply(std::span<const ParamRef> params, double lr) {
  for (const auto& p : params) {
    Tensor v = p.value;
    if (p.sparse.defined())
      kern::sparse_sgd_update(v, p.sparse, lr);
    else
      sgd_update(v, p.grad, lr);
  }
}

void MomentumOptimizer::create_state(std::span<const ParamRef> params) {
  for (const auto& p : params)
    state_[p.name + "/Momentum"] = Tensor::zeros(p.value.shape(), p.value.dtype(), p.value.device());
}

void MomentumOptimizer::apply(std::span<const ParamRef> params, double lr) {
  for (const auto& p : params) {
    Tensor v = p.value;
    if (p.sparse.defined())
      kern::sparse_momentum_update(v, slot(p.name + "/Momentum"), p.sparse, lr, momentum_);
    else
      momentum_update(v, slot(p.name + "/Momentum"), p.grad, lr, momentum_);
  }
}

// TF 1.x Adam's _apply_sparse decays every row's moments and moves every row: the dense rule on
// the densified gradient (written into the dense buffer when there is one).
Tensor AdamOptimizer::dense_gradient(const ParamRef& p) {
  if (!p.sparse.defined()) return p.grad;
  Tensor dense = p.grad.defined() ? p.grad : Tensor::empty(p.value.shape(), p.value.dtype(), p.value.device());
  dense.fill_zero();
  kern::add_row_sparse(dense, p.sparse);
  return dense;
}

void AdamOptimizer::create_state(std::span<const ParamRef> params) {
  for (const auto& p : params) {
    state_[p.name + "/Adam"] = Tensor::zeros(p.value.shape(), p.value.dtype(), p.value.device());
    state_[p.name + "/Adam_1"] = Tensor::zeros(p.value.shape(), p.value.dtype(), p.value.device());
  }
  // TF creates the powers in the first variable's dtype, initialised to beta (= beta^1).
  const DType dt = params.empty() ? DType::F32 : params.front().value.dtype();
  state_["beta1_power"] = Tensor::scalar(dt, beta1_);
  state_["beta2_power"] = Tensor::scalar(dt, beta2_);
}

void AdamOptimizer::apply(std::span<const ParamRef> params, double lr) {
  Tensor& b1p = slot("beta1_power");
  Tensor& b2p = slot("beta2_power");
  const double beta1_power = b1p.item(), beta2_power = b2p.item();  // host scalars: no device read
  for (const auto& p : params) {
    Tensor v = p.value;
    adam_update(v, slot(p.name + "/Adam"), slot(p.name + "/Adam_1"), dense_gradient(p), beta1_power,
                beta2_power, lr, beta1_, beta2_, epsilon_);
  }
  // _finish: beta_power *= beta, computed in the powers' dtype.
  kern::scale(b1p, b1p, beta1_);
  kern::scale(b2p, b2p, beta2_);
}

std::unique_ptr<Optimizer> make_optimizer(const config::OptimConfig& cfg) {
  switch (cfg.optimizer) {
    case config::OptimizerKind::Sgd: return std::make_unique<SgdOptimizer>();
    case config::OptimizerKind::Momentum: return std::make_unique<MomentumOptimizer>(cfg.momentum);
    case config::OptimizerKind::Adam:
      return std::make_unique<AdamOptimizer>(cfg.adam_beta1, cfg.adam_beta2, cfg.adam_epsilon);
  }
  S2S_FAIL("make_optimizer: unknown optimizer");
}

}  // namespace s2s::train
