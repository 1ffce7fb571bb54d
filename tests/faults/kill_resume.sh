#!/usr/bin/env bash
# Owns: the kill-test harness (label `faults`). `s2s train` is SIGKILLed at random moments (start-
# up, steps, dev evaluation, checkpoint writes: a checkpoint is saved every step, so a good share
# of kills land inside a write, counted by the temporary file they leave), resumed each time with
# --resume auto, and after the last kill left to finish. Checked after every kill: `latest` is
# absent or names a checkpoint that loads with every checksum verified. Checked at the end: the
# final checkpoint is bitwise equal (s2s_faults_check equal) to that of a straight, unkilled run.
# Environment: S2S, S2S_FAULTS_CHECK (set by tests.cmake);
#   S2S_FAULTS_RUNS   killed runs (default 2)       S2S_FAULTS_KILLS  kills per run (default 4)
#   S2S_FAULTS_STEPS  steps of each run (default 16) S2S_FAULTS_SEED  seed of the kill times
#   S2S_KEEP_TEST_DIRS=1 keeps the work folder.
# Prints one summary line: runs, kills tried, kills inside a checkpoint write, unloadable
# `latest`, mismatches; exits non-zero when any of the last two is not 0.
set -uo pipefail
S2S=${S2S:?path of the s2s binary}
CHECK=${S2S_FAULTS_CHECK:?path of s2s_faults_check}
runs=${S2S_FAULTS_RUNS:-2}
kills_per_run=${S2S_FAULTS_KILLS:-4}
steps=${S2S_FAULTS_STEPS:-16}
seed=${S2S_FAULTS_SEED:-$(( $(date +%s) % 100000 ))}
RANDOM=$seed
export OPENBLAS_NUM_THREADS=1 S2S_MPI=0   # one process, no launcher: a kill hits the trainer itself

work=$(mktemp -d "${TMPDIR:-/tmp}/s2s-faults-XXXXXX")
pid=""
cleanup() {
  [[ -n $pid ]] && kill -KILL "$pid" 2>/dev/null
  [[ -n "${S2S_KEEP_TEST_DIRS:-}" ]] || rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; exit 1; }

data="$work/tiny.h5"
"$S2S" prepare --synthetic reverse --pairs 160 --dev-pairs 16 --seed 5 --alphabet 12 --min-length 2 \
  --max-length 6 --buckets 4,5:7,8 -o "$data" --force --quiet >/dev/null || fail "prepare"

# Adam (optimizer slots, update count), dropout (RNG positions), plateau decay history, dev
# evaluation and rotation (keep 3) all have state a resume must restore exactly.
common=(--set model.num_layers=2 --set model.size=32 --set model.embedding_size=16 --set model.num_samples=0
        --set model.input_keep_prob=0.9 --set model.output_keep_prob=0.9 --set "data.dataset=$data"
        --set data.seed=3 --set optim.optimizer=adam --set optim.learning_rate=0.01 --set train.batch_size=8
        --set "train.max_steps=$steps" --set train.steps_per_checkpoint=1 --set train.keep_checkpoints=3
        --set train.log_every=0 --set train.eval=full --set train.seed=7)

straight="$work/straight"
t0=$(date +%s%N)
"$S2S" train "${common[@]}" --set "train.train_dir=$straight" >"$straight.log" 2>&1 || { cat "$straight.log"; fail "straight run"; }
straight_ms=$(( ($(date +%s%N) - t0) / 1000000 ))
[[ -f $straight/ckpt-$steps.h5 ]] || fail "straight run left no ckpt-$steps.h5"
echo "straight run: $steps steps in $straight_ms ms (kill seed $seed)"

tmp_names() { (cd "$1" 2>/dev/null && ls -a | grep -F '.tmp-') || true; }

total_kills=0 in_write=0 unloadable=0 mismatches=0
for ((r = 1; r <= runs; ++r)); do
  dir="$work/run$r"
  kills=0 starts=0
  while ((kills < kills_per_run)); do
    before=$(tmp_names "$dir")
    "$S2S" train "${common[@]}" --set "train.train_dir=$dir" --resume auto >>"$dir.log" 2>&1 &
    pid=$!
    ((++starts))
    # A random moment: uniform over [0, 2 T / kills] with T the straight run's duration, so a run
    # takes about `kills` kills before one attempt outlives what is left of it.
    window_ms=$(( 2 * straight_ms / kills_per_run ))
    delay_ms=$(( (RANDOM * 32768 + RANDOM) % (window_ms + 1) ))
    sleep "$(printf '%d.%03d' $((delay_ms / 1000)) $((delay_ms % 1000)))"
    kill -KILL "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    rc=$?
    pid=""
    if ((rc != 137)); then  # exited by itself before the signal (a zombie still takes a kill)
      ((rc == 0)) || { tail -20 "$dir.log"; fail "run $r: s2s train exited $rc without being killed"; }
      break  # finished before the kill: the run is complete
    fi
    ((++kills, ++total_kills))
    new=$(comm -13 <(echo "$before") <(tmp_names "$dir") | grep -c . || true)
    where="mid-step"
    if ((new > 0)); then ((++in_write)); where="inside a save"; fi
    if ! out=$("$CHECK" latest "$dir"); then ((++unloadable)); fi
    echo "run $r kill $kills at ${delay_ms} ms ($where): $out"
  done
  # Finish the run (a process that outlived its kill budget above already did).
  if [[ ! -f $dir/ckpt-$steps.h5 ]]; then
    "$S2S" train "${common[@]}" --set "train.train_dir=$dir" --resume auto >>"$dir.log" 2>&1 ||
      { tail -20 "$dir.log"; fail "run $r: final resume failed"; }
  fi
  if ! "$CHECK" equal "$straight/ckpt-$steps.h5" "$dir/ckpt-$steps.h5"; then ((++mismatches)); fi
done

echo "faults: runs $runs, kills $total_kills, inside saves $in_write, unloadable latest $unloadable, mismatches $mismatches (seed $seed)"
((unloadable == 0 && mismatches == 0)) || fail "a kill broke resume"
