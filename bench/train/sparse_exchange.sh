#!/usr/bin/env bash
# Dense vs row-sparse gradient exchange of `s2s train` on the CPU (a benchmark, not a test): the
# translate config (3x1024 GRU, 40k/40k vocabularies, sampled softmax 512, batch 64 per rank) on
# a generated dataset with translate's vocabulary sizes and one bucket (5, 10), at each rank count
# of NP_LIST, with dist.sparse_gradients=off and =auto. Reports per run the median step time over
# the steps after WARMUP and the bytes each rank passed to gradient collectives per step
# (metrics.jsonl `exchanged_bytes`: dense buckets + sparse exchange), plus the reducer's and the
# sparse exchange's summary lines. docs/scaling.md predicts the byte counts; bench/RESULTS.md
# records a run.
#   S2S_BIN=build/s2s NP_LIST="2 3 4" STEPS=4 bench/train/sparse_exchange.sh
# Environment: S2S_BIN (build-bench/s2s), NP_LIST ("2 4"), STEPS (4), WARMUP (1), MODES ("off auto"),
# WORK (/tmp/s2s_bench_sparse), TRAIN_ARGS (more `s2s train` options).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
s2s=${S2S_BIN:-$root/build-bench/s2s}
np_list=${NP_LIST:-2 4}
steps=${STEPS:-4}
warmup=${WARMUP:-1}
modes=${MODES:-off auto}
work=${WORK:-/tmp/s2s_bench_sparse}
[[ -x $s2s ]] || { echo "sparse_exchange.sh: $s2s is not built (set S2S_BIN)" >&2; exit 2; }
command -v jq >/dev/null || { echo "sparse_exchange.sh: needs jq" >&2; exit 2; }
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
mkdir -p "$work"
data=$work/reverse_40k.h5
if [[ ! -f $data ]]; then  # 39996 letters (nearly all drawn) + 4 special symbols: about translate's 40000 per side
  "$s2s" prepare --synthetic reverse --pairs 100000 --dev-pairs 20 --alphabet 39996 --min-length 3 --max-length 4 \
    --buckets 5,10 -o "$data" --quiet
fi
echo "# dense vs sparse gradient exchange, translate config, $(date '+%Y-%m-%d %H:%M:%S'), $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# bucket (5, 10), batch 64 per rank, $steps steps (median over steps > $warmup), OPENBLAS_NUM_THREADS=1 per rank${TRAIN_ARGS:+, $TRAIN_ARGS}"
echo "| ranks | dist.sparse_gradients | median s/step | exchanged MB/step/rank (last step) | reducer + sparse exchange (rank 0, whole run) |"
echo "|---|---|---|---|---|"
for np in $np_list; do
  for mode in $modes; do
    dir=$work/np${np}_$mode
    rm -rf "$dir"
    log=$dir.log
    mpirun -np "$np" --bind-to none -x OPENBLAS_NUM_THREADS=1 "$s2s" train --config "$root/configs/translate.yaml" \
      --set data.dataset="$data" --set "data.buckets=[[5,10]]" --set model.source_vocab_size=0 --set model.target_vocab_size=0 --set train.max_steps="$steps" \
      --set train.steps_per_checkpoint=$((steps + 1000)) --set train.log_every=1 --set train.train_dir="$dir" \
      --set train.resume=none --set train.validate_every=0 --set dist.sparse_gradients="$mode" ${TRAIN_ARGS:-} \
      > "$log" 2>&1 || { echo "np $np $mode failed; see $log" >&2; tail -5 "$log" >&2; exit 1; }
    stats=$(jq -s --argjson w "$warmup" '[.[] | select(.kind == "step" and .step > $w)] |
        (map(.step_time_s) | sort | .[length/2|floor]) as $t | (last.exchanged_bytes) as $b | "\($t) \($b)"' \
        -r "$dir/metrics.jsonl")
    read -r step_s bytes <<< "$stats"
    reducer=$(grep -o 'gradient all-reduce: .*' "$log" | tail -1 | sed 's/^gradient all-reduce: //')
    printf "| %s | %s | %.2f | %.3f | %s |\n" "$np" "$mode" "$step_s" "$(awk -v b="$bytes" 'BEGIN{print b/1e6}')" \
      "${reducer:-(no line)}"
    rm -rf "$dir"/ckpt-* 2>/dev/null || true
  done
done
