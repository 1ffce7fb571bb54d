# Sourced by bench/cpu_vs_peers.sh and bench/train_vs_tf.sh: the CPU bench build and the peers'
# venv, made when missing. Needs $root (the checkout) and $build (the bench build folder); defines
# bench_build TARGET... and peers_python IMPORTS (prints the venv's python; installs
# bench/peers/requirements.txt from PyPI first when `import IMPORTS` fails there).

# Configures $build (Release, bench on, tests and CUDA off, ccache when present) and builds TARGETs.
bench_build() {
  local launcher=()
  command -v ccache >/dev/null 2>&1 && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
  mkdir -p "$build"
  cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DS2S_BUILD_BENCH=ON -DS2S_BUILD_TESTS=OFF \
        -DS2S_WITH_CUDA=OFF "${launcher[@]}" >"$build/configure.log" 2>&1 \
    || { cat "$build/configure.log" >&2; return 1; }
  cmake --build "$build" -j "$(nproc)" --target "$@" >&2
}

peers_python() {
  local venv="$build/peers/venv"
  local py="$venv/bin/python"
  if ! { [[ -x $py ]] && "$py" -c "import $1" >/dev/null 2>&1; }; then
    echo "[bench] installing bench/peers/requirements.txt from PyPI into $venv (several GB, once)" >&2
    mkdir -p "$build/peers"
    [[ -x $py ]] || "${PYTHON:-python3}" -m venv "$venv" >&2
    "$py" -m pip install -q -r "$root/bench/peers/requirements.txt" >&2 || return 1
  fi
  echo "$py"
}
