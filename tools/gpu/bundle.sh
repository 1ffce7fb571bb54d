#!/usr/bin/env bash
# Owns: building the CUDA binaries on this (GPU-less) machine and bundling them for the lent GPU
# machine into dist-gpu/ (git-ignored; pass it in the device tool's `carry`). See docs/cuda.md.
#   dist-gpu/bin/s2s_test_gpu   MPI-free GPU test binary (always)
#   dist-gpu/bin/s2s            the CLI (when it builds), for `s2s conformance --device cuda`
#   dist-gpu/bin/s2s_test_gpu_model  CPU <-> CUDA training-run parity and the conformance fixtures
#   dist-gpu/bin/s2s_test_dist_nccl_gpu  the NCCL gradient reducer with one rank (MPI-free)
#                               on CUDA (when it builds; links MPI/HDF5 like the CLI)
#   dist-gpu/lib.tar.gz         lib/: the binaries' shared libraries from `ldd` (Open MPI, HDF5,
#                               OpenBLAS, yaml-cpp, fmt, ...), minus the CUDA libraries (libcuda*,
#                               libcudart*, libcublas*, libnccl*: hundreds of MiB, the GPU machine has
#                               its own) and minus glibc (the GPU machine's newer glibc must be used);
#                               lib/compat/: libstdc++ / libgcc_s, used there only if the system's
#                               are too old. Compressed: OpenBLAS alone is 35 MiB unpacked, and
#                               unpacked the bundle would exceed what the device tool carries.
#   dist-gpu/MANIFEST.txt       commit, build settings, files and sizes
# The whole travelling tree (repo + dist-gpu) must stay under 64 MiB; this script fails above
# S2S_BUNDLE_LIMIT_MIB (default 56, leaving room for the repository itself).
# Environment: BUILD_DIR (default build-cuda), JOBS (default 2).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
build=${BUILD_DIR:-$root/build-cuda}
dist=$root/dist-gpu
jobs=${JOBS:-2}
limit_mib=${S2S_BUNDLE_LIMIT_MIB:-56}
export PATH=/usr/local/cuda/bin:$PATH
say() { echo "[bundle] $*"; }

cmake -S "$root" -B "$build" -DS2S_WITH_CUDA=ON -DS2S_BUILD_BENCH=OFF -DCMAKE_BUILD_TYPE=Release >/dev/null
say "building s2s_test_gpu in $build"
cmake --build "$build" -j "$jobs" --target s2s_test_gpu
bins=("$build/tests/s2s_test_gpu")
say "building s2s"
if cmake --build "$build" -j "$jobs" --target s2s; then
  bins+=("$build/s2s")
else
  say "WARNING: the s2s binary did not build; bundling s2s_test_gpu only"
fi
say "building s2s_test_gpu_model"
if cmake --build "$build" -j "$jobs" --target s2s_test_gpu_model; then
  bins+=("$build/tests/s2s_test_gpu_model")
else
  say "WARNING: s2s_test_gpu_model did not build; not bundled"
fi
say "building s2s_test_dist_nccl_gpu"
if cmake --build "$build" -j "$jobs" --target s2s_test_dist_nccl_gpu; then
  bins+=("$build/tests/s2s_test_dist_nccl_gpu")
else
  say "WARNING: s2s_test_dist_nccl_gpu did not build; not bundled"
fi

rm -rf "$dist"
mkdir -p "$dist/bin" "$dist/lib/compat"
declare -A skipped=()
for bin in "${bins[@]}"; do
  if readelf -d "$bin" | grep -q 'NEEDED.*\[libcuda\.so'; then
    say "ERROR: $bin links the CUDA driver (libcuda.so); link only the runtime (docs/toolchain.md §5)"
    exit 1
  fi
  cp "$bin" "$dist/bin/"
  # "libname => /path (addr)" lines; a "not found" here means the build machine itself is broken.
  while read -r name arrow path _; do
    [[ $arrow == "=>" ]] || continue
    if [[ $path == not ]]; then say "ERROR: $bin: $name not found by ldd"; exit 1; fi
    case $name in
      libcuda.so*|libcudart.so*|libcublas.so*|libcublasLt.so*|libnccl.so*|libnvrtc.so*|libnvJitLink.so*)
        skipped[$name]="CUDA (the GPU machine provides it)" ;;
      linux-vdso.so*|ld-linux*|libc.so.*|libm.so.*|libpthread.so.*|libdl.so.*|librt.so.*|libresolv.so.*|libutil.so.*)
        skipped[$name]="glibc (the GPU machine's own)" ;;
      libstdc++.so.*|libgcc_s.so.*)
        cp -L "$path" "$dist/lib/compat/$name" ;;
      *)
        cp -L "$path" "$dist/lib/$name" ;;
    esac
  done < <(ldd "$bin")
done

unpacked_mib=$(( $(du -sb "$dist" | cut -f1) / 1048576 ))
tar -czf "$dist/lib.tar.gz" -C "$dist" lib
libs=$(cd "$dist" && find lib -type f -printf '  %p %s\n' | sort)
rm -rf "$dist/lib"
size_mib=$(( $(du -sb "$dist" | cut -f1) / 1048576 ))
arch=$(grep -m1 '^CMAKE_CUDA_ARCHITECTURES' "$build/CMakeCache.txt" | cut -d= -f2 || true)
{
  echo "s2s GPU bundle"
  echo "commit: $(git -C "$root" rev-parse HEAD)$(git -C "$root" diff --quiet HEAD -- src include tests || echo ' (+ local changes)')"
  echo "built: $(date -u +%Y-%m-%dT%H:%M:%SZ) on $(uname -srm), $(nvcc --version | tail -1)"
  echo "cuda architectures: ${arch:-90 (the CMakeLists.txt default)}"
  echo "size: ${size_mib} MiB (${unpacked_mib} MiB unpacked)"
  echo
  echo "files (lib/ is packed in lib.tar.gz):"
  (cd "$dist" && find bin -type f -printf '  %p %s\n' | sort)
  echo "$libs"
  echo
  echo "left out (must exist on the GPU machine):"
  for name in "${!skipped[@]}"; do echo "  $name: ${skipped[$name]}"; done | sort
} > "$dist/MANIFEST.txt"

say "dist-gpu: ${size_mib} MiB, ${unpacked_mib} MiB unpacked ($(ls "$dist/bin" | tr '\n' ' '); $(echo "$libs" | grep -c '\.so') libraries)"
if (( size_mib > limit_mib )); then
  say "ERROR: the bundle is ${size_mib} MiB, over ${limit_mib} MiB (the device tool carries at most 64 MiB with the tree)"
  exit 1
fi
say "run on the GPU machine with: bash tools/gpu/run_gpu_tests.sh   (device tool: carry [\"dist-gpu\"])"
