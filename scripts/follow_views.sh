#!/bin/sh
# Who-to-follow, bipartite vs unipartite view, on a generated follower graph
# with planted communities (no download needed).  Usage, from the repository
# root:
#   sh scripts/follow_views.sh [path/to/gnnrec] [compare overrides or options...]
# e.g. `sh scripts/follow_views.sh build/gnnrec --only lightgcn-unipartite seeds=1`.
# Writes FOLLOW_DIR (default build/follow): the data, its split, and the
# report of `gnnrec compare --config configs/compare-follow.ini`.
set -eu
BIN=${1:-build/gnnrec}
[ $# -gt 0 ] && shift
OUT=${FOLLOW_DIR:-build/follow}
mkdir -p "$OUT"
step() { printf '\n== %s\n$ %s\n' "$1" "$2"; sh -c "$2"; }

step "generate 400,000 follows among 20,000 accounts in 20 planted communities" \
    "$BIN generate --kind follows --users 20000 --edges 400000 --communities 20 --seed 7 -o $OUT/follows.tsv.gz"
step "split each account's followees 70/10/20, reproducible from the seed" \
    "$BIN split $OUT/follows.tsv.gz --graph directed --test 0.2 --valid 0.1 --seed 1 -o $OUT/split"
# The plan names build/follow/split/*; the overrides follow FOLLOW_DIR.
step "compare the views (epochs selected on valid.txt, 3 seeds), then test" \
    "$BIN compare --config configs/compare-follow.ini -o $OUT/report train=$OUT/split/train.txt valid=$OUT/split/valid.txt test=$OUT/split/test.txt $*"
