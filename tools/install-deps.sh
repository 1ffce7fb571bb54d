#!/usr/bin/env bash
# Installs what s2s needs on Debian 12 / Ubuntu (as root, or through sudo); the one package list
# of the project (tests/run.sh, launch/quickstart.sh and docker/Dockerfile all use it).
#   tools/install-deps.sh [all]                  build + test packages (the default)
#   tools/install-deps.sh build                  compiler, CMake and the -dev packages only
#   tools/install-deps.sh slurm                  Slurm's daemons and clients and munge, for the
#                                                real one-node Slurm test (tests/slurm/)
#   tools/install-deps.sh runtime-packages BIN   prints (installs nothing) the packages whose
#                                                shared libraries BIN loads, plus openmpi-bin:
#                                                what a runtime image needs (docker/Dockerfile)
# Idempotent: packages already present are skipped, so a second run costs about a second.
set -euo pipefail
build_pkgs=(build-essential cmake pkg-config git
            libopenmpi-dev openmpi-bin libhdf5-openmpi-dev
            libyaml-cpp-dev libcli11-dev libspdlog-dev libfmt-dev nlohmann-json3-dev
            libopenblas-dev libdnnl-dev zlib1g-dev
            libsentencepiece-dev)   # s2s prepare --tokenizer sentencepiece (docs/dataset-format.md)
test_pkgs=(hdf5-tools libgtest-dev libgmock-dev libbenchmark-dev python3 python3-numpy python3-h5py python3-venv
           clang libclang-rt-dev    # clang + libFuzzer: tests/fuzz (S2S_FUZZ=ON)
           sentencepiece)           # spm_train/spm_encode/spm_decode: tests and bench/data/spm_prepare.sh
# tests/slurm: 44 packages, ~16 MB; Debian's postinst starts no daemon where policy-rc.d forbids it
# (CI), and the test starts its own from a private folder either way.
slurm_pkgs=(slurmctld slurmd slurm-client munge)

# runtime_packages BIN: the owning package of every library `ldd BIN` resolves. Libraries no
# package owns (a CUDA toolkit from a tarball, a driver's libcuda) are named on stderr.
runtime_packages() {
  local bin=$1 lib real pkg
  [[ -x $bin ]] || { echo "install-deps: no executable $bin" >&2; return 2; }
  {
    echo openmpi-bin  # mpirun: started, not linked
    ldd "$bin" | awk '/=> \// {print $3}' | while read -r lib; do
      real=$(realpath "$lib")
      # usrmerge: a library found as /lib/... may be registered as /usr/lib/... (or the reverse).
      pkg=$(dpkg-query -S "$lib" "$real" "/usr$lib" 2>/dev/null | head -n1 | cut -d: -f1 || true)
      if [[ -n $pkg ]]; then echo "$pkg"; else echo "install-deps: no package owns $lib" >&2; fi
    done
  } | sort -u
}

mode=${1:-all}
case $mode in
  all) pkgs=("${build_pkgs[@]}" "${test_pkgs[@]}") ;;
  build) pkgs=("${build_pkgs[@]}") ;;
  slurm) pkgs=("${slurm_pkgs[@]}") ;;
  runtime-packages) runtime_packages "${2:?usage: install-deps.sh runtime-packages BINARY}"; exit ;;
  *) echo "usage: tools/install-deps.sh [all|build|slurm|runtime-packages BINARY]" >&2; exit 2 ;;
esac
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
echo "[install-deps] all dependencies present ($mode)"
