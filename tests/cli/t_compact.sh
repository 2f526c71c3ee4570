# SPDX-License-Identifier: MIT
# t_compact.sh --- vmdk-shrink and vmdk-defrag on every layout real
# writers make (qemu-img's, ours, zeroed-grain entries, 16-sector grains,
# the GD before or after the RGD, split, grown, repaired, a child), and
# their refusals.  Sourced by run.sh.

C=$T/compact
mkdir -p "$C"

# scatter DISK GRAINS GRAIN_BYTES: every grain written once, in a random
# order, a third of them zeros (written as data, so they are allocated).
scatter() {
	python3 - "$2" "$3" > "$C/cmds" <<'PY'
import random, sys
n, size = int(sys.argv[1]), int(sys.argv[2])
order = list(range(n))
random.Random(n).shuffle(order)
for g in order:
    print("write -P %d %d %d" % (0 if g % 3 == 0 else g % 250 + 1, g * size, size))
PY
	xargs -d '\n' printf -- '-c\n%s\n' < "$C/cmds" | xargs -d '\n' qemu-io -f vmdk "$1" >/dev/null
}

# after WHAT DISK SHA: the disk checks clean in ours and qemu-img, reads
# as before, alike in all three readers.
after() {
	expect "$1: vmdk-check clean" "$BIN/vmdk-check" -q "$2"
	expect "$1: qemu-img check clean" qemu-img check -q "$2"
	[ "$("$BIN/vmdk-dump" --raw "$2" | sha)" = "$3" ] && ok "$1: content kept" ||
		bad "$1: content changed"
	same_content "$1: read alike" "$2"
	expect "$1: libyal's vmdkinfo opens it" vmdkinfo "$2"
}

# compact WHAT DISK ZERO_BYTES: shrink gives back at least 90% of the
# zero grains' bytes, defrag leaves no disorder and no hole.
compact() {
	_sum=$("$BIN/vmdk-dump" --raw "$2" | sha)
	_before=$(du -b --apparent-size -c "$(dirname "$2")"/$(basename "$2" .vmdk)*.vmdk | tail -1 | cut -f1)
	expect "$1: shrink" "$BIN/vmdk-shrink" "$2"
	_after=$(du -b --apparent-size -c "$(dirname "$2")"/$(basename "$2" .vmdk)*.vmdk | tail -1 | cut -f1)
	[ $((_before - _after)) -ge $(($3 * 9 / 10)) ] && ok "$1: shrink gave back the zero grains" ||
		bad "$1: shrink gave back $((_before - _after)) of $3 bytes"
	after "$1 after shrink" "$2" "$_sum"
	expect "$1: defrag" "$BIN/vmdk-defrag" "$2"
	grep -q "> 0 out of order, 0 free" "$T/out" && ok "$1: defrag leaves grains in order" ||
		bad "$1: defrag summary: $(cat "$T/out")"
	after "$1 after defrag" "$2" "$_sum"
}

# 96 grains of 64 KiB: 32 zero.
qemu-img create -q -f vmdk "$C/q.vmdk" 8M
scatter "$C/q.vmdk" 96 65536
compact "qemu-img monolithicSparse" "$C/q.vmdk" $((32 * 65536))

qemu-img create -q -f vmdk -o zeroed_grain=on "$C/z.vmdk" 8M
scatter "$C/z.vmdk" 96 65536
compact "qemu-img zeroed-grain" "$C/z.vmdk" $((32 * 65536))

"$BIN/vmdk-create" -q -s 8M "$C/o.vmdk"
scatter "$C/o.vmdk" 96 65536
compact "ours" "$C/o.vmdk" $((32 * 65536))

"$BIN/vmdk-create" -q --grain 16 -s 4M "$C/g.vmdk"
scatter "$C/g.vmdk" 480 8192
compact "16-sector grains" "$C/g.vmdk" $((160 * 8192))

# The primary directory before the redundant one: the header's two
# offsets swapped (both copies hold the same).
"$BIN/vmdk-create" -q -s 8M "$C/s.vmdk"
rgd=$(od -An -t u4 -j 48 -N 4 "$C/s.vmdk" | tr -d ' ')
gd=$(od -An -t u4 -j 56 -N 4 "$C/s.vmdk" | tr -d ' ')
patch32 "$C/s.vmdk" 48 "$gd"
patch32 "$C/s.vmdk" 56 "$rgd"
scatter "$C/s.vmdk" 96 65536
compact "GD before RGD" "$C/s.vmdk" $((32 * 65536))

qemu-img create -q -f vmdk -o subformat=twoGbMaxExtentSparse "$C/sp.vmdk" 8M
scatter "$C/sp.vmdk" 96 65536
compact "qemu-img twoGbMaxExtentSparse" "$C/sp.vmdk" $((32 * 65536))

# Ours split in two extents, data and zero grains in both (each extent
# is compacted on its own: its LBAs are fixed by the descriptor).
"$BIN/vmdk-create" -q -t 1 -s 2200M "$C/t1.vmdk"
scatter "$C/t1.vmdk" 48 65536
qemu-io -f vmdk -c "write -P 3 2100M 1M" -c "write -P 0 2101M 1M" -c "write -P 4 2102M 64k" \
	"$C/t1.vmdk" >/dev/null
compact "ours twoGbMaxExtentSparse" "$C/t1.vmdk" $(((16 + 16) * 65536))
[ "$(stat -c %s "$C/t1-s002.vmdk")" -lt $((18 * 65536 + 65536)) ] &&
	ok "the second extent was cut too" || bad "second extent: $(stat -c %s "$C/t1-s002.vmdk")"

# Grown: new tables appended between the grains.
"$BIN/vmdk-create" -q -s 4M "$C/gr.vmdk"
scatter "$C/gr.vmdk" 48 65536
"$BIN/vmdk-grow" -q "$C/gr.vmdk" 64M
qemu-io -f vmdk -c "write -P 7 32M 1M" -c "write -P 0 40M 1M" "$C/gr.vmdk" >/dev/null
compact "grown" "$C/gr.vmdk" $(((16 + 16) * 65536))

# A child: its zero grains hide the parent's data and must go on doing
# so; with no zeroed-grain entries in its header they stay allocated.
"$BIN/vmdk-create" -q -s 8M "$C/p.vmdk"
"$BIN/vmdk-fill" -q --val 9 "$C/p.vmdk"
"$BIN/vmdk-child" -q create "$C/p.vmdk" "$C/c.vmdk"
scatter "$C/c.vmdk" 96 65536
sum=$("$BIN/vmdk-dump" --raw "$C/c.vmdk" | sha)
expect "child: shrink" "$BIN/vmdk-shrink" "$C/c.vmdk"
after "child after shrink" "$C/c.vmdk" "$sum"
expect "child: defrag" "$BIN/vmdk-defrag" "$C/c.vmdk"
grep -q "> 0 out of order, 0 free" "$T/out" && ok "child: grains in order" ||
	bad "child: defrag summary: $(cat "$T/out")"
after "child after defrag" "$C/c.vmdk" "$sum"

# A qemu-img child with zeroed-grain entries: its zero grains become such
# entries (libyal reads none of them, so qemu-img is the oracle here).
qemu-img create -q -f vmdk -o zeroed_grain=on -b "$C/p.vmdk" -F vmdk "$C/cz.vmdk"
scatter "$C/cz.vmdk" 96 65536
sum=$("$BIN/vmdk-dump" --raw "$C/cz.vmdk" | sha)
expect "zeroed-grain child: shrink" "$BIN/vmdk-shrink" "$C/cz.vmdk"
grep -q ", 32 zero grains released" "$T/out" && ok "zeroed-grain child: zero grains released" ||
	bad "zeroed-grain child: $(cat "$T/out")"
expect "zeroed-grain child: clean" "$BIN/vmdk-check" -q "$C/cz.vmdk"
qemu-img convert -O raw "$C/cz.vmdk" "$C/cz.raw"
[ "$("$BIN/vmdk-dump" --raw "$C/cz.vmdk" | sha)" = "$sum" ] &&
	[ "$(sha < "$C/cz.raw")" = "$sum" ] &&
	ok "zeroed-grain child: ours and qemu-img read as before" ||
	bad "zeroed-grain child: content changed"

# Progress: on a terminal, not in a pipe, not with -q.
"$BIN/vmdk-create" -q -s 8M "$C/pr.vmdk"
scatter "$C/pr.vmdk" 96 65536
"$BIN/vmdk-defrag" "$C/pr.vmdk" 2>"$T/err" >/dev/null
[ ! -s "$T/err" ] && ok "no progress in a pipe" || bad "progress in a pipe"
"$BIN/vmdk-shrink" -q --progress "$C/pr.vmdk" 2>"$T/err" >"$T/out"
[ ! -s "$T/err" ] && [ ! -s "$T/out" ] && ok "-q silences shrink" || bad "output despite -q"
if command -v script >/dev/null 2>&1; then
	scatter "$C/pr.vmdk" 96 65536
	script -qec "'$BIN/vmdk-shrink' '$C/pr.vmdk'" /dev/null > "$T/out" 2>&1
	grep -q "Shrinking: 100%" "$T/out" && ok "shrink shows progress on a terminal" ||
		bad "no shrink progress on a terminal: $(cat "$T/out")"
fi

# Refusals: nothing changed.
"$BIN/vmdk-create" -q -s 4M -t 5 "$C/st.vmdk"
expect_exit 1 "convert with vmdk-clone" "shrink refuses a stream" "$BIN/vmdk-shrink" "$C/st.vmdk"
"$BIN/vmdk-create" -q -s 4M -t 2 "$C/fl.vmdk"
expect_exit 1 "preallocated by definition" "defrag refuses a flat disk" \
	"$BIN/vmdk-defrag" "$C/fl.vmdk"
cp "$C/o.vmdk" "$C/bad.vmdk"
gd=$(od -An -t u4 -j 56 -N 4 "$C/bad.vmdk" | tr -d ' ')
gt=$(od -An -t u4 -j $((gd * 512)) -N 4 "$C/bad.vmdk" | tr -d ' ')
patch32 "$C/bad.vmdk" $((gt * 512 + 8)) 3
before=$(sha < "$C/bad.vmdk")
expect_exit 1 "vmdk-check --repair" "shrink refuses a damaged disk" "$BIN/vmdk-shrink" "$C/bad.vmdk"
[ "$(sha < "$C/bad.vmdk")" = "$before" ] && ok "a refused shrink changes nothing" ||
	bad "a refused shrink changed the disk"
# A descriptor naming extents outside its directory, truncated and
# garbled files: a clear message, nothing written.
mkdir -p "$C/in"
"$BIN/vmdk-create" -q -t 1 -s 4M "$C/in/x.vmdk"
"$BIN/vmdk-fill" -q -c 100 --val 0 "$C/in/x.vmdk"
mv "$C/in/x-s001.vmdk" "$C/out.vmdk"
sed -i 's|"x-s001.vmdk"|"../out.vmdk"|' "$C/in/x.vmdk"
cp "$C/out.vmdk" "$C/abs-s001.vmdk"
sed "s|\"../out.vmdk\"|\"$C/abs-s001.vmdk\"|" "$C/in/x.vmdk" > "$C/in/abs.vmdk"
head -c 3000 "$C/o.vmdk" > "$C/short.vmdk"
head -c 20000 /dev/urandom > "$C/garbage.vmdk"
before=$(cat "$C/out.vmdk" "$C/abs-s001.vmdk" "$C"/in/*.vmdk "$C/short.vmdk" "$C/garbage.vmdk" | sha)
for tool in vmdk-shrink vmdk-defrag; do
	expect_exit 1 "outside the disk's directory" "$tool refuses an extent in ../" \
		"$BIN/$tool" "$C/in/x.vmdk"
	expect_exit 1 "outside the disk's directory" "$tool refuses an absolute extent" \
		"$BIN/$tool" "$C/in/abs.vmdk"
	expect_exit 1 "short.vmdk: " "$tool on a truncated file" "$BIN/$tool" "$C/short.vmdk"
	expect_exit 1 "garbage.vmdk: " "$tool on a garbled file" "$BIN/$tool" "$C/garbage.vmdk"
done
[ "$(cat "$C/out.vmdk" "$C/abs-s001.vmdk" "$C"/in/*.vmdk "$C/short.vmdk" "$C/garbage.vmdk" | sha)" = "$before" ] &&
	[ -z "$(ls -A "$C/in" | grep -v '^x.vmdk$\|^abs.vmdk$')" ] &&
	ok "refused inputs are untouched, nothing left beside them" || bad "refused inputs changed"
expect_exit 1 "" "shrink of nothing" "$BIN/vmdk-shrink" "$C/none.vmdk"
expect_exit 2 "expected one disk" "shrink needs a disk" "$BIN/vmdk-shrink"
# Open for writing elsewhere: a writer holding the lock.
"$BIN/vmdk-create" -q -s 4M "$C/lk.vmdk"
python3 -c 'import fcntl, sys, time
f = open(sys.argv[1], "r+b"); fcntl.lockf(f, fcntl.LOCK_EX); time.sleep(3)' "$C/lk.vmdk" &
sleep 0.5
expect_exit 1 "" "shrink refuses a disk open for writing" "$BIN/vmdk-shrink" "$C/lk.vmdk"
grep -qi "lock\|in use\|open" "$T/err" && ok "the refusal names the lock" ||
	bad "lock message: $(cat "$T/err")"
wait
# vmdk-info tells the fragmentation.
expect "info shows fragmentation" "$BIN/vmdk-info" "$C/q.vmdk"
grep -q "Fragmentation:" "$T/out" && ok "info has a fragmentation line" ||
	bad "no fragmentation in vmdk-info"
rm -rf "$C"
