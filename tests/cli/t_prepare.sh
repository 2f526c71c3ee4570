# SPDX-License-Identifier: MIT
# t_prepare.sh --- vmdk-prepare takes only the mount point of a virtual
# disk's filesystem: a plain directory, the root filesystem and a tmpfs
# are refused.  On a small tmpfs with --force (skipped where mounting is
# not allowed): it fills the free space, gives it back, and leaves the
# same entries; interrupted or killed, the same.  On ext4 in a flat disk
# through a loop device: taken as it is, and a sparse copy of the disk
# then leaves the zeroed space out.  Sourced by run.sh.

M=$T/prepare-mnt	# (t_mount leaves files in $T/mnt)
mkdir -p "$M"
# state: what must not change (free blocks and the entries).
state() { echo "$(stat -f -c '%f' "$M") $(ls -A "$M" | tr '\n' ' ')"; }
if mount -t tmpfs -o size=16m tmpfs "$M" 2>/dev/null; then
	echo data > "$M/kept"
	mkdir "$M/dir"
	before=$(state)
	expect_exit 1 "tmpfs (tmpfs) is not on a virtual disk" "prepare refuses a tmpfs" \
		"$BIN/vmdk-prepare" "$M"
	[ "$(state)" = "$before" ] && ok "a refused prepare writes nothing" || bad "refused prepare wrote"
	expect_exit 1 "not a mount point" "prepare refuses a directory in a filesystem" \
		"$BIN/vmdk-prepare" "$M/dir"
	expect "prepare fills and gives back" "$BIN/vmdk-prepare" --force "$M"
	grep -q "of free space zeroed and given back" "$T/out" && ok "prepare says what it did" ||
		bad "prepare output: $(cat "$T/out")"
	grep -q "1[56].* MiB" "$T/out" && ok "prepare zeroed the whole free space" ||
		bad "prepare zeroed: $(cat "$T/out")"
	[ "$(state)" = "$before" ] && ok "prepare leaves the filesystem as it was" ||
		bad "prepare left: $(state) (was $before)"
	if command -v strace >/dev/null 2>&1; then
		strace -o /dev/null -e inject=write:signal=INT:when=4 "$BIN/vmdk-prepare" -q --force "$M" \
			>/dev/null 2>"$T/err"
		rc=$?
		[ "$rc" -eq 130 ] && grep -q "stopped; the space is given back" "$T/err" &&
			ok "prepare stops on Ctrl-C" || bad "prepare on SIGINT: exit $rc"
		[ "$(state)" = "$before" ] && ok "an interrupted prepare leaves nothing" ||
			bad "after SIGINT: $(state)"
		strace -o /dev/null -e inject=write:signal=KILL:when=6 "$BIN/vmdk-prepare" -q --force "$M" \
			>/dev/null 2>&1
		[ "$(state)" = "$before" ] && ok "a killed prepare leaves nothing" ||
			bad "after SIGKILL: $(state)"
	fi
	mount -o remount,ro "$M" 2>/dev/null &&
		expect_exit 1 "read-only" "prepare refuses a read-only filesystem" \
			"$BIN/vmdk-prepare" --force "$M"
	umount "$M"
else
	echo "skipped: vmdk-prepare on a tmpfs (mounting not allowed here)"
fi
expect_exit 1 "the root filesystem" "prepare refuses the root filesystem" "$BIN/vmdk-prepare" /
expect_exit 1 "not a mount point" "prepare refuses a plain directory (an unmounted /mnt/guest)" \
	"$BIN/vmdk-prepare" "$M"

# A virtual disk's own filesystem: ext4 in a flat disk, on a loop device.
if command -v mkfs.ext4 >/dev/null 2>&1 && command -v losetup >/dev/null 2>&1 &&
	"$BIN/vmdk-create" -q -s 64M -t monolithicFlat "$T/guest.vmdk" &&
	mkfs.ext4 -q -F "$T/guest-flat.vmdk" 2>/dev/null &&
	dev=$(losetup -f --show "$T/guest-flat.vmdk" 2>/dev/null); then
	if mount "$dev" "$M" 2>/dev/null; then
		head -c 20000000 /dev/urandom > "$M/junk"
		rm "$M/junk"
		expect "prepare takes a virtual disk's filesystem" "$BIN/vmdk-prepare" -v "$M"
		grep -q "ext4 on /dev/loop" "$T/err" && ok "prepare -v names the loop device" ||
			bad "prepare -v said: $(cat "$T/err")"
		umount "$M"
		"$BIN/vmdk-clone" -q -t 0 "$T/guest.vmdk" "$T/guest-sparse.vmdk"
		[ "$(stat -c %s "$T/guest-sparse.vmdk")" -lt 12000000 ] &&
			ok "the deleted file's blocks were zeroed (sparse copy $(stat -c %s "$T/guest-sparse.vmdk") bytes)" ||
			bad "sparse copy after prepare: $(stat -c %s "$T/guest-sparse.vmdk") bytes"
		rm -f "$T/guest-sparse.vmdk"
	else
		echo "skipped: vmdk-prepare on a loop mount (mounting not allowed here)"
	fi
	losetup -d "$dev"
else
	echo "skipped: vmdk-prepare on a loop device (none here)"
fi
expect_exit 1 "not a directory" "prepare wants a directory" "$BIN/vmdk-prepare" "$T/err"
expect_exit 1 "No such file" "prepare of nothing" "$BIN/vmdk-prepare" "$T/none"
expect_exit 2 "expected one mount point" "prepare needs a mount point" "$BIN/vmdk-prepare"
rmdir "$M"
