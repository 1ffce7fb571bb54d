#!/usr/bin/env bash
# The build stage of docker/Dockerfile (both images), after `tools/install-deps.sh build`: builds
# and installs s2s into /opt/s2s (binary, libraries, headers, CMake package, configs) and writes
# /opt/s2s/runtime-packages.txt, the Debian packages the runtime stage installs.
#   docker/build.sh ON|OFF [CUDA_ARCHITECTURES]      (S2S_WITH_CUDA)
set -euo pipefail
cuda=${1:?usage: docker/build.sh ON|OFF [CUDA_ARCHITECTURES]}
archs=${2:-}
args=(-DCMAKE_BUILD_TYPE=Release -DS2S_WITH_CUDA="$cuda" -DS2S_BUILD_TESTS=OFF -DS2S_BUILD_BENCH=OFF)
[[ $cuda == ON && -n $archs ]] && args+=("-DCMAKE_CUDA_ARCHITECTURES=$archs")
cmake -S . -B /tmp/s2s-build "${args[@]}"
cmake --build /tmp/s2s-build -j "$(nproc)"
cmake --install /tmp/s2s-build --prefix /opt/s2s
bash tools/install-deps.sh runtime-packages /opt/s2s/bin/s2s >/opt/s2s/runtime-packages.txt
echo "docker/build.sh: runtime packages: $(tr '\n' ' ' </opt/s2s/runtime-packages.txt)"
rm -rf /tmp/s2s-build
