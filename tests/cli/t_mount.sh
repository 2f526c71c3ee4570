# SPDX-License-Identifier: MIT
# t_mount.sh --- what is inside a disk: partition tables and filesystems
# made by sfdisk, mkfs and pvcreate listed by vmdk-info and vmdk-mount -p;
# provisioning end to end (vmdk-mount -f, sfdisk, mkfs, files copied in
# through volume mounts, check, shrink, clone to a stream) checked by
# mounting the stream read-only and, independently, through qemu-img and
# a loop mount; kill -9 of a writable mount's daemon keeps what was
# fsynced; refusals.  Needs root, /dev/fuse and loop devices.
# Sourced by run.sh.

M=$T/mnt
mkdir -p "$M"
if [ "$(id -u)" != 0 ] || [ ! -c /dev/fuse ] || [ ! -c /dev/loop-control ] ||
	! command -v sfdisk >/dev/null 2>&1 || ! command -v mkfs.vfat >/dev/null 2>&1 ||
	! command -v mkfs.xfs >/dev/null 2>&1; then
	echo "skipped: vmdk-mount (needs root, /dev/fuse, loop devices, sfdisk, dosfstools, xfsprogs)"
else
	export VMDK_MOUNT_RUNDIR="$M/run" MTOOLS_SKIP_CHECK=1
	# Whatever a failed case left mounted goes at the end.
	cleanup_mounts() {
		"$BIN/vmdk-mount" -q -L | sed -n 's/^\(.*\): .* on \(.*\) (.*/\2/p' |
			while read -r dir; do "$BIN/vmdk-mount" -q -d "$dir"; done
		for d in "$M"/run/mount-*/fuse; do umount -l "$d" 2>/dev/null; done
		for d in "$M"/*/; do umount -l "$d" 2>/dev/null; done
		return 0
	}
	# loopdev FILE START SECTORS: a loop device over part of a file.
	loopdev() { losetup -f --show -o $(($2 * 512)) --sizelimit $(($3 * 512)) "$1"; }
	tree() { (cd "$1" && find . -type f | LC_ALL=C sort | xargs -d '\n' sha256sum); }
	mkdir -p "$M/src/a/b" "$M/f" "$M/v1" "$M/v2" "$M/q"
	head -c 3000000 /dev/urandom > "$M/src/a/random.bin"
	seq 1 200000 > "$M/src/a/b/numbers.txt"
	echo "small" > "$M/src/hello"
	want=$(tree "$M/src")
	# The same listing as mtree gives: vfat keeps no case, mtools lists
	# with the names it stored.
	mtree_want() { (cd "$M/src" && find . -type f | LC_ALL=C sort |
		while read -r f; do printf '%s  %s\n' "$(sha < "$f")" "$f"; done); }

	# --- provisioning a GPT disk end to end ---
	d=$M/g.vmdk
	expect "create a 2 GiB sparse disk" "$BIN/vmdk-create" -q -s 2G -t 0 "$d"
	expect "vmdk-mount -f presents the disk as one file" "$BIN/vmdk-mount" -f "$d" "$M/f"
	[ "$(stat -c %s "$M/f/flat" 2>/dev/null)" = 2147483648 ] &&
		ok "the flat file is the disk's size" || bad "flat file size $(stat -c %s "$M/f/flat" 2>&1)"
	expect "vmdk-mount -L lists the flat file" sh -c "'$BIN/vmdk-mount' -L | grep -qF '$M/f/flat'"
	expect_exit 1 "in use" "a mounted disk cannot be grown meanwhile" "$BIN/vmdk-grow" -q "$d" 3G
	expect_exit 1 "in use" "nor shrunk" "$BIN/vmdk-shrink" -q "$d"
	expect_exit 1 "(vmdk-mount)" "nor renamed (the daemon named as the holder)" "$BIN/vmdk-rename" "$d" "$M/other.vmdk"
	expect_exit 8 "(vmdk-mount)" "nor repaired" "$BIN/vmdk-check" -r -y "$d"
	printf 'label: gpt\nsize=600M, type=L, name="root"\n type=L, name="data"\n' |
		sfdisk -q "$M/f/flat" >"$T/out" 2>"$T/err" && ok "sfdisk writes a GPT into the flat file" ||
		bad "sfdisk on the flat file"
	l1=$(loopdev "$M/f/flat" 2048 1228800) && mkfs.ext4 -q -L root "$l1" && losetup -d "$l1" &&
		ok "mkfs.ext4 on the first partition" || bad "mkfs.ext4 through the flat file"
	l2=$(loopdev "$M/f/flat" 1230848 2961375) && mkfs.xfs -q -L data "$l2" && losetup -d "$l2" &&
		ok "mkfs.xfs on the second partition" || bad "mkfs.xfs through the flat file"
	expect "vmdk-mount -d unmounts the flat file" "$BIN/vmdk-mount" -d "$M/f"
	"$BIN/vmdk-mount" -p "$d" > "$T/p" 2>"$T/err"
	grep -q '^ 1 .*GPT.*Linux filesystem.*ext4$' "$T/p" && grep -q '^ 2 .*xfs$' "$T/p" &&
		ok "vmdk-mount -p lists both partitions and their filesystems" ||
		bad "vmdk-mount -p: $(cat "$T/p")"
	"$BIN/vmdk-info" --json "$d" | python3 -c '
import json, sys
v = json.load(sys.stdin)["volumes"]
p = v["partitions"]
assert v["partitionTable"] == "gpt" and len(p) == 2, v
assert p[0]["name"] == "root" and p[0]["content"]["type"] == "ext4", p[0]
assert p[0]["content"]["label"] == "root" and p[0]["startSector"] == 2048, p[0]
assert p[1]["content"]["type"] == "xfs" and p[1]["content"]["label"] == "data", p[1]
' 2>"$T/err" && ok "vmdk-info --json names table, partitions, labels" || bad "vmdk-info --json volumes"
	expect "mount the first partition (the first with a filesystem)" "$BIN/vmdk-mount" "$d" "$M/v1"
	expect "mount the second partition of the same disk" "$BIN/vmdk-mount" -o noatime "$d" 2 "$M/v2"
	findmnt -n -o FSTYPE "$M/v1" | grep -qx ext4 && findmnt -n -o FSTYPE "$M/v2" | grep -qx xfs &&
		ok "the kernel mounted ext4 and xfs" || bad "mounted types: $(findmnt -n -o FSTYPE "$M/v1") $(findmnt -n -o FSTYPE "$M/v2")"
	expect_exit 1 "already mounted" "a partition mounted twice is refused" "$BIN/vmdk-mount" "$d" 2 "$M/q"
	expect_exit 1 "already a mount point" "a mount point in use is refused" "$BIN/vmdk-mount" -f "$d" "$M/v1"
	cp -a "$M/src/." "$M/v1/" && cp -a "$M/src/." "$M/v2/" && sync &&
		ok "files copied into both volumes" || bad "copy into the volumes"
	head -c 50000000 /dev/urandom > "$M/v1/scratch" && sync && rm "$M/v1/scratch" && fstrim "$M/v1" 2>"$T/err" &&
		ok "fstrim on a mounted volume" || bad "fstrim"
	expect "vmdk-prepare accepts a volume vmdk-mount mounted" "$BIN/vmdk-prepare" -q "$M/v2"
	expect "vmdk-mount -d of one volume" "$BIN/vmdk-mount" -d "$M/v1"
	expect "vmdk-mount -k of the rest of the disk" "$BIN/vmdk-mount" -k "$d"
	[ -z "$("$BIN/vmdk-mount" -q -L)" ] && ! findmnt "$M/v2" >/dev/null && [ -z "$(ls "$M/run")" ] &&
		ok "nothing left mounted or recorded" || bad "left: $("$BIN/vmdk-mount" -L) $(ls "$M/run")"
	"$BIN/vmdk-check" "$d" >"$T/out" 2>&1 && ! "$BIN/vmdk-info" "$d" | grep -q Unclean &&
		ok "the disk checks and is clean after the unmount" || bad "check after unmount: $(cat "$T/out")"
	before=$(stat -c %s "$d")
	expect "vmdk-shrink after the trim" "$BIN/vmdk-shrink" -q "$d"
	[ "$(stat -c %s "$d")" -lt $((before - 40000000)) ] && ok "the trimmed space was given back" ||
		bad "file $before -> $(stat -c %s "$d") bytes after trim and shrink"
	expect "clone to streamOptimized" "$BIN/vmdk-clone" -q -t 5 "$d" "$M/s.vmdk"
	expect_exit 1 "read-only (-r)" "a stream is refused for writing" "$BIN/vmdk-mount" "$M/s.vmdk" 1 "$M/v1"
	expect "mount the stream's partitions read-only" sh -c "'$BIN/vmdk-mount' -r '$M/s.vmdk' 1 '$M/v1' && '$BIN/vmdk-mount' -r '$M/s.vmdk' 2 '$M/v2'"
	[ "$(tree "$M/v1")" = "$want" ] && [ "$(tree "$M/v2")" = "$want" ] &&
		ok "the stream holds the same files, byte for byte" || bad "files differ in the stream"
	touch "$M/v1/x" 2>/dev/null && bad "a read-only mount took a write" || ok "a read-only mount takes no write"
	expect "unmount the stream" "$BIN/vmdk-mount" -k "$M/s.vmdk"
	qemu-img convert -O raw "$M/s.vmdk" "$M/q.raw" 2>"$T/err" &&
		l1=$(loopdev "$M/q.raw" 2048 1228800) && mount -o ro "$l1" "$M/q" &&
		[ "$(tree "$M/q")" = "$want" ] && ok "qemu-img's reading of the stream holds the same files (ext4)" ||
		bad "qemu-img + loop mount of the stream"
	umount "$M/q" 2>/dev/null; losetup -d "$l1" 2>/dev/null
	l1=$(loopdev "$M/q.raw" 1230848 2961375) && mount -o ro "$l1" "$M/q" &&
		[ "$(tree "$M/q")" = "$want" ] && ok "and the same files in its xfs partition" ||
		bad "qemu-img + loop mount of the stream's xfs"
	umount "$M/q" 2>/dev/null; losetup -d "$l1" 2>/dev/null; rm -f "$M/q.raw"

	# --- an MBR disk: vfat, logical partitions, swap, LVM ---
	d=$M/m.vmdk
	"$BIN/vmdk-create" -q -s 600M -t 1 "$d"
	"$BIN/vmdk-mount" -f "$d" "$M/f" &&
		printf 'label: dos\nsize=100M, type=c\ntype=5\nsize=60M, type=82\nsize=80M, type=8e\n type=83\n' |
		sfdisk -q "$M/f/flat" >/dev/null 2>&1 && ok "an MBR with logical partitions" || bad "sfdisk MBR"
	sfdisk -d "$M/f/flat" > "$T/mbr"
	start() { sed -n "s|^.*flat$1 : start= *\([0-9]*\), size= *\([0-9]*\).*|\1 \2|p" "$T/mbr"; }
	l1=$(loopdev "$M/f/flat" $(start 1)) && mkfs.vfat -n PROV "$l1" >/dev/null && losetup -d "$l1" &&
		l1=$(loopdev "$M/f/flat" $(start 5)) && mkswap -L sw "$l1" >/dev/null && losetup -d "$l1" &&
		l1=$(loopdev "$M/f/flat" $(start 7)) && mkfs.ext4 -q -L logical "$l1" && losetup -d "$l1" &&
		ok "vfat, swap and ext4 made" || bad "mkfs on the MBR disk"
	pv=None
	if command -v pvcreate >/dev/null 2>&1; then
		l1=$(loopdev "$M/f/flat" $(start 6)) && pvcreate -q -ff -y "$l1" >/dev/null 2>&1 && pv=1
		losetup -d "$l1"
	fi
	"$BIN/vmdk-mount" -d "$M/f"
	"$BIN/vmdk-info" --json "$d" | python3 -c '
import json, sys
v = json.load(sys.stdin)["volumes"]
p = {x["number"]: x for x in v["partitions"]}
assert v["partitionTable"] == "dos" and sorted(p) == [1, 2, 5, 6, 7], sorted(p)
assert p[2]["kind"] == "extended" and p[5]["kind"] == "logical", p
assert p[1]["content"]["type"] == "vfat" and p[1]["content"]["label"] == "PROV", p[1]
assert p[5]["content"]["type"] == "swap" and p[7]["content"]["type"] == "ext4", p
assert '"$pv"' is None or p[6]["content"]["type"] == "LVM2_member", p[6]
' 2>"$T/err" && ok "MBR: extended, logical, vfat, swap, ext4, an LVM PV listed" || bad "MBR volumes"
	[ "$pv" = None ] || expect_exit 1 "holds LVM2_member" "an LVM physical volume is not mounted" \
		"$BIN/vmdk-mount" "$d" 6 "$M/v1"
	expect_exit 1 "holds swap" "a swap partition is not mounted" "$BIN/vmdk-mount" "$d" 5 "$M/v1"
	expect_exit 1 "no partition 9" "a partition that does not exist" "$BIN/vmdk-mount" "$d" 9 "$M/v1"
	# vfat through mtools (no kernel driver needed), the kernel's mount
	# of it where this kernel has vfat.
	mtree() { mdir -/ -b -i "$1@@$(($2 * 512))" ::/ 2>/dev/null | grep -v '/$' | sed 's|^::/|./|' | LC_ALL=C sort |
		while read -r f; do printf '%s  %s\n' "$(mtype -i "$1@@$(($2 * 512))" "::/${f#./}" | sha)" "$f"; done; }
	vstart=$(start 1 | cut -d' ' -f1)
	"$BIN/vmdk-mount" -f "$d" "$M/f" && mcopy -s -i "$M/f/flat@@$((vstart * 512))" "$M/src/a" "$M/src/hello" ::/ &&
		"$BIN/vmdk-mount" -d "$M/f" && ok "files copied to vfat through the flat file (mtools)" || bad "mcopy to vfat"
	expect "mount a logical partition" "$BIN/vmdk-mount" "$d" 7 "$M/v2"
	cp -a "$M/src/." "$M/v2/" && sync && ok "files copied to the logical ext4" || bad "copy to ext4"
	expect "unmount the MBR disk" "$BIN/vmdk-mount" -k "$d"
	expect "MBR disk checks" "$BIN/vmdk-check" -q "$d"
	"$BIN/vmdk-clone" -q -t 5 "$d" "$M/ms.vmdk"
	"$BIN/vmdk-mount" -r "$M/ms.vmdk" 7 "$M/v2" && [ "$(tree "$M/v2")" = "$want" ] &&
		ok "the logical partition's files in the stream" || bad "logical ext4 files in the stream"
	"$BIN/vmdk-mount" -q -d "$M/v2"
	"$BIN/vmdk-mount" -r -f "$M/ms.vmdk" "$M/f" && [ "$(mtree "$M/f/flat" "$vstart")" = "$(mtree_want)" ] &&
		ok "the vfat files in the stream (read through vmdk-mount -f -r)" || bad "vfat files in the stream"
	"$BIN/vmdk-mount" -q -d "$M/f"
	qemu-img convert -O raw "$M/ms.vmdk" "$M/q.raw" 2>"$T/err" &&
		[ "$(mtree "$M/q.raw" "$vstart")" = "$(mtree_want)" ] &&
		ok "qemu-img's reading of the vfat stream holds the same files" || bad "qemu-img + mtools of the vfat stream"
	if grep -qw vfat /proc/filesystems; then
		"$BIN/vmdk-mount" -r "$M/ms.vmdk" 1 "$M/v1" && [ "$(tree "$M/v1")" = "$want" ] &&
			ok "the kernel mounts the vfat partition of the stream" || bad "kernel vfat mount"
		"$BIN/vmdk-mount" -q -d "$M/v1"
	else
		echo "skipped: the kernel's vfat mount (no vfat driver in this kernel; vfat read with mtools)"
	fi
	umount "$M/q" 2>/dev/null; losetup -d "$l1" 2>/dev/null; rm -f "$M/q.raw" "$M"/ms*.vmdk "$M"/m*.vmdk

	# --- whole-disk filesystems, an empty disk, a damaged GPT, a chain ---
	truncate -s 64M "$M/w.raw" && mkfs.ext4 -q -L whole "$M/w.raw" &&
		qemu-img convert -O vmdk "$M/w.raw" "$M/w.vmdk" && rm "$M/w.raw"
	"$BIN/vmdk-info" "$M/w.vmdk" | grep -q 'no partition table; whole disk: ext4.*label "whole"' &&
		ok "an unpartitioned ext4 (qemu-made) is the whole disk's volume" || bad "whole-disk ext4"
	expect "mount the whole-disk volume" "$BIN/vmdk-mount" "$M/w.vmdk" "$M/v1"
	echo data > "$M/v1/in-child" 2>/dev/null; expect "unmount it" "$BIN/vmdk-mount" -d "$M/v1"
	"$BIN/vmdk-child" create -q "$M/w.vmdk" "$M/wc.vmdk"
	sum=$(sha256sum < "$M/w.vmdk")
	"$BIN/vmdk-mount" "$M/wc.vmdk" "$M/v1" && echo child > "$M/v1/child-only" && "$BIN/vmdk-mount" -d "$M/v1" &&
		[ "$(sha256sum < "$M/w.vmdk")" = "$sum" ] && ok "a child's mount writes the child, not its parent" ||
		bad "mount of a child"
	"$BIN/vmdk-mount" -r "$M/wc.vmdk" "$M/v1" && [ "$(cat "$M/v1/child-only")" = child ] &&
		[ "$(cat "$M/v1/in-child")" = data ] && ok "the chain reads both links' files" || bad "reading the chain"
	"$BIN/vmdk-mount" -q -d "$M/v1"
	"$BIN/vmdk-create" -q -s 64M "$M/e.vmdk"
	"$BIN/vmdk-info" "$M/e.vmdk" | grep -q 'Volumes: *none (no partition' && ok "an empty disk has no volume" ||
		bad "empty disk: $("$BIN/vmdk-info" "$M/e.vmdk" | grep Volumes)"
	expect_exit 1 "no filesystem" "an empty disk is not mounted" "$BIN/vmdk-mount" "$M/e.vmdk" "$M/v1"
	truncate -s 64M "$M/p.raw" && printf 'label: gpt\n type=L\n' | sfdisk -q "$M/p.raw" &&
		dd if=/dev/zero of="$M/p.raw" bs=512 seek=1 count=1 conv=notrunc status=none &&
		dd if=/dev/zero of="$M/p.raw" bs=512 seek=131071 count=1 conv=notrunc status=none &&
		qemu-img convert -O vmdk "$M/p.raw" "$M/p.vmdk"
	"$BIN/vmdk-info" "$M/p.vmdk" >"$T/out" 2>"$T/err" && grep -q 'problem: a protective MBR' "$T/out" &&
		ok "a GPT with both headers gone is reported, not an error" || bad "damaged GPT: $(cat "$T/out")"
	rm -f "$M"/w*.vmdk "$M"/e.vmdk "$M"/p.*

	# --- kill -9 of a writable mount's daemon ---
	for delay in 0.3 1; do
		d=$M/k.vmdk
		rm -f "$d"
		"$BIN/vmdk-create" -q -s 256M "$d"
		"$BIN/vmdk-mount" -f "$d" "$M/f" && l1=$(losetup -f --show "$M/f/flat") &&
			mkfs.ext4 -q "$l1" && losetup -d "$l1"; "$BIN/vmdk-mount" -q -d "$M/f"
		"$BIN/vmdk-mount" "$d" "$M/v1"
		: > "$M/synced"
		( i=0; while [ $i -lt 400 ]; do
			head -c 200000 "$M/src/a/random.bin" > "$M/v1/f$i" 2>/dev/null &&
				sync "$M/v1/f$i" 2>/dev/null && echo "f$i" >> "$M/synced" || break
			i=$((i + 1)); done ) 2>/dev/null &
		writer=$!
		sleep $delay
		pid=$(sed -n 's/^pid //p' "$M"/run/mount-*/info | head -1)
		kill -9 "$pid"
		wait $writer
		"$BIN/vmdk-mount" -q -d "$M/v1" 2>/dev/null
		[ -z "$("$BIN/vmdk-mount" -q -L)" ] && ! findmnt "$M/v1" >/dev/null &&
			ok "killed at ${delay}s: vmdk-mount -d cleans up" || bad "after kill: $("$BIN/vmdk-mount" -L)"
		"$BIN/vmdk-check" "$d" >"$T/out" 2>&1 &&
			ok "killed at ${delay}s: the disk checks" || bad "killed at ${delay}s: $(cat "$T/out")"
		want_one=$(head -c 200000 "$M/src/a/random.bin" | sha)
		lost=0
		# Mounted writable: ext4 replays its journal, as after a crash.
		if "$BIN/vmdk-mount" "$d" "$M/v1"; then
			while read -r f; do
				[ "$(sha < "$M/v1/$f" 2>/dev/null)" = "$want_one" ] || lost=$((lost + 1))
			done < "$M/synced"
			"$BIN/vmdk-mount" -q -d "$M/v1"
		else
			lost=all
		fi
		[ "$lost" = 0 ] && [ -s "$M/synced" ] && ok "killed at ${delay}s: all $(wc -l < "$M/synced") fsynced files are there" ||
			bad "killed at ${delay}s: $lost of $(wc -l < "$M/synced") fsynced files lost"
	done

	# --- refusals ---
	# An ext4 whose block size field the kernel refuses (libblkid still
	# sees ext4): refused, nothing left mounted or recorded.
	truncate -s 64M "$M/x.raw" && mkfs.ext4 -q "$M/x.raw" &&
		printf '\040' | dd of="$M/x.raw" bs=1 seek=1048 conv=notrunc status=none &&
		qemu-img convert -O vmdk "$M/x.raw" "$M/x.vmdk"
	expect_exit 1 "the kernel cannot mount the ext4 filesystem" "a filesystem the kernel refuses" \
		"$BIN/vmdk-mount" "$M/x.vmdk" "$M/v1"
	[ -z "$("$BIN/vmdk-mount" -q -L)" ] && [ -z "$(ls "$M/run")" ] && ! findmnt "$M/v1" >/dev/null &&
		! "$BIN/vmdk-info" "$M/x.vmdk" | grep -q Unclean &&
		ok "nothing left mounted, recorded or marked unclean" || bad "after a refused mount: $(ls "$M/run")"
	if command -v unshare >/dev/null 2>&1; then
		expect_exit 1 "FUSE mount failed" "no usable /dev/fuse: says what is needed" \
			unshare -m sh -c "mount --bind /dev/null /dev/fuse && '$BIN/vmdk-mount' -f '$M/x.vmdk' '$M/f'"
		[ -z "$(ls "$M/run")" ] && ok "nothing recorded after it" || bad "left: $(ls "$M/run")"
	fi
	rm -f "$M"/x.*
	# A damaged disk (cut short: its tables name grains past the end) is
	# not mounted for writing; nothing of it changes.
	"$BIN/vmdk-create" -q -s 64M "$M/y.vmdk" && "$BIN/vmdk-fill" -q -c 4096 --val 7 "$M/y.vmdk" &&
		head -c 200000 "$M/y.vmdk" > "$M/cut.vmdk" && sum=$(sha256sum < "$M/cut.vmdk")
	expect_exit 1 "damaged (vmdk-check finds" "a damaged disk is not mounted for writing" \
		"$BIN/vmdk-mount" -f "$M/cut.vmdk" "$M/f"
	[ "$(sha256sum < "$M/cut.vmdk")" = "$sum" ] && [ -z "$(ls "$M/run")" ] && [ ! -e "$M/cut.vmdk.lck" ] &&
		ok "nothing of it changed" || bad "the damaged disk changed"
	rm -f "$M/y.vmdk" "$M/cut.vmdk"
	"$BIN/vmdk-create" -q -s 64M "$M/r.vmdk"
	expect_exit 1 "needs root" "a user cannot mount a volume" \
		setpriv --reuid=65534 --regid=65534 --clear-groups "$BIN/vmdk-mount" "$M/r.vmdk" /tmp
	expect_exit 1 "not mounted by vmdk-mount" "-d of a directory not ours" "$BIN/vmdk-mount" -d "$M/q"
	expect_exit 2 "do not go together" "-f and -d together" "$BIN/vmdk-mount" -f -d "$M/r.vmdk"
	expect_exit 1 "not a directory" "a mount point that is a file" "$BIN/vmdk-mount" -f "$M/r.vmdk" "$M/r.vmdk"
	cleanup_mounts
	unset VMDK_MOUNT_RUNDIR
fi
