# SPDX-License-Identifier: MIT
# t_repair.sh --- vmdk-check's repair as a person meets it: a header
# field the layout contradicts named by reader and check, the undo file a
# data-discarding repair keeps by default (and --no-undo, --undo), the
# JSON fields, and the questions on a terminal (y, n, a, anything else,
# end of input).  Sourced by run.sh.

R=$T/repair
mkdir -p "$R"
. "$here/../repair/lib.sh"
# A 64 MiB disk with data in its first grains (13 of them).
python3 - "$R/base.raw" <<'PY'
import random, sys
r = random.Random(7)
with open(sys.argv[1], "wb") as f:
    f.truncate(64 << 20)
    for g in (0, 1, 2, 3, 10, 11, 12, 20, 511, 512, 513, 600, 1023):
        f.seek(g * 65536)
        f.write(r.randbytes(65536))
PY
good() { rm -f "$R"/d.vmdk*; "$BIN/vmdk-clone" -q -r -t 0 "$R/base.raw" "$R/d.vmdk"; }
want=$(sha < "$R/base.raw")

# One header field wrong: named, refused by the reader, rewritten.
good
put64 "$R/d.vmdk" 20 64
expect_exit 1 "the header's grainSize is 64 where the layout shows 128" \
	"the reader refuses a grain size the layout contradicts" \
	"$BIN/vmdk-dump" -c 1 "$R/d.vmdk"
"$BIN/vmdk-check" "$R/d.vmdk" >"$T/out" 2>&1
if grep -q "the header's grainSize is 64, the layout shows 128" "$T/out" &&
	[ "$(grep -c '\[' "$T/out")" -eq 1 ]; then
	ok "check names the one wrong field, not its consequences"
else
	bad "check of a wrong grain size: $(cat "$T/out")"
fi
expect_exit 1 "" "repair of the grain size" "$BIN/vmdk-check" -q -r -y "$R/d.vmdk"
[ "$("$BIN/vmdk-dump" --raw "$R/d.vmdk" | sha)" = "$want" ] &&
	ok "every sector kept by the header repair" || bad "header repair lost data"
[ ! -e "$R/d.vmdk.undo" ] && ok "no undo file for a repair that discards nothing" ||
	bad "an undo file for a repair that discards nothing"

# A data-discarding fix keeps DISK.undo unless told otherwise.
good
set_both "$R/d.vmdk" 0 10 99999999
cp "$R/d.vmdk" "$R/damaged"
"$BIN/vmdk-check" -r -y "$R/d.vmdk" >"$T/out" 2>&1
if grep -q "(discards 128 sectors of data)" "$T/out" &&
	grep -q "d.vmdk.undo; 'vmdk-check --restore-undo" "$T/out" && [ -s "$R/d.vmdk.undo" ]; then
	ok "a discarding repair names its size and keeps d.vmdk.undo"
else
	bad "discarding repair: $(cat "$T/out")"
fi
expect "the undo file restores the disk" "$BIN/vmdk-check" --restore-undo "$R/d.vmdk.undo"
cmp -s "$R/d.vmdk" "$R/damaged" && ok "restored byte for byte" || bad "not restored"
expect_exit 1 "" "a second discarding repair" "$BIN/vmdk-check" -q -r -y "$R/d.vmdk"
[ -s "$R/d.vmdk.undo.2" ] && ok "an earlier undo file is never overwritten" ||
	bad "no d.vmdk.undo.2"
cp "$R/damaged" "$R/d.vmdk"
rm -f "$R"/d.vmdk.undo*
expect_exit 1 "" "--no-undo" "$BIN/vmdk-check" -q -r -y --no-undo "$R/d.vmdk"
[ ! -e "$R/d.vmdk.undo" ] && ok "--no-undo keeps none" || bad "--no-undo kept one"
cp "$R/damaged" "$R/d.vmdk"
expect_exit 1 "" "--undo FILE" "$BIN/vmdk-check" -q -r -y --undo "$R/mine.undo" "$R/d.vmdk"
[ -s "$R/mine.undo" ] && [ ! -e "$R/d.vmdk.undo" ] && ok "--undo FILE is the one kept" ||
	bad "--undo FILE"
expect_exit 16 "exclude each other" "--undo with --no-undo" \
	"$BIN/vmdk-check" -r -y --undo "$R/x" --no-undo "$R/d.vmdk"
cp "$R/damaged" "$R/d.vmdk"
"$BIN/vmdk-check" -r -y --no-undo --json "$R/d.vmdk" >"$T/out" 2>&1
python3 - "$T/out" <<'PY' && ok "JSON names discarded sectors and the undo file" || bad "JSON: $(cat "$T/out")"
import json, sys
r = json.load(open(sys.argv[1]))
assert r["discarding"] == 1 and r["discardedSectors"] == 128, r
assert r["undoFile"] is None and r["declined"] == 0, r
assert r["problems"][0]["discardsSectors"] == 128, r
PY

# Questions on a terminal (script(1) gives the repair one).
asks() {
	cp "$R/two" "$R/d.vmdk"
	rm -f "$R"/d.vmdk.undo*
	printf "$1" | script -qec "$BIN/vmdk-check -r --no-undo $R/d.vmdk" /dev/null >"$T/out" 2>&1
}
good
set_both "$R/d.vmdk" 0 10 99999999
set_both "$R/d.vmdk" 0 11 99999999
cp "$R/d.vmdk" "$R/two"
asks 'x\ny\ny\n'
if [ "$(grep -o '? \[y/n/a\]' "$T/out" | wc -l)" -ge 3 ] && grep -q ' 2 fixed' "$T/out"; then
	ok "an answer other than y, n or a asks again"
else
	bad "asked again: $(cat "$T/out")"
fi
asks 'a\n'
grep -q ' 2 fixed' "$T/out" && ok "a answers yes to every later question" ||
	bad "a: $(cat "$T/out")"
asks ''
if grep -q "fixes declined: errors remain" "$T/out" && cmp -s "$R/d.vmdk" "$R/two"; then
	ok "the end of input is no, and the summary says what stays broken"
else
	bad "end of input: $(cat "$T/out")"
fi
asks 'n\nn\n'
grep -q "2 fixes declined" "$T/out" && ok "n declines" || bad "n: $(cat "$T/out")"

# Dead ends get a way out.  A parent hint written on Windows: an
# absolute one is looked for by its name beside the child.
good
"$BIN/vmdk-child" -q -t 1 create "$R/d.vmdk" "$R/c.vmdk"
"$BIN/vmdk-fill" -q -s 50 -c 10 --val 9 "$R/c.vmdk"
"$BIN/vmdk-dump" --raw "$R/c.vmdk" | sha > "$R/c.sha"
sed -i 's|^parentFileNameHint=.*|parentFileNameHint="C:\\VMs\\base\\d.vmdk"|' "$R/c.vmdk"
[ "$("$BIN/vmdk-dump" --raw "$R/c.vmdk" | sha)" = "$(cat "$R/c.sha")" ] &&
	ok "a Windows parent hint is found beside the child" || bad "Windows hint"
sed -i 's|^parentFileNameHint=.*|parentFileNameHint="D:\\old\\gone.vmdk"|' "$R/c.vmdk"
expect_exit 1 '(looked for' "a hint that leads nowhere says where it looked" \
	"$BIN/vmdk-info" "$R/c.vmdk"
"$BIN/vmdk-check" "$R/c.vmdk" >"$T/out" 2>&1
grep -q "vmdk-child rebase --unsafe" "$T/out" && ok "check names the way out" ||
	bad "check of a lost parent: $(cat "$T/out")"
expect "rebase --unsafe with the old parent missing" \
	"$BIN/vmdk-child" -q rebase --unsafe "$R/c.vmdk" "$R/d.vmdk"
[ "$("$BIN/vmdk-dump" --raw "$R/c.vmdk" | sha)" = "$(cat "$R/c.sha")" ] &&
	ok "the rebased child reads as before" || bad "rebased child"
expect_exit 1 "field of the descriptor" "vmdk-meta refuses a ddb key named like a field" \
	"$BIN/vmdk-meta" "$R/c.vmdk" set parentFileNameHint x.vmdk
grep -q "ddb.parentFileNameHint" "$R/c.vmdk" && bad "a ddb.parentFileNameHint was written" ||
	ok "no such key written"
# A changed parent: the message says what rebase --unsafe would mean.
"$BIN/vmdk-fill" -q -s 0 -c 1 --val 1 "$R/d.vmdk"
"$BIN/vmdk-check" -e "$R/c.vmdk" >"$T/out" 2>&1
grep -q "rebase --unsafe .* accepts it as it is now" "$T/out" &&
	ok "chain-cid names the way out and what it means" || bad "chain-cid: $(cat "$T/out")"

# An embedded descriptor whose parent lines are lost: refused, unless
# the user knows the disk has none.
good
desc=$(( $(u64 "$R/d.vmdk" 28) * 512 ))
head -c 10240 /dev/zero | tr '\0' '#' | dd of="$R/d.vmdk" bs=1 seek="$desc" conv=notrunc 2>/dev/null
printf 'version=1\nCID=12345678\n' | dd of="$R/d.vmdk" bs=1 seek="$desc" conv=notrunc 2>/dev/null
expect_exit 4 "" "a descriptor whose parent lines are lost is not guessed" \
	"$BIN/vmdk-check" -r -y --no-undo "$R/d.vmdk"
grep -q "assume-no-parent" "$T/out" && ok "the refusal names --assume-no-parent" ||
	bad "refusal: $(cat "$T/out")"
expect_exit 1 "" "--assume-no-parent rebuilds it" \
	"$BIN/vmdk-check" -r -y --no-undo --assume-no-parent "$R/d.vmdk"
[ "$("$BIN/vmdk-dump" --raw "$R/d.vmdk" | sha)" = "$want" ] &&
	ok "the rebuilt disk reads as before" || bad "rebuilt disk"

# No room for the repair: said, with the way out.
M2=$R/small
mkdir -p "$M2"
if mount -t tmpfs -o size=1200k tmpfs "$M2" 2>/dev/null; then
	good
	set_both "$R/d.vmdk" 0 10 99999999
	cp "$R/d.vmdk" "$M2/d.vmdk"
	dd if=/dev/zero of="$M2/fill" bs=4096 2>/dev/null
	expect_exit 8 "repair into a copy on another filesystem with -o NEW" \
		"no room for the repair" "$BIN/vmdk-check" -r -y "$M2/d.vmdk"
	cmp -s "$M2/d.vmdk" "$R/d.vmdk" && ok "the disk is as it was" ||
		bad "the disk changed without room"
	umount "$M2"
else
	echo "skipped: repair without room (mounting a tmpfs not allowed here)"
fi

# A fill that runs out of space says how far it got, and leaves a disk
# vmdk-check passes (the unclean mark alone).
if mount -t tmpfs -o size=3m tmpfs "$M2" 2>/dev/null; then
	"$BIN/vmdk-create" -q -s 64M "$M2/f.vmdk"
	head -c 8M /dev/urandom > "$R/rnd"
	expect_exit 1 "stopped: at least 4096 of 16384 sectors were written" \
		"a fill without room says how far it got" \
		"$BIN/vmdk-fill" --file "$R/rnd" "$M2/f.vmdk"
	"$BIN/vmdk-check" "$M2/f.vmdk" >"$T/out" 2>&1
	[ $? -eq 0 ] && ! grep -v "unclean\|0 errors" "$T/out" | grep -q . &&
		ok "the disk checks clean but for the unclean mark" ||
		bad "after ENOSPC: $(cat "$T/out")"
	[ "$("$BIN/vmdk-dump" --raw -c 4096 "$M2/f.vmdk" | sha)" = "$(head -c 2M "$R/rnd" | sha)" ] &&
		ok "what was written stays" || bad "the written part"
	umount "$M2"
else
	echo "skipped: fill without room (mounting a tmpfs not allowed here)"
fi
