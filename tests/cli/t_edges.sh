# SPDX-License-Identifier: MIT
# t_edges.sh --- the edges people and scripts hit: one size syntax with
# reasons, growing by +N or to the size it has, vmdk-fill's explicit
# value, exit status after a signal.  Sourced by run.sh.

E=$T/edges
mkdir -p "$E"

# ---- sizes: one parser, each error saying why ----
expect "1.5G is a size" "$BIN/vmdk-create" -q -s 1.5G "$E/dec.vmdk"
"$BIN/vmdk-info" --json "$E/dec.vmdk" | grep -q '"capacitySectors": 3145728,' &&
	ok "1.5G is 3145728 sectors" || bad "1.5G capacity"
expect "0.1K rounds up to one sector" "$BIN/vmdk-create" -q -s 0.1K "$E/tiny.vmdk"
"$BIN/vmdk-info" --json "$E/tiny.vmdk" | grep -q '"capacitySectors": 1,' &&
	ok "0.1K is 1 sector" || bad "0.1K capacity"
expect_exit 2 "invalid size '0': a size is at least 1 sector" "size zero" \
	"$BIN/vmdk-create" -s 0 "$E/x.vmdk"
expect_exit 2 "invalid size '-5': a size cannot be negative" "negative size" \
	"$BIN/vmdk-create" -s -5 "$E/x.vmdk"
expect_exit 2 "above 64 TiB" "size above every limit" "$BIN/vmdk-create" -s 65T "$E/x.vmdk"
expect_exit 2 "not a number" "size not a number" "$BIN/vmdk-create" -s lots "$E/x.vmdk"
expect_exit 2 "unknown unit 'X'" "size unit named" "$BIN/vmdk-create" -s 10X "$E/x.vmdk"
expect_exit 2 "sectors are a whole number" "decimal sectors" \
	"$BIN/vmdk-create" -s 1.5 "$E/x.vmdk"
expect_exit 1 "holds less than 2 TiB" "monolithic sparse limit" \
	"$BIN/vmdk-create" -s 3T "$E/x.vmdk"
expect_exit 1 "a VMFS disk holds at most 62 TiB" "VMFS limit" \
	"$BIN/vmdk-create" -t vmfsThin -s 63T "$E/x.vmdk"
[ ! -e "$E/x.vmdk" ] && ok "no refused size left a file" || bad "a refused size left x.vmdk"
expect "vmware-vdiskmanager takes 1.5GB" \
	"$BIN/vmware-vdiskmanager" -c -s 1.5GB -a lsilogic -t 0 "$E/vdm.vmdk"
"$BIN/vmdk-info" --json "$E/vdm.vmdk" | grep -q '"capacitySectors": 3145728,' &&
	ok "vdiskmanager: 1.5GB is 3145728 sectors" || bad "vdiskmanager 1.5GB"
expect_exit 2 "unknown unit" "vmware-vdiskmanager names a bad unit" \
	"$BIN/vmware-vdiskmanager" -x 2QB "$E/vdm.vmdk"

# ---- a message names its file once, whatever the path holds ----
# The library says which file an error concerns (vmdk_errfile): a path
# with spaces and ": " is not taken apart to guess it.
SP="$E/my disks: old"
mkdir -p "$SP"
"$BIN/vmdk-create" -q -t twoGbMaxExtentSparse -s 10M "$SP/a.vmdk"
rm "$SP/a-s001.vmdk"
"$BIN/vmdk-info" "$SP/a.vmdk" >/dev/null 2>"$T/err"
[ "$(cat "$T/err")" = "vmdk-info: $SP/a-s001.vmdk: file is missing" ] &&
	ok "a missing extent under a path with ': ' is named once" ||
	bad "missing extent under a path with ': ' said: $(cat "$T/err")"
"$BIN/vmdk-create" -q -s 10M "$SP/b.vmdk"
"$BIN/vmdk-grow" "$SP/b.vmdk" 1M >/dev/null 2>"$T/err"
grep -q "^vmdk-grow: $SP/b.vmdk: [^/]*smaller than the current" "$T/err" &&
	ok "a whole-disk message under a path with ': ' is said of the disk" ||
	bad "whole-disk message under a path with ': ' said: $(cat "$T/err")"

# ---- growing: +N is relative, the current size changes nothing ----
"$BIN/vmdk-create" -q -s 10M "$E/g.vmdk"
expect "grow +10M" "$BIN/vmdk-grow" -q "$E/g.vmdk" +10M
"$BIN/vmdk-info" --json "$E/g.vmdk" | grep -q '"capacitySectors": 40960,' &&
	ok "+10M grew 10 MiB to 20 MiB" || bad "+10M capacity"
before=$(sha256sum < "$E/g.vmdk")
"$BIN/vmdk-grow" "$E/g.vmdk" 20M > "$T/out" 2>"$T/err" && ok "grow to the current size succeeds" ||
	bad "grow to the current size fails"
grep -q "already: nothing changed" "$T/out" && ok "grow to the current size says so" ||
	bad "grow to the same size said: $(cat "$T/out")"
[ "$(sha256sum < "$E/g.vmdk")" = "$before" ] && ok "grow to the current size writes nothing" ||
	bad "grow to the current size changed the file"
expect "grow +0 is the current size" "$BIN/vmdk-grow" -q "$E/g.vmdk" +0
expect_exit 1 "smaller than the current" "grow to less" "$BIN/vmdk-grow" "$E/g.vmdk" 1M
expect_exit 2 "a size here is absolute" "create takes no +N" \
	"$BIN/vmdk-create" -s +1M "$E/x.vmdk"

# ---- vmdk-fill never zeroes by default ----
"$BIN/vmdk-fill" -q --val 7 -c 8 "$E/g.vmdk"
expect_exit 2 "give --val BYTE or --file PATH" "fill without a value" \
	"$BIN/vmdk-fill" "$E/g.vmdk"
[ "$("$BIN/vmdk-dump" --raw -c 1 "$E/g.vmdk" | od -An -tu1 | head -1 | awk '{print $1}')" = 7 ] &&
	ok "a refused fill wrote nothing" || bad "fill without a value wrote"
expect_exit 1 "is a directory" "fill --file of a directory" \
	"$BIN/vmdk-fill" -f "$E" "$E/g.vmdk"

# ---- VMware's lock: FILE.lck/ as Workstation leaves it while a VM runs ----
# vmware_lock DISKFILE: a member of another machine's running VM.
vmware_lock() {
	mkdir -p "$1.lck"
	printf '564d1a2b3c4d5e6f-0011223344556677 4242-912345 7 X [ lc=3184621104' |
		dd of="$1.lck/M31337.lck" bs=512 conv=sync 2>/dev/null
}
"$BIN/vmdk-create" -q -s 4M "$E/run.vmdk"
"$BIN/vmdk-create" -q -s 4M -t 2 "$E/runflat.vmdk"
vmware_lock "$E/run.vmdk"
vmware_lock "$E/runflat-flat.vmdk"	# a flat disk's extent has its own
sum=$(cat "$E/run.vmdk" | sha)
for cmd in "vmdk-grow $E/run.vmdk 8M" "vmdk-fill --val 1 -c 1 $E/run.vmdk" \
	   "vmdk-meta set $E/run.vmdk tools.installType 4" "vmdk-check -r -y $E/run.vmdk" \
	   "vmdk-shrink $E/run.vmdk" "vmdk-defrag $E/run.vmdk" \
	   "vmdk-rename $E/run.vmdk $E/moved.vmdk" "vmdk-unlink $E/run.vmdk" \
	   "vmdk-fill --val 1 -c 1 $E/runflat.vmdk"; do
	# shellcheck disable=SC2086
	expect_exit $(case $cmd in vmdk-check*) echo 8 ;; *) echo 1 ;; esac) \
		"held by process 4242 on machine 564d1a2b3c4d5e6f-0011223344556677" \
		"a VM's lock refuses: ${cmd%% *}" "$BIN/"$cmd
	grep -q "break-lock" "$T/err" || bad "the refusal names --break-lock: ${cmd%% *}"
done
expect_exit 1 "held by process 4242" "vmware-vdiskmanager refuses a VM's disk" \
	"$BIN/vmware-vdiskmanager" -x 8MB "$E/run.vmdk"
grep -q "break-lock" "$T/err" && bad "vmware-vdiskmanager hints an option it lacks" ||
	ok "vmware-vdiskmanager's refusal names no option it lacks"
[ "$(cat "$E/run.vmdk" | sha)" = "$sum" ] && [ -e "$E/run.vmdk" ] &&
	ok "a locked disk was left as it was" || bad "a locked disk changed"
"$BIN/vmdk-info" "$E/run.vmdk" > "$T/out" 2>"$T/err" && grep -q "warning: .*run.vmdk.lck" "$T/err" &&
	ok "a reader warns of a VM's lock and goes on" || bad "vmdk-info of a locked disk: $(cat "$T/err")"
"$BIN/vmdk-info" -q "$E/run.vmdk" > /dev/null 2>"$T/err" && [ ! -s "$T/err" ] &&
	ok "-q keeps the reader's warning quiet" || bad "-q reader: $(cat "$T/err")"
expect "--break-lock removes a stale lock and grows" "$BIN/vmdk-grow" --break-lock "$E/run.vmdk" 8M
grep -q "removed VMware's lock (1 holder)" "$T/err" && ok "--break-lock says what it removed" ||
	bad "--break-lock said: $(cat "$T/err")"
[ ! -e "$E/run.vmdk.lck" ] && ok "no lock directory left after --break-lock" ||
	bad "lock directory left: $(ls -a "$E/run.vmdk.lck")"
expect "--break-lock reaches a flat disk's extent lock" \
	"$BIN/vmdk-fill" -q --break-lock --val 1 -c 1 "$E/runflat.vmdk"
[ ! -e "$E/runflat-flat.vmdk.lck" ] && ok "the extent's lock went too" || bad "extent lock left"

# Our writers hold VMware's lock while they change a disk, and let it go
# after, also after SIGTERM; one killed leaves a stale lock the next
# writer on this host removes.
if mkfifo "$E/feed"; then
	( sleep 30 ) > "$E/feed" &
	feeder=$!
	"$BIN/vmdk-fill" -q -f "$E/feed" -c 8 "$E/run.vmdk" 2>"$T/err" &
	filler=$!
	for _ in $(seq 100); do ls "$E/run.vmdk.lck"/M*.lck >/dev/null 2>&1 && break; sleep 0.05; done
	m=$(ls "$E/run.vmdk.lck"/M*.lck 2>/dev/null | head -1)
	[ -n "$m" ] && [ "$(stat -c %s "$m")" = 512 ] &&
		tr '\0' '\n' < "$m" | head -1 | grep -q "^[^ ]* $filler-[0-9]* [0-9]* X " &&
		ok "a writer holds VMware's lock, naming its process" || bad "no lock of ours: $(ls -a "$E/run.vmdk.lck" 2>&1)"
	qemu_refuses=$(qemu-img info "$E/run.vmdk" 2>&1 | grep -c "lock")
	[ "$qemu_refuses" -ge 1 ] && ok "qemu-img sees the disk in use meanwhile" || bad "qemu-img read a disk being written"
	kill -TERM $filler
	wait $filler
	kill $feeder 2>/dev/null
	wait $feeder 2>/dev/null
	[ ! -e "$E/run.vmdk.lck" ] && ok "the lock goes with a writer stopped by SIGTERM" ||
		bad "lock left after SIGTERM: $(ls -a "$E/run.vmdk.lck")"
	( sleep 30 ) > "$E/feed" &
	feeder=$!
	"$BIN/vmdk-fill" -q -f "$E/feed" -c 8 "$E/run.vmdk" 2>/dev/null &
	filler=$!
	for _ in $(seq 100); do ls "$E/run.vmdk.lck"/M*.lck >/dev/null 2>&1 && break; sleep 0.05; done
	kill -KILL $filler
	wait $filler 2>/dev/null
	kill $feeder 2>/dev/null
	wait $feeder 2>/dev/null
	[ -e "$E/run.vmdk.lck" ] && ok "kill -9 leaves a lock" || bad "no lock after kill -9"
	expect "a stale lock of this host's dead process is removed" \
		"$BIN/vmdk-fill" -q --val 2 -c 1 "$E/run.vmdk"
	[ ! -e "$E/run.vmdk.lck" ] && ok "and the directory with it" || bad "stale lock left"
	rm -f "$E/feed"
fi

# Every writer locks before it reads: a repair refuses a disk qemu has
# open for writing, and a plain check says so rather than advising one.
"$BIN/vmdk-create" -q -s 4M "$E/q.vmdk"
( sleep 3 | qemu-io -f vmdk "$E/q.vmdk" >/dev/null 2>&1 ) &
qpid=$!
for _ in $(seq 100); do grep -q "OFDLCK.* 100 10[01]" /proc/locks && break; sleep 0.05; done
expect_exit 8 "in use" "a repair refuses a disk qemu writes" "$BIN/vmdk-check" -r -y "$E/q.vmdk"
expect_exit 8 "another program has it open for writing" "a check says the disk is being written" \
	"$BIN/vmdk-check" "$E/q.vmdk"
expect_exit 1 "another program has it open for writing" "a reader refuses a disk qemu writes" \
	"$BIN/vmdk-info" "$E/q.vmdk"
wait $qpid
expect "a check once qemu is done" "$BIN/vmdk-check" "$E/q.vmdk"
# Readers share: qemu reads a disk while we read it.
( sleep 3 | qemu-io -r -f vmdk "$E/q.vmdk" >/dev/null 2>&1 ) &
qpid=$!
for _ in $(seq 100); do grep -q "OFDLCK.* 100 100" /proc/locks && break; sleep 0.05; done
expect "we read a disk qemu reads" "$BIN/vmdk-info" "$E/q.vmdk"
expect_exit 1 "in use" "we do not write a disk qemu reads" "$BIN/vmdk-fill" --val 1 -c 1 "$E/q.vmdk"
wait $qpid
# vmdk-compare holds the disk open while it waits for its FIFO.
mkfifo "$E/qfifo"
"$BIN/vmdk-compare" -q "$E/q.vmdk" "$E/qfifo" &
cpid=$!
for _ in $(seq 100); do grep -q "OFDLCK.* 201 201" /proc/locks && break; sleep 0.05; done
expect "qemu reads a disk we read" qemu-img info "$E/q.vmdk"
expect_exit 1 "" "qemu does not write a disk we read" qemu-io -f vmdk -c "write 0 512" "$E/q.vmdk"
"$BIN/vmdk-dump" --raw "$E/q.vmdk" 2>/dev/null > "$E/qfifo" &
wait $cpid && ok "and our reader went on" || bad "vmdk-compare with a FIFO"
wait
rm -f "$E/qfifo"

# ---- grow then shrink gives the space back; defragment restores the
# layout create writes (directories, tables, then grains in LBA order) ----
"$BIN/vmdk-create" -q -s 1G "$E/gs.vmdk"
"$BIN/vmdk-fill" -q --val 9 -c 102400 "$E/gs.vmdk"
"$BIN/vmware-vdiskmanager" -q -x 36GB "$E/gs.vmdk"
"$BIN/vmdk-fill" -q --val 0 -c 102400 "$E/gs.vmdk"
"$BIN/vmdk-fill" -q --val 7 -s 70000000 -c 64 "$E/gs.vmdk"
grown=$(stat -c %s "$E/gs.vmdk")
expect "vmware-vdiskmanager -k after -x" "$BIN/vmware-vdiskmanager" -q -k "$E/gs.vmdk"
"$BIN/vmdk-create" -q -s 36G "$E/gs-fresh.vmdk"
"$BIN/vmdk-fill" -q --val 7 -s 70000000 -c 64 "$E/gs-fresh.vmdk"
[ "$(stat -c %s "$E/gs.vmdk")" = "$(stat -c %s "$E/gs-fresh.vmdk")" ] &&
	ok "grow then shrink: $grown bytes down to what create and one grain take" ||
	bad "grow then shrink left $(stat -c %s "$E/gs.vmdk") bytes (from $grown; fresh $(stat -c %s "$E/gs-fresh.vmdk"))"
expect "defragment after grow" "$BIN/vmdk-defrag" -q "$E/gs.vmdk"
[ "$(head -c 80 "$E/gs.vmdk" | od -An -tx1 | sed -n 3,5p)" = \
  "$(head -c 80 "$E/gs-fresh.vmdk" | od -An -tx1 | sed -n 3,5p)" ] &&
	ok "defragment: the header's directories and overhead are create's" ||
	bad "defragmented header differs from create's"
expect "a grown, shrunk, defragmented disk checks clean" "$BIN/vmdk-check" "$E/gs.vmdk"
expect "qemu-img agrees" qemu-img compare -q "$E/gs.vmdk" "$E/gs-fresh.vmdk"
rm -f "$E"/gs*

# ---- shrink and defragment check the room first ----
if mkdir -p "$E/small" && mount -t tmpfs -o size=24m tmpfs "$E/small" 2>/dev/null; then
	"$BIN/vmdk-create" -q --grain 16 -s 8M "$E/small/d.vmdk"
	"$BIN/vmdk-fill" -q --val 1 -c 4000 "$E/small/d.vmdk"
	"$BIN/vmdk-grow" -q "$E/small/d.vmdk" 2G
	"$BIN/vmdk-fill" -q --val 0 -c 2000 "$E/small/d.vmdk"
	head -c $(( $(stat -f -c '%a*%S' "$E/small" | bc) - 500000 )) /dev/zero > "$E/small/fill" 2>/dev/null
	sum=$(sha256sum < "$E/small/d.vmdk")
	expect_exit 1 "needs up to" "shrink refuses without the room it may need" \
		"$BIN/vmdk-shrink" "$E/small/d.vmdk"
	grep -q "MiB free on its filesystem while it works, 0 MiB are" "$T/err" &&
		ok "the refusal says how much is needed and free" || bad "room message: $(cat "$T/err")"
	[ "$(sha256sum < "$E/small/d.vmdk")" = "$sum" ] && ok "a refused shrink left the file as it was" ||
		bad "a refused shrink changed the file"
	rm -f "$E/small/fill"
	expect "with the room, it shrinks" "$BIN/vmdk-shrink" -q "$E/small/d.vmdk"
	umount "$E/small"
fi

# ---- vmdk-compare: the verdict qemu-img compare gives, the first sector
# that differs, exit 0/1/2 ----
C=$E/cmp
mkdir -p "$C"
"$BIN/vmdk-create" -q -s 64M "$C/a.vmdk"
"$BIN/vmdk-fill" -q --val 3 -s 1000 -c 100 "$C/a.vmdk"
"$BIN/vmdk-clone" -q -t 2 "$C/a.vmdk" "$C/b.vmdk"
expect "compare a sparse disk and its flat clone" "$BIN/vmdk-compare" "$C/a.vmdk" "$C/b.vmdk"
grep -q "are identical (131072 sectors)" "$T/out" && ok "compare says identical" || bad "compare said: $(cat "$T/out")"
qemu-img compare -q "$C/a.vmdk" "$C/b.vmdk" && ok "qemu-img compare agrees: identical" || bad "qemu-img disagrees"
"$BIN/vmdk-fill" -q --val 4 -s 1050 -c 1 "$C/b.vmdk"
expect_exit 1 "" "compare finds a difference" "$BIN/vmdk-compare" "$C/a.vmdk" "$C/b.vmdk"
grep -q "differ in content at sector 1050 (byte 537600)" "$T/out" && ok "compare names the first sector that differs" ||
	bad "compare said: $(cat "$T/out")"
qemu-img compare "$C/a.vmdk" "$C/b.vmdk" | grep -q "offset 537600" && ok "qemu-img finds the same byte" ||
	bad "qemu-img found another place"
expect_exit 1 "" "-q: the exit status alone" "$BIN/vmdk-compare" -q "$C/a.vmdk" "$C/b.vmdk"
[ ! -s "$T/out" ] && ok "-q prints nothing" || bad "-q printed $(cat "$T/out")"
qemu-img convert -O raw "$C/a.vmdk" "$C/a.raw"
expect "compare a disk and a raw image" "$BIN/vmdk-compare" "$C/a.vmdk" "$C/a.raw"
expect "compare standard input" sh -c "'$BIN/vmdk-compare' - '$C/a.vmdk' < '$C/a.raw'"
grep -q "^standard input and" "$T/out" && ok "standard input is named so" || bad "stdin named: $(cat "$T/out")"
mkfifo "$C/fifo"
( cat "$C/a.raw" > "$C/fifo" ) &
expect "compare a FIFO" "$BIN/vmdk-compare" "$C/a.vmdk" "$C/fifo"
wait
expect_exit 2 "only one of the two can be standard input" "two standard inputs" \
	"$BIN/vmdk-compare" - -
truncate -s 100M "$C/a.raw"
expect "a larger image reading zeros past the end is the same" "$BIN/vmdk-compare" "$C/a.vmdk" "$C/a.raw"
qemu-img compare -q -f vmdk -F raw "$C/a.vmdk" "$C/a.raw" && ok "qemu-img agrees on sizes" || bad "qemu-img on sizes"
expect_exit 1 "" "-s: sizes differ" "$BIN/vmdk-compare" -s "$C/a.vmdk" "$C/a.raw"
grep -q "differ in size: 131072 sectors and 204800 sectors" "$T/out" && ok "-s names both sizes" ||
	bad "-s said: $(cat "$T/out")"
printf x | dd of="$C/a.raw" bs=1 seek=$((90 * 1048576)) conv=notrunc 2>/dev/null
expect_exit 1 "" "data past the smaller's end differs" "$BIN/vmdk-compare" "$C/a.vmdk" "$C/a.raw"
grep -q "past the end of the smaller at sector 184320" "$T/out" && ok "and where" || bad "past the end: $(cat "$T/out")"
expect_exit 2 "No such file" "a missing disk is trouble" "$BIN/vmdk-compare" "$C/a.vmdk" "$C/none.vmdk"
# A chain against its flattened clone; two large sparse disks (their
# allocation, not 1.9 TiB of zeros, is compared).
qemu-img create -q -f vmdk -b a.vmdk -F vmdk "$C/child.vmdk"
"$BIN/vmdk-fill" -q --val 5 -s 0 -c 8 "$C/child.vmdk"
"$BIN/vmdk-clone" -q "$C/child.vmdk" "$C/flat.vmdk"
expect "a chain and its flattened clone" "$BIN/vmdk-compare" "$C/child.vmdk" "$C/flat.vmdk"
"$BIN/vmdk-create" -q -s 1900G "$C/big1.vmdk"
"$BIN/vmdk-create" -q -s 1900G "$C/big2.vmdk"
"$BIN/vmdk-fill" -q --val 1 -s 3000000000 -c 8 "$C/big1.vmdk"
"$BIN/vmdk-fill" -q --val 1 -s 3000000000 -c 8 "$C/big2.vmdk"
expect "two 1.9 TiB sparse disks" "$BIN/vmdk-compare" "$C/big1.vmdk" "$C/big2.vmdk"
"$BIN/vmdk-fill" -q --val 2 -s 3900000000 -c 1 "$C/big2.vmdk"
expect_exit 1 "" "near the end of 1.9 TiB" "$BIN/vmdk-compare" "$C/big1.vmdk" "$C/big2.vmdk"
grep -q "at sector 3900000000 " "$T/out" && ok "found near the end" || bad "big: $(cat "$T/out")"
rm -rf "$C"
expect "vmdk-compare --help" "$BIN/vmdk-compare" --help
grep -q "vmdk-compare(1)" "$T/out" && ok "vmdk-compare --help names its page" || bad "compare help"
expect_exit 2 "expected two disks" "vmdk-compare needs two" "$BIN/vmdk-compare" x.vmdk

# ---- --json complete in every outcome; vmdk-info and vmdk-check take
# several disks (a JSON array) ----
"$BIN/vmdk-create" -q -s 4M "$E/j1.vmdk"
"$BIN/vmdk-info" --json "$E/j1.vmdk" "$E/none.vmdk" > "$T/out" 2>"$T/err"
rc=$?
python3 - "$T/out" <<'PY' && ok "vmdk-info --json of two disks: an array, the same keys, error and exit status" || bad "vmdk-info json: $(cat "$T/out")"
import json, sys
a, b = json.load(open(sys.argv[1]))
assert sorted(a) == sorted(b), (sorted(a), sorted(b))
assert a["error"] is None and a["exitStatus"] == 0 and a["capacitySectors"] == 8192
assert b["error"]["code"] < 0 and "No such file" in b["error"]["message"] and b["exitStatus"] == 1
assert b["capacitySectors"] is None
PY
[ $rc -eq 1 ] && ok "vmdk-info exits 1 when one disk fails" || bad "vmdk-info several: exit $rc"
"$BIN/vmdk-info" "$E/j1.vmdk" "$E/j1.vmdk" > "$T/out" && [ "$(grep -c '^Disk: ' "$T/out")" = 2 ] &&
	ok "vmdk-info names each of several disks" || bad "vmdk-info several text: $(head -3 "$T/out")"
"$BIN/vmdk-check" --json "$E/j1.vmdk" "$E/none.vmdk" > "$T/out" 2>"$T/err"
rc=$?
python3 - "$T/out" <<'PY' && ok "vmdk-check --json of two disks: an array, the same keys" || bad "vmdk-check json: $(cat "$T/out")"
import json, sys
a, b = json.load(open(sys.argv[1]))
assert sorted(a) == sorted(b)
assert a["error"] is None and a["exitStatus"] == 0 and a["errors"] == 0
assert b["error"]["code"] < 0 and b["exitStatus"] == 8
PY
[ $rc -eq 8 ] && ok "vmdk-check adds up the exit bits of several disks" || bad "vmdk-check several: exit $rc"
"$BIN/vmdk-check" -r --json "$E/j1.vmdk" < /dev/null > "$T/out" 2>/dev/null
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["exitStatus"] == 8 and "terminal" in d["error"]["message"]' "$T/out" &&
	ok "vmdk-check --json says why it could not run" || bad "check -r json: $(cat "$T/out")"
"$BIN/vmdk-info" -n 5 --json "$E/none.vmdk" > "$T/out" 2>/dev/null
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["spaceNeededBytes"] is None and d["exitStatus"] == 1' "$T/out" &&
	ok "vmdk-info -n --json on failure" || bad "info -n json: $(cat "$T/out")"
"$BIN/vmdk-map" --json "$E/none.vmdk" > "$T/out" 2>/dev/null
python3 -c 'import json,sys; assert json.load(open(sys.argv[1])) == []' "$T/out" &&
	ok "vmdk-map --json of a disk that does not open: still JSON" || bad "map json: $(cat "$T/out")"
"$BIN/vmdk-map" "$E/j1.vmdk" | head -1 | grep -q "start *length *state .*512-byte sectors" &&
	ok "vmdk-map text has a header with units" || bad "map header"

# ---- messages in the user's terms ----
"$BIN/vmdk-create" -q -s 1M "$E/m.vmdk"
expect_exit 2 "unknown option '--bogus'" "an unknown long option: one line" "$BIN/vmdk-create" --bogus "$E/x.vmdk"
[ "$(wc -l < "$T/err")" = 2 ] && ! grep -q "/vmdk-create" "$T/err" &&
	ok "the option error and the usage hint, nothing more" || bad "option error: $(cat "$T/err")"
expect_exit 2 "unknown option '-Z'" "an unknown short option" "$BIN/vmdk-info" -Z "$E/m.vmdk"
expect_exit 2 "a value is needed after '-s'" "a missing value" "$BIN/vmdk-create" -s
expect_exit 16 "unknown option '--bogus'" "vmdk-check's usage status" "$BIN/vmdk-check" --bogus "$E/m.vmdk"
expect_exit 2 "a value is needed after '-t'" "vmware-vdiskmanager: a missing value" \
	"$BIN/vmware-vdiskmanager" -c -s 1GB -t
expect_exit 2 "(0-6, or monolithicSparse, twoGbMaxExtentSparse" "an unknown type lists the valid ones" \
	"$BIN/vmdk-create" -t sparse -s 1M "$E/x.vmdk"
expect_exit 2 "(ide, buslogic, lsilogic, pvscsi)" "an unknown adapter lists the valid ones" \
	"$BIN/vmdk-create" -a scsi -s 1M "$E/x.vmdk"
expect_exit 1 "directory $E/no/such does not exist" "a missing directory said so" \
	"$BIN/vmdk-create" -s 1M -t 2 "$E/no/such/x.vmdk"
cd "$E" || exit 1
"$BIN/vmdk-create" -q -s 1M taken.vmdk
expect_exit 1 "vmdk-clone: taken.vmdk: already exists; not overwritten (-f replaces it)" \
	"a conflict names the disk as typed" "$BIN/vmdk-clone" -t 2 m.vmdk taken.vmdk
"$BIN/vmdk-clone" -q -t 2 m.vmdk c2.vmdk
rm c2.vmdk
expect_exit 1 "c2.vmdk: its file c2-flat.vmdk already exists; not overwritten (-f replaces it)" \
	"an extent's conflict names the disk and the file" "$BIN/vmdk-clone" -t 2 m.vmdk c2.vmdk
grep -q "\./" "$T/err" && bad "a ./ prefix in: $(cat "$T/err")" || ok "no ./ prefix"
"$BIN/vmdk-child" create m.vmdk ch.vmdk >/dev/null
expect_exit 1 "ch.vmdk: already exists; not overwritten" "vmdk-child's conflict" \
	"$BIN/vmdk-child" create m.vmdk ch.vmdk
grep -q "use -f\|-f replaces" "$T/err" && bad "vmdk-child hints an option it lacks" || ok "vmdk-child hints no -f"
qemu-img create -q -f qed q.qed 1M
expect_exit 1 "qemu-img convert -O raw q.qed disk.raw" "a foreign image's hint works with either front end" \
	"$BIN/vmware-vdiskmanager" -r q.qed -t 0 fromq.vmdk
grep -q "source-format" "$T/err" && bad "vmware-vdiskmanager hint names an option it lacks" ||
	ok "the hint names no option vmware-vdiskmanager lacks"
cd - >/dev/null || exit 1
"$BIN/vmdk-create" -q -t vmfsThin -s 1M "$E/thin.vmdk"
expect_exit 1 "thin.vmdk: a vmfsThin disk takes only the blocks written" "shrink of a thin disk says the right thing" \
	"$BIN/vmdk-shrink" "$E/thin.vmdk"
"$BIN/vmdk-info" "$E/thin.vmdk" | head -1 | grep -q "vmfsThin (type 6; createType vmfs)" &&
	ok "vmdk-info names the type as JSON and vmdk-create do" || bad "info type: $("$BIN/vmdk-info" "$E/thin.vmdk" | head -1)"
"$BIN/vmdk-unlink" "$E/thin.vmdk" > "$T/out" && grep -q "Deleted .*thin.vmdk" "$T/out" &&
	ok "vmdk-unlink says what it removed" || bad "unlink said: $(cat "$T/out")"

# ---- ENOSPC in the middle of a defragment (another program filled the
# filesystem): the disk reads as before and the file is no larger ----
if command -v strace >/dev/null 2>&1; then
	"$BIN/vmdk-create" -q --grain 16 -s 64M "$E/ns.vmdk"
	python3 -c '
import random
r = random.Random(3)
o = list(range(1024)); r.shuffle(o)
print("\n".join("-c\nwrite -P %d %d 8k" % (g % 200 + 1, g * 8192) for g in o[:700]))' > "$E/cmds"
	xargs -d '\n' -n 2000 qemu-io -f vmdk "$E/ns.vmdk" < "$E/cmds" > /dev/null
	size=$(stat -c %s "$E/ns.vmdk")
	sum=$("$BIN/vmdk-dump" --raw "$E/ns.vmdk" | sha)
	for w in 200 900; do
		cp "$E/ns.vmdk" "$E/ns2.vmdk"
		strace -f -o /dev/null -e trace=pwrite64 -e inject=pwrite64:error=ENOSPC:when=$w \
			"$BIN/vmdk-defrag" -q "$E/ns2.vmdk" 2>"$T/err"
		rc=$?
		[ $rc = 1 ] && grep -q "No space left" "$T/err" && ok "ENOSPC at write $w stops the defragment" ||
			bad "ENOSPC at write $w: exit $rc, $(cat "$T/err")"
		[ "$(stat -c %s "$E/ns2.vmdk")" -le "$size" ] && [ "$("$BIN/vmdk-dump" --raw "$E/ns2.vmdk" | sha)" = "$sum" ] &&
			"$BIN/vmdk-check" -q "$E/ns2.vmdk" && ok "after ENOSPC the file is no larger and reads as before" ||
			bad "after ENOSPC at write $w: $(stat -c %s "$E/ns2.vmdk") bytes (was $size)"
	done
	rm -f "$E"/ns*.vmdk "$E/cmds"
fi
