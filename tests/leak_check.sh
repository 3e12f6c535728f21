#!/bin/sh
# One end-to-end run under LeakSanitizer: generate, split, train LightGCN
# (with a checkpoint), eval, recommend with a folded-in user, export, each
# with the ASan+UBSan binary and detect_leaks=1.  Any leak or sanitizer
# report fails the command that made it.  Prints "leak check: N passed, N
# failed" (one per command).
#   sh tests/leak_check.sh SANITIZE_BUILD_DIR
# Leaks inside the runtime libraries we link (OpenMP's thread pool, OpenBLAS's
# buffers, GraphBLAS's global state) are process-lifetime allocations that
# they free on exit or never: tests/lsan.supp lists them by library, so only
# our own code's leaks count.
set -u
BUILD=${1:-build-sanitize}
BIN=$(cd "$BUILD" && pwd)/gnnrec
SUPP=$(cd "$(dirname "$0")" && pwd)/lsan.supp
WORK=$(mktemp -d "${TMPDIR:-/tmp}/gnnrec-leak.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
export ASAN_OPTIONS=detect_leaks=1:halt_on_error=1:abort_on_error=0
export LSAN_OPTIONS=suppressions=$SUPP:print_suppressions=0
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
export OMP_WAIT_POLICY=passive
passed=0
failed=0
run() {
    name=$1
    shift
    if (cd "$WORK" && "$BIN" "$@") > "$WORK/$name.out" 2>&1; then
        passed=$((passed + 1))
    else
        failed=$((failed + 1))
        echo "leak check: '$name' failed (gnnrec $*):"
        tail -n 40 "$WORK/$name.out"
    fi
}
run generate generate --users 300 --items 200 --edges 6000 --seed 5 -o d.tsv.gz --quiet
run split split d.tsv.gz --test 0.2 --seed 1 -o split --quiet
run train train train=split/train.txt test=split/test.txt dim=16 epochs=3 batch=512 lr=0.01 threads=2 \
    checkpoint_every=1 -o m.gnr --quiet
run eval eval m.gnr --quiet
printf 'u1\ti3\nu1\ti5\n' > "$WORK/history.tsv"
run recommend recommend m.gnr --all --history history.tsv -k 5 --explain 2 -o recs.tsv.gz --quiet
run export export m.gnr --what items -o items.npy
echo "leak check: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
