#!/usr/bin/env python3
"""Rebuilds sample.txt and sample.nfkc.txt (tests/data/multilingual/README.md).

sample.txt: the non-empty lines (stripped; CRLF and BOMs removed) of the text samples shipped
with charset_normalizer 3.4.0 (data/sample-*.txt: Wikipedia, CC BY-SA, or public-domain texts),
decoded from their legacy encodings into UTF-8. sample.nfkc.txt: each line as SentencePiece's
default normaliser (nmt_nfkc) should leave it, computed independently with Python's unicodedata:
NFKC, runs of spaces collapsed to one, spaces at both ends removed.
  python3 make_sample.py /path/to/charset_normalizer/data
"""
import re
import sys
import unicodedata

FILES = [  # (file, encoding): one file per script/language, the UTF-8 copy where there are two
    ("sample-english.bom.txt", "utf-8-sig"), ("sample-french.txt", "utf-8"), ("sample-spanish.txt", "utf-8"),
    ("sample-polish.txt", "utf-8"), ("sample-turkish.txt", "iso-8859-9"), ("sample-russian-2.txt", "utf-8"),
    ("sample-russian-3.txt", "utf-8"), ("sample-bulgarian.txt", "utf-8"), ("sample-greek.txt", "iso-8859-7"),
    ("sample-arabic.txt", "utf-8"), ("sample-hebrew-2.txt", "cp1255"), ("sample-chinese.txt", "big5"),
    ("sample-korean.txt", "cp949"),
]


def main(data_dir):
    lines = []
    for name, encoding in FILES:
        text = open(f"{data_dir}/{name}", "rb").read().decode(encoding)
        text = text.replace("\ufeff", "").replace("\r\n", "\n").replace("\r", "\n")
        lines += [line.strip() for line in text.split("\n") if line.strip()]
    with open("sample.txt", "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
    nfkc = [re.sub(" +", " ", unicodedata.normalize("NFKC", x)).strip(" ") for x in lines]
    with open("sample.nfkc.txt", "w", encoding="utf-8") as f:
        f.write("\n".join(nfkc) + "\n")
    print(f"{len(lines)} lines, {sum(a != b for a, b in zip(lines, nfkc))} changed by NFKC/space collapsing")


if __name__ == "__main__":
    main(sys.argv[1])
