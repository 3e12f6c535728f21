#!/bin/sh
# The Gowalla reproduction protocol of docs/RESULTS.md, resumable:
#   sh scripts/gowalla.sh BUILD_DIR RUN_DIR [--config FILE] [key=value ...]
# trains LightGCN (configs/gowalla-lightgcn.ini unless --config) selecting the
# epoch on 10% of each user's training items (valid_share=0.1, seeded; the test
# split is only ranked for the log, never for selection), with a checkpoint
# every checkpoint_every epochs (default 10) and the log RUN_DIR/train.log.
# Run again after an interruption and it resumes from RUN_DIR/model.gnr.ckpt
# (after a finished run it only redraws the chart)
# (then only epochs, patience, eval_every, checkpoint_every and threads may be
# given).  At the end: the test metrics of the selected epoch
# (RUN_DIR/test.json), and RUN_DIR/recall.svg, test recall@20 against wall-clock
# hours with the paper's 0.1830 marked, whose summary line says when (if ever)
# the run first reached it.
set -eu
if [ $# -lt 2 ]; then
    echo "usage: sh scripts/gowalla.sh BUILD_DIR RUN_DIR [--config FILE] [key=value ...]" >&2
    exit 2
fi
BUILD=$1
RUN=$2
shift 2
config=configs/gowalla-lightgcn.ini
if [ "${1:-}" = --config ]; then
    config=$2
    shift 2
fi
cd "$(dirname "$0")/.."
mkdir -p "$RUN"
if [ -f "$RUN/model.gnr" ]; then
    echo "$RUN/model.gnr exists: the run is finished (remove the directory to train again)" >&2
elif [ -f "$RUN/model.gnr.ckpt" ]; then
    echo "resuming $RUN/model.gnr.ckpt" >&2
    "$BUILD/gnnrec" train --resume "$RUN/model.gnr.ckpt" "$@" --log "$RUN/train.log" --log-test \
        -o "$RUN/model.gnr" --json "$RUN/test.json" --no-progress
else
    "$BUILD/gnnrec" train --config "$config" valid_share=0.1 checkpoint_every=10 "$@" \
        --log "$RUN/train.log" --log-test -o "$RUN/model.gnr" --json "$RUN/test.json" --no-progress
fi
"$BUILD/gnnrec" curve --y test.recall@20 --x hours --target 0.1830 \
    --title "LightGCN on Gowalla: test recall@20 (epoch selected on validation)" \
    -o "$RUN/recall.svg" "$(basename "$RUN")=$RUN/train.log"
