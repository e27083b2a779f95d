#!/usr/bin/env bash
# Runs the test suite under a sanitizer. See docs/reliability.md.
#
#   scripts/sanitize.sh address [SWIFT-TEST-ARGS...]   AddressSanitizer + LeakSanitizer (.build-asan)
#   scripts/sanitize.sh thread  [SWIFT-TEST-ARGS...]   ThreadSanitizer (.build-tsan)
#
# Extra arguments go to `swift test`, e.g. `scripts/sanitize.sh thread --filter 'LiteVLTests|VideoDecodingTests'`.
# Everything runs under `nice -n ${SANITIZE_NICE:-19}`; each sanitizer has its own scratch path,
# so the normal .build stays untouched. Leak suppressions for system libraries:
# Fuzz/sanitizers/lsan.supp (each entry explained there). Log: <scratch>/sanitize.log.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
kind=${1:-}
case $kind in
    address) scratch=$ROOT/.build-asan ;;
    thread) scratch=$ROOT/.build-tsan ;;
    *) echo "usage: scripts/sanitize.sh address|thread [swift test arguments]" >&2; exit 64 ;;
esac
shift
NICE=${SANITIZE_NICE:-19}
mkdir -p "$scratch"
log=$scratch/sanitize.log

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:halt_on_error=1:detect_stack_use_after_return=0:strict_string_checks=0}
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$ROOT/Fuzz/sanitizers/lsan.supp:print_suppressions=0}
export TSAN_OPTIONS=${TSAN_OPTIONS:-halt_on_error=0:second_deadlock_stack=1:suppressions=$ROOT/Fuzz/sanitizers/tsan.supp}

echo "== building tests with --sanitize=$kind in $scratch" >&2
set +e
nice -n "$NICE" swift build --build-tests --sanitize="$kind" --scratch-path "$scratch" 2>&1 \
    | grep -v -e "Cannot export local symbol" -e "prohibited flag"
build=${PIPESTATUS[0]}
set -e
[ "$build" -eq 0 ] || { echo "sanitize.sh: the $kind build failed" >&2; exit "$build"; }

echo "== running tests under $kind sanitizer (log: $log)" >&2
set +e
nice -n "$NICE" swift test --skip-build --sanitize="$kind" --scratch-path "$scratch" "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e
reports=$(grep -c -E '^(==[0-9]+==ERROR|WARNING: ThreadSanitizer|SUMMARY: (Address|Leak|Thread)Sanitizer)' "$log" || true)
echo "== sanitize.sh $kind: swift test exit $status, sanitizer report lines: $reports" >&2
if [ "$status" -eq 0 ] && [ "$reports" -gt 0 ]; then status=1; fi
exit "$status"
