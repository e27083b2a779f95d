#!/usr/bin/env bash
# litevl against the PyTorch reference (Training/bench_torch.py, eager float32) in one run: same
# weights, same decoded frames, same question and answer list, same thread count; prints both
# per-stage tables and the speed-up per stage (torch ms / litevl ms), then the issue-9 goals.
#
# Usage: scripts/bench-compare.sh [--preset bundled|blip-base] [--size 224|384] [--frames T]
#                                 [--threads N] [--repetitions R] [--clip PATH] [--out DIR] [--no-build]
#                                 [--precision f32|bf16]   (litevl's side; torch stays eager float32)
# LITEVL_SCRATCH=DIR picks the build directory (default .build-perf).
# blip-base: the random-weight model directory is written once by `litevl bench --write-model`
# to ${LITEVL_BENCH_MODELS:-/tmp/litevl-bench-models}/blip-base-S-T (1.65 GB) and reused.
set -euo pipefail
cd "$(dirname "$0")/.."

PRESET=bundled SIZE=224 FRAMES=8 THREADS=2 REPS=3 CLIP="" OUT="" BUILD=1 PRECISION=f32
while [[ $# -gt 0 ]]; do
    case "$1" in
        --preset) PRESET=$2; shift 2 ;;
        --size) SIZE=$2; shift 2 ;;
        --frames) FRAMES=$2; shift 2 ;;
        --threads) THREADS=$2; shift 2 ;;
        --repetitions) REPS=$2; shift 2 ;;
        --clip) CLIP=$2; shift 2 ;;
        --out) OUT=$2; shift 2 ;;
        --no-build) BUILD=0; shift ;;
        --precision) PRECISION=$2; shift 2 ;;
        -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
        *) echo "bench-compare: unknown argument $1 (see --help)" >&2; exit 64 ;;
    esac
done

SCRATCH=${LITEVL_SCRATCH:-.build-perf}
if [[ $BUILD == 1 ]]; then
    nice -n 10 swift build -c release --scratch-path "$SCRATCH" --product litevl >&2
fi
BIN=$SCRATCH/release/litevl
python3 -c "import torch" 2>/dev/null || pip install --quiet "torch==2.13.0+cpu" >&2

case "$PRESET" in
    bundled) MODEL=Assets/models/litevl-tiny ;;
    blip-base)
        MODEL=${LITEVL_BENCH_MODELS:-/tmp/litevl-bench-models}/blip-base-$SIZE-$FRAMES
        if [[ ! -s $MODEL/model.safetensors || ! -s $MODEL/answers.txt ]]; then
            "$BIN" bench --preset blip-base --size "$SIZE" --frames "$FRAMES" --write-model "$MODEL"
        fi ;;
    *) echo "bench-compare: --preset is bundled or blip-base" >&2; exit 64 ;;
esac

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
export OPENBLAS_NUM_THREADS=$THREADS OMP_NUM_THREADS=$THREADS MKL_NUM_THREADS=$THREADS
CLIP_ARGS=()
[[ -n $CLIP ]] && CLIP_ARGS=(--clip "$CLIP")

lscpu | sed -n 's/^Model name: *//p' >"$WORK/cpu"
nproc >>"$WORK/cpu"
uptime >"$WORK/load_before"
"$BIN" bench --model "$MODEL" --frames "$FRAMES" --threads "$THREADS" --repetitions "$REPS" --precision "$PRECISION" "${CLIP_ARGS[@]}" \
    --dump-inputs "$WORK/inputs" --json >"$WORK/litevl.json"
python3 Training/bench_torch.py --model "$MODEL" --inputs "$WORK/inputs" --threads "$THREADS" \
    --repetitions "$REPS" --json >"$WORK/torch.json"
uptime >"$WORK/load_after"
if [[ -n $OUT ]]; then mkdir -p "$OUT"; cp "$WORK"/litevl.json "$WORK"/torch.json "$WORK"/load_* "$OUT"/; fi

python3 - "$WORK" "$PRESET" <<'PY'
import json, os, sys
work, preset = sys.argv[1], sys.argv[2]
L = json.load(open(os.path.join(work, "litevl.json")))
T = json.load(open(os.path.join(work, "torch.json")))
cpu = open(os.path.join(work, "cpu")).read().split("\n")
lb, la = (open(os.path.join(work, f)).read().strip() for f in ("load_before", "load_after"))
ls = {r["stage"]: r for r in L["stages"]}
ts = {r["stage"]: r for r in T["stages"]}
print(f"{L['model']}: {L['frames']} frames at {L['size']} px, {L['threads']} threads, {L['repetitions']} runs after a warm-up each")
print(f"machine: {cpu[0]}, {cpu[1]} cores; load before: {lb.split('load average: ')[-1]}, after: {la.split('load average: ')[-1]}")
print(f"litevl: {L['blas']}; precision {L.get('precision', 'f32')}; sgemm peak {L['sgemm_peak_gflops']:.1f} GFLOP/s"
      + (f", bf16 GEMM peak {L['bf16_peak_gflops']:.1f}" if "bf16_peak_gflops" in L else ""))
print(f"torch {T['torch']} eager float32, {T['threads']} threads; answers: litevl '{L['answer']}', torch '{T['answer']}'"
      + ("" if L["answer"] == T["answer"] else "  ** DIFFERENT **"))
print()
def cell(r):
    return f"{r['mean_ms']:.1f} ± {r['std_ms']:.1f}" if r else ""
def ratio(l, t):
    return f"{t / l:.2f}x" if l and t else ""
print("| stage | litevl ms | torch ms | speed-up |")
print("|---|---:|---:|---:|")
order = ["decode+preprocess", "vit.embed", "vit.temporal", "vit.spatial", "vit.mlp", "vit.norm", "video.cache",
         "text.feature", "pooling", "text.encoder", "answer.rank"]
for name in order:
    l, t = ls.get(name), ts.get(name)
    if not l and not t:
        continue
    print(f"| {name} | {cell(l)} | {cell(t)} | {ratio(l and l['mean_ms'], t and t['mean_ms'])} |")
rows = [("ViT forward (blocks)", "vit_ms"), ("clip encoding (frames → features)", "encode_ms"),
        ("total per clip (with decode)", "per_clip_ms"), ("per question", "per_question_ms")]
for label, key in rows:
    print(f"| **{label}** | {L[key]:.1f} ± {L[key.replace('_ms', '_std_ms')]:.1f} | {T[key]:.1f} ± {T[key.replace('_ms', '_std_ms')]:.1f} | **{ratio(L[key], T[key])}** |")
print(f"| model load | {L['load_ms']:.1f} | {T['load_ms']:.1f} | {ratio(L['load_ms'], T['load_ms'])} |")
print()
print("| memory (MiB) | litevl | torch |")
print("|---|---:|---:|")
for label, key in [("RSS after load", "rss_after_load_mb"), ("RSS at the end", "rss_end_mb"), ("peak RSS", "peak_rss_mb")]:
    print(f"| {label} | {L.get(key, 0):.0f} | {T.get(key) or 0:.0f} |")
print(f"| weights file | {L.get('weights_mb', 0):.0f} | |")
print()
goals = []
vitfrac = L["vit_peak_fraction"]
peakname = "bf16 GEMM" if L.get("precision") == "bf16" else "sgemm"
goals.append((f"ViT forward ≥ 70 % of the {peakname} peak", f"{vitfrac * 100:.0f} % ({L['vit_gflops']:.1f} of {L.get('peak_gflops', L['sgemm_peak_gflops']):.1f} GFLOP/s)", vitfrac >= 0.7))
if preset == "blip-base":
    r = T["encode_ms"] / L["encode_ms"]
    goals.append(("clip encoding ≥ 1.5x torch eager", f"{r:.2f}x", r >= 1.5))
    r = T["per_question_ms"] / L["per_question_ms"]
    goals.append(("one question ≥ 5x torch eager", f"{r:.2f}x", r >= 5))
    w = L.get("weights_mb", 0)
    goals.append(("peak RSS ≤ weights + 1.5 GiB", f"{L['peak_rss_mb']:.0f} MiB vs {w + 1536:.0f} MiB", L["peak_rss_mb"] <= w + 1536))
    goals.append(("RSS after load near zero (mmap)", f"{L['rss_after_load_mb']:.0f} MiB of {w:.0f} MiB weights", L["rss_after_load_mb"] < 0.1 * w))
else:
    goals.append(("open clip → first answer < 0.5 s (cold, after load)", f"{L['cold_first_answer_ms']:.0f} ms", L["cold_first_answer_ms"] < 500))
    goals.append(("next question < 20 ms", f"{L['per_question_ms']:.1f} ms", L["per_question_ms"] < 20))
    goals.append(("model load < 50 ms", f"{L['load_ms']:.1f} ms", L["load_ms"] < 50))
print("| goal | measured | met |")
print("|---|---:|:---:|")
for g, m, ok in goals:
    print(f"| {g} | {m} | {'yes' if ok else 'NO'} |")
PY
