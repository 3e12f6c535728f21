#!/bin/sh
# The demo: five recommenders compared on data gnnrec generates itself, so it
# needs no download.  Usage: scripts/demo.sh path/to/gnnrec   (make demo calls it)
set -eu
BIN=${1:-build/gnnrec}
OUT=${DEMO_DIR:-build/demo}
mkdir -p "$OUT"
start=$(date +%s)
step() { printf '\n== %s\n$ %s\n' "$1" "$2"; sh -c "$2"; }

step "generate 150,000 interactions with 8 planted communities (string ids, timestamps)" \
    "$BIN generate --users 5000 --items 2000 --edges 150000 --communities 8 --exponent 0.8 --time --seed 7 -o $OUT/interactions.tsv.gz"
step "keep the 5-core, as the standard datasets do" \
    "$BIN convert $OUT/interactions.tsv.gz --kcore 5 --to edges -o $OUT/5core.tsv.gz"
step "split 70/10/20 per user, reproducible from the seed" \
    "$BIN split $OUT/5core.tsv.gz --test 0.2 --valid 0.1 --seed 1 -o $OUT/split"
# The plan names build/demo/split/*; the overrides follow DEMO_DIR.
step "compare ItemPop, MF-BPR, iALS, GF-CF and LightGCN (epochs selected on valid.txt, 3 seeds), then test" \
    "$BIN compare --config configs/compare-demo.ini -o $OUT/report train=$OUT/split/train.txt valid=$OUT/split/valid.txt test=$OUT/split/test.txt"
printf '\nDemo done in %d s.  Report: %s/index.html (open it in a browser; results.json, logs/ and configs/ beside it).\n' \
    "$(($(date +%s) - start))" "$OUT/report"
printf 'Check that it renders in headless chromium: sh scripts/check_report.sh %s/report\n' "$OUT"
