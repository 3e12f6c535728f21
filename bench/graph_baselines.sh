#!/bin/sh
# The graph baselines' solvers against igraph and GraphBLAS on LastFM
# (bench/bench_graph_baselines.c; docs/BENCH.md quotes the figures).
#   sh bench/graph_baselines.sh BUILD_DIR
set -eu
BUILD=${1:-build}
DATA=${GNNREC_DATA:-../shared/data}/lastfm/data1.txt.gz
if [ ! -f "$DATA" ]; then
    echo "graph baselines: skipped ($DATA not found; set GNNREC_DATA to the folder holding lastfm/)"
    exit 0
fi
echo "== graph baselines on LastFM (PPR: ours vs igraph per user; neighbourhoods: ours vs GraphBLAS)"
OMP_WAIT_POLICY=passive "$BUILD/bench/bench_graph_baselines" "$DATA" --threads 2 --igraph-users 200
