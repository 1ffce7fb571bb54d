#!/usr/bin/env bash
# Owns: running the bundled GPU checks ON THE GPU MACHINE, from the repository root, with the
# bundle made by tools/gpu/bundle.sh carried along (device tool: carry ["dist-gpu"]):
#   1. s2s_test_gpu (CUDA <-> CPU parity of every kernel, allocator, runtime), gtest XML kept;
#   2. when the bundle has it: s2s conformance --device cuda tests/fixtures/conformance;
#   3. when the bundle has it: s2s prepare/train/eval/decode on cuda (the product path end to end,
#      one process without MPI: S2S_MPI=0; eval on cuda and cpu must agree);
#   4. when the bundle has it: s2s_test_gpu_model (CPU <-> CUDA training run, fixtures on CUDA).
# Results go to $OUT (the device tool's output folder; ./out/gpu when unset): env.txt (with ldd),
# s2s_test_gpu.log, s2s_test_gpu.xml, conformance_cuda.log, train_cuda.log, s2s_test_gpu_model.log,
# s2s_test_dist_nccl_gpu.log, summary.txt
# (at most 8 files come back).
# Exit status: 0 when every step that ran passed.
# The CUDA libraries (libcudart, libcublas(Lt), libnccl) are the machine's: they are searched in
# the CUDA toolkit and in the Python environment's nvidia-* wheels and put on LD_LIBRARY_PATH.
set -uo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"
bundle=${S2S_BUNDLE:-$root/dist-gpu}
out=${OUT:-$root/out/gpu}
mkdir -p "$out"
say() { echo "[run_gpu_tests] $*" | tee -a "$out/summary.txt"; }
: > "$out/summary.txt"

if [[ ! -x $bundle/bin/s2s_test_gpu || ! -f $bundle/lib.tar.gz ]]; then
  say "ERROR: $bundle/bin/s2s_test_gpu or lib.tar.gz missing: run tools/gpu/bundle.sh here first and carry dist-gpu"
  exit 2
fi
libroot=${TMPDIR:-/tmp}/s2s-gpu-bundle
rm -rf "$libroot" && mkdir -p "$libroot" && tar -xzf "$bundle/lib.tar.gz" -C "$libroot" || { say "ERROR: cannot unpack lib.tar.gz"; exit 2; }

# --- library path: bundle first, then wherever this machine keeps the CUDA 13 libraries ---------
cuda_dirs=()
add_dir_of() {  # add_dir_of LIBNAME: the directory of the first match under the search roots
  local roots=(/usr/local/cuda/lib64 /usr/local/cuda/targets/x86_64-linux/lib /usr/local/cuda /usr/lib/x86_64-linux-gnu /usr/local/lib)
  local py
  for py in python3 /opt/torch/.venv/bin/python3; do
    command -v "$py" >/dev/null 2>&1 || continue
    roots+=($("$py" -c 'import site,sys; print(" ".join(site.getsitepackages()))' 2>/dev/null))
  done
  local f
  f=$(find "${roots[@]}" -maxdepth 5 -name "$1" 2>/dev/null | head -1)
  [[ -n $f ]] && cuda_dirs+=("$(dirname "$f")")
}
for lib in 'libcudart.so.13*' 'libcublas.so.13*' 'libcublasLt.so.13*' 'libnccl.so.2*'; do add_dir_of "$lib"; done
ld_path="$libroot/lib"
for d in $(printf '%s\n' "${cuda_dirs[@]}" | awk '!seen[$0]++'); do ld_path+=":$d"; done
export LD_LIBRARY_PATH="$ld_path${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
# The bundled libstdc++ / libgcc_s only when the machine's are missing or too old.
if ldd "$bundle/bin/s2s_test_gpu" 2>&1 | grep -q 'not found'; then
  export LD_LIBRARY_PATH="$libroot/lib/compat:$LD_LIBRARY_PATH"
fi
export GTEST_COLOR=no S2S_SOURCE_DIR="$root" OPENBLAS_NUM_THREADS=1

{
  echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"; uname -a; echo
  nvidia-smi 2>&1 || echo "nvidia-smi not available"; echo
  echo "LD_LIBRARY_PATH=$LD_LIBRARY_PATH"; echo
  cat "$bundle/MANIFEST.txt" 2>/dev/null
} > "$out/env.txt"
ldd_out=$(for b in "$bundle"/bin/*; do echo "== $b"; ldd "$b"; done 2>&1)
printf '\n%s\n' "$ldd_out" >> "$out/env.txt"
if grep -q 'not found' <<< "$ldd_out"; then
  say "ERROR: unresolved libraries (see env.txt):"
  grep 'not found' <<< "$ldd_out" | sort -u | tee -a "$out/summary.txt"
fi

status=0
say "s2s_test_gpu ..."
"$bundle/bin/s2s_test_gpu" --gtest_output="xml:$out/s2s_test_gpu.xml" > "$out/s2s_test_gpu.log" 2>&1
rc=$?
# Totals, and the names of failed tests (gtest lists each twice; keep one).
grep -E '^\[  (PASSED|SKIPPED|FAILED) +\] [0-9]+ tests?|^\[=+\] [0-9]+ tests? from' "$out/s2s_test_gpu.log" | tee -a "$out/summary.txt"
grep -E '^\[  FAILED  \] [A-Za-z_]+\.' "$out/s2s_test_gpu.log" | sed 's/ (.*//' | sort -u | tee -a "$out/summary.txt"
say "s2s_test_gpu exit code $rc"
(( rc == 0 )) || status=1
if grep -q 'no CUDA device' "$out/s2s_test_gpu.log"; then
  say "WARNING: tests were skipped for lack of a device: $(grep -m1 'no CUDA device' "$out/s2s_test_gpu.log")"
  status=1
fi

if [[ -x $bundle/bin/s2s ]]; then
  say "s2s conformance --device cuda tests/fixtures/conformance ..."
  "$bundle/bin/s2s" conformance --device cuda tests/fixtures/conformance > "$out/conformance_cuda.log" 2>&1
  rc=$?
  tail -1 "$out/conformance_cuda.log" | tee -a "$out/summary.txt"
  grep -E 'FAIL|error' "$out/conformance_cuda.log" | head -20 | tee -a "$out/summary.txt"
  say "conformance exit code $rc"
  (( rc == 0 )) || status=1
else
  say "s2s not in the bundle: conformance skipped"
fi
if [[ -x $bundle/bin/s2s ]]; then
  # The product path end to end on the GPU (one process, no MPI runtime on the GPU machine:
  # S2S_MPI=0): prepare the quickstart's data, train on CUDA (graphs per bucket), evaluate the
  # checkpoint on CUDA and on the CPU (same parameters: the perplexities must agree), decode.
  say "s2s train/eval/decode on cuda (quickstart config, 300 steps) ..."
  e2e=${TMPDIR:-/tmp}/s2s-gpu-e2e
  rm -rf "$e2e" && mkdir -p "$e2e"
  (  # a subshell: its exit ends only the step, and S2S_MPI stays local to it
    export S2S_MPI=0
    set -x
    "$bundle/bin/s2s" prepare --synthetic reverse --pairs 20000 --dev-pairs 500 --seed 1 \
      --buckets 5,10:10,15 -o "$e2e/reverse.h5" --quiet &&
    "$bundle/bin/s2s" train --config configs/quickstart.yaml --set data.dataset="$e2e/reverse.h5" \
      --set train.train_dir="$e2e/train" --set model.device=cuda --set train.max_steps=300 \
      --set train.steps_per_checkpoint=150 &&
    "$bundle/bin/s2s" eval --checkpoint "$e2e/train" --device cuda --json > "$e2e/eval_cuda.json" &&
    "$bundle/bin/s2s" eval --checkpoint "$e2e/train" --device cpu --json > "$e2e/eval_cpu.json" &&
    printf 'a b c d\nh g f\n' | "$bundle/bin/s2s" decode --checkpoint "$e2e/train" --device cuda
    rc=$?
    set +x
    cat "$e2e/eval_cuda.json" "$e2e/eval_cpu.json"
    exit $rc
  ) > "$out/train_cuda.log" 2>&1
  rc=$?
  grep -E 'cuda graphs|done:|error' "$out/train_cuda.log" | tee -a "$out/summary.txt"
  if (( rc == 0 )); then
    ppl() { sed -n 's/.*"perplexity": \([0-9.eE+-]*\).*/\1/p' "$1" | tail -1; }
    cuda_ppl=$(ppl "$e2e/eval_cuda.json"); cpu_ppl=$(ppl "$e2e/eval_cpu.json")
    if awk -v a="$cuda_ppl" -v b="$cpu_ppl" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(a > 0 && d <= 1e-4 * b) }'; then
      say "dev perplexity of the CUDA-trained checkpoint: cuda $cuda_ppl, cpu $cpu_ppl (agree to 1e-4)"
    else
      say "ERROR: dev perplexity cuda $cuda_ppl vs cpu $cpu_ppl (must agree to 1e-4)"
      rc=1
    fi
  fi
  say "train/eval/decode on cuda exit code $rc"
  (( rc == 0 )) || status=1
fi
# A bundled gtest binary: its totals and failed tests into the summary; skips for lack of a
# device count as failure (this script runs on the GPU machine).
run_gtest_binary() {  # run_gtest_binary NAME WHAT
  local name=$1 what=$2 log="$out/$1.log" rc
  if [[ ! -x $bundle/bin/$name ]]; then
    say "$name not in the bundle: $what skipped"
    return
  fi
  say "$name ($what) ..."
  "$bundle/bin/$name" > "$log" 2>&1
  rc=$?
  grep -E '^\[  (PASSED|SKIPPED|FAILED) +\] [0-9]+ tests?' "$log" | tee -a "$out/summary.txt"
  grep -E '^\[  FAILED  \] [A-Za-z_]+\.' "$log" | sed 's/ (.*//' | sort -u | tee -a "$out/summary.txt"
  say "$name exit code $rc"
  (( rc == 0 )) || status=1
  if grep -q 'no CUDA device' "$log"; then
    say "WARNING: $name skipped tests for lack of a device"
    status=1
  fi
}
run_gtest_binary s2s_test_gpu_model "CPU <-> CUDA model parity, graphs, fixtures on CUDA"
run_gtest_binary s2s_test_dist_nccl_gpu "NCCL reducer, one rank"
say "overall: $([[ $status == 0 ]] && echo PASS || echo FAIL)"
exit $status
