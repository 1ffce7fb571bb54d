#!/usr/bin/env bash
# Open MPI's rsh agent for tests/multinode (mpirun --mca plm_rsh_agent ns_rsh.sh): instead of
# ssh, enter the namespaces of the test host named HOST and run the command there (Open MPI passes
# the remote command as words, as ssh would get them). The host's PID is read from
# $S2S_MN_DIR/HOST.pid, written by ns_host.sh; an unknown host is an error, so nothing outside
# the test's namespaces is ever started or contacted.
#   ns_rsh.sh HOST COMMAND...
set -euo pipefail
host=${1:?usage: ns_rsh.sh HOST COMMAND...}
shift
pidfile=${S2S_MN_DIR:?S2S_MN_DIR (the test folder) is not set}/$host.pid
[[ -f $pidfile ]] || { echo "ns_rsh.sh: $host is not a host of this test (no $pidfile)" >&2; exit 255; }
echo "ns_rsh.sh: $host: $*" >>"$S2S_MN_DIR/rsh.log"
exec nsenter -t "$(cat "$pidfile")" --net --uts --mount -- /bin/sh -c "$*"
