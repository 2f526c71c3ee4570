#!/bin/sh
# SPDX-License-Identifier: MIT
# kill.sh --- vmdk-shrink and vmdk-defrag killed at any instant leave a
# disk that opens, that vmdk-check passes (an unclean mark and the
# warnings of an interrupted move are fine) and that reads as before; run
# again, they finish the job.  strace kills each tool at writes spread
# over a whole run, at its syncs and at the truncation; on a grown disk,
# whose tables lie behind its grains and move to the front first, at
# every write.
#   BIN=build/bin sh tests/compact/kill.sh   (KILLS=N per tool, default 70;
#   EVERY=0 leaves out killing the grown disk's table move at every write)
set -u

: "${BIN:?BIN must name the directory holding the tools}"
T=$(mktemp -d "${TMPDIR:-/tmp}/vmdk-ckill.XXXXXX")
trap 'rm -rf "$T"' EXIT INT TERM
pass=0
fail=0
if ! command -v strace >/dev/null 2>&1 ||
	! strace -o /dev/null -e inject=pwrite64:error=EIO:when=1 true 2>/dev/null; then
	echo "skipped: compaction kills (strace with fault injection not available)"
	exit 0
fi

# 512 grains of 8 KiB written in a random order, a third of them zeros.
"$BIN/vmdk-create" -q --grain 16 -s 4M "$T/good.vmdk"
python3 - > "$T/cmds" <<'PY'
import random
order = list(range(512))
random.Random(11).shuffle(order)
for g in order:
    print("-c\nwrite -P %d %d 8k" % (0 if g % 3 == 0 else g % 250 + 1, g * 8192))
PY
xargs -d '\n' -n 4000 qemu-io -f vmdk "$T/good.vmdk" < "$T/cmds" >/dev/null
# Grown: tables appended behind the grains, grains written after them,
# zeros to release.
"$BIN/vmdk-create" -q --grain 16 -s 4M "$T/grown.vmdk"
"$BIN/vmdk-fill" -q --val 5 -c 4000 "$T/grown.vmdk"
"$BIN/vmdk-grow" -q "$T/grown.vmdk" 64M
"$BIN/vmdk-fill" -q --val 6 -s 100000 -c 300 "$T/grown.vmdk"
"$BIN/vmdk-fill" -q --val 0 -s 0 -c 1000 "$T/grown.vmdk"

readable() {	# DISK: checks without error, reads as before
	"$BIN/vmdk-check" -q "$1" &&
		[ "$("$BIN/vmdk-dump" --raw "$1" | sha256sum | cut -d' ' -f1)" = "$want" ]
}

one() {	# TOOL INJECT-SPEC (on $src)
	cp "$T/$src.vmdk" "$T/d.vmdk"
	strace -f -o /dev/null -e trace=pwrite64,fdatasync,fsync,ftruncate \
		-e "inject=$2" "$BIN/$1" -q "$T/d.vmdk" >/dev/null 2>&1
	if ! readable "$T/d.vmdk"; then
		echo "FAIL: $1 killed at $2: the disk does not check or read as before"
		"$BIN/vmdk-check" "$T/d.vmdk" 2>&1 | head -5
		fail=$((fail + 1))
		return
	fi
	if ! "$BIN/$1" -q "$T/d.vmdk" || ! readable "$T/d.vmdk"; then
		echo "FAIL: $1 killed at $2: running it again did not finish"
		fail=$((fail + 1))
		return
	fi
	pass=$((pass + 1))
}

for run in "good vmdk-shrink" "good vmdk-defrag" "grown vmdk-shrink" "grown vmdk-defrag"; do
	src=${run% *} tool=${run#* }
	want=$("$BIN/vmdk-dump" --raw "$T/$src.vmdk" | sha256sum | cut -d' ' -f1)
	cp "$T/$src.vmdk" "$T/d.vmdk"
	strace -f -o "$T/trace" -e trace=pwrite64 "$BIN/$tool" -q "$T/d.vmdk"
	writes=$(grep -c 'pwrite64(' "$T/trace")
	step=$(( writes / ${KILLS:-70} )); [ "$step" -ge 1 ] || step=1
	# Every write of the tables' move (up to its second header write),
	# spread over the rest.
	every=0
	if [ "$src" = grown ] && [ "${EVERY:-1}" != 0 ]; then
		every=$(grep -n 'pwrite64(.*, 512, 0) = 512' "$T/trace" | sed -n 2p | cut -d: -f1)
		step=$(( writes / 20 )); [ "$step" -ge 1 ] || step=1
	fi
	n=1
	while [ "$n" -le "$writes" ]; do
		one "$tool" "pwrite64:signal=KILL:when=$n"
		if [ "$n" -lt "${every:-0}" ]; then n=$((n + 1)); else n=$((n + step)); fi
	done
	for s in 1 2 3 5 8; do
		one "$tool" "fdatasync:signal=KILL:when=$s"
	done
	one "$tool" "ftruncate:signal=KILL:when=1"
	total=$(( ${total:-0} + writes ))
done
echo "compaction kills: $pass passed, $fail failed ($total writes in a shrink and a defrag, each of a disk and of a grown one)"
[ "$fail" -eq 0 ]
