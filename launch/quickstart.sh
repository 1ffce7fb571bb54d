#!/usr/bin/env bash
# The main job on the embedded default, from a fresh Debian/Ubuntu machine: installs what is
# missing, builds s2s (CPU, Release), generates a toy parallel corpus (reverse the input
# sequence), trains a GRU attention seq2seq on it (configs/quickstart.yaml), evaluates the
# full-softmax dev perplexity, copies the checkpoints elsewhere, deletes the dataset and decodes
# a few sentences from the copy (plus BLEU/chrF2 of the dev set). About 2 minutes on 2 cores, mostly the build.
# Environment: BUILD_DIR (default build, the one binary path of README.md and launch/), RUN_DIR
# (default runs/quickstart), JOBS (default: cores).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
build=${BUILD_DIR:-build}
run=${RUN_DIR:-runs/quickstart}
t0=$(date +%s)

echo "== 1/5 install dependencies"
bash tools/install-deps.sh
# A fresh build folder is configured CPU-only without tests (fast); one that tests/run.sh already
# configured keeps its settings (CUDA, tests), so the two scripts never flip each other's cache.
if [[ -f $build/CMakeCache.txt ]]; then
  echo "== 2/5 build s2s in $build/ (its existing configuration)"
  cmake -S . -B "$build" >/dev/null
else
  echo "== 2/5 build s2s in $build/ (CPU, Release)"
  launcher=()
  command -v ccache >/dev/null 2>&1 && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
  cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DS2S_WITH_CUDA=OFF -DS2S_BUILD_TESTS=OFF -DS2S_BUILD_BENCH=OFF \
        "${launcher[@]}" >/dev/null
fi
cmake --build "$build" -j "${JOBS:-$(nproc)}" --target s2s
s2s="$build/s2s"
export OPENBLAS_NUM_THREADS=${OPENBLAS_NUM_THREADS:-1}

echo "== 3/5 generate data: 20,000 pairs of the 'reverse' task -> $run/reverse.h5"
mkdir -p "$run"
"$s2s" prepare --synthetic reverse --pairs 20000 --dev-pairs 500 --seed 1 \
  --buckets 5,10:10,15 --emit-text "$run/text" -o "$run/reverse.h5" --force --quiet

echo "== 4/5 train (configs/quickstart.yaml; resumes if interrupted)"
"$s2s" train --config configs/quickstart.yaml \
  --set data.dataset="$run/reverse.h5" --set train.train_dir="$run/train" --resume auto

echo "== 5/5 evaluate, ship and decode"
"$s2s" eval --checkpoint "$run/train"
# A checkpoint carries its vocabularies, tokenizer and buckets: copied elsewhere, with the dataset
# deleted, it still decodes (and is scored on plain text with BLEU/chrF2).
rm -rf "$run/shipped" && cp -r "$run/train" "$run/shipped" && rm -f "$run/reverse.h5"
head -n 5 "$run/text/dev.src" > "$run/decode.in"
"$s2s" decode --checkpoint "$run/shipped" --input "$run/decode.in" --output "$run/decode.out"
# Each line is checked against the source reversed (decoding picks the bucket training filled for the
# length, I > length: translate's I >= length, --bucket-rule translate, gets 5-symbol lines wrong).
paste -d '\t' "$run/decode.in" "$run/decode.out" | awk -F'\t' '{
  n = split($1, w, " "); r = ""; for (i = n; i >= 1; i--) r = r (r == "" ? "" : " ") w[i]
  printf "  %-24s -> %-24s %s\n", $1, $2, ($2 == r ? "(reversed)" : "(expected " r ")") }'
"$s2s" eval --checkpoint "$run/shipped" --source "$run/text/dev.src" --target "$run/text/dev.tgt" | tail -n 2

cat <<DONE

quickstart finished in $(( $(date +%s) - t0 )) s.
  checkpoints:  $run/train/ckpt-*.h5 (latest: $run/train/latest)
  metrics:      $run/train/metrics.jsonl, TensorBoard: tensorboard --logdir $run/train
  shipped:      $run/shipped/ (a copy of the train_dir, decoded without the dataset, which was deleted)
  text:         $run/text/ (the dataset is made again by the next run)
  decode more:  echo "a b c d" | $s2s decode --checkpoint $run/shipped --beam 4
DONE
