#!/usr/bin/env bash
# Owns: the GPU training benchmark, run ON THE GPU MACHINE from the repository root with the
# bundle of bench/gpu/bundle_bench.sh carried along (device tool: carry ["build-bench-cuda/dist"]):
#   0. env.txt: date, nvidia-smi, torch version, the bundle's MANIFEST;
#   1. bench/peers/check_peer.py: the PyTorch peer against the float64 spec reference (CPU);
#   2. s2s_bench_train --device cuda, one process per configuration (so each peak-memory figure
#      is that configuration's): translate at batch 64 and 128, each of its 4 buckets, then small;
#   3. bench/peers/torch_seq2seq.py --device cuda on the same configurations, same GPU, same job
#      (2 and 3 alternate per (preset, batch), so a run cut short still has pairs);
#   4. bench/peers/compare.py: s2s vs PyTorch tokens/s, the ratio, s2s's napkin floor (the step's
#      GEMMs at the cuBLAS rate measured in-process) and measured/floor, both peak memories.
# Results under $OUT (./out/gpu_bench when unset): env.txt, check_peer.log, s2s.log, torch.log,
# compare.md, summary.txt (at most 8 files come back). The table is printed last.
# Environment: STEPS (timed steps per configuration, 10), WARMUP (3), PRECISION (float32 | tf32 |
# bf16: the matmul precision of both, passed as --precision; default float32; TF32=1 is the older
# spelling of PRECISION=tf32),
# ONLY_S2S=1 / ONLY_TORCH=1, PER_RUN_TIMEOUT (seconds per process, 150), CONFIGS ("preset batch"
# pairs separated by ';', default "translate 64;translate 128;small 64"), DEVICE (cuda; cpu runs the
# same flow without a GPU, e.g. DEVICE=cpu CONFIGS="tiny 32" to check the script itself),
# PHASES=1 (s2s_bench_train --phases: a PHASES line per row, the step's phases timed with CUDA
# events and the host's queueing time; copied into summary.txt; docs/gpu-training.md).
# Budget: about 5 minutes on an H100 (well inside the device tool's 10-minute command limit).
set -uo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"
bundle=${S2S_BENCH_BUNDLE:-$root/build-bench-cuda/dist}
out=${OUT:-$root/out/gpu_bench}
steps=${STEPS:-10}
warmup=${WARMUP:-3}
per_run=${PER_RUN_TIMEOUT:-150}
device=${DEVICE:-cuda}
precision=${PRECISION:-float32}
[[ ${TF32:-0} == 1 && -z ${PRECISION:-} ]] && precision=tf32
case $precision in float32|tf32|bf16) ;; *) echo "run_gpu_bench.sh: PRECISION=$precision (expected float32, tf32 or bf16)" >&2; exit 2 ;; esac
phase_args=()
[[ ${PHASES:-0} == 1 ]] && phase_args=(--phases)
mkdir -p "$out"
: > "$out/summary.txt"
say() { echo "[run_gpu_bench] $*" | tee -a "$out/summary.txt"; }
py=python3
command -v "$py" >/dev/null || py=/opt/torch/.venv/bin/python3
export PYTHONUNBUFFERED=1 OPENBLAS_NUM_THREADS=1

# --- the s2s bundle: unpack its libraries, find the machine's CUDA 13 libraries ---------------------
s2s_ok=0
if [[ -x $bundle/bin/s2s_bench_train && -f $bundle/lib.tar.gz ]]; then
  libroot=${TMPDIR:-/tmp}/s2s-bench-bundle
  rm -rf "$libroot" && mkdir -p "$libroot" && tar -xzf "$bundle/lib.tar.gz" -C "$libroot" && s2s_ok=1
  roots=(/usr/local/cuda/lib64 /usr/local/cuda/targets/x86_64-linux/lib /usr/lib/x86_64-linux-gnu /usr/local/lib)
  roots+=($("$py" -c 'import site; print(" ".join(site.getsitepackages()))' 2>/dev/null))
  ld_path=$libroot/lib
  for lib in 'libcudart.so.13*' 'libcublas.so.13*' 'libcublasLt.so.13*' 'libnccl.so.2*'; do
    f=$(find "${roots[@]}" -maxdepth 5 -name "$lib" 2>/dev/null | head -1)
    [[ -n $f && :$ld_path: != *:$(dirname "$f"):* ]] && ld_path+=:$(dirname "$f")
  done
  export LD_LIBRARY_PATH="$ld_path${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  if ldd "$bundle/bin/s2s_bench_train" 2>&1 | grep -q 'not found'; then
    export LD_LIBRARY_PATH="$libroot/lib/compat:$LD_LIBRARY_PATH"
  fi
  if ldd "$bundle/bin/s2s_bench_train" 2>&1 | grep -q 'not found'; then
    say "ERROR: unresolved libraries: $(ldd "$bundle/bin/s2s_bench_train" | grep 'not found' | tr '\n' ' ')"
    s2s_ok=0
  fi
else
  say "ERROR: $bundle/bin/s2s_bench_train or lib.tar.gz missing: run bench/gpu/bundle_bench.sh first and carry build-bench-cuda/dist"
fi

{
  echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"; uname -a; echo
  nvidia-smi 2>&1 || echo "nvidia-smi not available"; echo
  "$py" -c 'import torch; print("torch", torch.__version__, "cuda", torch.version.cuda, torch.cuda.get_device_name(0) if torch.cuda.is_available() else "no GPU")' 2>&1
  echo "LD_LIBRARY_PATH=${LD_LIBRARY_PATH:-}"; echo
  cat "$bundle/MANIFEST.txt" 2>/dev/null
} > "$out/env.txt"

# --- 1. the peer's math against the spec reference ----------------------------------------------
say "check_peer.py (PyTorch peer vs tests/reference/s2sref.py, float64, CPU) ..."
timeout 300 "$py" bench/peers/check_peer.py > "$out/check_peer.log" 2>&1
say "check_peer: $(tail -1 "$out/check_peer.log")"

# configurations: preset batch
IFS=';' read -r -a configs <<< "${CONFIGS:-translate 64;translate 128;small 64}"
buckets_of() { case $1 in translate) echo "0 1 2 3" ;; small) echo "0 1" ;; tiny) echo "0" ;; esac; }

# --- 2 + 3. per configuration: s2s, then the PyTorch peer (so a run cut short still pairs them) ---
: > "$out/s2s.log"
: > "$out/torch.log"
run_torch=1
[[ ${ONLY_S2S:-0} == 1 ]] && run_torch=0
[[ ${ONLY_TORCH:-0} == 1 ]] && s2s_ok=0
for c in "${configs[@]}"; do
  read -r preset batch <<< "$c"
  if [[ $s2s_ok == 1 ]]; then
    for b in $(buckets_of "$preset"); do
      say "s2s_bench_train --device $device --preset $preset --batch $batch --bucket $b"
      timeout "$per_run" "$bundle/bin/s2s_bench_train" --device "$device" --preset "$preset" --batch "$batch" --bucket "$b" \
        --steps "$steps" --warmup "$warmup" --precision "$precision" ${phase_args[@]+"${phase_args[@]}"} >> "$out/s2s.log" 2>&1
      rc=$?
      (( rc == 0 )) || say "  exit code $rc (see s2s.log)"
      (( rc == 2 )) && { say "  no usable CUDA device: $(tail -1 "$out/s2s.log"); skipping s2s"; s2s_ok=0; break; }
    done
  fi
  if [[ $run_torch == 1 ]]; then
    say "torch_seq2seq.py --device $device --preset $preset --batch $batch"
    timeout $((per_run * 2)) "$py" bench/peers/torch_seq2seq.py --device "$device" --preset "$preset" --batch "$batch" \
      --steps "$steps" --warmup "$warmup" --precision "$precision" >> "$out/torch.log" 2>&1
    rc=$?
    (( rc == 0 )) || say "  exit code $rc (see torch.log)"
    (( rc == 2 )) && { say "  no usable CUDA device for torch; skipping the peer"; run_torch=0; }
  fi
  "$py" bench/peers/compare.py "$out/s2s.log" "$out/torch.log" > "$out/compare.md" 2>&1  # kept current
done
grep -h '^# update' "$out/s2s.log" | sort -u | tee -a "$out/summary.txt"
grep -h '^PHASES ' "$out/s2s.log" | tee -a "$out/summary.txt"

# --- 4. the comparison ---------------------------------------------------------------------------------
"$py" bench/peers/compare.py "$out/s2s.log" "$out/torch.log" > "$out/compare.md" 2>&1
say "GEMMs: $precision; $steps timed steps after $warmup warm-up; tokens = target tokens (sum of weights), full buckets"
cat "$out/compare.md" | tee -a "$out/summary.txt"
