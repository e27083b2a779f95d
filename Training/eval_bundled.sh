#!/bin/sh
# Every figure of docs/results.md for the two bundled models, from a clean state of the test sets:
# PyTorch and Swift on the 431-question test set (and their agreement question by question), then the
# Swift engine on the second fresh set, the paraphrased questions, the unseen renderer and the demo
# manifest, then retrieval. Needs a release build of litevl (LITEVL, default .build/release/litevl).
#   sh Training/eval_bundled.sh [OUT_DIR]      (default Training/runs/bundled; ~15 min on 2 cores)
set -e
cd "$(dirname "$0")/.."
P=python3
OUT=${1:-Training/runs/bundled}
LITEVL=${LITEVL:-.build/release/litevl}
FULL=Assets/models/litevl-tiny
BASE=Assets/models/litevl-tiny-notemp
mkdir -p "$OUT"
[ -f Training/data/testset/manifest.jsonl ] || $P Training/make_testset.py --out Training/data/testset --clips 110 --seed 777001
[ -f Training/data/gallery/scenes.jsonl ] || $P Training/make_testset.py --out Training/data/gallery --clips 100 --seed 888001
[ -f Training/data/testset_geq/manifest_all.jsonl ] || $P Training/render_geq.py --out Training/data/testset_geq --clips 31 --seed 999001
[ -f Training/data/testset/manifest_paraphrased.jsonl ] || $P Training/make_paraphrases.py Training/data/testset/manifest.jsonl
T=Training/data/testset/manifest.jsonl
# PyTorch, both models side by side (one thread each)
$P Training/evaluate.py $T --model $FULL --name full --json "$OUT/torch_full.json" > "$OUT/torch_full.out" &
$P Training/evaluate.py $T --model $BASE --name notemp --json "$OUT/torch_notemp.json" > "$OUT/torch_notemp.out" &
wait
for M in full notemp; do
  D=$([ $M = full ] && echo $FULL || echo $BASE)
  $LITEVL eval $T --model $D --json --predictions "$OUT/swift_$M.jsonl" > "$OUT/swift_$M.json"
  $P Training/agreement.py "$OUT/torch_$M.json" "$OUT/swift_$M.jsonl" > "$OUT/agreement_$M.txt"
  for S in gallery:Training/data/gallery/manifest.jsonl paraphrased:Training/data/testset/manifest_paraphrased.jsonl \
           geq:Training/data/testset_geq/manifest_all.jsonl demo:Assets/clips/demo.jsonl; do
    N=${S%%:*}; F=${S#*:}
    $LITEVL eval "$F" --model $D --json > "$OUT/${N}_$M.json"
  done
done
$P Training/eval_retrieval.py Training/data/gallery --model $FULL --model $BASE --json "$OUT/retrieval.json" > "$OUT/retrieval.out"
cat "$OUT"/agreement_*.txt
