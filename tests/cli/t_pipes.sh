# SPDX-License-Identifier: MIT
# t_pipes.sh --- a clone from standard input read as it comes: a
# streamOptimized VMDK (ours, with its end marker; qemu-img's, with its
# tables in front and none), a raw image of a size given with --size;
# streams cut short or too long refused with nothing left; what cannot
# be read as it comes (a raw image of unknown size, another sparse kind)
# stored first as before.  Sourced by run.sh.

P=$T/pipes
mkdir -p "$P"
# 24 MiB: random, text and zero MiB chunks, so that grains of every kind
# (stored, deflated, left out) come through.
for i in 0 1 2 3 4 5 6 7; do
	head -c 1M /dev/urandom
	yes "line $i of some text" | head -c 1M
	head -c 1M /dev/zero
done > "$P/src.raw"
want=$(sha < "$P/src.raw")
"$BIN/vmdk-clone" -q -t 5 "$P/src.raw" "$P/ours.vmdk"
qemu-img convert -f raw -O vmdk -o subformat=streamOptimized "$P/src.raw" "$P/qemu.vmdk"

# grain_end FILE N: the byte where the N-th grain (and its padding) ends.
grain_end() {
	python3 - "$1" "$2" <<'EOF'
import struct, sys
d = open(sys.argv[1], 'rb').read()
pos = struct.unpack_from('<Q', d, 64)[0] * 512
n = 0
while pos < len(d):
    val, size = struct.unpack_from('<QI', d, pos)
    if size:
        pos += (12 + size + 511) // 512 * 512
        n += 1
        if n == int(sys.argv[2]):
            break
    else:
        pos += 512 + val * 512
print(pos)
EOF
}

# A stream is read as it comes: the clone is done while the writer still
# holds the pipe open (a spooling reader would wait for its end).
for who in ours qemu; do
	rm -f "$P/done" "$P/$who-0.vmdk"
	( cat "$P/$who.vmdk"; sleep 4; touch "$P/done" ) | {
		"$BIN/vmdk-clone" -q - "$P/$who-0.vmdk" 2>"$T/err"
		rc=$?
		[ $rc -eq 0 ] && [ ! -e "$P/done" ] &&
			ok "$who stream on standard input: done before the input closed" ||
			bad "$who stream on standard input: exit $rc, read to the end first"
	}
	[ "$("$BIN/vmdk-dump" --raw "$P/$who-0.vmdk" | sha)" = "$want" ] &&
		ok "$who stream from standard input is the image" || bad "$who stream from stdin differs"
	same_content "$who stream from standard input reads alike everywhere" "$P/$who-0.vmdk"
done
# Stream to stream: grains re-framed, not recompressed (-c 9 changes
# nothing of them; only the descriptor, in the first 64 KiB, is new).
cat "$P/ours.vmdk" | "$BIN/vmdk-clone" -q -c 9 -t 5 - - > "$P/reframed.vmdk"
cmp -s -i 65536 "$P/ours.vmdk" "$P/reframed.vmdk" && ok "a stream's grains are re-framed byte for byte" ||
	bad "a stream on standard input was recompressed"
# (A stream to standard output names its extent "stream.vmdk".)
cp "$P/reframed.vmdk" "$P/stream.vmdk"
same_content "the re-framed stream reads alike everywhere" "$P/stream.vmdk"
cat "$P/qemu.vmdk" | "$BIN/vmdk-clone" -q -t 5 - - > "$P/restream.vmdk"
[ "$("$BIN/vmdk-dump" --raw "$P/restream.vmdk" | sha)" = "$want" ] &&
	ok "stream to stream through two pipes" || bad "stream to stream through pipes differs"

# Cut short: inside a grain, at a grain boundary (no end marker for ours;
# fewer grains than qemu-img's tables name); nothing left.
for who in ours qemu; do
	cut=$(grain_end "$P/$who.vmdk" 10)
	for at in $cut $((cut - 100)); do
		rm -f "$P/cut.vmdk"
		expect_exit 1 "standard input: the stream ended at byte $at" \
			"$who stream cut at byte $at is refused" \
			sh -c "head -c $at '$P/$who.vmdk' | \"\$0\" -q - '$P/cut.vmdk'" "$BIN/vmdk-clone"
		[ ! -e "$P/cut.vmdk" ] && ok "no disk from a cut $who stream" ||
			bad "a cut $who stream left a disk"
	done
done
grep -q "without its end-of-stream marker" "$T/err" || {
	head -c "$(grain_end "$P/qemu.vmdk" 10)" "$P/qemu.vmdk" |
		"$BIN/vmdk-clone" -q - "$P/cut.vmdk" 2>"$T/err"
}
grep -q "without its end-of-stream marker" "$T/err" &&
	ok "a cut at a grain boundary is told as a missing end marker" || bad "boundary cut message"

# Raw with --size: read as it comes, its size held to.
size=$(stat -c %s "$P/src.raw")
rm -f "$P/done"
cat "$P/src.raw" | "$BIN/vmdk-clone" -q -v --size "${size}b" -t 5 - "$P/raw5.vmdk" >/dev/null 2>"$T/err"
[ "$("$BIN/vmdk-dump" --raw "$P/raw5.vmdk" | sha)" = "$want" ] && ! grep -q "stored beside" "$T/err" &&
	ok "raw standard input with --size, read as it comes" || bad "raw --size: $(cat "$T/err")"
for n in $((size - 512)) $((size + 512)); do
	rm -f "$P/bad.vmdk"
	expect_exit 1 "standard input: the stream" "raw standard input of $n bytes against --size $size" \
		sh -c "head -c $n /dev/zero | \"\$0\" -q --size ${size}b - '$P/bad.vmdk'" "$BIN/vmdk-clone"
	[ ! -e "$P/bad.vmdk" ] && ok "nothing left by a raw stream of the wrong size" ||
		bad "a raw stream of the wrong size left a disk"
done
grep -q "holds more than the $size bytes" "$T/err" && ok "a longer raw stream is said to be longer" ||
	bad "longer raw stream message"
cat "$P/src.raw" | "$BIN/vmdk-clone" -v - "$P/spooled.vmdk" >"$T/out" 2>"$T/err"
[ "$("$BIN/vmdk-dump" --raw "$P/spooled.vmdk" | sha)" = "$want" ] && grep -q "stored beside the destination first" "$T/err" &&
	ok "raw standard input without --size is stored first, and said so" || bad "spooled raw: $(cat "$T/err")"
"$BIN/vmdk-clone" -q -t 0 "$P/src.raw" "$P/mono.vmdk"
cat "$P/mono.vmdk" | "$BIN/vmdk-clone" -q - "$P/frommono.vmdk"
[ "$("$BIN/vmdk-dump" --raw "$P/frommono.vmdk" | sha)" = "$want" ] &&
	ok "a monolithicSparse disk on standard input is stored first, as before" || bad "monolithicSparse on stdin"
expect_exit 2 "--size is for a raw image on standard input" "--size with a file source" \
	"$BIN/vmdk-clone" --size 1M "$P/src.raw" "$P/x.vmdk"
expect_exit 1 "gives its own size" "--size with a stream on standard input" \
	sh -c "cat '$P/ours.vmdk' | \"\$0\" -q --size 1M - '$P/x.vmdk'" "$BIN/vmdk-clone"
qemu-img create -q -f qcow2 "$P/img.qcow2" 1M
expect_exit 1 "a qcow2 image, not raw" "a qcow2 image on standard input with --size" \
	sh -c "cat '$P/img.qcow2' | \"\$0\" -q --size 1M - '$P/x.vmdk'" "$BIN/vmdk-clone"
rm -rf "$P"
