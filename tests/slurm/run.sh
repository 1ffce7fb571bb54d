#!/usr/bin/env bash
# Owns: the Slurm launch check (ctest `slurm_launch`, label `slurm`): brings up a throwaway
# one-node cluster (slurm-local.sh), trains a tiny model on a synthetic reverse dataset and checks
#   srun     `srun -n 2 s2s train` (direct launch over PMIx): one 2-rank world, checkpoint, exit 0,
#            and the launch self-check's line (srun, 1 host x 2 ranks, dataset, shared train_dir)
#   alone    `srun -n 2` with S2S_MPI=0 (each task a world of one): the self-check fails, naming
#            SLURM_STEP_NUM_TASKS=2 and the task's SLURM_PROCID
#   sbatch   `sbatch --wait launch/slurm.sbatch CONFIG` with 2 tasks completes (exit 0)
#   requeue  USR1 to the batch shell (as --signal=B:USR1@N would) -> ranks checkpoint and exit 143
#            -> the script requeues -> run 2 (restart 1) resumes from that checkpoint and trains on
# Prints PASS/FAIL per check; exits 1 on any failure, 77 (skip) when Slurm is not installed or
# not root. Builds nothing.
#   tests/slurm/run.sh [S2S_BINARY]    (default: $S2S, else build/s2s)
# S2S_SLURM_INSTALL=1 installs the Debian packages first; S2S_KEEP_TEST_DIRS keeps the work dir.
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
[[ $(id -u) == 0 ]] || { echo "SKIP: needs root (the local cluster runs as root)"; exit 77; }
if [[ ${S2S_SLURM_INSTALL:-0} != 1 ]]; then
  for t in munged slurmctld slurmd srun sbatch; do
    command -v "$t" >/dev/null || { echo "SKIP: $t not installed (tools/install-deps.sh slurm, or S2S_SLURM_INSTALL=1, installs Slurm; tests/run.sh does as root on Debian)"; exit 77; }
  done
fi
s2s=${1:-${S2S:-$root/build/s2s}}
[[ -x $s2s ]] || { echo "run.sh: no s2s binary (pass its path)"; exit 2; }
s2s=$(realpath "$s2s")
export OPENBLAS_NUM_THREADS=1

work=$(mktemp -d /tmp/s2s-slurm.XXXXXX)  # short: PMIx sockets live under $work/c
chmod 755 "$work"  # munged wants every directory above its socket traversable by all
cleanup() {
  "$here/slurm-local.sh" down "$work/c" || true
  [[ -n ${S2S_KEEP_TEST_DIRS:-} ]] && echo "kept $work" || rm -rf "$work"
}
trap cleanup EXIT
failed=0
pass() { echo "PASS: $*"; }
fail() { echo "FAIL: $*"; failed=1; }
t0=$SECONDS
lap() { echo "  ($((SECONDS - t0)) s)"; t0=$SECONDS; }

"$here/slurm-local.sh" up "$work/c" || { echo "FAIL: cluster did not come up"; exit 1; }
. "$work/c/env.sh"
lap

data=$work/reverse.h5
"$s2s" prepare --synthetic reverse --pairs 2000 --dev-pairs 50 --seed 1 --min-length 3 --max-length 8 \
  --buckets 5,10:10,15 -o "$data" --force --quiet >/dev/null || { echo "FAIL: s2s prepare"; exit 1; }
config=$root/configs/quickstart.yaml  # buckets 5,10:10,15 like the data
tiny=(--set "data.dataset=$data" --set model.size=16 --set model.embedding_size=8 --set train.batch_size=8
      --set optim.optimizer=sgd --set optim.learning_rate=0.5)

# a. direct launch: one world of 2 ranks (two singletons would each say "[rank 0/1]").
log=$work/srun.log
srun -l -n 2 "$s2s" train --config "$config" "${tiny[@]}" --set train.max_steps=20 \
  --set train.steps_per_checkpoint=10 --set "train.train_dir=$work/a" >"$log" 2>&1
rc=$?
if [[ $rc -eq 0 ]] && grep -Eq '^0: [0-9T:.-]+Z \[rank 0/2\] done: step 20' "$log" && ! grep -q 'rank 0/1\]' "$log" \
   && [[ -f $work/a/ckpt-20.h5 ]] \
   && grep -q "launch check: 2 rank(s) on 1 host(s) x 2 rank(s): $(hostname) ranks 0-1 (cpu,cpu); launcher: srun (SLURM_STEP_NUM_TASKS=2); dataset: the same .* bytes on every rank; train_dir: shared" "$log"; then
  grep -m1 'launch check: ' "$log" | sed 's/^/  /'
  pass "srun -n 2 s2s train: 2-rank world, 20 steps, ckpt-20.h5, exit 0, the launch self-check's line says srun, 2 ranks"
else
  cat "$log"; fail "srun -n 2 s2s train (exit $rc)"
fi
lap

# a2. the launch self-check: `srun -n 2` of tasks that each come up as a world of one (S2S_MPI=0
# here; a PMI that the MPI library lacks does the same) must fail naming srun's task count.
log=$work/alone.log
srun -l -n 2 env S2S_MPI=0 "$s2s" train --config "$config" "${tiny[@]}" --set train.max_steps=20 \
  --set "train.train_dir=$work/alone" >"$log" 2>&1
rc=$?
if [[ $rc -ne 0 ]] && grep -q 'the launcher started 2 process(es) (SLURM_STEP_NUM_TASKS=2) but rank 0 on host .* joined a world of 1 rank(s) (this process is SLURM_PROCID=1)' "$log" \
   && ! grep -q 'done: step' "$log"; then
  grep -m1 'SLURM_PROCID=1)' "$log" | sed 's/^/  /' | cut -c1-240
  pass "srun -n 2 of one-rank worlds (S2S_MPI=0): exit $rc, the self-check names SLURM_STEP_NUM_TASKS=2"
else
  cat "$log"; fail "srun -n 2 with S2S_MPI=0 (exit $rc): expected the launch self-check to fail"
fi
lap

# b. the batch script, 2 tasks, to completion.
export S2S_BIN=$s2s
sbatch --wait -n 2 -D "$work" -o "$work/b.out" "$root/launch/slurm.sbatch" "$config" "${tiny[@]}" \
  --set train.max_steps=20 --set train.steps_per_checkpoint=10 --set "train.train_dir=$work/b" >/dev/null
rc=$?
if [[ $rc -eq 0 ]] && grep -q '2 rank(s)' "$work/b.out" && grep -q '\[rank 0/2\] done: step 20' "$work/b.out"; then
  pass "sbatch --wait launch/slurm.sbatch (2 tasks): done at step 20, exit 0"
else
  cat "$work/b.out"; fail "sbatch --wait launch/slurm.sbatch (exit $rc)"
fi
lap

# c. checkpoint-and-requeue: USR1 to the batch shell only (what --signal=B:USR1@N delivers).
out=$work/c.out
wait_for() {  # wait_for SECONDS PATTERN: poll the job's output for an extended regex
  local end=$((SECONDS + $1))
  until grep -Eq "$2" "$out" 2>/dev/null; do
    ((SECONDS < end)) && [[ -n $(squeue -h -j "$job" 2>/dev/null) ]] || return 1  # gave up or job ended
    sleep 0.2
  done
}
job=$(sbatch --parsable -n 2 -D "$work" -o "$out" "$root/launch/slurm.sbatch" "$config" "${tiny[@]}" \
  --set train.max_steps=10000000 --set train.steps_per_checkpoint=100000 --set train.log_every=200 \
  --set "train.train_dir=$work/c")
if ! wait_for 60 'Z step [0-9]*[1-9]00 '; then
  cat "$out"; fail "requeue: the first run never logged a step"
else
  scancel --signal=USR1 --batch "$job"
  t_sig=$SECONDS
  if wait_for 60 'resuming from .*\(step [0-9]+'; then
    t_res=$SECONDS
    stop=$(grep -Eo 'stopping on a signal after step [0-9]+ \(exit code 143\)' "$out" | head -n1 | grep -Eo 'step [0-9]+')
    stop=${stop#step }
    resumed=$(grep -Eo 'resuming from [^ ]*ckpt-[0-9]+\.h5 \(step [0-9]+' "$out" | head -n1 | grep -Eo '[0-9]+$')
    after=0  # the last step logged by run 2 (lines after "resuming from")
    for _ in $(seq 150); do
      after=$(sed -n '/resuming from/,$p' "$out" | grep -Eo 'Z step [0-9]+' | tail -n1 | grep -Eo '[0-9]+')
      [[ -n $stop && ${after:-0} -gt $stop ]] && break
      sleep 0.2
    done
    restarts=$(scontrol show job "$job" | grep -Eo 'Restarts=[0-9]+')
    if [[ -n $stop && $resumed == "$stop" && ${after:-0} -gt $stop ]] && grep -q 'restart 1 ' "$out" \
       && grep -q 'requeueing job' "$out" && [[ $restarts == Restarts=1 ]]; then
      pass "requeue: USR1 -> checkpoint at step $stop, exit 143, requeued ($restarts), run 2 resumed" \
           "at $stop after $((t_res - t_sig)) s and trained on to step $after"
    else
      cat "$out"; fail "requeue: stop='$stop' resumed='$resumed' after='$after' $restarts"
    fi
  else
    cat "$out"; fail "requeue: no second run resuming from a checkpoint"
  fi
fi
scancel "$job" 2>/dev/null
lap

exit $failed
