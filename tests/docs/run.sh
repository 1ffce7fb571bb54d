#!/usr/bin/env bash
# Owns: the README check (ctest `docs_readme`, label `docs`): the README's runnable command blocks
# run as printed, so the docs cannot drift from the binary.
# A block is runnable when the line before its ```sh fence is
#   <!-- docs-test: run; skip: WORD, WORD (why) -->
# Each command of it (comment lines dropped, `\` continuations joined) runs with bash from a
# scratch folder laid out like a checkout (build/s2s, configs/, launch/, tests/fixtures/), with a
# small generated English/French corpus under the names the README uses (train.en, dev.fr,
# test.en, ...); a command containing one of the marker's skip words is printed as skipped
# (hardware this machine lacks). Every other command must exit 0. The test fails when no block is
# marked, so deleting the marker cannot silence it.
# What is not as printed: build/s2s is a wrapper around the real binary that shrinks every
# `s2s train` to a tiny model (a few --set overrides appended, listed below) and sets max_steps to
# 3 more than the checkpoints already in train_dir, so each train command of the README trains
# (and the resume and mpirun ones continue the same run). Every other subcommand is the real
# binary unchanged.
# Environment: S2S (the binary), plus the OMPI_* / OPENBLAS_NUM_THREADS test environment.
set -uo pipefail
S2S=${S2S:?path of the s2s binary}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
readme=${S2S_README:-$root/README.md}
work=$(mktemp -d "${TMPDIR:-/tmp}/s2s-docs-XXXXXX")
cleanup() { [[ -n "${S2S_KEEP_TEST_DIRS:-}" ]] && echo "kept $work" || rm -rf "$work"; }
trap cleanup EXIT
fail() { echo "FAIL: $*"; exit 1; }
t_start=$SECONDS

# --- the commands: runnable blocks of the README, one command per line, skip words first ---
python3 - "$readme" >"$work/commands" <<'EOF' || fail "could not extract the README's blocks"
import re, sys
lines = open(sys.argv[1], encoding="utf-8").read().split("\n")
blocks = 0
for i, line in enumerate(lines):
    m = re.fullmatch(r"<!-- docs-test: run(?:; skip: ([^()]*?)\s*(?:\(.*\))?)? -->", line.strip())
    if not m:
        continue
    if i + 1 >= len(lines) or lines[i + 1].strip() != "```sh":
        sys.exit(f"README line {i + 1}: a docs-test marker must be followed by a ```sh fence")
    blocks += 1
    skip = [w.strip() for w in (m.group(1) or "").split(",") if w.strip()]
    print("#skip " + "\t".join(skip))
    cmd = ""
    for body in lines[i + 2:]:
        if body.strip() == "```":
            break
        if not cmd and (not body.strip() or body.lstrip().startswith("#")):
            continue
        cmd += body
        if cmd.endswith("\\"):
            cmd = cmd[:-1]
            continue
        print(re.sub(r"\s+", " ", cmd).strip())
        cmd = ""
if blocks == 0:
    sys.exit("no <!-- docs-test: run --> block in the README")
EOF

# --- a checkout-like folder ---
mkdir -p "$work/build" "$work/tests"
cp -r "$root/configs" "$work/configs"
ln -s "$root/launch" "$work/launch"   # launch/mpirun.sh finds build/s2s next to it: the wrapper
ln -s "$root/tests/fixtures" "$work/tests/fixtures"
tiny=(--set model.num_layers=1 --set model.size=16 --set model.embedding_size=16 --set model.num_samples=0
      --set model.source_vocab_size=0 --set model.target_vocab_size=0 --set train.batch_size=4
      --set train.steps_per_checkpoint=1 --set train.keep_checkpoints=0 --set train.log_every=1
      --set train.validate_every=0 --progress plain)
{
  echo '#!/usr/bin/env bash'
  echo '# tests/docs/run.sh: the real s2s, with `train` shrunk to a tiny model (see run.sh).'
  echo "real=$(printf %q "$S2S")"
  echo "tiny=($(printf '%q ' "${tiny[@]}"))"
  cat <<'EOF'
if [[ ${1:-} == train ]]; then
  dir=train
  for a in "$@"; do [[ $a == train.train_dir=* ]] && dir=${a#train.train_dir=}; done
  done_steps=$(ls "$dir" 2>/dev/null | grep -c '^ckpt-[0-9]*\.h5$')
  exec "$real" "$@" "${tiny[@]}" --set train.max_steps=$((done_steps + 3))
fi
exec "$real" "$@"
EOF
} >"$work/build/s2s"
chmod +x "$work/build/s2s"

# A small parallel corpus: sentences of 3-18 words from a few word pairs (every README bucket
# gets some), the French a word-by-word rendering. Deterministic.
python3 - "$work" <<'EOF'
import random, sys
pairs = [("the", "le"), ("cat", "chat"), ("dog", "chien"), ("sees", "voit"), ("a", "un"), ("house", "maison"),
         ("red", "rouge"), ("and", "et"), ("eats", "mange"), ("small", "petit"), ("bird", "oiseau"),
         ("who", "qui"), ("is", "est"), ("president", "président"), ("green", "vert"), ("?", "?"), (",", ",")]
rng = random.Random(7)
def write(name, n):
    with open(f"{sys.argv[1]}/{name}.en", "w") as en, open(f"{sys.argv[1]}/{name}.fr", "w") as fr:
        for _ in range(n):
            words = [rng.choice(pairs) for _ in range(rng.choice([3, 4, 6, 8, 12, 18]))]
            en.write(" ".join(w[0] for w in words) + " .\n")
            fr.write(" ".join(w[1] for w in words) + " .\n")
write("train", 300)
write("dev", 20)
write("test", 12)
EOF

# --- run them ---
cd "$work" || fail "cd $work"
skip=()
ran=0 skipped=0
while IFS= read -r cmd; do
  if [[ $cmd == "#skip "* || $cmd == "#skip" ]]; then
    IFS=$'\t' read -r -a skip <<<"${cmd#\#skip}"
    continue
  fi
  why=""
  for w in "${skip[@]}"; do [[ -n $w && $cmd == *"$w"* ]] && why=$w; done
  if [[ -n $why ]]; then
    echo "skip ($why): $cmd"
    skipped=$((skipped + 1))
    continue
  fi
  t0=$SECONDS
  bash -o pipefail -c "$cmd" >"$work/out" 2>"$work/err" </dev/null
  rc=$?
  if [[ $rc -ne 0 ]]; then
    echo "--- stdout"; tail -n 20 "$work/out"; echo "--- stderr"; tail -n 30 "$work/err"
    fail "exit $rc: $cmd"
  fi
  ran=$((ran + 1))
  echo "ok ($((SECONDS - t0)) s): $cmd"
done <"$work/commands"
((ran > 0)) || fail "no command ran"
echo "PASS docs: $ran README command(s) ran as printed, $skipped skipped as marked, in $((SECONDS - t_start)) s"
