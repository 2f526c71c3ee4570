#!/bin/sh
# SPDX-License-Identifier: MIT
# make-seeds.sh --- small disks made by our own tools (and qemu-img's
# images), as seeds for the harnesses (kept out of git: they are rebuilt
# on every run).
set -eu
: "${BIN:?}"
out=$1
rm -rf "$out"
mkdir -p "$out"
"$BIN/vmdk-create" -q -s 64 --grain 8 -t 0 "$out/sparse.vmdk"
printf 'seed data for the fuzzer' > "$out/.data"
"$BIN/vmdk-fill" -q -s 9 -f "$out/.data" "$out/sparse.vmdk"
"$BIN/vmdk-create" -q -s 200 --grain 16 -t 5 "$out/stream.vmdk"
"$BIN/vmdk-create" -q -s 64 -t 2 "$out/flat.vmdk"
# What the repair harness starts from: a stream with grains, its end cut
# off, and a sparse disk whose embedded extent line is garbled.
"$BIN/vmdk-clone" -q -t 5 "$out/sparse.vmdk" "$out/stream-data.vmdk"
head -c $(( $(wc -c < "$out/stream-data.vmdk") - 1536 )) "$out/stream-data.vmdk" \
	> "$out/stream-cut.vmdk"
sed 's/^RW 64 SPARSE/R\x01 64 SPARSE/' "$out/sparse.vmdk" > "$out/sparse-desc.vmdk"
# What the compaction harness starts from: grains out of order, zero
# grains written as data.
"$BIN/vmdk-create" -q -s 256 --grain 8 "$out/frag.vmdk"
"$BIN/vmdk-fill" -q -s 200 -c 8 --val 5 "$out/frag.vmdk"
"$BIN/vmdk-fill" -q -s 0 -c 8 --val 0 "$out/frag.vmdk"
"$BIN/vmdk-fill" -q -s 64 -c 16 --val 7 "$out/frag.vmdk"
"$BIN/vmdk-fill" -q -s 8 -c 8 --val 0 "$out/frag.vmdk"
# What the pipe harness starts from besides our streams: qemu-img's,
# with its tables in front and no end marker.
if command -v qemu-img >/dev/null 2>&1; then
	"$BIN/vmdk-dump" --raw "$out/sparse.vmdk" > "$out/.raw"
	qemu-img convert -f raw -O vmdk -o subformat=streamOptimized "$out/.raw" \
		"$out/stream-qemu.vmdk" 2>/dev/null || true
	# What the image harness starts from: qcow2 of each kind.
	for o in compat=0.10,cluster_size=512 cluster_size=4k,compression_type=zlib \
		 cluster_size=4k,compression_type=zstd extended_l2=on,cluster_size=16k; do
		n=$(printf '%s' "$o" | tr -c 'a-z0-9' '-')
		qemu-img convert -c -f raw -O qcow2 -o "$o" "$out/.raw" "$out/image-$n.qcow2" \
			2>/dev/null || true
	done
	# (Empty: a block of either is 1 or 2 MiB, past the inputs' length.)
	qemu-img create -q -f vpc "$out/image-dynamic.vhd" 1M 2>/dev/null || true
	qemu-img create -q -f vdi "$out/image-dynamic.vdi" 1M 2>/dev/null || true
	# A fixed VHD is told by its last sector alone (fuzz_vhd's).
	qemu-img convert -q -f raw -O vpc -o subformat=fixed,force_size=on \
		"$out/.raw" "$out/image-fixed.vhd" 2>/dev/null || true
	# Images whose pieces lie megabytes apart, as the image harnesses' "SPRS"
	# inputs: the sectors that are not zeros, at their offsets.
	for f in vhdx vpc vdi; do
		qemu-img create -q -f $f "$out/.img" 8M 2>/dev/null &&
			qemu-io -f $f -c "write -P 5 1M 8k" "$out/.img" >/dev/null 2>&1 &&
			python3 - "$out/.img" "$out/image-sparse-$f" <<'PY' || true
import struct, sys
d = open(sys.argv[1], 'rb').read()
out = bytearray(b'SPRS' + struct.pack('<I', (len(d) + 511) // 512))
s = 0
while s * 512 < len(d):
    if not d[s * 512:(s + 1) * 512].strip(b'\0'):
        s += 1
        continue
    e = s
    while e * 512 < len(d) and (e - s) < 127 and d[e * 512:(e + 1) * 512].strip(b'\0'):
        e += 1
    out += struct.pack('<IH', s, (e - s) * 512) + d[s * 512:e * 512]
    s = e
open(sys.argv[2], 'wb').write(out)
PY
		rm -f "$out/.img"
	done
	qemu-img create -q -f qcow2 -o cluster_size=4k "$out/image-zero.qcow2" 64k 2>/dev/null &&
		qemu-io -c "write -P 7 0 8k" -c "write -z 8k 4k" "$out/image-zero.qcow2" >/dev/null 2>&1 || true
	rm -f "$out/.raw"
fi
rm -f "$out/flat-flat.vmdk" "$out/.data"
# What the volumes harness starts from: the first 128 KiB of small disks
# with an MBR and logical partitions, a GPT, an ext4 superblock.
if command -v sfdisk >/dev/null 2>&1; then
	v=$out/.vol
	truncate -s 8M "$v"
	printf 'label: dos\nunit: sectors\nstart=34, size=20, type=c\nstart=60, size=190, type=5\nstart=62, size=20, type=83\nstart=90, size=20, type=82\n' |
		sfdisk -q --no-reread "$v" >/dev/null 2>&1 && head -c 131072 "$v" > "$out/volumes-mbr.raw"
	rm -f "$v"; truncate -s 8M "$v"
	printf 'label: gpt\nsize=2M, type=L, name="a"\n type=S\n' | sfdisk -q "$v" >/dev/null 2>&1 &&
		head -c 131072 "$v" > "$out/volumes-gpt.raw"
	rm -f "$v"
fi
if command -v mkfs.ext4 >/dev/null 2>&1; then
	truncate -s 8M "$out/.ext4" && mkfs.ext4 -q "$out/.ext4" 2>/dev/null &&
		head -c 131072 "$out/.ext4" > "$out/volumes-ext4.raw"
	rm -f "$out/.ext4"
fi
