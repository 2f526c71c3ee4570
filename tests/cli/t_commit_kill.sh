# SPDX-License-Identifier: MIT
# t_commit_kill.sh --- a commit killed at every write it makes: the
# committed child reads as before (or says its commit was cut short, and
# running the commit again finishes it), and a second child of the same
# parent either reads as before or refuses to open: it never reads
# changed data unawares.  strace's fault injection is the killer.
# Sourced by run.sh.

K=$T/commitkill
mkdir -p "$K"
if ! can_inject; then
	echo "skipped: strace cannot inject faults here"
else

# view DISK: what the chain reads, or "refused" when it does not open.
view() { "$BIN/vmdk-dump" --raw "$1" 2>/dev/null | sha || true; }

# One layout per run: child type 0 (monolithic, descriptor inside) and
# 1 (descriptor file beside its extents).
for ctype in 0 1; do
	rm -rf "$K/g"
	mkdir "$K/g"
	"$BIN/vmdk-create" -q -s 8M "$K/g/base.vmdk"
	"$BIN/vmdk-fill" -q --val 0x11 "$K/g/base.vmdk"
	"$BIN/vmdk-child" create -q -t $ctype "$K/g/base.vmdk" "$K/g/c1.vmdk"
	"$BIN/vmdk-child" create -q -t $ctype "$K/g/base.vmdk" "$K/g/sib.vmdk"
	"$BIN/vmdk-fill" -q -s 100 -c 3000 --val 0x22 "$K/g/c1.vmdk"
	"$BIN/vmdk-fill" -q -s 5000 -c 2000 --val 0x33 "$K/g/c1.vmdk"
	"$BIN/vmdk-fill" -q -s 9000 -c 100 --val 0x44 "$K/g/sib.vmdk"
	c1=$(view "$K/g/c1.vmdk")
	sib=$(view "$K/g/sib.vmdk")
	rm -rf "$K/w"
	cp -a "$K/g" "$K/w"
	trace -f -o "$K/trace" -e trace=pwrite64,write,rename,renameat,renameat2 \
		"$BIN/vmdk-child" commit -q "$K/w/c1.vmdk"
	total=$(grep -cE 'pwrite64\(|[^a-z]write\(|rename' "$K/trace")
	bad_sib=0 bad_c1=0 bad_rerun=0 points=0
	n=1
	while [ "$n" -le "$total" ]; do
		rm -rf "$K/w"
		cp -a "$K/g" "$K/w"
		trace -f -o /dev/null -e trace=pwrite64 \
			-e inject=pwrite64:signal=KILL:when=$n \
			"$BIN/vmdk-child" commit -q "$K/w/c1.vmdk" >/dev/null 2>&1
		points=$((points + 1))
		# The sibling: as before, or refused with the reason.
		now=$("$BIN/vmdk-dump" --raw "$K/w/sib.vmdk" 2>"$T/err" | sha)
		if [ "$now" != "$sib" ] && ! grep -q "changed since the child" "$T/err"; then
			bad_sib=$((bad_sib + 1))
			echo "    kill at write $n: sibling reads changed data"
		fi
		if [ "$now" != "$sib" ] &&
		   "$BIN/vmdk-check" -q -e "$K/w/sib.vmdk" 2>/dev/null; then
			bad_sib=$((bad_sib + 1))
			echo "    kill at write $n: vmdk-check -e calls the sibling consistent"
		fi
		# The committed child reads as before.
		if [ "$(view "$K/w/c1.vmdk")" != "$c1" ]; then
			bad_c1=$((bad_c1 + 1))
			echo "    kill at write $n: the child does not read as before"
		fi
		# Running the commit again finishes it.
		if ! "$BIN/vmdk-child" commit -q "$K/w/c1.vmdk" 2>"$T/err" ||
		   [ "$(view "$K/w/c1.vmdk")" != "$c1" ] ||
		   [ "$(view "$K/w/base.vmdk")" != "$c1" ] ||
		   ! "$BIN/vmdk-check" -q -e "$K/w/c1.vmdk"; then
			bad_rerun=$((bad_rerun + 1))
			echo "    kill at write $n: commit again did not finish: $(head -1 "$T/err")"
		fi
		n=$((n + 1))
	done
	[ $bad_sib -eq 0 ] && ok "type $ctype: sibling never reads changed data ($points kill points)" ||
		bad "type $ctype: sibling read changed data at $bad_sib kill points"
	[ $bad_c1 -eq 0 ] && ok "type $ctype: committed child reads as before ($points kill points)" ||
		bad "type $ctype: child changed at $bad_c1 kill points"
	[ $bad_rerun -eq 0 ] && ok "type $ctype: commit again finishes ($points kill points)" ||
		bad "type $ctype: rerun failed at $bad_rerun kill points"
done
# Cut short before the end: vmdk-check -e says so and what to do.
rm -rf "$K/w"
cp -a "$K/g" "$K/w"
trace -f -o /dev/null -e trace=pwrite64 -e inject=pwrite64:signal=KILL:when=6 \
	"$BIN/vmdk-child" commit -q "$K/w/c1.vmdk" >/dev/null 2>&1
"$BIN/vmdk-check" -e "$K/w/c1.vmdk" >"$T/out" 2>&1
grep -q "cut short" "$T/out" && ok "vmdk-check -e reports a commit cut short" ||
	bad "vmdk-check -e says nothing of a commit cut short: $(head -2 "$T/out")"
fi
