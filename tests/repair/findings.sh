#!/bin/sh
# SPDX-License-Identifier: MIT
# findings.sh --- inputs once mishandled, kept as regressions: each disk
# of testdata/findings/ must be reported damaged by vmdk-check, repaired
# by `vmdk-check -r -y`, and then pass vmdk-check and qemu-img check (a
# repair that says it succeeded leaves no error for the next check).
#   BIN=build/bin sh tests/repair/findings.sh
set -u

: "${BIN:?BIN must name the directory holding the tools}"
top=$(cd "$(dirname "$0")/../.." && pwd)
T=$(mktemp -d "${TMPDIR:-/tmp}/vmdk-findings.XXXXXX")
trap 'rm -rf "$T"' EXIT INT TERM
pass=0
fail=0
for f in "$top"/testdata/findings/*.vmdk; do
	name=$(basename "$f")
	cp "$f" "$T/d.vmdk"
	bad=0
	"$BIN/vmdk-check" "$T/d.vmdk" >"$T/1" 2>&1
	[ $? -eq 4 ] || { echo "FAIL: $name: the damage is not reported"; cat "$T/1"; bad=1; }
	"$BIN/vmdk-check" -r -y --no-undo "$T/d.vmdk" >"$T/r" 2>&1
	[ $? -eq 1 ] || { echo "FAIL: $name: the repair did not run"; cat "$T/r"; bad=1; }
	"$BIN/vmdk-check" "$T/d.vmdk" >"$T/2" 2>&1 ||
		{ echo "FAIL: $name: the repair left errors:"; cat "$T/2"; bad=1; }
	qemu-img check "$T/d.vmdk" >"$T/q" 2>&1 ||
		{ echo "FAIL: $name: qemu-img check after the repair:"; head -5 "$T/q"; bad=1; }
	if [ "$bad" = 0 ]; then pass=$((pass + 1)); else fail=$((fail + 1)); fi
done
echo "findings: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
