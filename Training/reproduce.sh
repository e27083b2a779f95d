#!/bin/sh
# Reproduce the bundled LiteVL-tiny end to end (see Training/README.md). ~95 min on a 2-core machine.
# Each step resumes from Training/checkpoints/RUN/last.pt; delete Training/checkpoints/ to start over.
set -e
cd "$(dirname "$0")/.."
mkdir -p Training/runs
P=python3
$P Training/train.py stage1 --run s1 --steps 1400 --minutes 22 --batch 32 --log-every 50
$P Training/train.py stage1 --run s1s --init Training/checkpoints/s1/last.pt --stem 16,16 \
   --steps 900 --warmup 50 --lr 5e-4 --minutes 16 --batch 32 --log-every 25 --aux-weight 1.0 --obj-shape-weight 1.0
$P Training/train.py stage2 --run full --init Training/checkpoints/s1s/last.pt --stem 16,16 --temporal dynamic \
   --steps 2200 --minutes 56 --obj-shape-weight 1.0 --log-every 50 --snapshot-every 250 --val-clips 80 --eval-every 420 > Training/runs/full.out 2>&1 &
$P Training/train.py stage2 --run notemp --init Training/checkpoints/s1s/last.pt --stem 16,16 --temporal none \
   --steps 2200 --minutes 56 --obj-shape-weight 1.0 --log-every 50 --snapshot-every 250 --val-clips 80 --eval-every 420 > Training/runs/notemp.out 2>&1 &
wait
[ -f Training/data/testset/manifest.jsonl ] || $P Training/make_testset.py --out Training/data/testset --clips 110 --seed 777001
$P Training/evaluate.py Training/data/testset/manifest.jsonl --model Training/checkpoints/full/last.pt --name full --json Training/runs/eval_full.json
$P Training/evaluate.py Training/data/testset/manifest.jsonl --model Training/checkpoints/notemp/last.pt --name notemp --json Training/runs/eval_notemp.json
$P Training/export.py Training/checkpoints/full/last.pt --out Assets/models/litevl-tiny --card Training/MODEL_CARD.md
$P Training/evaluate.py Training/data/testset/manifest.jsonl --model Assets/models/litevl-tiny --name exported
