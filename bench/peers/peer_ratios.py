#!/usr/bin/env python3
"""Summarises bench/cpu_vs_peers.sh's log: the RESULT lines of s2s_bench_train, tf_seq2seq.py and
torch_seq2seq.py (each prefixed by the driver with `threads=T rep=R`), grouped by (threads,
preset, bucket). For each row: the median over repetitions of each implementation's median
ms/step, the faster peer, s2s's speed-up over it (peer ms / s2s ms; the target is >= 2), and
s2s's measured/GEMM-floor ratio and floor ms (from s2s_bench_train's in-process GEMM timing).
The clock column says what the rows were timed on: "cpu" (process CPU time, the default with one
thread) or "wall"; a row that mixes them says "cpu/wall" and should not be trusted.

  python3 bench/peers/peer_ratios.py cpu_vs_peers.log [--target 2.0]
Exit status 0 (a summary, not a test); rows missing a peer print "-".
"""
import argparse
import statistics
import sys


def parse(path):
    rows = {}
    with open(path) as f:
        for line in f:
            if not line.startswith("RESULT "):
                continue
            kv = dict(item.split("=", 1) for item in line.split()[1:] if "=" in item)
            key = (int(kv.get("threads", 1)), kv["preset"], kv["bucket"])
            rows.setdefault(key, {}).setdefault(kv["impl"], []).append(kv)
    return rows


def median_of(entries, field):
    vals = [float(e[field]) for e in entries if field in e]
    return statistics.median(vals) if vals else None


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("log")
    ap.add_argument("--target", type=float, default=2.0)
    args = ap.parse_args()
    rows = parse(args.log)
    if not rows:
        print("peer_ratios.py: no RESULT lines in %s" % args.log, file=sys.stderr)
        return 1

    def order(key):
        return (key[0], key[1], tuple(int(x) for x in key[2].split("x")))

    print("| threads | clock | preset | bucket | reps | s2s ms | TF ms | torch ms | faster peer | s2s speed-up | "
          "target %.1f× | s2s/floor | floor ms |" % args.target)
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    met = total = 0
    for key in sorted(rows, key=order):
        impls = rows[key]
        s2s = median_of(impls.get("s2s", []), "ms_step")
        tf = median_of(impls.get("tf", []), "ms_step")
        torch = median_of(impls.get("torch", []), "ms_step")
        peers = [(v, n) for v, n in ((tf, "TF"), (torch, "torch")) if v is not None]
        fast = min(peers) if peers else None
        speedup = fast[0] / s2s if fast and s2s else None
        if speedup is not None:
            total += 1
            met += speedup >= args.target
        fmt = lambda v, f="%.1f": (f % v) if v is not None else "-"
        reps = max(len(v) for v in impls.values())
        clocks = sorted({e.get("clock", "wall") for v in impls.values() for e in v})
        print("| %d | %s | %s | %s | %d | %s | %s | %s | %s | %s | %s | %s | %s |" % (
            key[0], "/".join(clocks), key[1], key[2], reps, fmt(s2s), fmt(tf), fmt(torch), fast[1] if fast else "-",
            fmt(speedup, "%.2f"), ("yes" if speedup >= args.target else "no") if speedup is not None else "-",
            fmt(median_of(impls.get("s2s", []), "ratio"), "%.2f"),
            fmt(median_of(impls.get("s2s", []), "floor_ms"))))
    print("\n%d of %d rows meet the %.1f× target over the faster peer" % (met, total, args.target))
    return 0


if __name__ == "__main__":
    sys.exit(main())
