#!/usr/bin/env bash
# Owns: the CMake package check (ctest `package_find_package`, label `package`):
#   1. `cmake --install BUILD --prefix TMP/prefix` (once per run) and the files a user relies on:
#      bin/s2s, include/s2s, lib/cmake/s2s/s2sConfig.cmake + s2sConfigVersion.cmake;
#   2. tests/package/consumer (find_package(s2s 0.1), links s2s::train) configured against that
#      prefix only and built;
#   3. the consumer generates a tiny dataset and trains 6 steps through the library; the installed
#      `s2s` (built separately, by the s2s project) verifies the consumer's checkpoint and, trained
#      on the same data and settings, must report the same final loss;
#   4. a version the install does not satisfy (find_package(s2s 9.9)) is refused.
#   tests/package/run.sh BUILD_DIR [extra cmake args for the consumer, e.g. -DCMAKE_CXX_COMPILER=...]
set -uo pipefail
build=${1:?usage: run.sh BUILD_DIR [cmake args]}
shift
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/s2s-package-XXXXXX")
cleanup() { [[ -n "${S2S_KEEP_TEST_DIRS:-}" ]] || rm -rf "$work"; }
trap cleanup EXIT
fail() { echo "FAIL: $*"; exit 1; }
export OPENBLAS_NUM_THREADS=1

prefix=$work/prefix
echo "+ cmake --install $build --prefix $prefix"
cmake --install "$build" --prefix "$prefix" >"$work/install.log" 2>&1 || { cat "$work/install.log"; fail "install"; }
for f in bin/s2s include/s2s/train/trainer.h include/s2s/core/error.h lib/cmake/s2s/s2sConfig.cmake \
         lib/cmake/s2s/s2sConfigVersion.cmake lib/cmake/s2s/s2sTargets.cmake lib/libs2s_train.a \
         share/s2s/configs/quickstart.yaml; do
  [[ -e $prefix/$f ]] || fail "the install has no $f"
done
echo "  installed $(find "$prefix" -type f | wc -l) files"

echo "+ configure and build tests/package/consumer against $prefix"
cmake -S "$here/consumer" -B "$work/consumer" -DCMAKE_BUILD_TYPE=Release "-DCMAKE_PREFIX_PATH=$prefix" "$@" \
  >"$work/configure.log" 2>&1 || { cat "$work/configure.log"; fail "find_package(s2s) configure"; }
cmake --build "$work/consumer" >"$work/build.log" 2>&1 || { cat "$work/build.log"; fail "consumer build"; }
# The consumer must have used the install, not the build tree.
grep -q "s2s_DIR:PATH=$prefix/lib/cmake/s2s" "$work/consumer/CMakeCache.txt" || fail "s2s_DIR is not the install"

echo "+ s2s_consumer (library) and $prefix/bin/s2s train (binary) on the same data"
"$work/consumer/s2s_consumer" "$work" >"$work/consumer.out" 2>"$work/consumer.err" \
  || { cat "$work/consumer.out" "$work/consumer.err"; fail "s2s_consumer exited non-zero"; }
lib_line=$(grep -Eo 'done: step [0-9]+, loss [0-9.]+' "$work/consumer.out")
[[ $lib_line == "done: step 6, loss "* ]] || { cat "$work/consumer.out"; fail "consumer did not train 6 steps"; }
"$prefix/bin/s2s" inspect "$work/consumer_run/ckpt-6.h5" >"$work/inspect.out" 2>&1 \
  && grep -q "all checksums verified" "$work/inspect.out" || { cat "$work/inspect.out"; fail "s2s inspect of the consumer's checkpoint"; }
sets=()
for s in model.num_layers=1 model.size=8 model.embedding_size=8 model.num_samples=0 data.sampler=epochs \
         data.seed=3 optim.optimizer=sgd optim.learning_rate=0.5 train.batch_size=4 train.max_steps=6 \
         train.steps_per_checkpoint=3 train.log_every=0 train.seed=7 train.eval=full \
         "data.dataset=$work/tiny.h5" "train.train_dir=$work/binary_run"; do
  sets+=(--set "$s")
done
S2S_MPI=0 "$prefix/bin/s2s" train "${sets[@]}" --progress none >"$work/binary.out" 2>"$work/binary.err" \
  || { cat "$work/binary.err"; fail "installed s2s train"; }
bin_line=$(grep -Eo 'done: step [0-9]+, loss [0-9.]+' "$work/binary.err")
[[ -n $lib_line && $lib_line == "$bin_line" ]] || fail "library '$lib_line' != binary '$bin_line'"
echo "  library: $lib_line; binary: $bin_line"

echo "+ find_package(s2s 9.9) must be refused"
mkdir -p "$work/v99"
sed 's/find_package(s2s 0.1 REQUIRED)/find_package(s2s 9.9 REQUIRED)/' "$here/consumer/CMakeLists.txt" >"$work/v99/CMakeLists.txt"
cp "$here/consumer/main.cpp" "$work/v99/"
if cmake -S "$work/v99" -B "$work/v99/build" "-DCMAKE_PREFIX_PATH=$prefix" "$@" >"$work/v99.log" 2>&1; then
  fail "find_package(s2s 9.9) accepted version $(grep -o 'PACKAGE_VERSION "[^"]*"' "$prefix/lib/cmake/s2s/s2sConfigVersion.cmake")"
fi
tr -s ' \n' ' ' <"$work/v99.log" | grep -q 'compatible with requested version "9.9"' \
  || { cat "$work/v99.log"; fail "no version message"; }
echo "PASS package: install, find_package(s2s) consumer built and trained; installed s2s agrees"
