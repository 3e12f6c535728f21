#!/bin/sh
# Runs every cmocka test binary in BUILD/tests and prints one closing line,
# "N passed, N failed", summed over all of them.  Exits non-zero when any test
# failed or any binary crashed.
BUILD=${1:-build}
passed=0
failed=0
crashed=0
for t in "$BUILD"/tests/test_*; do
    case "$t" in *.d|*.o) continue ;; esac
    [ -x "$t" ] || continue
    out=$(GNNREC_BIN="$BUILD/gnnrec" "$t" 2>&1)
    rc=$?
    printf '%s\n' "$out"
    p=$(printf '%s\n' "$out" | sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' | awk '{s+=$1} END {print s+0}')
    f=$(printf '%s\n' "$out" | sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' | awk '{s+=$1} END {print s+0}')
    passed=$((passed + p))
    failed=$((failed + f))
    if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
        echo "$t exited with status $rc"
        crashed=$((crashed + 1))
        failed=$((failed + 1))
    fi
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
