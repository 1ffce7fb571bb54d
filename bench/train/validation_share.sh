#!/usr/bin/env bash
# Validation's share of training time at the default cadence (a benchmark, not a test; issue 13
# item 9): `s2s train` with the default train.steps_per_checkpoint (200) and train.validate_every
# (5), so one BLEU/chrF validation per 1000 steps, on a generated dataset (s2s prepare --synthetic
# reverse, alphabet 1000, two buckets). Reports, from train_dir/metrics.jsonl: the run's wall time
# (the last step record's elapsed_s), the validation's wall time (its record's seconds), their
# ratio, the median step time, and the same ratio extrapolated to a dev set of DEV_TARGET
# sentences (decoding time is linear in the sentence count: every sentence runs all O decoder steps).
#   S2S_BIN=build/s2s bench/train/validation_share.sh
# Environment: S2S_BIN, STEPS (1000), DEV (500), DEV_TARGET (3000, newstest2013's size), BATCH (64),
# SIZE (256), LAYERS (2), PAIRS (20000), WORK (runs/bench_validation_share), TRAIN_ARGS.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
s2s=${S2S_BIN:-$root/build/s2s}
steps=${STEPS:-1000}
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
  --set train.max_steps="$steps" --set train.log_every=50 --set train.eval=full ${TRAIN_ARGS:-} \
  > "$work/train.log" 2>&1
m=$work/train/metrics.jsonl
total=$(jq -s '[.[] | select(.kind == "step")] | last | .elapsed_s' "$m")
val=$(jq -s '[.[] | select(.kind == "validation") | .seconds] | add // 0' "$m")
nval=$(jq -s '[.[] | select(.kind == "validation")] | length' "$m")
sentences=$(jq -s '[.[] | select(.kind == "validation")] | first | .sentences // 0' "$m")
step=$(jq -s '[.[] | select(.kind == "step") | .step_time_s] | sort | .[length / 2 | floor]' "$m")
jq -s '[.[] | select(.kind == "validation")] | .[] | {step, bleu, chrf, perplexity, seconds}' -c "$m"
awk -v t="$total" -v v="$val" -v n="$nval" -v s="$sentences" -v st="$step" -v steps="$steps" -v dt="$dev_target" 'BEGIN {
  printf "steps %d, run %.1f s, median step %.3f s, validations %d on %d sentences: %.1f s = %.1f%% of the run\n", steps, t, st, n, s, v, 100 * v / t;
  if (s > 0) { e = v * dt / s; printf "extrapolated to %d dev sentences: %.1f s = %.1f%% of (run - validation + it)\n", dt, e, 100 * e / (t - v + e) }
}'
