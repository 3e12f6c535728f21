#!/bin/sh
# Seeds and runs every fuzz target, then prints per target its executions,
# seconds and crashes.  Usage: sh fuzz/run.sh FUZZ_BUILD GNNREC SECONDS
#
# Corpora grow in FUZZ_BUILD/corpus/TARGET (kept between runs); seeds are
# rebuilt each time in FUZZ_BUILD/seeds/TARGET from tests/data, configs/ and
# tiny models written by GNNREC; crash, leak, timeout and out-of-memory
# inputs go to FUZZ_BUILD/artifacts/.  Exits 1 when any target failed.
set -u
FB=${1:-build-fuzz}
GNNREC=${2:-build/gnnrec}
SECONDS_EACH=${3:-60}
S="$FB/seeds"
T="$FB/tmp"
rm -rf "$S" "$T"
mkdir -p "$S/fuzz_load" "$S/fuzz_config" "$S/fuzz_model" "$S/fuzz_social" "$T" "$FB/artifacts"

# Generated data: interactions with string and with integer ids, an
# adjacency list, and models trained on them for one epoch with checkpoints.
q="--quiet"
"$GNNREC" generate -o "$T/str.tsv" --users 30 --items 40 --edges 300 --communities 2 >/dev/null 2>&1 || exit 1
"$GNNREC" generate -o "$T/int.tsv" --users 30 --items 40 --edges 300 --communities 2 --format edges-int >/dev/null 2>&1 || exit 1
"$GNNREC" generate -o "$T/adj.txt" --users 30 --items 40 --edges 300 --communities 2 --format adj >/dev/null 2>&1 || exit 1
for kind in str int; do
    for model in lightgcn mf; do
        OMP_WAIT_POLICY=passive "$GNNREC" train $q train="$T/$kind.tsv" test="$T/$kind.tsv" model=$model dim=4 \
            epochs=1 batch=64 threads=1 checkpoint_every=1 -o "$T/$kind-$model.gnr" >/dev/null 2>"$T/train.err" ||
            { cat "$T/train.err"; exit 1; }
    done
done

# fuzz_load: 3 option bytes, then the file (fuzz/fuzz_load.c).
n=0
for f in tests/data/bad/* "$T/str.tsv" "$T/int.tsv" "$T/adj.txt"; do
    # The 16 MiB line costs 0.1 s per execution and its class is tested by tests/test_bad_input.
    case "$f" in *.expect|*.sh|*16MiB*) continue ;; esac
    head -c 65536 "$f" >"$T/body"
    for opts in '\000\000\000' '\000\001\010' '\004\000\000' '\001\040\000' '\002\100\000'; do
        n=$((n + 1))
        { printf "$opts"; cat "$T/body"; } >"$S/fuzz_load/seed$n"
    done
done
# fuzz_config: INI text, then NUL-separated key=value overrides.
n=0
for f in configs/*.ini tests/data/bad/*.ini; do
    n=$((n + 1))
    cp "$f" "$S/fuzz_config/seed$n"
    { cat "$f"; printf '\000epochs=3\000model=mf\000eval.topk=10,20'; } >"$S/fuzz_config/seed$n-args"
done
# fuzz_model: 1 byte (bit 0: fix the CRCs), then the file.
for f in "$T"/*.gnr "$T"/*.ckpt; do
    [ -f "$f" ] || continue
    b=$(basename "$f")
    { printf '\000'; cat "$f"; } >"$S/fuzz_model/$b"
    { printf '\001'; cat "$f"; } >"$S/fuzz_model/$b-fixcrc"
done
# fuzz_social: 1 byte (bit 0: string ids u0..u63), then the file.
printf '\000# a b\n0\t1\n2\t3\n1,5\n' >"$S/fuzz_social/int"
printf '\001user,friend\nu0,u1\nu2,u3\nu9,u63\n' >"$S/fuzz_social/str"
printf '\006u1 u2 0.5\nu3 u4 1\n' >"$S/fuzz_social/skip"

status=0
summary=""
for bin in "$FB"/fuzz/fuzz_*; do
    case "$bin" in *.d|*.o) continue ;; esac
    t=$(basename "$bin")
    mkdir -p "$FB/corpus/$t"
    before=$(ls "$FB/artifacts" | grep -c "^$t-" || true)
    # glibc gives threads a stack of RLIMIT_STACK bytes, whose shadow ASan clears at every
    # pthread_create (the reader's thread, once per file): 1 MiB instead of 8 doubles fuzz_load's speed.
    (ulimit -s 1024; OMP_WAIT_POLICY=passive exec "$bin" -max_total_time="$SECONDS_EACH" -timeout=10 -malloc_limit_mb=512 \
        -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$FB/artifacts/$t-" \
        "$FB/corpus/$t" "$S/$t" >"$FB/$t.log" 2>&1)
    rc=$?
    after=$(ls "$FB/artifacts" | grep -c "^$t-" || true)
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$FB/$t.log" | tail -1)
    secs=$(sed -n 's/^Done [0-9]* runs in \([0-9]*\) second.*/\1/p' "$FB/$t.log" | tail -1)
    [ -n "$secs" ] || secs=$(sed -n 's/^#[0-9]*.* time: \([0-9]*\)s.*/\1/p' "$FB/$t.log" | tail -1)
    crashes=$((after - before))
    line=$(printf '%-12s executions %10s  seconds %4s  crashes %d' "$t" "${execs:-?}" "${secs:-?}" "$crashes")
    if [ "$rc" -ne 0 ] || [ "$crashes" -ne 0 ]; then
        status=1
        line="$line  FAILED (exit $rc; see $FB/$t.log and $FB/artifacts/$t-*)"
    fi
    summary="$summary$line
"
done
printf '%s' "$summary"
exit $status
