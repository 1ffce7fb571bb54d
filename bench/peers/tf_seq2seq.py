#!/usr/bin/env python3
"""TensorFlow graph-mode peer of s2s_bench_train: the translate model's training step in
`tf.compat.v1` graph mode, timed the way torch_seq2seq.py and s2s_bench_train time it.

Owns: the model written from the spec (shared/spec/legacy_seq2seq.md) with plain TF ops, not TF's
tutorial or legacy_seq2seq code: the same variables by TF name (peer_common.ModelShape), the
spec's GRU (reset gate applied before the candidate matmul, §1.2), static unrolling over every
time step, §4.7 attention with one head, translate's output projection and sampled softmax
(`tf.nn.sampled_softmax_loss`, whose sampler is TF's own log-uniform unique sampler, one draw per
decoder step shared by the batch, §7), sequence_loss (§5), clip_by_global_norm(5.0) and SGD 0.5.
What TF does as TF does it is kept, since that is what the comparison is about: embedding and
proj_w gradients are IndexedSlices (row-sparse), which GradientDescent applies as a scatter to
the touched rows; the graph is built once per bucket over one shared set of variables (as
model_with_buckets does) and run by a session with oneDNN as the wheel ships it.

--threads T sets intra_op_parallelism_threads = inter_op_parallelism_threads = T. --clock as
s2s_bench_train's: by default the process's CPU time with one thread, the wall clock otherwise.

Checked against the float64 reference tests/reference/s2sref.py by check_peer.py (there the
sampled values are fed instead of drawn, so both sides see the same candidates).

  python3 bench/peers/tf_seq2seq.py --preset gru128,gru256 --steps 20 --threads 1
Prints a Markdown table and one `RESULT impl=tf ...` line per bucket (bench/peers/compare.py).
"""
import argparse
import os
import resource
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from peer_common import (LEARNING_RATE, MAX_GRADIENT_NORM, PAD, PRESETS, ModelShape,  # noqa: E402
                         StepClock, full_bucket_batch, result_line)

tf1 = tf.compat.v1


def gru_cell(v, scope, x, h, n):
    g = tf.sigmoid(tf.matmul(tf.concat([x, h], 1), v[scope + "/gates/kernel"]) + v[scope + "/gates/bias"])
    r, u = g[:, :n], g[:, n:]
    c = tf.tanh(tf.matmul(tf.concat([x, r * h], 1), v[scope + "/candidate/kernel"]) + v[scope + "/candidate/bias"])
    return u * h + (1.0 - u) * c


def multi_cell(v, scopes, x, states, n):
    new = []
    for scope, h in zip(scopes, states):
        x = gru_cell(v, scope, x, h, n)
        new.append(x)
    return x, new


class BucketGraph:
    """One bucket's step: placeholders, loss, and (when `train`) the clipped SGD update."""

    def __init__(self, M, v, bucket, B, dtype, feed_sampled, train=True):
        I, O = bucket
        n, A, ad = M.n, M.n, M.ad
        self.enc = tf1.placeholder(tf.int64, [I, B], "encoder")
        self.dec = tf1.placeholder(tf.int64, [O, B], "decoder")
        self.tgt = tf1.placeholder(tf.int64, [O, B], "targets")
        self.w = tf1.placeholder(dtype, [O, B], "weights")
        if feed_sampled and M.sampled:
            self.cand = tf1.placeholder(tf.int64, [O, M.S], "candidates")
            self.tec = tf1.placeholder(dtype, [O, B], "true_expected")
            self.sec = tf1.placeholder(dtype, [O, M.S], "sampled_expected")
        else:
            self.cand = None

        # Encoder: EmbeddingWrapper + static_rnn over all I steps.
        enc_emb = tf.unstack(tf.nn.embedding_lookup(v["embedding_attention_seq2seq/rnn/embedding_wrapper/embedding"],
                                                    self.enc), axis=0)
        states = [tf.zeros([B, n], dtype) for _ in range(M.layers)]
        outs = []
        for x in enc_emb:
            out, states = multi_cell(v, M.enc_cells, x, states, n)
            outs.append(out)
        H = tf.stack(outs, 1)                                                     # [B, L, A]
        L = I
        feats = tf.reshape(tf.matmul(tf.reshape(H, [B * L, A]), v[ad + "/AttnW_0"][0, 0]), [B, L, A])
        attn_v = v[ad + "/AttnV_0"]

        def attention(st):
            q = st[0] if len(st) == 1 else tf.concat(st, 1)
            y = tf.matmul(q, v[ad + "/Attention_0/kernel"]) + v[ad + "/Attention_0/bias"]
            e = tf.reduce_sum(attn_v * tf.tanh(feats + y[:, None, :]), 2)        # [B, L]
            alpha = tf.nn.softmax(e)
            return tf.reduce_sum(alpha[:, :, None] * H, 1)                        # [B, A]

        dec_emb = tf.unstack(tf.nn.embedding_lookup(
            v["embedding_attention_seq2seq/embedding_attention_decoder/embedding"], self.dec), axis=0)
        targets = tf.unstack(self.tgt, axis=0)
        weights = tf.unstack(self.w, axis=0)
        attn = tf.zeros([B, A], dtype)
        total = None
        for i in range(O):
            x = tf.matmul(tf.concat([dec_emb[i], attn], 1), v[ad + "/kernel"]) + v[ad + "/bias"]
            cell_out, states = multi_cell(v, M.dec_cells, x, states, n)
            if not M.sampled:
                cell_out = (tf.matmul(cell_out, v[ad + "/output_projection_wrapper/kernel"]) +
                            v[ad + "/output_projection_wrapper/bias"])
            attn = attention(states)
            output = (tf.matmul(tf.concat([cell_out, attn], 1), v[ad + "/AttnOutputProjection/kernel"]) +
                      v[ad + "/AttnOutputProjection/bias"])
            if M.sampled:
                sampled_values = None
                if self.cand is not None:
                    sampled_values = (self.cand[i], self.tec[i][:, None], self.sec[i])
                ce = tf.nn.sampled_softmax_loss(
                    weights=v["proj_w"], biases=v["proj_b"], labels=targets[i][:, None], inputs=output,
                    num_sampled=M.S, num_classes=M.Vt, sampled_values=sampled_values,
                    remove_accidental_hits=True)
            else:
                ce = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=targets[i], logits=output)
            term = ce * weights[i]
            total = term if total is None else total + term
        per_seq = total / (tf.add_n(weights) + 1e-12)
        self.loss = tf.reduce_sum(per_seq) / B
        names = list(v)
        self.grads = dict(zip(names, tf.gradients(self.loss, [v[k] for k in names])))
        if train:
            clipped, _ = tf.clip_by_global_norm([self.grads[k] for k in names], MAX_GRADIENT_NORM)
            opt = tf1.train.GradientDescentOptimizer(LEARNING_RATE)
            self.update = opt.apply_gradients(zip(clipped, [v[k] for k in names]))

    def feed(self, batch, sampled=None):
        enc, dec, tgt, w = batch
        d = {self.enc: enc, self.dec: dec, self.tgt: tgt, self.w: w}
        if self.cand is not None:
            cand, tec, sec = sampled
            d.update({self.cand: cand, self.tec: tec, self.sec: sec})
        return d


def make_variables(M, values, dtype):
    """One tf.Variable per TF name, initialised from float64 numpy values."""
    np_dtype = np.float64 if dtype == tf.float64 else np.float32
    return {k: tf1.get_variable(k, initializer=values[k].astype(np_dtype), dtype=dtype) for k in M.spec}


def session(graph, threads):
    config = tf1.ConfigProto(intra_op_parallelism_threads=threads, inter_op_parallelism_threads=threads)
    return tf1.Session(graph=graph, config=config)


def run_preset(name, args):
    cfg = PRESETS[name]
    B = args.batch or cfg["batch"]
    M = ModelShape(cfg["layers"], cfg["size"], cfg["size"], cfg["vocab"], cfg["vocab"], cfg["samples"])
    graph = tf.Graph()
    with graph.as_default():
        tf1.set_random_seed(args.seed)
        v = make_variables(M, M.initial_values(args.seed), tf.float32)
        which = args.bucket if args.bucket else range(len(cfg["buckets"]))
        graphs = {b: BucketGraph(M, v, tuple(cfg["buckets"][b]), B, tf.float32, feed_sampled=False) for b in which}
        init = tf1.global_variables_initializer()
    sess = session(graph, args.threads)
    sess.run(init)
    for b in which:
        bucket = tuple(cfg["buckets"][b])
        g = graphs[b]
        rng = np.random.default_rng(args.seed + 1000 + b)
        batches = [full_bucket_batch(rng, bucket, B, cfg["vocab"], cfg["vocab"]) for _ in range(4)]
        feeds = [g.feed(x) for x in batches]
        tgt_tokens = float(batches[0][3].sum())
        src_tokens = float((batches[0][0] != PAD).sum())
        for i in range(args.warmup):
            sess.run(g.update, feeds[i % 4])
        clock, loss = StepClock(args.clock, "cpu", args.threads), 0.0
        for i in range(args.steps):
            clock.start()
            _, loss = sess.run([g.update, g.loss], feeds[i % 4])
            clock.stop()
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
        srt = sorted(clock.ms)
        med = srt[len(srt) // 2]
        print("| %s | %dx%d | %d | cpu | %.2f (min %.2f) | %.0f | %.0f | %.0f |" % (
            name, bucket[0], bucket[1], B, med, srt[0], tgt_tokens / (med / 1e3),
            (tgt_tokens + src_tokens) / (med / 1e3), peak))
        print(result_line("tf", "cpu", name, bucket, B, args.steps, clock, tgt_tokens, src_tokens, peak, float(loss)))
        sys.stdout.flush()
    n_params = sum(int(np.prod(s)) for s, _ in M.spec.values())
    print("# %s: %d parameters" % (name, n_params))
    sess.close()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--preset", default="gru128", help="comma-separated: " + ", ".join(PRESETS))
    ap.add_argument("--bucket", type=int, action="append", help="bucket index (repeatable; default all)")
    ap.add_argument("--batch", type=int, default=0, help="batch size (default: the preset's)")
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--threads", type=int, default=1, help="intra- and inter-op threads")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--clock", default="auto", choices=["auto", "wall", "cpu"],
                    help="auto: process CPU time with one thread, wall otherwise (as s2s_bench_train)")
    args = ap.parse_args()
    tf1.disable_eager_execution()
    names = [p for p in args.preset.split(",") if p]
    for name in names:
        if name not in PRESETS:
            print("tf_seq2seq.py: unknown preset %r (expected %s)" % (name, ", ".join(PRESETS)), file=sys.stderr)
            return 2
    print("# tf_seq2seq.py %s, tensorflow %s (graph mode, oneDNN %s), %d intra/inter-op threads, "
          "%d warm-up + %d timed steps" % (
              time.strftime("%Y-%m-%d %H:%M:%S"), tf.__version__,
              os.environ.get("TF_ENABLE_ONEDNN_OPTS", "as shipped"), args.threads, args.warmup, args.steps))
    print("| preset | bucket | batch | device | ms/step median | target tok/s | src+tgt tok/s | peak MiB |")
    print("|---|---|---|---|---|---|---|---|")
    for name in names:
        run_preset(name, args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
