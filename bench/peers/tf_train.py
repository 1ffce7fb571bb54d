#!/usr/bin/env python3
"""TensorFlow graph-mode training loop on an s2s dataset: the translate tutorial's loop (random
bucket by size, `get_batch` of random pairs with the source reversed and padded, one session run
per step) around tf_seq2seq.py's model, so `s2s train` can be timed against it on the same data.

Owns: reading an s2s-prepared HDF5 dataset (docs/dataset-format.md) with h5py, translate's batch
layout (spec §8: encoder = reversed(source + PAD…), decoder = GO + target + EOS + PAD…, weights 0
on the last step and where the target is PAD), its bucket choice (the first bucket whose
cumulative share of the training pairs exceeds a uniform draw) and the timed loop. No
checkpoints, no evaluation: the comparison is of training steps.

  python3 bench/peers/tf_train.py --dataset data.h5 --layers 2 --size 256 --samples 512 \
      --batch 64 --steps 200 --warmup 20 --threads 1
Prints `RESULT impl=tf-train ...` with the median and mean ms/step (process CPU time with one
thread, wall otherwise; both given) and the mean ms/step of the whole loop including batching.
"""
import argparse
import os
import resource
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import h5py  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from peer_common import EOS, GO, PAD, ModelShape, StepClock  # noqa: E402
import tf_seq2seq  # noqa: E402

tf1 = tf.compat.v1


def read_split(path, split="train"):
    """Per bucket: (I, O, list of (source ids, target ids))."""
    with h5py.File(path, "r") as f:
        buckets = [tuple(int(x) for x in b) for b in f.attrs["buckets"]]
        vs, vt = len(f["vocab/source"]), len(f["vocab/target"])
        data = []
        for k, (I, O) in enumerate(buckets):
            g = f["%s/bucket_%d" % (split, k)]
            s_ids, s_off = g["source_ids"][()], g["source_offsets"][()]
            t_ids, t_off = g["target_ids"][()], g["target_offsets"][()]
            pairs = [(s_ids[s_off[i]:s_off[i + 1]], t_ids[t_off[i]:t_off[i + 1]]) for i in range(len(s_off) - 1)]
            data.append((I, O, pairs))
    return data, vs, vt


def get_batch(rng, I, O, pairs, B):
    """translate's get_batch, time-major."""
    enc = np.full((I, B), PAD, dtype=np.int64)
    dec = np.full((O, B), PAD, dtype=np.int64)
    for b in range(B):
        src, tgt = pairs[rng.integers(len(pairs))]
        padded = list(src) + [PAD] * (I - len(src))
        enc[:, b] = padded[::-1]
        d = [GO] + list(tgt) + [EOS]
        dec[:len(d), b] = d
    tgt = np.full((O, B), PAD, dtype=np.int64)
    tgt[:O - 1] = dec[1:]
    w = (tgt != PAD).astype(np.float32)
    w[O - 1] = 0.0
    return enc, dec, tgt, w


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--dataset", required=True)
    ap.add_argument("--layers", type=int, default=2)
    ap.add_argument("--size", type=int, default=256)
    ap.add_argument("--samples", type=int, default=512)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--steps", type=int, default=200)
    ap.add_argument("--warmup", type=int, default=20, help="untimed steps first (graph warm-up)")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--clock", default="auto", choices=["auto", "wall", "cpu"])
    args = ap.parse_args()
    tf1.disable_eager_execution()
    data, vs, vt = read_split(args.dataset)
    sizes = np.array([len(p) for _, _, p in data], dtype=np.float64)
    if sizes.sum() == 0:
        print("tf_train.py: %s has no training pairs" % args.dataset, file=sys.stderr)
        return 2
    scale = np.cumsum(sizes) / sizes.sum()
    M = ModelShape(args.layers, args.size, args.size, vs, vt, args.samples)
    graph = tf.Graph()
    t0 = time.perf_counter()
    with graph.as_default():
        tf1.set_random_seed(args.seed)
        v = tf_seq2seq.make_variables(M, M.initial_values(args.seed), tf.float32)
        graphs = [tf_seq2seq.BucketGraph(M, v, (I, O), args.batch, tf.float32, feed_sampled=False)
                  if pairs else None for I, O, pairs in data]
        init = tf1.global_variables_initializer()
    build_s = time.perf_counter() - t0
    sess = tf_seq2seq.session(graph, args.threads)
    sess.run(init)
    rng = np.random.default_rng(args.seed)
    clock = StepClock(args.clock, "cpu", args.threads)
    loop_start = None
    losses = []
    for step in range(args.warmup + args.steps):
        if step == args.warmup:
            loop_start = (time.perf_counter(), time.process_time())
        k = int(np.searchsorted(scale, rng.random(), side="right"))
        k = min(k, len(data) - 1)
        I, O, pairs = data[k]
        g = graphs[k]
        feed = g.feed(get_batch(rng, I, O, pairs, args.batch))
        if step >= args.warmup:
            clock.start()
        _, loss = sess.run([g.update, g.loss], feed)
        if step >= args.warmup:
            clock.stop()
            losses.append(float(loss))
    loop_wall = (time.perf_counter() - loop_start[0]) * 1e3 / args.steps
    loop_cpu = (time.process_time() - loop_start[1]) * 1e3 / args.steps
    ms = sorted(clock.ms)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    print("# tf_train.py %s, tensorflow %s, %s: %d buckets, vocab %d/%d, %d×%d GRU, sampled %d, batch %d; "
          "graphs built in %.1f s" % (time.strftime("%Y-%m-%d %H:%M:%S"), tf.__version__, args.dataset, len(data),
                                       vs, vt, args.layers, args.size, args.samples, args.batch, build_s))
    print("RESULT impl=tf-train steps=%d clock=%s ms_step=%.3f ms_mean=%.3f wall_ms_step=%.3f loop_ms=%.3f "
          "loop_wall_ms=%.3f peak_mib=%.1f loss_last=%.4f threads=%d" % (
              args.steps, clock.name, ms[len(ms) // 2], sum(ms) / len(ms), sorted(clock.wall_ms)[len(ms) // 2],
              loop_cpu if clock.name == "cpu" else loop_wall, loop_wall, peak, np.mean(losses[-10:]), args.threads))
    sess.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
