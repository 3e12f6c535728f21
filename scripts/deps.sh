#!/bin/sh
# Checks that every Debian package gnnrec needs is installed.  As root with
# apt-get available it installs the missing ones; otherwise it prints the exact
# command to run and fails.  Extra package names on the command line are
# needed too (make fuzz: clang).
set -eu
PACKAGES="gcc make libgraphblas-dev libigraph-dev zlib1g-dev libopenblas-dev libcmocka-dev libinih-dev $*"
missing=""
for p in $PACKAGES; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing="$missing $p"
    fi
done
[ -z "$missing" ] && exit 0
echo "gnnrec: missing Debian packages:$missing" >&2
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    # shellcheck disable=SC2086
    apt-get install -y -qq --no-install-recommends $missing
else
    echo "gnnrec: install them with:  sudo apt-get update && sudo apt-get install -y$missing" >&2
    exit 1
fi
