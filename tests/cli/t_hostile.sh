# SPDX-License-Identifier: MIT
# t_hostile.sh --- descriptors are untrusted: whatever files they name,
# no tool reads, writes, grows, deletes or quotes anything outside the
# disk's directory, and nothing that is not a regular file hangs a tool.
# Sourced by run.sh.

Z=$T/hostile
mkdir -p "$Z/d" "$Z/other"
printf 'TOPSECRET first line\nmore\n' > "$Z/secret.txt"
head -c 1048576 /dev/urandom > "$Z/victim.bin"
victim_sum=$(sha < "$Z/victim.bin")
secret_sum=$(sha < "$Z/secret.txt")

# hostile NAME EXTENT-FILE: a monolithicFlat descriptor in $Z/d naming it.
hostile() {
	printf '# Disk DescriptorFile\nversion=1\nCID=12345678\nparentCID=ffffffff\ncreateType="monolithicFlat"\nRW 2048 FLAT "%s" 0\nddb.adapterType = "lsilogic"\n' \
		"$2" > "$Z/d/$1.vmdk"
}
untouched() {
	if [ -f "$Z/victim.bin" ] && [ "$(sha < "$Z/victim.bin")" = "$victim_sum" ] &&
	   [ "$(sha < "$Z/secret.txt")" = "$secret_sum" ]; then
		ok "$1: files outside untouched"
	else
		bad "$1: a file outside the disk changed"
		head -c 1048576 /dev/urandom > "$Z/victim.bin"
		victim_sum=$(sha < "$Z/victim.bin")
	fi
}

# expect_said CODE MESSAGE DESCRIPTION COMMAND...: as expect_exit, the
# message on standard output or error (vmdk-check reports on stdout).
expect_said() {
	_code=$1 _msg=$2 _d=$3
	shift 3
	"$@" >"$T/out" 2>"$T/err"
	_rc=$?
	if [ "$_rc" -eq "$_code" ] && grep -qF -- "$_msg" "$T/out" "$T/err"; then
		ok "$_d"
	else
		bad "$_d: exit $_rc (want $_code), message wanted: $_msg"
	fi
}

hostile up "../victim.bin"
hostile abs "$Z/victim.bin"
ln -s ../victim.bin "$Z/d/link.bin"
hostile link "link.bin"
ln -s .. "$Z/d/up"
hostile dirlink "up/victim.bin"
hostile dotdot "x/../../victim.bin"
# A name that goes up and comes back stays inside: allowed.
"$BIN/vmdk-create" -q -t 2 -s 1M "$Z/d/ok.vmdk"
mkdir -p "$Z/d/x"
hostile back "x/../ok-flat.vmdk"

for name in up abs link dirlink dotdot; do
	disk=$Z/d/$name.vmdk
	expect_exit 1 "outside the disk's directory" "vmdk-info refuses extent ($name)" \
		"$BIN/vmdk-info" "$disk"
	expect_exit 1 "outside the disk's directory" "vmdk-dump refuses extent ($name)" \
		"$BIN/vmdk-dump" --raw "$disk"
	expect_exit 1 "outside the disk's directory" "vmdk-fill refuses extent ($name)" \
		"$BIN/vmdk-fill" -q -c 8 --val 0x41 "$disk"
	expect_exit 1 "outside the disk's directory" "vmdk-grow refuses extent ($name)" \
		"$BIN/vmdk-grow" -q "$disk" 2M
	expect_exit 1 "outside the disk's directory" "vmdk-clone refuses extent ($name)" \
		"$BIN/vmdk-clone" -q "$disk" "$Z/other/c-$name.vmdk"
	expect_exit 1 "outside the disk's directory" "vmdk-map refuses extent ($name)" \
		"$BIN/vmdk-map" "$disk"
	expect_exit 1 "outside the disk's directory" "vmdk-meta set refuses extent ($name)" \
		"$BIN/vmdk-meta" "$disk" set ddb.comment x
	expect_exit 1 "outside the disk's directory" "vmdk-unlink refuses extent ($name)" \
		"$BIN/vmdk-unlink" "$disk"
	expect_exit 1 "outside the disk's directory" "vmdk-rename refuses extent ($name)" \
		"$BIN/vmdk-rename" "$disk" "$Z/d/renamed-$name.vmdk"
	expect_exit 1 "outside the disk's directory" "vmdk-child create refuses parent extent ($name)" \
		"$BIN/vmdk-child" create "$disk" "$Z/d/ch-$name.vmdk"
	expect_said 4 "outside the disk's directory" "vmdk-check reports extent ($name)" \
		"$BIN/vmdk-check" "$disk"
	expect_said 4 "nothing repaired" "vmdk-check -r -y repairs nothing ($name)" \
		"$BIN/vmdk-check" -r -y "$disk"
	# vmdk-clone -f over it: its old extents are not ours to delete.
	cp "$disk" "$Z/d/over-$name.vmdk"
	expect "vmdk-clone -f over a disk naming ($name)" \
		"$BIN/vmdk-clone" -q -f "$Z/d/ok.vmdk" "$Z/d/over-$name.vmdk"
	untouched "$name"
	[ ! -e "$Z/d/renamed-$name.vmdk" ] && [ ! -e "$Z/d/ch-$name.vmdk" ] &&
		[ ! -e "$Z/other/c-$name.vmdk" ] && ok "$name: no output left" ||
		bad "$name: an output was left"
done
expect "a name that comes back inside opens" "$BIN/vmdk-info" -q "$Z/d/back.vmdk"

# The opt-in: reading and writing where the user says so.
cp "$Z/victim.bin" "$Z/mine.bin"
hostile mine "$Z/mine.bin"
[ "$("$BIN/vmdk-dump" --raw --unsafe-paths "$Z/d/mine.vmdk" | sha)" = "$victim_sum" ] &&
	ok "--unsafe-paths reads an absolute extent" || bad "--unsafe-paths read wrong data"
expect "--unsafe-paths lets vmdk-fill write it" \
	"$BIN/vmdk-fill" -q --unsafe-paths -c 1 --val 0x41 "$Z/d/mine.vmdk"
[ "$(head -c 1 "$Z/mine.bin")" = "A" ] && ok "the write went where asked" ||
	bad "the write did not reach the named file"
expect "--unsafe-paths with vmdk-info" "$BIN/vmdk-info" -q --unsafe-paths "$Z/d/mine.vmdk"
expect_exit 1 "not a regular file" "--unsafe-paths still refuses a character device" \
	sh -c "sed 's|\"$Z/mine.bin\"|\"/dev/zero\"|' '$Z/d/mine.vmdk' > '$Z/d/zero.vmdk' &&
	       exec '$BIN/vmdk-info' --unsafe-paths '$Z/d/zero.vmdk'"

# FIFOs never hang a tool: as extent, as parent, as the disk itself.
if mkfifo "$Z/d/fifo" 2>/dev/null; then
	hostile fifox "fifo"
	expect_exit 1 "not a regular file" "a FIFO extent is refused" \
		timeout 20 "$BIN/vmdk-info" "$Z/d/fifox.vmdk"
	expect_said 4 "not a regular file" "vmdk-check reports a FIFO extent" \
		timeout 20 "$BIN/vmdk-check" "$Z/d/fifox.vmdk"
	"$BIN/vmdk-child" create -q -t 1 "$Z/d/ok.vmdk" "$Z/d/fch.vmdk"
	sed -i 's|^parentFileNameHint=.*|parentFileNameHint="fifo"|' "$Z/d/fch.vmdk"
	expect_exit 1 "not a regular file" "a FIFO parent hint is refused" \
		timeout 20 "$BIN/vmdk-info" "$Z/d/fch.vmdk"
	expect_exit 1 "not a regular file" "a FIFO as the disk is refused" \
		timeout 20 "$BIN/vmdk-info" "$Z/d/fifo"
	rm -f "$Z/d/fifo"
fi

# A parent hint may be anywhere, but what it names is never quoted.
"$BIN/vmdk-child" create -q -t 1 "$Z/d/ok.vmdk" "$Z/d/sec.vmdk"
sed -i 's|^parentFileNameHint=.*|parentFileNameHint="../secret.txt"|' "$Z/d/sec.vmdk"
for cmd in "vmdk-info" "vmdk-dump --raw" "vmdk-check -e" "vmdk-check" "vmdk-map"; do
	# shellcheck disable=SC2086
	$BIN/$cmd "$Z/d/sec.vmdk" >"$T/out" 2>"$T/err"
	if grep -q TOPSECRET "$T/out" "$T/err"; then
		bad "$cmd quotes the file a parent hint names"
	elif grep -q "not a VMDK descriptor" "$T/out" "$T/err"; then
		ok "$cmd says the hint names no disk, without quoting it"
	else
		bad "$cmd: no clear message for a hint naming no disk"
	fi
done
sed -i "s|^parentFileNameHint=.*|parentFileNameHint=\"$Z/secret.txt\"|" "$Z/d/sec.vmdk"
expect_exit 1 "not a VMDK descriptor" "an absolute hint naming a text file" \
	"$BIN/vmdk-info" "$Z/d/sec.vmdk"
grep -q TOPSECRET "$T/err" && bad "absolute hint's file quoted" || ok "absolute hint's file not quoted"
# An absolute hint to a real disk elsewhere is fine (VMware writes them).
"$BIN/vmdk-create" -q -s 1M "$Z/other/base.vmdk"
"$BIN/vmdk-child" create -q -t 1 "$Z/other/base.vmdk" "$Z/d/abschild.vmdk"
sed -i "s|^parentFileNameHint=.*|parentFileNameHint=\"$Z/other/base.vmdk\"|" "$Z/d/abschild.vmdk"
expect "an absolute parent hint to a disk opens" "$BIN/vmdk-info" -q "$Z/d/abschild.vmdk"

# A change-tracking file outside is neither deleted nor followed.
"$BIN/vmdk-create" -q -t 2 -s 1M "$Z/d/ctk.vmdk"
sed -i 's/^createType=.*/&\nchangeTrackPath="..\/victim.bin"/' "$Z/d/ctk.vmdk"
expect_exit 1 "change-tracking file" "a ctk file outside refuses the open" \
	"$BIN/vmdk-fill" -q -c 1 --val 1 "$Z/d/ctk.vmdk"
expect_exit 1 "change-tracking file" "vmdk-meta --drop-ctk refuses it" \
	"$BIN/vmdk-meta" --drop-ctk "$Z/d/ctk.vmdk"
expect_said 4 "../victim.bin" "vmdk-check reports it" "$BIN/vmdk-check" "$Z/d/ctk.vmdk"
expect "--unsafe-paths drops tracking" "$BIN/vmdk-meta" --unsafe-paths --drop-ctk "$Z/d/ctk.vmdk"
! grep -q changeTrackPath "$Z/d/ctk.vmdk" && ok "the ctk line is gone" || bad "ctk line kept"
untouched "ctk outside"
sed -i "s|^createType=.*|&\nchangeTrackPath=\"$Z/victim.bin\"|" "$Z/d/ctk.vmdk"
expect_exit 1 "change-tracking file" "an absolute ctk file refuses the open" \
	"$BIN/vmdk-fill" -q -c 1 --val 1 "$Z/d/ctk.vmdk"
untouched "absolute ctk"

# An extent naming the descriptor itself, or one file twice.
hostile self "self.vmdk"
expect_exit 1 "names itself" "an extent naming its own descriptor" \
	"$BIN/vmdk-fill" -q -c 1 --val 1 "$Z/d/self.vmdk"
printf '# Disk DescriptorFile\nversion=1\nCID=12345678\nparentCID=ffffffff\ncreateType="twoGbMaxExtentFlat"\nRW 1024 FLAT "ok-flat.vmdk" 0\nRW 1024 FLAT "ok-flat.vmdk" 1024\n' > "$Z/d/twice.vmdk"
expect_exit 1 "as two extents" "a file named as two extents is not written" \
	"$BIN/vmdk-fill" -q -c 1 --val 1 "$Z/d/twice.vmdk"
expect "a file named as two extents still reads" "$BIN/vmdk-info" -q "$Z/d/twice.vmdk"

# A child whose extent leads out: commit, rebase, attach, shrink refuse it.
"$BIN/vmdk-child" create -q -t 1 "$Z/d/ok.vmdk" "$Z/d/hc.vmdk"
sed -i 's|"hc-s001.vmdk"|"../victim.bin"|' "$Z/d/hc.vmdk"
expect_exit 1 "outside the disk's directory" "commit refuses a child naming a file outside" \
	"$BIN/vmdk-child" commit -q "$Z/d/hc.vmdk"
expect_exit 1 "outside the disk's directory" "rebase refuses a child naming a file outside" \
	"$BIN/vmdk-child" rebase -q "$Z/d/hc.vmdk" ""
expect_exit 1 "outside the disk's directory" "attach refuses a link naming a file outside" \
	"$BIN/vmdk-child" attach -q "$Z/d/up.vmdk" "$Z/d/att.vmdk"
for tool in vmdk-shrink vmdk-defrag; do
	expect_exit 1 "outside the disk's directory" "$tool refuses a child naming a file outside" \
		"$BIN/$tool" -q "$Z/d/hc.vmdk"
done
untouched "child naming a file outside"
[ ! -e "$Z/d/att.vmdk" ] && ok "no child attached to a hostile link" || bad "attach made a child"

# vmware-vdiskmanager runs the same operations: the same refusals.
for op in "-d" "-k" "-x 4MB" "-R" "-D" "-e"; do
	# shellcheck disable=SC2086
	"$BIN/vmware-vdiskmanager" $op "$Z/d/up.vmdk" >"$T/out" 2>"$T/err"
	rc=$?
	if [ $rc -ne 0 ] && grep -q "outside the disk's directory" "$T/out" "$T/err"; then
		ok "vmware-vdiskmanager $op refuses a disk naming a file outside"
	elif [ "$op" = "-e" ] && [ $rc -eq 0 ]; then
		ok "vmware-vdiskmanager -e reads descriptors only: the chain is consistent"
	else
		bad "vmware-vdiskmanager $op on a hostile disk: exit $rc"
	fi
done
expect_exit 1 "outside the disk's directory" "vmware-vdiskmanager -r refuses it" \
	"$BIN/vmware-vdiskmanager" -r "$Z/d/up.vmdk" -t 0 "$Z/other/vdm.vmdk"
expect_exit 1 "outside the disk's directory" "vmware-vdiskmanager -n refuses it" \
	"$BIN/vmware-vdiskmanager" -n "$Z/d/up.vmdk" "$Z/d/vdm-renamed.vmdk"
untouched "vmware-vdiskmanager on a hostile disk"
