#!/bin/sh
# Reproduce the bundled LiteVL-tiny and its no-temporal baseline end to end (see Training/README.md).
# Four resumable parts, each well inside a 3-hour session on a 2-core machine:
#   sh Training/reproduce.sh part1   stage 0, stage 1, stage 2 (full2 + notemp2 side by side): 9 + 12 + 64 min
#   sh Training/reproduce.sh part2   stage 2b (full3 + notemp3: balanced questions, from part 1): 115 min
#   sh Training/reproduce.sh part3   stage 2c (full4 + notemp4: first/last-frame occupancy loss, more direction
#                                    questions, from part 2): 118 min
#   sh Training/reproduce.sh part4   stage 2d (full5 + notemp5: + per-object displacement loss, from part 3):
#                                    110 min, then export, test sets and evaluation (~15 min)
#   sh Training/reproduce.sh         all four parts (about 7 h 25 min in all)
# Each training step resumes from Training/checkpoints/RUN/last.pt; delete Training/checkpoints/ to start over.
set -e
cd "$(dirname "$0")/.."
mkdir -p Training/runs
P=python3
STEM="--stem 32,32,48,64 --stem-strides 1,2,2,2"
PART=${1:-all}
if [ "$PART" = all ] || [ "$PART" = part1 ]; then
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
fi
[ "$PART" = part1 ] && exit 0
if [ "$PART" = all ] || [ "$PART" = part2 ]; then
# Stage 2b: both runs continue from their stage-2 checkpoints (optimizer state included) for 115 more
# minutes with --balance (questions drawn by inverse family frequency, vanish split by answer) and more
# events per clip; the learning rate restarts where the longer time budget puts it (warm restart).
for T in dynamic none; do
  SRC=$([ $T = dynamic ] && echo full2 || echo notemp2)
  RUN=$([ $T = dynamic ] && echo full3 || echo notemp3)
  if [ ! -f Training/checkpoints/$RUN/last.pt ]; then
    mkdir -p Training/checkpoints/$RUN && cp Training/checkpoints/$SRC/last.pt Training/checkpoints/$RUN/last.pt
  fi
  $P Training/train.py stage2 --run $RUN $STEM --temporal $T --steps 20000 --minutes 179.5 --obj-shape-weight 1.0 \
     --ret-weight 0.5 --log-every 50 --snapshot-every 1000 --val-clips 80 --eval-every 1200 --balance --p-event 0.85 \
     > Training/runs/$RUN.out 2>&1 &
done
wait
[ "$PART" = part2 ] && exit 0
fi
# Continue both runs from their previous stage's weights (fresh optimizer, warm restart at lr 2e-4), side by
# side, one thread each: continue_pair FULL_SRC NOTEMP_SRC FULL_RUN NOTEMP_RUN MINUTES EXTRA_FLAGS...
continue_pair() {
  FS=$1 NS=$2 FR=$3 NR=$4 MIN=$5
  shift 5
  for T in dynamic none; do
    SRC=$([ $T = dynamic ] && echo $FS || echo $NS)
    RUN=$([ $T = dynamic ] && echo $FR || echo $NR)
    $P Training/train.py stage2 --run $RUN --init-stage2 Training/checkpoints/$SRC/last.pt $STEM --temporal $T \
       --steps 20000 --minutes $MIN --lr 2e-4 --obj-shape-weight 1.0 --ret-weight 0.5 --log-every 50 \
       --snapshot-every 1000 --val-clips 80 --eval-every 900 --balance --p-event 0.85 "$@" \
       > Training/runs/$RUN.out 2>&1 &
  done
  wait
}
if [ "$PART" = all ] || [ "$PART" = part3 ]; then
# Stage 2c: 118 minutes with a per-token loss on what occupies each patch in the first and in the last frame
# (--time-aux) and direction questions drawn twice as often.
continue_pair full3 notemp3 full4 notemp4 118 --time-aux 1.0 --boost direction=2
[ "$PART" = part3 ] && exit 0
fi
if [ "$PART" = all ] || [ "$PART" = part4 ]; then
# Stage 2d: 110 minutes with, in addition, a per-object displacement loss (--track-aux: an object's pooled
# patch tokens in any frame regress its centre in the last frame minus its centre in the first) and direction
# questions drawn three times as often.
continue_pair full4 notemp4 full5 notemp5 110 --time-aux 1.0 --track-aux 8 --boost direction=3
fi
$P Training/export.py Training/checkpoints/full5/last.pt --dtype f16 --out Assets/models/litevl-tiny --card Training/MODEL_CARD.md
$P Training/export.py Training/checkpoints/notemp5/last.pt --dtype f16 --out Assets/models/litevl-tiny-notemp \
   --name "LiteVL-tiny no-temporal baseline (ShapesQA v1)" --card Training/MODEL_CARD.md
# Test sets, then every figure of docs/results.md (PyTorch and the Swift engine, agreement, retrieval).
LITEVL=${LITEVL:-.build/release/litevl}
if [ -x "$LITEVL" ]; then
  LITEVL=$LITEVL sh Training/eval_bundled.sh
else
  echo "exported; for the figures of docs/results.md build the engine (swift build -c release) and run: sh Training/eval_bundled.sh"
fi
