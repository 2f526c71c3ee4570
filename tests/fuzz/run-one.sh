#!/bin/sh
# SPDX-License-Identifier: MIT
# run-one.sh --- run one built harness for SECONDS over its corpus, its
# seeds and its kept findings; the log's tail on failure.  make fuzz runs
# two at once (each harness is one thread; every one keeps its scratch
# files apart).
#   sh tests/fuzz/run-one.sh NAME SECONDS
set -u
f=$1 secs=$2
mkdir -p "build/fuzz/$f-corpus"
seeds=build/fuzz/seeds
[ -d "tests/fuzz/corpus/$f" ] && seeds="$seeds tests/fuzz/corpus/$f"
dict=
[ -f "tests/fuzz/$f.dict" ] && dict=-dict=tests/fuzz/$f.dict
# shellcheck disable=SC2086
if ! "build/fuzz/$f" -max_total_time="$secs" -max_len=131072 $dict -print_final_stats=1 \
	-artifact_prefix="build/fuzz/$f-" "build/fuzz/$f-corpus" $seeds >"build/fuzz/$f.log" 2>&1; then
	echo "== fuzz $f: FAILED"
	tail -50 "build/fuzz/$f.log"
	exit 1
fi
echo "== fuzz $f for ${secs}s: $(grep -E '^stat::number_of_executed_units' "build/fuzz/$f.log")"
