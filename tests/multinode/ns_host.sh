#!/usr/bin/env bash
# One "host" of tests/multinode: run by `unshare --net --uts --mount --fork` (so it already is in
# fresh network, hostname and mount namespaces), it takes its hostname, gives itself a private
# /etc/hosts naming the test's hosts (bind mount, invisible outside this mount namespace), brings
# up loopback, writes its PID (the handle nsenter and the cleanup use) and sleeps until killed.
#   ns_host.sh HOSTNAME HOSTS_FILE PID_FILE
set -euo pipefail
name=${1:?usage: ns_host.sh HOSTNAME HOSTS_FILE PID_FILE}
mount --bind "${2:?hosts file}" /etc/hosts
hostname "$name"
ip link set lo up
echo $$ >"${3:?pid file}"
exec sleep infinity
