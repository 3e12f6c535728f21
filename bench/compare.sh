#!/bin/sh
# gnnrec next to a PyTorch reimplementation of the LightGCN reference training
# step (bench/torch_lightgcn.py, Debian's python3-torch), same data, same run,
# same thread count: seconds per training epoch (LightGCN and MF) and seconds
# per full-ranking evaluation of all test users, and their ratio torch/gnnrec
# (how many times faster gnnrec is).
#
# Usage: bench/compare.sh BUILD_DIR
#   BENCH_EPOCHS           gnnrec epochs per model (default 3; median reported)
#   BENCH_TORCH_EPOCHS     torch LightGCN epochs (default 1; ~160 s each when idle)
#   BENCH_TORCH_MF_EPOCHS  torch MF epochs (default 2)
#   BENCH_TORCH_EVAL_REF=1 also time Test() as the reference runs it (the full
#                          propagation redone for each batch of 100 users; ~1 min+)
# Installs python3-torch with apt-get when run as root and it is missing;
# otherwise prints the command and skips.
set -eu
BUILD=${1:-build}
EPOCHS=${BENCH_EPOCHS:-3}
TEPOCHS=${BENCH_TORCH_EPOCHS:-1}
MFEPOCHS=${BENCH_TORCH_MF_EPOCHS:-2}
EVAL_REF=${BENCH_TORCH_EVAL_REF:-0}
PY=/usr/bin/python3
here=$(cd "$(dirname "$0")" && pwd)
root="$here/.."
gowalla="$root/../shared/data/gowalla"

echo "gnnrec vs PyTorch: $(nproc) cores, Gowalla; $(date -u +%Y-%m-%d)"
if [ ! -f "$gowalla/train.txt.gz" ] || [ ! -f "$gowalla/test.txt.gz" ]; then
    echo "(skipped: $gowalla/{train,test}.txt.gz not found)"
    exit 0
fi
has_torch() { [ -x "$PY" ] && "$PY" -c 'import torch, numpy' > /dev/null 2>&1; }
if ! has_torch; then
    if [ "$(id -u)" = 0 ] && command -v apt-get > /dev/null 2>&1; then
        echo "installing python3-torch: apt-get install -y python3-torch"
        DEBIAN_FRONTEND=noninteractive apt-get install -y python3-torch > /dev/null 2>&1 ||
            { DEBIAN_FRONTEND=noninteractive apt-get update > /dev/null 2>&1 &&
              DEBIAN_FRONTEND=noninteractive apt-get install -y python3-torch > /dev/null 2>&1; } || true
    fi
    if ! has_torch; then
        echo "(skipped: PyTorch not found for $PY; install it with: apt-get install -y python3-torch)"
        exit 0
    fi
fi

median() { sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
# key=value from the line of $2 that has it
field() { sed -n "s/.*[ ^]$1=\([^ ]*\).*/\1/p" | tail -n 1; }
ratio() { awk -v t="$1" -v g="$2" 'BEGIN { if (g > 0 && t != "") printf "%.2fx", t / g; else printf "-" }'; }
num() { awk -v x="$1" 'BEGIN { if (x != "") printf "%.2f", x; else printf "-" }'; }
load() { cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo '?'; }
load0=$(load)

gnnrec_epoch() { # model -> median seconds per epoch of an EPOCHS-epoch run
    log=$(mktemp)
    (cd "$root" && "$BUILD/gnnrec" train --config "configs/gowalla-$1.ini" epochs="$EPOCHS" eval_every=0 \
        test= --no-progress 2> "$log" > /dev/null)
    sed -n 's/^epoch [0-9]*: loss [0-9.]*, \([0-9.]*\) s.*/\1/p' "$log" | median
    rm -f "$log"
}
torch_run() { # args... -> stdout of the torch script (key=value lines)
    (cd "$root" && "$PY" bench/torch_lightgcn.py --data "$gowalla" "$@" 2> /dev/null)
}

# Interleaved so that both sides see the same machine.
g_lgcn=$(gnnrec_epoch lightgcn)
out=$(torch_run --model lightgcn --epochs "$TEPOCHS" --spmm 9)
case $out in skipped:*) echo "($out)"; exit 0;; esac
tver=$(echo "$out" | field version)
t_lgcn=$(echo "$out" | grep ' epochs=' | field epoch_s)
t_spmm=$(echo "$out" | field spmm_s)
t_spmm_bwd=$(echo "$out" | field spmm_fwd_bwd_s)
g_spmm=$("$BUILD/bench/bench_spmm" "$gowalla/train.txt.gz" --runs 9 --threads 2 --d 64 | awk '$1 == "csr" {print $2 / 1000}')
g_mf=$(gnnrec_epoch mf)
out=$(torch_run --model mf --epochs "$MFEPOCHS" --eval)
t_mf=$(echo "$out" | grep ' epochs=' | field epoch_s)
t_eval=$(echo "$out" | field eval_s)
t_recall=$(echo "$out" | grep eval_s | field 'recall@20')
out=$("$BUILD/bench/bench_eval" "$gowalla")
g_eval=$(echo "$out" | field eval_s)
t_ref=
if [ "$EVAL_REF" = 1 ]; then
    out=$(torch_run --model lightgcn --epochs 0 --eval-ref)
    t_ref=$(echo "$out" | field eval_ref_s)
fi
load1=$(load)

echo "torch $tver ($PY), torch.set_num_threads(2); gnnrec threads = 2; ratio = torch / gnnrec"
echo "epochs: gnnrec $EPOCHS per model (median), torch LightGCN $TEPOCHS, torch MF $MFEPOCHS (median)"
printf '%-12s %16s %16s %10s\n' training "gnnrec s/epoch" "torch s/epoch" ratio
printf '%-12s %16s %16s %10s\n' lightgcn "$(num "$g_lgcn")" "$(num "$t_lgcn")" "$(ratio "$t_lgcn" "$g_lgcn")"
printf '%-12s %16s %16s %10s\n' mf "$(num "$g_mf")" "$(num "$t_mf")" "$(ratio "$t_mf" "$g_mf")"
printf '%-12s %16s %16s %10s\n' "Â·X (d=64)" "gnnrec ms" "torch ms" ratio
ms() { awk -v x="$1" 'BEGIN { if (x != "") printf "%.1f", x * 1000; else printf "-" }'; }
printf '%-12s %16s %16s %10s\n' spmm "$(ms "$g_spmm")" "$(ms "$t_spmm")" "$(ratio "$t_spmm" "$g_spmm")"
printf '%-12s %16s %16s %10s\n' "+ backward" "" "$(ms "$t_spmm_bwd")" ""
printf '%-12s %16s %16s %10s\n' evaluation "gnnrec s" "torch s" ratio
printf '%-12s %16s %16s %10s\n' full-ranking "$(num "$g_eval")" "$(num "$t_eval")" "$(ratio "$t_eval" "$g_eval")"
if [ -n "$t_ref" ]; then
    printf '%-12s %16s %16s %10s\n' "as Test()" "$(num "$g_eval")" "$(num "$t_ref")" "$(ratio "$t_ref" "$g_eval")"
fi
echo "evaluation: all test users, K = 20; gnnrec bench_eval (random embeddings, median of 3),"
echo "torch one pass over the MF model's embeddings in batches of 100 users (recall@20 $t_recall)"
echo "spmm: gnnrec bench_spmm csr kernel, torch.sparse.mm on the reference's coalesced COO Â; medians of 9"
echo "load average before $load0, after $load1 (above $(nproc) the figures are contended)"
