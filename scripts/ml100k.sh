#!/bin/sh
# MovieLens-100K comparison for docs/RESULTS.md: the 80/20 per-user split
# (seed 2020), ItemPop, MF-BPR and LightGCN with configs/ml100k-*.ini, one
# table.  Usage: scripts/ml100k.sh [path/to/gnnrec] [extra key=value ...]
set -eu
BIN=${1:-build/gnnrec}
[ $# -gt 0 ] && shift
DATA=../shared/data/ml-100k/u.data.gz
OUT=build/ml100k
if [ ! -f "$DATA" ]; then
    echo "ml100k: $DATA not found; see the README's Datasets section" >&2
    exit 1
fi
"$BIN" split "$DATA" --test 0.2 --seed 2020 -o "$OUT" --quiet
"$BIN" eval --baseline itempop --train "$OUT/train.txt" --test "$OUT/test.txt" --json "$OUT/itempop.json" > /dev/null
for m in mf lightgcn; do
    "$BIN" train --config "configs/ml100k-$m.ini" "$@" --log "$OUT/$m.log.jsonl" --json "$OUT/$m.json" \
        -o "$OUT/$m.gnr" --no-progress > "$OUT/$m.out" 2> "$OUT/$m.err"
done
value() { sed -n "s/.*\"$2\": *\([0-9.eE+-]*\).*/\1/p" "$OUT/$1.json" | head -n 1; }
epochs() { grep -o 'trained [0-9]* epochs in [0-9.]* s' "$OUT/$1.err" | head -n 1; }
printf '%-10s %10s %10s %10s %10s  %s\n' model recall@10 recall@20 ndcg@20 hit@20 training
for m in itempop mf lightgcn; do
    printf '%-10s %10.4f %10.4f %10.4f %10.4f  %s\n' "$m" "$(value "$m" recall@10)" "$(value "$m" recall@20)" \
        "$(value "$m" ndcg@20)" "$(value "$m" hit_rate@20)" "$( [ "$m" = itempop ] && echo - || epochs "$m")"
done
