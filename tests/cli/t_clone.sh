# SPDX-License-Identifier: MIT
# t_clone.sh --- vmdk-clone: every source type to every destination type,
# chains, pipes, threads, what the descriptor keeps, and failures that
# must leave nothing behind.  Sourced by run.sh.

C=$T/clone
mkdir -p "$C"
# A source with data, zeros written explicitly, and untouched space.
truncate -s 10M "$C/src.raw"
head -c 3000000 /dev/urandom | dd of="$C/src.raw" bs=4096 seek=5 conv=notrunc 2>/dev/null
head -c 2000000 /dev/zero | dd of="$C/src.raw" bs=4096 seek=1000 conv=notrunc 2>/dev/null
printf 'tail' | dd of="$C/src.raw" bs=1 seek=$((10 * 1048576 - 4)) conv=notrunc 2>/dev/null

expect_exit 2 "expected a source and a destination" "clone needs two names" \
	"$BIN/vmdk-clone" "$C/src.raw"
expect_exit 2 "only streamOptimized (-t 5) and raw go to standard output" \
	"clone -t 0 to stdout refused" "$BIN/vmdk-clone" -t 0 "$C/src.raw" -
expect_exit 2 "invalid compression level" "bad -c" "$BIN/vmdk-clone" -c 10 "$C/src.raw" "$C/x.vmdk"

# Every type from the raw image, then every type to every type.
types="0 1 2 3 4 5 6"
for t in $types; do
	expect "raw to type $t" "$BIN/vmdk-clone" -q -t $t "$C/src.raw" "$C/s$t.vmdk"
	expect "qemu-img compare raw and type $t" qemu-img compare -q -f raw "$C/src.raw" "$C/s$t.vmdk"
	same_content "three readers agree on clone type $t" "$C/s$t.vmdk"
done
for s in $types; do
	for t in $types raw; do
		rm -rf "$C/d"; mkdir "$C/d"
		expect "clone type $s to $t" "$BIN/vmdk-clone" -q -t $t "$C/s$s.vmdk" "$C/d/o.vmdk"
		if [ "$t" = raw ]; then
			cmp -s "$C/d/o.vmdk" "$C/src.raw" && ok "type $s to raw is identical" ||
				bad "type $s to raw differs"
		else
			expect "qemu-img compare type $s to $t" qemu-img compare -q \
				-f raw "$C/src.raw" "$C/d/o.vmdk"
		fi
	done
done
rm -rf "$C/d"
for t in $types; do rm -f "$C/s$t"*; done
expect "raw to raw" "$BIN/vmdk-clone" -q -t raw "$C/src.raw" "$C/copy.raw"
cmp -s "$C/copy.raw" "$C/src.raw" && ok "raw copy identical" || bad "raw copy differs"
[ "$(du -k "$C/copy.raw" | cut -f1)" -lt 4000 ] && ok "raw copy keeps zeros as holes" ||
	bad "raw copy is not sparse"

# Zeros are not stored, whether written or never allocated.
truncate -s 64M "$C/zeros.raw"
dd if=/dev/zero of="$C/zeros.raw" bs=1M count=64 conv=notrunc 2>/dev/null
expect "clone of written zeros" "$BIN/vmdk-clone" -q "$C/zeros.raw" "$C/z.vmdk"
[ "$(wc -c < "$C/z.vmdk")" -lt 200000 ] && ok "zero grains not allocated" ||
	bad "zero grains allocated: $(wc -c < "$C/z.vmdk") bytes"
rm -f "$C/zeros.raw" "$C/z.vmdk"

# A chain is flattened.
"$BIN/vmdk-clone" -q "$C/src.raw" "$C/base.vmdk"
qemu-img create -q -f vmdk -b base.vmdk -F vmdk "$C/top.vmdk"
"$BIN/vmdk-fill" -q -s 300 -c 50 --val 0x5a "$C/top.vmdk"
qemu-img convert -O raw "$C/top.vmdk" "$C/top.raw"
for t in 0 5 2; do
	expect "flatten a chain to type $t" "$BIN/vmdk-clone" -q -t $t "$C/top.vmdk" "$C/flat$t.vmdk"
	expect "flattened chain type $t matches qemu" qemu-img compare -q -f raw "$C/top.raw" "$C/flat$t.vmdk"
	"$BIN/vmdk-info" "$C/flat$t.vmdk" | grep -q "Chain: *1 link" && ok "no parent after flattening" ||
		bad "flattened type $t still has a parent"
done

# Random grains go out as stored deflate blocks: every reader must still
# take them, beside deflated text and dropped zeros.
{ head -c 1048576 /dev/urandom; head -c 700000 /dev/urandom | od -An -tx1 |
	head -c 1048576; head -c 1048576 /dev/zero; head -c 300000 /dev/urandom; } > "$C/mixed.raw"
expect "stream of mixed data" "$BIN/vmdk-clone" -q -t 5 "$C/mixed.raw" "$C/mixed.vmdk"
expect "qemu-img check takes stored grains" qemu-img check "$C/mixed.vmdk"
expect "stored and deflated grains match the source" qemu-img compare -q -f raw "$C/mixed.raw" "$C/mixed.vmdk"
same_content "three readers agree on stored grains" "$C/mixed.vmdk"
[ "$(stat -c %s "$C/mixed.vmdk")" -lt 3100000 ] && ok "text deflated, zeros dropped" ||
	bad "mixed stream is $(stat -c %s "$C/mixed.vmdk") bytes"
rm -f "$C"/mixed.*

# Pipes both ways; the same stream whatever the number of threads.
"$BIN/vmdk-clone" -q -t 5 "$C/top.vmdk" - | "$BIN/vmdk-clone" -q -t raw - "$C/piped.raw"
cmp -s "$C/piped.raw" "$C/top.raw" && ok "stream through a pipe and back" || bad "pipe round trip"
cat "$C/top.raw" | "$BIN/vmdk-clone" -q - "$C/fromstdin.vmdk"
expect "raw from stdin" qemu-img compare -q -f raw "$C/top.raw" "$C/fromstdin.vmdk"
"$BIN/vmdk-clone" -q -t raw "$C/top.vmdk" - | cmp -s - "$C/top.raw" && ok "raw to stdout" ||
	bad "raw to stdout"
"$BIN/vmdk-clone" -q -t 5 -j 1 "$C/top.vmdk" "$C/j1.vmdk"
"$BIN/vmdk-clone" -q -t 5 -j 2 "$C/top.vmdk" "$C/j2.vmdk"
"$BIN/vmdk-clone" -q -t 5 -j 5 "$C/top.vmdk" "$C/j5.vmdk"
# Past the descriptor (random CIDs) the files must be the same bytes.
tail -c +65537 "$C/j1.vmdk" > "$C/j1.data"
tail -c +65537 "$C/j2.vmdk" | cmp -s - "$C/j1.data" &&
	tail -c +65537 "$C/j5.vmdk" | cmp -s - "$C/j1.data" &&
	ok "stream identical for -j 1, 2, 5" || bad "stream differs with threads"
expect "qemu-img check our stream" qemu-img check "$C/j2.vmdk"
for t in raw 0 2 5; do
	"$BIN/vmdk-clone" -q --no-sync -t $t "$C/top.vmdk" "$C/j-nosync-$t"
	expect "--no-sync copy to $t matches" qemu-img compare -q -f raw "$C/top.raw" "$C/j-nosync-$t"
done
rm -f "$C"/j*.vmdk "$C"/j-nosync-* "$C/j1.data" "$C/piped.raw" "$C/fromstdin.vmdk"

# What the descriptor keeps, changes and adds.
"$BIN/vmdk-create" -q -s 4G -a buslogic --hwversion 8 -t 6 "$C/keep.vmdk"
"$BIN/vmdk-clone" -q -t 2 "$C/keep.vmdk" "$C/kept.vmdk"
uuid() { grep -a -m1 '^ddb.uuid' "$1"; }
[ "$(uuid "$C/keep.vmdk")" = "$(uuid "$C/kept.vmdk")" ] &&
	grep -q 'ddb.adapterType = "buslogic"' "$C/kept.vmdk" &&
	grep -q 'ddb.virtualHWVersion = "8"' "$C/kept.vmdk" &&
	grep -q 'ddb.geometry.heads = "255"' "$C/kept.vmdk" &&
	! grep -q thinProvisioned "$C/kept.vmdk" &&
	ok "clone keeps uuid, adapter, hardware version, geometry" || bad "clone keeps keys"
"$BIN/vmdk-clone" -q -t 5 -a ide --hwversion 11 --new-uuid --ddb ddb.comment=hello \
	"$C/keep.vmdk" "$C/changed.vmdk"
[ "$(uuid "$C/keep.vmdk")" != "$(uuid "$C/changed.vmdk")" ] &&
	grep -aq 'ddb.adapterType = "ide"' "$C/changed.vmdk" &&
	grep -aq 'ddb.geometry.heads = "16"' "$C/changed.vmdk" &&
	grep -aq 'ddb.virtualHWVersion = "11"' "$C/changed.vmdk" &&
	grep -aq 'ddb.comment = "hello"' "$C/changed.vmdk" &&
	grep -aq 'ddb.toolsVersion = "2147483647"' "$C/changed.vmdk" &&
	grep -aq 'ddb.toolsInstallType = "4"' "$C/changed.vmdk" &&
	grep -aq 'ddb.longContentID = "[0-9a-f]\{32\}"' "$C/changed.vmdk" &&
	ok "clone options change keys" || bad "clone options change keys"
expect "qemu-img check a changed stream" qemu-img check "$C/changed.vmdk"
rm -f "$C"/keep* "$C"/kept* "$C/changed.vmdk"

# Existing destinations are kept unless -f.
expect_exit 1 "already exists" "clone refuses to overwrite" \
	"$BIN/vmdk-clone" -t 2 "$C/top.vmdk" "$C/flat2.vmdk"
expect "clone -f replaces" "$BIN/vmdk-clone" -q -f -t 1 "$C/top.vmdk" "$C/flat2.vmdk"
[ ! -e "$C/flat2-flat.vmdk" ] && [ -e "$C/flat2-s001.vmdk" ] &&
	ok "replacing a disk replaces all its files" || bad "old extents left after -f"
expect "replaced disk reads right" qemu-img compare -q -f raw "$C/top.raw" "$C/flat2.vmdk"
expect_exit 1 "" "clone from a missing source" "$BIN/vmdk-clone" "$C/none.vmdk" "$C/n.vmdk"
[ ! -e "$C/n.vmdk" ] && ok "nothing made from a missing source" || bad "made from nothing"
ls -a "$C" | grep -q '^\.vmdk-' && bad "staging directory left behind" ||
	ok "no staging directory left behind"

# Killed or interrupted: nothing under the final name.
# Numbers as text: slow to deflate at level 9 (random bytes would be stored
# at once), so one thread takes seconds; the signal comes once the hidden
# staging directory shows the copy is under way.
head -c 12000000 /dev/urandom | od -An -tu1 -w32 | head -c 48000000 > "$C/big.raw"
for sig in KILL INT; do
	"$BIN/vmdk-clone" -q -t 5 -j 1 -c 9 "$C/big.raw" "$C/killed.vmdk" 2>"$T/err" &
	pid=$!
	for _ in $(seq 200); do
		ls -a "$C" | grep -q '^\.vmdk-partial-' && break
		sleep 0.01
	done
	sleep 0.2
	kill -$sig $pid 2>/dev/null
	wait $pid
	rc=$?
	[ ! -e "$C/killed.vmdk" ] && ok "no destination after SIG$sig (exit $rc)" ||
		bad "destination left after SIG$sig"
	if [ $sig = KILL ]; then
		# What the killed writer left goes with the next clone there
		# (once it is older than a fresh one being set up).
		ls -a "$C" | grep -q '^\.vmdk-partial-' && ok "SIGKILL leaves the hidden staging directory" ||
			bad "no staging directory after SIGKILL"
		touch -d '-1 minute' "$C"/.vmdk-partial-*
		"$BIN/vmdk-clone" -q -t 0 "$C/top.raw" "$C/after-kill.vmdk"
		ls -a "$C" | grep -q '^\.vmdk-partial-' && bad "a dead writer's staging directory stays" ||
			ok "the next clone removes a dead writer's staging directory"
		rm -f "$C/after-kill.vmdk"
	fi
	rm -rf "$C/killed.vmdk" "$C"/.vmdk-partial-*
done
grep -q "canceled" "$T/err" && ok "SIGINT reports cancellation" || bad "SIGINT message"
# A live writer's staging directory is never taken for a dead one's.
"$BIN/vmdk-clone" -q -t 5 -j 1 -c 9 "$C/big.raw" "$C/live.vmdk" 2>"$T/err" &
pid=$!
for _ in $(seq 200); do
	ls -a "$C" | grep -q '^\.vmdk-partial-' && break
	sleep 0.01
done
touch -d '-1 minute' "$C"/.vmdk-partial-*
"$BIN/vmdk-clone" -q -t 0 "$C/top.raw" "$C/beside.vmdk"
wait $pid
rc=$?
[ $rc -eq 0 ] && [ -f "$C/live.vmdk" ] && ok "a live clone's staging directory is left alone" ||
	bad "a live clone was disturbed (exit $rc)"
rm -f "$C/live.vmdk" "$C/beside.vmdk"

# No room: a clean failure, nothing left, the source intact.
mkdir -p "$C/small"
if mount -t tmpfs -o size=2M tmpfs "$C/small" 2>/dev/null; then
	sum=$(sha < "$C/top.raw")
	expect_exit 1 "No space left on device" "clone into a full filesystem fails" \
		"$BIN/vmdk-clone" -t 2 "$C/top.vmdk" "$C/small/full.vmdk"
	[ -z "$(ls -A "$C/small")" ] && ok "nothing left on the full filesystem" ||
		bad "left on the full filesystem: $(ls -A "$C/small")"
	expect_exit 1 "No space left on device" "stream into a full filesystem fails" \
		"$BIN/vmdk-clone" -t 5 "$C/big.raw" "$C/small/full.vmdk"
	[ -z "$(ls -A "$C/small")" ] && ok "nothing left after a full stream" ||
		bad "left after a full stream"
	[ "$(sha < "$C/top.raw")" = "$sum" ] && ok "source intact" || bad "source changed"
	umount "$C/small"
else
	echo "skipped: ENOSPC tests (cannot mount a tmpfs here)"
fi

# A block device as the source, where loop devices are allowed.
if loop=$(losetup -f --show -r "$C/top.raw" 2>/dev/null); then
	expect "clone from a block device" "$BIN/vmdk-clone" -q -t 0 "$loop" "$C/fromdev.vmdk"
	expect "block device copy matches" qemu-img compare -q -f raw "$C/top.raw" "$C/fromdev.vmdk"
	losetup -d "$loop"
else
	echo "skipped: block device source (no loop device here)"
fi
rm -f "$C/big.raw"

# Progress: on request (or on a terminal), never into a pipe, never with -q.
"$BIN/vmdk-clone" --progress "$C/top.raw" "$C/p1.vmdk" 2>"$T/err" >/dev/null
grep -q "Cloning: 100%" "$T/err" && ok "progress shown with --progress" ||
	bad "no progress with --progress"
"$BIN/vmdk-clone" "$C/top.raw" "$C/p2.vmdk" 2>"$T/err" >/dev/null
[ ! -s "$T/err" ] && ok "no progress when stderr is not a terminal" || bad "progress in a pipe"
"$BIN/vmdk-clone" -q --progress "$C/top.raw" "$C/p3.vmdk" 2>"$T/err" >/dev/null
[ ! -s "$T/err" ] && ok "-q silences progress" || bad "progress despite -q"
rm -f "$C"/p?.vmdk
if command -v script >/dev/null 2>&1; then
	script -qec "'$BIN/vmdk-clone' '$C/top.raw' '$C/tty.vmdk'" /dev/null > "$T/out" 2>&1
	grep -q "Cloning: 100%" "$T/out" && ok "progress shown on a terminal" ||
		bad "no progress on a terminal"
	rm -f "$C/tty.vmdk"
else
	echo "skipped: terminal progress (no script(1))"
fi

# Memory does not grow with capacity: a 2000 GiB sparse source converts
# in about the memory of a 1 GiB one.
if [ -x /usr/bin/time ]; then
	"$BIN/vmdk-create" -q -s 2000G "$C/huge.vmdk"
	"$BIN/vmdk-fill" -q -s 4000000000 -c 100 --val 5 "$C/huge.vmdk"
	"$BIN/vmdk-create" -q -s 1G "$C/small.vmdk"
	"$BIN/vmdk-fill" -q -s 1000000 -c 100 --val 5 "$C/small.vmdk"
	/usr/bin/time -f %M -o "$T/rss-huge" "$BIN/vmdk-clone" -q -t 5 "$C/huge.vmdk" "$C/huge-s.vmdk"
	/usr/bin/time -f %M -o "$T/rss-small" "$BIN/vmdk-clone" -q -t 5 "$C/small.vmdk" "$C/small-s.vmdk"
	h=$(tail -1 "$T/rss-huge") s=$(tail -1 "$T/rss-small")
	[ $((h - s)) -lt 4096 ] && ok "2000 GiB clone peak RSS ${h} KiB, 1 GiB ${s} KiB" ||
		bad "peak RSS grows with capacity: ${h} KiB against ${s} KiB"
	expect "the huge stream is valid" qemu-img check "$C/huge-s.vmdk"
	rm -f "$C"/huge* "$C"/small.vmdk "$C"/small-s.vmdk
else
	echo "skipped: memory test (no /usr/bin/time)"
fi
