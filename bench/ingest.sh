#!/bin/sh
# Ingest benchmark: gnnrec's loader + CSR build against the decompression
# floor (`zcat FILE > /dev/null`) measured in the same run, on
#   - the Gowalla LightGCN train split (integer ids, adjacency list), when
#     ../shared/data is present;
#   - a generated 50M-row gzipped edge list with string ids, and the same
#     rows with integer ids (generated once into bench/data/, not committed).
# Prints medians of BENCH_RUNS runs (default 3).  Usage: bench/ingest.sh BUILD_DIR
set -eu
BUILD=${1:-build}
RUNS=${BENCH_RUNS:-3}
EDGES=${BENCH_EDGES:-50000000}
here=$(cd "$(dirname "$0")" && pwd)
data="$here/data"
mkdir -p "$data"

median() { sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
field() { printf '%s\n' "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"; }

now() { date +%s.%N; }

zcat_floor() {
    for _ in $(seq "$RUNS"); do
        t0=$(now)
        zcat "$1" > /dev/null
        t1=$(now)
        awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }'
    done | median
}

row() { # name ids file
    name=$1 ids=$2 file=$3
    floor=$(zcat_floor "$file")
    loads="" builds="" line=""
    for _ in $(seq "$RUNS"); do
        line=$("$BUILD/bench/bench_ingest" "$file" --ids "$ids")
        loads="$loads $(field "$line" load_s)"
        builds="$builds $(field "$line" build_s)"
    done
    load=$(printf '%s\n' $loads | median)
    build=$(printf '%s\n' $builds | median)
    rows=$(field "$line" rows)
    bytes=$(field "$line" bytes)
    awk -v n="$name" -v ids="$ids" -v rows="$rows" -v bytes="$bytes" -v load="$load" -v build="$build" \
        -v floor="$floor" -v peak="$(field "$line" peak_bytes)" -v maps="$(field "$line" map_bytes)" \
        -v bpe="$(field "$line" bytes_per_edge)" 'BEGIN {
        printf "%-22s %-6s %11d %8.3f %8.3f %7.3f %9.2f %7.0f %6.2fx %8.0f %7.0f %6.2f\n",
            n, ids, rows, floor, load, build, rows / load / 1e6, bytes / load / 1e6, load / floor,
            peak / 1048576, maps / 1048576, bpe }'
}

gen() { # file format
    if [ ! -s "$1" ]; then
        echo "generating $1 ($EDGES rows, once) ..." >&2
        "$BUILD/gnnrec" generate --users 1000000 --items 500000 --edges "$EDGES" --format "$2" --quiet -o "$1"
    fi
}

echo "gnnrec ingest benchmark: $(nproc) cores, $RUNS runs each, medians; $(date -u +%Y-%m-%d)"
echo "load = read + parse + ids into rows; build = deduplicated CSR of R and its transpose"
echo "peak/maps in MiB; bytes/edge = (peak RSS growth - id maps) / stored edges"
printf "%-22s %-6s %11s %8s %8s %7s %9s %7s %7s %8s %7s %6s\n" input ids rows "zcat s" "load s" "build s" \
    "Mrows/s" "MB/s" "/zcat" peak maps "B/edge"
gowalla="$here/../../shared/data/gowalla/train.txt.gz"
if [ -f "$gowalla" ]; then
    row gowalla-train int "$gowalla" int
else
    echo "(skipped Gowalla: $gowalla not found)"
fi
gen "$data/gen-string-$EDGES.tsv.gz" edges
gen "$data/gen-int-$EDGES.tsv.gz" edges-int
row "generated-${EDGES}" string "$data/gen-string-$EDGES.tsv.gz"
row "generated-${EDGES}" int "$data/gen-int-$EDGES.tsv.gz"
