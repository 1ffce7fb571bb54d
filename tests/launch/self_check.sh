#!/usr/bin/env bash
# Owns: the launch self-check of `s2s train` on one host (ctest `launch_self_check`, labels
# `launch` and `mpi`; the two-host cases are in tests/multinode/run.sh, the srun ones in
# tests/slurm/run.sh):
#   summary   `mpirun -np 2 s2s train` prints one line: 1 host x 2 ranks, the host's name, cpu
#             devices, mpirun's size, the dataset's byte count (stat), train_dir shared; no token
#             file is left in train_dir
#   launcher  `mpirun -np 2` with SLURM_STEP_NUM_TASKS=3 passed to the ranks (what srun would set
#             for a 3-task step): exit non-zero before training, naming the variable, both ranks
#             and the host; one process with SLURM_STEP_NUM_TASKS=2 SLURM_PROCID=1 S2S_MPI=0 (an
#             `srun -n 2` task alone in its world) fails naming SLURM_PROCID=1
#   unshared  rank 1 started in its own mount namespace with an empty tmpfs over the run folder's
#             parent (a host whose disk differs; needs root and unshare, else this case says
#             SKIP and the others still run): train_dir there fails naming rank 1 and
#             dist.require_shared_train_dir; the dataset there fails naming rank 1
# Environment: S2S (the binary), plus the OMPI_* / OPENBLAS_NUM_THREADS test environment.
set -uo pipefail
S2S=${S2S:?path of the s2s binary}
MPIEXEC=${MPIEXEC:-mpirun}
work=$(mktemp -d "${TMPDIR:-/tmp}/s2s-selfcheck-XXXXXX")
cleanup() { [[ -n "${S2S_KEEP_TEST_DIRS:-}" ]] || rm -rf "$work"; }
trap cleanup EXIT
fail() { echo "FAIL: $*"; exit 1; }
host=$(hostname)

"$S2S" prepare --synthetic reverse --pairs 96 --dev-pairs 12 --seed 5 --alphabet 8 --min-length 2 \
  --max-length 8 --buckets 5,10:10,15 -o "$work/tiny.h5" --force --quiet >/dev/null || fail "prepare"
sets=(--set model.num_layers=1 --set model.size=8 --set model.embedding_size=8 --set model.num_samples=0
      --set optim.optimizer=sgd --set train.batch_size=2 --set train.max_steps=2 --set train.log_every=1
      --set train.steps_per_checkpoint=2 --set train.eval=full --set train.validate_every=0
      --set dist.timeout_s=30 --progress plain)

echo "+ mpirun -np 2 s2s train"
"$MPIEXEC" -np 2 "$S2S" train "${sets[@]}" --set "data.dataset=$work/tiny.h5" --set "train.train_dir=$work/run" \
  >"$work/ok.log" 2>&1 || { cat "$work/ok.log"; fail "2-rank training"; }
line=$(grep -m1 'launch check: ' "$work/ok.log")
echo "  ${line#*Z }"
expected="launch check: 2 rank(s) on 1 host(s) x 2 rank(s): $host ranks 0-1 (cpu,cpu); launcher: mpirun (OMPI_COMM_WORLD_SIZE=2); dataset: the same $(stat -c %s "$work/tiny.h5") bytes on every rank; train_dir: shared (every rank read rank 0's token)"
[[ ${line#*\[rank 0/2\] } == "$expected" ]] || { cat "$work/ok.log"; fail "summary line: expected '$expected'"; }
[[ $(grep -c 'launch check: ' "$work/ok.log") -eq 1 ]] || fail "the summary must be printed once (by rank 0)"
compgen -G "$work/run/.s2s-launch-check-*" >/dev/null && fail "token file left in train_dir"

echo "+ SLURM_STEP_NUM_TASKS=3 mpirun -np 2 -x SLURM_STEP_NUM_TASKS s2s train"
SLURM_STEP_NUM_TASKS=3 "$MPIEXEC" -np 2 -x SLURM_STEP_NUM_TASKS "$S2S" train "${sets[@]}" \
  --set "data.dataset=$work/tiny.h5" --set "train.train_dir=$work/run3" >"$work/size.log" 2>&1
rc=$?
grep -m1 'launch check failed' "$work/size.log" | sed 's/^/  /' | cut -c1-200
[[ $rc -ne 0 ]] && grep -q "the launcher started 3 process(es) (SLURM_STEP_NUM_TASKS=3) but ranks 0-1 on host $host joined a world of 2 rank(s)" "$work/size.log" \
  && ! grep -q 'Z step ' "$work/size.log" || { cat "$work/size.log"; fail "launcher size mismatch (exit $rc)"; }

echo "+ SLURM_STEP_NUM_TASKS=2 SLURM_PROCID=1 S2S_MPI=0 s2s train (one srun task alone)"
SLURM_STEP_NUM_TASKS=2 SLURM_PROCID=1 S2S_MPI=0 "$S2S" train "${sets[@]}" --set "data.dataset=$work/tiny.h5" \
  --set "train.train_dir=$work/alone" >"$work/alone.log" 2>&1
rc=$?
[[ $rc -ne 0 ]] && grep -q "(SLURM_STEP_NUM_TASKS=2) but rank 0 on host $host joined a world of 1 rank(s) (this process is SLURM_PROCID=1)" "$work/alone.log" \
  || { cat "$work/alone.log"; fail "a lone srun task (exit $rc)"; }

# Rank 1 gets its own mount namespace with an empty tmpfs over $work/private: what it sees there is
# another disk, like a host without the shared filesystem.
if [[ $(id -u) -ne 0 ]] || ! unshare --mount true 2>/dev/null; then
  echo "SKIP unshared: needs root and unshare --mount (the other cases passed)"
else
  mkdir -p "$work/private"
  cp "$work/tiny.h5" "$work/private/tiny.h5"
  cat >"$work/rank.sh" <<'EOF'
#!/usr/bin/env bash
# rank 1 sees an empty tmpfs over $PRIVATE; the others the real folder
if [[ $OMPI_COMM_WORLD_RANK == 1 ]]; then
  exec unshare --mount bash -c 'mount -t tmpfs -o size=1m s2s-selfcheck "$PRIVATE" && exec "$@"' rank1 "$@"
fi
exec "$@"
EOF
  chmod +x "$work/rank.sh"
  echo "+ mpirun -np 2 (rank 1 without $work/private) s2s train, train_dir there"
  "$MPIEXEC" -np 2 -x PRIVATE="$work/private" "$work/rank.sh" "$S2S" train "${sets[@]}" \
    --set "data.dataset=$work/tiny.h5" --set "train.train_dir=$work/private/run" >"$work/td.log" 2>&1
  rc=$?
  grep -m1 'launch check failed' "$work/td.log" | sed 's/^/  /' | cut -c1-200
  [[ $rc -ne 0 ]] && grep -q "train_dir $work/private/run is not shared: rank 1 on host $host cannot see the token rank 0 (host $host) wrote there" "$work/td.log" \
    && grep -q 'dist.require_shared_train_dir=false' "$work/td.log" && ! grep -q 'Z step ' "$work/td.log" \
    || { cat "$work/td.log"; fail "train_dir not shared (exit $rc)"; }
  echo "+ the same, dataset there"
  "$MPIEXEC" -np 2 -x PRIVATE="$work/private" "$work/rank.sh" "$S2S" train "${sets[@]}" \
    --set "data.dataset=$work/private/tiny.h5" --set "train.train_dir=$work/run4" >"$work/ds.log" 2>&1
  rc=$?
  [[ $rc -ne 0 ]] && grep -q "dataset $work/private/tiny.h5 cannot be read by rank 1 on host $host: cannot open it (No such file or directory)" "$work/ds.log" \
    || { cat "$work/ds.log"; fail "dataset not visible (exit $rc)"; }
fi
echo "PASS launch self-check: summary line; launcher size mismatches fail naming the variable, ranks and host; an unshared train_dir or dataset fails naming the rank"
