// Owns: EmbeddingWrapper (spec §1.6).
#include "s2s/nn/embedding_wrapper.h"

#include <cmath>

#include "s2s/autograd/ops.h"

namespace s2s::nn {

EmbeddingWrapper::EmbeddingWrapper(CellPtr cell, std::int64_t embedding_classes, std::int64_t embedding_size,
                                   std::optional<ag::Initializer> initializer)
    : cell_(std::move(cell)), classes_(embedding_classes), size_(embedding_size), initializer_(initializer) {
  S2S_CHECK(cell_ != nullptr, "The parameter cell is not RNNCell.");
  S2S_CHECK(classes_ > 0 && size_ > 0, "Both embedding_classes and embedding_size must be > 0: ", classes_, ", ",
            size_, ".");
}

CellOutput EmbeddingWrapper::operator()(ParamStore& ps, const Var& ids, const State& state) {
  S2S_CHECK(ids.defined() && ids.dtype() == DType::I32, "embedding_wrapper: inputs must be int32 ids [B], got ",
            ids.defined() ? std::string(dtype_name(ids.dtype())) : std::string("<undefined>"));
  std::vector<Var> leaves = state.flatten();
  S2S_CHECK(!leaves.empty(), "embedding_wrapper: empty state");
  const DType dtype = leaves[0].dtype();  // TF: state[0].dtype if the state is a tuple
  ag::VariableScope scope(ps, "embedding_wrapper");
  ag::Initializer init;
  if (initializer_) {
    init = *initializer_;
  } else if (auto scoped = ps.current_initializer()) {
    init = *scoped;
  } else {
    const double sqrt3 = std::sqrt(3.0);  // U(−√3, √3) has variance 1
    init = ag::Initializer::uniform(-sqrt3, sqrt3);
  }
  Var embedding = ps.get_variable("embedding", {classes_, size_}, init, dtype);
  Var embedded = ag::embedding_lookup(embedding, ids.value().reshape({ids.value().numel()}));
  return (*cell_)(ps, embedded, state);
}

}  // namespace s2s::nn
