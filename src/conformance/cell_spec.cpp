// Owns: cell construction from a fixture spec (see cell_spec.h).
#include "s2s/conformance/cell_spec.h"

#include "s2s/conformance/kwargs.h"
#include "s2s/nn/nn.h"

namespace s2s::conformance {
namespace {

nn::Activation activation_of(const Kwargs& k) { return nn::activation_from_name(k.get_string("activation", "tanh")); }

nn::CellPtr build_one(const Kwargs& k) {
  const std::string type = k.get_string("type");
  if (type == "multi_rnn") {
    std::vector<nn::CellPtr> cells;
    const auto& list = k.get("cells");
    S2S_CHECK(list.is_array(), k.where(), ".cells must be a list");
    for (std::size_t i = 0; i < list.size(); ++i) cells.push_back(build_cell(list[i], k.where() + ".cells[" + std::to_string(i) + "]"));
    return std::make_shared<nn::MultiRNNCell>(std::move(cells), k.get_bool("state_is_tuple", true));
  }
  const std::int64_t n = k.get_int("num_units");
  if (type == "gru") {
    nn::GRUCellOptions o;
    o.activation = activation_of(k);
    return std::make_shared<nn::GRUCell>(n, o);
  }
  if (type == "basic_rnn") return std::make_shared<nn::BasicRNNCell>(n, activation_of(k));
  if (type == "basic_lstm") {
    nn::BasicLSTMCellOptions o;
    o.activation = activation_of(k);
    o.forget_bias = k.get_double("forget_bias", 1.0);
    o.state_is_tuple = k.get_bool("state_is_tuple", true);
    return std::make_shared<nn::BasicLSTMCell>(n, o);
  }
  if (type == "lstm") {
    nn::LSTMCellOptions o;
    o.activation = activation_of(k);
    o.forget_bias = k.get_double("forget_bias", 1.0);
    o.state_is_tuple = k.get_bool("state_is_tuple", true);
    o.use_peepholes = k.get_bool("use_peepholes", false);
    o.cell_clip = k.optional_double("cell_clip");
    o.num_proj = k.optional_int("num_proj");
    o.proj_clip = k.optional_double("proj_clip");
    return std::make_shared<nn::LSTMCell>(n, o);
  }
  S2S_FAIL(k.where(), ": unknown cell type \"", type, "\" (gru, basic_rnn, basic_lstm, lstm, multi_rnn)");
}

nn::CellPtr wrap(nn::CellPtr cell, const Kwargs& w) {
  const std::string type = w.get_string("type");
  std::optional<nn::Activation> act;
  if (w.has("activation")) act = nn::activation_from_name(w.get_string("activation"));
  nn::CellPtr out;
  if (type == "output_projection") {
    out = std::make_shared<nn::OutputProjectionWrapper>(cell, w.get_int("output_size"), act);
  } else if (type == "input_projection") {
    out = std::make_shared<nn::InputProjectionWrapper>(cell, w.get_int("num_proj"), act);
  } else if (type == "embedding") {
    out = std::make_shared<nn::EmbeddingWrapper>(cell, w.get_int("embedding_classes"), w.get_int("embedding_size"));
  } else if (type == "dropout") {
    nn::DropoutOptions o;
    o.input_keep_prob = w.get_double("input_keep_prob", 1.0);
    o.output_keep_prob = w.get_double("output_keep_prob", 1.0);
    o.state_keep_prob = w.get_double("state_keep_prob", 1.0);
    o.variational_recurrent = w.get_bool("variational_recurrent", false);
    o.seed = static_cast<std::uint64_t>(w.get_int("seed", 0));
    S2S_CHECK(o.input_keep_prob == 1.0 && o.output_keep_prob == 1.0 && o.state_keep_prob == 1.0, w.where(),
              ": dropout fixtures must use keep probabilities 1.0 (masks cannot match another RNG)");
    out = std::make_shared<nn::DropoutWrapper>(cell, o);
  } else {
    S2S_FAIL(w.where(), ": unknown wrapper type \"", type, "\" (output_projection, input_projection, embedding, dropout)");
  }
  w.finish();
  return out;
}

}  // namespace

nn::CellPtr build_cell(const nlohmann::json& spec, const std::string& where) {
  Kwargs k(spec, where);
  const std::int64_t layers = k.get_int("layers", 1);
  S2S_CHECK(layers >= 1, where, ".layers must be >= 1, got ", layers);
  nn::CellPtr cell;
  if (layers == 1) {
    cell = build_one(k);
  } else {
    std::vector<nn::CellPtr> cells;
    for (std::int64_t i = 0; i < layers; ++i) cells.push_back(build_one(k));  // distinct cells
    cell = std::make_shared<nn::MultiRNNCell>(std::move(cells), true);
  }
  if (k.has("wrappers")) {
    const auto& list = k.get("wrappers");
    S2S_CHECK(list.is_array(), where, ".wrappers must be a list");
    for (std::size_t i = 0; i < list.size(); ++i)
      cell = wrap(cell, Kwargs(list[i], where + ".wrappers[" + std::to_string(i) + "]"));
  } else {
    k.present("wrappers");
  }
  k.finish();
  return cell;
}

}  // namespace s2s::conformance
