# SPDX-License-Identifier: MIT
# t_prepare.sh --- vmdk-prepare on a small tmpfs (skipped where mounting
# is not allowed): it fills the free space, gives it back, and leaves the
# same entries; interrupted or killed, the same.  Sourced by run.sh.

M=$T/mnt
mkdir -p "$M"
# state: what must not change (free blocks and the entries).
state() { echo "$(stat -f -c '%f' "$M") $(ls -A "$M" | tr '\n' ' ')"; }
if mount -t tmpfs -o size=16m tmpfs "$M" 2>/dev/null; then
	echo data > "$M/kept"
	mkdir "$M/dir"
	before=$(state)
	expect "prepare fills and gives back" "$BIN/vmdk-prepare" "$M"
	grep -q "of free space zeroed and given back" "$T/out" && ok "prepare says what it did" ||
		bad "prepare output: $(cat "$T/out")"
	grep -q "1[56].* MiB" "$T/out" && ok "prepare zeroed the whole free space" ||
		bad "prepare zeroed: $(cat "$T/out")"
	[ "$(state)" = "$before" ] && ok "prepare leaves the filesystem as it was" ||
		bad "prepare left: $(state) (was $before)"
	if command -v strace >/dev/null 2>&1; then
		strace -o /dev/null -e inject=write:signal=INT:when=4 "$BIN/vmdk-prepare" -q "$M" \
			>/dev/null 2>"$T/err"
		rc=$?
		[ "$rc" -eq 130 ] && grep -q "stopped; the space is given back" "$T/err" &&
			ok "prepare stops on Ctrl-C" || bad "prepare on SIGINT: exit $rc"
		[ "$(state)" = "$before" ] && ok "an interrupted prepare leaves nothing" ||
			bad "after SIGINT: $(state)"
		strace -o /dev/null -e inject=write:signal=KILL:when=6 "$BIN/vmdk-prepare" -q "$M" \
			>/dev/null 2>&1
		[ "$(state)" = "$before" ] && ok "a killed prepare leaves nothing" ||
			bad "after SIGKILL: $(state)"
	fi
	mount -o remount,ro "$M" 2>/dev/null &&
		expect_exit 1 "read-only" "prepare refuses a read-only filesystem" \
			"$BIN/vmdk-prepare" "$M"
	umount "$M"
else
	echo "skipped: vmdk-prepare on a tmpfs (mounting not allowed here)"
fi
expect_exit 1 "not a directory" "prepare wants a directory" "$BIN/vmdk-prepare" "$T/err"
expect_exit 1 "No such file" "prepare of nothing" "$BIN/vmdk-prepare" "$T/none"
expect_exit 2 "expected one mount point" "prepare needs a mount point" "$BIN/vmdk-prepare"
rmdir "$M"
