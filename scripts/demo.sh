#!/bin/sh
# The demo: everything on data gnnrec generates itself, so it needs no download.
# Usage: scripts/demo.sh path/to/gnnrec   (make demo calls it)
set -eu
BIN=${1:-build/gnnrec}
OUT=${DEMO_DIR:-build/demo}
mkdir -p "$OUT"
step() { printf '\n== %s\n$ %s\n' "$1" "$2"; sh -c "$2"; }

step "generate 150,000 interactions with 8 planted communities (string ids, timestamps)" \
    "$BIN generate --users 5000 --items 2000 --edges 150000 --communities 8 --exponent 0.8 --time --seed 7 -o $OUT/interactions.tsv.gz"
step "statistics and a degree plot" \
    "$BIN stats $OUT/interactions.tsv.gz --plot $OUT/degree.svg"
step "keep the 5-core, as the standard datasets do" \
    "$BIN convert $OUT/interactions.tsv.gz --kcore 5 --to edges -o $OUT/5core.tsv.gz"
step "split 70/10/20 per user, reproducible from the seed" \
    "$BIN split $OUT/5core.tsv.gz --test 0.2 --valid 0.1 --seed 1 -o $OUT/split"
step "temporal leave-one-out split (each user's latest interaction is the test item)" \
    "$BIN split $OUT/5core.tsv.gz --method loo --seed 1 -o $OUT/split-loo"
step "the popularity baseline on the test split" \
    "$BIN eval --baseline itempop --train $OUT/split/train.txt --valid $OUT/split/valid.txt --test $OUT/split/test.txt -k 10,20"
step "train LightGCN (validation on valid.txt, early stopping), then test" \
    "$BIN train train=$OUT/split/train.txt valid=$OUT/split/valid.txt test=$OUT/split/test.txt dim=32 epochs=30 lr=0.005 batch=1024 patience=5 topk=10,20 --log $OUT/train.jsonl -o $OUT/lightgcn.gnr"
step "evaluate the saved model file" \
    "$BIN eval $OUT/lightgcn.gnr -k 10,20"
printf '\nDemo outputs are in %s (open degree.svg in a browser; train.jsonl is the training log).\n' "$OUT"
