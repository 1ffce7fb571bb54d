#!/usr/bin/env bash
# Greedy vs beam search BLEU on tasks where greedy decoding makes early mistakes, with models
# that still err (the synthetic reverse task; dev pairs never trained on; BLEU/chrF2 by
# `s2s score`, equal to sacrebleu's defaults). Two cases, CPU, a few minutes of training each:
#  small:  4-14 symbols of 30, buckets up to (20, 25), the quickstart's GRU 1x64 attention model,
#          decoded at steps 400 (dev perplexity 1.3) and 1200;
#  medium: 3-8 symbols of 100, the quickstart's buckets, GRU 1x256 (embedding 128) attention,
#          decoded at step 500 (dev perplexity 3.6; Adam at lr 0.01 diverges later at this size).
# Usage: bench/decode/beam_bleu.sh S2S WORKDIR [small|medium|all]
set -euo pipefail
s2s=$1 work=$2 which=${3:-all}
repo=$(cd "$(dirname "$0")/../.." && pwd)
export OPENBLAS_NUM_THREADS=${OPENBLAS_NUM_THREADS:-1}

# case name, checkpoints, prepare options, train overrides...
run_case() {
  local name=$1 steps=$2 prep=$3
  shift 3
  local dir=$work/$name last=${steps##* }
  mkdir -p "$dir"
  if [[ ! -f $dir/train/ckpt-$last.h5 ]]; then
    # shellcheck disable=SC2086
    "$s2s" prepare --synthetic reverse --pairs 20000 --dev-pairs 500 $prep -o "$dir/rev.h5" \
        --emit-text "$dir/text" --force > "$dir/prepare.log"
    "$s2s" train --config "$repo/configs/quickstart.yaml" --set data.dataset="$dir/rev.h5" \
        --set train.train_dir="$dir/train" "$@" > "$dir/train.log" 2>&1
  fi
  for step in $steps; do
    for dec in "greedy:" "beam 4:--beam 4" "beam 8:--beam 8" "beam 8, alpha 0.6:--beam 8 --length-penalty 0.6"; do
      local label=${dec%%:*} opts=${dec#*:}
      # shellcheck disable=SC2086
      "$s2s" decode --checkpoint "$dir/train/ckpt-$step.h5" -i "$dir/text/dev.src" -o "$dir/out" $opts 2>/dev/null
      local scores exact
      scores=$("$s2s" score --hyp "$dir/out" --ref "$dir/text/dev.tgt" --json |
               python3 -c 'import json,sys; d=json.load(sys.stdin); print("%.2f | %.2f | %.3f" % (d["bleu"]["score"], d["chrf"]["score"], d["bleu"]["ratio"]))')
      exact=$(paste -d '\t' "$dir/out" "$dir/text/dev.tgt" | awk -F '\t' '$1 == $2 { n++ } END { print n + 0 }')
      echo "| $name | $step | $label | $scores | $exact / $(wc -l < "$dir/text/dev.tgt") |"
    done
  done
}

echo "| case | checkpoint | decoder | BLEU | chrF2 | hyp/ref length | exact |"
echo "|---|---|---|---|---|---|---|"
if [[ $which == small || $which == all ]]; then
  run_case small "400 1200" "--min-length 4 --max-length 14 --alphabet 30 --seed 7" \
      --set 'data.buckets=[[5,10],[10,15],[20,25],[40,50]]' --set train.max_steps=1200 --set train.steps_per_checkpoint=400
fi
if [[ $which == medium || $which == all ]]; then
  run_case medium "500" "--alphabet 100 --seed 3 --buckets 5,10:10,15" \
      --set model.size=256 --set model.embedding_size=128 --set train.max_steps=500 --set train.steps_per_checkpoint=500
fi
