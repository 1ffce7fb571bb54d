#pragma once
// Owns: EmbeddingWrapper (spec §1.6): looks int32 ids [B] up in `embedding_wrapper/embedding`
// [classes, size] (dtype = the state's; initialiser: explicit, else the scope's, else
// U(−√3, √3)) and runs the inner cell on the result, inside `embedding_wrapper/`.
#include <optional>

#include "s2s/autograd/initializers.h"
#include "s2s/nn/cell.h"

namespace s2s::nn {

class EmbeddingWrapper : public RNNCell {
 public:
  // Errors: "The parameter cell is not RNNCell." (null), "Both embedding_classes and
  // embedding_size must be > 0: C, S."
  EmbeddingWrapper(CellPtr cell, std::int64_t embedding_classes, std::int64_t embedding_size,
                   std::optional<ag::Initializer> initializer = std::nullopt);
  std::int64_t output_size() const override { return cell_->output_size(); }
  StateSize state_size() const override { return cell_->state_size(); }
  CellOutput operator()(ParamStore& ps, const Var& ids, const State& state) override;
  std::string_view name() const override { return "embedding_wrapper"; }

 private:
  CellPtr cell_;
  std::int64_t classes_, size_;
  std::optional<ag::Initializer> initializer_;
};

}  // namespace s2s::nn
