#!/bin/sh
# The Gowalla reproduction protocol of docs/RESULTS.md, resumable:
#   sh scripts/gowalla.sh BUILD_DIR RUN_DIR [--config FILE] [key=value ...]
#   sh scripts/gowalla.sh BUILD_DIR RUN_DIR --refit
#
# The first form trains LightGCN (configs/gowalla-lightgcn.ini unless --config)
# selecting the epoch on 10% of each user's training items (valid_share=0.1,
# seeded; the test split is only ranked for the log, never for selection), with
# a checkpoint every checkpoint_every epochs (default 10) and the log
# RUN_DIR/train.log; its arguments are kept in RUN_DIR/args.  Run it again after
# an interruption and it resumes from RUN_DIR/model.gnr.ckpt (after a finished
# run it only redraws the chart) (then only epochs, patience, eval_every,
# checkpoint_every and threads may be given).  At the end: the test metrics of
# the selected epoch (RUN_DIR/test.json), and RUN_DIR/recall.svg, test
# recall@20 against wall-clock hours with the paper's 0.1830 marked, whose
# summary line says when (if ever) the run first reached it.
#
# The second form, after the first has finished, retrains the same recipe on
# all of train (valid_share=0) for the number of epochs validation selected
# (the best validation recall@20 in RUN_DIR/train.log, the first on a tie) and
# keeps that last epoch (keep=last): RUN_DIR/refit/ gets the model, its log
# (test metrics every eval_every epochs, reported only), test.json and
# recall.svg.  It resumes the same way; key=value after --refit (threads=...)
# are passed on.
set -eu
if [ $# -lt 2 ]; then
    echo "usage: sh scripts/gowalla.sh BUILD_DIR RUN_DIR [--config FILE | --refit] [key=value ...]" >&2
    exit 2
fi
BUILD=$1
RUN=$2
shift 2
cd "$(dirname "$0")/.."
title="LightGCN on Gowalla: test recall@20 (epoch selected on validation)"
y=test.recall@20
log_test=--log-test
if [ "${1:-}" = --refit ]; then
    shift
    if [ ! -f "$RUN/model.gnr" ] || [ ! -f "$RUN/args" ]; then
        echo "$RUN: --refit needs a finished selection run (model.gnr and args)" >&2
        exit 2
    fi
    # the first epoch with the best validation recall@20 (the first one on a
    # line; the test metrics follow it inside "test": {...})
    epoch=$(awk 'match($0, /"recall@20": [0-9.]+/) {
                     v = substr($0, RSTART + 13, RLENGTH - 13) + 0
                     match($0, /"epoch": [0-9]+/); e = substr($0, RSTART + 9, RLENGTH - 9)
                     if (v > best) { best = v; at = e }
                 } END { print at }' "$RUN/train.log")
    if [ -z "$epoch" ]; then
        echo "$RUN/train.log: no validation recall@20 to select an epoch from" >&2
        exit 2
    fi
    echo "refitting on all of train for the $epoch epochs validation selected" >&2
    # a resumed refit takes only the overrides given here; a new one the
    # selection run's arguments (a config path and key=value: no spaces)
    [ -f "$RUN/refit/model.gnr.ckpt" ] ||
        set -- $(cat "$RUN/args") valid_share=0 keep=last epochs="$epoch" checkpoint_every=10 "$@"
    RUN=$RUN/refit
    title="LightGCN on Gowalla refit on all of train: test recall@20 (epochs chosen on validation)"
    y=recall@20
    log_test=
elif [ ! -f "$RUN/model.gnr.ckpt" ] && [ ! -f "$RUN/model.gnr" ]; then
    config=configs/gowalla-lightgcn.ini
    if [ "${1:-}" = --config ]; then
        config=$2
        shift 2
    fi
    mkdir -p "$RUN"
    printf '%s\n' --config "$config" "$@" > "$RUN/args"
    set -- --config "$config" valid_share=0.1 checkpoint_every=10 "$@"
fi
mkdir -p "$RUN"
if [ -f "$RUN/model.gnr" ]; then
    echo "$RUN/model.gnr exists: the run is finished (remove the directory to train again)" >&2
elif [ -f "$RUN/model.gnr.ckpt" ]; then
    echo "resuming $RUN/model.gnr.ckpt" >&2
    "$BUILD/gnnrec" train --resume "$RUN/model.gnr.ckpt" "$@" --log "$RUN/train.log" $log_test \
        -o "$RUN/model.gnr" --json "$RUN/test.json" --no-progress
else
    "$BUILD/gnnrec" train "$@" --log "$RUN/train.log" $log_test \
        -o "$RUN/model.gnr" --json "$RUN/test.json" --no-progress
fi
"$BUILD/gnnrec" curve --y "$y" --x hours --target 0.1830 --title "$title" \
    -o "$RUN/recall.svg" "$(basename "$RUN")=$RUN/train.log"
