#!/usr/bin/env python3
"""The scaling model of docs/scaling.md: bytes per step (dense vs row-sparse gradients), ring /
hierarchical all-reduce and all-gather times, and the predicted data-parallel efficiency.

Every figure docs/scaling.md quotes is printed by this script (python3, standard library only):
  python3 tools/scaling/scaling_model.py            # the tables of docs/scaling.md
  python3 tools/scaling/scaling_model.py --bytes translate --vocab 39997 --k 256,640,1140 --u ...
Inputs that are measurements (the FLOP tally, parameter counts) are quoted from bench/RESULTS.md
and the trainer's model line; the hardware figures are assumptions, named as such below.
"""
import argparse
import math

# ---- the models (parameter counts from `s2s train`'s model line; FLOPs from Seq2SeqModel::step_flops,
# bench/RESULTS.md "training (CPU)") -------------------------------------------------------------
# P(V) = P_rest + V * (E_enc + E_dec + n + 1): two embeddings [V, E], proj_w [V, n], proj_b [V].
MODELS = {
    "translate": dict(p_rest=46_159_872, vocab=40_000, width=1024, sparse_tensors=3, batch=64, samples=512,
                      # bucket (I, O): GFLOP per step at batch 64 (forward + backward GEMMs)
                      gflop={(5, 10): 141.0, (10, 15): 230.6, (20, 25): 410.1, (40, 50): 821.0}),
    "small": dict(p_rest=2_035_712, vocab=10_000, width=256, sparse_tensors=3, batch=64, samples=512,
                  gflop={(10, 15): 10.85, (20, 25): 19.23}),
}
AUX_BYTES = 20  # the step's aux row (loss, tokens, 3 signal flags) rides in the float32 buckets: 5 x 4 B


def params(m, vocab=None):
    v = m["vocab"] if vocab is None else vocab
    return m["p_rest"] + v * (3 * m["width"] + 1)


def sampled_distinct(vocab, samples, calls):
    """Distinct candidates over `calls` draws of `samples` unique log-uniform candidates (the
    sampled softmax runs once per decoder step, each with its own draw): P(k) = log((k+2)/(k+1)) /
    log(V+1); one call keeps drawing until `samples` distinct ids, so id k is in it with
    probability 1 - (1 - P(k))^T, T chosen so these sum to `samples`."""
    logv = math.log(vocab + 1)
    p = [math.log((k + 2) / (k + 1)) / logv for k in range(vocab)]
    lo, hi = float(samples), float(samples) * 200
    for _ in range(60):
        t = (lo + hi) / 2
        if sum(1 - (1 - pk) ** t for pk in p) < samples:
            lo = t
        else:
            hi = t
    return sum(1 - ((1 - pk) ** t) ** calls for pk in p)


_DISTINCT = {}


def touched_rows(m, bucket):
    """Per rank and step, an upper bound for the ids of the batch (every id distinct): encoder ids
    B*I, decoder inputs B*O, proj_w rows = labels B*O + the distinct sampled candidates of the O
    decoder steps' draws (which every rank shares: the sampler is in step on all ranks)."""
    i, o = bucket
    b = m["batch"]
    key = (m["vocab"], m["samples"], o)
    if key not in _DISTINCT:
        _DISTINCT[key] = sampled_distinct(m["vocab"], m["samples"], o)
    return [b * i, b * o, min(round(b * o + _DISTINCT[key]), m["vocab"])]


def shared_samples(m, bucket):
    return round(_DISTINCT[(m["vocab"], m["samples"], bucket[1])])


def union_rows(k, vocab, n, shared=0):
    """Expected union of n ranks' k distinct ids, `shared` of them common to every rank (proj_w's
    sampled candidates: the sampler draws the same candidates on every rank) and the rest drawn
    uniformly from the other vocab - shared ids (a pessimistic bound: real token frequencies are
    Zipfian and ranks share their frequent ids)."""
    rest, pool = k - shared, vocab - shared
    return shared + pool * (1.0 - (1.0 - rest / pool) ** n)


def unions(m, bucket, n):
    ks = touched_rows(m, bucket)
    return [union_rows(ks[0], m["vocab"], n), union_rows(ks[1], m["vocab"], n),
            union_rows(ks[2], m["vocab"], n, shared=shared_samples(m, bucket))]


def payload_bytes(m, ks, us, total_ks=None, vocab=None, mode="auto"):
    """Bytes one rank passes to collectives per step (exactly what the trainer's exchanged_bytes
    counts): dense buckets (+ aux) + per sparse tensor 8 (count) + 4 K (this rank's ids) + the rows:
    U D 4, or V D 4 when mode is dense or auto finds 4 ΣK + U D 4 >= V D 4 (ΣK: all ranks' ids)."""
    v = m["vocab"] if vocab is None else vocab
    d = m["width"]
    if mode == "off":
        return 4 * params(m, v) + AUX_BYTES
    total_ks = ks if total_ks is None else total_ks
    total = 4 * (params(m, v) - 3 * v * d) + AUX_BYTES
    for k, u, kk in zip(ks, us, total_ks):
        rows = u * d * 4
        if mode == "dense" or (mode == "auto" and 4 * kk + rows >= v * d * 4):
            rows = v * d * 4
        total += 8 + 4 * k + rows
    return total


# ---- time model -------------------------------------------------------------------------------
def ring_allreduce_s(nbytes, n, alpha, beta):
    """Ring all-reduce: 2(n-1) steps, each rank sends 2(n-1)/n of the message."""
    return 0.0 if n == 1 else 2 * (n - 1) * alpha + 2 * (n - 1) / n * nbytes / beta


def ring_allgather_s(total_bytes, n, alpha, beta):
    """Ring all-gather of `total_bytes` (all ranks' pieces together): n-1 steps, (n-1)/n of it."""
    return 0.0 if n == 1 else (n - 1) * alpha + (n - 1) / n * total_bytes / beta


def tree_allreduce_s(nbytes, n, alpha, beta):
    """Pipelined (double binary) tree: 2 log2(n) latency terms, ~2 M / beta bandwidth term."""
    return 0.0 if n == 1 else 2 * math.ceil(math.log2(n)) * alpha + 2 * nbytes / beta


# Hardware assumptions (docs/scaling.md "Assumptions"): 8 GPUs per node on NVLink, one 400 Gb/s
# NIC per GPU (rail-optimised), NCCL-like efficiencies.
NVLINK = dict(alpha=3e-6, beta=360e9)   # intra-node bus bandwidth per GPU, B/s
NIC = dict(alpha=10e-6, beta=45e9)      # 400 Gb/s = 50 GB/s raw, ~90 % achieved
GPU_FLOPS = 50e12                       # effective FLOP/s of this model's GEMMs on one H100 (bench/RESULTS.md napkin)
GPUS_PER_NODE = 8


def hier_allreduce_s(nbytes, n):
    """Reduce-scatter in the node, all-reduce of each 1/8 shard across nodes (one ring per rail),
    all-gather in the node."""
    g = min(n, GPUS_PER_NODE)
    nodes = max(1, n // GPUS_PER_NODE)
    intra = 2 * ((g - 1) * NVLINK["alpha"] + (g - 1) / g * nbytes / NVLINK["beta"]) if g > 1 else 0.0
    inter = ring_allreduce_s(nbytes / g, nodes, NIC["alpha"], NIC["beta"])
    return intra + inter


def hier_allgather_s(total_bytes, n):
    g = min(n, GPUS_PER_NODE)
    nodes = max(1, n // GPUS_PER_NODE)
    intra = ((g - 1) * NVLINK["alpha"] + (g - 1) / g * total_bytes / NVLINK["beta"]) if g > 1 else 0.0
    inter = ring_allgather_s(total_bytes / g, nodes, NIC["alpha"], NIC["beta"]) if nodes > 1 else 0.0
    return intra + inter


def step_prediction(name, bucket, n, hidden=0.9):
    """Efficiency = compute / step. Compute from the FLOP tally at GPU_FLOPS; backward = 2/3 of it.
    Dense: the bucketed all-reduce overlaps backward (fraction `hidden` of backward available, as
    measured on the CPU: 97 % hidden at 2 ranks) -> exposed = max(0, T_comm - hidden * T_bwd).
    Sparse: the dense remainder overlaps the same way; the sparse tensors' exchange (counts + ids
    all-gather, then the union rows all-reduce or the dense fallback) runs after backward, exposed."""
    m = MODELS[name]
    v, d = m["vocab"], m["width"]
    compute = m["gflop"][bucket] * 1e9 / GPU_FLOPS
    bwd = compute * 2 / 3
    dense_bytes = 4 * params(m)
    t_dense = hier_allreduce_s(dense_bytes, n)
    exposed_dense = max(0.0, t_dense - hidden * bwd)
    rest_bytes = 4 * (params(m) - 3 * v * d)
    t_rest = hier_allreduce_s(rest_bytes, n)
    t_sparse = 0.0
    sparse_bytes = rest_bytes
    for k, u in zip(touched_rows(m, bucket), unions(m, bucket, n)):
        ids = hier_allgather_s(8 * n, n) + hier_allgather_s(4 * k * n, n)
        rows = min(u, v) * d * 4
        if 4 * k * n + rows >= v * d * 4:
            rows = v * d * 4
        t_sparse += ids + hier_allreduce_s(rows, n)
        sparse_bytes += 8 + 4 * k + rows
    exposed_sparse = max(0.0, t_rest - hidden * bwd) + t_sparse
    return dict(compute=compute, dense_bytes=dense_bytes, sparse_bytes=sparse_bytes, t_dense=t_dense,
                t_sparse=t_rest + t_sparse, eff_dense=compute / (compute + exposed_dense),
                eff_sparse=compute / (compute + exposed_sparse))


def print_tables():
    print("## bytes per rank per step (upper bound: every id in the batch distinct; uniform-id union)")
    print("| model | bucket | N | K enc/dec/proj_w | U enc/dec/proj_w | dense MB | sparse (auto) MB | ratio |")
    print("|---|---|---|---|---|---|---|---|")
    for name, m in MODELS.items():
        for bucket in m["gflop"]:
            ks = touched_rows(m, bucket)
            for n in (2, 8, 64, 512):
                us = [round(u) for u in unions(m, bucket, n)]
                dense = payload_bytes(m, ks, us, mode="off")
                sparse = payload_bytes(m, ks, us, total_ks=[k * n for k in ks], mode="auto")
                print(f"| {name} | {bucket[0]}x{bucket[1]} | {n} | {'/'.join(map(str, ks))} | "
                      f"{'/'.join(map(str, us))} | {dense / 1e6:.1f} | {sparse / 1e6:.1f} | {sparse / dense:.3f} |")
    print()
    print("## predicted efficiency (8-GPU nodes, NVLink in the node, one 400 Gb/s NIC per GPU)")
    print("| model | bucket | GPUs | compute ms | dense comm ms | sparse comm ms | efficiency dense | efficiency sparse |")
    print("|---|---|---|---|---|---|---|---|")
    for name, m in MODELS.items():
        for bucket in m["gflop"]:
            for n in (8, 64, 512):
                p = step_prediction(name, bucket, n)
                print(f"| {name} | {bucket[0]}x{bucket[1]} | {n} | {p['compute'] * 1e3:.2f} | {p['t_dense'] * 1e3:.2f} | "
                      f"{p['t_sparse'] * 1e3:.2f} | {p['eff_dense']:.0%} | {p['eff_sparse']:.0%} |")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bytes", metavar="MODEL", help="print one step's payload bytes for measured K and U")
    ap.add_argument("--vocab", type=int, help="vocabulary size (default: the model's)")
    ap.add_argument("--k", help="this rank's touched rows per sparse tensor, comma-separated")
    ap.add_argument("--u", help="union rows per sparse tensor, comma-separated")
    ap.add_argument("--mode", default="auto", choices=["off", "auto", "sparse", "dense"])
    ap.add_argument("--fit", nargs="+", metavar="N:BYTES:SECONDS",
                    help="fit alpha, beta of the ring all-reduce to measured times and print the residuals")
    a = ap.parse_args()
    if a.bytes:
        m = MODELS[a.bytes]
        ks = [int(x) for x in a.k.split(",")] if a.k else []
        us = [int(x) for x in a.u.split(",")] if a.u else []
        print(payload_bytes(m, ks, us, vocab=a.vocab, mode=a.mode))
    elif a.fit:
        pts = [tuple(float(x) for x in p.split(":")) for p in a.fit]
        # least squares of t = alpha * 2(n-1) + (1/beta) * 2(n-1)/n * M
        rows = [(2 * (n - 1), 2 * (n - 1) / n * m, t) for n, m, t in pts]
        a11 = sum(r[0] * r[0] for r in rows); a12 = sum(r[0] * r[1] for r in rows); a22 = sum(r[1] * r[1] for r in rows)
        b1 = sum(r[0] * r[2] for r in rows); b2 = sum(r[1] * r[2] for r in rows)
        det = a11 * a22 - a12 * a12
        alpha = (b1 * a22 - b2 * a12) / det
        inv_beta = (a11 * b2 - a12 * b1) / det
        print(f"alpha = {alpha * 1e6:.1f} us, beta = {1 / inv_beta / 1e9:.2f} GB/s")
        for (n, m, t), r in zip(pts, rows):
            pred = alpha * r[0] + inv_beta * r[1]
            print(f"N={int(n)} M={m / 1e6:.1f} MB: measured {t * 1e3:.2f} ms, model {pred * 1e3:.2f} ms, "
                  f"error {100 * (pred - t) / t:+.0f} %")
    else:
        print_tables()


if __name__ == "__main__":
    main()
