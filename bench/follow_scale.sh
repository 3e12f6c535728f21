#!/bin/sh
# Who-to-follow at scale: a generated power-law follower graph (1M accounts,
# about 24M distinct follows at the defaults) from ingest to recommendations,
# each stage timed with its peak memory (/usr/bin/time).
#   sh bench/follow_scale.sh BUILD_DIR WORK_DIR [key=value ...]
# key=value pairs are passed to `gnnrec train` (e.g. view=unipartite epochs=3).
# Environment: USERS (1000000), EDGES (27000000 rows; about 10% repeat and are
# dropped), SAMPLE (10000 users to recommend for and to evaluate), K (20).
# Stages: generate (integer ids, gz), split (10% of each account's followees
# held out, seeded; accounts with fewer than 5 stay in train), train (no
# evaluation during training), eval on SAMPLE test users (full ranking over
# every account, training follows and self masked), recommend for the same
# users.  Ends with a table: stage, wall seconds, peak RSS.
set -eu
if [ $# -lt 2 ]; then
    echo "usage: sh bench/follow_scale.sh BUILD_DIR WORK_DIR [key=value ...]" >&2
    exit 2
fi
BIN=$(cd "$1" && pwd)/gnnrec
WORK=$2
shift 2
USERS=${USERS:-1000000}
EDGES=${EDGES:-27000000}
SAMPLE=${SAMPLE:-10000}
K=${K:-20}
mkdir -p "$WORK"
cd "$WORK"
: > stages.tsv

# stage NAME CMD...: runs CMD under /usr/bin/time, appends "NAME seconds MiB"
stage() {
    name=$1
    shift
    printf '\n== %s\n$ %s\n' "$name" "$*" >&2
    /usr/bin/time -f '%e %M' -o time.txt "$@"
    awk -v n="$name" '{ printf "%s\t%.1f\t%.0f\n", n, $1, $2 / 1024 }' time.txt >> stages.tsv
}

[ -f follows.txt.gz ] || stage generate "$BIN" generate --kind follows --users "$USERS" --edges "$EDGES" \
    --exponent 0.7 --communities 200 --format edges-int --seed 42 -o follows.txt.gz --quiet
[ -f split/test.txt.gz ] || stage split "$BIN" split follows.txt.gz --graph directed --test 0.1 --min-items 5 \
    --seed 1 -o split --gzip

cat > train.ini <<EOF
[data]
train = split/train.txt.gz
graph = directed
[model]
model = lightgcn
dim = 64
layers = 2
[train]
batch = 65536
lr = 0.01
epochs = 2
threads = 2
[eval]
eval_every = 0
EOF
stage train "$BIN" train --config train.ini "$@" -o model.gnr --log train.log

# SAMPLE test users, the same ones for any view (awk's seeded rand)
zcat split/test.txt.gz | awk -v n="$SAMPLE" 'BEGIN { srand(7) } { print rand() "\t" $0 }' | sort -k1,1 |
    head -n "$SAMPLE" | cut -f2- > test_sample.txt
cut -d' ' -f1 test_sample.txt > users.txt
stage eval "$BIN" eval model.gnr --test test_sample.txt -k "$K" --json eval.json
stage recommend "$BIN" recommend model.gnr --users users.txt -k "$K" -o recs.tsv.gz

printf '\nstage\tseconds\tpeak MiB\n'
cat stages.tsv
