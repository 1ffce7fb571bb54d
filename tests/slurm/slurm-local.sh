#!/usr/bin/env bash
# Owns: a throwaway one-node Slurm cluster (munged + slurmctld + slurmd, as root, no systemd,
# no cgroups) for tests/slurm/run.sh. All state (keys, sockets, config, spool, logs) lives in DIR;
# nothing under /etc is written. Clients need only SLURM_CONF (written to DIR/env.sh).
#   tests/slurm/slurm-local.sh up DIR     start; exits 0 once the node is idle
#   tests/slurm/slurm-local.sh down DIR   cancel every job, wait for them, stop the daemons
# S2S_SLURM_INSTALL=1: install Slurm and munge when missing (tools/install-deps.sh slurm).
# DIR must be short (<= 70 chars): PMIx puts DIR/d/stepd.slurm.pmix.J.S there (107-byte limit),
# and a too-long path makes srun print "task launch failed" yet exit 0.
# Notes behind the settings: /work/shared/docs/slurm.md (measured on this machine kind).
set -euo pipefail
say() { echo "slurm-local: $*" >&2; }
die() { say "error: $*"; exit 1; }

need_tools() {
  local t missing=0
  for t in munged mungekey slurmctld slurmd srun sbatch scontrol; do
    command -v "$t" >/dev/null 2>&1 || missing=1
  done
  ((missing == 0)) && return 0
  [[ ${S2S_SLURM_INSTALL:-0} == 1 ]] || die "Slurm/munge not installed (S2S_SLURM_INSTALL=1 installs them)"
  say "installing Slurm (tools/install-deps.sh slurm)"
  bash "$(dirname "${BASH_SOURCE[0]}")/../../tools/install-deps.sh" slurm >&2
}

in_use() {  # is TCP port $1 listening? (LISTEN = state 0A in /proc/net/tcp*)
  local h
  h=$(printf ':%04X' "$1")
  awk -v h="$h" 'FNR > 1 && $4 == "0A" && substr($2, length($2) - 4) == h { f = 1 } END { exit !f }' \
    /proc/net/tcp /proc/net/tcp6 2>/dev/null
}

stop_pid() {  # stop_pid PIDFILE: TERM, wait up to 10 s, then KILL
  local pid
  [[ -s $1 ]] || return 0
  pid=$(cat "$1")
  rm -f "$1"
  kill -TERM "$pid" 2>/dev/null || return 0
  for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
}

up() {
  local d=$1 node port st=""
  need_tools
  ((${#d} <= 70)) || die "$d is too long for PMIx socket paths (use mktemp -d /tmp/slurm.XXXXXX)"
  mkdir -p "$d"/{munge,ctld,d,log,run,pmix}
  chmod 755 "$d" "$d/munge"  # munged refuses a socket directory others cannot traverse
  node=$(hostname -s)

  mungekey -c -f -k "$d/munge/munge.key" -b 1024
  chmod 600 "$d/munge/munge.key"
  munged --socket="$d/munge/sock" --key-file="$d/munge/munge.key" --log-file="$d/log/munged.log" \
    --pid-file="$d/run/munged.pid" --seed-file="$d/munge/seed"
  munge -S "$d/munge/sock" -n </dev/null | unmunge -S "$d/munge/sock" >/dev/null || die "munge self-test failed"

  port=6817  # controller on port, slurmd on port+1: the first free pair
  while in_use "$port" || in_use $((port + 1)); do port=$((port + 2)); done

  # cred_expire=5 and 1-s scheduler intervals: a requeued job restarts in ~6-10 s (default ~2 min).
  # config_overrides lets the node declare 4 CPUs on 2 cores (4-rank jobs oversubscribe).
  cat >"$d/slurm.conf" <<EOF
ClusterName=s2stest
SlurmctldHost=$node(127.0.0.1)
SlurmctldPort=$port
SlurmdPort=$((port + 1))
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$d/munge/sock,cred_expire=5
StateSaveLocation=$d/ctld
SlurmdSpoolDir=$d/d
SlurmctldPidFile=$d/run/slurmctld.pid
SlurmdPidFile=$d/run/slurmd.pid
SlurmctldLogFile=$d/log/slurmctld.log
SlurmdLogFile=$d/log/slurmd.log
MailProg=/bin/true
ProctrackType=proctrack/pgid
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SchedulerType=sched/backfill
SchedulerParameters=sched_interval=1,bf_interval=1
MpiDefault=pmix
JobRequeue=1
ReturnToService=2
KillWait=5
InactiveLimit=0
MinJobAge=3600
SlurmdParameters=config_overrides
NodeName=$node NodeAddr=127.0.0.1 CPUs=${S2S_SLURM_CPUS:-4} RealMemory=1000 State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
EOF
  echo "PMIxCliTmpDirBase=$d/pmix" >"$d/mpi.conf"  # keep PMIx app dirs out of /tmp
  echo "export SLURM_CONF=$d/slurm.conf" >"$d/env.sh"
  export SLURM_CONF=$d/slurm.conf

  slurmctld -i || die "slurmctld did not start; see $d/log/slurmctld.log"
  for _ in $(seq 300); do scontrol ping 2>/dev/null | grep -q 'is UP' && break; sleep 0.1; done
  slurmd -N "$node" || die "slurmd did not start; see $d/log/slurmd.log"
  for _ in $(seq 300); do
    st=$(sinfo -h -N -o %T 2>/dev/null | head -n1 || true)
    [[ $st == idle ]] && break
    [[ $st == down* || $st == drain* ]] && scontrol update NodeName="$node" State=RESUME 2>/dev/null || true
    sleep 0.1
  done
  [[ $st == idle ]] || die "node is '$st', not idle, after 30 s; see $d/log/"
  say "up: node $node, slurmctld port $port, state in $d"
}

down() {
  local d=$1 jobs
  [[ -f $d/slurm.conf ]] || return 0
  export SLURM_CONF=$d/slurm.conf
  if [[ -s $d/run/slurmctld.pid ]] && kill -0 "$(cat "$d/run/slurmctld.pid")" 2>/dev/null; then
    jobs=$(squeue -h -o %A 2>/dev/null || true)
    if [[ -n $jobs ]]; then
      # shellcheck disable=SC2086
      scancel $jobs 2>/dev/null || true
      # job steps (slurmstepd) outlive slurmd: wait for the queue to drain first
      for _ in $(seq 300); do [[ -z $(squeue -h -o %A 2>/dev/null || true) ]] && break; sleep 0.1; done
    fi
  fi
  stop_pid "$d/run/slurmd.pid"
  stop_pid "$d/run/slurmctld.pid"
  stop_pid "$d/run/munged.pid"  # last: the Slurm daemons use it while stopping
}

[[ $# -eq 2 && ($1 == up || $1 == down) ]] || die "usage: $0 up|down DIR"
[[ $(id -u) == 0 ]] || die "must run as root (SlurmUser=root)"
"$1" "$(realpath -m "$2")"
