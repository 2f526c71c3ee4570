# SPDX-License-Identifier: MIT
# t_overwrite_kill.sh --- vmdk-clone -f over a disk of several files,
# killed at every write, rename, link and unlink it makes: the name reads
# as the old disk or the new one, whole, to us and to qemu-img; never
# extents of both.  Running the clone again finishes it, and the next
# clone in the directory leaves no spare name behind.  strace's fault
# injection is the killer.  Sourced by run.sh.

O=$T/overwritekill
mkdir -p "$O"
if ! can_inject; then
	echo "skipped: strace cannot inject faults here"
else

# A twoGbMaxExtentSparse disk of two extents, its first and last MiB
# filled with @2: the old disk holds 0x11, the new one 0x22.
two_extents() {
	"$BIN/vmdk-create" -q -t 1 -s 3G "$1"
	"$BIN/vmdk-fill" -q --val "$2" -c 2048 "$1"
	"$BIN/vmdk-fill" -q -s 6289408 --val "$2" -c 2048 "$1"
}
# regions DISK: what we read of the two filled MiB, as a checksum.
regions() {
	{ "$BIN/vmdk-dump" --raw -c 2048 "$1" &&
	  "$BIN/vmdk-dump" --raw -s 6289408 -c 2048 "$1"; } 2>/dev/null | sha
}
# qemu_reads DISK VALUE: qemu-img's reader finds VALUE in both.
qemu_reads() {
	out=$(qemu-io -r -f vmdk -c "read -P $2 0 1M" -c "read -P $2 3220176896 1M" "$1" 2>&1) &&
		! printf '%s' "$out" | grep -qi "fail\|error\|could not"
}
# seen DISK: "old" or "new" when we and qemu-img agree on it, else what.
seen() {
	r=$(regions "$1")
	if [ "$r" = "$old_sum" ] && qemu_reads "$1" 0x11; then
		echo old
	elif [ "$r" = "$new_sum" ] && qemu_reads "$1" 0x22; then
		echo new
	else
		echo "neither (ours $( [ "$r" = "$old_sum" ] && echo old || { [ "$r" = "$new_sum" ] && echo new || echo other; }))"
	fi
}

rm -rf "$O/g"
mkdir "$O/g"
two_extents "$O/g/d.vmdk" 0x11
two_extents "$O/g/src.vmdk" 0x22
old_sum=$(regions "$O/g/d.vmdk")
new_sum=$(regions "$O/g/src.vmdk")
[ "$(seen "$O/g/d.vmdk")" = old ] && ok "overwrite kill: the old disk reads as old" ||
	bad "overwrite kill: the old disk reads as $(seen "$O/g/d.vmdk")"
rm -rf "$O/w"
cp -a "$O/g" "$O/w"
trace -f -o "$O/trace" -e trace=pwrite64,write,rename,renameat,renameat2,link,linkat,unlink,unlinkat \
	"$BIN/vmdk-clone" -q -f -t 1 "$O/w/src.vmdk" "$O/w/d.vmdk"
[ "$(seen "$O/w/d.vmdk")" = new ] && ok "overwrite kill: the clone makes the new disk" ||
	bad "overwrite kill: the untraced clone reads as $(seen "$O/w/d.vmdk")"
mixed=0 rerun=0 spares=0 points=0
for call in pwrite64 write rename link unlink; do
	total=$(grep -cE "(^|[^a-z])$call(at|at2)?\(" "$O/trace")
	n=1
	while [ "$n" -le "$total" ]; do
		rm -rf "$O/w"
		cp -a "$O/g" "$O/w"
		inject=$call
		case $call in rename) inject=rename,renameat,renameat2 ;; link) inject=link,linkat ;;
			      unlink) inject=unlink,unlinkat ;; esac
		trace -f -o /dev/null -e trace=$inject -e inject=$inject:signal=KILL:when=$n \
			"$BIN/vmdk-clone" -q -f -t 1 "$O/w/src.vmdk" "$O/w/d.vmdk" >/dev/null 2>&1
		points=$((points + 1))
		now=$(seen "$O/w/d.vmdk")
		if [ "$now" != old ] && [ "$now" != new ]; then
			mixed=$((mixed + 1))
			echo "    kill at $call $n: the disk reads as $now"
		fi
		# Again, once the killed writer's stage is old enough to sweep.
		find "$O/w" -name '.vmdk-partial-*' -exec touch -d '1 hour ago' {} +
		"$BIN/vmdk-clone" -q -f -t 1 "$O/w/src.vmdk" "$O/w/d.vmdk" >/dev/null 2>&1
		if [ "$(seen "$O/w/d.vmdk")" != new ]; then
			rerun=$((rerun + 1))
			echo "    kill at $call $n: the clone run again reads as $(seen "$O/w/d.vmdk")"
		fi
		"$BIN/vmdk-create" -q -s 1M "$O/w/next.vmdk"
		if ls -A "$O/w" | grep -q '^\.vmdk-'; then
			spares=$((spares + 1))
			echo "    kill at $call $n: left $(ls -A "$O/w" | grep '^\.vmdk-' | tr '\n' ' ')"
		fi
		n=$((n + 1))
	done
done
[ "$points" -gt 20 ] && ok "overwrite kill: $points kill points" ||
	bad "overwrite kill: only $points kill points"
[ "$mixed" -eq 0 ] && ok "overwrite kill: old or new at every kill, to us and qemu-img" ||
	bad "overwrite kill: $mixed kills left a disk of both"
[ "$rerun" -eq 0 ] && ok "overwrite kill: the clone run again finishes" ||
	bad "overwrite kill: $rerun reruns did not make the new disk"
[ "$spares" -eq 0 ] && ok "overwrite kill: nothing hidden is left after the next clone" ||
	bad "overwrite kill: $spares runs left hidden files"

fi
