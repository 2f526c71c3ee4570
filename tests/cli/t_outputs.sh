# SPDX-License-Identifier: MIT
# t_outputs.sh --- what the tools write into, and what they take as
# input: a raw clone writes into a block device and never replaces a
# node that is not a regular file; other formats' images are refused,
# not copied as raw bytes; numeric options are bounded; a child on
# standard input is refused; SIGTERM and SIGINT leave a clean disk.
# Sourced by run.sh.

O=$T/outputs
mkdir -p "$O"
"$BIN/vmdk-create" -q -s 4M "$O/src.vmdk"
"$BIN/vmdk-fill" -q -s 100 -c 50 --val 0x77 "$O/src.vmdk"
src_sum=$("$BIN/vmdk-dump" --raw "$O/src.vmdk" | sha)

# Destinations that are not regular files.
mkdir "$O/adir"
expect_exit 1 "not a regular file" "clone -f refuses a directory as destination" \
	"$BIN/vmdk-clone" -q -f -t raw "$O/src.vmdk" "$O/adir"
[ -d "$O/adir" ] && ok "the directory is still there" || bad "the directory was replaced"
if mkfifo "$O/fifo" 2>/dev/null; then
	expect_exit 1 "not a regular file" "clone -f refuses a FIFO as destination" \
		timeout 20 "$BIN/vmdk-clone" -q -f -t raw "$O/src.vmdk" "$O/fifo"
	[ -p "$O/fifo" ] && ok "the FIFO is still a FIFO" || bad "the FIFO was replaced"
fi
if mknod "$O/null" c 1 3 2>/dev/null; then
	expect_exit 1 "not a regular file" "clone -f refuses a character device" \
		"$BIN/vmdk-clone" -q -f -t raw "$O/src.vmdk" "$O/null"
	[ -c "$O/null" ] && ok "the device node is still one" || bad "the device node was replaced"
fi
loop=
if truncate -s 8M "$O/backing" && loop=$(losetup -f --show "$O/backing" 2>/dev/null); then
	head -c 8388608 /dev/urandom > "$loop"
	expect_exit 1 "only with overwrite" "a block device is written only with -f" \
		"$BIN/vmdk-clone" -q -t raw "$O/src.vmdk" "$loop"
	expect_exit 1 "not a regular file" "only a raw clone goes into a block device" \
		"$BIN/vmdk-clone" -q -f -t 0 "$O/src.vmdk" "$loop"
	expect "clone -f -t raw into a block device" \
		"$BIN/vmdk-clone" -q -f -t raw "$O/src.vmdk" "$loop"
	[ -b "$loop" ] && ok "the device node stays a device" || bad "the device node was replaced"
	[ "$(head -c 4194304 "$loop" | sha)" = "$src_sum" ] &&
		ok "the device holds the disk, zero ranges zeroed" || bad "device content differs"
	[ "$(tail -c 4194304 "$loop" | sha)" != "$(head -c 4194304 /dev/zero | sha)" ] &&
		ok "bytes past the disk are left alone" || bad "bytes past the disk were changed"
	"$BIN/vmdk-create" -q -s 16M "$O/big.vmdk"
	expect_exit 1 "the device holds" "a device smaller than the disk is refused" \
		"$BIN/vmdk-clone" -q -f -t raw "$O/big.vmdk" "$loop"
	losetup -d "$loop"
else
	echo "skipped: no loop device here"
fi

# Images of formats not read are neither descriptors nor raw bytes
# (qcow2, VHD, VHDX and VDI are read: t_images.sh).
qemu-img create -q -f qcow2 "$O/img.qcow2" 4M
for fmt in qed parallels; do
	qemu-img create -q -f $fmt "$O/img.$fmt" 4M 2>/dev/null || continue
	case $fmt in qed) name=QED ;; parallels) name=Parallels ;; esac
	expect_exit 1 "a $name image, not raw" "clone refuses a $fmt source" \
		"$BIN/vmdk-clone" -q "$O/img.$fmt" "$O/out-$fmt.vmdk"
	expect_exit 1 "a $name image, not raw" "clone -r refuses a $fmt source" \
		"$BIN/vmdk-clone" -q -r "$O/img.$fmt" "$O/out-$fmt.vmdk"
	expect_exit 1 "a $name image, not a VMDK disk" "vmdk-info names a $fmt image" \
		"$BIN/vmdk-info" "$O/img.$fmt"
	expect_exit 1 "a $name image, not raw" "a $fmt image on standard input" \
		sh -c "exec '$BIN/vmdk-clone' -q - '$O/out-$fmt.vmdk' < '$O/img.$fmt'"
	[ ! -e "$O/out-$fmt.vmdk" ] && ok "no output from a $fmt source" || bad "output made from $fmt"
done
expect "--source-format raw copies a qcow2 file's bytes" \
	"$BIN/vmdk-clone" -q --source-format raw "$O/img.qcow2" "$O/asraw.vmdk"
[ "$("$BIN/vmdk-dump" --raw "$O/asraw.vmdk" | head -c "$(stat -c %s "$O/img.qcow2")" | sha)" = "$(sha < "$O/img.qcow2")" ] &&
	ok "the bytes are the file's" || bad "--source-format raw changed the bytes"
expect_exit 1 "expected key=value" "--source-format vmdk gives the descriptor error" \
	sh -c "printf 'hello\n' > '$O/text.img' && exec '$BIN/vmdk-clone' -q --source-format vmdk '$O/text.img' '$O/t.vmdk'"
expect_exit 2 "vmdk or raw" "--source-format takes vmdk or raw" \
	"$BIN/vmdk-clone" --source-format qcow2 "$O/src.vmdk" "$O/x.vmdk"

# Numeric options are bounded.
expect_exit 2 "invalid chunk size" "vmdk-map --chunk 2^64-1" \
	"$BIN/vmdk-map" --chunk 18446744073709551615 "$O/src.vmdk"
expect_exit 2 "invalid chunk size" "vmdk-map --chunk 2^63" \
	"$BIN/vmdk-map" --chunk 9223372036854775808 "$O/src.vmdk"
expect "vmdk-map --chunk larger than the disk" "$BIN/vmdk-map" --chunk 137438953472 "$O/src.vmdk"
awk '{ if ($1 + $2 > 8192) bad = 1 } END { exit bad }' "$T/out" &&
	ok "no run goes past the end of the disk" || bad "a run past the disk: $(cat "$T/out")"
expect_exit 2 "invalid start sector" "vmdk-dump -s 2^64-1" \
	"$BIN/vmdk-dump" -s 18446744073709551615 "$O/src.vmdk"
expect_exit 2 "invalid sector count" "vmdk-fill -c 2^63" \
	"$BIN/vmdk-fill" -c 9223372036854775808 "$O/src.vmdk"
expect_exit 2 "" "vmdk-create -s beyond 64 TiB" "$BIN/vmdk-create" -s 65T "$O/huge.vmdk"
expect_exit 2 "" "vmdk-create -s 2^64-1 sectors" "$BIN/vmdk-create" -s 18446744073709551615 "$O/huge.vmdk"
[ ! -e "$O/huge.vmdk" ] && ok "no disk made from a size out of range" || bad "huge disk made"

# A child on standard input: its parent cannot be found from a pipe.
"$BIN/vmdk-child" create -q "$O/src.vmdk" "$O/child.vmdk"
expect_exit 1 "a child disk" "a child on standard input is refused" \
	sh -c "exec '$BIN/vmdk-clone' -q - '$O/fromstdin.vmdk' < '$O/child.vmdk'"
[ ! -e "$O/fromstdin.vmdk" ] && [ -z "$(ls -A "$O" | grep stdin)" ] &&
	ok "nothing left of it" || bad "a child on stdin left files"
expect "a base disk on standard input still clones" \
	sh -c "exec '$BIN/vmdk-clone' -q - '$O/fromstdin.vmdk' < '$O/src.vmdk'"
"$BIN/vmdk-clone" - "$O/fromstdin2.vmdk" < "$O/src.vmdk" > "$T/out" 2>&1
grep -q "^Cloned standard input to" "$T/out" && ok "stdin is called standard input" ||
	bad "stdin named as: $(cat "$T/out")"

# SIGTERM and SIGINT: vmdk-fill stops between writes and closes the disk.
if mkfifo "$O/feed" 2>/dev/null; then
	for sig in TERM INT; do
		"$BIN/vmdk-create" -q -s 64M "$O/sig.vmdk"
		( head -c 1048576 /dev/urandom; sleep 30 ) > "$O/feed" &
		feeder=$!
		"$BIN/vmdk-fill" -q -f "$O/feed" -c 131072 "$O/sig.vmdk" 2>"$T/err" &
		filler=$!
		sleep 1
		kill -$sig $filler
		wait $filler
		rc=$?
		kill $feeder 2>/dev/null
		wait $feeder 2>/dev/null
		want=$([ $sig = INT ] && echo 130 || echo 143)
		[ $rc -eq $want ] && grep -q "interrupted" "$T/err" &&
			ok "SIG$sig stops vmdk-fill with a message, exit $want" ||
			bad "SIG$sig: exit $rc, $(cat "$T/err")"
		"$BIN/vmdk-check" "$O/sig.vmdk" > "$T/out" 2>&1
		grep -q "unclean" "$T/out" && bad "SIG$sig left the unclean-shutdown mark" ||
			ok "SIG$sig: the disk was closed cleanly"
		rm -f "$O/sig.vmdk"
	done
fi

# The progress line fits the terminal and tells done and total bytes.
if command -v script >/dev/null && script -qc true /dev/null >/dev/null 2>&1; then
	"$BIN/vmdk-create" -q -s 256M "$O/prog.vmdk"
	"$BIN/vmdk-fill" -q --val 7 "$O/prog.vmdk"
	for cols in 30 120; do
		script -qc "stty cols $cols; '$BIN/vmdk-clone' -t 5 '$O/prog.vmdk' '$O/prog-$cols.vmdk'" /dev/null |
			tr '\r' '\n' | sed 's/\x1b\[K//g' | grep '%' > "$T/out"
		awk -v w=$cols 'length($0) >= w { bad = 1 } END { exit bad }' "$T/out" &&
			ok "progress fits $cols columns" || bad "progress wider than $cols columns"
	done
	grep -q "MiB of 256 MiB" "$T/out" && ok "progress shows done and total bytes" ||
		bad "progress line: $(head -2 "$T/out")"
	"$BIN/vmdk-clone" -t 5 "$O/prog.vmdk" "$O/prog-pipe.vmdk" 2>"$T/err" >/dev/null
	[ ! -s "$T/err" ] && ok "no progress into a pipe" || bad "progress into a pipe"
fi
