#!/usr/bin/env bash
# The main job on the embedded default: installs what is missing, builds s2s (CPU; Release) and
# runs it. Until the trainer lands this runs the engine's demo (a tiny model fitted with the
# autograd tape); see README.md.
# Environment: BUILD_DIR (default build), JOBS (default: number of cores).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
bash tools/install-deps.sh
build=${BUILD_DIR:-build}
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DS2S_BUILD_TESTS=OFF -DS2S_BUILD_BENCH=OFF >/dev/null
cmake --build "$build" -j "${JOBS:-$(nproc)}" --target s2s
export OPENBLAS_NUM_THREADS=${OPENBLAS_NUM_THREADS:-$(nproc)}
"$build/s2s" demo
