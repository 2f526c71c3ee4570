#!/bin/sh
# SPDX-License-Identifier: MIT
# demo.sh --- the main job on an embedded default: create a disk, write the
# sample data into it, describe it, dump it, let qemu-img read it back,
# and convert it to streamOptimized, checked by qemu-img.
set -eu

: "${BIN:?BIN must name the directory holding the tools}"
top=$(cd "$(dirname "$0")/.." && pwd)
work=${DEMO_DIR:-$top/build/demo}
sample=$top/testdata/sample/notes.txt
disk=$work/demo.vmdk

step() { printf '\n== %s\n' "$*"; }

rm -rf "$work"
mkdir -p "$work"

step "vmdk-create -s 64M -t monolithicSparse demo.vmdk"
"$BIN/vmdk-create" -s 64M -t monolithicSparse "$disk"

step "vmdk-fill --file testdata/sample/notes.txt --start 2048 demo.vmdk"
"$BIN/vmdk-fill" --file "$sample" --start 2048 "$disk"

step "vmdk-info demo.vmdk"
"$BIN/vmdk-info" "$disk"

step "vmdk-dump --start 2048 --count 2 demo.vmdk"
"$BIN/vmdk-dump" --start 2048 --count 2 "$disk"

step "qemu-img check and info on our disk"
qemu-img check "$disk"
qemu-img info "$disk" | sed -n '1,4p'

step "the same content, read by vmdktools and by qemu-img"
ours=$("$BIN/vmdk-dump" --raw "$disk" | sha256sum | cut -d' ' -f1)
qemu-img convert -O raw "$disk" "$work/qemu.raw"
theirs=$(sha256sum < "$work/qemu.raw" | cut -d' ' -f1)
echo "vmdk-dump --raw:          $ours"
echo "qemu-img convert -O raw:  $theirs"
if [ "$ours" != "$theirs" ]; then
	echo "demo: the two readers disagree" >&2
	exit 1
fi
size=$(wc -c < "$sample")
if ! dd if="$work/qemu.raw" bs=512 skip=2048 count=$(( (size + 511) / 512 )) \
	2>/dev/null | head -c "$size" | cmp -s - "$sample"; then
	echo "demo: qemu-img does not see the sample data" >&2
	exit 1
fi
echo "qemu-img sees the sample data at sector 2048: identical."
rm -f "$work/qemu.raw"

step "vmdk-clone -t streamOptimized demo.vmdk demo-stream.vmdk (for ESXi)"
"$BIN/vmdk-clone" -t streamOptimized "$disk" "$work/demo-stream.vmdk"
"$BIN/vmdk-info" "$work/demo-stream.vmdk" | sed -n '1,2p;/extent 0/,$p'
qemu-img check "$work/demo-stream.vmdk"
qemu-img compare "$disk" "$work/demo-stream.vmdk"
ls -l "$disk" "$work/demo-stream.vmdk"
echo
echo "Demo done; the disks are in $work"
