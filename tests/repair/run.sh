#!/bin/sh
# SPDX-License-Identifier: MIT
# run.sh --- image-based check and repair cases, as e2fsprogs' tests: each
# folder of testdata/repair/ names a known-good disk to start from (base:
# written by qemu-img or by us), damages it (script), and holds what
# `vmdk-check` says before (expect.1), what `vmdk-check -r -y` says
# (expect.r) and what `vmdk-check` says after (expect.2), each ending with
# its exit status; survive says which data must read back ("all", or
# "lost FIRST COUNT" lines of sectors that read as zeros after the
# repair), or "unchanged" for damage no repair can mend (every file kept
# byte for byte).  After a repair qemu-img check must pass, libyal's
# vmdkinfo must open the disk, and qemu-img
# and libyal must read what we read.
#   BIN=build/bin YAL=build/tests/yal-read sh tests/repair/run.sh [CASE...]
# UPDATE=1 writes the expect files instead of comparing (read them before
# committing).
set -u

: "${BIN:?BIN must name the directory holding the tools}"
: "${YAL:?YAL must name the libyal reader}"
top=$(cd "$(dirname "$0")/../.." && pwd)
cases=$top/testdata/repair
T=$(mktemp -d "${TMPDIR:-/tmp}/vmdk-repair.XXXXXX")
trap 'rm -rf "$T"' EXIT INT TERM
pass=0
fail=0
. "$top/tests/repair/lib.sh"

# The data every base holds: 64 MiB (two grain tables), grains of data
# in both tables with zero grains between; BIG adds a second 2 GiB extent
# for the split layouts.
python3 - "$T/base.raw" "$T/big.raw" <<'PY'
import random, sys
r = random.Random(20261201)
def fill(f, grains):
    for g in grains:
        f.seek(g * 65536)
        f.write(bytes(r.getrandbits(8) for _ in range(512)) * 128)
with open(sys.argv[1], "wb") as f:
    f.truncate(64 << 20)
    fill(f, [0, 1, 2, 3, 10, 11, 12, 20, 511, 512, 513, 600, 1023])
with open(sys.argv[2], "wb") as f:
    f.truncate((2 << 30) + (64 << 20))
    fill(f, [0, 1, 5, 32767, 32768, 32769, 33000])
PY

# base NAME DIR: the known-good disk DIR/d.vmdk (and DIR/base.raw, its
# content), written by the named writer.
base() {
	_raw=$T/base.raw
	case $1 in *split*) _raw=$T/big.raw ;; esac
	cp "$_raw" "$2/base.raw"
	case $1 in
	qemu-sparse) qemu-img convert -O vmdk -o subformat=monolithicSparse "$_raw" "$2/d.vmdk" ;;
	qemu-zeroed) qemu-img convert -O vmdk -o subformat=monolithicSparse,zeroed_grain=on \
			"$_raw" "$2/d.vmdk" ;;
	qemu-split) qemu-img convert -O vmdk -o subformat=twoGbMaxExtentSparse "$_raw" "$2/d.vmdk" ;;
	qemu-stream) qemu-img convert -O vmdk -o subformat=streamOptimized "$_raw" "$2/d.vmdk" ;;
	ours-sparse) "$BIN/vmdk-clone" -q -r -t 0 "$_raw" "$2/d.vmdk" ;;
	ours-split) "$BIN/vmdk-clone" -q -r -t 1 "$_raw" "$2/d.vmdk" ;;
	ours-flat) "$BIN/vmdk-clone" -q -r -t 2 "$_raw" "$2/d.vmdk" ;;
	ours-stream) "$BIN/vmdk-clone" -q -r -t 5 "$_raw" "$2/d.vmdk" ;;
	ours-grain16) "$BIN/vmdk-create" -q --grain 16 -s 64M "$2/d.vmdk" &&
		"$BIN/vmdk-fill" -q --file "$_raw" "$2/d.vmdk" ;;
	ours-child)
		"$BIN/vmdk-clone" -q -r -t 0 "$_raw" "$2/p.vmdk" &&
		"$BIN/vmdk-child" -q create "$2/p.vmdk" "$2/d.vmdk" &&
		dd if=/dev/zero bs=65536 count=3 2>/dev/null | tr '\0' 'C' > "$2/c.bin" &&
		"$BIN/vmdk-fill" -q -s 128 --file "$2/c.bin" "$2/d.vmdk" &&
		dd if="$2/c.bin" of="$2/base.raw" bs=512 seek=128 conv=notrunc 2>/dev/null ;;
	*) echo "repair: unknown base $1" >&2; return 1 ;;
	esac
}

# What a tool said, with what changes between runs taken out: the case's
# directory, and content IDs (random by design).
said() {
	"$@" >"$T/said" 2>&1
	_rc=$?
	sed -e "s|$W/||g" -e 's/CID [0-9a-f]\{8\}/CID ........./g' "$T/said"
	echo "Exit status is $_rc"
}

# compare CASE FILE GOT: against the expect file, or write it (UPDATE=1).
compare() {
	if [ -n "${UPDATE:-}" ]; then
		cp "$3" "$1/$2"
	elif ! diff -u "$1/$2" "$3" >"$T/diff" 2>&1; then
		echo "FAIL: $(basename "$1"): $2 differs:"
		head -30 "$T/diff"
		return 1
	fi
}

sums() { (cd "$W" && find . -type f ! -name '*.raw' ! -name '*.bin' | sort | xargs sha256sum); }

# The content the disk must hold after its repair.
expected_raw() {
	cp "$W/base.raw" "$T/want.raw"
	while read -r _what _first _count; do
		[ "$_what" = lost ] || continue
		dd if=/dev/zero of="$T/want.raw" bs=512 seek="$_first" count="$_count" \
			conv=notrunc 2>/dev/null
	done < "$1/survive"
}

one() {
	c=$1
	name=$(basename "$c")
	W=$T/$name
	mkdir -p "$W"
	base "$(cat "$c/base")" "$W" || { echo "FAIL: $name: no base disk"; return 1; }
	(cd "$W" && . "$top/tests/repair/lib.sh" && . "$c/script") ||
		{ echo "FAIL: $name: script failed"; return 1; }
	sums > "$T/before"
	said "$BIN/vmdk-check" "$W/d.vmdk" > "$T/1"
	said "$BIN/vmdk-check" -r -y "$W/d.vmdk" > "$T/r"
	said "$BIN/vmdk-check" "$W/d.vmdk" > "$T/2"
	bad=0
	compare "$c" expect.1 "$T/1" || bad=1
	compare "$c" expect.r "$T/r" || bad=1
	compare "$c" expect.2 "$T/2" || bad=1
	if grep -q '^unchanged' "$c/survive"; then
		sums | cmp -s - "$T/before" || { echo "FAIL: $name: a refused repair changed files"; bad=1; }
	else
		expected_raw "$c"
		want=$(sha256sum < "$T/want.raw" | cut -d' ' -f1)
		ours=$("$BIN/vmdk-dump" --raw "$W/d.vmdk" 2>/dev/null | sha256sum | cut -d' ' -f1)
		qemu-img convert -O raw "$W/d.vmdk" "$T/q.raw" 2>/dev/null
		theirs=$(sha256sum < "$T/q.raw" | cut -d' ' -f1)
		yal=$("$YAL" "$W/d.vmdk" 2>/dev/null | sha256sum | cut -d' ' -f1)
		[ "$ours" = "$want" ] || { echo "FAIL: $name: our read after repair is not the surviving data"; bad=1; }
		[ "$theirs" = "$want" ] || { echo "FAIL: $name: qemu-img reads other data after repair"; bad=1; }
		[ "$yal" = "$want" ] || { echo "FAIL: $name: libyal reads other data after repair"; bad=1; }
		qemu-img check "$W/d.vmdk" >"$T/qc" 2>&1 ||
			{ echo "FAIL: $name: qemu-img check after repair:"; head -5 "$T/qc"; bad=1; }
		vmdkinfo "$W/d.vmdk" >"$T/qc" 2>&1 ||
			{ echo "FAIL: $name: vmdkinfo after repair:"; head -5 "$T/qc"; bad=1; }
	fi
	rm -rf "$W" "$T/q.raw"
	return $bad
}

for c in ${*:-"$cases"/*/}; do
	c=${c%/}
	case $c in /*) ;; *) c=$cases/$c ;; esac
	if one "$c"; then
		pass=$((pass + 1))
		[ -n "${VERBOSE:-}" ] && echo "ok: $(basename "$c"): $(head -1 "$c/name")"
	else
		fail=$((fail + 1))
	fi
done
echo
echo "repair: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
