#!/bin/sh
# SpMM benchmark: Y = Â·X at d = 64 on Gowalla's LightGCN train split, our CSR
# kernel and GrB_mxm, and the CSR kernel on halves (csr-fp16: X as IEEE
# halves; csr-fp16h: Y too, each also against its own bound and checked
# against csr), each the median of BENCH_SPMM_RUNS interleaved runs (default 20)
# on BENCH_THREADS threads (default 2), next to the memory-bandwidth bound
# measured in the same process (STREAM triad).  Usage: bench/spmm.sh BUILD_DIR
set -eu
BUILD=${1:-build}
cd "$(dirname "$0")/.."
gowalla=../shared/data/gowalla/train.txt.gz
echo "gnnrec SpMM benchmark: $(nproc) cores; $(date -u +%Y-%m-%d)"
if [ ! -f "$gowalla" ]; then
    echo "(skipped SpMM: $gowalla not found)"
    exit 0
fi
"$BUILD/bench/bench_spmm" "$gowalla" --runs "${BENCH_SPMM_RUNS:-20}" --threads "${BENCH_THREADS:-2}" --d 64
