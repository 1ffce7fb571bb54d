#!/usr/bin/env python3
"""Optional cross-check of the fixtures against TensorFlow's own legacy_seq2seq code.

The fixtures are generated from the spec by gen_fixtures.py.  This script rebuilds every
fixture's call with TF 1.15's `contrib/legacy_seq2seq/python/ops/seq2seq.py` and
`contrib/rnn/python/ops/core_rnn_cell.py` (taken from the tensorflow-cpu 1.15.0 wheel: they are
not part of this repository), running on TF 2.x's compat.v1 graph mode with the legacy Keras
cells, loads the fixture's parameters by name, and compares outputs, states, losses and every
gradient of J.  See README.md ("Cross-check against TensorFlow") for the setup.

Deliberate differences from the literal TF 1.15 code, all decided by the spec:
  * the attention softmax runs in the working dtype (spec §11.11; TF casts it to float32,
    which moves float64 results by ~1e-5) -- use --attention-f32 to see TF's literal behaviour;
  * embedding_attention_seq2seq gets the late `encoder_cell` argument (spec §4.9);
  * model_with_buckets builds one graph per bucket (TF >= 1.2 cannot build bucket 2 in one graph,
    spec §6) and adds the per-bucket gradients: all buckets share one parameter set (§11.2).

  python tf_crosscheck.py --tf-src DIR [--fixtures DIR] [PATTERN ...]
"""
import argparse
import glob
import json
import os
import sys
import types

os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402
import h5py  # noqa: E402
import tensorflow as tf  # noqa: E402

v1 = tf.compat.v1
v1.disable_v2_behavior()
F64 = tf.float64
HERE = os.path.dirname(os.path.abspath(__file__))


def load_tf_sources(src_dir, attention_f32):
    """Loads core_rnn_cell.py and seq2seq.py from src_dir, patched in memory for TF 2.x."""
    from tensorflow.python.ops import array_ops, control_flow_ops
    from tensorflow.python.util import nest
    array_ops.stack = getattr(array_ops, "stack", tf.stack)
    control_flow_ops.cond = getattr(control_flow_ops, "cond", v1.cond)
    nest.is_sequence = getattr(nest, "is_sequence", nest.is_nested)

    def load(name, text):
        mod = types.ModuleType(name)
        mod.__file__ = os.path.join(src_dir, name + ".py")
        sys.modules[name] = mod
        exec(compile(text, mod.__file__, "exec"), mod.__dict__)
        return mod

    crc = load("core_rnn_cell", open(os.path.join(src_dir, "core_rnn_cell.py")).read())
    s = open(os.path.join(src_dir, "seq2seq.py")).read()
    patches = [
        ("from tensorflow.contrib.rnn.python.ops import core_rnn_cell", "import core_rnn_cell", 1),
        ("a = nn_ops.softmax(math_ops.cast(s, dtype=dtypes.float32))",
         "a = nn_ops.softmax(math_ops.cast(s, dtype=%s))" % ("dtypes.float32" if attention_f32 else "dtype"), 1),
        ("                                initial_state_attention=False):\n"
         "  \"\"\"Embedding sequence-to-sequence model with attention.",
         "                                initial_state_attention=False,\n"
         "                                encoder_cell=None):\n"
         "  \"\"\"Embedding sequence-to-sequence model with attention.", 1),
    ]
    for old, new, count in patches:
        if s.count(old) != count:
            raise SystemExit("unexpected seq2seq.py (is it TF 1.15's?): %r found %d times" % (old[:60], s.count(old)))
        s = s.replace(old, new)
    i = s.index("def embedding_attention_seq2seq(")
    old = "    encoder_cell = copy.deepcopy(cell)\n"
    s = s[:i] + s[i:].replace(old, "    encoder_cell = encoder_cell if encoder_cell is not None else copy.deepcopy(cell)\n", 1)
    s2s = load("seq2seq", s)
    s2s.rnn_cell_impl = types.SimpleNamespace(RNNCell=(v1.nn.rnn_cell.RNNCell, crc.RNNCell))
    return s2s, crc


class Builder:
    def __init__(self, s2s, crc):
        self.S2S, self.CRC = s2s, crc

    # cells --------------------------------------------------------------
    def cell(self, spec):
        rc = v1.nn.rnn_cell
        t = spec["type"]
        if t == "multi_rnn":
            cell = rc.MultiRNNCell([self.cell(c) for c in spec["cells"]], state_is_tuple=spec["state_is_tuple"])
        else:
            def one():
                n = spec["num_units"]
                if t == "gru":
                    return rc.GRUCell(n)
                if t == "basic_rnn":
                    return rc.BasicRNNCell(n)
                if t == "basic_lstm":
                    return rc.BasicLSTMCell(n, forget_bias=spec["forget_bias"], state_is_tuple=spec["state_is_tuple"])
                if t == "lstm":
                    return rc.LSTMCell(n, use_peepholes=spec["use_peepholes"], cell_clip=spec["cell_clip"],
                                       num_proj=spec["num_proj"], proj_clip=spec["proj_clip"],
                                       forget_bias=spec["forget_bias"], state_is_tuple=spec["state_is_tuple"])
                raise ValueError(t)
            layers = spec.get("layers", 1)
            cell = one() if layers == 1 else rc.MultiRNNCell([one() for _ in range(layers)])
        for w in spec["wrappers"]:
            if w["type"] == "dropout":
                cell = rc.DropoutWrapper(cell, w["input_keep_prob"], w["output_keep_prob"], w["state_keep_prob"])
            elif w["type"] == "output_projection":
                cell = self.CRC.OutputProjectionWrapper(cell, w["output_size"])
            elif w["type"] == "input_projection":
                cell = self.CRC.InputProjectionWrapper(cell, w["num_proj"])
            elif w["type"] == "embedding":
                cell = self.CRC.EmbeddingWrapper(cell, w["embedding_classes"], w["embedding_size"])
            else:
                raise ValueError(w["type"])
        return cell

    # helpers ---------------------------------------------------------------
    @staticmethod
    def pack(tmpl, flat):
        flat = list(flat)

        def rec(t):
            if isinstance(t, tuple):
                r = [rec(e) for e in t]
                return type(t)(*r) if hasattr(t, "_fields") else tuple(r)
            return flat.pop(0)
        return rec(tmpl)

    def state_in(self, I, prefix, cell):
        n = len([k for k in I if k.startswith(prefix + "/")])
        return self.pack(cell.state_size, [I["%s/%d" % (prefix, i)] for i in range(n)])

    @staticmethod
    def seq(I, k):
        return tf.unstack(I[k], axis=0)

    @staticmethod
    def out(outs, st, prefix=""):
        r = {prefix + "outputs": tf.stack(outs, 0)}
        for i, s in enumerate(tf.nest.flatten(st)):
            r["%sstate/%d" % (prefix, i)] = s
        return r

    @staticmethod
    def projection(kw, out_size, num_symbols):
        if not kw.get("output_projection"):
            return None
        with v1.variable_scope(v1.get_variable_scope(), reuse=v1.AUTO_REUSE):
            return (v1.get_variable("output_projection/w", [out_size, num_symbols], dtype=F64),
                    v1.get_variable("output_projection/b", [num_symbols], dtype=F64))

    @staticmethod
    def loop(kw):
        return (lambda prev, i: prev) if kw.get("loop_function") == "identity" else None

    @staticmethod
    def feed_previous(kw):
        return tf.constant(kw["feed_previous"]) if kw.get("feed_previous_is_tensor") else kw["feed_previous"]

    @staticmethod
    def sampled_loss(spec, I, prefix):
        if spec is None:
            return None
        calls = [0]

        def f(labels, logits):  # called once per time step, in order
            p = "sampled/" + (prefix + "/" if prefix else "") + "%d/" % calls[0]
            calls[0] += 1
            with v1.variable_scope(v1.get_variable_scope(), reuse=v1.AUTO_REUSE):
                w = v1.get_variable("output_projection/w", [logits.shape[1], spec["num_classes"]], dtype=F64)
                b = v1.get_variable("output_projection/b", [spec["num_classes"]], dtype=F64)
            return tf.nn.sampled_softmax_loss(
                weights=tf.transpose(w), biases=b, labels=tf.reshape(tf.cast(labels, tf.int64), [-1, 1]),
                inputs=logits, num_sampled=spec["num_sampled"], num_classes=spec["num_classes"],
                sampled_values=(tf.cast(I[p + "sampled_candidates"], tf.int64), I[p + "true_expected_count"],
                                I[p + "sampled_expected_count"]),
                remove_accidental_hits=spec["remove_accidental_hits"])
        return f

    def seq2seq(self, fn, kw, enc, dec):
        S = self.S2S
        if fn == "basic_rnn_seq2seq":
            return S.basic_rnn_seq2seq(enc, dec, self.cell(kw["cell"]), dtype=F64)
        if fn == "tied_rnn_seq2seq":
            return S.tied_rnn_seq2seq(enc, dec, self.cell(kw["cell"]), loop_function=self.loop(kw), dtype=F64)
        cell = self.cell(kw["cell"])
        if fn == "embedding_rnn_seq2seq":
            return S.embedding_rnn_seq2seq(
                enc, dec, cell, kw["num_encoder_symbols"], kw["num_decoder_symbols"], kw["embedding_size"],
                output_projection=self.projection(kw, cell.output_size, kw["num_decoder_symbols"]),
                feed_previous=self.feed_previous(kw), dtype=F64)
        if fn == "embedding_tied_rnn_seq2seq":
            return S.embedding_tied_rnn_seq2seq(
                enc, dec, cell, kw["num_symbols"], kw["embedding_size"], num_decoder_symbols=kw["num_decoder_symbols"],
                output_projection=self.projection(kw, cell.output_size, kw["num_symbols"]),
                feed_previous=self.feed_previous(kw), dtype=F64)
        if fn == "embedding_attention_seq2seq":
            return S.embedding_attention_seq2seq(
                enc, dec, cell, kw["num_encoder_symbols"], kw["num_decoder_symbols"], kw["embedding_size"],
                num_heads=kw["num_heads"], output_projection=self.projection(kw, cell.output_size, kw["num_decoder_symbols"]),
                feed_previous=self.feed_previous(kw), dtype=F64, initial_state_attention=kw["initial_state_attention"],
                encoder_cell=self.cell(kw["encoder_cell"]) if kw["encoder_cell"] else None)
        raise ValueError(fn)

    def call(self, fn, kw, I, bucket):
        S, seq = self.S2S, self.seq
        if fn.endswith("_cell") or fn.endswith("_wrapper"):
            cell = self.cell(kw["cell"])
            o, s = cell(I["inputs"], self.state_in(I, "state", cell))
            r = {"outputs": o}
            r.update({"state/%d" % i: x for i, x in enumerate(tf.nest.flatten(s))})
            return r
        if fn == "linear":
            n = len([k for k in I if k.startswith("args/")])
            return {"outputs": self.CRC._linear([I["args/%d" % i] for i in range(n)], kw["output_size"], kw["bias"])}
        if fn == "static_rnn":
            cell = self.cell(kw["cell"])
            init = self.state_in(I, "initial_state", cell) if "initial_state/0" in I else None
            return self.out(*v1.nn.static_rnn(cell, seq(I, "inputs"), initial_state=init, dtype=F64))
        if fn == "rnn_decoder":
            cell = self.cell(kw["cell"])
            return self.out(*S.rnn_decoder(seq(I, "decoder_inputs"), self.state_in(I, "initial_state", cell), cell,
                                           loop_function=self.loop(kw)))
        if fn == "attention_decoder":
            cell = self.cell(kw["cell"])
            return self.out(*S.attention_decoder(
                seq(I, "decoder_inputs"), self.state_in(I, "initial_state", cell), I["attention_states"], cell,
                output_size=kw["output_size"], num_heads=kw["num_heads"], loop_function=self.loop(kw), dtype=F64,
                initial_state_attention=kw["initial_state_attention"]))
        if fn == "embedding_rnn_decoder":
            cell = self.cell(kw["cell"])
            return self.out(*S.embedding_rnn_decoder(
                seq(I, "decoder_inputs"), self.state_in(I, "initial_state", cell), cell, kw["num_symbols"],
                kw["embedding_size"], output_projection=self.projection(kw, cell.output_size, kw["num_symbols"]),
                feed_previous=kw["feed_previous"], update_embedding_for_previous=kw["update_embedding_for_previous"]))
        if fn == "embedding_attention_decoder":
            cell = self.cell(kw["cell"])
            out_size = kw["output_size"] or cell.output_size
            return self.out(*S.embedding_attention_decoder(
                seq(I, "decoder_inputs"), self.state_in(I, "initial_state", cell), I["attention_states"], cell,
                kw["num_symbols"], kw["embedding_size"], num_heads=kw["num_heads"], output_size=kw["output_size"],
                output_projection=self.projection(kw, out_size, kw["num_symbols"]), feed_previous=kw["feed_previous"],
                update_embedding_for_previous=kw["update_embedding_for_previous"], dtype=F64,
                initial_state_attention=kw["initial_state_attention"]))
        if fn in ("basic_rnn_seq2seq", "tied_rnn_seq2seq", "embedding_rnn_seq2seq", "embedding_tied_rnn_seq2seq",
                  "embedding_attention_seq2seq"):
            return self.out(*self.seq2seq(fn, kw, seq(I, "encoder_inputs"), seq(I, "decoder_inputs")))
        if fn == "one2many_rnn_seq2seq":
            names = kw["decoder_names"]
            o, s = S.one2many_rnn_seq2seq(
                seq(I, "encoder_inputs"), {n: seq(I, "decoder_inputs/" + n) for n in names}, self.cell(kw["enc_cell"]),
                {n: self.cell(kw["dec_cells"][n]) for n in names}, kw["num_encoder_symbols"],
                kw["num_decoder_symbols_dict"], kw["embedding_size"], feed_previous=self.feed_previous(kw), dtype=F64)
            r = {}
            for n in names:
                r["outputs/" + n] = tf.stack(o[n], 0)
                r.update({"state/%s/%d" % (n, i): x for i, x in enumerate(tf.nest.flatten(s[n]))})
            return r
        if fn in ("sequence_loss", "sequence_loss_by_example"):
            args = (seq(I, "logits"), seq(I, "targets"), seq(I, "weights"))
            slf = self.sampled_loss(kw["softmax_loss_function"], I, "")
            if fn == "sequence_loss":
                return {"loss": S.sequence_loss(*args, average_across_timesteps=kw["average_across_timesteps"],
                                                average_across_batch=kw["average_across_batch"],
                                                softmax_loss_function=slf)}
            return {"loss": S.sequence_loss_by_example(*args, average_across_timesteps=kw["average_across_timesteps"],
                                                       softmax_loss_function=slf)}
        if fn == "sampled_softmax_loss":
            return {"loss": tf.nn.sampled_softmax_loss(
                I["weights"], I["biases"], tf.cast(I["labels"], tf.int64), I["inputs"], kw["num_sampled"],
                kw["num_classes"], num_true=kw["num_true"],
                sampled_values=(tf.cast(I["sampled/sampled_candidates"], tf.int64), I["sampled/true_expected_count"],
                                I["sampled/sampled_expected_count"]),
                remove_accidental_hits=kw["remove_accidental_hits"])}
        if fn == "model_with_buckets":
            ni, no = kw["buckets"][bucket]
            enc, dec = seq(I, "encoder_inputs"), seq(I, "decoder_inputs")
            outs, losses = S.model_with_buckets(
                enc[:ni], dec[:no], seq(I, "targets")[:no], seq(I, "weights")[:no], [(ni, no)],
                lambda x, y: self.seq2seq(kw["seq2seq"], kw["seq2seq_kwargs"], x, y),
                softmax_loss_function=self.sampled_loss(kw["softmax_loss_function"], I, "bucket_%d" % bucket),
                per_example_loss=kw["per_example_loss"])
            return {"bucket_%d/outputs" % bucket: tf.stack(outs[0], 0), "bucket_%d/loss" % bucket: losses[0]}
        raise ValueError(fn)


def rel_error(got, ref):
    ref = np.asarray(ref, dtype=np.float64)
    scale = float(np.max(np.abs(ref))) if ref.size else 0.0
    err = float(np.max(np.abs(np.asarray(got, dtype=np.float64) - ref))) if ref.size else 0.0
    return err / scale if scale > 0 else err


def check(builder, path):
    with h5py.File(path, "r") as f:
        fn = str(f.attrs["function"])
        kw = json.loads(f.attrs["kwargs"])
        d = {}
        f.visititems(lambda k, o: d.__setitem__(k, np.asarray(o[()])) if isinstance(o, h5py.Dataset) else None)
    file_params = sorted(k[len("params/"):] for k in d if k.startswith("params/"))
    n_graphs = len(kw["buckets"]) if fn == "model_with_buckets" else 1
    got, grads = {}, {}
    for j in range(n_graphs):
        with tf.Graph().as_default(), v1.variable_scope(v1.get_variable_scope(), dtype=F64):
            I = {k[len("inputs/"):]: tf.constant(v.astype(np.float64) if v.dtype.kind == "f" else v)
                 for k, v in d.items() if k.startswith("inputs/")}
            exp = builder.call(fn, kw, I, j)
            tvars = v1.global_variables()
            names = sorted(v.name[:-2] for v in tvars)
            if names != file_params:
                return "NAMES DIFFER: TF only %s; file only %s" % (sorted(set(names) - set(file_params)),
                                                                   sorted(set(file_params) - set(names)))
            J = tf.add_n([tf.reduce_sum(exp[k] * d["probe/" + k].astype(np.float64)) for k in exp])
            gin = [k for k in sorted(I) if I[k].dtype == F64 and not k.endswith("expected_count")]
            xs = tvars + [I[k] for k in gin]
            gs = [tf.convert_to_tensor(g) if g is not None else tf.zeros_like(x) for g, x in zip(tf.gradients(J, xs), xs)]
            with v1.Session() as sess:
                for v in tvars:
                    v.load(d["params/" + v.name[:-2]].astype(np.float64), sess)
                ev, gv = sess.run([exp, gs])
            got.update(ev)
            for n, g in zip(["params/" + v.name[:-2] for v in tvars] + ["inputs/" + k for k in gin], gv):
                grads[n] = grads.get(n, 0) + g
    want = {k[len("expected/grad/"):] for k in d if k.startswith("expected/grad/")}
    if set(grads) != want:
        return "GRADIENT PATHS DIFFER: %s" % sorted(set(grads) ^ want)
    worst = max([rel_error(v, d["expected/" + k]) for k, v in got.items()]
                + [rel_error(v, d["expected/grad/" + k]) for k, v in grads.items()])
    return worst


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--tf-src", required=True, help="folder with TF 1.15's seq2seq.py and core_rnn_cell.py")
    ap.add_argument("--fixtures", default=os.path.normpath(os.path.join(HERE, "..", "fixtures", "conformance")))
    ap.add_argument("--attention-f32", action="store_true", help="keep TF's float32 cast of the attention logits")
    ap.add_argument("patterns", nargs="*", default=["*.h5"])
    args = ap.parse_args()
    builder = Builder(*load_tf_sources(args.tf_src, args.attention_f32))
    limits = {"f64": 1e-12, "f32": 2e-7}  # f32 files: TF computes in float64 from the stored values
    ok = True
    for pat in args.patterns:
        for path in sorted(glob.glob(os.path.join(args.fixtures, pat))):
            try:
                r = check(builder, path)
            except Exception as e:  # report and go on
                r = "ERROR %s: %s" % (type(e).__name__, str(e)[:200])
            good = isinstance(r, float) and r <= limits["f32" if path.endswith(".f32.h5") else "f64"]
            ok &= good
            print("%-82s %s %s" % (os.path.basename(path), ("%.2e" % r) if isinstance(r, float) else r,
                                   "ok" if good else "FAIL"), flush=True)
    print("TF cross-check %s" % ("PASS" if ok else "FAIL"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
