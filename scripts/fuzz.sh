#!/usr/bin/env bash
# Fuzzes LiteVL's parsers with libFuzzer (swiftc -sanitize=fuzzer,address). See docs/reliability.md.
#
#   scripts/fuzz.sh [TARGET|all] [SECONDS]     build, then fuzz each target for SECONDS (default 120)
#   scripts/fuzz.sh list                       the targets
#   scripts/fuzz.sh build                      build only
#   scripts/fuzz.sh repro TARGET FILE...       run inputs once (e.g. a crash reproducer)
#
# Targets: safetensors checkpoint pickle config tokenizer video.
# Seeds are read from Fuzz/corpus/<target>/ (committed, never written); new inputs go to
# $FUZZ_WORK/corpus/<target>/ (default .build-fuzz/work, git-ignored) and crash/timeout/OOM
# reproducers to Fuzz/crashes/<target>/. Logs: $FUZZ_WORK/logs/<target>.log.
# Environment: FUZZ_JOBS (parallel libFuzzer jobs per target, default 1), FUZZ_ARGS (extra
# libFuzzer flags), FUZZ_NICE (niceness, default 19; everything runs under nice).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
SCRATCH=$ROOT/.build-fuzz
WORK=${FUZZ_WORK:-$SCRATCH/work}
NICE=${FUZZ_NICE:-19}
TARGETS=(safetensors checkpoint pickle config tokenizer video)

product() {
    case $1 in
        safetensors) echo FuzzSafeTensors ;; checkpoint) echo FuzzCheckpoint ;; pickle) echo FuzzPickle ;;
        config) echo FuzzConfig ;; tokenizer) echo FuzzTokenizer ;; video) echo FuzzVideo ;;
        *) echo "fuzz.sh: unknown target '$1' (one of: ${TARGETS[*]} all)" >&2; exit 64 ;;
    esac
}

build() {
    # -sanitize=fuzzer,address on every module (not only Fuzz/'s own unsafeFlags) so LiteVL and
    # VideoDecoding get libFuzzer's coverage instrumentation and ASan checks; -enable-testing for
    # FuzzPickle's @testable import. Release (-O) for speed, -g for symbolised reports.
    echo "== building fuzz targets (release, -sanitize=fuzzer,address) in $SCRATCH" >&2
    nice -n "$NICE" swift build --package-path Fuzz --scratch-path "$SCRATCH" -c release \
        -Xswiftc -sanitize=fuzzer,address -Xswiftc -enable-testing -Xswiftc -g 2>&1 \
        | grep -v -e "Cannot export local symbol" -e "prohibited flag" >&2
    test "${PIPESTATUS[0]}" -eq 0
}

binary() { echo "$SCRATCH/release/$(product "$1")"; }

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=1:handle_abort=1}
# Narrow suppressions for leaks inside system libraries (each explained in the file).
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$ROOT/Fuzz/sanitizers/lsan.supp:print_suppressions=0}

run() {
    local target=$1 seconds=$2
    local bin; bin=$(binary "$target")
    mkdir -p "$WORK/corpus/$target" "$WORK/logs" "Fuzz/crashes/$target"
    local log=$WORK/logs/$target.log
    echo "== fuzzing $target for ${seconds}s (log: $log)" >&2
    local status=0 jobs=""
    # -jobs makes libFuzzer fork workers that log to ./fuzz-N.log; only when asked for.
    if [ "${FUZZ_JOBS:-1}" -gt 1 ]; then jobs="-jobs=$FUZZ_JOBS -workers=$FUZZ_JOBS"; fi
    # shellcheck disable=SC2086
    nice -n "$NICE" "$bin" "$WORK/corpus/$target" "Fuzz/corpus/$target" \
        -max_total_time="$seconds" -timeout=20 -rss_limit_mb=2048 -max_len=65536 \
        $jobs \
        -artifact_prefix="Fuzz/crashes/$target/" -print_final_stats=1 ${FUZZ_ARGS:-} >"$log" 2>&1 || status=$?
    # Each fuzz process writes its inputs to /dev/shm/litevl-fuzz-<pid>/: remove those of dead processes.
    for d in /dev/shm/litevl-fuzz-*; do [ -d "$d" ] && ! kill -0 "${d##*-}" 2>/dev/null && rm -rf "$d"; done || true
    local execs rate cov ft corpus
    execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | tail -1 | grep -o '[0-9]*$' || true)
    rate=$(grep -o 'stat::average_exec_per_sec: *[0-9]*' "$log" | tail -1 | grep -o '[0-9]*$' || true)
    cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | grep -o '[0-9]*$' || true)
    ft=$(grep -o 'ft: [0-9]*' "$log" | tail -1 | grep -o '[0-9]*$' || true)
    corpus=$(find "$WORK/corpus/$target" -type f | wc -l)
    printf '%-12s %6ss  execs %-10s exec/s %-7s cov %-6s ft %-6s corpus %-6s exit %s\n' \
        "$target" "$seconds" "${execs:-?}" "${rate:-?}" "${cov:-?}" "${ft:-?}" "$corpus" "$status"
    if [ "$status" -ne 0 ]; then
        echo "   !! $target stopped with status $status; reproducers in Fuzz/crashes/$target/:" >&2
        ls -1 "Fuzz/crashes/$target/" >&2 || true
        grep -m1 -E 'ERROR: |Fatal error|SUMMARY' "$log" >&2 || true
        return 1
    fi
}

cmd=${1:-all}
case $cmd in
    list) printf '%s\n' "${TARGETS[@]}" ;;
    build) build ;;
    repro)
        shift; target=${1:?usage: fuzz.sh repro TARGET FILE...}; shift
        build
        nice -n "$NICE" "$(binary "$target")" -runs=1 "$@" ;;
    *)
        seconds=${2:-120}
        if [ "$cmd" = all ]; then list=("${TARGETS[@]}"); else product "$cmd" >/dev/null; list=("$cmd"); fi
        build
        failed=0
        for t in "${list[@]}"; do run "$t" "$seconds" || failed=1; done
        exit $failed ;;
esac
