#!/bin/sh
# The ablations of docs/results.md at the bundled model's full stage-2 budget, step for step:
#   fixed    dynamic temporal scaling replaced by a fixed scale of 1 (--temporal fixed)
#   nopool   no text-dependent pooling (--no-pool)
#   scratch  stage 2 from scratch (no stage-0/1 initialisation)
# Each variant repeats the bundled chain of reproduce.sh (stage 2, 2b, 2c, 2d) with the same flags and the
# same number of steps as the full model took in each stage (1,021 + 2,430 + 3,787 + 3,502 = 10,740), so the
# budget is equal in steps and the learning rate anneals over steps instead of wall clock (the full model's
# stages ended on their time limits, so its cosine followed the clock: the integrated learning rate differs
# by -1.2 % in stage 2, +3.3 % in 2b, +3.0 % in 2c, +1.6 % in 2d; docs/results.md). Evaluated after a float16 export,
# exactly like the bundled models. Logs and checkpoints go together: to start a chain over, delete both
# Training/runs/abl_VARIANT_* and Training/checkpoints/abl_VARIANT_*. The no-temporal
# ablation is the bundled baseline itself (reproduce.sh, same wall clock as the full model).
# All three chains run at once, one thread each; about 9 h on 2 cores. Stop at any time (kill the script
# and its python3 children) and run it again to resume: every stage resumes from
# Training/checkpoints/abl_VARIANT_STAGE/last.pt and a finished stage is skipped.
#   sh Training/ablations.sh [fixed nopool scratch]      train (the variants given, default all three)
#   sh Training/ablations.sh eval                         test-set accuracy per family (PyTorch) of every finished chain,
#                                                         beside the bundled models, as the Markdown tables of
#                                                         docs/results.md (Training/ablation_table.py; table.md)
# Needs Training/checkpoints/s1c/last.pt from `sh Training/reproduce.sh part1` for fixed and nopool.
set -e
cd "$(dirname "$0")/.."
mkdir -p Training/runs Training/runs/ablations
P=python3
STEM="--stem 32,32,48,64 --stem-strides 1,2,2,2"
COMMON="$STEM --obj-shape-weight 1.0 --ret-weight 0.5 --log-every 50 --val-clips 80 --threads 1"
VARIANTS=${*:-fixed nopool scratch}

done_at() {   # done_at RUN STEPS: the stage's log says it finished at that step
  grep -q "stage2 done step=$2 " "Training/runs/$1.log" 2>/dev/null
}

fresh() {     # fresh RESULT SOURCE: RESULT exists and is newer than SOURCE and than the test set
  [ -f "$1" ] && [ "$1" -nt "$2" ] && [ "$1" -nt Training/data/testset/manifest.jsonl ]
}

stage() {     # stage RUN STEPS FLAGS...: train one stage of a chain unless it finished
  R=$1 N=$2
  shift 2
  done_at $R $N && return 0
  $P Training/train.py stage2 --run $R --steps $N $COMMON "$@" >> Training/runs/$R.out 2>&1
  done_at $R $N || { echo "ablations: $R stopped before step $N (see Training/runs/$R.log); run again to resume" >&2; return 1; }
}

chain() {     # chain VARIANT: stage 2, 2b, 2c and 2d of the bundled recipe with the variant's flags
  V=$1
  case $V in
    fixed) F="--temporal fixed" I="--init Training/checkpoints/s1c/last.pt" ;;
    nopool) F="--temporal dynamic --no-pool" I="--init Training/checkpoints/s1c/last.pt" ;;
    scratch) F="--temporal dynamic" I="" ;;
  esac
  A=abl_${V}_2 B=abl_${V}_2b C=abl_${V}_2c D=abl_${V}_2d
  # stage 2 (reproduce.sh part 1): lr 5e-4, questions as drawn
  stage $A 1021 $F $I --snapshot-every 500 --eval-every 600
  # stage 2b (part 2): continues stage 2 with its optimizer, balanced questions, more events per clip
  if [ ! -f Training/checkpoints/$B/last.pt ]; then   # copied whole or not at all (a kill mid-copy leaves no last.pt)
    mkdir -p Training/checkpoints/$B && cp Training/checkpoints/$A/last.pt Training/checkpoints/$B/last.pt.partial \
      && mv Training/checkpoints/$B/last.pt.partial Training/checkpoints/$B/last.pt
  fi
  stage $B 3451 $F --snapshot-every 1000 --eval-every 1200 --balance --p-event 0.85
  # stage 2c (part 3) and 2d (part 4): fresh optimizer, lr 2e-4, the auxiliary losses of the bundled recipe
  BAL="--lr 2e-4 --snapshot-every 1000 --eval-every 900 --balance --p-event 0.85 --time-aux 1.0"
  stage $C 3787 $F --init-stage2 Training/checkpoints/$B/last.pt $BAL --boost direction=2
  stage $D 3502 $F --init-stage2 Training/checkpoints/$C/last.pt $BAL --track-aux 8 --boost direction=3
}

if [ "$1" = eval ]; then
  T=Training/data/testset/manifest.jsonl
  R=Training/runs/ablations
  [ -f $T ] || $P Training/make_testset.py --out Training/data/testset --clips 110 --seed 777001
  # the bundled full model and no-temporal ablation on the same questions, the reference of the table
  # (a result newer than its weights and the test set is kept, so a chain can be scored as soon as it finishes)
  for M in full:Assets/models/litevl-tiny notemp:Assets/models/litevl-tiny-notemp; do
    fresh $R/${M%%:*}.json ${M#*:}/model.safetensors ||
      $P Training/evaluate.py $T --model ${M#*:} --name ${M%%:*} --json $R/${M%%:*}.json > $R/${M%%:*}.out
  done
  TABLE="full=$R/full.json notemp=$R/notemp.json"
  for V in fixed nopool scratch; do
    done_at abl_${V}_2d 3502 || { echo "$V: chain not finished, skipped"; continue; }
    if ! fresh $R/$V.json Training/checkpoints/abl_${V}_2d/last.pt; then
      # exported to float16 like the bundled models, so that precision cannot flip a question between rows
      $P Training/export.py Training/checkpoints/abl_${V}_2d/last.pt --dtype f16 --out $R/models/$V --name "ablation $V" > $R/$V.export.out
      $P Training/evaluate.py $T --model $R/models/$V --name $V --json $R/$V.json > $R/$V.out
    fi
    TABLE="$TABLE $V=$R/$V.json"
  done
  $P Training/ablation_table.py $TABLE --stage-names "stage 2,stage 2b,stage 2c,stage 2d" --logs full=full2,full3,full4,full5 notemp=notemp2,notemp3,notemp4,notemp5 \
    fixed=abl_fixed_2,abl_fixed_2b,abl_fixed_2c,abl_fixed_2d nopool=abl_nopool_2,abl_nopool_2b,abl_nopool_2c,abl_nopool_2d \
    scratch=abl_scratch_2,abl_scratch_2b,abl_scratch_2c,abl_scratch_2d > $R/table.md.partial
  mv $R/table.md.partial $R/table.md   # only a complete table (set -e stops on a failed ablation_table.py)
  cat $R/table.md
  exit 0
fi

for V in $VARIANTS; do
  case $V in fixed|nopool|scratch) ;; *) echo "ablations: unknown variant $V (fixed, nopool, scratch, or eval)" >&2; exit 2 ;; esac
done
case " $VARIANTS " in *" fixed "*|*" nopool "*)
  [ -f Training/checkpoints/s1c/last.pt ] || { echo "ablations: Training/checkpoints/s1c/last.pt is missing: run sh Training/reproduce.sh part1 first" >&2; exit 1; } ;;
esac
for V in $VARIANTS; do
  chain $V &
done
wait
