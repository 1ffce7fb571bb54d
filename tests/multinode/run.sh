#!/usr/bin/env bash
# Owns: the multi-host check (ctest `multinode_*`, label `multinode`): two hosts on one machine.
# Each host is a set of fresh namespaces (network, hostname, mount; ns_host.sh) started by this
# script, named s2s-mn-a and s2s-mn-b, joined by one veth pair (10.213.0.1/24 <-> .2/24, the only
# interface besides loopback, so the jobs' TCP traffic can reach nothing but the other test host).
# mpirun runs inside host a and starts host b's daemon through ns_rsh.sh (nsenter, no sshd);
# MPI traffic between the hosts is TCP on the veth (btl tcp,self,vader; oob and btl restricted
# to 10.213.0.0/24). Cases:
#   layout  2 hosts x 2 ranks of world_probe: ranks 0,1 on s2s-mn-a and 2,3 on s2s-mn-b, World's
#           local rank/size per host equal Open MPI's (0,1 of 2 on each host, not 0..3 of 4), and
#           the device for 2 GPUs per host is the local rank.
#   equiv   `s2s train` on 2 hosts x 2 ranks x batch B == 1 rank x batch 4B after 2, 4, 6, 8 steps
#           (float64, within 1e-12, s2s_mpi_train_compare), and rank 0's TensorBoard file is named
#           after host a (the run really was spread over the namespaces). Control: 1 rank x
#           batch B must not match.
#           The launch self-check's line names both hosts, 2 ranks each, mpirun's size, the dataset
#           and a shared train_dir, and its token file is gone afterwards.
#   kill    SIGKILL to every s2s rank of host b mid-training: the job ends non-zero within 30 s
#           and the output names host b.
#   unshared  host b gets an empty tmpfs over $work/private (in its own mount namespace only), so
#           a path there is a disk host b cannot see: train_dir there fails the launch self-check
#           naming ranks 2-3 on s2s-mn-b (exit non-zero, no step trained); a dataset there fails it
#           naming them too; with dist.require_shared_train_dir=false the run trains, warning.
# Skips (exit 77, with the reason) when not root or when namespaces cannot be created here.
# Cleanup (always): the host processes are killed by the PIDs this script recorded; their
# namespaces, veth pair and /etc/hosts bind mounts go with them.
# Environment: S2S, S2S_COMPARE, S2S_PROBE (world_probe), MPIEXEC.
set -uo pipefail
S2S=${S2S:?path of the s2s binary}
S2S_COMPARE=${S2S_COMPARE:?path of s2s_mpi_train_compare}
S2S_PROBE=${S2S_PROBE:?path of s2s_multinode_probe}
MPIEXEC=${MPIEXEC:-mpirun}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
what=${1:?usage: run.sh layout|equiv|kill|unshared}
export OPENBLAS_NUM_THREADS=1 OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
skip() { echo "SKIP: $*"; exit 77; }
fail() { echo "FAIL: $*"; exit 1; }

[[ $(id -u) == 0 ]] || skip "needs root (network namespaces, veth, bind mounts)"
for t in unshare nsenter ip "$MPIEXEC"; do command -v "$t" >/dev/null || skip "$t not installed"; done
unshare --net --uts --mount true 2>/dev/null || skip "unshare --net --uts --mount is not permitted here (container without CAP_SYS_ADMIN?)"

work=$(mktemp -d "${TMPDIR:-/tmp}/s2s-multinode-XXXXXX")
export S2S_MN_DIR=$work
host_pids=() job=""
cleanup() {
  if [[ -n $job ]] && kill -0 "$job" 2>/dev/null; then kill -KILL "$job" 2>/dev/null; fi
  local p
  for p in "${host_pids[@]}"; do kill -KILL "$p" 2>/dev/null; done
  [[ -n "${S2S_KEEP_TEST_DIRS:-}" ]] || rm -rf "$work"
}
trap cleanup EXIT

hosts=(s2s-mn-a s2s-mn-b) addrs=(10.213.0.1 10.213.0.2)
printf '127.0.0.1 localhost\n%s %s\n%s %s\n' "${addrs[0]}" "${hosts[0]}" "${addrs[1]}" "${hosts[1]}" >"$work/hosts"
for h in "${hosts[@]}"; do
  unshare --net --uts --mount --fork --kill-child bash "$here/ns_host.sh" "$h" "$work/hosts" "$work/$h.pid" \
    2>"$work/$h.err" &
  host_pids+=($!)
done
for h in "${hosts[@]}"; do
  for _ in $(seq 100); do [[ -s $work/$h.pid ]] && break; sleep 0.05; done
  [[ -s $work/$h.pid ]] || { cat "$work/$h.err"; skip "host $h did not start (namespaces not usable here)"; }
  host_pids+=("$(cat "$work/$h.pid")")
done
pa=$(cat "$work/${hosts[0]}.pid") pb=$(cat "$work/${hosts[1]}.pid")
ip link add mn0 netns "$pa" type veth peer name mn0 netns "$pb" || skip "cannot create a veth pair between the namespaces"
for i in 0 1; do
  p=$(cat "$work/${hosts[$i]}.pid")
  nsenter -t "$p" --net ip addr add "${addrs[$i]}/24" dev mn0 && nsenter -t "$p" --net ip link set mn0 up \
    || fail "addressing ${hosts[$i]}"
done
on_a() { nsenter -t "$pa" --net --uts --mount -- "$@"; }
[[ $(on_a hostname) == s2s-mn-a && $(nsenter -t "$pb" --uts hostname) == s2s-mn-b ]] || fail "hostnames"

mpi=("$MPIEXEC" --host "${hosts[0]}:2,${hosts[1]}:2" -np 4 --mca plm_rsh_agent "$here/ns_rsh.sh"
     --mca btl tcp,self,vader --mca btl_tcp_if_include 10.213.0.0/24 --mca oob_tcp_if_include 10.213.0.0/24
     -x OPENBLAS_NUM_THREADS -x S2S_MN_DIR)

case_layout() {
  echo "+ mpirun (on s2s-mn-a) --host s2s-mn-a:2,s2s-mn-b:2 world_probe"
  on_a timeout 60 "${mpi[@]}" "$S2S_PROBE" >"$work/probe.out" 2>&1 || { cat "$work/probe.out"; fail "probe job exited non-zero"; }
  grep 'probe ' "$work/probe.out"
  local r host lr
  for r in 0 1 2 3; do
    host=${hosts[$((r / 2))]} lr=$((r % 2))
    grep -q "probe host=$host rank=$r local_rank=$lr local_size=2 device_of_2=$lr ompi_local_rank=$lr ompi_local_size=2" \
      "$work/probe.out" || fail "rank $r: expected host $host, local rank $lr of 2, device $lr"
  done
  grep -q "ns_rsh.sh: s2s-mn-b: .*orted" "$work/rsh.log" || fail "host b's daemon was not started through ns_rsh.sh"
  echo "PASS layout: ranks 0,1 on s2s-mn-a and 2,3 on s2s-mn-b, local ranks 0,1 per host, device = local rank"
}

prepare_data() {
  "$S2S" prepare --synthetic reverse --pairs 96 --dev-pairs 12 --seed 5 --alphabet 8 --min-length 2 \
    --max-length 4 --buckets 3,4:5,6 -o "$work/tiny.h5" --force --quiet >/dev/null || fail "prepare"
  common=(--set model.num_layers=1 --set model.size=8 --set model.embedding_size=8 --set model.num_samples=0
          --set "data.dataset=$work/tiny.h5" --set data.sampler=epochs --set data.seed=3 --set optim.optimizer=sgd
          --set optim.learning_rate=0.5 --set train.steps_per_checkpoint=2 --set train.log_every=0
          --set train.keep_checkpoints=0 --set train.eval=full --set train.seed=7 --set dist.timeout_s=30
          --set model.dtype=float64 --progress plain)
}

case_equiv() {
  prepare_data
  echo "+ mpirun (on s2s-mn-a) 2 hosts x 2 ranks s2s train batch 2"
  on_a timeout 120 "${mpi[@]}" "$S2S" train "${common[@]}" --set "train.train_dir=$work/twohosts" --set train.batch_size=2 \
    --set train.max_steps=8 >"$work/twohosts.log" 2>&1 || { cat "$work/twohosts.log"; fail "2-host training exited non-zero"; }
  grep -q '\[rank 0/4\] done: step 8' "$work/twohosts.log" || { cat "$work/twohosts.log"; fail "not one 4-rank world"; }
  local check
  check=$(grep -m1 'launch check: ' "$work/twohosts.log")
  echo "  ${check#*Z }"
  [[ $check == *"launch check: 4 rank(s) on 2 host(s) x 2 rank(s): s2s-mn-a ranks 0-1 (cpu,cpu), s2s-mn-b ranks 2-3 (cpu,cpu); launcher: mpirun (OMPI_COMM_WORLD_SIZE=4); dataset: the same $(stat -c %s "$work/tiny.h5") bytes on every rank; train_dir: shared"* ]] \
    || { cat "$work/twohosts.log"; fail "no launch self-check line naming both hosts, 2 ranks each"; }
  compgen -G "$work/twohosts/.s2s-launch-check-*" >/dev/null && fail "the self-check's token file was left in train_dir"
  ls "$work/twohosts"/events.out.tfevents.*.s2s-mn-a* >/dev/null 2>&1 || fail "rank 0's event file is not named after s2s-mn-a"
  echo "+ s2s train 1 rank batch 8 (this host)"
  S2S_MPI=0 "$S2S" train "${common[@]}" --set "train.train_dir=$work/one" --set train.batch_size=8 \
    --set train.max_steps=8 >"$work/one.log" 2>&1 || { cat "$work/one.log"; fail "1-rank training"; }
  local s
  for s in 2 4 6 8; do
    "$S2S_COMPARE" "$work/twohosts/ckpt-$s.h5" "$work/one/ckpt-$s.h5" --rtol 1e-12 --atol 1e-14 \
      || fail "step $s: 2 hosts x 2 ranks x 2 != 1 rank x 8"
  done
  # Control: the comparison must see a different global batch (1 rank x batch 2).
  S2S_MPI=0 "$S2S" train "${common[@]}" --set "train.train_dir=$work/small" --set train.batch_size=2 \
    --set train.max_steps=2 >"$work/small.log" 2>&1 || { cat "$work/small.log"; fail "control run"; }
  if "$S2S_COMPARE" "$work/twohosts/ckpt-2.h5" "$work/small/ckpt-2.h5" --rtol 1e-12 --atol 1e-14 >/dev/null 2>&1; then
    fail "control: 1 rank x batch 2 matched 2 hosts x 2 ranks x batch 2 (the comparison sees nothing)"
  fi
  echo "PASS equiv: 2 hosts x 2 ranks x batch 2 == 1 rank x batch 8 at steps 2, 4, 6, 8 (float64, 1e-12); 1 x 2 differs"
}

case_kill() {
  prepare_data
  echo "+ mpirun (on s2s-mn-a) 2 hosts x 2 ranks, open-ended; then SIGKILL host b's ranks"
  on_a "${mpi[@]}" "$S2S" train "${common[@]}" --set "train.train_dir=$work/long" --set train.batch_size=2 \
    --set train.max_steps=0 --set train.steps_per_checkpoint=1000000 >"$work/long.log" 2>&1 &
  job=$!
  local b_uts victims=() p t0
  b_uts=$(readlink "/proc/$pb/ns/uts")
  for _ in $(seq 300); do  # the ranks of host b: s2s processes in host b's UTS namespace
    victims=()
    for p in $(pgrep -x s2s); do [[ $(readlink "/proc/$p/ns/uts" 2>/dev/null) == "$b_uts" ]] && victims+=("$p"); done
    ((${#victims[@]} == 2)) && grep -q 'model:' "$work/long.log" && break
    sleep 0.1
  done
  ((${#victims[@]} == 2)) || { cat "$work/long.log"; fail "did not find host b's 2 ranks"; }
  sleep 1
  echo "+ kill -KILL ${victims[*]} (host b's ranks)"
  kill -KILL "${victims[@]}"
  t0=$SECONDS
  while kill -0 "$job" 2>/dev/null; do
    ((SECONDS - t0 > 30)) && { tail -n 20 "$work/long.log"; fail "job still running 30 s after host b's ranks died"; }
    sleep 0.1
  done
  wait "$job"
  local rc=$?
  job=""
  tail -n 8 "$work/long.log"
  [[ $rc -ne 0 ]] || fail "job exited 0 after host b's ranks were killed"
  grep -q "s2s-mn-b" "$work/long.log" || fail "the job's messages do not name host s2s-mn-b"
  echo "PASS kill: exit $rc after $((SECONDS - t0)) s, naming s2s-mn-b"
}

case_unshared() {
  prepare_data
  mkdir -p "$work/private"
  nsenter -t "$pb" --mount mount -t tmpfs -o size=4m s2s-mn-private "$work/private" || fail "tmpfs on host b"
  cp "$work/tiny.h5" "$work/private/tiny.h5"  # visible on host a (and here) only
  [[ -f $work/private/tiny.h5 ]] && ! nsenter -t "$pb" --mount test -e "$work/private/tiny.h5" || fail "private dir setup"
  local log=$work/unshared.log
  echo "+ mpirun (on s2s-mn-a) 2 hosts x 2 ranks, train_dir on host a's disk only"
  on_a timeout 60 "${mpi[@]}" "$S2S" train "${common[@]}" --set "train.train_dir=$work/private/run" \
    --set train.batch_size=2 --set train.max_steps=2 >"$log" 2>&1
  local rc=$?
  grep -m1 'launch check failed' "$log" | sed 's/^/  /'
  [[ $rc -ne 0 && $rc -ne 124 ]] || { cat "$log"; fail "exit $rc: expected a non-zero exit from the self-check"; }
  grep -q "train_dir $work/private/run is not shared: ranks 2-3 on host s2s-mn-b cannot see the token rank 0 (host s2s-mn-a)" "$log" \
    || { cat "$log"; fail "no error naming train_dir and ranks 2-3 on s2s-mn-b"; }
  grep -Eq 'Z step [0-9]+|done: step' "$log" && { cat "$log"; fail "trained although the self-check failed"; }

  echo "+ the same with the dataset on host a's disk only"
  on_a timeout 60 "${mpi[@]}" "$S2S" train "${common[@]}" --set "data.dataset=$work/private/tiny.h5" \
    --set "train.train_dir=$work/shared" --set train.batch_size=2 --set train.max_steps=2 >"$log" 2>&1
  rc=$?
  grep -m1 'launch check failed' "$log" | sed 's/^/  /'
  [[ $rc -ne 0 && $rc -ne 124 ]] || { cat "$log"; fail "exit $rc: expected a non-zero exit from the self-check"; }
  grep -q "dataset $work/private/tiny.h5 cannot be read by ranks 2-3 on host s2s-mn-b" "$log" \
    || { cat "$log"; fail "no error naming the dataset and ranks 2-3 on s2s-mn-b"; }

  echo "+ train_dir on host a's disk only, dist.require_shared_train_dir=false"
  on_a timeout 60 "${mpi[@]}" "$S2S" train "${common[@]}" --set "train.train_dir=$work/private/run2" \
    --set dist.require_shared_train_dir=false --set train.batch_size=2 --set train.max_steps=2 >"$log" 2>&1 \
    || { cat "$log"; fail "the run allowed to keep train_dir unshared failed"; }
  grep -q 'warning: launch check: train_dir .* is not shared: ranks 2-3 on host s2s-mn-b' "$log" \
    && grep -q 'train_dir: NOT shared' "$log" && grep -q '\[rank 0/4\] done: step 2' "$log" \
    || { cat "$log"; fail "expected a warning, the summary saying NOT shared, and 2 steps trained"; }
  echo "PASS unshared: train_dir or dataset invisible on s2s-mn-b fails naming ranks 2-3 there; allowed, it warns"
}

"case_$what"
