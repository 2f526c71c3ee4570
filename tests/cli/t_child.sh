# SPDX-License-Identifier: MIT
# t_child.sh --- vmdk-child: create, attach, commit; chains read by qemu-img
# and libyal as we read them.  Sourced by run.sh.

H=$T/child
mkdir -p "$H/sub"
head -c 2000000 /dev/urandom > "$H/r.bin"
"$BIN/vmdk-create" -q -s 16M "$H/base.vmdk"
"$BIN/vmdk-fill" -q -s 0 -f "$H/r.bin" "$H/base.vmdk"

# A 5-deep chain, each link writing a little, one of them split and in
# another directory.
prev=$H/base.vmdk
for i in 1 2 3 4 5; do
	case $i in 3) next=$H/sub/l$i.vmdk t=1 ;; *) next=$H/l$i.vmdk t=0 ;; esac
	expect "child $i created" "$BIN/vmdk-child" -q -t $t create "$prev" "$next"
	expect "child $i written" "$BIN/vmdk-fill" -q -s $((i * 1000 + 7)) -c 300 --val $i "$next"
	prev=$next
done
grep -q 'parentFileNameHint="../l2.vmdk"' "$H/sub/l3.vmdk" && ok "parent hint is relative" ||
	bad "parent hint: $(grep parentFile "$H/sub/l3.vmdk")"
"$BIN/vmdk-info" "$H/l5.vmdk" > "$T/out"
grep -q "Chain: *6 links" "$T/out" && ok "six links listed" || bad "chain length"
same_content "a 5-deep chain reads the same in all three readers" "$H/l5.vmdk"
expect "qemu-img check the chain" qemu-img check "$H/l5.vmdk"
qemu-img convert -O raw "$H/l5.vmdk" "$H/l5.raw"

# Attach to an older link: that generation reads as it was, later links
# are untouched.
qemu-img convert -O raw "$H/l2.vmdk" "$H/l2.raw"
expect "attach to link 2" "$BIN/vmdk-child" -q attach "$H/l2.vmdk" "$H/att.vmdk"
expect "attached child reads generation 2" qemu-img compare -q -f raw "$H/l2.raw" "$H/att.vmdk"
expect "write to the attached child" "$BIN/vmdk-fill" -q -s 0 -c 10 --val 0xee "$H/att.vmdk"
expect "later links untouched" qemu-img compare -q -f raw "$H/l5.raw" "$H/l5.vmdk"
expect "generation 2 itself untouched" qemu-img compare -q -f raw "$H/l2.raw" "$H/l2.vmdk"

# Commit the top into its parent: the parent then reads as the chain did.
expect "commit link 5 into link 4" "$BIN/vmdk-child" -q commit "$H/l5.vmdk"
expect "link 4 holds the merged content" qemu-img compare -q -f raw "$H/l5.raw" "$H/l4.vmdk"
expect "the committed child still reads the same" qemu-img compare -q -f raw "$H/l5.raw" "$H/l5.vmdk"
same_content "three readers agree after commit" "$H/l5.vmdk"
expect_exit 1 "not a child disk" "commit of a base disk" "$BIN/vmdk-child" commit "$H/base.vmdk"

# kill -9 during commit: the chain still reads as it did.
for delay in 0.01 0.03 0.06 0.1; do
	"$BIN/vmdk-create" -q -s 64M "$H/kb.vmdk"
	"$BIN/vmdk-child" -q create "$H/kb.vmdk" "$H/kc.vmdk"
	"$BIN/vmdk-fill" -q -s 1000 -c 100000 --val 0x77 "$H/kc.vmdk"
	want=$("$BIN/vmdk-dump" --raw "$H/kc.vmdk" | sha)
	"$BIN/vmdk-child" -q commit "$H/kc.vmdk" &
	pid=$!
	sleep $delay
	kill -9 $pid 2>/dev/null
	wait $pid 2>/dev/null
	got=$("$BIN/vmdk-dump" --raw "$H/kc.vmdk" 2>"$T/err" | sha)
	[ "$got" = "$want" ] && ok "chain reads the same after kill -9 in commit (${delay}s)" ||
		bad "chain after kill -9 in commit (${delay}s): $(cat "$T/err")"
	rm -f "$H"/kb.vmdk "$H"/kc.vmdk
done

# A parent changed under its child is reported, not read as a mix.
"$BIN/vmdk-fill" -q -s 0 -c 1 --val 1 "$H/l4.vmdk"
expect_exit 1 "changed since the child was created" "stale child detected" \
	"$BIN/vmdk-dump" -c 1 "$H/l5.vmdk"
expect_exit 1 "changed since the child was created" "commit refuses a stale child" \
	"$BIN/vmdk-child" commit "$H/l5.vmdk"
expect_exit 1 "already exists" "create refuses to overwrite" \
	"$BIN/vmdk-child" create "$H/base.vmdk" "$H/l1.vmdk"
expect_exit 2 "a child is type 0 or 1" "child type 5 refused" \
	"$BIN/vmdk-child" -t 5 create "$H/base.vmdk" "$H/x.vmdk"
expect_exit 1 "No such file" "child of nothing" \
	"$BIN/vmdk-child" create "$H/none.vmdk" "$H/x.vmdk"
[ ! -e "$H/x.vmdk" ] && ok "nothing made for a missing parent" || bad "made a child of nothing"
# Rebase: the child must read, in qemu-img and libyal, as the old chain
# did (qemu-img cannot rebase a VMDK itself: "Operation not supported").
R=$H/rb
mkdir -p "$R"
"$BIN/vmdk-create" -q -s 8M "$R/a.vmdk"
"$BIN/vmdk-fill" -q -f "$H/r.bin" "$R/a.vmdk"
"$BIN/vmdk-child" -q create "$R/a.vmdk" "$R/b.vmdk"
"$BIN/vmdk-fill" -q -s 1000 -c 100 --val 3 "$R/b.vmdk"
"$BIN/vmdk-child" -q create "$R/b.vmdk" "$R/c.vmdk"
"$BIN/vmdk-fill" -q -s 5 -c 3 --val 4 "$R/c.vmdk"
qemu-img convert -O raw "$R/c.vmdk" "$R/c.raw"
expect "rebase onto the grandparent" "$BIN/vmdk-child" -q rebase "$R/c.vmdk" "$R/a.vmdk"
expect "rebased child reads as before" qemu-img compare -q -f raw "$R/c.raw" "$R/c.vmdk"
same_content "three readers agree after rebase" "$R/c.vmdk"
"$BIN/vmdk-info" "$R/c.vmdk" | grep -q "Chain: *2 links" && ok "rebased chain is shorter" ||
	bad "rebased chain"
expect "rebase onto no parent" "$BIN/vmdk-child" -q rebase "$R/c.vmdk" ""
expect "standalone child reads as before" qemu-img compare -q -f raw "$R/c.raw" "$R/c.vmdk"
grep -aq parentFileNameHint "$R/c.vmdk" && bad "hint left on a base disk" || ok "no hint left"
same_content "three readers agree on the standalone child" "$R/c.vmdk"
"$BIN/vmdk-child" -q create "$R/b.vmdk" "$R/u.vmdk"
expect "unsafe rebase" "$BIN/vmdk-child" -q --unsafe rebase "$R/u.vmdk" "$R/a.vmdk"
expect "unsafe rebase only moved the pointer" qemu-img compare -q "$R/a.vmdk" "$R/u.vmdk"
rm -rf "$H"

# Chain checks (vmdk-check -e), with e2fsck's exit codes.
K=$T/check
mkdir -p "$K"
"$BIN/vmdk-create" -q -s 4M "$K/a.vmdk"
"$BIN/vmdk-child" -q create "$K/a.vmdk" "$K/b.vmdk"
"$BIN/vmdk-child" -q create "$K/b.vmdk" "$K/c.vmdk"
expect "a consistent chain" "$BIN/vmdk-check" -e "$K/c.vmdk"
grep -q "chain of 3 links is consistent" "$T/out" && ok "check says so" || bad "check output"
"$BIN/vmdk-fill" -q --val 0 -c 1 "$K/b.vmdk"
expect_exit 4 "" "CID mismatch found" "$BIN/vmdk-check" -e "$K/c.vmdk"
grep -q "c.vmdk: parent .*b.vmdk changed since the child was created" "$T/out" &&
	ok "CID mismatch named" || bad "CID mismatch message: $(cat "$T/out")"
mv "$K/a.vmdk" "$K/a2.vmdk"
expect_exit 4 "" "missing parent found" "$BIN/vmdk-check" -e "$K/c.vmdk"
grep -q "b.vmdk: parent .*a.vmdk does not exist" "$T/out" && ok "missing parent named" ||
	bad "missing parent message"
mv "$K/a2.vmdk" "$K/a.vmdk"
"$BIN/vmdk-create" -q -s 8M "$K/big.vmdk"
"$BIN/vmdk-child" -q create "$K/big.vmdk" "$K/d.vmdk"
"$BIN/vmdk-child" -q --unsafe rebase "$K/d.vmdk" "$K/a.vmdk"
expect_exit 4 "" "capacity mismatch found" "$BIN/vmdk-check" -e "$K/d.vmdk"
grep -q "capacity 16384 sectors differs from its parent's 8192" "$T/out" &&
	ok "capacity mismatch named" || bad "capacity message: $(cat "$T/out")"
printf 'version=1\nCID=1\nparentCID=2\ncreateType="monolithicFlat"\nparentFileNameHint="l2.vmdk"\nRW 8 ZERO\n' > "$K/l1.vmdk"
printf 'version=1\nCID=2\nparentCID=1\ncreateType="weird"\nparentFileNameHint="l1.vmdk"\nRW 8 ZERO\n' > "$K/l2.vmdk"
expect_exit 4 "" "loop and unknown type found" "$BIN/vmdk-check" -e "$K/l1.vmdk"
grep -q "loops back to" "$T/out" && grep -q "unknown type 'weird'" "$T/out" &&
	ok "loop and unknown type named" || bad "loop message: $(cat "$T/out")"
expect_exit 8 "No such file" "check of nothing" "$BIN/vmdk-check" -e "$K/none.vmdk"
expect "full check of a sound disk" "$BIN/vmdk-check" "$K/a.vmdk"
expect_exit 16 "go with --repair" "-y needs --repair" "$BIN/vmdk-check" -y "$K/a.vmdk"
expect_exit 16 "repairs nothing" "-e with --repair" "$BIN/vmdk-check" -e -r -y "$K/a.vmdk"
expect_exit 8 "no terminal" "repair without -y and without a terminal" \
	"$BIN/vmdk-check" -r "$K/a.vmdk" </dev/null
rm -rf "$K"

# vmdk-check -r -o: the repair goes into a new disk; the damaged one is
# never written.
K=$T/check-o
mkdir -p "$K"
"$BIN/vmdk-create" -q -t 1 -s 64M "$K/o.vmdk"
"$BIN/vmdk-fill" -q -s 0 -c 512 --val 9 "$K/o.vmdk"
gd=$(od -An -t u4 -j 56 -N 4 "$K/o-s001.vmdk" | tr -d ' ')
gt=$(od -An -t u4 -j $((gd * 512)) -N 4 "$K/o-s001.vmdk" | tr -d ' ')
printf '\0\0\0\0' | dd of="$K/o-s001.vmdk" bs=1 seek=$((gt * 512 + 4)) conv=notrunc 2>/dev/null
before=$(cat "$K"/o*.vmdk | sha)
expect_exit 1 "" "repair into a new disk" "$BIN/vmdk-check" -q -r -y -o "$K/fixed.vmdk" "$K/o.vmdk"
[ "$(cat "$K"/o*.vmdk | sha)" = "$before" ] && ok "-o leaves the damaged disk untouched" ||
	bad "-o changed the damaged disk"
expect "the new disk checks clean" "$BIN/vmdk-check" "$K/fixed.vmdk"
[ -e "$K/fixed-s001.vmdk" ] && ok "-o names the extents after the new disk" ||
	bad "no fixed-s001.vmdk"
same_content "repaired copy read alike by all" "$K/fixed.vmdk"
# A monolithic copy names itself: libyal opens the extent by that name.
"$BIN/vmdk-create" -q -s 8M "$K/m.vmdk"
"$BIN/vmdk-fill" -q -s 0 -c 1024 --val 7 "$K/m.vmdk"
gd=$(od -An -t u4 -j 56 -N 4 "$K/m.vmdk" | tr -d ' ')
gt=$(od -An -t u4 -j $((gd * 512)) -N 4 "$K/m.vmdk" | tr -d ' ')
printf '\0\0\0\0' | dd of="$K/m.vmdk" bs=1 seek=$((gt * 512 + 4)) conv=notrunc 2>/dev/null
expect_exit 1 "" "repair a monolithic disk into a new one" \
	"$BIN/vmdk-check" -q -r -y -o "$K/m2.vmdk" "$K/m.vmdk"
same_content "repaired monolithic copy read alike by all" "$K/m2.vmdk"
# A stream whose end is lost: salvaged into a copy with -o, and in place
# with --undo, which puts the damaged file back byte for byte.
"$BIN/vmdk-clone" -q -t 5 "$K/m2.vmdk" "$K/s.vmdk"
qemu-img convert -O raw "$K/s.vmdk" "$K/s.raw"
truncate -s $(( $(stat -c %s "$K/s.vmdk") - 1536 )) "$K/s.vmdk"
before=$(sha < "$K/s.vmdk")
expect_exit 1 "" "salvage a stream into a new disk" \
	"$BIN/vmdk-check" -q -r -y -o "$K/s2.vmdk" "$K/s.vmdk"
[ "$(sha < "$K/s.vmdk")" = "$before" ] && ok "-o leaves the damaged stream untouched" ||
	bad "-o changed the damaged stream"
expect "the salvaged copy checks clean" "$BIN/vmdk-check" "$K/s2.vmdk"
expect "the salvaged copy holds every grain" qemu-img compare -q -f raw "$K/s.raw" "$K/s2.vmdk"
same_content "salvaged copy read alike by all" "$K/s2.vmdk"
expect_exit 1 "" "salvage a stream in place, with an undo file" \
	"$BIN/vmdk-check" -q -r -y --undo "$K/s.undo" "$K/s.vmdk"
expect "the salvaged stream holds every grain" qemu-img compare -q -f raw "$K/s.raw" "$K/s.vmdk"
[ -z "$(ls -A "$K" | grep tmp)" ] && ok "no temporary file left by the salvage" ||
	bad "salvage left $(ls -A "$K" | grep tmp)"
expect "undo the salvage" "$BIN/vmdk-check" --restore-undo "$K/s.undo"
[ "$(sha < "$K/s.vmdk")" = "$before" ] && ok "undo gives the damaged stream back" ||
	bad "undo of a salvage"
expect_exit 16 "go with --repair" "-o needs --repair" "$BIN/vmdk-check" -o "$K/x.vmdk" "$K/o.vmdk"
rm "$K/o-s001.vmdk"
expect_exit 4 "" "-o refuses a disk that cannot be repaired" \
	"$BIN/vmdk-check" -q -r -y -o "$K/none.vmdk" "$K/o.vmdk"
[ ! -e "$K/none.vmdk" ] && [ -z "$(ls -A "$K" | grep partial)" ] &&
	ok "a refused -o leaves no file" || bad "a refused -o left files"
