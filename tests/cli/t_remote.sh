# SPDX-License-Identifier: MIT
# t_remote.sh --- vmdk-clone --host against VMware's own simulator (the
# govmomi simulator package, tests/remote/vcsim.go) on 127.0.0.1, as ESXi
# and as vCenter.  The simulator discards uploads; it keeps a copy of each
# body, read back here by qemu-img, libyal and us.  Sourced by run.sh.

: "${VCSIM:?VCSIM must name the simulator built from tests/remote/vcsim.go}"
R=$T/remote
mkdir -p "$R/cap"
printf 'secret\n' > "$R/pw"
SIM_PID=

# sim_start esx|vpx [vcsim options]: url, host, sha1, sha256, datastore set.
sim_start() {
	_mode=$1
	shift
	rm -f "$R/info" "$R/cap/"*
	"$VCSIM" -mode "$_mode" -capture "$R/cap" -info "$R/info" "$@" >"$R/sim.log" 2>&1 &
	SIM_PID=$!
	_i=0
	while [ ! -s "$R/info" ] && [ $_i -lt 200 ]; do sleep 0.05; _i=$((_i + 1)); done
	# shellcheck disable=SC1091
	. "$R/info"
}
# Killed outright: a graceful stop would first finish every transfer.
sim_stop() {
	[ -n "$SIM_PID" ] && kill -KILL "$SIM_PID" 2>/dev/null && wait "$SIM_PID" 2>/dev/null
	SIM_PID=
}
trap 'sim_stop; rm -rf "$T"' EXIT INT TERM

# rc [options] SRC DST: vmdk-clone to or from the simulator, pinned.
rc() { "$BIN/vmdk-clone" -q --host "$host" --user root --password-file "$R/pw" \
	--thumbprint "$sha1" "$@"; }
body() { ls "$R/cap"/upload-* 2>/dev/null | grep -v '\.part$' | tail -1; }
vms() { curl -sk "https://$host/vcsim-test/vms"; }
no_helper() {
	if vms | grep -q vmdktools-import || ls "$datastore" | grep -q vmdktools-import; then
		bad "$1: the carrier VM or its directory is left"
	else
		ok "$1: no carrier VM left"
	fi
}
# uploaded DESCRIPTION WANT_SHA NAME: the last body reads as WANT by all
# three; libyal reads it under the NAME its descriptor gives its extent.
uploaded() {
	_b=$(body)
	if [ -z "$_b" ]; then bad "$1: no body captured"; return; fi
	_ours=$("$BIN/vmdk-dump" --raw "$_b" 2>"$T/err" | sha)
	_q=$(qemu-img convert -O raw "$_b" "$R/q.raw" 2>>"$T/err" && sha < "$R/q.raw")
	mkdir -p "$R/yal" && ln -f "$_b" "$R/yal/$3"
	_y=$("$YAL" "$R/yal/$3" 2>>"$T/err" | sha)
	rm -rf "$R/q.raw" "$R/yal"
	if [ "$_ours" = "$2" ] && [ "$_q" = "$2" ] && [ "$_y" = "$2" ] &&
	   qemu-img check -q "$_b" 2>>"$T/err" &&
	   head -c 4 "$_b" | grep -q KDMV && "$BIN/vmdk-info" "$_b" | grep -q streamOptimized; then
		ok "$1"
	else
		bad "$1: ours $_ours qemu $_q libyal $_y want $2"
	fi
}

# A source with data, a zero run written, and untouched space.
"$BIN/vmdk-create" -q -s 48M "$R/src.vmdk"
head -c 2500000 /dev/urandom > "$R/rnd"
"$BIN/vmdk-fill" -q -s 4096 -f "$R/rnd" "$R/src.vmdk"
"$BIN/vmdk-fill" -q -s 60000 -c 700 --val 0x5a "$R/src.vmdk"
"$BIN/vmdk-fill" -q -s 70000 -c 512 --val 0 "$R/src.vmdk"
want=$("$BIN/vmdk-dump" --raw "$R/src.vmdk" | sha)

sim_start esx
expect "upload to ESXi" rc -v "$R/src.vmdk" "[LocalDS_0] dir/up.vmdk"
grep -q "Uploaded .* to \[LocalDS_0\] dir/up.vmdk on $host (thin)" "$T/out" &&
	ok "upload says where it went" || bad "upload summary: $(cat "$T/out")"
uploaded "uploaded body reads as the source (qemu-img, libyal, ours)" "$want" up.vmdk
# Another format's image goes up the same way, its chain flattened.
qemu-img convert -O qcow2 "$R/src.vmdk" "$R/src-base.qcow2"
qemu-img create -q -f qcow2 -b src-base.qcow2 -F qcow2 "$R/src.qcow2"
qemu-io -c "write -P 0x77 1M 64k" "$R/src.qcow2" >/dev/null
qwant=$(qemu-img convert -O raw "$R/src.qcow2" "$R/qsrc.raw" && sha < "$R/qsrc.raw")
expect "upload a qcow2 chain to ESXi" rc "$R/src.qcow2" "[LocalDS_0] dir/fromq.vmdk"
uploaded "the uploaded qcow2 chain reads as qemu-img reads it" "$qwant" fromq.vmdk
[ -f "$datastore/dir/up.vmdk" ] && [ -f "$datastore/dir/up-flat.vmdk" ] &&
	ok "the disk ends at [LocalDS_0] dir/up.vmdk" || bad "final layout: $(cd "$datastore" && find . | tr '\n' ' ')"
no_helper "upload"
rm -f "$R/cap/"*
expect_exit 1 "[LocalDS_0] dir/up.vmdk exists (-f replaces it)" "an existing remote disk is kept" \
	rc "$R/src.vmdk" "[LocalDS_0] dir/up.vmdk"
[ -z "$(body)" ] && ok "nothing sent for a refused upload" || bad "a body was sent"
expect "-f replaces a remote disk" rc -f -t 4 "$R/src.vmdk" "[LocalDS_0] dir/up.vmdk"
uploaded "thick upload reads as the source" "$want" up.vmdk
no_helper "replacing upload"

# Every type as a source, a chain, a raw image, standard input.
for t in 0 1 2 3 4 5 6; do
	"$BIN/vmdk-clone" -q -t $t "$R/src.vmdk" "$R/type$t.vmdk"
	rm -f "$R/cap/"*
	expect "type $t source uploads" rc "$R/type$t.vmdk" "[LocalDS_0] types/t$t.vmdk"
	uploaded "type $t upload reads as the source" "$want" t$t.vmdk
done
"$BIN/vmdk-child" -q create "$R/src.vmdk" "$R/child.vmdk" 2>"$T/err" ||
	"$BIN/vmdk-child" -q "$R/src.vmdk" "$R/child.vmdk" 2>"$T/err"
"$BIN/vmdk-fill" -q -s 100 -c 300 --val 0x77 "$R/child.vmdk"
want_child=$("$BIN/vmdk-dump" --raw "$R/child.vmdk" | sha)
rm -f "$R/cap/"*
expect "a chain uploads flattened" rc "$R/child.vmdk" "[LocalDS_0] chain/flat.vmdk"
uploaded "chain upload reads as the child over its parent" "$want_child" flat.vmdk
"$BIN/vmdk-dump" --raw "$R/src.vmdk" > "$R/src.raw"
rm -f "$R/cap/"*
expect "a raw image uploads" rc "$R/src.raw" "[LocalDS_0] raw.vmdk"
uploaded "raw image upload reads as the image" "$want" raw.vmdk
rm -f "$R/cap/"*
expect "standard input (raw) uploads" sh -c "cat '$R/src.raw' | \"\$0\" -q --host '$host' --user root \
	--password-file '$R/pw' --thumbprint '$sha1' - '[LocalDS_0] stdin.vmdk'" "$BIN/vmdk-clone"
uploaded "standard input upload reads as the input" "$want" stdin.vmdk
rm -f "$R/cap/"*
expect "standard input (streamOptimized) uploads" sh -c "cat '$R/type5.vmdk' | \"\$0\" -q --host '$host' \
	--user root --password-file '$R/pw' --thumbprint '$sha1' - '[LocalDS_0] stdin2.vmdk'" "$BIN/vmdk-clone"
uploaded "streamOptimized standard input reads as the source" "$want" stdin2.vmdk
# Read as it comes, never stored: with no temporary directory at all.
rm -f "$R/cap/"*
expect "a stream on standard input uploads with nowhere to store it" sh -c "cat '$R/type5.vmdk' | \
	TMPDIR=/nonexistent \"\$0\" -q --host '$host' --user root --password-file '$R/pw' \
	--thumbprint '$sha1' - '[LocalDS_0] stdin3.vmdk'" "$BIN/vmdk-clone"
uploaded "the unstored stream upload reads as the source" "$want" stdin3.vmdk
rm -f "$R/cap/"*
rawsize=$(stat -c %s "$R/src.raw")
expect "a raw image on standard input with --size uploads unstored" sh -c "cat '$R/src.raw' | \
	TMPDIR=/nonexistent \"\$0\" -q --size ${rawsize}b --host '$host' --user root \
	--password-file '$R/pw' --thumbprint '$sha1' - '[LocalDS_0] stdin4.vmdk'" "$BIN/vmdk-clone"
uploaded "the unstored raw upload reads as the image" "$want" stdin4.vmdk
expect_exit 1 "standard input: the stream ended at byte" "a raw stream shorter than --size" \
	sh -c "head -c $((rawsize / 2)) '$R/src.raw' | \"\$0\" -q --size ${rawsize}b --host '$host' \
	--user root --password-file '$R/pw' --thumbprint '$sha1' - '[LocalDS_0] short.vmdk'" "$BIN/vmdk-clone"
[ ! -e "$datastore/short.vmdk" ] && ok "nothing lands from a short raw stream" ||
	bad "a short raw stream left a disk"
no_helper "after every upload"

# Credentials and certificates.
printf 'wrong\n' > "$R/badpw"
expect_exit 1 "$host: the user name or password is not accepted" "wrong password" \
	"$BIN/vmdk-clone" --host "$host" --user root --password-file "$R/badpw" \
	--thumbprint "$sha1" "$R/src.vmdk" "[LocalDS_0] x.vmdk"
expect "VMDK_PASSWORD is read" env VMDK_PASSWORD=secret "$BIN/vmdk-clone" -q --host "$host" \
	--user root --thumbprint "$sha256" "$R/src.vmdk" "[LocalDS_0] env.vmdk"
ok_sha256=$(body)
[ -n "$ok_sha256" ] && ok "a SHA-256 thumbprint is accepted" || bad "no body with the SHA-256 pin"
expect_exit 1 "not trusted" "a self-signed certificate without --thumbprint is refused" \
	"$BIN/vmdk-clone" --host "$host" --user root --password-file "$R/pw" \
	"$R/src.vmdk" "[LocalDS_0] x.vmdk"
grep -qF "$sha1" "$T/err" && grep -qF "$sha256" "$T/err" &&
	ok "the refusal shows both thumbprints" || bad "thumbprints not shown: $(cat "$T/err")"
wrong=$(echo "$sha1" | sed 's/^../00/')
expect_exit 1 "does not match --thumbprint" "a wrong thumbprint is refused" \
	"$BIN/vmdk-clone" --host "$host" --user root --password-file "$R/pw" \
	--thumbprint "$wrong" "$R/src.vmdk" "[LocalDS_0] x.vmdk"
grep -qF "$sha1" "$T/err" && ok "the mismatch names the server's thumbprint" || bad "mismatch message"
expect "--insecure skips the check" "$BIN/vmdk-clone" -q --host "$host" --user root \
	--password-file "$R/pw" --insecure "$R/src.vmdk" "[LocalDS_0] insecure.vmdk"
if grep -rqs secret "$T/err" "$T/out" "$R/trace" 2>/dev/null; then bad "the password shows in output"; else ok "no password in any message"; fi

# vmware-vdiskmanager's remote convert, as VMware documents it.
rm -f "$R/cap/"*
expect "vmware-vdiskmanager -r -t 4 -h -u -f \"[ds] path\"" "$BIN/vmware-vdiskmanager" \
	--thumbprint "$sha1" -r "$R/src.vmdk" -t 4 -h "$host" -u root -f "$R/pw" "[LocalDS_0] vdm/disk.vmdk"
grep -q "Virtual disk conversion successful." "$T/out" && ok "vmware-vdiskmanager says so" ||
	bad "vmware-vdiskmanager message: $(cat "$T/out")"
uploaded "vmware-vdiskmanager upload reads as the source" "$want" disk.vmdk
[ -f "$datastore/vdm/disk.vmdk" ] && ok "vmware-vdiskmanager's disk is in place" || bad "no vdm/disk.vmdk"
expect "VMDK_THUMBPRINT pins the certificate for vmware-vdiskmanager" env VMDK_THUMBPRINT="$sha256" \
	"$BIN/vmware-vdiskmanager" -q -r "$R/src.vmdk" -t 6 -h "$host" -u root -f "$R/pw" "[LocalDS_0] vdm/thin.vmdk"
expect_exit 1 "not accepted" "vmware-vdiskmanager with a wrong password" "$BIN/vmware-vdiskmanager" \
	--thumbprint "$sha1" -r "$R/src.vmdk" -t 4 -h "$host" -u root -f "$R/badpw" "[LocalDS_0] vdm/x.vmdk"
no_helper "vmware-vdiskmanager uploads"

# Places that do not exist.
expect_exit 1 "no datastore 'nope'" "unknown datastore" rc "$R/src.vmdk" "[nope] x.vmdk"
expect_exit 1 "no datacenter 'DCX'" "unknown datacenter" rc --datacenter DCX "$R/src.vmdk" "[LocalDS_0] x.vmdk"
expect_exit 1 "no resource pool 'nopool'" "unknown pool" rc --pool nopool "$R/src.vmdk" "[LocalDS_0] x.vmdk"
expect_exit 1 "no folder 'nofolder'" "unknown folder" rc --folder nofolder "$R/src.vmdk" "[LocalDS_0] x.vmdk"
expect "the pool and folder by path" rc --datacenter ha-datacenter \
	--pool host/localhost.localdomain/Resources --folder /ha-datacenter/vm "$R/src.vmdk" "[LocalDS_0] placed.vmdk"
expect "a pool under the host folder" rc --pool localhost.localdomain/Resources "$R/src.vmdk" "[LocalDS_0] placed2.vmdk"
no_helper "after refused uploads"

# Usage errors: exit 2, nothing sent.
expect_exit 2 "needs --host" "a datastore path without --host" \
	"$BIN/vmdk-clone" "$R/src.vmdk" "[LocalDS_0] x.vmdk"
expect_exit 1 "[LocalDS_0] a.vmdk: no such file on the datastore" \
	"datastore to datastore from a missing disk" rc "[LocalDS_0] a.vmdk" "[LocalDS_0] b.vmdk"
expect_exit 2 "thin (-t 6) or thick (-t 4)" "datastore to datastore as type 1" \
	rc -t 1 "[LocalDS_0] a.vmdk" "[LocalDS_0] b.vmdk"
expect_exit 2 "is a datastore path" "--host with two local files" rc "$R/src.vmdk" "$R/x.vmdk"
expect_exit 2 "thin (-t 6) or thick (-t 4)" "upload as type 0" rc -t 0 "$R/src.vmdk" "[LocalDS_0] x.vmdk"
expect_exit 2 "--thumbprint wants" "a malformed thumbprint" rc --thumbprint 12:34 "$R/src.vmdk" "[LocalDS_0] x.vmdk"
expect_exit 2 "no password" "no password anywhere" env -u VMDK_PASSWORD "$BIN/vmdk-clone" \
	--host "$host" --user root --thumbprint "$sha1" "$R/src.vmdk" "[LocalDS_0] x.vmdk" </dev/null
expect_exit 2 "" "no password option on the command line" "$BIN/vmdk-clone" --host "$host" \
	--user root --password secret "$R/src.vmdk" "[LocalDS_0] x.vmdk"
expect_exit 2 "the remote options go with --host" "remote options without --host" \
	"$BIN/vmdk-clone" --insecure "$R/src.vmdk" "$R/x.vmdk"
expect_exit 2 "no empty, '.' or '..' parts" "a datastore path leading out" rc "$R/src.vmdk" "[LocalDS_0] ../x.vmdk"
expect_exit 2 "is not a datastore path" "a datastore path without a disk name" rc "$R/src.vmdk" "[LocalDS_0]"

# Downloads: disks laid on the datastore, fetched and compared.
mkdir -p "$datastore/dl/base" "$datastore/dl/kids"
for t in 0 1 2 4 5 6; do
	"$BIN/vmdk-clone" -q -t $t "$R/src.vmdk" "$datastore/dl/t$t.vmdk"
	rm -f "$R/d$t.vmdk"
	expect "download of a type $t disk" rc "[LocalDS_0] dl/t$t.vmdk" "$R/d$t.vmdk"
	same_content "type $t download reads alike everywhere" "$R/d$t.vmdk"
	[ "$("$BIN/vmdk-dump" --raw "$R/d$t.vmdk" | sha)" = "$want" ] &&
		ok "type $t download is the disk" || bad "type $t download differs"
done
expect "download of a flat disk, traced" env VMDK_REMOTE_TRACE=1 "$BIN/vmdk-clone" -q \
	--host "$host" --user root --password-file "$R/pw" --thumbprint "$sha1" \
	"[LocalDS_0] dl/t4.vmdk" "$R/traced.vmdk"
grep -q "reading dl/t4-flat.vmdk" "$T/err" &&
	ok "a flat extent streams into the copy" || bad "flat extent: $(grep remote: "$T/err" | tr '\n' ' ')"
# A sparse disk is read where it lies too: killed outright halfway, the
# download leaves no copy of the source (only the destination's staging).
mkdir -p "$R/kill"
expect "download of a sparse disk, traced" env VMDK_REMOTE_TRACE=1 "$BIN/vmdk-clone" -q \
	--host "$host" --user root --password-file "$R/pw" --thumbprint "$sha1" \
	"[LocalDS_0] dl/t1.vmdk" "$R/kill/sparse.vmdk"
grep -q "reading dl/t1-s001.vmdk" "$T/err" && ! grep -q "fetching" "$T/err" &&
	ok "sparse extents are read in ranges, not fetched" || bad "sparse extent: $(grep remote: "$T/err" | tr '\n' ' ')"
[ "$(ls -A "$R/kill")" = "sparse.vmdk" ] && ok "only the destination is left" ||
	bad "left beside the destination: $(ls -A "$R/kill" | tr '\n' ' ')"
expect "download to raw" rc -t raw "[LocalDS_0] dl/t4.vmdk" "$R/d.raw"
[ "$(sha < "$R/d.raw")" = "$want" ] && ok "raw download is the disk" || bad "raw download differs"
"$BIN/vmdk-clone" -q -t 0 "$R/src.vmdk" "$datastore/dl/base/base.vmdk"
(cd "$datastore/dl/kids" && "$BIN/vmdk-child" -q create ../base/base.vmdk kid.vmdk 2>/dev/null ||
	"$BIN/vmdk-child" -q ../base/base.vmdk kid.vmdk)
"$BIN/vmdk-fill" -q -s 100 -c 300 --val 0x77 "$datastore/dl/kids/kid.vmdk"
expect "download of a child whose parent is in another directory" \
	rc "[LocalDS_0] dl/kids/kid.vmdk" "$R/kid.vmdk"
[ "$("$BIN/vmdk-dump" --raw "$R/kid.vmdk" | sha)" = "$want_child" ] &&
	ok "the chain downloads flattened" || bad "chain download differs"
expect_exit 1 "no such file on the datastore" "download of a missing disk" \
	rc "[LocalDS_0] dl/none.vmdk" "$R/none.vmdk"
[ ! -e "$R/none.vmdk" ] && ! ls -a "$R" | grep -q vmdk-fetch &&
	ok "a failed download leaves no file" || bad "a failed download left files"
expect_exit 1 "exists (-f replaces it)" "a local destination is kept" rc "[LocalDS_0] dl/t0.vmdk" "$R/d0.vmdk"
printf '# Disk DescriptorFile\nversion=1\nCID=fffffffe\nparentCID=ffffffff\ncreateType="monolithicFlat"\nRW 2048 FLAT "../../../../etc/passwd" 0\n' \
	> "$datastore/dl/evil.vmdk"
expect_exit 1 "outside the disk's directory" "an extent leading out is not read" \
	rc "[LocalDS_0] dl/evil.vmdk" "$R/evil.vmdk"
sed 's|parentFileNameHint=.*|parentFileNameHint="/etc/passwd"|' "$datastore/dl/kids/kid.vmdk" \
	> "$datastore/dl/kids/evil.vmdk"
expect_exit 1 "a parent hint that is absolute or leads out of it is not followed" \
	"an absolute parent hint is not followed" \
	rc "[LocalDS_0] dl/kids/evil.vmdk" "$R/evil.vmdk"
ls -a "$R" | grep -q vmdk-fetch && bad "a fetch directory is left" || ok "no fetch directory left"

# Datastore to datastore: read where it lies, streamed into the upload,
# on one server and between two.
expect "datastore to datastore on one server" rc "[LocalDS_0] dl/t1.vmdk" "[LocalDS_0] copies/t1.vmdk"
uploaded "a datastore-to-datastore copy reads as the source" "$want" t1.vmdk
[ -f "$datastore/copies/t1.vmdk" ] && ok "the copy lands at its path" || bad "no copy at its path"
no_helper "datastore-to-datastore copy"
expect "a chain copied between datastore paths, thick" rc -t 4 "[LocalDS_0] dl/kids/kid.vmdk" \
	"[LocalDS_0] copies/kid.vmdk"
uploaded "the chain's copy is flattened" "$want_child" kid.vmdk
expect_exit 2 "go with a datastore path as both source and destination" \
	"--source-host with a local side" rc --source-host 127.0.0.1:1 "[LocalDS_0] dl/t1.vmdk" "$R/x.vmdk"
mkdir -p "$R/cap2"
"$VCSIM" -mode esx -capture "$R/cap2" -info "$R/info2" >"$R/sim2.log" 2>&1 &
SIM2_PID=$!
_i=0
while [ ! -s "$R/info2" ] && [ $_i -lt 200 ]; do sleep 0.05; _i=$((_i + 1)); done
host2=$(sed -n 's/^host=//p' "$R/info2")
sha1_2=$(sed -n 's/^sha1=//p' "$R/info2")
ds2=$(sed -n 's/^datastore=//p' "$R/info2")
mkdir -p "$ds2/far"
"$BIN/vmdk-clone" -q -t 5 "$R/src.vmdk" "$ds2/far/s.vmdk"
expect "datastore to datastore between two servers" rc --source-host "$host2" \
	--source-thumbprint "$sha1_2" "[LocalDS_0] far/s.vmdk" "[LocalDS_0] copies/far.vmdk"
uploaded "the copy from another server reads as the source" "$want" far.vmdk
expect_exit 1 "certificate" "the other server's certificate is checked on its own" \
	rc --source-host "$host2" "[LocalDS_0] far/s.vmdk" "[LocalDS_0] copies/far2.vmdk"
expect_exit 1 "no such file on the datastore" "a source missing on the other server" \
	rc --source-host "$host2" --source-thumbprint "$sha1_2" "[LocalDS_0] far/none.vmdk" \
	"[LocalDS_0] copies/none.vmdk"
[ ! -e "$datastore/copies/none.vmdk" ] && ok "nothing lands for a missing source" ||
	bad "a missing source left a disk"
kill -KILL "$SIM2_PID" 2>/dev/null
wait "$SIM2_PID" 2>/dev/null
sim_stop

# A connection dropped mid-download is resumed.
sim_start esx -drop-after 3000000
mkdir -p "$datastore/dl"
"$BIN/vmdk-clone" -q -t 4 "$R/src.vmdk" "$datastore/dl/flat.vmdk"
expect "a dropped download resumes" env VMDK_REMOTE_TRACE=1 \
	"$BIN/vmdk-clone" -q --host "$host" --user root --password-file "$R/pw" \
	--thumbprint "$sha1" "[LocalDS_0] dl/flat.vmdk" "$R/resumed.vmdk"
grep -q "resuming dl/flat-flat.vmdk at byte 3000000" "$T/err" && ok "it resumed where the drop was" ||
	bad "no resumption: $(cat "$T/err")"
[ "$("$BIN/vmdk-dump" --raw "$R/resumed.vmdk" | sha)" = "$want" ] &&
	ok "the resumed download is the disk" || bad "resumed download differs"
sim_stop

# vCenter: its datacenter, cluster pool and folders.
sim_start vpx
expect "upload to vCenter" rc "$R/src.vmdk" "[LocalDS_0] vc/up.vmdk"
uploaded "vCenter upload reads as the source" "$want" up.vmdk
no_helper "vCenter upload"
expect "upload to a named vCenter pool and folder" rc --datacenter DC0 --pool DC0_C0/Resources \
	--folder vm "$R/src.vmdk" "[LocalDS_0] vc/up2.vmdk"
mkdir -p "$datastore/vc"
"$BIN/vmdk-clone" -q -t 6 "$R/src.vmdk" "$datastore/vc/thin.vmdk"
expect "download from vCenter" rc -t 1 "[LocalDS_0] vc/thin.vmdk" "$R/vc.vmdk"
[ "$("$BIN/vmdk-dump" --raw "$R/vc.vmdk" | sha)" = "$want" ] && ok "vCenter download is the disk" ||
	bad "vCenter download differs"
sim_stop

# vCenter with its datacenter, datastores and hosts inside folders: found
# without being named.
sim_start vpx -folders 1
expect "upload to a datacenter in a folder" rc "$R/src.vmdk" "[LocalDS_0] vf/up.vmdk"
uploaded "the upload into folders reads as the source" "$want" up.vmdk
[ -f "$datastore/vf/up.vmdk" ] && ok "the disk lands in the foldered datacenter's datastore" || bad "foldered layout"
no_helper "foldered upload"
mkdir -p "$datastore/vf"
"$BIN/vmdk-clone" -q -t 4 "$R/src.vmdk" "$datastore/vf/flat.vmdk"
expect "download from a datacenter in a folder" rc "[LocalDS_0] vf/flat.vmdk" "$R/vf.vmdk"
[ "$("$BIN/vmdk-dump" --raw "$R/vf.vmdk" | sha)" = "$want" ] && ok "the foldered download is the disk" ||
	bad "foldered download differs"
expect "--datacenter as an inventory path" rc --datacenter F0/DC0 "$R/src.vmdk" "[LocalDS_0] vf/named.vmdk"
sim_stop

# The server gone in the middle: a clear message, the lease given up,
# no local file.  Throttled so that the kill lands mid-transfer.
sim_start esx -throttle 2000000
VMDK_REMOTE_TRACE=1 "$BIN/vmdk-clone" --progress --host "$host" --user root --password-file "$R/pw" \
	--thumbprint "$sha1" "$R/src.vmdk" "[LocalDS_0] slow.vmdk" >"$T/out" 2>"$R/trace" &
cpid=$!
sleep 3
n=$(grep -c HttpNfcLeaseProgress "$R/trace")
[ "$n" -ge 2 ] && ok "lease progress while uploading ($n calls in 3 s)" || bad "lease progress: $n calls"
grep -q "Uploading:" "$R/trace" && ok "--progress shows the upload" || bad "no upload progress"
sim_stop
wait $cpid
[ $? -eq 1 ] && grep -q "$host: " "$R/trace" && ok "a server killed mid-upload: exit 1, message" ||
	bad "killed mid-upload: $(tail -2 "$R/trace")"
grep -q secret "$R/trace" && bad "the trace shows the password" || ok "the trace has no password"
sim_start esx -throttle 2000000
mkdir -p "$datastore/dl"
"$BIN/vmdk-clone" -q -t 4 "$R/src.vmdk" "$datastore/dl/flat.vmdk"
rc "[LocalDS_0] dl/flat.vmdk" "$R/killed.vmdk" 2>"$T/err" &
cpid=$!
sleep 2
sim_stop
wait $cpid
_r=$?
[ $_r -eq 1 ] && [ ! -e "$R/killed.vmdk" ] && ! ls -a "$R" | grep -q vmdk-fetch &&
	ok "a server killed mid-download: exit 1, no file left" ||
	bad "killed mid-download: exit $_r, $(ls -a "$R" | tr '\n' ' ')"

# The server refusing the stream; the user interrupting (SIGTERM: a
# background job ignores SIGINT): the lease
# aborted, the carrier VM removed, nothing at the path.
sim_start esx -refuse-uploads
expect_exit 1 "the server refused the disk (HTTP 500)" "a refused stream" \
	rc "$R/src.vmdk" "[LocalDS_0] refused.vmdk"
no_helper "a refused stream"
[ ! -e "$datastore/refused.vmdk" ] && ok "nothing left at a refused path" || bad "a refused upload left a disk"
sim_stop
sim_start esx -lease error
expect_exit 1 "the import failed: no space left on the datastore (simulated)" "a lease that fails" \
	rc "$R/src.vmdk" "[LocalDS_0] failed.vmdk"
no_helper "a failed lease"
sim_stop
sim_start esx -lease stuck
expect_exit 1 "the lease was not ready within 2 seconds" "a lease that is never ready" \
	env VMDK_REMOTE_LEASE_SECONDS=2 "$BIN/vmdk-clone" -q --host "$host" --user root \
	--password-file "$R/pw" --thumbprint "$sha1" "$R/src.vmdk" "[LocalDS_0] stuck.vmdk"
no_helper "a lease never ready"
sim_stop
sim_start esx -throttle 1000000
"$BIN/vmdk-clone" -q --host "$host" --user root --password-file "$R/pw" --thumbprint "$sha1" \
	"$R/src.vmdk" "[LocalDS_0] interrupted.vmdk" 2>"$T/err" &
cpid=$!
sleep 2
kill -TERM $cpid
wait $cpid
_r=$?
[ $_r -eq 143 ] && grep -q "$host: canceled" "$T/err" && ok "an interrupted upload fails: exit 143 (SIGTERM), canceled" ||
	bad "an interrupted upload: exit $_r, $(cat "$T/err")"
no_helper "an interrupted upload"
[ ! -e "$datastore/interrupted.vmdk" ] && ok "nothing left after an interrupt" || bad "an interrupted upload left a disk"
sim_stop
trap 'rm -rf "$T"' EXIT INT TERM
