#!/bin/sh
# Training and evaluation time on Gowalla with the reference recipe
# (configs/gowalla-{lightgcn,mf}.ini): seconds per training epoch (median of
# the epochs of one BENCH_EPOCHS-epoch run, default 3) and seconds for one
# full-ranking evaluation of all test users (bench_eval, median of 3).
# Usage: bench/train.sh BUILD_DIR
set -eu
BUILD=${1:-build}
EPOCHS=${BENCH_EPOCHS:-3}
here=$(cd "$(dirname "$0")" && pwd)
root="$here/.."
gowalla="$root/../shared/data/gowalla"
echo "gnnrec training benchmark: $(nproc) cores, Gowalla, $EPOCHS epochs each; $(date -u +%Y-%m-%d)"
if [ ! -f "$gowalla/train.txt.gz" ]; then
    echo "(skipped training: $gowalla/train.txt.gz not found)"
    exit 0
fi
median() { sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
# NAME CONFIG [key=value ...]: mf-sgd is MF with SGD, which touches only the
# batch's rows (Adam moves every row every batch, as the reference does)
bench_model() {
    name=$1 config=$2
    shift 2
    log=$(mktemp)
    (cd "$root" && "$BUILD/gnnrec" train --config "configs/$config.ini" "$@" epochs="$EPOCHS" eval_every=0 \
        test= --no-progress 2> "$log" > /dev/null)
    s=$(sed -n 's/^epoch [0-9]*: loss [0-9.]*, \([0-9.]*\) s.*/\1/p' "$log" | median)
    printf '%-10s %8.2f s per epoch (median of %s; sampling, %s)\n' "$name" "$s" "$EPOCHS" \
        "$(grep -o 'd = [0-9]*, K = [0-9]*, [0-9]* threads' "$log")"
    rm -f "$log"
}
bench_model lightgcn gowalla-lightgcn
# dynamic negative sampling: 16 candidates per negative, their rows in the
# forward pass (docs/RESULTS.md: the fast recipe)
bench_model lgcn-dns16 gowalla-lightgcn neg_sampler=dns dns_candidates=16
# the forward pass's layers stored as halves (README: activations)
bench_model lgcn-fp16 gowalla-lightgcn activations=fp16
bench_model mf gowalla-mf
bench_model mf-sgd gowalla-mf optimizer=sgd lr=500 decay=0.01
bench_model mf-sgd-dns gowalla-mf optimizer=sgd lr=500 decay=0.01 neg_sampler=dns dns_candidates=16
"$BUILD/bench/bench_eval" "$gowalla"
