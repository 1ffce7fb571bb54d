#!/usr/bin/env bash
# Data-parallel training on one or more machines with Open MPI.
#   launch/mpirun.sh NP CONFIG [s2s train options...]
# e.g. launch/mpirun.sh 4 configs/translate.yaml --set train.train_dir=runs/wmt --resume auto
# Each rank picks its GPU by local rank (CUDA configs) and one OpenBLAS thread per core share.
# Environment: S2S_BIN (the binary; default build/s2s, what launch/quickstart.sh and tests/run.sh
# build), MPIRUN_ARGS (extra mpirun flags: --hostfile FILE, --host a:4,b:4, binding).
# Prints the binary, rank count and hosts it uses on stderr before starting.
set -euo pipefail
np=${1:?usage: launch/mpirun.sh NP CONFIG [options]}
config=${2:?usage: launch/mpirun.sh NP CONFIG [options]}
shift 2
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
s2s=${S2S_BIN:-$root/build/s2s}
[[ -x $s2s ]] || { echo "launch/mpirun.sh: no s2s binary at $s2s (build it with launch/quickstart.sh or tests/run.sh, or set S2S_BIN)" >&2; exit 2; }
cores=$(nproc)
threads=$(( cores / np )); (( threads < 1 )) && threads=1
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
oversub=()
(( np > cores )) && oversub=(--oversubscribe)
hosts="this host ($(hostname))"
[[ ${MPIRUN_ARGS:-} =~ (--host|-H|--hostfile|-hostfile|--machinefile) ]] && hosts="from MPIRUN_ARGS: $MPIRUN_ARGS"
echo "launch/mpirun.sh: $np rank(s) of $s2s ($("$s2s" --version 2>/dev/null || echo "version unknown")); hosts: $hosts; OPENBLAS_NUM_THREADS=$threads" >&2
exec mpirun -np "$np" "${oversub[@]}" ${MPIRUN_ARGS:-} -x OPENBLAS_NUM_THREADS="$threads" \
  "$s2s" train --config "$config" "$@"
