#!/usr/bin/env bash
# The sanitizer suite: the CPU code built with AddressSanitizer + UndefinedBehaviorSanitizer
# (S2S_SANITIZE=ON: no CUDA, no bench; UB aborts) and every CPU test run under it, Open MPI's
# process-lifetime allocations suppressed by library (lsan.supp; ../shared/docs/toolchain.md §8).
# Called by tests/run.sh on a full run; alone: tests/sanitizers/run.sh [extra ctest args].
# Environment: ASAN_BUILD_DIR (default build-asan), JOBS (default: number of cores).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"
build=${ASAN_BUILD_DIR:-build-asan}
jobs=${JOBS:-$(nproc)}
launcher=()
command -v ccache >/dev/null 2>&1 && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
t0=$(date +%s)
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DS2S_BUILD_TESTS=ON -DS2S_BUILD_BENCH=OFF \
      -DS2S_WITH_CUDA=OFF -DS2S_SANITIZE=ON "${launcher[@]}"
cmake --build "$build" -j "$jobs"
t1=$(date +%s)
echo "[sanitizers] build took $((t1 - t0)) s"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
export OPENBLAS_NUM_THREADS=1
# Inherited by every test and every process a test starts (s2s subprocesses, mpirun ranks).
export LSAN_OPTIONS="suppressions=$root/tests/sanitizers/lsan.supp:print_suppressions=0"
export ASAN_OPTIONS="fast_unwind_on_malloc=0:malloc_context_size=40:detect_stack_use_after_return=0"
export UBSAN_OPTIONS="print_stacktrace=1"
# GPU tests have nothing to run in a CPU build; Slurm needs a cluster; the package and docker
# tests check packaging, not memory (an installed ASan library needs ASan consumers).
ctest --test-dir "$build" --output-on-failure -j "$jobs" --timeout 900 -LE "gpu|slurm|package|docker|mpi|launch|docs" "$@"
# Every test that starts several ranks under mpirun (labels mpi, launch, and docs: the README's
# launch/mpirun.sh line) runs with ASan and UBSan
# but without LeakSanitizer: LSan's stop-the-world step crashes in its tracer ("Tracer caught
# signal 11", "LeakSanitizer has encountered a fatal error", no leak report) next to Open MPI's
# progress threads, seen in 3- and 4-rank runs here (mpi_train_resume_2to3, dist_mpi_np4 in CI).
# That fails the test for LSan's sake, not s2s's. Leaks in the same code paths are still checked
# by the one-process tests above, which run the same collectives through the local world.
ASAN_OPTIONS="$ASAN_OPTIONS:detect_leaks=0" \
  ctest --test-dir "$build" --output-on-failure -j "$jobs" --timeout 900 -L "mpi|launch|docs" -LE "gpu|slurm" "$@"
echo "[sanitizers] tests took $(( $(date +%s) - t1 )) s"
