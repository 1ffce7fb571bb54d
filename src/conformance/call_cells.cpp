// Owns: the fixture calls of single cells, static_rnn and linear (conformance.md table rows
// "cells", "static_rnn", "linear").
#include <algorithm>
#include <set>

#include "s2s/conformance/call.h"
#include "s2s/conformance/cell_spec.h"
#include "s2s/nn/linear.h"
#include "s2s/nn/static_rnn.h"

namespace s2s::conformance {
namespace {

const std::set<std::string> kCellFunctions = {
    "basic_rnn_cell",   "gru_cell",     "basic_lstm_cell",           "lstm_cell",
    "multi_rnn_cell",   "embedding_wrapper", "output_projection_wrapper", "input_projection_wrapper",
    "dropout_wrapper"};

std::vector<std::string> numeric_order(std::vector<std::string> names) {
  std::sort(names.begin(), names.end(), [](const std::string& a, const std::string& b) {
    return a.size() != b.size() ? a.size() < b.size() : a < b;
  });
  return names;
}

}  // namespace

bool run_cell_call(CallContext& ctx) {
  const std::string& fn = ctx.fixture().function;
  const Kwargs& kw = ctx.kwargs();
  ag::ParamStore& ps = ctx.store();
  if (kCellFunctions.count(fn)) {
    nn::CellPtr cell = build_cell(kw.get("cell"), kw.where() + ".cell");
    ag::Var x = ctx.input("inputs");
    nn::State s = ctx.state("state", cell->state_size());
    nn::CellOutput out = (*cell)(ps, x, s);
    ctx.set_result("outputs", out.output);
    ctx.set_state("state", out.state);
    return true;
  }
  if (fn == "static_rnn") {
    nn::CellPtr cell = build_cell(kw.get("cell"), kw.where() + ".cell");
    std::vector<ag::Var> inputs = ctx.sequence("inputs");
    nn::StaticRnnOptions o;
    if (ctx.has_input_group("initial_state")) o.initial_state = ctx.state("initial_state", cell->state_size());
    else o.dtype = ctx.dtype();
    nn::RnnOutput out = nn::static_rnn(ps, cell, inputs, o);
    ctx.set_sequence("outputs", out.outputs);
    ctx.set_state("state", out.state);
    return true;
  }
  if (fn == "linear") {
    std::vector<ag::Var> args;
    for (const auto& i : numeric_order(ctx.input_children("args"))) args.push_back(ctx.input("args/" + i));
    nn::LinearOptions o;
    o.bias = kw.get_bool("bias", true);
    o.bias_start = kw.get_double("bias_start", 0.0);
    ctx.set_result("outputs", nn::linear(ps, args, kw.get_int("output_size"), o));
    return true;
  }
  return false;
}

}  // namespace s2s::conformance
