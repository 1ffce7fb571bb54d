#!/usr/bin/env python3
"""Joins the RESULT lines of s2s_bench_train and torch_seq2seq.py (any number of log files) on
(device, preset, bucket, batch) and prints one Markdown table: both ms/step and target tokens/s,
the ratio s2s/PyTorch in tokens/s (> 1: s2s is faster), s2s's napkin floor and measured/floor,
and both peak memories.

  python3 bench/peers/compare.py s2s.log torch.log
"""
import sys


def read(paths):
    rows = {}
    for path in paths:
        with open(path) as f:
            for line in f:
                if not line.startswith("RESULT "):
                    continue
                kv = dict(item.split("=", 1) for item in line.split()[1:])
                key = (kv["device"], kv["preset"], kv["bucket"], int(kv["batch"]))
                rows.setdefault(key, {})[kv["impl"]] = kv
    return rows


def main(paths):
    rows = read(paths)
    if not rows:
        print("compare.py: no RESULT lines in %s" % ", ".join(paths), file=sys.stderr)
        return 1
    print("| device | preset | bucket | batch | s2s ms/step | torch ms/step | s2s tgt tok/s | torch tgt tok/s | "
          "s2s/torch | s2s floor ms | s2s measured/floor | s2s peak MiB | torch peak MiB |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    def order(key):  # buckets by size, not as strings ("5x10" before "10x15")
        return (key[0], key[1], key[3], tuple(int(x) for x in key[2].split("x")))

    for key in sorted(rows, key=order):
        s, t = rows[key].get("s2s"), rows[key].get("torch")
        cell = lambda r, k, fmt="%.2f": (fmt % float(r[k])) if r and k in r else "-"
        ratio = "%.2f" % (float(s["tgt_tok_s"]) / float(t["tgt_tok_s"])) if s and t else "-"
        print("| %s | %s | %s | %d | %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
            key[0], key[1], key[2], key[3], cell(s, "ms_step"), cell(t, "ms_step"), cell(s, "tgt_tok_s", "%.0f"),
            cell(t, "tgt_tok_s", "%.0f"), ratio, cell(s, "floor_ms"), cell(s, "ratio"), cell(s, "peak_mib", "%.0f"),
            cell(t, "peak_mib", "%.0f")))
    return 0


if __name__ == "__main__":
    if len(sys.argv) < 2:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    sys.exit(main(sys.argv[1:]))
