#!/usr/bin/env python3
"""Independent reference fixture generator for s2s conformance tests.

Written from shared/spec/legacy_seq2seq.md and shared/spec/conformance.md only.
The reference math lives in s2sref.py (float64, PyTorch autodiff); this script
defines the cases, writes CASE.f64.h5 / CASE.f32.h5 and MANIFEST.md, and checks
itself (--check).

  python gen_fixtures.py                 # (re)generate every fixture + MANIFEST.md
  python gen_fixtures.py --only 'gru*'   # only the matching cases (fnmatch)
  python gen_fixtures.py --list          # list the cases
  python gen_fixtures.py --check         # self-check: spec §5 values, finite
                                         # differences, and a re-read of the files

See README.md for the float32 procedure and the conventions decided here.
"""
import argparse
import fnmatch
import json
import os
import sys
import zlib

import numpy as np
import h5py
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import s2sref as R  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_OUT = os.path.normpath(os.path.join(HERE, "..", "fixtures", "conformance"))

CELL_FUNCTIONS = {"basic_rnn_cell", "gru_cell", "basic_lstm_cell", "lstm_cell", "multi_rnn_cell",
                  "embedding_wrapper", "output_projection_wrapper", "input_projection_wrapper",
                  "dropout_wrapper"}
SEQ2SEQ_FUNCTIONS = {"basic_rnn_seq2seq", "tied_rnn_seq2seq", "embedding_rnn_seq2seq",
                     "embedding_tied_rnn_seq2seq", "embedding_attention_seq2seq"}
NO_GRAD_INPUTS = ("true_expected_count", "sampled_expected_count")  # stop_gradient in TF


# ==========================================================================
# Running one call from (function, kwargs, inputs), as a harness would
# ==========================================================================
def _seq(I, name):
    return list(I[name].unbind(0))


def _state_in(I, prefix, template):
    n = len(R.flatten(template))
    return R.pack(template, [I["%s/%d" % (prefix, i)] for i in range(n)])


def _state_out(state, prefix="state"):
    return {"%s/%d" % (prefix, i): s for i, s in enumerate(R.flatten(state))}


def _seq_out(outputs, state, prefix=""):
    d = {prefix + "outputs": torch.stack(outputs, 0)}
    d.update(_state_out(state, prefix + "state"))
    return d


def _output_projection(kw, S, out_size, num_symbols):
    """The caller-owned pair (conformance.md: /params/output_projection/{w,b})."""
    if not kw.get("output_projection"):
        return None
    with S.absolute([]):
        return (S.get("output_projection/w", [out_size, num_symbols]),
                S.get("output_projection/b", [num_symbols]))


def _loop(kw):
    lf = kw.get("loop_function")
    if lf is None:
        return None
    if lf == "identity":
        return R.identity_loop
    raise ValueError("unknown loop_function %r" % lf)


def _softmax_loss_function(spec, S, sampled_lookup):
    """softmax_loss_function(t, labels, logits) for kwargs `softmax_loss_function`."""
    if spec is None:
        return None
    if spec["type"] != "sampled_softmax":
        raise ValueError("unknown softmax_loss_function %r" % spec["type"])
    if spec.get("weights", "output_projection") != "output_projection":
        raise ValueError("sampled softmax weights must be 'output_projection'")
    V = spec["num_classes"]

    def f(t, labels, logits):
        with S.absolute([]):
            w = S.get("output_projection/w", [logits.shape[1], V])
            b = S.get("output_projection/b", [V])
        cand, tec, sec = sampled_lookup(t)
        return R.sampled_softmax_loss(w.t(), b, labels.reshape(-1, 1), logits, (cand, tec, sec),
                                      spec["num_sampled"], V, spec.get("num_true", 1),
                                      spec["remove_accidental_hits"])
    return f


def _sampled_lookup(I, prefix):
    def get(t):
        p = "%s/%d/" % (prefix, t) if prefix else "%d/" % t
        return (I["sampled/" + p + "sampled_candidates"], I["sampled/" + p + "true_expected_count"],
                I["sampled/" + p + "sampled_expected_count"])
    return get


def call_seq2seq(function, kw, enc, dec, S):
    """Calls one of the five seq2seq functions; returns (outputs list, state)."""
    if function == "basic_rnn_seq2seq":
        return R.basic_rnn_seq2seq(enc, dec, kw["cell"], S)
    if function == "tied_rnn_seq2seq":
        return R.tied_rnn_seq2seq(enc, dec, R.build_cell(kw["cell"]), S, loop_function=_loop(kw))
    if function == "embedding_rnn_seq2seq":
        op = _output_projection(kw, S, R.build_cell(kw["cell"]).output_size, kw["num_decoder_symbols"])
        return R.embedding_rnn_seq2seq(enc, dec, kw["cell"], kw["num_encoder_symbols"],
                                       kw["num_decoder_symbols"], kw["embedding_size"], S,
                                       output_projection=op, feed_previous=kw["feed_previous"],
                                       feed_previous_is_tensor=kw["feed_previous_is_tensor"])
    if function == "embedding_tied_rnn_seq2seq":
        op = _output_projection(kw, S, R.build_cell(kw["cell"]).output_size, kw["num_symbols"])
        return R.embedding_tied_rnn_seq2seq(enc, dec, kw["cell"], kw["num_symbols"], kw["embedding_size"],
                                            S, num_decoder_symbols=kw["num_decoder_symbols"],
                                            output_projection=op, feed_previous=kw["feed_previous"],
                                            feed_previous_is_tensor=kw["feed_previous_is_tensor"])
    if function == "embedding_attention_seq2seq":
        op = _output_projection(kw, S, R.build_cell(kw["cell"]).output_size, kw["num_decoder_symbols"])
        return R.embedding_attention_seq2seq(
            enc, dec, kw["cell"], kw["num_encoder_symbols"], kw["num_decoder_symbols"],
            kw["embedding_size"], S, encoder_cell_spec=kw["encoder_cell"], num_heads=kw["num_heads"],
            output_projection=op, feed_previous=kw["feed_previous"],
            feed_previous_is_tensor=kw["feed_previous_is_tensor"],
            initial_state_attention=kw["initial_state_attention"])
    raise ValueError("not a seq2seq function: %s" % function)


def run_function(function, kw, I, S):
    """Returns {expected path: tensor} for one fixture call."""
    if function in CELL_FUNCTIONS:
        cell = R.build_cell(kw["cell"])
        out, st = cell(I["inputs"], _state_in(I, "state", cell.state_size), S)
        res = {"outputs": out}
        res.update(_state_out(st))
        return res
    if function == "linear":
        n = len([k for k in I if k.startswith("args/")])
        return {"outputs": R.linear([I["args/%d" % i] for i in range(n)], kw["output_size"], kw["bias"], S)}
    if function == "static_rnn":
        cell = R.build_cell(kw["cell"])
        init = _state_in(I, "initial_state", cell.state_size) if "initial_state/0" in I else None
        outs, st = R.static_rnn(cell, _seq(I, "inputs"), S, initial_state=init)
        return _seq_out(outs, st)
    if function == "rnn_decoder":
        cell = R.build_cell(kw["cell"])
        outs, st = R.rnn_decoder(_seq(I, "decoder_inputs"), _state_in(I, "initial_state", cell.state_size),
                                 cell, S, loop_function=_loop(kw))
        return _seq_out(outs, st)
    if function == "attention_decoder":
        cell = R.build_cell(kw["cell"])
        outs, st = R.attention_decoder(_seq(I, "decoder_inputs"),
                                       _state_in(I, "initial_state", cell.state_size),
                                       I["attention_states"], cell, S, output_size=kw["output_size"],
                                       num_heads=kw["num_heads"], loop_function=_loop(kw),
                                       initial_state_attention=kw["initial_state_attention"])
        return _seq_out(outs, st)
    if function == "embedding_rnn_decoder":
        cell = R.build_cell(kw["cell"])
        op = _output_projection(kw, S, cell.output_size, kw["num_symbols"])
        outs, st = R.embedding_rnn_decoder(_seq(I, "decoder_inputs"),
                                           _state_in(I, "initial_state", cell.state_size), cell,
                                           kw["num_symbols"], kw["embedding_size"], S, output_projection=op,
                                           feed_previous=kw["feed_previous"],
                                           update_embedding_for_previous=kw["update_embedding_for_previous"])
        return _seq_out(outs, st)
    if function == "embedding_attention_decoder":
        cell = R.build_cell(kw["cell"])
        out_size = kw["output_size"] if kw["output_size"] is not None else cell.output_size
        op = _output_projection(kw, S, out_size, kw["num_symbols"])
        outs, st = R.embedding_attention_decoder(
            _seq(I, "decoder_inputs"), _state_in(I, "initial_state", cell.state_size), I["attention_states"],
            cell, kw["num_symbols"], kw["embedding_size"], S, num_heads=kw["num_heads"],
            output_size=kw["output_size"], output_projection=op, feed_previous=kw["feed_previous"],
            update_embedding_for_previous=kw["update_embedding_for_previous"],
            initial_state_attention=kw["initial_state_attention"])
        return _seq_out(outs, st)
    if function in SEQ2SEQ_FUNCTIONS:
        outs, st = call_seq2seq(function, kw, _seq(I, "encoder_inputs"), _seq(I, "decoder_inputs"), S)
        return _seq_out(outs, st)
    if function == "one2many_rnn_seq2seq":
        names = kw["decoder_names"]
        dec = {n: _seq(I, "decoder_inputs/" + n) for n in names}
        outs, sts = R.one2many_rnn_seq2seq(_seq(I, "encoder_inputs"), dec, kw["enc_cell"], kw["dec_cells"],
                                           kw["num_encoder_symbols"], kw["num_decoder_symbols_dict"],
                                           kw["embedding_size"], S, feed_previous=kw["feed_previous"],
                                           decoder_names=names)
        res = {}
        for n in names:
            res["outputs/" + n] = torch.stack(outs[n], 0)
            res.update(_state_out(sts[n], "state/" + n))
        return res
    if function in ("sequence_loss_by_example", "sequence_loss"):
        slf = _softmax_loss_function(kw["softmax_loss_function"], S, _sampled_lookup(I, ""))
        args = (_seq(I, "logits"), _seq(I, "targets"), _seq(I, "weights"))
        if function == "sequence_loss":
            loss = R.sequence_loss(*args, average_across_timesteps=kw["average_across_timesteps"],
                                   average_across_batch=kw["average_across_batch"], softmax_loss_function=slf)
        else:
            loss = R.sequence_loss_by_example(*args, average_across_timesteps=kw["average_across_timesteps"],
                                              softmax_loss_function=slf)
        return {"loss": loss}
    if function == "sampled_softmax_loss":
        sv = (I["sampled/sampled_candidates"], I["sampled/true_expected_count"],
              I["sampled/sampled_expected_count"])
        return {"loss": R.sampled_softmax_loss(I["weights"], I["biases"], I["labels"], I["inputs"], sv,
                                               kw["num_sampled"], kw["num_classes"], kw["num_true"],
                                               kw["remove_accidental_hits"])}
    if function == "model_with_buckets":
        return model_with_buckets(kw, I, S)
    raise ValueError("unknown function %s" % function)


def model_with_buckets(kw, I, S):
    enc, dec = _seq(I, "encoder_inputs"), _seq(I, "decoder_inputs")
    targets, weights = _seq(I, "targets"), _seq(I, "weights")
    buckets = kw["buckets"]
    if len(enc) < buckets[-1][0]:
        raise ValueError("Length of encoder_inputs (%d) must be at least that of lastbucket (%d)."
                         % (len(enc), buckets[-1][0]))
    if len(targets) < buckets[-1][1]:
        raise ValueError("Length of targets (%d) must be at least that of lastbucket (%d)."
                         % (len(targets), buckets[-1][1]))
    if len(weights) < buckets[-1][1]:
        raise ValueError("Length of weights (%d) must be at least that of lastbucket (%d)."
                         % (len(weights), buckets[-1][1]))
    res = {}
    for j, (ni, no) in enumerate(buckets):
        # every bucket in the same scope: all variables shared by name
        outs, _ = call_seq2seq(kw["seq2seq"], kw["seq2seq_kwargs"], enc[:ni], dec[:no], S)
        slf = _softmax_loss_function(kw["softmax_loss_function"], S, _sampled_lookup(I, "bucket_%d" % j))
        if kw["per_example_loss"]:
            loss = R.sequence_loss_by_example(outs, targets[:no], weights[:no], softmax_loss_function=slf)
        else:
            loss = R.sequence_loss(outs, targets[:no], weights[:no], softmax_loss_function=slf)
        res["bucket_%d/outputs" % j] = torch.stack(outs, 0)
        res["bucket_%d/loss" % j] = loss
    return res


# ==========================================================================
# Evaluation: expected values and gradients of J
# ==========================================================================
def _is_float(a):
    return np.issubdtype(np.asarray(a).dtype, np.floating)


def _grad_input(path, arr):
    return _is_float(arr) and not path.endswith(NO_GRAD_INPUTS)


def to_torch_inputs(inputs):
    I = {}
    for k, v in inputs.items():
        if _is_float(v):
            I[k] = torch.tensor(np.asarray(v, dtype=np.float64), dtype=R.DT, requires_grad=_grad_input(k, v))
        else:
            I[k] = torch.tensor(np.asarray(v, dtype=np.int64), dtype=torch.long)
    return I


def evaluate(function, kw, inputs, params, probes=None, frozen=None, grads=True, init=None, dtype=torch.float64):
    """Runs one call (float64 unless `dtype` says otherwise: the float32 simulation of --check).
    `params` None = create mode with `init`.
    Returns (expected np dict, grads np dict (params/..., inputs/...), J, store)."""
    saved = R.DT
    R.DT = dtype
    try:
        return _evaluate(function, kw, inputs, params, probes, frozen, grads, init)
    finally:
        R.DT = saved


def _evaluate(function, kw, inputs, params, probes, frozen, grads, init):
    S = R.Store(init=init, fixed=params, frozen=frozen)
    I = to_torch_inputs(inputs)
    with torch.enable_grad():
        exp = run_function(function, kw, I, S)
        if params is not None:
            unused = sorted(set(params) - set(S.vars))
            if unused:
                raise KeyError("parameters not used by the call: %s" % unused)
        exp_np = {k: v.detach().numpy().astype(np.float64) for k, v in exp.items()}
        J = None
        g = {}
        if probes is not None:
            J = sum((exp[k] * torch.tensor(probes[k], dtype=R.DT)).sum() for k in sorted(exp))
            if grads:
                names = sorted(S.vars)
                in_names = sorted(k for k in I if I[k].requires_grad)
                leaves = [S.vars[n] for n in names] + [I[n] for n in in_names]
                gs = torch.autograd.grad(J, leaves, allow_unused=True)
                for n, leaf, gr in zip(["params/" + x for x in names] + ["inputs/" + x for x in in_names],
                                       leaves, gs):
                    g[n] = (torch.zeros_like(leaf) if gr is None else gr).detach().numpy().astype(np.float64)
    return exp_np, g, (None if J is None else float(J.detach())), S


# ==========================================================================
# Case definitions
# ==========================================================================
def gru(n, layers=1, wrappers=()):
    return {"type": "gru", "num_units": n, "layers": layers, "activation": "tanh", "wrappers": list(wrappers)}


def brnn(n, layers=1, wrappers=()):
    return {"type": "basic_rnn", "num_units": n, "layers": layers, "activation": "tanh",
            "wrappers": list(wrappers)}


def blstm(n, layers=1, state_is_tuple=True, forget_bias=1.0, wrappers=()):
    return {"type": "basic_lstm", "num_units": n, "layers": layers, "activation": "tanh",
            "state_is_tuple": state_is_tuple, "forget_bias": forget_bias, "wrappers": list(wrappers)}


def lstm(n, use_peepholes=False, cell_clip=None, num_proj=None, proj_clip=None, state_is_tuple=True,
         forget_bias=1.0, layers=1, wrappers=()):
    return {"type": "lstm", "num_units": n, "layers": layers, "activation": "tanh",
            "state_is_tuple": state_is_tuple, "forget_bias": forget_bias, "use_peepholes": use_peepholes,
            "cell_clip": cell_clip, "num_proj": num_proj, "proj_clip": proj_clip, "wrappers": list(wrappers)}


def multi(cells, state_is_tuple=True, wrappers=()):
    return {"type": "multi_rnn", "cells": list(cells), "state_is_tuple": state_is_tuple,
            "wrappers": list(wrappers)}


def w_out(k):
    return {"type": "output_projection", "output_size": k}


def w_in(k):
    return {"type": "input_projection", "num_proj": k}


def w_emb(classes, size):
    return {"type": "embedding", "embedding_classes": classes, "embedding_size": size}


def w_drop():
    return {"type": "dropout", "input_keep_prob": 1.0, "output_keep_prob": 1.0, "state_keep_prob": 1.0}


def sampled_spec(num_sampled, num_classes, remove=True):
    return {"type": "sampled_softmax", "num_sampled": num_sampled, "num_classes": num_classes, "num_true": 1,
            "remove_accidental_hits": remove, "weights": "output_projection"}


def fl(rng, *shape):
    return rng.uniform(-1.0, 1.0, size=shape)


def ids(rng, V, *shape):
    return rng.integers(0, V, size=shape).astype(np.int32)


def state_arrays(rng, spec, B, prefix):
    tmpl = R.build_cell(spec).state_size
    return {"%s/%d" % (prefix, i): fl(rng, B, k) for i, k in enumerate(R.flatten(tmpl))}


def loss_weights(rng, T, B):
    """0/1 weights, translate-like, with weight 1 at t = 0 so no example is all-zero."""
    w = (rng.random((T, B)) < 0.75).astype(np.float64)
    w[0, :] = 1.0
    return w


class Case:
    def __init__(self, name, function, kwargs, description, build, require=None, tags=()):
        self.name, self.function, self.kwargs = name, function, kwargs
        self.description, self.build, self.require = description, build, require
        self.tags = tuple(tags)


CASES = []


def case(name, function, kwargs, description, build, require=None):
    CASES.append(Case(name, function, kwargs, description, build, require))


def need_argmax(stats):
    return stats["argmax_calls"] > 0


def need_clips(stats):
    return (0 < stats["cell_clip_active"] < stats["cell_clip_total"]
            and 0 < stats["proj_clip_active"] < stats["proj_clip_total"])


# ---- cells ----------------------------------------------------------------
def cell_case(name, function, spec, description, B=3, in_size=3, int_inputs=None, require=None):
    def build(rng):
        d = {"inputs": ids(rng, int_inputs, B) if int_inputs else fl(rng, B, in_size)}
        d.update(state_arrays(rng, spec, B, "state"))
        return d
    case(name, function, {"cell": spec}, description, build, require)


cell_case("basic_rnn_cell__n4", "basic_rnn_cell", brnn(4), "BasicRNNCell(4), one step, B=3, in=3.")
cell_case("gru_cell__n4", "gru_cell", gru(4), "GRUCell(4), one step, B=3, in=3.")
cell_case("basic_lstm_cell__tuple", "basic_lstm_cell", blstm(4),
          "BasicLSTMCell(4), state_is_tuple=True, forget_bias=1.0; state/0 = c, state/1 = h.")
cell_case("basic_lstm_cell__concat_fb0p5", "basic_lstm_cell", blstm(3, state_is_tuple=False, forget_bias=0.5),
          "BasicLSTMCell(3), state_is_tuple=False (state = concat(c, h) [B, 6]), forget_bias=0.5.")
cell_case("lstm_cell__plain", "lstm_cell", lstm(4),
          "LSTMCell(4) without peepholes, clipping or projection; tuple state (c, m).")
cell_case("lstm_cell__peep_cellclip_proj_projclip", "lstm_cell",
          lstm(5, use_peepholes=True, cell_clip=0.5, num_proj=3, proj_clip=0.15, forget_bias=0.8),
          "LSTMCell(5) with peepholes, cell_clip=0.5, num_proj=3, proj_clip=0.15, forget_bias=0.8; "
          "some c and m entries are clipped and some are not (none within 2e-3 of the bound).",
          in_size=4, require=need_clips)
cell_case("lstm_cell__concat_proj", "lstm_cell", lstm(4, num_proj=3, state_is_tuple=False),
          "LSTMCell(4, num_proj=3), state_is_tuple=False: state = concat(c [4], m [3]) = [B, 7], split at 4.")
cell_case("multi_rnn_cell__gru_blstm_brnn", "multi_rnn_cell", multi([gru(4), blstm(3), brnn(5)]),
          "MultiRNNCell([GRU(4), BasicLSTM(3), BasicRNN(5)]): mixed layers, state flattened depth-first "
          "h0, c1, h1, h2.")
cell_case("multi_rnn_cell__blstm2", "multi_rnn_cell", blstm(3, layers=2),
          "2 identical BasicLSTMCell(3) layers (cell spec layers=2): state c0, h0, c1, h1.")
cell_case("embedding_wrapper__gru", "embedding_wrapper", gru(4, wrappers=[w_emb(6, 3)]),
          "EmbeddingWrapper(GRUCell(4), 6 classes, size 3); inputs are int32 ids [B].", int_inputs=6)
cell_case("output_projection_wrapper__blstm", "output_projection_wrapper", blstm(4, wrappers=[w_out(5)]),
          "OutputProjectionWrapper(BasicLSTMCell(4), 5).")
cell_case("input_projection_wrapper__gru", "input_projection_wrapper", gru(4, wrappers=[w_in(2)]),
          "InputProjectionWrapper(GRUCell(4), num_proj=2) on inputs of size 3.")
cell_case("dropout_wrapper__gru_keep1", "dropout_wrapper", gru(4, wrappers=[w_drop()]),
          "DropoutWrapper(GRUCell(4)) with all keep probabilities 1.0: identity, and no scope of its own "
          "(names are gru_cell/...).")
cell_case("embedding_wrapper__stacked_wrappers", "embedding_wrapper",
          multi([gru(3), blstm(4)], wrappers=[w_in(2), w_out(5), w_drop(), w_emb(7, 3)]),
          "EmbeddingWrapper(DropoutWrapper(OutputProjectionWrapper(InputProjectionWrapper("
          "MultiRNNCell([GRU(3), BasicLSTM(4)]), 2), 5)), 7, 3): nested wrapper scopes.", int_inputs=7)


# ---- linear, static_rnn -------------------------------------------------------
def linear_case(name, sizes, out, bias, description):
    def build(rng):
        return {"args/%d" % i: fl(rng, 3, k) for i, k in enumerate(sizes)}
    case(name, "linear", {"output_size": out, "bias": bias}, description, build)


linear_case("linear__1arg", [4], 5, True, "linear(x [3,4], 5, bias=True): kernel [4,5], bias [5] at the root.")
linear_case("linear__2args", [2, 4], 3, True, "linear([a [3,2], b [3,4]], 3, bias=True): kernel [6,3].")
linear_case("linear__2args_nobias", [2, 4], 3, False, "linear([a [3,2], b [3,4]], 3, bias=False): kernel only.")


def static_rnn_case(name, spec, description, T=3, B=2, in_size=3, initial=False, require=None):
    def build(rng):
        d = {"inputs": fl(rng, T, B, in_size)}
        if initial:
            d.update(state_arrays(rng, spec, B, "initial_state"))
        return d
    case(name, "static_rnn", {"cell": spec}, description, build, require)


static_rnn_case("static_rnn__gru_zero_state", gru(4), "static_rnn(GRUCell(4)), T=3, B=2, zero initial state.")
static_rnn_case("static_rnn__blstm2_initial_state", blstm(3, layers=2),
                "static_rnn over 2 BasicLSTMCell(3) layers with a given initial state (c0, h0, c1, h1).",
                initial=True)
static_rnn_case("static_rnn__lstm_peep_proj_initial_state", lstm(4, use_peepholes=True, num_proj=2),
                "static_rnn(LSTMCell(4, peepholes, num_proj=2)) with a given initial state, T=3.", initial=True)


# ---- rnn_decoder, basic_rnn_seq2seq, tied_rnn_seq2seq ----------------------------------
def rnn_decoder_case(name, spec, loop, description, T=3, B=2, in_size=3):
    def build(rng):
        d = {"decoder_inputs": fl(rng, T, B, in_size)}
        d.update(state_arrays(rng, spec, B, "initial_state"))
        return d
    case(name, "rnn_decoder", {"cell": spec, "loop_function": loop}, description, build)


rnn_decoder_case("rnn_decoder__gru", gru(4), None, "rnn_decoder(GRUCell(4)), T=3, B=2, in=3, given initial state.")
rnn_decoder_case("rnn_decoder__blstm2_loop_identity", blstm(3, layers=2), "identity",
                 "rnn_decoder over 2 BasicLSTMCell(3) layers with loop_function identity (in = out = 3): "
                 "steps >= 1 feed the previous output; decoder_inputs[1:] get zero gradient.")
rnn_decoder_case("rnn_decoder__gru_outwrap_loop_identity", gru(4, wrappers=[w_out(3)]), "identity",
                 "rnn_decoder(OutputProjectionWrapper(GRUCell(4), 3)) with loop_function identity.")


def seq2seq_float_case(name, function, kw, description, Te=3, Td=3, B=2, in_size=3):
    def build(rng):
        return {"encoder_inputs": fl(rng, Te, B, in_size), "decoder_inputs": fl(rng, Td, B, in_size)}
    case(name, function, kw, description, build)


seq2seq_float_case("basic_rnn_seq2seq__gru1", "basic_rnn_seq2seq", {"cell": gru(4)},
                   "basic_rnn_seq2seq(GRUCell(4)): separate encoder (rnn/) and decoder (rnn_decoder/) parameters.")
seq2seq_float_case("basic_rnn_seq2seq__blstm3", "basic_rnn_seq2seq", {"cell": blstm(3, layers=3)},
                   "basic_rnn_seq2seq over 3 BasicLSTMCell(3) layers (tuple states), Te=3, Td=2.", Td=2)
seq2seq_float_case("tied_rnn_seq2seq__gru1", "tied_rnn_seq2seq", {"cell": gru(4), "loop_function": None},
                   "tied_rnn_seq2seq(GRUCell(4)): one parameter set for encoder and decoder.")
seq2seq_float_case("tied_rnn_seq2seq__blstm_outwrap_loop_identity", "tied_rnn_seq2seq",
                   {"cell": blstm(4, wrappers=[w_out(3)]), "loop_function": "identity"},
                   "tied_rnn_seq2seq(OutputProjectionWrapper(BasicLSTMCell(4), 3), loop identity): the "
                   "encoder also runs the (shared) projection, whose encoder outputs are discarded.", Te=2, Td=4)


# ---- embedding_rnn_decoder ----------------------------------------------------------
def emb_decoder_case(name, function, kw, description, T=3, B=2, L=4, A=None, require=None):
    V = kw["num_symbols"]

    def build(rng):
        d = {"decoder_inputs": ids(rng, V, T, B)}
        d.update(state_arrays(rng, kw["cell"], B, "initial_state"))
        if function == "embedding_attention_decoder":
            d["attention_states"] = fl(rng, B, L, A)
        return d
    case(name, function, kw, description, build, require)


def erd(cell, V=6, E=3, op=False, fp=False, upd=True):
    return {"cell": cell, "num_symbols": V, "embedding_size": E, "output_projection": op, "feed_previous": fp,
            "update_embedding_for_previous": upd}


emb_decoder_case("embedding_rnn_decoder__gru", "embedding_rnn_decoder", erd(gru(4)),
                 "embedding_rnn_decoder(GRUCell(4), V=6, E=3), unwrapped cell: outputs [T, B, 4].")
emb_decoder_case("embedding_rnn_decoder__gru_outwrap_feedprev", "embedding_rnn_decoder",
                 erd(gru(4, wrappers=[w_out(6)]), fp=True),
                 "embedding_rnn_decoder(OutputProjectionWrapper(GRUCell(4), 6)), feed_previous=True, "
                 "update_embedding_for_previous=True: the embedding rows of generated symbols get gradient.",
                 T=4, require=need_argmax)
emb_decoder_case("embedding_rnn_decoder__blstm_outproj_feedprev", "embedding_rnn_decoder",
                 erd(blstm(4), op=True, fp=True),
                 "embedding_rnn_decoder(BasicLSTMCell(4)) with output_projection (w [4,6], b [6]) and "
                 "feed_previous=True, update_embedding_for_previous=True; the pair only feeds the argmax, "
                 "so its gradient is zero.", require=need_argmax)
emb_decoder_case("embedding_rnn_decoder__blstm_outproj_feedprev_noupdate", "embedding_rnn_decoder",
                 erd(blstm(4), op=True, fp=True, upd=False),
                 "As embedding_rnn_decoder__blstm_outproj_feedprev but update_embedding_for_previous=False: "
                 "the embedding lookup of generated symbols is stop_gradient.", require=need_argmax)


# ---- attention decoders ---------------------------------------------------------------
def attn_decoder_case(name, kw, description, T=3, B=2, in_size=3, L=4, A=5):
    def build(rng):
        d = {"decoder_inputs": fl(rng, T, B, in_size)}
        d.update(state_arrays(rng, kw["cell"], B, "initial_state"))
        d["attention_states"] = fl(rng, B, L, A)
        return d
    case(name, "attention_decoder", kw, description, build)


def ad(cell, out=None, heads=1, loop=None, isa=False):
    return {"cell": cell, "output_size": out, "num_heads": heads, "loop_function": loop,
            "initial_state_attention": isa}


attn_decoder_case("attention_decoder__gru_heads1", ad(gru(4)),
                  "attention_decoder(GRUCell(4)), 1 head, B=2, T=3, in=3, attention_states [2, 4, 5].")
attn_decoder_case("attention_decoder__blstm2_heads3_isa", ad(blstm(3, layers=2), heads=3, isa=True),
                  "attention_decoder over 2 BasicLSTMCell(3) layers, 3 heads, initial_state_attention=True; "
                  "the query is the whole flattened state (Q = 12).")
attn_decoder_case("attention_decoder__gru_heads2_loop_identity_out3",
                  ad(gru(4), out=3, heads=2, loop="identity"),
                  "attention_decoder(GRUCell(4), output_size=3 = input size, 2 heads, loop_function identity).")
attn_decoder_case("attention_decoder__lstm_peep_proj_heads1_isa_out4",
                  ad(lstm(4, use_peepholes=True, num_proj=2), out=4, isa=True),
                  "attention_decoder(LSTMCell(4, peepholes, num_proj=2), output_size=4, "
                  "initial_state_attention=True): Q = 4 + 2, cell output 2.", L=3, A=4)


def ead(cell, V=6, E=3, heads=1, out=None, op=False, fp=False, upd=True, isa=False):
    return {"cell": cell, "num_symbols": V, "embedding_size": E, "num_heads": heads, "output_size": out,
            "output_projection": op, "feed_previous": fp, "update_embedding_for_previous": upd,
            "initial_state_attention": isa}


emb_decoder_case("embedding_attention_decoder__gru_heads1", "embedding_attention_decoder", ead(gru(4)),
                 "embedding_attention_decoder(GRUCell(4), V=6, E=3), 1 head, attention_states [2, 4, 5].", A=5)
emb_decoder_case("embedding_attention_decoder__blstm_heads2_outproj_feedprev_noupdate",
                 "embedding_attention_decoder", ead(blstm(4), heads=2, op=True, fp=True, upd=False),
                 "embedding_attention_decoder(BasicLSTMCell(4)), 2 heads, output_projection (w [4,6]), "
                 "feed_previous=True, update_embedding_for_previous=False.", A=3, require=need_argmax)
emb_decoder_case("embedding_attention_decoder__gru_heads1_isa_out6_feedprev", "embedding_attention_decoder",
                 ead(gru(4), out=6, fp=True, isa=True),
                 "embedding_attention_decoder(GRUCell(4), output_size=6 = V, no projection), feed_previous=True "
                 "(update_embedding_for_previous=True), initial_state_attention=True.", T=4, A=4,
                 require=need_argmax)


# ---- embedding seq2seq ------------------------------------------------------------
def emb_seq2seq_case(name, function, kw, description, Ve, Vd, Te=3, Td=3, B=2, require=None):
    def build(rng):
        return {"encoder_inputs": ids(rng, Ve, Te, B), "decoder_inputs": ids(rng, Vd, Td, B)}
    case(name, function, kw, description, build, require)


def ers(cell, Ve=5, Vd=6, E=3, op=False, fp=False, tensor=False):
    return {"cell": cell, "num_encoder_symbols": Ve, "num_decoder_symbols": Vd, "embedding_size": E,
            "output_projection": op, "feed_previous": fp, "feed_previous_is_tensor": tensor}


def _ers(name, kw, description, require=None, **k):
    emb_seq2seq_case(name, "embedding_rnn_seq2seq", kw, description, kw["num_encoder_symbols"],
                     kw["num_decoder_symbols"], require=require, **k)


_ers("embedding_rnn_seq2seq__gru1", ers(gru(4)),
     "embedding_rnn_seq2seq(GRUCell(4), Ve=5, Vd=6, E=3): decoder cell wrapped in OutputProjectionWrapper(6).")
_ers("embedding_rnn_seq2seq__gru3_feedprev", ers(gru(3, layers=3), fp=True),
     "embedding_rnn_seq2seq over 3 GRUCell(3) layers, feed_previous=True (bool: update embedding).",
     require=need_argmax, Td=4)
_ers("embedding_rnn_seq2seq__gru1_feedprev_tensor", ers(gru(4), fp=True, tensor=True),
     "embedding_rnn_seq2seq(GRUCell(4)), feed_previous as a scalar bool Tensor = True: the generated "
     "symbols' embedding lookups are stop_gradient.", require=need_argmax)
_ers("embedding_rnn_seq2seq__blstm1_feedprev_tensor_false", ers(blstm(4), fp=False, tensor=True),
     "embedding_rnn_seq2seq(BasicLSTMCell(4)), feed_previous Tensor = False (teacher forcing branch).")
_ers("embedding_rnn_seq2seq__blstm3_outproj_feedprev_tensor", ers(blstm(3, layers=3), op=True, fp=True, tensor=True),
     "embedding_rnn_seq2seq over 3 BasicLSTMCell(3) layers with output_projection (w [3,6]), feed_previous "
     "Tensor = True.", require=need_argmax)
_ers("embedding_rnn_seq2seq__gru1_outproj", ers(gru(4), op=True),
     "embedding_rnn_seq2seq(GRUCell(4)) with output_projection and feed_previous=False: outputs [T, B, 4], "
     "zero gradient for the pair.")


def etrs(cell, V=6, E=3, ndec=None, op=False, fp=False, tensor=False):
    return {"cell": cell, "num_symbols": V, "embedding_size": E, "num_decoder_symbols": ndec,
            "output_projection": op, "feed_previous": fp, "feed_previous_is_tensor": tensor}


def _etrs(name, kw, description, require=None, **k):
    emb_seq2seq_case(name, "embedding_tied_rnn_seq2seq", kw, description, kw["num_symbols"], kw["num_symbols"],
                     require=require, **k)


_etrs("embedding_tied_rnn_seq2seq__gru1", etrs(gru(4)),
      "embedding_tied_rnn_seq2seq(GRUCell(4), V=6, E=3): one embedding and one (wrapped) cell for both sides.")
_etrs("embedding_tied_rnn_seq2seq__blstm1_ndec5_feedprev", etrs(blstm(4), ndec=5, fp=True),
      "embedding_tied_rnn_seq2seq(BasicLSTMCell(4), V=6, num_decoder_symbols=5), feed_previous=True (bool).",
      require=need_argmax)
_etrs("embedding_tied_rnn_seq2seq__gru3_outproj_feedprev_tensor", etrs(gru(3, layers=3), op=True, fp=True, tensor=True),
      "embedding_tied_rnn_seq2seq over 3 GRUCell(3) layers with output_projection (w [3,6]), feed_previous "
      "Tensor = True.", require=need_argmax)
_etrs("embedding_tied_rnn_seq2seq__blstm3_ndec7", etrs(blstm(3, layers=3), ndec=7),
      "embedding_tied_rnn_seq2seq over 3 BasicLSTMCell(3) layers, V=6, num_decoder_symbols=7 (outputs [T, B, 7]).",
      Te=2, Td=3)


def eas(cell, Ve=5, Vd=6, E=3, enc=None, heads=1, op=False, fp=False, tensor=False, isa=False):
    return {"cell": cell, "encoder_cell": enc, "num_encoder_symbols": Ve, "num_decoder_symbols": Vd,
            "embedding_size": E, "num_heads": heads, "output_projection": op, "feed_previous": fp,
            "feed_previous_is_tensor": tensor, "initial_state_attention": isa}


def _eas(name, kw, description, require=None, **k):
    emb_seq2seq_case(name, "embedding_attention_seq2seq", kw, description, kw["num_encoder_symbols"],
                     kw["num_decoder_symbols"], require=require, **k)


_eas("embedding_attention_seq2seq__gru1_heads1", eas(gru(4)),
     "embedding_attention_seq2seq(GRUCell(4), Ve=5, Vd=6, E=3), 1 head, no projection (wrapped decoder cell).")
_eas("embedding_attention_seq2seq__gru3_heads3_isa", eas(gru(3, layers=3), heads=3, isa=True),
     "embedding_attention_seq2seq over 3 GRUCell(3) layers, 3 heads, initial_state_attention=True.")
_eas("embedding_attention_seq2seq__blstm1_heads1_feedprev", eas(blstm(4), fp=True),
     "embedding_attention_seq2seq(BasicLSTMCell(4)), 1 head, feed_previous=True (bool, update embedding).",
     require=need_argmax, Td=4)
_eas("embedding_attention_seq2seq__blstm3_heads3_isa_outproj_feedprev_tensor",
     eas(blstm(3, layers=3), heads=3, op=True, fp=True, tensor=True, isa=True),
     "embedding_attention_seq2seq over 3 BasicLSTMCell(3) layers, 3 heads, initial_state_attention, "
     "output_projection (w [3,6]), feed_previous Tensor = True.", require=need_argmax)
_eas("embedding_attention_seq2seq__blstm1_heads3_feedprev_tensor", eas(blstm(4), heads=3, fp=True, tensor=True),
     "embedding_attention_seq2seq(BasicLSTMCell(4)), 3 heads, no projection, feed_previous Tensor = True.",
     require=need_argmax)
_eas("embedding_attention_seq2seq__gru2_heads1_outproj_feedprev_tensor_false",
     eas(gru(4, layers=2), Vd=7, E=4, op=True, fp=False, tensor=True),
     "Translate training graph: 2 GRUCell(4) layers, E=4, Vd=7, output_projection, feed_previous Tensor = False.")
_eas("embedding_attention_seq2seq__gru2_heads1_outproj_feedprev",
     eas(gru(4, layers=2), Vd=7, E=4, op=True, fp=True),
     "Translate decoding graph: 2 GRUCell(4) layers, output_projection, feed_previous=True (bool).",
     require=need_argmax)
_eas("embedding_attention_seq2seq__gru1_encoder_cell_inproj",
     eas(gru(4), enc=gru(4, wrappers=[w_in(2)])),
     "embedding_attention_seq2seq(GRUCell(4), encoder_cell=InputProjectionWrapper(GRUCell(4), 2)): the "
     "encoder uses encoder_cell itself under rnn/embedding_wrapper/input_projection_wrapper/.")
_eas("embedding_attention_seq2seq__lstm_peep_proj_heads2",
     eas(lstm(4, use_peepholes=True, num_proj=3), heads=2),
     "embedding_attention_seq2seq(LSTMCell(4, peepholes, num_proj=3)), 2 heads: A = 3, Q = 7.")


def one2many_case(name, kw, description, Ts, Te=3, B=2, require=None):
    def build(rng):
        d = {"encoder_inputs": ids(rng, kw["num_encoder_symbols"], Te, B)}
        for n in kw["decoder_names"]:
            d["decoder_inputs/" + n] = ids(rng, kw["num_decoder_symbols_dict"][n], Ts[n], B)
        return d
    case(name, "one2many_rnn_seq2seq", kw, description, build, require)


def o2m(enc, decs, Vs, Ve=5, E=3, fp=False, tensor=False):
    return {"enc_cell": enc, "dec_cells": decs, "num_encoder_symbols": Ve, "num_decoder_symbols_dict": Vs,
            "embedding_size": E, "feed_previous": fp, "feed_previous_is_tensor": tensor,
            "decoder_names": sorted(decs)}


one2many_case("one2many_rnn_seq2seq__gru_2dec",
              o2m(gru(4), {"de": gru(4, wrappers=[w_in(2)]), "fr": gru(4)}, {"de": 4, "fr": 6}),
              "one2many_rnn_seq2seq: GRUCell(4) encoder, decoders 'de' (InputProjectionWrapper(GRUCell(4), 2), "
              "V=4, T=2) and 'fr' (GRUCell(4), V=6, T=3).", {"de": 2, "fr": 3})
one2many_case("one2many_rnn_seq2seq__blstm2_2dec_feedprev",
              o2m(blstm(3, layers=2), {"de": blstm(3, layers=2), "fr": blstm(3, layers=2)}, {"de": 5, "fr": 7},
                  fp=True),
              "one2many_rnn_seq2seq over 2 BasicLSTMCell(3) layers, decoders 'de' (V=5, T=3) and 'fr' (V=7, T=2), "
              "feed_previous=True (bool).", {"de": 3, "fr": 2}, require=need_argmax)
one2many_case("one2many_rnn_seq2seq__gru_2dec_feedprev_tensor",
              o2m(gru(4), {"de": gru(4), "fr": gru(4)}, {"de": 4, "fr": 6}, fp=True, tensor=True),
              "one2many_rnn_seq2seq(GRUCell(4)), feed_previous Tensor = True (update_embedding stays True in "
              "one2many).", {"de": 3, "fr": 3}, require=need_argmax)


# ---- losses -----------------------------------------------------------------------
def loss_case(name, function, kw, description, T=3, B=3, V=5, d=None, sampled=None):
    def build(rng):
        inp = {"logits": fl(rng, T, B, d if d else V) * (1.0 if d else 2.0),
               "targets": ids(rng, V, T, B), "weights": loss_weights(rng, T, B)}
        if sampled:
            for t in range(T):
                cand, tec, sec, _ = R.make_sampled_values(rng, inp["targets"][t], V, sampled)
                inp["sampled/%d/sampled_candidates" % t] = cand
                inp["sampled/%d/true_expected_count" % t] = tec
                inp["sampled/%d/sampled_expected_count" % t] = sec
        return inp
    case(name, function, kw, description, build)


for avg_t in (True, False):
    loss_case("sequence_loss_by_example__%s" % ("avg_t" if avg_t else "sum_t"), "sequence_loss_by_example",
              {"average_across_timesteps": avg_t, "softmax_loss_function": None},
              "sequence_loss_by_example, full softmax, average_across_timesteps=%s; T=3, B=3, V=5, 0/1 weights."
              % avg_t)
    for avg_b in (True, False):
        loss_case("sequence_loss__%s_%s" % ("avg_t" if avg_t else "sum_t", "avg_b" if avg_b else "sum_b"),
                  "sequence_loss",
                  {"average_across_timesteps": avg_t, "average_across_batch": avg_b, "softmax_loss_function": None},
                  "sequence_loss, full softmax, average_across_timesteps=%s, average_across_batch=%s." % (avg_t, avg_b))
loss_case("sequence_loss__sampled", "sequence_loss",
          {"average_across_timesteps": True, "average_across_batch": True, "softmax_loss_function": sampled_spec(3, 7)},
          "sequence_loss with the translate sampled softmax (num_sampled=3, V=7): logits are hidden outputs "
          "[T, B, 4], weights = (output_projection/w)^T, given sampled values per step.", V=7, d=4, sampled=3)
loss_case("sequence_loss_by_example__sampled_sum_t", "sequence_loss_by_example",
          {"average_across_timesteps": False, "softmax_loss_function": sampled_spec(4, 6)},
          "sequence_loss_by_example, average_across_timesteps=False, sampled softmax (num_sampled=4, V=6), d=3.",
          V=6, d=3, sampled=4)


def sampled_case(name, remove, description, B=3, d=4, V=7, S=4):
    def build(rng):
        labels = ids(rng, V, B, 1)
        cand, tec, sec, tries = R.make_sampled_values(rng, labels[:, 0], V, S, require_hit=True)
        return {"weights": fl(rng, V, d), "biases": fl(rng, V) * 0.5, "labels": labels, "inputs": fl(rng, B, d),
                "sampled/sampled_candidates": cand, "sampled/true_expected_count": tec,
                "sampled/sampled_expected_count": sec}
    case(name, "sampled_softmax_loss",
         {"num_sampled": S, "num_classes": V, "num_true": 1, "remove_accidental_hits": remove}, description, build)


sampled_case("sampled_softmax_loss__acc_hit_removed", True,
             "sampled_softmax_loss with given sampled values (V=7, S=4, B=3, d=4) that contain at least one "
             "accidental hit; remove_accidental_hits=True (the hit gets -FLT_MAX).")
sampled_case("sampled_softmax_loss__acc_hit_kept", False,
             "As sampled_softmax_loss__acc_hit_removed but remove_accidental_hits=False.")


# ---- model_with_buckets ---------------------------------------------------------------
def mwb_case(name, kw, description, B=2, in_size=None, sampled=None, require=None):
    buckets = kw["buckets"]
    s2s = kw["seq2seq_kwargs"]
    fn = kw["seq2seq"]
    I_last, O_last = buckets[-1]

    def build(rng):
        if fn == "basic_rnn_seq2seq":
            V = kw["softmax_loss_function"]["num_classes"] if sampled else \
                R.build_cell(s2s["cell"]).output_size
            inp = {"encoder_inputs": fl(rng, I_last, B, in_size), "decoder_inputs": fl(rng, O_last + 1, B, in_size),
                   "targets": ids(rng, V, O_last, B)}
        else:
            Ve = s2s.get("num_encoder_symbols", s2s.get("num_symbols"))
            V = s2s.get("num_decoder_symbols") or s2s.get("num_symbols")
            dec = ids(rng, V, O_last + 1, B)
            inp = {"encoder_inputs": ids(rng, Ve, I_last, B), "decoder_inputs": dec,
                   "targets": dec[1:].copy()}  # targets[i] = decoder_inputs[i + 1], as in translate
        inp["weights"] = loss_weights(rng, O_last, B)
        if sampled:
            for j, (_, no) in enumerate(buckets):
                for t in range(no):
                    cand, tec, sec, _ = R.make_sampled_values(rng, inp["targets"][t], V, sampled)
                    p = "sampled/bucket_%d/%d/" % (j, t)
                    inp[p + "sampled_candidates"] = cand
                    inp[p + "true_expected_count"] = tec
                    inp[p + "sampled_expected_count"] = sec
        return inp
    case(name, "model_with_buckets", kw, description, build, require)


BUCKETS = [[2, 2], [3, 3], [4, 4]]
mwb_case("model_with_buckets__emb_attn_gru2_full",
         {"buckets": BUCKETS, "seq2seq": "embedding_attention_seq2seq",
          "seq2seq_kwargs": eas(gru(3, layers=2), Ve=5, Vd=6, E=3), "per_example_loss": False,
          "softmax_loss_function": None},
         "model_with_buckets, buckets [(2,2),(3,3),(4,4)], embedding_attention_seq2seq over 2 GRUCell(3) layers "
         "without projection, full softmax, sequence_loss (mean); all buckets share one parameter set.")
mwb_case("model_with_buckets__emb_attn_gru2_outproj_sampled",
         {"buckets": BUCKETS, "seq2seq": "embedding_attention_seq2seq",
          "seq2seq_kwargs": eas(gru(3, layers=2), Ve=5, Vd=7, E=3, op=True), "per_example_loss": False,
          "softmax_loss_function": sampled_spec(3, 7)},
         "Translate training model in miniature: 3 buckets, embedding_attention_seq2seq (2 GRUCell(3) layers, "
         "output_projection), sampled softmax (num_sampled=3, V=7) with given sampled values per bucket and step.",
         sampled=3)
mwb_case("model_with_buckets__emb_attn_gru2_outproj_sampled_feedprev",
         {"buckets": BUCKETS, "seq2seq": "embedding_attention_seq2seq",
          "seq2seq_kwargs": eas(gru(3, layers=2), Ve=5, Vd=7, E=3, op=True, fp=True), "per_example_loss": False,
          "softmax_loss_function": sampled_spec(3, 7)},
         "Translate forward-only model in miniature: as model_with_buckets__emb_attn_gru2_outproj_sampled with "
         "feed_previous=True (bool).", sampled=3, require=need_argmax)
mwb_case("model_with_buckets__emb_rnn_blstm_per_example",
         {"buckets": [[2, 3], [3, 3], [4, 4]], "seq2seq": "embedding_rnn_seq2seq",
          "seq2seq_kwargs": ers(blstm(3), Ve=5, Vd=6, E=3), "per_example_loss": True,
          "softmax_loss_function": None},
         "model_with_buckets, buckets [(2,3),(3,3),(4,4)], embedding_rnn_seq2seq(BasicLSTMCell(3)), full softmax, "
         "per_example_loss=True (loss [B] per bucket).")
mwb_case("model_with_buckets__basic_rnn_seq2seq_float",
         {"buckets": [[2, 2], [3, 3], [3, 4]], "seq2seq": "basic_rnn_seq2seq",
          "seq2seq_kwargs": {"cell": gru(4, wrappers=[w_out(5)])}, "per_example_loss": False,
          "softmax_loss_function": None},
         "model_with_buckets, buckets [(2,2),(3,3),(3,4)], basic_rnn_seq2seq(OutputProjectionWrapper(GRUCell(4), 5)) "
         "on float inputs [.., B, 3], full softmax over the 5 outputs.", in_size=3)


# ==========================================================================
# Generation
# ==========================================================================
def seed_for(name, attempt):
    return [zlib.crc32(name.encode("utf-8")), attempt]


PARAM_SCALE = 1.0      # every parameter U(-PARAM_SCALE, PARAM_SCALE)
F32_SIM_LIMIT = 3e-6   # see generate(): the harness tolerance for float32 is 1e-4


def param_init(rng):
    def init(name, shape):
        return rng.uniform(-PARAM_SCALE, PARAM_SCALE, size=shape)
    return init


def harness_error(got, ref):
    """The harness metric: max |got - ref| relative to max |ref| (absolute if ref is all zero)."""
    got = np.asarray(got, dtype=np.float64)
    ref = np.asarray(ref, dtype=np.float64)
    if ref.size == 0:
        return 0.0
    scale = float(np.max(np.abs(ref)))
    err = float(np.max(np.abs(got - ref)))
    return err / scale if scale > 0 else err


def float32_simulation_error(c, d):
    """Runs the call in float32 on the float32 file's values and returns the worst harness error
    against the file's expected arrays (rounded to float32) and the array it occurs in."""
    exp, grads, _, _ = evaluate(c.function, c.kwargs, d["inputs"], d["params"], d["probes"], dtype=torch.float32)
    worst, where = 0.0, None
    for group, got, ref in (("expected/", exp, d["expected"]), ("expected/grad/", grads, d["grads"])):
        for k in ref:
            e = harness_error(got[k], np.float32(ref[k]))
            if e > worst:
                worst, where = e, group + k
    return worst, where


def f32_round(d):
    """Cast every float array to float32 and back (ints unchanged)."""
    return {k: (np.asarray(v, dtype=np.float32).astype(np.float64) if _is_float(v) else v) for k, v in d.items()}


def generate(c, max_attempts=200):
    """Returns a dict with everything for both files (f64 values, f32-rounded values)."""
    last = None
    for attempt in range(max_attempts):
        rng = np.random.default_rng(seed_for(c.name, attempt))
        try:
            inputs = c.build(rng)
            exp0, _, _, S0 = evaluate(c.function, c.kwargs, inputs, None, init=param_init(rng))
            params = {k: v.detach().numpy().copy() for k, v in S0.vars.items()}
            probes = {k: rng.uniform(-1.0, 1.0, size=np.shape(v)) for k, v in sorted(exp0.items())}
            out = {"attempt": attempt, "seed": seed_for(c.name, attempt)}
            for tag, rnd in (("float64", lambda d: d), ("float32", f32_round)):
                inp, par, prb = rnd(inputs), rnd(params), rnd(probes)
                exp, grads, J, S = evaluate(c.function, c.kwargs, inp, par, prb)
                if c.require is not None and not c.require(S.stats):
                    raise R.MarginError("case requirement not met: %s" % S.stats)
                out[tag] = {"inputs": inp, "params": par, "probes": prb, "expected": exp, "grads": grads,
                            "J": J, "stats": dict(S.stats)}
            # Conditioning gate: the same call computed in float32 must already meet the float32
            # tolerance with a ~30x margin, so an implementation is never failed by round-off
            # (e.g. attention gradients that are tiny differences of large terms).
            err, where = float32_simulation_error(c, out["float32"])
            if err > F32_SIM_LIMIT:
                raise R.MarginError("ill-conditioned in float32: %.2e at %s" % (err, where))
            out["f32_sim_error"] = err
            return out
        except R.MarginError as e:
            last = e
            continue
    raise RuntimeError("%s: no seed met the margins after %d attempts (%s)" % (c.name, max_attempts, last))


def _open_for_write(path):
    """HDF5 1.8 format bounds (superblock v2, compact groups: readable by HDF5 >= 1.8), and no
    object timestamps, so that regenerating gives byte-identical files."""
    fapl = h5py.h5p.create(h5py.h5p.FILE_ACCESS)
    fapl.set_libver_bounds(h5py.h5f.LIBVER_V18, h5py.h5f.LIBVER_V18)
    fcpl = h5py.h5p.create(h5py.h5p.FILE_CREATE)
    fcpl.set_obj_track_times(False)  # the root group
    fid = h5py.h5f.create(os.fsencode(path), h5py.h5f.ACC_TRUNC, fcpl=fcpl, fapl=fapl)
    return h5py.File(fid)


def _group(f, path):
    gcpl = h5py.h5p.create(h5py.h5p.GROUP_CREATE)
    gcpl.set_obj_track_times(False)
    cur = f
    for part in path.split("/"):
        if part not in cur:
            h5py.h5g.create(cur.id, part.encode("utf-8"), gcpl=gcpl)
        cur = cur[part]
    return cur


def _ds(f, path, arr, fdt):
    arr = np.asarray(arr)
    if _is_float(arr):
        arr = arr.astype(fdt)
    elif np.issubdtype(arr.dtype, np.integer):
        arr = arr.astype(np.int32)
    parent, _, name = path.rpartition("/")
    _group(f, parent).create_dataset(name, data=arr, track_times=False)


def write_file(path, c, data, dtype):
    fdt = np.float64 if dtype == "float64" else np.float32
    with _open_for_write(path) as f:
        f.attrs["format"] = "s2s-conformance"
        f.attrs["version"] = np.int32(1)
        f.attrs["function"] = c.function
        f.attrs["dtype"] = dtype
        f.attrs["kwargs"] = json.dumps(c.kwargs, sort_keys=True)
        f.attrs["description"] = c.description
        for g in ("inputs", "params", "probe", "expected", "expected/grad", "expected/grad/params",
                  "expected/grad/inputs"):
            _group(f, g)
        for k in sorted(data["inputs"]):
            _ds(f, "inputs/" + k, data["inputs"][k], fdt)
        for k in sorted(data["params"]):
            _ds(f, "params/" + k, data["params"][k], fdt)
        for k in sorted(data["probes"]):
            _ds(f, "probe/" + k, data["probes"][k], fdt)
        for k in sorted(data["expected"]):
            _ds(f, "expected/" + k, data["expected"][k], fdt)
        for k in sorted(data["grads"]):
            _ds(f, "expected/grad/" + k, data["grads"][k], fdt)


def select(patterns):
    if not patterns:
        return list(CASES)
    return [c for c in CASES if any(fnmatch.fnmatch(c.name, p) for p in patterns)]


def cmd_generate(out_dir, patterns, quiet=False):
    os.makedirs(out_dir, exist_ok=True)
    results = {}
    for c in select(patterns):
        d = generate(c)
        for dtype, suffix in (("float64", "f64"), ("float32", "f32")):
            write_file(os.path.join(out_dir, "%s.%s.h5" % (c.name, suffix)), c, d[dtype], dtype)
        results[c.name] = d
        if not quiet:
            st = d["float64"]["stats"]
            print("%-75s seed=%s params=%d argmax=%d f32sim=%.1e" % (
                c.name, d["seed"], len(d["float64"]["params"]), st["argmax_calls"], d["f32_sim_error"]))
    return results


# ==========================================================================
# MANIFEST.md
# ==========================================================================
def _cell_str(spec):
    if spec is None:
        return "-"
    t = spec["type"]
    if t == "multi_rnn":
        s = "multi[%s]" % ", ".join(_cell_str(x) for x in spec["cells"])
        if not spec.get("state_is_tuple", True):
            s += "(concat)"
    else:
        s = {"gru": "GRU", "basic_rnn": "BasicRNN", "basic_lstm": "BasicLSTM", "lstm": "LSTM"}[t]
        s += "(%d" % spec["num_units"]
        if t in ("basic_lstm", "lstm"):
            if not spec["state_is_tuple"]:
                s += ",concat"
            if spec["forget_bias"] != 1.0:
                s += ",fb=%g" % spec["forget_bias"]
        if t == "lstm":
            if spec["use_peepholes"]:
                s += ",peep"
            for k in ("cell_clip", "num_proj", "proj_clip"):
                if spec[k] is not None:
                    s += ",%s=%g" % (k, spec[k])
        s += ")"
        if spec.get("layers", 1) > 1:
            s = "%dx%s" % (spec["layers"], s)
    for w in spec.get("wrappers", []):
        wt = w["type"]
        if wt == "output_projection":
            s = "OutProj(%s,%d)" % (s, w["output_size"])
        elif wt == "input_projection":
            s = "InProj(%s,%d)" % (s, w["num_proj"])
        elif wt == "embedding":
            s = "Emb(%s,%d,%d)" % (s, w["embedding_classes"], w["embedding_size"])
        elif wt == "dropout":
            s = "Dropout(%s,keep=1)" % s
    return s


def _opts(function, kw):
    parts = []
    for k in ("cell", "encoder_cell", "enc_cell"):
        if k in kw and kw[k] is not None:
            parts.append("%s=%s" % (k, _cell_str(kw[k])))
    if "dec_cells" in kw:
        parts.append("dec_cells={%s}" % ", ".join("%s: %s" % (n, _cell_str(kw["dec_cells"][n]))
                                                  for n in kw["decoder_names"]))
        parts.append("V=%s" % json.dumps(kw["num_decoder_symbols_dict"], sort_keys=True))
    for k, v in sorted(kw.items()):
        if k in ("cell", "encoder_cell", "enc_cell", "dec_cells", "decoder_names", "num_decoder_symbols_dict",
                 "seq2seq_kwargs"):
            continue
        if k == "softmax_loss_function":
            if v is None:
                parts.append("full softmax")
            else:
                parts.append("sampled softmax(S=%d,V=%d,remove_hits=%s)" % (v["num_sampled"], v["num_classes"],
                                                                             v["remove_accidental_hits"]))
            continue
        if v is None or v is False:
            continue
        parts.append("%s=%s" % (k, json.dumps(v) if not isinstance(v, str) else v))
    if "seq2seq_kwargs" in kw:
        parts.append("seq2seq_kwargs: " + _opts(kw["seq2seq"], kw["seq2seq_kwargs"]))
    return "; ".join(parts)


COVERAGE = [
    ("each cell alone", lambda c: c.function in CELL_FUNCTIONS),
    ("linear", lambda c: c.function == "linear"),
    ("static_rnn (zero / given initial state)", lambda c: c.function == "static_rnn"),
    ("GRU, 1 layer", lambda c: _cells_of(c, lambda s: s["type"] == "gru" and s.get("layers", 1) == 1)),
    ("GRU, 3 layers", lambda c: _cells_of(c, lambda s: s["type"] == "gru" and s.get("layers", 1) == 3)),
    ("BasicLSTM tuple, 1 layer", lambda c: _cells_of(c, lambda s: s["type"] == "basic_lstm" and s["state_is_tuple"]
                                                    and s.get("layers", 1) == 1)),
    ("BasicLSTM tuple, 3 layers", lambda c: _cells_of(c, lambda s: s["type"] == "basic_lstm" and s["state_is_tuple"]
                                                     and s.get("layers", 1) == 3)),
    ("num_heads = 3", lambda c: _kw_any(c, "num_heads", 3)),
    ("initial_state_attention", lambda c: _kw_any(c, "initial_state_attention", True)),
    ("feed_previous bool True", lambda c: _kw_any(c, "feed_previous", True) and not _kw_any(c, "feed_previous_is_tensor", True)),
    ("feed_previous Tensor True", lambda c: _kw_any(c, "feed_previous", True) and _kw_any(c, "feed_previous_is_tensor", True)),
    ("feed_previous Tensor False", lambda c: _kw_any(c, "feed_previous", False) and _kw_any(c, "feed_previous_is_tensor", True)),
    ("output_projection given", lambda c: _kw_any(c, "output_projection", True)),
    ("update_embedding_for_previous=False (explicit; every 'feed_previous Tensor True' case of the "
     "embedding_*_seq2seq functions implies it too)", lambda c: _kw_any(c, "update_embedding_for_previous", False)
     and _kw_any(c, "feed_previous", True)),
    ("loop_function identity", lambda c: _kw_any(c, "loop_function", "identity")),
    ("sampled softmax", lambda c: c.function == "sampled_softmax_loss" or
     (c.kwargs.get("softmax_loss_function") is not None)),
]


def _kw_any(c, key, value):
    kw = c.kwargs.get("seq2seq_kwargs", c.kwargs)
    return key in kw and kw[key] == value


def _cells_of(c, pred):
    kw = c.kwargs.get("seq2seq_kwargs", c.kwargs)
    specs = [kw[k] for k in ("cell", "encoder_cell", "enc_cell") if kw.get(k)]
    specs += list(kw.get("dec_cells", {}).values())
    return any(pred(s) for s in specs)


def write_manifest(out_dir, versions):
    lines = ["# Conformance fixtures: manifest", "",
             "Generated by `tests/reference/gen_fixtures.py` (independent float64 reference written from "
             "`shared/spec/legacy_seq2seq.md`; see `tests/reference/README.md`). Do not edit by hand: "
             "regenerate.", "",
             "Each case is two files, `CASE.f64.h5` and `CASE.f32.h5` (float32 file: the float64 file's inputs, "
             "parameters and probes rounded to float32, the expected values and gradients recomputed in "
             "float64 from those rounded values, then stored as float32).", "",
             "Generated with: " + versions, "",
             "## Cases", "",
             "| case | function | options | description |", "|---|---|---|---|"]
    for c in CASES:
        lines.append("| `%s` | `%s` | %s | %s |" % (c.name, c.function, _opts(c.function, c.kwargs).replace("|", "\\|"),
                                                 c.description.replace("|", "\\|")))
    lines += ["", "## Coverage matrix", "", "| function | cases |", "|---|---|"]
    funcs = []
    for c in CASES:
        if c.function not in funcs:
            funcs.append(c.function)
    for fn in funcs:
        lines.append("| `%s` | %s |" % (fn, ", ".join("`%s`" % c.name for c in CASES if c.function == fn)))
    lines += ["", "| option | cases |", "|---|---|"]
    for label, pred in COVERAGE:
        lines.append("| %s | %s |" % (label, ", ".join("`%s`" % c.name for c in CASES if pred(c))))
    lines.append("")
    with open(os.path.join(out_dir, "MANIFEST.md"), "w") as f:
        f.write("\n".join(lines))


def versions_string():
    return "Python %s, torch %s, numpy %s, h5py %s (HDF5 %s)" % (
        sys.version.split()[0], torch.__version__, np.__version__, h5py.__version__, h5py.version.hdf5_version)


# ==========================================================================
# Self-check
# ==========================================================================
def check_spec_loss_values():
    """spec §5: 3 steps, B=2, 5 classes, all logits equal, weights 1."""
    T, B, V = 3, 2, 5
    logits = [torch.zeros(B, V, dtype=R.DT) for _ in range(T)]
    targets = [torch.tensor([0, 3]) for _ in range(T)]
    weights = [torch.ones(B, dtype=R.DT) for _ in range(T)]
    got = {
        "per-example average (sequence_loss default)": float(R.sequence_loss(logits, targets, weights)),
        "sum over time, batch average": float(R.sequence_loss(logits, targets, weights,
                                                              average_across_timesteps=False)),
        "no averaging": float(R.sequence_loss(logits, targets, weights, average_across_timesteps=False,
                                              average_across_batch=False)),
    }
    want = {"per-example average (sequence_loss default)": 1.609438, "sum over time, batch average": 4.828314,
            "no averaging": 9.656628}
    ok = True
    for k in want:
        # the spec quotes TF's float32 results to 6 decimals (TF's test uses assertAllClose, 1e-6)
        good = abs(got[k] - want[k]) <= 1e-6 + 1e-6 * abs(want[k])
        ok &= good
        print("  spec §5 %-45s %.6f (want %.6f) %s" % (k, got[k], want[k], "ok" if good else "FAIL"))
    per_ex = R.sequence_loss_by_example(logits, targets, weights)
    good = bool(torch.allclose(per_ex, torch.full((B,), np.log(5.0), dtype=R.DT), atol=1e-12))
    print("  spec §5 sequence_loss_by_example = [log 5, log 5] %s" % ("ok" if good else "FAIL"))
    return ok and good


def check_sampled_softmax_formula():
    """With all candidates sampled and Q = 1 the sampled loss equals the full softmax loss."""
    rng = np.random.default_rng(7)
    V, d, B = 5, 3, 4
    W = torch.tensor(rng.normal(size=(V, d)))
    b = torch.tensor(rng.normal(size=V))
    x = torch.tensor(rng.normal(size=(B, d)))
    labels = torch.tensor(rng.integers(0, V, size=(B, 1)))
    cand = torch.arange(V)
    loss = R.sampled_softmax_loss(W, b, labels, x, (cand, torch.ones(B, 1, dtype=R.DT), torch.ones(V, dtype=R.DT)),
                                  V, V, remove_accidental_hits=True)
    full = R.sparse_softmax_xent(labels.reshape(-1), x @ W.t() + b)
    good = bool(torch.allclose(loss, full, atol=1e-12))
    print("  sampled softmax (all classes sampled, Q=1, hits removed) == full softmax: %s" % ("ok" if good else "FAIL"))
    # expected-count formulas: num_tries == S gives S*P(k); P sums to 1 over the range
    P = R.log_uniform_prob(np.arange(V), V)
    good2 = abs(P.sum() - 1.0) < 1e-12 and np.allclose(R.expected_count(np.arange(V), V, 2, 2), 2 * P)
    print("  log-uniform P sums to 1, Q = S*P when num_tries == S: %s" % ("ok" if good2 else "FAIL"))
    return good and good2


def fd_check(c, data, coords_per_tensor=3, eps=1e-6, rng=None):
    """Central finite differences of J against the autograd gradients (float64 data)."""
    d = data["float64"]
    inputs, params, probes, grads = d["inputs"], d["params"], d["probes"], d["grads"]
    frozen = {k: torch.tensor(v, dtype=R.DT) for k, v in params.items()}
    worst = 0.0
    n = 0
    for key, arr in sorted(grads.items()):
        kind, name = key.split("/", 1)
        base = params[name] if kind == "params" else inputs[name]
        flat_idx = rng.choice(base.size, size=min(coords_per_tensor, base.size), replace=False)
        for fi in flat_idx:
            idx = np.unravel_index(fi, base.shape)
            vals = []
            for sgn in (1.0, -1.0):
                pert = base.copy()
                pert[idx] += sgn * eps
                p2 = dict(params)
                i2 = dict(inputs)
                if kind == "params":
                    p2[name] = pert
                else:
                    i2[name] = pert
                _, _, J, _ = evaluate(c.function, c.kwargs, i2, p2, probes, frozen=frozen, grads=False)
                vals.append(J)
            fd = (vals[0] - vals[1]) / (2 * eps)
            ad = float(arr[idx])
            err = abs(fd - ad) / max(1.0, abs(ad))
            worst = max(worst, err)
            n += 1
    return worst, n


def read_fixture(path):
    with h5py.File(path, "r") as f:
        attrs = {k: f.attrs[k] for k in f.attrs}
        groups = {}

        def visit(name, obj):
            if isinstance(obj, h5py.Dataset):
                groups[name] = obj[()]
        f.visititems(visit)
    return attrs, groups


def reread_check(c, out_dir):
    """Re-reads both files like a harness and recomputes everything from the file contents."""
    ok = True
    msgs = []
    for suffix, dtype, tol in (("f64", "float64", 1e-12), ("f32", "float32", 2e-6)):
        path = os.path.join(out_dir, "%s.%s.h5" % (c.name, suffix))
        attrs, ds = read_fixture(path)
        fdt = np.float64 if dtype == "float64" else np.float32
        if (attrs["format"] != "s2s-conformance" or int(attrs["version"]) != 1 or attrs["version"].dtype != np.int32
                or attrs["function"] != c.function or attrs["dtype"] != dtype
                or attrs["kwargs"] != json.dumps(json.loads(attrs["kwargs"]), sort_keys=True)):
            ok = False
            msgs.append("%s: bad root attributes" % suffix)
        kw = json.loads(attrs["kwargs"])
        inputs = {k[len("inputs/"):]: v for k, v in ds.items() if k.startswith("inputs/")}
        params = {k[len("params/"):]: v for k, v in ds.items() if k.startswith("params/")}
        probes = {k[len("probe/"):]: v for k, v in ds.items() if k.startswith("probe/")}
        expected = {k[len("expected/"):]: v for k, v in ds.items()
                    if k.startswith("expected/") and not k.startswith("expected/grad/")}
        grads = {k[len("expected/grad/"):]: v for k, v in ds.items() if k.startswith("expected/grad/")}
        for k, v in ds.items():
            v = np.asarray(v)
            if _is_float(v) and v.dtype != fdt:
                ok = False
                msgs.append("%s: %s has dtype %s" % (suffix, k, v.dtype))
            if not _is_float(v) and v.dtype != np.int32:
                ok = False
                msgs.append("%s: %s has dtype %s" % (suffix, k, v.dtype))
        if set(probes) != set(expected):
            ok = False
            msgs.append("%s: probe paths != expected paths" % suffix)
        want_grads = {"params/" + k for k in params} | {"inputs/" + k for k, v in inputs.items() if _grad_input(k, v)}
        if set(grads) != want_grads:
            ok = False
            msgs.append("%s: gradient paths differ: %s" % (suffix, sorted(set(grads) ^ want_grads)))
        for k, v in params.items():
            if grads.get("params/" + k) is not None and grads["params/" + k].shape != v.shape:
                ok = False
        exp, g, _, _ = evaluate(str(attrs["function"]), kw, inputs, params, probes)  # fixed mode: names must match
        for group, ref, got in (("expected", expected, exp), ("grad", grads, g)):
            for k in ref:
                a = np.asarray(got[k], dtype=np.float64)
                b = np.asarray(ref[k], dtype=np.float64)
                scale = max(float(np.max(np.abs(b))) if b.size else 0.0, 1e-30)
                err = float(np.max(np.abs(a - b))) / scale if b.size else 0.0
                if not (err <= tol or float(np.max(np.abs(a - b), initial=0.0)) <= tol):
                    ok = False
                    msgs.append("%s: %s/%s rel err %.3g" % (suffix, group, k, err))
    return ok, msgs


def cmd_check(out_dir, patterns, coords):
    print("[check] spec values")
    ok = check_spec_loss_values()
    ok &= check_sampled_softmax_formula()
    print("[check] finite differences (float64, %d coordinates per tensor) and file re-read" % coords)
    rng = np.random.default_rng(12345)
    worst_all = 0.0
    for c in select(patterns):
        data = generate(c)
        worst, n = fd_check(c, data, coords, rng=rng)
        good = worst < 1e-6
        rok, msgs = (True, [])
        if os.path.exists(os.path.join(out_dir, "%s.f64.h5" % c.name)):
            rok, msgs = reread_check(c, out_dir)
        else:
            msgs = ["files not generated"]
            rok = False
        ok &= good and rok
        worst_all = max(worst_all, worst)
        print("  %-75s fd %3d coords worst %.2e %s | f32 sim %.1e | reread %s %s" % (
            c.name, n, worst, "ok" if good else "FAIL", data["f32_sim_error"], "ok" if rok else "FAIL",
            "; ".join(msgs[:3])))
    print("[check] worst finite-difference error %.2e" % worst_all)
    print("[check] %s" % ("PASS" if ok else "FAIL"))
    return ok


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=DEFAULT_OUT, help="output folder (default: tests/fixtures/conformance)")
    ap.add_argument("--only", nargs="*", default=None, help="fnmatch patterns of case names")
    ap.add_argument("--list", action="store_true", help="list the cases and exit")
    ap.add_argument("--check", action="store_true", help="run the self-check instead of generating")
    ap.add_argument("--coords", type=int, default=5, help="finite-difference coordinates per tensor in --check")
    ap.add_argument("--no-manifest", action="store_true")
    args = ap.parse_args(argv)
    torch.set_num_threads(1)
    if args.list:
        for c in select(args.only):
            print("%-75s %s" % (c.name, c.function))
        return 0
    if args.check:
        return 0 if cmd_check(args.out, args.only, args.coords) else 1
    cmd_generate(args.out, args.only)
    if not args.no_manifest and not args.only:
        write_manifest(args.out, versions_string())
    return 0


if __name__ == "__main__":
    sys.exit(main())
