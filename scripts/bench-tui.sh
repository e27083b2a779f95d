#!/usr/bin/env bash
# Benchmark (not a test): the app's latency in a real terminal, from its own trace (LITEVL_TRACE).
#
#   first screen: process exec → the first screen drawn (ncurses refresh done)      goal < 150 ms
#   answer:       Enter read by the app loop → the screen with the answer drawn,     goal < 50 ms
#                 asked once the clip is encoded
#
# Each run starts the release binary in a fresh tmux server (120x36, truecolor) on the bundled demo clip
# with the bundled tiny model, waits for the clip to be encoded, types a question, presses Enter, waits
# for the answer and quits. The launcher stamps CLOCK_MONOTONIC right before exec (LITEVL_TRACE_T0), so
# "first screen" includes the dynamic loader, model loading and ncurses start-up.
#
# Usage: scripts/bench-tui.sh [RUNS] [QUESTION]     (default 10 runs; BIN=path to use another binary,
#        NOBUILD=1 to skip the build, CLIP=path for another clip)
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-10}
QUESTION=${2:-which way is the blue square moving?}
SCRATCH=${SCRATCH:-.build-app}
if [[ -z "${BIN:-}" ]]; then
    [[ -n "${NOBUILD:-}" ]] || nice -n 10 swift build -c release --scratch-path "$SCRATCH" --product litevl >&2
    BIN=$SCRATCH/release/litevl
fi
BIN=$(realpath "$BIN")
CLIP=${CLIP:-Assets/clips/demo_motion.mp4}
CLIP=$(realpath "$CLIP")
command -v tmux >/dev/null || { echo "bench-tui: tmux is not installed" >&2; exit 1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/litevl-bench-tui.XXXXXX")
socket="$work/tmux.sock"
trap 'tmux -S "$socket" kill-server 2>/dev/null || true; rm -rf "$work"' EXIT
export LITEVL_ASSETS=$PWD/Assets

# ns of the first line whose event is $2 (and detail $3 when given) in trace $1
at() { awk -F'\t' -v e="$2" -v d="${3:-}" '$2 == e && (d == "" || $3 == d) { print $1; exit }' "$1"; }
wait_for() {  # trace event [timeout s]
    local i
    for ((i = 0; i < ${3:-30} * 100; i++)); do
        [[ -n "$(at "$1" "$2")" ]] && return 0
        sleep 0.01
    done
    echo "bench-tui: no '$2' in $1 after ${3:-30} s" >&2
    cat "$1" >&2
    return 1
}

first=() answer=() startup=()
for ((run = 1; run <= RUNS; run++)); do
    trace="$work/trace-$run.tsv"
    : >"$trace"
    # The launcher: stamp CLOCK_MONOTONIC (ns) into LITEVL_TRACE_T0, then exec the app in the same process.
    launcher="import os, sys, time; os.environ['LITEVL_TRACE_T0'] = str(time.clock_gettime_ns(time.CLOCK_MONOTONIC)); os.execv(sys.argv[1], sys.argv[1:])"
    tmux -S "$socket" -f /dev/null new-session -d -x 120 -y 36 -s bench \
        env TERM=xterm-256color COLORTERM=truecolor LITEVL_TRACE="$trace" \
        python3 -c "$launcher" "$BIN" "$CLIP" --history "$work/history.jsonl" --export-dir "$work"
    wait_for "$trace" clip-drawn 60
    sleep 0.3                                   # let the loop go idle, as a person would be typing
    tmux -S "$socket" send-keys -t bench -l "$QUESTION"
    sleep 0.2
    tmux -S "$socket" send-keys -t bench Enter
    wait_for "$trace" answer-drawn 30
    tmux -S "$socket" send-keys -t bench C-c        # Ctrl-C on an empty line quits
    for ((i = 0; i < 200; i++)); do tmux -S "$socket" has-session -t bench 2>/dev/null || break; sleep 0.01; done
    tmux -S "$socket" kill-server 2>/dev/null || true

    t0=$(at "$trace" start) f=$(at "$trace" first-frame) m=$(at "$trace" main) l=$(at "$trace" model-loaded)
    e=$(at "$trace" enter) a=$(at "$trace" answer-drawn)
    first+=($(( (f - t0) / 1000 ))) answer+=($(( (a - e) / 1000 )))
    printf 'run %2d: first screen %7.1f ms (exec→main %5.1f, models loaded main+%5.1f)   answer %6.1f ms   clip encoded after %6.1f ms\n' "$run" \
        "$(bc -l <<<"($f - $t0) / 1000000")" "$(bc -l <<<"($m - $t0) / 1000000")" "$(bc -l <<<"($l - $m) / 1000000")" \
        "$(bc -l <<<"($a - $e) / 1000000")" "$(bc -l <<<"($(at "$trace" clip-ready) - $t0) / 1000000")" >&2
done

stats() {  # label goal_ms values in µs
    local label=$1 goal=$2; shift 2
    printf '%s\n' "$@" | sort -n | awk -v label="$label" -v goal="$goal" '
        { v[NR] = $1 / 1000; s += v[NR] }
        END {
            med = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
            printf "%-13s n=%d  mean %6.1f ms  median %6.1f ms  min %6.1f ms  max %6.1f ms   (goal < %d ms)\n", label, NR, s / NR, med, v[1], v[NR], goal
        }'
}
echo "litevl $(basename "$CLIP"), $RUNS runs, $(nproc) cores, load: $(uptime | sed 's/.*load average: //')"
stats "first screen" 150 "${first[@]}"
stats "answer" 50 "${answer[@]}"
