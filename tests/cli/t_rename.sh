# SPDX-License-Identifier: MIT
# t_rename.sh --- vmdk-rename across directories (the parent hint follows
# the disk), names a descriptor cannot hold, and a rename killed at every
# step: exactly one disk afterwards, and the same command run again
# finishes it, leaving nothing behind.  Sourced by run.sh.

R=$T/rename
mkdir -p "$R"

# A chain: base in $R/g, a child beside it; renamed into a subdirectory.
setup() {
	rm -rf "$R/g"
	mkdir -p "$R/g/other/sub"
	"$BIN/vmdk-create" -q -s 4M -t 1 "$R/g/base.vmdk"
	"$BIN/vmdk-fill" -q --val 0x5a "$R/g/base.vmdk"
	"$BIN/vmdk-child" create -q -t "$1" "$R/g/base.vmdk" "$R/g/c.vmdk"
	"$BIN/vmdk-fill" -q -s 10 -c 500 --val 0x6b "$R/g/c.vmdk"
}

for ctype in 0 1; do
	setup $ctype
	want=$("$BIN/vmdk-dump" --raw "$R/g/c.vmdk" | sha)
	expect "type $ctype: rename into another directory" \
		"$BIN/vmdk-rename" -q "$R/g/c.vmdk" "$R/g/other/sub/c2.vmdk"
	[ "$("$BIN/vmdk-dump" --raw "$R/g/other/sub/c2.vmdk" 2>"$T/err" | sha)" = "$want" ] &&
		ok "type $ctype: the renamed child finds its parent" ||
		bad "type $ctype: the renamed child lost its parent"
	same_content "type $ctype: three readers agree on the moved child" "$R/g/other/sub/c2.vmdk"
	[ -z "$(ls "$R/g" | grep -v '^base\|^other$')" ] &&
		[ "$(ls "$R/g/other/sub" | grep -c .)" -eq $((ctype == 0 ? 1 : 2)) ] &&
		ok "type $ctype: only the new names are left" ||
		bad "type $ctype: files left: $(ls "$R/g" "$R/g/other/sub" | tr '\n' ' ')"
done

for bad_name in 'q"x.vmdk' "$(printf 'tab\tx.vmdk')"; do
	setup 1
	expect_exit 1 "quotes or control characters" "rename refuses a name the descriptor cannot hold" \
		"$BIN/vmdk-rename" "$R/g/c.vmdk" "$R/g/$bad_name"
	expect_exit 1 "quotes or control characters" "create refuses a name the descriptor cannot hold" \
		"$BIN/vmdk-create" -q -s 1M "$R/g/$bad_name"
	expect_exit 1 "quotes or control characters" "clone refuses a name the descriptor cannot hold" \
		"$BIN/vmdk-clone" -q "$R/g/base.vmdk" "$R/g/$bad_name"
	expect_exit 1 "quotes or control characters" "child create refuses a name the descriptor cannot hold" \
		"$BIN/vmdk-child" create -q "$R/g/base.vmdk" "$R/g/$bad_name"
	[ ! -e "$R/g/$bad_name" ] && ok "no file with that name made" || bad "a file was made"
done

# opens DISK: 1 when the disk opens with the content wanted.
opens() { [ -e "$1" ] && [ "$("$BIN/vmdk-dump" --raw "$1" 2>/dev/null | sha)" = "$want" ]; }

if ! can_inject; then
	echo "skipped: strace cannot inject faults here"
else
for ctype in 0 1; do
	for dest in same other; do
		setup $ctype
		want=$("$BIN/vmdk-dump" --raw "$R/g/c.vmdk" | sha)
		rm -rf "$R/pristine"
		cp -a "$R/g" "$R/pristine"
		to=$R/g/c2.vmdk
		[ $dest = other ] && to=$R/g/other/sub/c2.vmdk
		trace -f -o "$R/trace" -e trace=pwrite64,link,rename,renameat2,unlink \
			"$BIN/vmdk-rename" -q "$R/g/c.vmdk" "$to"
		fails=0 points=0
		for call in pwrite64 link rename renameat2 unlink; do
			total=$(grep -c "^[0-9]* *$call(" "$R/trace")
			n=1
			while [ "$n" -le "$total" ]; do
				rm -rf "$R/g"
				cp -a "$R/pristine" "$R/g"
				trace -f -o /dev/null -e trace=$call \
					-e inject=$call:signal=KILL:when=$n \
					"$BIN/vmdk-rename" -q "$R/g/c.vmdk" "$to" >/dev/null 2>&1
				points=$((points + 1))
				old=0 new=0
				opens "$R/g/c.vmdk" && old=1
				[ -e "$to" ] && "$BIN/vmdk-info" -q --single-link "$to" 2>/dev/null && new=1
				if [ $((old + new)) -ne 1 ]; then
					fails=$((fails + 1))
					echo "    $call #$n: $old old and $new new disks"
				fi
				# Run again: it finishes a rename cut short (one
				# already whole is refused, as it exists).
				"$BIN/vmdk-rename" -q "$R/g/c.vmdk" "$to" 2>"$T/err"
				if ! opens "$to" || [ -e "$R/g/c.vmdk" ] ||
				   [ -n "$(find "$R/g" -name '*.tmp??????' -o -name 'c.vmdk' -o -name 'c-s*.vmdk' | head -1)" ] ||
				   [ "$(find "$R/g" -name 'c2*' | grep -c .)" -ne $((ctype == 0 ? 1 : 2)) ]; then
					fails=$((fails + 1))
					echo "    $call #$n: rename again did not finish: $(head -1 "$T/err") $(find "$R/g" -type f | sed "s|$R/g/||" | tr '\n' ' ')"
				fi
				n=$((n + 1))
			done
		done
		[ $fails -eq 0 ] && ok "type $ctype, $dest directory: one disk at every one of $points kill points, a second run finishes" ||
			bad "type $ctype, $dest directory: $fails failures over $points kill points"
	done
done
fi
