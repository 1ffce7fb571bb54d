#!/usr/bin/env bash
# Owns: the MPI training cases of tests/mpi_train (label `mpi`), run through the real `s2s`
# binary under mpirun on a tiny reverse-task dataset it prepares in a temporary folder:
#   equiv NP B DTYPE [K=V..] NP ranks x batch B == 1 rank x batch NP*B after K steps (same global
#                            examples: epoch sharding), parameters within DTYPE's tolerance, the
#                            cursor equal; a 1-rank run with batch B must NOT match (control).
#                            Replica identity: the trainer runs check_replicas at every checkpoint
#                            (every 2 steps here) and aborts on any bitwise difference.
#   resume NP1 B1 NP2 B2     NP1 x B1 for K steps, resumed on NP2 x B2 (same global batch) for M
#                            more == 1 rank x global batch for K+M straight (float64).
#   resume_same NP B [K=V..] NP ranks stopped mid checkpoint window and resumed on NP ranks ==
#                            NP ranks straight, with zero tolerance (float32).
#   term NP                  SIGTERM to rank 1 only: every rank stops after the same step, the
#                            job exits 143, the checkpoint is `latest` and resumes.
#   stop_mpirun NP SIG       the signal sent to mpirun itself (docs/distributed.md, "Stopping a job"):
#                            USR2 (forwarded to every rank) -> every rank checkpoints at the same
#                            step and the job exits 143, `latest` naming that step; TERM (with
#                            odls_base_sigkill_timeout=5) -> mpirun's own exit 1 within ~2x5 s,
#                            `latest` a checkpoint that resumes. Either way the run resumes.
#   lock NP                  a second NP-rank job on the train_dir of a running one: exits 1 within
#                            seconds naming the first job's rank 0 (pid, host); the first goes on.
#   kill NP                  SIGKILL rank 1 mid-training: the job ends non-zero, naming rank 1.
#   hang NP                  SIGSTOP rank 1 mid-training: with --set dist.timeout_s=3 the job
#                            ends with exit 75 well within 20 s, naming the missing rank 1.
#   sparse NP B OPT          dist.sparse_gradients (row-sparse embeddings and proj_w, sampled
#                            softmax) on NP ranks == dense gradients on NP ranks, float64, zero
#                            tolerance, for OPT sgd and adam (TF's sparse rules equal dense there);
#                            for momentum they must differ (untouched rows keep their momentum).
#                            Every step's exchanged_bytes equals docs/scaling.md's formula exactly
#                            (dense: 8 P + 40 in float64; sparse: from the step's logged ids and
#                            union rows),
#                            and the sparse run's bytes are below the dense run's.
#   logs NP                  --progress auto with stdout and stderr in files: mpirun gives every
#                            rank a pseudo-terminal, yet the logs hold no '\r' and no ESC, every
#                            s2s line starts with an ISO 8601 UTC timestamp, step lines come every
#                            log_every, and TensorBoard gets train/comm_hidden_fraction (NP > 1).
# Environment (set by tests.cmake): S2S (the binary), S2S_COMPARE (s2s_mpi_train_compare),
# MPIEXEC, plus the OMPI_* / OPENBLAS_NUM_THREADS test environment.
set -uo pipefail
S2S=${S2S:?path of the s2s binary}
S2S_COMPARE=${S2S_COMPARE:?path of s2s_mpi_train_compare}
MPIEXEC=${MPIEXEC:-mpirun}
export OPENBLAS_NUM_THREADS=1

work=$(mktemp -d "${TMPDIR:-/tmp}/s2s-mpitrain-XXXXXX")
job=""
cleanup() {
  # Ranks of a failed case (stopped ones included) must not outlive the test: the job's own
  # children first, then mpirun itself.
  if [[ -n $job ]] && kill -0 "$job" 2>/dev/null; then
    for p in $(pgrep -P "$job"); do kill -KILL "$p" 2>/dev/null; done
    kill -KILL "$job" 2>/dev/null
  fi
  [[ -n "${S2S_KEEP_TEST_DIRS:-}" ]] || rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; exit 1; }

data="$work/tiny.h5"
"$S2S" prepare --synthetic reverse --pairs 96 --dev-pairs 12 --seed 5 --alphabet 8 --min-length 2 \
  --max-length 4 --buckets 3,4:5,6 -o "$data" --force --quiet >/dev/null || fail "prepare"

# Tiny model, SGD, a checkpoint (and drift check, plateau check, dev eval, BLEU/chrF validation
# with each rank decoding its slice of the dev set) every 2 steps.
common=(--set model.num_layers=1 --set model.size=8 --set model.embedding_size=8 --set model.num_samples=0
        --set "data.dataset=$data" --set data.sampler=epochs --set data.seed=3 --set optim.optimizer=sgd
        --set optim.learning_rate=0.5 --set train.steps_per_checkpoint=2 --set train.log_every=0
        --set train.keep_checkpoints=0 --set train.eval=full --set train.seed=7 --set dist.timeout_s=30
        --set train.validate_every=1)

# The validation records (step, BLEU, chrF) rank 0 wrote to DIR/metrics.jsonl, one per line.
# With the best-so-far record (value, step, validations without improvement) after it.
validations() {
  jq -c 'select(.kind == "validation") | [.step, .bleu, .chrf, .sentences, .best, .best_step, .validations_since_best]' \
    "$1/metrics.jsonl"
}

# train NP DIR BATCH STEPS [extra args...]
train() {
  local np=$1 dir=$2 batch=$3 steps=$4
  shift 4
  echo "+ mpirun -np $np s2s train batch=$batch max_steps=$steps $*"
  "$MPIEXEC" -np "$np" "$S2S" train "${common[@]}" --set "train.train_dir=$dir" --set "train.batch_size=$batch" \
    --set "train.max_steps=$steps" "$@" >"$dir.log" 2>&1
  local rc=$?
  if [[ $rc -ne 0 ]]; then cat "$dir.log"; fail "mpirun -np $np s2s train exited $rc"; fi
  grep -q "REPLICA DRIFT" "$dir.log" && fail "replica drift reported"
}

compare() {  # A B RTOL ATOL
  echo "+ compare $(basename "$(dirname "$1")")/$(basename "$1") $(basename "$(dirname "$2")")/$(basename "$2")"
  "$S2S_COMPARE" "$1" "$2" --rtol "$3" --atol "$4"
}

tolerance() {  # DTYPE -> "rtol atol"
  if [[ $1 == float64 ]]; then echo "1e-12 1e-14"; else echo "1e-5 1e-6"; fi
}

case_equiv() {
  local np=$1 b=$2 dtype=$3 steps=8
  shift 3
  local extra=(--set "model.dtype=$dtype") a
  for a in "$@"; do extra+=(--set "$a"); done
  read -r rtol atol < <(tolerance "$dtype")
  train "$np" "$work/np$np" "$b" "$steps" "${extra[@]}"
  train 1 "$work/np1" $((np * b)) "$steps" "${extra[@]}"
  for s in 2 4 6 8; do
    compare "$work/np$np/ckpt-$s.h5" "$work/np1/ckpt-$s.h5" "$rtol" "$atol" || fail "step $s: $np x $b != 1 x $((np * b))"
  done
  grep -q "saved by $np rank(s)" <("$S2S" inspect "$work/np$np/ckpt-$steps.h5") || fail "world size not recorded"
  # BLEU/chrF statistics are integer sums over the ranks' slices of the dev set: the scores of
  # NP ranks equal one rank's exactly (the parameters agree to DTYPE's rounding, far from an argmax tie).
  [[ $(validations "$work/np$np" | wc -l) -eq 4 ]] || fail "expected 4 validation records"
  diff <(validations "$work/np$np") <(validations "$work/np1") || fail "validation scores differ between $np ranks and 1"
  # Control: the same number of ranks' worth of data is essential; 1 x B sees other examples.
  train 1 "$work/ctl" "$b" "$steps" "${extra[@]}"
  if compare "$work/np$np/ckpt-$steps.h5" "$work/ctl/ckpt-$steps.h5" "$rtol" "$atol" >/dev/null; then
    fail "control: 1 x $b matched $np x $b (the comparison is not sensitive)"
  fi
  echo "PASS equiv np=$np b=$b $dtype $*"
}

case_resume() {
  local np1=$1 b1=$2 np2=$3 b2=$4 k=4 total=10
  [[ $((np1 * b1)) -eq $((np2 * b2)) ]] || fail "global batches differ"
  local g=$((np1 * b1))
  read -r rtol atol < <(tolerance float64)
  train "$np1" "$work/run" "$b1" "$k" --set model.dtype=float64
  train "$np2" "$work/run" "$b2" "$total" --set model.dtype=float64 --set train.resume=auto
  grep -q "resuming from $work/run/ckpt-$k.h5 (step $k, saved by $np1 rank(s))" "$work/run.log" \
    || { cat "$work/run.log"; fail "did not resume from step $k"; }
  train 1 "$work/straight" "$g" "$total" --set model.dtype=float64
  for s in 6 8 10; do
    compare "$work/run/ckpt-$s.h5" "$work/straight/ckpt-$s.h5" "$rtol" "$atol" \
      || fail "step $s: $np1 -> $np2 ranks differs from 1 rank x $g"
  done
  # The validation record crossed the resume (and the world-size change): scores, best and
  # patience count of every validation equal the straight run's.
  [[ $(validations "$work/run" | wc -l) -eq 5 ]] || fail "expected 5 validation records (steps 2-10)"
  diff <(validations "$work/run") <(validations "$work/straight") || fail "validation records differ after the resume"
  echo "PASS resume $np1 x $b1 -> $np2 x $b2"
}

case_resume_same() {
  local np=$1 b=$2 k=5 total=10 a
  shift 2
  local extra=()
  for a in "$@"; do extra+=(--set "$a"); done
  train "$np" "$work/run" "$b" "$k" "${extra[@]}"
  train "$np" "$work/run" "$b" "$total" --set train.resume=auto "${extra[@]}"
  grep -q "resuming from $work/run/ckpt-$k.h5 (step $k," "$work/run.log" || fail "did not resume from step $k"
  train "$np" "$work/straight" "$b" "$total" "${extra[@]}"
  for s in 6 8 10; do  # float32, zero tolerance: bitwise up to the sign of zero
    compare "$work/run/ckpt-$s.h5" "$work/straight/ckpt-$s.h5" 0 0 || fail "step $s: resumed != straight on $np ranks"
  done
  echo "PASS resume_same $np x $b (stopped at $k, mid window) $*"
}

# Starts a long run in the background; sets `job` (mpirun's pid) and `log`.
start_long_run() {
  local np=$1
  log="$work/long.log"
  "$MPIEXEC" -np "$np" "$S2S" train "${common[@]}" --set "train.train_dir=$work/long" --set train.batch_size=4 \
    --set train.max_steps=0 --set train.keep_checkpoints=3 --set dist.timeout_s=3 >"$log" 2>&1 &
  job=$!
  local t=0
  # A checkpoint every 2 steps (rotated, so watch `latest`): wait until step 4 is done.
  until [[ -f $work/long/latest ]] && (( $(tr -dc 0-9 <"$work/long/latest") >= 4 )); do
    sleep 0.1
    t=$((t + 1))
    [[ $t -lt 300 ]] || { cat "$log"; fail "no training progress within 30 s"; }
    kill -0 "$job" 2>/dev/null || { cat "$log"; fail "the job ended early"; }
  done
}

# The pid of rank R among the job's processes (OMPI_COMM_WORLD_RANK in its environment).
rank_pid() {
  local r=$1 p
  for p in $(pgrep -P "$job"); do
    if tr '\0' '\n' </proc/"$p"/environ 2>/dev/null | grep -qx "OMPI_COMM_WORLD_RANK=$r"; then
      echo "$p"
      return
    fi
  done
}

# Waits for the job; sets `rc` and `elapsed`.
wait_job() {
  local limit=$1 t0=$SECONDS
  while kill -0 "$job" 2>/dev/null; do
    sleep 0.1
    if (( SECONDS - t0 > limit )); then cat "$log"; fail "job still running after $limit s"; fi
  done
  wait "$job"
  rc=$?
  elapsed=$((SECONDS - t0))
}

case_kill() {
  local np=$1
  start_long_run "$np"
  local victim
  victim=$(rank_pid 1)
  [[ -n $victim ]] || fail "rank 1 not found"
  echo "+ kill -KILL rank 1 (pid $victim)"
  kill -KILL "$victim"
  wait_job 30
  cat "$log" | tail -n 15
  [[ $rc -ne 0 ]] || fail "job exited 0 after a rank was killed"
  grep -Eq "rank 1 .*(signal 9|Killed)|missing rank\(s\): 1" "$log" || fail "the message does not name rank 1"
  echo "PASS kill np=$np: exit $rc after $elapsed s"
}

case_hang() {
  local np=$1
  start_long_run "$np"
  local victim
  victim=$(rank_pid 1)
  [[ -n $victim ]] || fail "rank 1 not found"
  echo "+ kill -STOP rank 1 (pid $victim)"
  kill -STOP "$victim"
  wait_job 40
  kill -KILL "$victim" 2>/dev/null
  cat "$log" | tail -n 15
  [[ $rc -eq 75 ]] || fail "expected exit 75 (collective timeout), got $rc"
  grep -q "missing rank(s): 1 " "$log" || fail "the message does not name the missing rank 1"
  grep -q "limit 3.0 s" "$log" || fail "dist.timeout_s=3 was not the deadline"
  (( elapsed <= 20 )) || fail "took $elapsed s with a 3 s timeout"
  echo "PASS hang np=$np: exit $rc after $elapsed s"
}

case_term() {
  local np=$1
  start_long_run "$np"
  local victim
  victim=$(rank_pid 1)
  [[ -n $victim ]] || fail "rank 1 not found"
  echo "+ kill -TERM rank 1 only (pid $victim)"
  kill -TERM "$victim"
  wait_job 30
  [[ $rc -eq 143 ]] || { tail -n 15 "$log"; fail "expected exit 143 after SIGTERM, got $rc"; }
  local step
  step=$(grep -o "stopping on a signal after step [0-9]* (exit code 143)" "$log" | grep -o "step [0-9]*" | cut -d' ' -f2)
  [[ -n $step ]] || { tail -n 15 "$log"; fail "no 'stopping on a signal' line"; }
  # Every rank stopped at that step (a rank that went on would have left the others in a
  # collective: exit 75), and its checkpoint is the latest.
  [[ $(head -n 1 "$work/long/latest") == "ckpt-$step.h5" ]] || fail "latest is not ckpt-$step.h5"
  train "$np" "$work/long" 4 $((step + 2)) --set train.resume=auto
  grep -q "resuming from $work/long/ckpt-$step.h5 (step $step," "$work/long.log" || fail "did not resume from $step"
  echo "PASS term np=$np: all ranks stopped after step $step, exit 143, resumed"
}

case_stop_mpirun() {
  local np=$1 sig=$2 step
  if [[ $sig == TERM ]]; then
    # Open MPI SIGKILLs the ranks this long after forwarding a SIGTERM (default 1 s: a large
    # model's checkpoint would be cut short; the atomic write keeps the previous one). mpirun
    # itself returns after about twice this, with status 1, and stops forwarding the ranks'
    # output, so the stop step is read from `latest`, not from the log.
    export OMPI_MCA_odls_base_sigkill_timeout=5
  fi
  start_long_run "$np"
  echo "+ kill -$sig mpirun (pid $job)"
  kill -"$sig" "$job"
  wait_job 40
  if [[ $sig == USR2 ]]; then
    [[ $rc -eq 143 ]] || { tail -n 15 "$log"; fail "expected exit 143 after SIGUSR2 to mpirun, got $rc"; }
    step=$(grep -o "stopping on a signal after step [0-9]* (exit code 143)" "$log" | grep -o "step [0-9]*" | cut -d' ' -f2)
    [[ -n $step ]] || { tail -n 15 "$log"; fail "no 'stopping on a signal' line"; }
    grep -q "Killed\\|signal 9" "$log" && fail "a rank was SIGKILLed"
    [[ $(head -n 1 "$work/long/latest") == "ckpt-$step.h5" ]] || fail "latest is not ckpt-$step.h5"
  else
    [[ $rc -eq 1 ]] || { tail -n 15 "$log"; fail "expected mpirun's own exit 1 after SIGTERM to it, got $rc"; }
    step=$(head -n 1 "$work/long/latest" | sed -nE 's/^ckpt-([0-9]+)\.h5$/\1/p')
    [[ -n $step ]] || fail "latest does not name a checkpoint"
    (( elapsed <= 25 )) || fail "mpirun took $elapsed s with odls_base_sigkill_timeout=5"
  fi
  train "$np" "$work/long" 4 $((step + 2)) --set train.resume=auto
  grep -q "resuming from $work/long/ckpt-$step.h5 (step $step," "$work/long.log" || fail "did not resume from $step"
  echo "PASS stop_mpirun np=$np SIG$sig: checkpoint of step $step is latest, mpirun exit $rc after $elapsed s, resumed"
}

case_lock() {
  local np=$1 holder
  start_long_run "$np"
  holder=$(rank_pid 0)
  [[ -n $holder ]] || fail "rank 0 not found"
  echo "+ a second mpirun -np $np s2s train on the same train_dir"
  local t0=$SECONDS
  "$MPIEXEC" -np "$np" "$S2S" train "${common[@]}" --set "train.train_dir=$work/long" --set train.batch_size=4 \
    --set train.max_steps=0 --set train.keep_checkpoints=3 --set dist.timeout_s=3 >"$work/second.log" 2>&1
  local rc2=$? took=$((SECONDS - t0))
  [[ $rc2 -eq 1 ]] || { cat "$work/second.log"; fail "the second job exited $rc2, expected 1"; }
  grep -q "train_dir $work/long is in use by another training job (pid $holder on host " "$work/second.log" \
    || { cat "$work/second.log"; fail "the second job does not name the holder (rank 0, pid $holder)"; }
  (( took <= 20 )) || fail "the second job took $took s to give up"
  kill -0 "$job" 2>/dev/null || fail "the first job did not survive the second"
  kill -USR2 "$job"
  wait_job 30
  [[ $rc -eq 143 ]] || fail "the first job exited $rc after SIGUSR2, expected 143"
  echo "PASS lock np=$np: second job refused in $took s naming pid $holder; first job went on"
}

case_logs() {
  local np=$1 dir=$work/logs ts='^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z '
  echo "+ mpirun -np $np s2s train --progress auto >logs.out 2>logs.err"
  # The premise: Open MPI hands each rank a terminal even though mpirun's stdout is a file.
  "$MPIEXEC" -np 1 test -t 1 </dev/null >"$work/tty.out" 2>&1 && echo "  (ranks see a pseudo-terminal)"
  "$MPIEXEC" -np "$np" "$S2S" train "${common[@]}" --set "train.train_dir=$dir" --set train.batch_size=2 \
    --set train.max_steps=6 --set train.log_every=2 --progress auto >"$dir.out" 2>"$dir.err"
  local rc=$?
  [[ $rc -eq 0 ]] || { cat "$dir.out" "$dir.err"; fail "mpirun -np $np s2s train exited $rc"; }
  local f
  for f in "$dir.out" "$dir.err"; do
    if grep -q $'\r' "$f"; then cat -A "$f" | head; fail "$(basename "$f") holds a carriage return"; fi
    if grep -q $'\x1b' "$f"; then cat -A "$f" | head; fail "$(basename "$f") holds an escape sequence"; fi
  done
  # stdout is rank 0's progress only; stderr may hold mpirun's own notices, s2s's lines are rank-tagged.
  if grep -Evq "$ts" "$dir.out"; then grep -Ev "$ts" "$dir.out" | head; fail "stdout line without a timestamp"; fi
  if grep '\[rank [0-9]' "$dir.err" | grep -Evq "$ts\[rank "; then
    grep '\[rank [0-9]' "$dir.err" | grep -Ev "$ts" | head; fail "stderr s2s line without a timestamp"
  fi
  local steps
  steps=$(grep -Ec "${ts}step [0-9]+ \|" "$dir.out")
  [[ $steps -eq 3 ]] || { cat "$dir.out"; fail "expected 3 step lines (log_every 2 of 6 steps), got $steps"; }
  grep -Eq "${ts}\[rank 0/$np\] done: step 6" "$dir.err" || { cat "$dir.err"; fail "no timestamped done line"; }
  cat "$dir"/events.out.tfevents.* | grep -aq comm_hidden_fraction || fail "no train/comm_hidden_fraction with $np ranks"
  head -n 3 "$dir.out"
  echo "PASS logs np=$np: $(wc -l <"$dir.out") stdout lines, no control bytes, all timestamped"
}

# check_bytes DIR LOG MODE: every step's exchanged_bytes equals docs/scaling.md's formula for a
# float64 model (8-byte elements; the aux row is 5 of them), from the model line's parameter count
# and vocabularies (size = embedding = 8 here) and, for the row-sparse
# modes, the step's logged ΣK (sparse.ids), ΣU sent as rows (sparse.union_rows) and dense tensors.
check_bytes() {
  local dir=$1 log=$2 mode=$3 p vs vt d=8 bad
  p=$(grep -o '[0-9]* parameters' "$log" | head -1 | cut -d' ' -f1)
  read -r vs vt < <(grep -o 'vocab [0-9]*/[0-9]*' "$log" | head -1 | tr -c '0-9\n' ' ')
  [[ -n $p && -n $vs && -n $vt ]] || fail "no model line in $log"
  bad=$(jq -c --argjson p "$p" --argjson vs "$vs" --argjson vt "$vt" --argjson d "$d" --arg mode "$mode" '
      select(.kind == "step") |
      (if $mode == "off" then 8 * $p + 40
       else 8 * ($p - ($vs + 2 * $vt) * $d) + 40 + 8 * .sparse.tensors + 4 * .sparse.ids
            + 8 * $d * .sparse.union_rows + 8 * $d * $vt * .sparse.dense_tensors end) as $want |
      select(.exchanged_bytes != $want or ($mode != "off" and .sparse.tensors != 3)) |
      {step, exchanged_bytes, $want, sparse}' "$dir/metrics.jsonl")
  [[ -z $bad ]] || fail "exchanged_bytes differ from the formula ($mode): $bad"
}

case_sparse() {
  local np=$1 b=$2 opt=$3 steps=6 mode
  local extra=(--set model.dtype=float64 --set model.num_samples=5 --set "optim.optimizer=$opt"
               --set train.log_every=1)
  [[ $opt == sgd ]] || extra+=(--set optim.learning_rate=0.02)
  train "$np" "$work/off" "$b" "$steps" "${extra[@]}" --set dist.sparse_gradients=off
  check_bytes "$work/off" "$work/off.log" off
  for mode in sparse auto dense; do
    train "$np" "$work/$mode" "$b" "$steps" "${extra[@]}" --set "dist.sparse_gradients=$mode"
    check_bytes "$work/$mode" "$work/$mode.log" "$mode"
    if [[ $opt == momentum ]]; then  # by the last step some row was left untouched at least once
      compare "$work/$mode/ckpt-$steps.h5" "$work/off/ckpt-$steps.h5" 0 0 >/dev/null \
        && fail "momentum: sparse ($mode) equals dense at step $steps (untouched rows should keep their momentum)"
      # The exchange's payload choice never changes the update: every mode equals the sparse one.
      [[ $mode == sparse ]] || compare "$work/$mode/ckpt-$steps.h5" "$work/sparse/ckpt-$steps.h5" 0 0 \
        || fail "momentum: $mode != sparse exchange"
      continue
    fi
    for s in 2 4 6; do
      compare "$work/$mode/ckpt-$s.h5" "$work/off/ckpt-$s.h5" 0 0 || fail "step $s: $mode != dense ($opt)"
    done
  done
  [[ $opt == momentum ]] && { echo "PASS sparse np=$np $opt (differs from dense, as TF)"; return; }
  local db sb
  db=$(jq -s '[.[] | select(.kind == "step") | .exchanged_bytes] | add' "$work/off/metrics.jsonl")
  sb=$(jq -s '[.[] | select(.kind == "step") | .exchanged_bytes] | add' "$work/sparse/metrics.jsonl")
  [[ $db != null && $sb != null ]] || fail "exchanged_bytes missing from the step records"
  (( sb < db )) || fail "sparse exchange sent $sb B, dense $db B"
  echo "PASS sparse np=$np b=$b $opt: sparse == auto == dense-exchange == dense bitwise; bytes $sb vs $db"
}

what=${1:?case}
shift
"case_$what" "$@"
