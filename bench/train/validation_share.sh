#!/usr/bin/env bash
# Validation's share of training time at the default cadence (a benchmark, not a test; issue 13
# item 9). The default cadence validates once per steps_per_checkpoint (200) x validate_every (5)
# = 1000 steps, so the share is t_val / (1000 t_step + t_val), t_step the median training step and
# t_val one validation (greedy decoding of the dev split + BLEU/chrF). Both are measured in ONE
# short `s2s train` run (same process, same load) that validates every VALIDATE_AT steps, on a
# generated dataset (s2s prepare --synthetic reverse, alphabet 1000, buckets (5,10) (10,15)); the
# dev perplexity evaluation (which runs at every checkpoint whatever validation does) is left out
# of the denominator, so the share printed is an upper bound. Also printed: the share extrapolated
# to DEV_TARGET dev sentences (decoding time is linear in the sentence count: every sentence runs
# all O decoder steps of its bucket).
#   S2S_BIN=build/s2s bench/train/validation_share.sh
# Environment: S2S_BIN, STEPS (60), VALIDATE_AT (20), DEV (500), DEV_TARGET (3000, newstest2013's
# size), BATCH (64), SIZE (256), LAYERS (2), PAIRS (20000), WORK (runs/bench_validation_share),
# TRAIN_ARGS (more --set options).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
s2s=${S2S_BIN:-$root/build/s2s}
steps=${STEPS:-60}
every=${VALIDATE_AT:-20}
dev=${DEV:-500}
dev_target=${DEV_TARGET:-3000}
batch=${BATCH:-64}
size=${SIZE:-256}
layers=${LAYERS:-2}
pairs=${PAIRS:-20000}
work=${WORK:-$root/runs/bench_validation_share}
[[ -x $s2s ]] || { echo "validation_share.sh: $s2s is not built (set S2S_BIN)" >&2; exit 2; }
command -v jq >/dev/null || { echo "validation_share.sh: needs jq" >&2; exit 2; }
export OPENBLAS_NUM_THREADS=${OPENBLAS_NUM_THREADS:-1} S2S_MPI=${S2S_MPI:-0}
rm -rf "$work" && mkdir -p "$work"
"$s2s" prepare --synthetic reverse --alphabet 1000 --pairs "$pairs" --dev-pairs "$dev" --seed 1 \
  --buckets 5,10:10,15 -q -o "$work/data.h5" >/dev/null
# shellcheck disable=SC2086
"$s2s" train --set data.dataset="$work/data.h5" --set train.train_dir="$work/train" \
  --set model.size="$size" --set model.num_layers="$layers" --set train.batch_size="$batch" \
  --set train.max_steps="$steps" --set train.log_every=1 --set train.eval=full \
  --set train.steps_per_checkpoint="$every" --set train.validate_every=1 ${TRAIN_ARGS:-} \
  > "$work/train.log" 2>&1
m=$work/train/metrics.jsonl
jq -c 'select(.kind == "validation") | {step, sentences, seconds, bleu, chrf}' "$m"
step=$(jq -s '[.[] | select(.kind == "step") | .step_time_s] | sort | .[length / 2 | floor]' "$m")
val=$(jq -s '[.[] | select(.kind == "validation") | .seconds] | sort | .[length / 2 | floor]' "$m")
sentences=$(jq -s '[.[] | select(.kind == "validation")] | first | .sentences' "$m")
awk -v st="$step" -v v="$val" -v s="$sentences" -v dt="$dev_target" -v b="$batch" -v sz="$size" -v l="$layers" 'BEGIN {
  printf "model %dx%d, batch %d: median step %.3f s, median validation of %d sentences %.2f s (%.0f sentences/s)\n", l, sz, b, st, s, v, s / v;
  printf "share at the default cadence (1 validation per 1000 steps): %.2f%%\n", 100 * v / (1000 * st + v);
  e = v * dt / s;
  printf "with %d dev sentences: validation %.1f s, share %.2f%%\n", dt, e, 100 * e / (1000 * st + e);
}'
