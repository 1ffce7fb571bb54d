#!/usr/bin/env bash
# Decoding throughput of `s2s decode` on one device: greedy and beam search (k = 4, 8) at batch
# sizes 1 and 64, as sentences/s and as ratios against greedy at the same batch size, all in one
# run (same machine load for every row). The rate is the decoder's own "done" line on stderr
# (sentences / seconds since the model was loaded: loading is not counted).
# Usage: bench/decode/bench_decode.sh S2S CHECKPOINT INPUT [LINES] [DEVICE]
set -euo pipefail
s2s=$1 ckpt=$2 input=$3 lines=${4:-500} device=${5:-cpu}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
head -n "$lines" "$input" > "$tmp/in"
n=$(wc -l < "$tmp/in")

rate() {  # batch size, extra decode options... -> sentences/s
  "$s2s" decode --checkpoint "$ckpt" --device "$device" -i "$tmp/in" -o "$tmp/out" --progress 1000 \
      --batch-size "$@" 2> "$tmp/err"
  sed -n 's/.*sentences in [0-9.]* s (\([0-9.]*\) sentences\/s.*/\1/p' "$tmp/err"
}

echo "s2s decode throughput: $n sentences of $input, device $device, $(nproc) CPUs, OPENBLAS_NUM_THREADS=${OPENBLAS_NUM_THREADS:-unset}"
echo "| decoder | batch | sentences/s | vs greedy (same batch) |"
echo "|---|---|---|---|"
for batch in 1 64; do
  greedy=$(rate "$batch")
  echo "| greedy | $batch | $greedy | 1.00 |"
  for k in 4 8; do
    beam=$(rate "$batch" --beam "$k")
    echo "| beam $k | $batch | $beam | $(awk -v a="$beam" -v b="$greedy" 'BEGIN { printf "%.2f", a / b }') |"
  done
done
