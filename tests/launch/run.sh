#!/usr/bin/env bash
# Owns: the launch scripts as a user runs them (ctest label `launch`):
#   mpirun    `S2S_BIN=... launch/mpirun.sh 2 CONFIG --set train.train_dir=DIR` says on stderr
#             which binary, how many ranks and which hosts it uses, trains into DIR (not ./train)
#             as one 2-rank world, and its stdout log is plain timestamped lines;
#   no-binary `S2S_BIN=/nonexistent launch/mpirun.sh ...` fails with exit 2 naming the path and
#             S2S_BIN, instead of falling back to another binary.
# Environment: S2S (the binary), plus the OMPI_* / OPENBLAS_NUM_THREADS test environment.
set -uo pipefail
S2S=${S2S:?path of the s2s binary}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/s2s-launch-XXXXXX")
cleanup() { [[ -n "${S2S_KEEP_TEST_DIRS:-}" ]] || rm -rf "$work"; }
trap cleanup EXIT
fail() { echo "FAIL: $*"; exit 1; }
cd "$work"  # a run that ignored train_dir would create ./train here

"$S2S" prepare --synthetic reverse --pairs 96 --dev-pairs 12 --seed 5 --alphabet 8 --min-length 2 \
  --max-length 8 --buckets 5,10:10,15 -o "$work/tiny.h5" --force --quiet >/dev/null || fail "prepare"
sets=(--set model.num_layers=1 --set model.size=8 --set model.embedding_size=8 --set model.num_samples=0
      --set optim.optimizer=sgd --set train.batch_size=2 --set train.max_steps=4 --set train.log_every=2
      --set train.steps_per_checkpoint=2 --set train.eval=full --set "data.dataset=$work/tiny.h5"
      --set "train.train_dir=$work/run")

echo "+ S2S_BIN=$S2S launch/mpirun.sh 2 configs/quickstart.yaml ..."
S2S_BIN=$S2S "$root/launch/mpirun.sh" 2 "$root/configs/quickstart.yaml" "${sets[@]}" >"$work/out" 2>"$work/err"
rc=$?
[[ $rc -eq 0 ]] || { cat "$work/out" "$work/err"; fail "launch/mpirun.sh exited $rc"; }
line=$(grep '^launch/mpirun.sh: ' "$work/err" | head -n1)
[[ $line == *"2 rank(s) of $S2S"* && $line == *"hosts: this host ($(hostname))"* ]] \
  || { cat "$work/err"; fail "no line naming the binary and hosts"; }
grep -q '\[rank 0/2\] done: step 4' "$work/err" || { cat "$work/err"; fail "not one 2-rank world"; }
[[ -f $work/run/ckpt-4.h5 && ! -e $work/train ]] || fail "did not train into train_dir"
grep -Evq '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z ' "$work/out" && { cat -A "$work/out"; fail "stdout line without a timestamp"; }
echo "  $line"

echo "+ S2S_BIN=$work/none launch/mpirun.sh 2 ..."
S2S_BIN=$work/none "$root/launch/mpirun.sh" 2 "$root/configs/quickstart.yaml" >"$work/out2" 2>"$work/err2"
rc=$?
[[ $rc -eq 2 ]] && grep -q "no s2s binary at $work/none" "$work/err2" && grep -q S2S_BIN "$work/err2" \
  || { cat "$work/err2"; fail "a missing S2S_BIN must fail with exit 2 naming it (got $rc)"; }
echo "PASS launch: mpirun.sh names binary and hosts, trains into train_dir; a missing S2S_BIN is refused"
