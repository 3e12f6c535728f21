#!/bin/sh
# What `make test` runs: every cmocka test program twice, from the optimized
# build and from the AddressSanitizer + UBSan build (a sanitizer report aborts
# the program, which counts as a failure), then tests/leak_check.sh's
# end-to-end run under LeakSanitizer.  Ends with one line summing all three:
# "N passed, N failed".  Exits non-zero when anything failed.
#   sh tests/all.sh [BUILD_DIR] [SANITIZE_BUILD_DIR]
set -u
FAST=${1:-build}
SAN=${2:-build-sanitize}
DIR=$(dirname "$0")
LOG=$(mktemp "${TMPDIR:-/tmp}/gnnrec-test.XXXXXX")
trap 'rm -f "$LOG"' EXIT
passed=0
failed=0
# tally: adds the "N passed, N failed" at the end of $LOG to the totals
tally() {
    set -- $(tail -n 1 "$LOG" | sed -n 's/.*\b\([0-9][0-9]*\) passed, \([0-9][0-9]*\) failed$/\1 \2/p')
    if [ $# -eq 2 ]; then
        passed=$((passed + $1))
        failed=$((failed + $2))
    else
        failed=$((failed + 1)) # the runner itself broke
    fi
}

echo "== tests, optimized build ($FAST)"
sh "$DIR/run.sh" "$FAST" > "$LOG" 2>&1
cat "$LOG"
tally

echo "== tests under AddressSanitizer + UBSan ($SAN)"
# leaks are tests/leak_check.sh's job (test programs exit through cmocka
# with fixtures torn down in any order); every other report aborts
ASAN_OPTIONS=detect_leaks=0:halt_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
    sh "$DIR/run.sh" "$SAN" > "$LOG" 2>&1
cat "$LOG"
tally

echo "== leak check ($SAN)"
sh "$DIR/leak_check.sh" "$SAN" > "$LOG" 2>&1
cat "$LOG"
tally

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
