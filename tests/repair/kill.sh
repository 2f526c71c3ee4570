#!/bin/sh
# SPDX-License-Identifier: MIT
# kill.sh --- a repair killed at any instant leaves the disk as before or
# repaired, never worse: strace kills `vmdk-check -r -y` at write calls
# spread over the whole repair (and at each sync), then the disk must
# check as it did before (same errors) or clean with every byte of data,
# and a second repair must finish the job.
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
errors "$T/bad.vmdk" > "$T/before"
[ -s "$T/before" ] || { echo "FAIL: the damaged disk checks clean"; exit 1; }

# How many writes a whole repair makes.
cp --sparse=always "$T/bad.vmdk" "$T/d.vmdk"
strace -f -o "$T/trace" -e trace=pwrite64 "$BIN/vmdk-check" -q -r -y "$T/d.vmdk"
writes=$(grep -c 'pwrite64(' "$T/trace")
kills=${KILLS:-60}
step=$(( writes / kills )); [ "$step" -ge 1 ] || step=1

one() {	# one INJECT-SPEC
	cp --sparse=always "$T/bad.vmdk" "$T/d.vmdk"
	strace -f -o /dev/null -e trace=pwrite64,fdatasync -e "inject=$1" \
		"$BIN/vmdk-check" -q -r -y "$T/d.vmdk" >/dev/null 2>&1
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

n=1
while [ "$n" -le "$writes" ]; do
	one "pwrite64:signal=KILL:when=$n"
	n=$((n + step))
done
one "pwrite64:signal=KILL:when=$writes"
for s in 1 2 3; do
	one "fdatasync:signal=KILL:when=$s"
done
echo "repair kills: $pass passed, $fail failed ($writes writes in a repair)"
[ "$fail" -eq 0 ]
