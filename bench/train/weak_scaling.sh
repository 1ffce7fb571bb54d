#!/usr/bin/env bash
# CPU weak scaling of `s2s train` (a benchmark, not a test): the same per-rank batch at 1 and 2
# ranks (NP_LIST), one OpenBLAS thread per rank, on a generated dataset (s2s prepare --synthetic
# reverse, one bucket so every step does the same work). Reports, per rank count, the median step
# time and tokens/s over the steps after WARMUP (from rank 0's train_dir/metrics.jsonl: target
# tokens of the global batch / step time), tokens/s per rank, the weak-scaling efficiency
# (tokens/s per rank at np N ÷ tokens/s at np 1) and the gradient reducer's overlap line, the
# trainer's last log line ("gradient all-reduce: ... hidden X% ...").
#   bench/train/weak_scaling.sh                    # S2S_BIN defaults to build-bench/s2s
#   S2S_BIN=build/s2s STEPS=60 SIZE=512 bench/train/weak_scaling.sh
# Environment: S2S_BIN, NP_LIST ("1 2"), STEPS (40), WARMUP (5), BATCH (per rank, 64), SIZE (256),
# LAYERS (2), BUCKET ("10,15"), PAIRS (20000), WORK (runs/bench_weak_scaling), MPIRUN_ARGS, and
# TRAIN_ARGS: more `s2s train` options, e.g. TRAIN_ARGS="--set dist.bucket_bytes=1048576" (the
# default 8 MiB bucket holds all of this 2x256 model's gradients, so nothing is sent during backward).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
s2s=${S2S_BIN:-$root/build-bench/s2s}
np_list=${NP_LIST:-1 2}
steps=${STEPS:-40}
warmup=${WARMUP:-5}
batch=${BATCH:-64}
size=${SIZE:-256}
layers=${LAYERS:-2}
bucket=${BUCKET:-10,15}
pairs=${PAIRS:-20000}
work=${WORK:-$root/runs/bench_weak_scaling}
[[ -x $s2s ]] || { echo "weak_scaling.sh: $s2s is not built (make s2s in your build dir, or set S2S_BIN)" >&2; exit 2; }
command -v jq >/dev/null || { echo "weak_scaling.sh: needs jq" >&2; exit 2; }
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
mkdir -p "$work"
data=$work/reverse_${bucket/,/x}.h5
if [[ ! -f $data ]]; then
  "$s2s" prepare --synthetic reverse --pairs "$pairs" --dev-pairs 200 --buckets "$bucket" -o "$data" --quiet
fi

echo "# weak scaling of s2s train, $(date '+%Y-%m-%d %H:%M:%S'), $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# model: ${layers}x${size} GRU attention, full softmax (synthetic reverse, vocab from the dataset), bucket ($bucket),"
echo "# per-rank batch $batch, $steps steps (median over steps > $warmup), OPENBLAS_NUM_THREADS=1 per rank${TRAIN_ARGS:+, $TRAIN_ARGS}"
echo "| ranks | median s/step | global target tok/s | tok/s per rank | efficiency | reducer (rank 0, whole run) |"
echo "|---|---|---|---|---|---|"
base=""
for np in $np_list; do
  dir=$work/np$np
  rm -rf "$dir"
  log=$work/np$np.log
  mpirun -np "$np" --bind-to none ${MPIRUN_ARGS:-} -x OPENBLAS_NUM_THREADS=1 "$s2s" train --config "$root/configs/quickstart.yaml" \
    --set data.dataset="$data" --set "data.buckets=[[${bucket}]]" --set model.size="$size" \
    --set model.embedding_size="$size" --set model.num_layers="$layers" --set optim.optimizer=sgd \
    --set optim.learning_rate=0.5 --set train.batch_size="$batch" --set train.max_steps="$steps" \
    --set train.steps_per_checkpoint=$((steps + 1000)) --set train.log_every=10 --set train.train_dir="$dir" \
    --set train.resume=none ${TRAIN_ARGS:-} > "$log" 2>&1 || { echo "np $np failed; see $log" >&2; tail -5 "$log" >&2; exit 1; }
  stats=$(jq -s --argjson w "$warmup" '[.[] | select(.kind == "step" and .step > $w)] |
      (map(.step_time_s) | sort | .[length/2|floor]) as $t | (map(.tokens_per_s) | sort | .[length/2|floor]) as $k |
      "\($t) \($k)"' -r "$dir/metrics.jsonl")
  read -r step_s tok_s <<< "$stats"
  per_rank=$(awk -v t="$tok_s" -v n="$np" 'BEGIN { printf "%.1f", t / n }')
  [[ -z $base ]] && base=$per_rank
  eff=$(awk -v p="$per_rank" -v b="$base" 'BEGIN { printf "%.0f%%", 100 * p / b }')
  reducer=$(grep -o 'gradient all-reduce: .*' "$log" | tail -1 | sed 's/^gradient all-reduce: //')
  printf "| %s | %.4f | %.0f | %s | %s | %s |\n" "$np" "$step_s" "$tok_s" "$per_rank" "$eff" "${reducer:-(no line)}"
  echo "RESULT impl=s2s-train device=cpu ranks=$np batch_per_rank=$batch step_s=$step_s tgt_tok_s=$tok_s tok_s_per_rank=$per_rank efficiency=$eff"
done
echo "# logs: $work/np*.log"
