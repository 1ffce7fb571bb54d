// Owns: the fixture calls of rnn_decoder, attention_decoder, the embedding decoders and every
// *_seq2seq function (conformance.md table rows 3-7), and make_seq2seq_fn for model_with_buckets.
#include "s2s/autograd/ops.h"
#include "s2s/conformance/call.h"
#include "s2s/conformance/cell_spec.h"
#include "s2s/nn/nn.h"

namespace s2s::conformance {
namespace {

nn::CellPtr cell_of(const Kwargs& kw, const std::string& key = "cell") {
  return build_cell(kw.get(key), kw.where() + "." + key);
}

nn::FeedPrevious feed_previous_of(const Kwargs& kw) {
  const bool value = kw.get_bool("feed_previous", false);
  return kw.get_bool("feed_previous_is_tensor", false) ? nn::FeedPrevious::tensor(value) : nn::FeedPrevious(value);
}

nn::Ids as_ids(const std::vector<ag::Var>& v, const char* what) {
  nn::Ids out;
  for (const auto& x : v) {
    S2S_CHECK(x.dtype() == DType::I32, what, " must be int32 ids for this function");
    out.push_back(x.value());
  }
  return out;
}

void finish_seq(CallContext& ctx, const nn::RnnOutput& out) {
  ctx.set_sequence("outputs", out.outputs);
  ctx.set_state("state", out.state);
}

}  // namespace

nn::LoopFunction loop_function_of(const Kwargs& kw) {
  if (!kw.has("loop_function")) return {};
  const std::string name = kw.get_string("loop_function");
  S2S_CHECK(name == "identity", kw.where(), ": loop_function \"", name, "\" (only null or \"identity\")");
  return [](const ag::Var& prev, std::int64_t) { return prev; };
}

nn::Seq2SeqFn make_seq2seq_fn(CallContext& ctx, const std::string& function, const Kwargs& kw) {
  ag::ParamStore& ps = ctx.store();
  const DType dtype = ctx.dtype();
  if (function == "basic_rnn_seq2seq") {
    nn::CellPtr cell = cell_of(kw);
    return [&ps, cell, dtype](const std::vector<ag::Var>& enc, const std::vector<ag::Var>& dec) {
      nn::BasicRnnSeq2SeqOptions o;
      o.dtype = dtype;
      return nn::basic_rnn_seq2seq(ps, enc, dec, cell, o);
    };
  }
  if (function == "tied_rnn_seq2seq") {
    nn::CellPtr cell = cell_of(kw);
    nn::TiedRnnSeq2SeqOptions o;
    o.dtype = dtype;
    o.loop_function = loop_function_of(kw);
    return [&ps, cell, o](const std::vector<ag::Var>& enc, const std::vector<ag::Var>& dec) {
      return nn::tied_rnn_seq2seq(ps, enc, dec, cell, o);
    };
  }
  if (function == "embedding_rnn_seq2seq") {
    nn::CellPtr cell = cell_of(kw);
    nn::EmbeddingRnnSeq2SeqOptions o;
    o.output_projection = ctx.output_projection(kw.get_bool("output_projection", false));
    o.feed_previous = feed_previous_of(kw);
    o.dtype = dtype;
    const auto ve = kw.get_int("num_encoder_symbols"), vd = kw.get_int("num_decoder_symbols"),
               e = kw.get_int("embedding_size");
    return [&ps, cell, o, ve, vd, e](const std::vector<ag::Var>& enc, const std::vector<ag::Var>& dec) {
      return nn::embedding_rnn_seq2seq(ps, as_ids(enc, "encoder_inputs"), as_ids(dec, "decoder_inputs"), cell, ve, vd, e, o);
    };
  }
  if (function == "embedding_tied_rnn_seq2seq") {
    nn::CellPtr cell = cell_of(kw);
    nn::EmbeddingTiedRnnSeq2SeqOptions o;
    o.num_decoder_symbols = kw.optional_int("num_decoder_symbols");
    o.output_projection = ctx.output_projection(kw.get_bool("output_projection", false));
    o.feed_previous = feed_previous_of(kw);
    o.dtype = dtype;
    const auto v = kw.get_int("num_symbols"), e = kw.get_int("embedding_size");
    return [&ps, cell, o, v, e](const std::vector<ag::Var>& enc, const std::vector<ag::Var>& dec) {
      return nn::embedding_tied_rnn_seq2seq(ps, as_ids(enc, "encoder_inputs"), as_ids(dec, "decoder_inputs"), cell, v, e, o);
    };
  }
  if (function == "embedding_attention_seq2seq") {
    nn::CellPtr cell = cell_of(kw);
    nn::EmbeddingAttentionSeq2SeqOptions o;
    if (kw.has("encoder_cell")) o.encoder_cell = cell_of(kw, "encoder_cell");
    o.num_heads = kw.get_int("num_heads", 1);
    o.output_projection = ctx.output_projection(kw.get_bool("output_projection", false));
    o.feed_previous = feed_previous_of(kw);
    o.initial_state_attention = kw.get_bool("initial_state_attention", false);
    o.dtype = dtype;
    const auto ve = kw.get_int("num_encoder_symbols"), vd = kw.get_int("num_decoder_symbols"),
               e = kw.get_int("embedding_size");
    return [&ps, cell, o, ve, vd, e](const std::vector<ag::Var>& enc, const std::vector<ag::Var>& dec) {
      return nn::embedding_attention_seq2seq(ps, as_ids(enc, "encoder_inputs"), as_ids(dec, "decoder_inputs"), cell, ve, vd,
                                             e, o);
    };
  }
  S2S_FAIL(kw.where(), ": \"", function, "\" is not a seq2seq function usable here");
}

bool run_decoder_call(CallContext& ctx) {
  const std::string& fn = ctx.fixture().function;
  const Kwargs& kw = ctx.kwargs();
  ag::ParamStore& ps = ctx.store();
  if (fn == "rnn_decoder") {
    nn::CellPtr cell = cell_of(kw);
    auto inputs = ctx.sequence("decoder_inputs");
    nn::State init = ctx.state("initial_state", cell->state_size());
    nn::RnnDecoderOptions o;
    o.loop_function = loop_function_of(kw);
    finish_seq(ctx, nn::rnn_decoder(ps, inputs, init, cell, o));
    return true;
  }
  if (fn == "attention_decoder") {
    nn::CellPtr cell = cell_of(kw);
    auto inputs = ctx.sequence("decoder_inputs");
    nn::State init = ctx.state("initial_state", cell->state_size());
    ag::Var attn = ctx.input("attention_states");
    nn::AttentionDecoderOptions o;
    o.output_size = kw.optional_int("output_size");
    o.num_heads = kw.get_int("num_heads", 1);
    o.loop_function = loop_function_of(kw);
    o.initial_state_attention = kw.get_bool("initial_state_attention", false);
    o.dtype = ctx.dtype();
    finish_seq(ctx, nn::attention_decoder(ps, inputs, init, attn, cell, o));
    return true;
  }
  if (fn == "embedding_rnn_decoder") {
    nn::CellPtr cell = cell_of(kw);
    nn::EmbeddingRnnDecoderOptions o;
    o.output_projection = ctx.output_projection(kw.get_bool("output_projection", false));
    o.feed_previous = kw.get_bool("feed_previous", false);
    o.update_embedding_for_previous = kw.get_bool("update_embedding_for_previous", true);
    auto ids = ctx.ids_sequence("decoder_inputs");
    nn::State init = ctx.state("initial_state", cell->state_size());
    finish_seq(ctx, nn::embedding_rnn_decoder(ps, ids, init, cell, kw.get_int("num_symbols"),
                                              kw.get_int("embedding_size"), o));
    return true;
  }
  if (fn == "embedding_attention_decoder") {
    nn::CellPtr cell = cell_of(kw);
    nn::EmbeddingAttentionDecoderOptions o;
    o.output_projection = ctx.output_projection(kw.get_bool("output_projection", false));
    o.num_heads = kw.get_int("num_heads", 1);
    o.output_size = kw.optional_int("output_size");
    o.feed_previous = kw.get_bool("feed_previous", false);
    o.update_embedding_for_previous = kw.get_bool("update_embedding_for_previous", true);
    o.initial_state_attention = kw.get_bool("initial_state_attention", false);
    o.dtype = ctx.dtype();
    auto ids = ctx.ids_sequence("decoder_inputs");
    nn::State init = ctx.state("initial_state", cell->state_size());
    ag::Var attn = ctx.input("attention_states");
    finish_seq(ctx, nn::embedding_attention_decoder(ps, ids, init, attn, cell, kw.get_int("num_symbols"),
                                                    kw.get_int("embedding_size"), o));
    return true;
  }
  if (fn == "basic_rnn_seq2seq" || fn == "tied_rnn_seq2seq" || fn == "embedding_rnn_seq2seq" ||
      fn == "embedding_tied_rnn_seq2seq" || fn == "embedding_attention_seq2seq") {
    nn::Seq2SeqFn call = make_seq2seq_fn(ctx, fn, kw);
    auto enc = ctx.sequence("encoder_inputs");
    auto dec = ctx.sequence("decoder_inputs");
    finish_seq(ctx, call(enc, dec));
    return true;
  }
  if (fn == "one2many_rnn_seq2seq") {
    nn::CellPtr enc_cell = cell_of(kw, "enc_cell");
    std::map<std::string, nn::CellPtr> dec_cells;
    for (const auto& [name, spec] : kw.get("dec_cells").items())
      dec_cells[name] = build_cell(spec, kw.where() + ".dec_cells." + name);
    std::map<std::string, std::int64_t> symbols;
    for (const auto& [name, v] : kw.get("num_decoder_symbols_dict").items()) symbols[name] = v.get<std::int64_t>();
    std::vector<std::string> names;
    if (kw.has("decoder_names")) names = kw.get("decoder_names").get<std::vector<std::string>>();
    else for (const auto& [name, c] : dec_cells) names.push_back(name);
    nn::One2ManyOptions o;
    o.feed_previous = feed_previous_of(kw);
    o.dtype = ctx.dtype();
    auto enc = ctx.ids_sequence("encoder_inputs");
    std::map<std::string, nn::Ids> dec;
    for (const auto& name : names) dec[name] = ctx.ids_sequence("decoder_inputs/" + name);
    nn::One2ManyOutput out = nn::one2many_rnn_seq2seq(ps, enc, dec, enc_cell, dec_cells, kw.get_int("num_encoder_symbols"),
                                                      symbols, kw.get_int("embedding_size"), o);
    for (const auto& [name, outputs] : out.outputs) ctx.set_sequence("outputs/" + name, outputs);
    for (const auto& [name, state] : out.states) ctx.set_state("state/" + name, state);
    return true;
  }
  return false;
}

}  // namespace s2s::conformance
