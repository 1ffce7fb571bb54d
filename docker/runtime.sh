#!/usr/bin/env bash
# The runtime stage of docker/Dockerfile (both images): installs only the packages the build
# stage listed (the shared libraries s2s loads, and mpirun), then adds the unprivileged user the
# image runs as.
#   docker/runtime.sh PACKAGE_LIST
set -euo pipefail
list=${1:?usage: docker/runtime.sh PACKAGE_LIST}
apt-get update -qq
xargs -a "$list" apt-get install -y -qq --no-install-recommends >/dev/null
rm -rf /var/lib/apt/lists/* "$list"
# uid 10001: Ubuntu images already hold uid 1000 (user `ubuntu`).
groupadd --gid 10001 s2s
useradd --create-home --uid 10001 --gid 10001 --shell /bin/bash s2s
