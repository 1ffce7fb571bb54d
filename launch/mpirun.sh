#!/usr/bin/env bash
# Data-parallel training on one or more machines with Open MPI.
#   launch/mpirun.sh NP CONFIG [s2s train options...]
# e.g. launch/mpirun.sh 4 configs/translate.yaml --set train.train_dir=runs/wmt --resume auto
# Each rank picks its GPU by local rank (CUDA configs) and one OpenBLAS thread per core share.
# Extra mpirun flags (hostfile, binding) go in MPIRUN_ARGS.
set -euo pipefail
np=${1:?usage: launch/mpirun.sh NP CONFIG [options]}
config=${2:?usage: launch/mpirun.sh NP CONFIG [options]}
shift 2
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
s2s=${S2S_BIN:-$root/build/s2s}          # tests/run.sh build (CUDA when available)
[[ -x $s2s ]] || s2s=$root/build-cpu/s2s   # launch/quickstart.sh build (CPU)
[[ -x $s2s ]] || { echo "launch/mpirun.sh: $s2s not built (run launch/quickstart.sh or cmake --build build)" >&2; exit 2; }
cores=$(nproc)
threads=$(( cores / np )); (( threads < 1 )) && threads=1
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
oversub=()
(( np > cores )) && oversub=(--oversubscribe)
exec mpirun -np "$np" "${oversub[@]}" ${MPIRUN_ARGS:-} -x OPENBLAS_NUM_THREADS="$threads" \
  "$s2s" train --config "$config" "$@"
