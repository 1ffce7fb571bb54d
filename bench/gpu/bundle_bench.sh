#!/usr/bin/env bash
# Owns: building s2s_bench_train with CUDA on this (GPU-less) machine and bundling it for the lent
# GPU machine, where bench/gpu/run_gpu_bench.sh runs it. Layout (git-ignored, under the build dir):
#   build-bench-cuda/dist/bin/s2s_bench_train
#   build-bench-cuda/dist/lib.tar.gz    lib/: its shared libraries from ldd (Open MPI, HDF5, OpenBLAS,
#                                       yaml-cpp, fmt, ...) minus the CUDA libraries (the GPU machine
#                                       has its own) and glibc; lib/compat/: libstdc++ / libgcc_s
#   build-bench-cuda/dist/MANIFEST.txt  commit, build settings, files and sizes
# Device tool: carry ["build-bench-cuda/dist"] (the tree plus the bundle must stay under 64 MiB).
# Same library rules as tools/gpu/bundle.sh (the CUDA engineer's bundle for the tests and the CLI).
# Environment: BUILD_DIR (default build-bench-cuda), JOBS (default 2).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
build=${BUILD_DIR:-$root/build-bench-cuda}
dist=$build/dist
jobs=${JOBS:-2}
limit_mib=${S2S_BUNDLE_LIMIT_MIB:-48}
export PATH=/usr/local/cuda/bin:$PATH
say() { echo "[bundle_bench] $*"; }

cmake -S "$root" -B "$build" -DS2S_WITH_CUDA=ON -DS2S_BUILD_BENCH=ON -DS2S_BUILD_TESTS=OFF \
  -DCMAKE_BUILD_TYPE=Release >/dev/null
say "building s2s_bench_train in $build"
cmake --build "$build" -j "$jobs" --target s2s_bench_train
bin=$build/bench/s2s_bench_train
if readelf -d "$bin" | grep -q 'NEEDED.*\[libcuda\.so'; then
  say "ERROR: $bin links the CUDA driver (libcuda.so); link only the runtime"
  exit 1
fi

rm -rf "$dist"
mkdir -p "$dist/bin" "$dist/lib/compat"
cp "$bin" "$dist/bin/"
skipped=()
while read -r name arrow path _; do
  [[ $arrow == "=>" ]] || continue
  if [[ $path == not ]]; then say "ERROR: $bin: $name not found by ldd"; exit 1; fi
  case $name in
    libcuda.so*|libcudart.so*|libcublas.so*|libcublasLt.so*|libnccl.so*|libnvrtc.so*|libnvJitLink.so*)
      skipped+=("$name (CUDA: the GPU machine's own)") ;;
    linux-vdso.so*|ld-linux*|libc.so.*|libm.so.*|libpthread.so.*|libdl.so.*|librt.so.*|libresolv.so.*|libutil.so.*)
      skipped+=("$name (glibc: the GPU machine's own)") ;;
    libstdc++.so.*|libgcc_s.so.*) cp -L "$path" "$dist/lib/compat/$name" ;;
    *) cp -L "$path" "$dist/lib/$name" ;;
  esac
done < <(ldd "$bin")

libs=$(cd "$dist" && find lib -type f -printf '  %p %s\n' | sort)
tar -czf "$dist/lib.tar.gz" -C "$dist" lib
rm -rf "$dist/lib"
size_mib=$(( $(du -sb "$dist" | cut -f1) / 1048576 ))
{
  echo "s2s bench bundle"
  echo "commit: $(git -C "$root" rev-parse HEAD)$(git -C "$root" diff --quiet HEAD -- src include bench || echo ' (+ local changes)')"
  echo "built: $(date -u +%Y-%m-%dT%H:%M:%SZ) on $(uname -srm), $(nvcc --version | tail -1)"
  arch=$(grep -m1 "^CMAKE_CUDA_ARCHITECTURES" "$build/CMakeCache.txt" | cut -d= -f2 || true)
  echo "cuda architectures: ${arch:-90 (the CMakeLists.txt default)}"
  echo "size: ${size_mib} MiB"
  echo "files (lib/ is packed in lib.tar.gz):"
  (cd "$dist" && find bin -type f -printf '  %p %s\n')
  echo "$libs"
  echo "left out:"
  printf '  %s\n' "${skipped[@]}" | sort -u
} > "$dist/MANIFEST.txt"
say "$dist: ${size_mib} MiB"
if (( size_mib > limit_mib )); then
  say "ERROR: ${size_mib} MiB is over ${limit_mib} MiB (the device tool carries at most 64 MiB with the tree)"
  exit 1
fi
say "on the GPU machine: bash bench/gpu/run_gpu_bench.sh   (device tool: carry [\"build-bench-cuda/dist\"])"
