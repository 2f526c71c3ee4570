# SPDX-License-Identifier: MIT
# t_volumes.sh --- what vmdk-info and vmdk-mount -p find inside disks
# made by qemu-img from images partitioned by sfdisk and formatted by
# mkfs (no root needed): MBR with logical partitions past the first
# window, GPT, unpartitioned filesystems, swap, an empty disk, a damaged
# GPT, two signatures at one start, a child over a partitioned parent, a
# stream; memory flat in capacity.  Sourced by run.sh.

V=$T/vol
mkdir -p "$V"
if ! command -v sfdisk >/dev/null 2>&1 || ! command -v mkfs.ext4 >/dev/null 2>&1 ||
	! command -v mkfs.vfat >/dev/null 2>&1 || ! command -v mkswap >/dev/null 2>&1; then
	echo "skipped: volumes (needs sfdisk, e2fsprogs, dosfstools, util-linux's mkswap)"
else
	# volumes DISK: vmdk-info's volumes as JSON, for python3 asserts.
	volumes() { "$BIN/vmdk-info" --json "$1" 2>"$T/err"; }
	check_json() {
		_d=$1 _disk=$2 _py=$3
		if volumes "$_disk" | python3 -c "import json, sys
v = json.load(sys.stdin)['volumes']
p = {x['number']: x for x in v['partitions']}
$_py" 2>>"$T/err"; then ok "$_d"; else bad "$_d"; fi
	}
	# MBR: a FAT32 primary, an extended partition whose logical ones sit
	# far past the first 8 MiB (each found from the one before it).
	truncate -s 400M "$V/m.raw"
	printf 'label: dos\nsize=50M, type=c\ntype=5\nsize=60M, type=83\nsize=40M, type=82\nsize=50M, type=83\n' |
		sfdisk -q "$V/m.raw"
	sfdisk -d "$V/m.raw" > "$T/tab"
	part() { sed -n "s|^.*m.raw$1 : start= *\([0-9]*\), size= *\([0-9]*\).*|\1 \2|p" "$T/tab"; }
	set -- $(part 1); mkfs.vfat -F 32 -n BOOTFAT --offset="$1" "$V/m.raw" $(($2 / 2)) >/dev/null 2>&1
	set -- $(part 5); mkfs.ext4 -q -L logical5 -E offset=$(($1 * 512)) "$V/m.raw" $(($2 / 2))k
	set -- $(part 6); dd if=/dev/zero bs=512 count="$2" 2>/dev/null > "$V/swap.img" &&
		mkswap -L sw6 "$V/swap.img" >/dev/null 2>&1 &&
		dd if="$V/swap.img" of="$V/m.raw" bs=512 seek="$1" conv=notrunc status=none
	set -- $(part 7); mkfs.ext4 -q -L logical7 -E offset=$(($1 * 512)) "$V/m.raw" $(($2 / 2))k
	qemu-img convert -O vmdk "$V/m.raw" "$V/m.vmdk"
	check_json "MBR: primary, extended and logical partitions found round by round" "$V/m.vmdk" '
assert v["partitionTable"] == "dos" and sorted(p) == [1, 2, 5, 6, 7], sorted(p)
assert p[2]["kind"] == "extended" and p[2]["content"] is None, p[2]
assert [p[n]["kind"] for n in (5, 6, 7)] == ["logical"] * 3
assert p[1]["type"] == "0x0c" and p[1]["typeName"] == "W95 FAT32 (LBA)", p[1]
assert p[1]["content"]["type"] == "vfat" and p[1]["content"]["label"] == "BOOTFAT", p[1]
assert p[5]["content"]["type"] == "ext4" and p[5]["content"]["label"] == "logical5", p[5]
assert p[6]["content"]["type"] == "swap" and p[6]["content"]["label"] == "sw6", p[6]
assert p[7]["content"]["type"] == "ext4" and p[7]["content"]["label"] == "logical7", p[7]
assert p[7]["uuid"] == v["tableId"] + "-07", p[7]
assert p[7]["startSector"] > 16384 and v["content"] is None'
	"$BIN/vmdk-mount" -p "$V/m.vmdk" > "$T/out" 2>"$T/err"
	grep -q '^ 2 .* EXT  05 Extended' "$T/out" && grep -q '^ 7 .* LOG  83 Linux .*ext4$' "$T/out" &&
		ok "vmdk-mount -p prints vmware-mount's table" || bad "vmdk-mount -p: $(cat "$T/out")"
	"$BIN/vmdk-info" "$V/m.vmdk" | grep -q 'partition 7: sector .*logical, type 0x83 (Linux)' &&
		"$BIN/vmdk-info" "$V/m.vmdk" | grep -q 'ext4 1.0, label "logical7"' &&
		ok "vmdk-info's text shows partitions and filesystems" || bad "vmdk-info text volumes"
	# The same content through a child, and as a stream.
	"$BIN/vmdk-child" create -q "$V/m.vmdk" "$V/mc.vmdk"
	"$BIN/vmdk-fill" -q -s 0 -c 1 --val 0 "$V/mc.vmdk"
	check_json "a child that zeroed the MBR hides its parent's table" "$V/mc.vmdk" '
assert v["partitionTable"] is None and not p, v'
	"$BIN/vmdk-clone" -q -t 5 "$V/m.vmdk" "$V/ms.vmdk"
	check_json "a stream's volumes" "$V/ms.vmdk" '
assert sorted(p) == [1, 2, 5, 6, 7] and p[7]["content"]["label"] == "logical7", p'
	rm -f "$V"/m* "$V/swap.img"

	# GPT, made by sfdisk; names and type names.
	truncate -s 100M "$V/g.raw"
	printf 'label: gpt\nsize=20M, type=U, name="efi"\nsize=30M, type=L, name="root fs"\n type=S\n' |
		sfdisk -q "$V/g.raw"
	mkfs.vfat -n ESP --offset=2048 "$V/g.raw" 20480 >/dev/null 2>&1
	mkfs.ext4 -q -L root -E offset=$((43008 * 512)) "$V/g.raw" 30720k
	qemu-img convert -O vmdk -o subformat=monolithicFlat "$V/g.raw" "$V/g.vmdk"
	check_json "GPT: names, type names, GUIDs, content" "$V/g.vmdk" '
assert v["partitionTable"] == "gpt" and sorted(p) == [1, 2, 3], v
assert p[1]["typeName"] == "EFI System" and p[1]["name"] == "efi", p[1]
assert p[1]["type"] == "c12a7328-f81f-11d2-ba4b-00a0c93ec93b", p[1]
assert p[1]["content"]["type"] == "vfat" and p[1]["content"]["label"] == "ESP", p[1]
assert p[2]["name"] == "root fs" and p[2]["content"]["label"] == "root", p[2]
assert p[3]["typeName"] == "Linux swap" and p[3]["content"] is None, p[3]
assert len(p[2]["uuid"]) == 36 and len(v["tableId"]) == 36, v'
	# Both GPT headers gone: a protective MBR alone.
	dd if=/dev/zero of="$V/g.raw" bs=512 seek=1 count=1 conv=notrunc status=none
	dd if=/dev/zero of="$V/g.raw" bs=512 seek=204799 count=1 conv=notrunc status=none
	qemu-img convert -O vmdk "$V/g.raw" "$V/gd.vmdk"
	check_json "a GPT with both headers gone is a problem, not an error" "$V/gd.vmdk" '
assert v["partitionTable"] == "PMBR" and "protective MBR" in v["problem"] and not p, v'
	"$BIN/vmdk-mount" -p "$V/gd.vmdk" > "$T/out" && grep -q 'problem: a protective MBR' "$T/out" &&
		ok "vmdk-mount -p names the damage" || bad "vmdk-mount -p of a damaged GPT"
	rm -f "$V"/g*

	# No table: whole-disk filesystems, swap, nothing; two signatures.
	truncate -s 64M "$V/e.raw" && mkfs.ext4 -q -L whole "$V/e.raw" &&
		qemu-img convert -O vmdk "$V/e.raw" "$V/e.vmdk"
	check_json "an unpartitioned ext4 is the whole disk's content" "$V/e.vmdk" '
c = v["content"]
assert v["partitionTable"] is None and not p, v
assert c["type"] == "ext4" and c["usage"] == "filesystem" and c["label"] == "whole", c
assert c["blockSize"] in (1024, 4096) and c["version"] == "1.0", c'
	rm -f "$V/e.raw"; truncate -s 64M "$V/s.raw"
	mkswap -L onlyswap "$V/s.raw" >/dev/null 2>&1 && qemu-img convert -O vmdk "$V/s.raw" "$V/s.vmdk"
	check_json "an unpartitioned swap" "$V/s.vmdk" '
assert v["content"]["type"] == "swap" and v["content"]["label"] == "onlyswap", v'
	"$BIN/vmdk-create" -q -s 64M "$V/z.vmdk"
	check_json "an empty disk has nothing, and no problem" "$V/z.vmdk" '
assert v == {"partitionTable": None, "tableId": None, "problem": None,
             "content": None, "partitions": []}, v'
	# vfat's boot sector and an ext4 superblock at once (a disk reused
	# without wiping): neither is trusted.
	truncate -s 64M "$V/a.raw" && mkfs.ext4 -q "$V/a.raw" && mkfs.vfat -I "$V/a.raw" >/dev/null 2>&1 &&
		printf '\123\357' | dd of="$V/a.raw" bs=1 seek=1080 conv=notrunc status=none &&
		qemu-img convert -O vmdk "$V/a.raw" "$V/a.vmdk"
	check_json "two signatures at one start: reported ambiguous" "$V/a.vmdk" '
assert v["content"]["ambiguous"] and v["content"]["type"] is None and v["problem"], v'
	rm -f "$V"/*.raw "$V"/*.vmdk

	# Memory stays flat in capacity: a 2 TiB GPT disk with a partition at
	# its end is listed in a few MiB.
	if [ -x /usr/bin/time ]; then
		# The GPT sfdisk writes on a sparse raw file of that size, copied
		# into the disk's first and last sectors.
		"$BIN/vmdk-create" -q -s 2047G "$V/big.vmdk"
		truncate -s 2047G "$V/big.raw"
		printf 'label: gpt\nstart=4290772992, type=L\n' | sfdisk -q "$V/big.raw"
		last=$((2047 * 2097152))
		dd if="$V/big.raw" of="$V/head" bs=512 count=34 status=none
		dd if="$V/big.raw" of="$V/tail" bs=512 skip=$((last - 33)) status=none
		"$BIN/vmdk-fill" -q -s 0 --file "$V/head" "$V/big.vmdk"
		"$BIN/vmdk-fill" -q -s $((last - 33)) --file "$V/tail" "$V/big.vmdk"
		rm -f "$V/big.raw" "$V/head" "$V/tail"
		/usr/bin/time -f %M "$BIN/vmdk-info" "$V/big.vmdk" >"$T/out" 2>"$T/rss"
		rss=$(tail -1 "$T/rss")
		[ "$rss" -lt 40000 ] && ok "a 2 TiB disk's volumes listed in $rss KiB" || bad "RSS $rss KiB for a 2 TiB disk"
		grep -q 'partition 1: sector 4290772992' "$T/out" &&
			ok "a partition at the end of 2 TiB found" || bad "2 TiB partition: $(grep -A2 Volumes "$T/out")"
		rm -f "$V/big.vmdk"
	fi
fi
