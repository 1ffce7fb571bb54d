#!/usr/bin/env bash
# s2s's CPU training step against its two peers, the same model and step written from the spec in
# TensorFlow graph mode (bench/peers/tf_seq2seq.py) and PyTorch (bench/peers/torch_seq2seq.py),
# on the same machine, shapes and thread counts; issue 17's comparison in one command.
#
# What it does, in order:
#   1. builds s2s_bench_train (CPU only, no tests) in $BENCH_BUILD_DIR (default build-bench);
#   2. installs TensorFlow and PyTorch from PyPI into $BENCH_BUILD_DIR/peers/venv if they are
#      missing there (bench/peers/requirements.txt; nothing outside the build folder changes);
#   3. checks both peers against the float64 reference (bench/peers/check_peer.py) before any
#      timing is trusted;
#   4. runs, for every repetition and thread count, s2s, TF and torch in turn (the order rotates
#      each repetition so that drift in the machine's load is shared out) on the rows:
#        gru128 (1×128, vocab 2k, batch 32) 10×15 and 40×50, gru256 (2×256, 8k, 64) 10×15 and
#        40×50, gru512 (3×512, 40k, 64) 10×15, translate (3×1024, 40k, 64) 5×10 and 10×15,
#      every one with sampled softmax 512;
#   5. prints bench/peers/peer_ratios.py's table: median ms/step of each, the faster peer, s2s's
#      speed-up over it, and s2s's measured/GEMM-floor ratio.
#
#   bench/cpu_vs_peers.sh                   # 3 repetitions, 1 and 2 threads (~30 min on 2 cores)
#   REPS=1 THREADS="1" bench/cpu_vs_peers.sh --quick   # one pass, small presets only
# Environment: BENCH_BUILD_DIR, REPS (3), THREADS ("1 2"), PYTHON (python3 for the venv).
# Output: the table on stdout; the raw log in $BENCH_BUILD_DIR/cpu_vs_peers.log.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${BENCH_BUILD_DIR:-$root/build-bench}
reps=${REPS:-3}
threads_list=${THREADS:-"1 2"}
quick=0
[[ ${1:-} == --quick ]] && quick=1
log() { echo "[cpu_vs_peers] $*" >&2; }

# 1. s2s's bench, CPU only; 2. the peers' venv.
source "$root/bench/peers/setup.sh"
bench_build s2s_bench_train
bench_bin="$build/bench/s2s_bench_train"
[[ -x $bench_bin ]] || { log "no $bench_bin after the build"; exit 1; }
py=$(peers_python "tensorflow, torch")
export TF_CPP_MIN_LOG_LEVEL=2

# 3. The peers compute the spec's model (float64, against tests/reference/s2sref.py).
log "checking the peers against the float64 reference"
"$py" "$root/bench/peers/check_peer.py" --peer all 2>/dev/null | grep -E '^(PASS|FAIL|[0-9]+ passed)' >&2 \
  || { log "check_peer.py failed: the peers' timings would not be comparable"; exit 1; }

# 4. The runs. Each row: preset, bucket indices, timed steps, warm-up steps.
rows=("gru128 0,1 10 2" "gru256 0,1 10 2" "gru512 0 5 1")
((quick)) || rows+=("translate 0,1 3 1")
out="$build/cpu_vs_peers.log"
: >"$out"
run_impl() {  # impl threads rep preset buckets steps warmup
  local impl=$1 t=$2 rep=$3 preset=$4 buckets=$5 steps=$6 warmup=$7 b args=()
  for b in ${buckets//,/ }; do args+=(--bucket "$b"); done
  case $impl in
    s2s) OPENBLAS_NUM_THREADS=$t "$bench_bin" --preset "$preset" "${args[@]}" --steps "$steps" --warmup "$warmup" ;;
    tf) "$py" "$root/bench/peers/tf_seq2seq.py" --preset "$preset" "${args[@]}" --steps "$steps" \
          --warmup "$warmup" --threads "$t" 2>/dev/null ;;
    torch) OMP_NUM_THREADS=$t "$py" "$root/bench/peers/torch_seq2seq.py" --preset "$preset" "${args[@]}" \
             --steps "$steps" --warmup "$warmup" --threads "$t" 2>/dev/null ;;
  esac | sed -n "s/^RESULT /RESULT threads=$t rep=$rep /p" >>"$out"
}
impls=(s2s tf torch)
for ((rep = 1; rep <= reps; rep++)); do
  for t in $threads_list; do
    for row in "${rows[@]}"; do
      read -r preset buckets steps warmup <<<"$row"
      for ((k = 0; k < 3; k++)); do
        impl=${impls[$(((k + rep) % 3))]}
        log "rep $rep/$reps, $t thread(s), $preset buckets $buckets: $impl"
        run_impl "$impl" "$t" "$rep" "$preset" "$buckets" "$steps" "$warmup"
      done
    done
  done
done

# 5. The table.
echo "# bench/cpu_vs_peers.sh $(date -u +%Y-%m-%dT%H:%MZ) on $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg), $reps repetition(s)"
python3 "$root/bench/peers/peer_ratios.py" "$out"
