#!/usr/bin/env python3
"""Checks that the peers (torch_seq2seq.py, and tf_seq2seq.py when TensorFlow is installed)
compute the spec's model, before their timings are trusted: the loss and every parameter
gradient, in float64 on the CPU, against the independent reference tests/reference/s2sref.py
(written from the spec alone) with the same parameter values (shared by TF name) and the same
sampled values (fed to TF's sampled_softmax_loss as `sampled_values`).

Cases: a 2-layer GRU with sampled softmax (translate's shape, small) and a 1-layer GRU with a full
softmax (OutputProjectionWrapper + AttnOutputProjection, the tiny preset's shape).
Exit status 0 when every case agrees to 1e-9 (relative to each tensor's largest magnitude).

  python3 bench/peers/check_peer.py [--peer torch|tf|all]   (default: all that import)
"""
import argparse
import os
import sys

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "..", "tests", "reference"))

import s2sref  # noqa: E402
import torch_seq2seq as peer  # noqa: E402

TOL = 1e-9


def reference_loss(P, enc, dec, tgt, w, sv):
    fixed = {k: v.detach().numpy() for k, v in P.t.items()}
    S = s2sref.Store(fixed=fixed)
    spec = {"type": "gru", "num_units": P.n, "layers": P.layers}
    projection = None
    if P.sampled:
        projection = (S.get("proj_w", [P.Vt, P.n]).t(), S.get("proj_b", [P.Vt]))
    outputs, _ = s2sref.embedding_attention_seq2seq(
        [torch.from_numpy(e) for e in enc], [torch.from_numpy(d) for d in dec], spec, P.Vs, P.Vt, P.E, S,
        output_projection=projection)
    loss_fn = None
    if P.sampled:
        def loss_fn(t, target, logit):
            cand, tec, sec = sv[t]
            return s2sref.sampled_softmax_loss(S.vars["proj_w"], S.vars["proj_b"], target.reshape(-1, 1), logit,
                                               (cand, tec.reshape(-1, 1), sec), P.S, P.Vt)
    loss = s2sref.sequence_loss(outputs, [torch.from_numpy(t) for t in tgt],
                                [torch.from_numpy(x).double() for x in w], softmax_loss_function=loss_fn)
    loss.backward()
    return loss.item(), {k: v.grad for k, v in S.vars.items()}


def worst_difference(loss, grads, ref_loss, ref_grads):
    worst = abs(loss - ref_loss) / max(abs(ref_loss), 1e-300)
    for k, g in grads.items():
        r = ref_grads.get(k)
        if g is None or r is None:
            continue
        r = np.asarray(r.detach().numpy() if hasattr(r, "detach") else r)
        scale = max(np.abs(r).max(), 1e-300)
        worst = max(worst, float(np.abs(np.asarray(g) - r).max()) / scale)
    return worst


def torch_loss(P, enc, dec, tgt, w, sv):
    P.materialise(torch.device("cpu"), torch.float64)
    loss = peer.forward_loss(P, torch.from_numpy(enc), torch.from_numpy(dec), torch.from_numpy(tgt),
                             torch.from_numpy(w).double(), sv)
    loss.backward()
    return loss.item(), {k: p.grad.numpy() for k, p in P.t.items()}


def tf_loss(P, enc, dec, tgt, w, sv):
    import tensorflow as tf
    import tf_seq2seq
    tf1 = tf.compat.v1
    tf1.disable_eager_execution()
    graph = tf.Graph()
    with graph.as_default():
        values = {k: v.detach().numpy() for k, v in P.values.items()}
        v = tf_seq2seq.make_variables(P, values, tf.float64)
        g = tf_seq2seq.BucketGraph(P, v, enc.shape[0:1] + dec.shape[0:1], enc.shape[1], tf.float64,
                                   feed_sampled=True, train=False)
        dense = {k: tf.convert_to_tensor(x) for k, x in g.grads.items()}
        init = tf1.global_variables_initializer()
    sampled = None
    if sv is not None:
        sampled = (np.stack([c.numpy() for c, _, _ in sv]), np.stack([t.numpy() for _, t, _ in sv]),
                   np.stack([s.numpy() for _, _, s in sv]))
    with tf_seq2seq.session(graph, 1) as sess:
        sess.run(init)
        loss, grads = sess.run([g.loss, dense], g.feed((enc, dec, tgt, w.astype(np.float64)), sampled))
    return float(loss), grads


PEERS = {"torch": torch_loss, "tf": tf_loss}


def check(name, layers, n, V, samples, bucket, B, seed, peers):
    P = peer.Seq2SeqParams(layers, n, n, V, V, samples, seed)
    P.materialise(torch.device("cpu"), torch.float64)
    rng = np.random.default_rng(seed)
    enc, dec, tgt, w = peer.full_bucket_batch(rng, bucket, B, V, V)
    sv = None
    if P.sampled:
        sv = peer.draw_sampled_values(rng, tgt, V, samples, torch.device("cpu"), torch.float64)
        hits = sum(int(np.isin(tgt[i], sv[i][0].numpy()).sum()) for i in range(len(sv)))
        if hits == 0:
            print("FAIL %s: no accidental hit drawn, the case does not exercise their removal" % name)
            return [False]
        name += " (%d accidental hits)" % hits
    ref_loss, ref_grads = reference_loss(P, enc, dec, tgt, w, sv)
    results = []
    for which in peers:
        loss, grads = PEERS[which](P, enc, dec, tgt, w, sv)
        missing = sorted(set(P.spec) ^ set(ref_grads) | set(P.spec) ^ set(grads))
        worst = worst_difference(loss, grads, ref_loss, ref_grads)
        ok = worst <= TOL and not missing
        print("%s %s %s: loss %.12f (reference %.12f), %d parameters, worst relative difference %.2e%s" % (
            "PASS" if ok else "FAIL", which, name, loss, ref_loss, len(grads), worst,
            "; names differ: %s" % missing if missing else ""))
        results.append(ok)
    return results


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--peer", default="all", choices=["torch", "tf", "all"])
    args = ap.parse_args()
    peers = ["torch", "tf"] if args.peer == "all" else [args.peer]
    if args.peer == "all":
        try:
            import tensorflow  # noqa: F401
        except ImportError:
            print("check_peer.py: TensorFlow is not installed here; checking the torch peer only", file=sys.stderr)
            peers = ["torch"]
    torch.manual_seed(0)
    results = []
    results += check("sampled softmax, 2-layer GRU", layers=2, n=8, V=30, samples=6, bucket=(4, 6), B=3, seed=3,
                     peers=peers)
    results += check("full softmax, 1-layer GRU", layers=1, n=6, V=12, samples=0, bucket=(3, 5), B=2, seed=4,
                     peers=peers)
    print("%d passed, %d failed" % (sum(results), len(results) - sum(results)))
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
