#!/usr/bin/env bash
# A whole `s2s train` run against the TensorFlow graph-mode training loop (bench/peers/tf_train.py)
# on one prepared dataset: the same model, buckets, batch, sampling and optimizer, one thread
# each; step time without checkpoints and evaluation. Issue 17's second comparison (the first,
# per bucket, is bench/cpu_vs_peers.sh).
#
# The dataset: `s2s prepare --synthetic reverse` with a 10k-symbol alphabet and lengths spread
# over translate's four buckets (no real corpus is available offline; the step's work depends on
# the shapes and the bucket mix, not on the words). Model: 2×256 GRU, vocabularies 10k, sampled
# softmax 512, batch 64, translate's buckets and sampling (data.sampler fidelity), SGD 0.5, clip 5.
#
# s2s's time per step: process CPU time of a run of W+N steps minus that of a run of W steps, over
# N (start-up, the one final checkpoint and loading cancel out). TF's: the median and mean of its
# N timed steps after W warm-up steps (process CPU time each), and its whole loop (batching too).
#
#   bench/train_vs_tf.sh                     # W=20, N=200
#   WARMUP=10 STEPS=100 bench/train_vs_tf.sh
# Environment: BENCH_BUILD_DIR (build-bench), WARMUP, STEPS, PAIRS (36000), MAX_LENGTH (38).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${BENCH_BUILD_DIR:-$root/build-bench}
warmup=${WARMUP:-20}
steps=${STEPS:-200}
pairs=${PAIRS:-36000}
max_length=${MAX_LENGTH:-38}
log() { echo "[train_vs_tf] $*" >&2; }

source "$root/bench/peers/setup.sh"
bench_build s2s
s2s="$build/s2s"
py=$(peers_python "tensorflow, h5py")

work="$build/train_vs_tf"
mkdir -p "$work"
data="$work/reverse10k.h5"
if [[ ! -f $data ]]; then
  log "preparing $data ($pairs pairs, alphabet 9996, lengths 3..$max_length)"
  "$s2s" prepare --synthetic reverse --pairs "$pairs" --dev-pairs 200 --seed 1 --alphabet 9996 \
    --min-length 3 --max-length "$max_length" --buckets 5,10:10,15:20,25:40,50 -q -o "$data" >&2
fi

config="$work/train.yaml"
cat >"$config" <<EOF
model: {cell: gru, num_layers: 2, size: 256, num_heads: 1, attention: true, num_samples: 512, dtype: float32, device: cpu}
data: {dataset: $data, buckets: [[5, 10], [10, 15], [20, 25], [40, 50]], sampler: fidelity, seed: 1}
optim: {optimizer: sgd, learning_rate: 0.5, max_gradient_norm: 5.0}
train: {batch_size: 64, log_every: 0, eval: translate, validate_every: 0, seed: 1}
EOF
s2s_cpu() {  # steps -> CPU seconds of a whole `s2s train` run of that many steps
  local n=$1 dir="$work/train-$1"
  rm -rf "$dir"
  OPENBLAS_NUM_THREADS=1 /usr/bin/time -f "%U %S" -o "$work/time-$n" "$s2s" train --config "$config" \
    --set train.train_dir="$dir" --set train.max_steps="$n" --set train.steps_per_checkpoint="$n" >/dev/null 2>"$work/err-$n" \
    || { cat "$work/err-$n" >&2; exit 1; }
  awk '{print $1 + $2}' "$work/time-$n"
}
log "s2s train: $warmup steps, then $((warmup + steps)) steps"
a=$(s2s_cpu "$warmup")
b=$(s2s_cpu "$((warmup + steps))")
s2s_ms=$(awk -v a="$a" -v b="$b" -v n="$steps" 'BEGIN {printf "%.2f", (b - a) * 1000 / n}')
log "TensorFlow training loop: $warmup warm-up + $steps timed steps"
tf_line=$(OMP_NUM_THREADS=1 "$py" "$root/bench/peers/tf_train.py" --dataset "$data" --layers 2 --size 256 \
  --samples 512 --batch 64 --steps "$steps" --warmup "$warmup" --threads 1 2>/dev/null | grep '^RESULT')
echo "$tf_line"
field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<"$tf_line"; }
tf_mean=$(field ms_mean)
tf_loop=$(field loop_ms)
echo "RESULT impl=s2s-train steps=$steps clock=cpu ms_step=$s2s_ms cpu_s_run_${warmup}=$a cpu_s_run_$((warmup + steps))=$b"
echo
echo "# bench/train_vs_tf.sh $(date -u +%Y-%m-%dT%H:%MZ), load average $(cut -d' ' -f1-3 /proc/loadavg); process CPU time, 1 thread"
echo "| | ms/step |"
echo "|---|---|"
echo "| s2s train (whole run, differenced) | $s2s_ms |"
echo "| TF session.run, mean | $tf_mean |"
echo "| TF loop incl. batching, mean | $tf_loop |"
awk -v s="$s2s_ms" -v t="$tf_loop" 'BEGIN {printf "\ns2s speed-up over the TF training loop: %.2f×\n", t / s}'
