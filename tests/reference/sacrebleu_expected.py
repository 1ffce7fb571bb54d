#!/usr/bin/env python3
"""Expected corpus BLEU and chrF from sacrebleu itself, for tests/unit/score/.

Owns: running sacrebleu (PyPI, default settings: BLEU() and CHRF()) on the fixture sets in
tests/fixtures/score/ and writing what it computes, at full precision, to
tests/fixtures/score/expected.json; the C++ test compares against that file without needing
sacrebleu. Files are read exactly as the sacrebleu command line reads them (utils.smart_open:
UTF-8, lines split at '\\n' only, each line rstrip()-ed).

  python sacrebleu_expected.py                         # rewrite tests/fixtures/score/expected.json
  python sacrebleu_expected.py --hyp H --ref R [R2..]  # one set, JSON on stdout (the live test)

Nothing here reads or runs the C++ code.
"""
import argparse
import json
import os
import sys

import sacrebleu
from sacrebleu.metrics import BLEU, CHRF
from sacrebleu.tokenizers.tokenizer_13a import Tokenizer13a
from sacrebleu.utils import smart_open

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.normpath(os.path.join(HERE, "..", "fixtures", "score"))

# (name, hypothesis file, reference files), paths relative to tests/fixtures/score/.
SETS = [
    ("en-fr", "en-fr.hyp.fr", ["en-fr.ref.fr"]),
    ("de-en-2refs", "de-en.hyp.en", ["de-en.ref1.en", "de-en.ref2.en"]),
    ("de-en-ref1", "de-en.hyp.en", ["de-en.ref1.en"]),
    ("de-en-ref2", "de-en.hyp.en", ["de-en.ref2.en"]),
    ("en-zh", "en-zh.hyp", ["en-zh.ref"]),
    ("edge-2refs", "edge.hyp", ["edge.ref1", "edge.ref2"]),
    ("edge-ref2", "edge.hyp", ["edge.ref2"]),
    ("low", "low.hyp", ["low.ref"]),
    ("nomatch", "nomatch.hyp", ["nomatch.ref"]),
    # A reference scored against itself: every precision 100, chrF 100.
    ("en-fr-self", "en-fr.ref.fr", ["en-fr.ref.fr"]),
]


def read_segments(path):
    """As sacrebleu's command line: smart_open (utf-8, newline='\\n') and line.rstrip()."""
    with smart_open(path) as f:
        return [line.rstrip() for line in f]


def score_set(hyp_path, ref_paths, with_tokens):
    hyps = read_segments(hyp_path)
    refs = [read_segments(p) for p in ref_paths]
    for p, r in zip(ref_paths, refs):
        if len(r) != len(hyps):
            sys.exit(f"{p}: {len(r)} lines, but {hyp_path} has {len(hyps)}")
    bleu, chrf = BLEU(), CHRF()
    b = bleu.corpus_score(hyps, refs)
    c = chrf.corpus_score(hyps, refs)
    out = {
        "segments": len(hyps),
        "bleu": {
            "score": b.score, "counts": list(b.counts), "totals": list(b.totals),
            "precisions": list(b.precisions), "bp": b.bp, "ratio": b.ratio,
            "sys_len": b.sys_len, "ref_len": b.ref_len,
            "signature": str(bleu.get_signature()), "formatted": b.format(width=2),
        },
        "chrf": {"score": c.score, "signature": str(chrf.get_signature()), "formatted": c.format(width=2)},
    }
    if with_tokens:
        tok = Tokenizer13a()
        # What BLEU tokenizes: the read segment, rstrip()-ed again by BLEU._preprocess_segment.
        out["tokenized_13a"] = {"hyp": [tok(h.rstrip()) for h in hyps],
                                "refs": [[tok(x.rstrip()) for x in r] for r in refs]}
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--hyp", help="score one hypothesis file (JSON on stdout)")
    ap.add_argument("--ref", nargs="+", help="its reference files")
    ap.add_argument("--out", default=os.path.join(FIXTURES, "expected.json"))
    a = ap.parse_args()
    if a.hyp:
        if not a.ref:
            ap.error("--hyp needs --ref")
        res = score_set(a.hyp, a.ref, with_tokens=True)
        res["sacrebleu_version"] = sacrebleu.__version__
        json.dump(res, sys.stdout, ensure_ascii=False, indent=1)
        sys.stdout.write("\n")
        return
    doc = {
        "generator": "tests/reference/sacrebleu_expected.py",
        "sacrebleu_version": sacrebleu.__version__,
        "python_version": sys.version.split()[0],
        "sets": [],
    }
    for name, hyp, refs in SETS:
        res = score_set(os.path.join(FIXTURES, hyp), [os.path.join(FIXTURES, r) for r in refs], with_tokens=True)
        doc["sets"].append({"name": name, "hyp": hyp, "refs": refs, **res})
        print(f"{name:12s} {res['bleu']['formatted']}  {res['chrf']['formatted']}")
    with open(a.out, "w", encoding="utf-8") as f:
        json.dump(doc, f, ensure_ascii=False, indent=1)
        f.write("\n")
    print(f"wrote {a.out}")


if __name__ == "__main__":
    main()
