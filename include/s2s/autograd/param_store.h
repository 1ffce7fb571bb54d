#pragma once
// Owns: the trainable parameters of a model, keyed by TF-style scope paths
// ("embedding_attention_seq2seq/rnn/embedding_wrapper/embedding"), with TF's variable-scope rules:
//   - VariableScope pushes a name (and optionally reuse / initializer / dtype) for its lifetime;
//     reuse is inherited by nested scopes, as in TF.
//   - get_variable(name, shape) with reuse off creates the variable and fails if it exists; with
//     reuse on it returns the existing one and fails if it is missing or has another shape; with
//     Reuse::Auto it does whichever applies. Errors name the full path.
// Initial values come from a Philox stream keyed by (seed, hash of the full name), so they do not
// depend on creation order. A store can instead be *preloaded* with values (checkpoints,
// conformance fixtures): creating a variable then takes its preloaded value, a missing one is an
// error naming the path, and unused_preloaded() lists values that no variable claimed.
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "s2s/autograd/initializers.h"
#include "s2s/autograd/var.h"

namespace s2s::ag {

enum class Reuse { No, Yes, Auto };

class ParamStore {
 public:
  explicit ParamStore(std::uint64_t seed = 0, DType default_dtype = DType::F32,
                      Device device = Device::CPU);

  // The variable `name` in the current scope. `init` applies when it is created; without it the
  // innermost scope's initializer is used, else glorot_uniform (TF's default).
  Var get_variable(const std::string& name, const Shape& shape,
                   std::optional<Initializer> init = std::nullopt,
                   std::optional<DType> dtype = std::nullopt);

  std::string current_scope() const;   // "a/b" (empty at the root)
  Reuse current_reuse() const;
  DType current_dtype() const;
  // The innermost scope's initializer, if any scope set one (EmbeddingWrapper's precedence rule).
  std::optional<Initializer> current_initializer() const;

  bool contains(const std::string& full_name) const;
  Var get(const std::string& full_name) const;      // throws naming the path
  const std::vector<std::string>& names() const { return order_; }  // creation order
  std::vector<Var> parameters() const;               // creation order
  std::size_t size() const { return order_.size(); }
  std::int64_t total_elements() const;
  void zero_grads();
  Device device() const { return device_; }
  std::uint64_t seed() const { return seed_; }

  void preload(const std::string& full_name, Tensor value);
  std::vector<std::string> unused_preloaded() const;

 private:
  friend class VariableScope;
  struct Frame {
    std::string name;
    Reuse reuse;
    std::optional<Initializer> init;
    DType dtype;
  };
  std::vector<Frame> frames_;
  std::map<std::string, Var> vars_;
  std::vector<std::string> order_;
  std::map<std::string, Tensor> preloaded_;
  bool preload_mode_ = false;  // every created variable must come from preloaded values
  std::uint64_t seed_;
  DType default_dtype_;
  Device device_;
};

// RAII variable scope. An empty name adds no path component (to change reuse / initializer /
// dtype only). reuse = Yes turns reuse on for this scope and all nested ones; it cannot be turned
// off again inside (TF semantics); Auto may be set anywhere.
class VariableScope {
 public:
  VariableScope(ParamStore& store, const std::string& name,
                std::optional<Reuse> reuse = std::nullopt,
                std::optional<Initializer> init = std::nullopt,
                std::optional<DType> dtype = std::nullopt);
  ~VariableScope();
  VariableScope(const VariableScope&) = delete;
  VariableScope& operator=(const VariableScope&) = delete;

 private:
  ParamStore& store_;
};

}  // namespace s2s::ag
