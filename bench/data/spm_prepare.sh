#!/usr/bin/env bash
# s2s prepare --tokenizer sentencepiece on a large corpus: encoding throughput beside the
# spm_encode command line (same model, same text) and peak memory when prepare trains the model
# itself at two corpus sizes (flat apart from the trainer's sample; the s2s binary alone peaks at
# ~230 MiB, most of it shared libraries such as CUDA's). Results: bench/RESULTS.md.
#   S2S=build/s2s bench/data/spm_prepare.sh [PAIRS]        # PAIRS default 1000000
# The corpus is generated (no download): sentences of 5-40 words drawn with Zipf-like weights
# from the words of tests/data/multilingual/sample.txt (real words, 12 languages), seeded.
set -euo pipefail
S2S=${S2S:-build/s2s}
PAIRS=${1:-1000000}
SAMPLE=${SAMPLE:-tests/data/multilingual/sample.txt}
SPM_SAMPLE=${SPM_SAMPLE:-200000}  # --spm-input-sentence-size of the training runs
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
command -v spm_encode > /dev/null || { echo "spm_prepare.sh: spm_encode missing (tools/install-deps.sh installs sentencepiece)" >&2; exit 2; }

python3 - "$SAMPLE" "$PAIRS" "$tmp" <<'PY'
import random, sys
sample, pairs, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
words = open(sample, encoding="utf-8").read().split()
rng = random.Random(1)
uniq = list(dict.fromkeys(words))
weights = [1.0 / (r + 1) for r in range(len(uniq))]  # Zipf over first-occurrence rank
for side, seed in (("src", 1), ("tgt", 2)):
    rng.seed(seed)
    with open(f"{out}/{side}", "w", encoding="utf-8") as f:
        for _ in range(pairs):
            f.write(" ".join(rng.choices(uniq, weights, k=rng.randint(5, 40))) + "\n")
PY
echo "corpus: $PAIRS pairs, $(du -h "$tmp/src" | cut -f1) + $(du -h "$tmp/tgt" | cut -f1) of text"

# The model both sides are encoded with: 2000 unigram pieces (the generated text has ~2000 distinct
# words, too few for more) from its first 200k sentences.
head -n 100000 "$tmp/src" > "$tmp/train.txt"
head -n 100000 "$tmp/tgt" >> "$tmp/train.txt"
spm_train --input="$tmp/train.txt" --model_prefix="$tmp/m" --vocab_size=2000 --pad_id=0 --bos_id=1 --eos_id=2 \
    --unk_id=3 --pad_piece=_PAD --bos_piece=_GO --eos_piece=_EOS --unk_piece=_UNK --minloglevel=2 \
    2> "$tmp/spm_train.log" || { cat "$tmp/spm_train.log" >&2; exit 1; }

seconds() { local t0 t1; t0=$(date +%s.%N); "$@"; t1=$(date +%s.%N); echo "$t1 - $t0" | bc -l; }
spm_s=$(seconds sh -c "spm_encode --model='$tmp/m.model' --output_format=id < '$tmp/src' > /dev/null &&
                      spm_encode --model='$tmp/m.model' --output_format=id < '$tmp/tgt' > /dev/null")
/usr/bin/time -f "%e %M" -o "$tmp/time" "$S2S" prepare --source "$tmp/src" --target "$tmp/tgt" \
    --tokenizer sentencepiece --spm-model "$tmp/m.model" --buckets 64,64 -o "$tmp/reuse.h5" 2> "$tmp/err" > "$tmp/out"
read -r s2s_s s2s_kb < "$tmp/time"
write_rate=$(awk '/write train .* pairs\/s/ { gsub(/[(,]/, "", $0); for (i = 1; i <= NF; ++i) if ($i == "pairs/s)") print $(i - 1) }' "$tmp/err")
spm_rate=$(echo "$PAIRS / $spm_s" | bc -l)
printf "spm_encode (ids, both sides, one process each): %.1f s, %.0f pairs/s\n" "$spm_s" "$spm_rate"
printf "s2s prepare --spm-model (scan + encode + write): %.1f s, %.0f pairs/s overall, peak RSS %d MiB\n" \
    "$s2s_s" "$(echo "$PAIRS / $s2s_s" | bc -l)" $((s2s_kb / 1024))
printf "  its write pass (encode both sides, bucket, compress, append): %s pairs/s\n" "$write_rate"
printf "ratio write pass / spm_encode: %.2f; whole prepare / spm_encode: %.2f\n" \
    "$(echo "$write_rate / $spm_rate" | bc -l)" "$(echo "$PAIRS / $s2s_s / $spm_rate" | bc -l)"

# Training the model inside prepare: peak memory at a quarter of the corpus and at all of it.
for n in $((PAIRS / 4)) "$PAIRS"; do
  head -n "$n" "$tmp/src" > "$tmp/src.part"
  head -n "$n" "$tmp/tgt" > "$tmp/tgt.part"
  /usr/bin/time -f "%e %M" -o "$tmp/time" "$S2S" prepare --source "$tmp/src.part" --target "$tmp/tgt.part" \
      --tokenizer sentencepiece --spm-vocab-size 2000 --spm-input-sentence-size "$SPM_SAMPLE" --buckets 64,64 \
      -o "$tmp/train.h5" --force -q > /dev/null
  read -r t kb < "$tmp/time"
  printf "s2s prepare training a joint model (trainer sample %d sentences) on %d pairs: %.1f s, peak RSS %d MiB\n" \
      "$SPM_SAMPLE" "$n" "$t" $((kb / 1024))
done
