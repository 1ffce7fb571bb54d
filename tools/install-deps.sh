#!/usr/bin/env bash
# Installs what s2s needs to build and test on Debian 12 / Ubuntu (as root, or through sudo).
# Idempotent: packages already present are skipped, so a second run costs about a second.
set -euo pipefail
pkgs=(build-essential cmake pkg-config git
      libopenmpi-dev openmpi-bin libhdf5-openmpi-dev hdf5-tools
      libyaml-cpp-dev libcli11-dev libspdlog-dev libfmt-dev nlohmann-json3-dev
      libopenblas-dev libgtest-dev libgmock-dev libbenchmark-dev zlib1g-dev
      python3 python3-numpy python3-h5py)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  SUDO=""; [[ $(id -u) -ne 0 ]] && SUDO="sudo"
  echo "[install-deps] installing: ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
echo "[install-deps] all build dependencies present"
