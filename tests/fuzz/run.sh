#!/usr/bin/env bash
# The fuzz stage: builds the libFuzzer targets (S2S_FUZZ=ON, clang, ASan+UBSan, in build-fuzz)
# and runs each for S2S_FUZZ_SECONDS (default 30) from its committed seed corpus
# (tests/fuzz/corpus/<target>/), new inputs going to a scratch corpus in the build folder.
# Called by tests/run.sh on a full run; alone: tests/fuzz/run.sh [target...] (default: all four).
# Environment: FUZZ_BUILD_DIR (default build-fuzz), JOBS (default: number of cores),
#   S2S_FUZZ_SECONDS (per target), S2S_FUZZ_RSS_MB (default 2048: the memory limit; an input that
#   makes s2s allocate more, or one allocation over it, counts as a crash).
# A crash leaves its input in $FUZZ_BUILD_DIR/artifacts/ and the stage fails; reproduce it with
#   $FUZZ_BUILD_DIR/tests/fuzz/s2s_fuzz_<target> <that file>.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"
build=${FUZZ_BUILD_DIR:-build-fuzz}
jobs=${JOBS:-$(nproc)}
seconds=${S2S_FUZZ_SECONDS:-30}
rss_mb=${S2S_FUZZ_RSS_MB:-2048}
targets=("$@")
((${#targets[@]})) || targets=(tokenizer config dataset checkpoint)
command -v clang++ >/dev/null 2>&1 || { echo "[fuzz] clang++ is required (libFuzzer)" >&2; exit 1; }
launcher=()
command -v ccache >/dev/null 2>&1 && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache)
t0=$(date +%s)
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DS2S_FUZZ=ON -DCMAKE_C_COMPILER=clang \
      -DCMAKE_CXX_COMPILER=clang++ -DS2S_WITH_CUDA=OFF -DS2S_BUILD_TESTS=OFF -DS2S_BUILD_BENCH=OFF "${launcher[@]}"
cmake --build "$build" -j "$jobs" --target "${targets[@]/#/s2s_fuzz_}"
echo "[fuzz] build took $(( $(date +%s) - t0 )) s"
export OPENBLAS_NUM_THREADS=1
# Open MPI/HDF5 lifetime allocations are not s2s leaks (as in the sanitizer stage).
export LSAN_OPTIONS="suppressions=$root/tests/sanitizers/lsan.supp:print_suppressions=0"
export ASAN_OPTIONS="detect_stack_use_after_return=0:allocator_may_return_null=0"
export UBSAN_OPTIONS="print_stacktrace=1"
mkdir -p "$build/artifacts"
status=0
for t in "${targets[@]}"; do
  work="$build/corpus/$t"
  mkdir -p "$work"
  echo "[fuzz] $t: ${seconds} s"
  # -timeout: one input running over 10 s is a hang; -malloc_limit_mb: one allocation over the
  # limit is a crash (a size taken from a file without a bound).
  if ! "$build/tests/fuzz/s2s_fuzz_$t" "$work" "tests/fuzz/corpus/$t" -max_total_time="$seconds" \
         -timeout=10 -rss_limit_mb="$rss_mb" -malloc_limit_mb="$rss_mb" -print_final_stats=1 \
         -artifact_prefix="$build/artifacts/$t-" 2>"$build/fuzz-$t.log"; then
    status=1
    echo "[fuzz] $t FAILED; the end of its log ($build/fuzz-$t.log):"
    tail -40 "$build/fuzz-$t.log"
  fi
  grep -E '^stat::number_of_executed_units|^Done' "$build/fuzz-$t.log" | sed "s/^/[fuzz] $t: /" || true
done
echo "[fuzz] took $(( $(date +%s) - t0 )) s"
exit $status
