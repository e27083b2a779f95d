#!/bin/sh
# Reproduce the bundled LiteVL-tiny and its no-temporal baseline end to end (see Training/README.md).
# About 9 + 12 + 64 min of wall clock on a 2-core machine, plus ~10 min of test-set rendering and evaluation.
# Each training step resumes from Training/checkpoints/RUN/last.pt; delete Training/checkpoints/ to start over.
set -e
cd "$(dirname "$0")/.."
mkdir -p Training/runs
P=python3
STEM="--stem 32,32,48,64 --stem-strides 1,2,2,2"
# Stage 0: vision-only warm-up on single frames (dense colour/shape + per-object shape losses), two threads.
$P Training/train.py stage0 --run s0 $STEM --steps 100000 --minutes 9 --lr 1e-3 --warmup 20 --batch 32 --threads 2 \
   --log-every 50 > Training/runs/s0.out 2>&1
# Stage 1: image-text pre-training on single frames (ITC + ITM with swapped-attribute negatives + captioning
# + the stage-0 losses), from stage 0, two threads.
$P Training/train.py stage1 --run s1c --init Training/checkpoints/s0/last.pt $STEM --steps 3000 --minutes 12 --batch 32 \
   --warmup 50 --threads 2 --log-every 50 --aux-weight 1.0 --obj-shape-weight 1.0 > Training/runs/s1c.out 2>&1
# Stage 2: video QA + text-video retrieval, from stage 1; full LiteVL and the no-temporal ablation side by side.
for T in dynamic none; do
  RUN=$([ $T = dynamic ] && echo full2 || echo notemp2)
  $P Training/train.py stage2 --run $RUN --init Training/checkpoints/s1c/last.pt $STEM --temporal $T \
     --steps 4000 --minutes 64 --obj-shape-weight 1.0 --ret-weight 0.5 --log-every 50 --snapshot-every 500 \
     --val-clips 80 --eval-every 600 > Training/runs/$RUN.out 2>&1 &
done
wait
[ -f Training/data/testset/manifest.jsonl ] || $P Training/make_testset.py --out Training/data/testset --clips 110 --seed 777001
[ -f Training/data/gallery/scenes.jsonl ] || $P Training/make_testset.py --out Training/data/gallery --clips 100 --seed 888001
$P Training/evaluate.py Training/data/testset/manifest.jsonl --model Training/checkpoints/full2/last.pt --name full --json Training/runs/eval_full2.json
$P Training/evaluate.py Training/data/testset/manifest.jsonl --model Training/checkpoints/notemp2/last.pt --name notemp --json Training/runs/eval_notemp2.json
$P Training/export.py Training/checkpoints/full2/last.pt --dtype f16 --out Assets/models/litevl-tiny --card Training/MODEL_CARD.md
$P Training/export.py Training/checkpoints/notemp2/last.pt --dtype f16 --out Assets/models/litevl-tiny-notemp \
   --name "LiteVL-tiny no-temporal baseline (ShapesQA v1)" --card Training/MODEL_CARD.md
$P Training/evaluate.py Training/data/testset/manifest.jsonl --model Assets/models/litevl-tiny --name exported
$P Training/eval_retrieval.py Training/data/gallery --model Assets/models/litevl-tiny --model Assets/models/litevl-tiny-notemp \
   --json Training/runs/retrieval.json
