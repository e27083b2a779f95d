#!/usr/bin/env bash
# Benchmark: litevl's FrameSampler against PyAV doing the same seek-and-decode sampling, same run,
# same machine. Samples 8 frames at 224x224 (plus thumbnails) from bikes.mp4, bigbuckbunny.mp4 and
# a generated 10-minute clip, with FFmpeg's automatic threading and with one thread.
# Usage: scripts/bench-decode.sh [RUNS]      (needs ffmpeg for the long clip, pip for PyAV)
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-10}
CLIPS=../shared/clips
LONG=${TMPDIR:-/tmp}/litevl-bench-10min.mp4

swift build -c release --scratch-path .build-video --product litevl >&2
BIN=.build-video/release/litevl
python3 -c "import av" 2>/dev/null || pip install --quiet av >&2
if [[ ! -s "$LONG" ]]; then
    echo "bench: generating a 10-minute 320x180 clip (keyframe every 2 s) at $LONG" >&2
    ffmpeg -v error -nostdin -y -f lavfi -i testsrc2=size=320x180:rate=25:duration=600 \
        -c:v libx264 -preset ultrafast -g 50 -movflags +faststart "$LONG"
fi

results=$(mktemp)
for clip in "$CLIPS/bikes.mp4" "$CLIPS/bigbuckbunny.mp4" "$LONG"; do
    for threads in 0 1; do
        "$BIN" frames "$clip" --count 8 --size 224 --threads "$threads" --bench "$RUNS" >>"$results"
        for mode in seek forward; do
            python3 Training/bench_decode_pyav.py "$clip" --count 8 --size 224 --threads "$threads" --mode "$mode" --runs "$RUNS" >>"$results"
        done
    done
done

python3 - "$results" <<'PY'
import json, os, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
print(f"{'clip':<26}{'thr':>4}{'litevl ms':>11}{'pyav seek':>11}{'pyav fwd':>10}{'ratio':>8}{'RSS MB litevl/pyav':>20}  same frames")
for key in sorted({(r['file'], r['threads']) for r in rows}, key=lambda k: (k[0], k[1])):
    g = {r['impl']: r for r in rows if (r['file'], r['threads']) == key}
    lv, ps, pf = g['litevl'], g['pyav-seek'], g['pyav-forward']
    best = min(ps['median_ms'], pf['median_ms'])
    same = all(abs(a - b) < 1e-6 for a, b in zip(lv['timestamps'], ps['timestamps'])) and len(lv['timestamps']) == len(ps['timestamps'])
    print(f"{os.path.basename(key[0]):<26}{key[1]:>4}{lv['median_ms']:>11.1f}{ps['median_ms']:>11.1f}{pf['median_ms']:>10.1f}"
          f"{best / lv['median_ms']:>7.2f}x{lv['max_rss_mb']:>10.0f}/{max(ps['max_rss_mb'], pf['max_rss_mb']):<9.0f}  {same}")
print("ratio = best PyAV mode's median / litevl's median (>1: litevl faster). threads 0 = FFmpeg chooses.")
print(f"PyAV {rows[1]['pyav']} (libavcodec {rows[1]['ffmpeg']}); litevl against the system FFmpeg 5.1.")
PY
rm -f "$results"
