#!/bin/sh
# SPDX-License-Identifier: MIT
# kill.sh --- a repair killed at any instant leaves the disk as before or
# repaired, never worse: strace kills `vmdk-check -r -y` at write calls
# spread over the whole repair (and at each sync), then the disk must
# check as it did before (same errors) or clean with every byte of data,
# and a second repair must finish the job.  Two repairs: a sparse disk's
# tables written in place, and a stream salvaged into a new file that is
# renamed over the old.
#   BIN=build/bin sh tests/repair/kill.sh   (KILLS=N for more points)
set -u

: "${BIN:?BIN must name the directory holding the tools}"
T=$(mktemp -d "${TMPDIR:-/tmp}/vmdk-kill.XXXXXX")
trap 'rm -rf "$T"' EXIT INT TERM
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/tests/repair/lib.sh"
pass=0
fail=0
if ! command -v strace >/dev/null 2>&1 ||
	! strace -o /dev/null -e inject=pwrite64:error=EIO:when=1 true 2>/dev/null; then
	echo "skipped: repair kills (strace with fault injection not available)"
	exit 0
fi

# 8-sector grains, so that 64 tables (2 MiB each) fit in 128 MiB: data in
# every table, then each primary destroyed.
python3 - "$T/base.raw" <<'PY'
import random, sys
r = random.Random(7)
with open(sys.argv[1], "wb") as f:
    f.truncate(128 << 20)
    for t in range(64):
        f.seek(t * (2 << 20) + (t % 7) * 4096)
        f.write(bytes(r.getrandbits(8) for _ in range(4096)) * 4)
PY
"$BIN/vmdk-create" -q --grain 8 -s 128M "$T/good.vmdk"
"$BIN/vmdk-fill" -q --file "$T/base.raw" "$T/good.vmdk"
cp "$T/good.vmdk" "$T/bad.vmdk"
for t in $(seq 0 63); do
	head -c 2048 /dev/zero | tr '\0' '\377' |
		dd of="$T/bad.vmdk" bs=512 seek="$(gt "$T/bad.vmdk" "$t")" conv=notrunc 2>/dev/null
done
want=$(sha256sum < "$T/base.raw" | cut -d' ' -f1)
# The errors alone: a killed repair may leave appended, unreferenced space.
errors() { "$BIN/vmdk-check" "$1" 2>&1 | grep -v 'warning:\|checked' | sed 's|^[^ ]*: ||'; }

# kills BAD WANT WRITE-CALL SYNC-CALL: the repair of BAD killed at
# KILLS of its writes spread over it, at each sync and at the rename.
kills() {
	bad=$1 want=$2
	cp --sparse=always "$bad" "$T/d.vmdk"
	strace -f -o "$T/trace" -e trace="$3" "$BIN/vmdk-check" -q -r -y "$T/d.vmdk"
	writes=$(grep -c "^[0-9]* *$3(" "$T/trace")
	step=$(( writes / ${KILLS:-60} )); [ "$step" -ge 1 ] || step=1
	errors "$bad" > "$T/before"
	[ -s "$T/before" ] || { echo "FAIL: $bad checks clean"; fail=$((fail + 1)); return; }
	n=1
	while [ "$n" -le "$writes" ]; do
		one "$3:signal=KILL:when=$n"
		n=$((n + step))
	done
	one "$3:signal=KILL:when=$writes"
	for s in 1 2 3; do
		one "$4:signal=KILL:when=$s"
	done
	one "rename:signal=KILL:when=1"
	total=$((total + writes))
}

one() {	# one INJECT-SPEC
	cp --sparse=always "$bad" "$T/d.vmdk"
	strace -f -o /dev/null -e trace=pwrite64,write,fdatasync,fsync,rename \
		-e "inject=$1" "$BIN/vmdk-check" -q -r -y "$T/d.vmdk" >/dev/null 2>&1
	rm -f "$T"/d.vmdk.tmp*	# what a killed salvage leaves beside
	errors "$T/d.vmdk" > "$T/after"
	if cmp -s "$T/after" "$T/before"; then
		state=before
	elif ! grep -q . "$T/after" &&
		[ "$("$BIN/vmdk-dump" --raw "$T/d.vmdk" | sha256sum | cut -d' ' -f1)" = "$want" ]; then
		state=repaired
	else
		echo "FAIL: killed at $1: neither as before nor repaired:"
		head -5 "$T/after"
		fail=$((fail + 1))
		return
	fi
	"$BIN/vmdk-check" -q -r -y "$T/d.vmdk"
	if [ -n "$(errors "$T/d.vmdk")" ] ||
		[ "$("$BIN/vmdk-dump" --raw "$T/d.vmdk" | sha256sum | cut -d' ' -f1)" != "$want" ]; then
		echo "FAIL: killed at $1 ($state): a second repair did not finish it"
		fail=$((fail + 1))
		return
	fi
	pass=$((pass + 1))
}

total=0
kills "$T/bad.vmdk" "$want" pwrite64 fdatasync
# A stream whose footer is lost: every grain kept by the salvage.
"$BIN/vmdk-clone" -q -r -t 5 "$T/base.raw" "$T/stream.vmdk"
truncate -s $(( $(stat -c %s "$T/stream.vmdk") - 1536 )) "$T/stream.vmdk"
kills "$T/stream.vmdk" "$want" write fsync
# One header field the layout contradicts (rewritten in the one header
# write), and the embedded extent line (rewritten over its area).
cp "$T/good.vmdk" "$T/field.vmdk"
put64 "$T/field.vmdk" 20 4
kills "$T/field.vmdk" "$want" pwrite64 fdatasync
cp "$T/good.vmdk" "$T/line.vmdk"
off=$(grep -boa "RW 262144 SPARSE" "$T/line.vmdk" | head -1 | cut -d: -f1)
printf "RW 065536" | dd of="$T/line.vmdk" bs=1 seek="$off" conv=notrunc 2>/dev/null
kills "$T/line.vmdk" "$want" pwrite64 fdatasync
echo "repair kills: $pass passed, $fail failed ($total writes in four repairs)"
[ "$fail" -eq 0 ]
