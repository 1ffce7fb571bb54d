#!/usr/bin/env bash
# UNK rates of word vocabularies (translate's basic tokenizer, digits normalised) and of
# SentencePiece models on a real multilingual sample (default tests/data/multilingual/sample.txt,
# 359 lines, 12 languages): the training split is 9 of every 10 lines, the dev split every 10th
# line; each side is the same text (a copy task), so prepare's own UNK figures are the measurement.
#   S2S=build/s2s bench/data/unk_rates.sh [SAMPLE]
set -euo pipefail
S2S=${S2S:-build/s2s}
SAMPLE=${1:-tests/data/multilingual/sample.txt}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
awk 'NR % 10 != 0' "$SAMPLE" > "$tmp/train.txt"
awk 'NR % 10 == 0' "$SAMPLE" > "$tmp/dev.txt"
echo "| vocabulary | size | train source UNK | dev source UNK |"
echo "|---|---|---|---|"
run() {
  local name=$1 size=$2
  shift 2
  "$S2S" prepare --source "$tmp/train.txt" --target "$tmp/train.txt" --dev-source "$tmp/dev.txt" \
      --dev-target "$tmp/dev.txt" --buckets 4000,4000 -o "$tmp/out.h5" --force -q "$@" |
    awk -v name="$name" -v size="$size" '
      /^train:/ { split_ = "train" } /^dev:/ { split_ = "dev" }
      /UNK/ { for (i = 1; i <= NF; ++i) if ($i == "UNK") { rate[split_] = $(i + 1); sub(/;$/, "", rate[split_]); break }
              toks[split_] = $2 }
      END { printf "| %s | %s | %s of %s tokens | %s of %s tokens |\n", name, size, rate["train"], toks["train"], rate["dev"], toks["dev"] }'
}
run "words (basic, digits -> 0)" 1000 --from-vocab-size 1000 --to-vocab-size 1000
run "words (basic, digits -> 0), every training word" "40000 (all)"
run "sentencepiece unigram" 1000 --tokenizer sentencepiece --spm-vocab-size 1000
run "sentencepiece unigram, coverage 1.0" 1000 --tokenizer sentencepiece --spm-vocab-size 1000 --spm-character-coverage 1.0
run "sentencepiece unigram, byte fallback" 1000 --tokenizer sentencepiece --spm-vocab-size 1000 --spm-byte-fallback
run "sentencepiece bpe" 1000 --tokenizer sentencepiece --spm-type bpe --spm-vocab-size 1000
