# SPDX-License-Identifier: MIT
# t_images.sh --- other formats' images as sources: qcow2 of every kind
# qemu-img writes (compat 0.10 and 1.1, zlib and zstd compressed, cluster
# sizes 512 bytes to 2 MiB, extended L2 entries, zero clusters, internal
# snapshots, backing chains on qcow2, raw and VMDK), read as qemu-img
# reads them and as libyal's libqcow and libvhdi read them (where they
# can; where they read otherwise the specification decides, named at
# each case); what is refused by name (encryption, version 1, the corrupt
# mark, unknown features, a backing file outside the directory, damaged
# tables) refused with nothing written.  Sourced by run.sh.

I=$T/images
mkdir -p "$I"
# 24 MiB of random, text and zero MiB chunks, and a few scattered writes.
for i in 0 1 2 3 4 5 6 7; do
	head -c 1M /dev/urandom
	yes "line $i of some text" | head -c 1M
	head -c 1M /dev/zero
done > "$I/base.raw"

# yal_alike WHAT IMAGE WANT: libyal's reader of the format (libqcow for
# qcow2, libvhdi for VHD and VHDX; none for VDI) reads IMAGE as WANT.
# What its version cannot read it refuses, and $yal_cannot says why; where
# it reads other data than the specification gives, $yal_differs says
# how.  A refusal or a difference not expected fails, and so does an
# expected one that no longer happens.
yal_cannot= yal_differs=
yal_alike() {
	case $2 in
	*.qcow2) _k=qcow2 _lib=libqcow ;;
	*.vhd | *.vhdx) _k=vhdi _lib=libvhdi ;;
	*) yal_cannot= yal_differs=; return 0 ;;
	esac
	if [ -z "${YALI:-}" ]; then
		bad "$1: no libyal image reader (YALI)"
	elif ! "$YALI" $_k "$2" > "$I/yal.raw" 2>"$T/err"; then
		[ -n "$yal_cannot" ] && ok "$1: $_lib refuses it ($yal_cannot)" ||
			bad "$1: $_lib refuses it: $(cat "$T/err")"
	elif cmp -s "$I/yal.raw" "$3"; then
		[ -z "$yal_cannot$yal_differs" ] && ok "$1: $_lib reads it alike" ||
			bad "$1: $_lib reads it alike now ($yal_cannot$yal_differs no more)"
	else
		[ -n "$yal_differs" ] && ok "$1: $_lib reads other data ($yal_differs)" ||
			bad "$1: $_lib's read differs"
	fi
	yal_cannot= yal_differs=
}

# reads_alike WHAT IMAGE: ours, qemu-img's and (for what libqcow reads)
# the same bytes, and a clone to a stream VMDK reads alike everywhere.
reads_alike() {
	_w=$1 _img=$2
	qemu-img convert -O raw "$_img" "$I/want.raw" 2>"$T/err"
	if "$BIN/vmdk-dump" --raw "$_img" 2>"$T/err" | cmp -s - "$I/want.raw"; then
		ok "$_w: read as qemu-img reads it"
	else
		bad "$_w: ours differs from qemu-img's"
	fi
	rm -f "$I/s.vmdk"
	if "$BIN/vmdk-clone" -q -t 5 "$_img" "$I/s.vmdk" 2>"$T/err" &&
	   "$BIN/vmdk-dump" --raw "$I/s.vmdk" | cmp -s - "$I/want.raw"; then
		ok "$_w: cloned to a stream VMDK"
		same_content "$_w: the stream reads alike everywhere" "$I/s.vmdk"
	else
		bad "$_w: clone to a stream"
	fi
	expect "$_w: vmdk-compare finds it equal to qemu-img's raw" \
		"$BIN/vmdk-compare" "$_img" "$I/want.raw"
	yal_alike "$_w" "$_img" "$I/want.raw"
}

for opts in compat=0.10 compat=1.1 compat=0.10,cluster_size=512 \
	    cluster_size=4k cluster_size=2M extended_l2=on \
	    extended_l2=on,cluster_size=16k; do
	rm -f "$I/q.qcow2"
	qemu-img convert -f raw -O qcow2 -o "$opts" "$I/base.raw" "$I/q.qcow2"
	case $opts in extended_l2*) yal_cannot="its version predates extended L2 entries" ;; esac
	reads_alike "qcow2 $opts" "$I/q.qcow2"
done
for comp in zlib zstd; do
	rm -f "$I/q.qcow2"
	qemu-img convert -c -f raw -O qcow2 -o compression_type=$comp "$I/base.raw" "$I/q.qcow2"
	[ $comp = zstd ] && yal_cannot="its version predates zstd compression"
	reads_alike "qcow2 compressed with $comp" "$I/q.qcow2"
done
"$BIN/vmdk-info" "$I/q.qcow2" > "$T/out"
grep -q "^Image format: *qcow2" "$T/out" && grep -q "zstd compression" "$T/out" &&
	ok "vmdk-info names the format and its compression" || bad "vmdk-info: $(cat "$T/out")"
"$BIN/vmdk-info" --json "$I/q.qcow2" | python3 -c '
import json, sys
d = json.load(sys.stdin)
assert d["imageFormat"] == "qcow2" and d["links"][0]["imageFormat"] == "qcow2"
assert d["capacityBytes"] == 24 << 20' && ok "vmdk-info --json names the format" ||
	bad "vmdk-info --json"

# Zero clusters (version 3), subclusters written, zeroed and left to the
# backing file, three links deep; then a chain on raw and one on a VMDK.
qemu-img convert -f raw -O qcow2 "$I/base.raw" "$I/l0.qcow2"
qemu-img create -q -f qcow2 -b l0.qcow2 -F qcow2 -o extended_l2=on "$I/l1.qcow2"
qemu-io -c "write -P 0x55 1M 3M" -c "write -z 9M 1M" -c "write -P 0x11 12289k 1k" \
	"$I/l1.qcow2" >/dev/null
qemu-img create -q -f qcow2 -b l1.qcow2 -F qcow2 "$I/l2.qcow2"
qemu-io -c "write -P 0x66 20M 64k" -c "write -z 3M 64k" -c "write -P 0x77 23M 512" \
	"$I/l2.qcow2" >/dev/null
yal_cannot="the middle link has extended L2 entries"
reads_alike "a qcow2 chain three deep" "$I/l2.qcow2"
"$BIN/vmdk-info" "$I/l2.qcow2" > "$T/out"
grep -q "Chain: *3 links" "$T/out" && grep -q "parent: l1.qcow2 (format qcow2)" "$T/out" &&
	ok "vmdk-info shows the backing chain" || bad "vmdk-info chain: $(cat "$T/out")"
"$BIN/vmdk-map" "$I/l2.qcow2" > "$T/out" 2>"$T/err" && grep -q zero "$T/out" &&
	ok "vmdk-map shows the zero clusters" || bad "vmdk-map of a qcow2 chain: $(cat "$T/out")"
qemu-img create -q -f qcow2 -b base.raw -F raw "$I/onraw.qcow2"
qemu-io -c "write -P 0x42 5M 100k" "$I/onraw.qcow2" >/dev/null
yal_cannot="it takes only qcow2 backing files"
reads_alike "qcow2 on a raw backing file" "$I/onraw.qcow2"
"$BIN/vmdk-create" -q -s 24M "$I/b.vmdk"
"$BIN/vmdk-fill" -q --val 0x99 "$I/b.vmdk" 4194304 1048576 2>/dev/null ||
	qemu-io -f vmdk -c "write -P 0x99 4M 1M" "$I/b.vmdk" >/dev/null
qemu-img create -q -f qcow2 -b b.vmdk -F vmdk "$I/onvmdk.qcow2"
qemu-io -c "write -P 0x43 4352k 64k" "$I/onvmdk.qcow2" >/dev/null
yal_cannot="it takes only qcow2 backing files"
reads_alike "qcow2 on a VMDK" "$I/onvmdk.qcow2"
# An image that names no backing format: the backing file is probed.
cp "$I/onvmdk.qcow2" "$I/noformat.qcow2"
python3 - "$I/noformat.qcow2" <<'PY'
import struct, sys
f = open(sys.argv[1], 'r+b')
d = f.read(65536)
off = struct.unpack_from('>I', d, 100)[0]
while True:
    t, n = struct.unpack_from('>II', d, off)
    if t == 0:
        break
    if t == 0xe2792aca:
        f.seek(off); f.write(struct.pack('>I', 0x7f000001))
    off += 8 + (n + 7) // 8 * 8
PY
yal_cannot="it takes only qcow2 backing files"
reads_alike "a backing file of no named format (probed)" "$I/noformat.qcow2"
expect_exit 1 "backing file is VMDK, the image says qcow2" "a backing file of another format than named" \
	sh -c "qemu-img create -q -f qcow2 -b b.vmdk -F qcow2 -u '$I/wrong.qcow2' 24M && exec '$BIN/vmdk-info' '$I/wrong.qcow2'"

# An external data file (also one holding guest offsets as they are),
# inside the image's directory unless --unsafe-paths.
(cd "$I" && qemu-img create -q -f qcow2 -o data_file=df.data df.qcow2 24M)
qemu-io -c "write -P 0x33 1M 2M" -c "write -z 8M 64k" -c "write -P 0x34 0 4k" \
	"$I/df.qcow2" >/dev/null
# (qemu-img 7.2 looks for a relative data file name in its current
# directory, not the image's: it reads these from their directory.)
data_alike() {
	(cd "$I" && qemu-img convert -O raw "$2" want.raw) 2>"$T/err"
	"$BIN/vmdk-dump" --raw "$I/$2" 2>>"$T/err" | cmp -s - "$I/want.raw" &&
		ok "$1: read as qemu-img reads it" || bad "$1: ours differs from qemu-img's"
	yal_cannot="its version predates external data files"
	yal_alike "$1" "$I/$2" "$I/want.raw"
	rm -f "$I/dstream.vmdk"
	"$BIN/vmdk-clone" -q -t 5 "$I/$2" "$I/dstream.vmdk" 2>>"$T/err" &&
		same_content "$1: cloned to a stream" "$I/dstream.vmdk"
}
data_alike "qcow2 with an external data file" df.qcow2
expect "vmdk-check passes it" "$BIN/vmdk-check" "$I/df.qcow2"
(cd "$I" && qemu-img create -q -f qcow2 -o data_file=dr.data,data_file_raw=on dr.qcow2 24M)
qemu-io -c "write -P 0x35 3M 1M" "$I/dr.qcow2" >/dev/null
data_alike "qcow2 with a raw external data file" dr.qcow2
mkdir -p "$I/df"
qemu-img create -q -f qcow2 -o data_file="$I/df.data" "$I/df/out.qcow2" 24M 2>/dev/null ||
	cp "$I/df.qcow2" "$I/df/out.qcow2"
expect_exit 1 "outside the disk's directory; refused" "a data file outside the directory is refused" \
	"$BIN/vmdk-info" "$I/df/out.qcow2"
expect "--unsafe-paths reads it" "$BIN/vmdk-info" --unsafe-paths "$I/df/out.qcow2"
cp "$I/df.qcow2" "$I/nodata.qcow2"
mkdir -p "$I/lone" && mv "$I/nodata.qcow2" "$I/lone/"
expect_exit 1 "df.data: file is missing" "a missing data file is named" \
	"$BIN/vmdk-info" "$I/lone/nodata.qcow2"

# Internal snapshots: the active layer is read, vmdk-info says they exist.
qemu-img convert -f raw -O qcow2 "$I/base.raw" "$I/snap.qcow2"
qemu-img snapshot -c before "$I/snap.qcow2"
qemu-io -c "write -P 0x31 0 2M" "$I/snap.qcow2" >/dev/null
reads_alike "qcow2 with an internal snapshot" "$I/snap.qcow2"
"$BIN/vmdk-info" "$I/snap.qcow2" | grep -q "1 internal snapshot (the active layer is read)" &&
	ok "vmdk-info says the snapshot exists" || bad "no snapshot note"

# setbits FILE OFFSET BYTE: or a byte into the header.
setbits() {
	python3 -c 'import sys
f = open(sys.argv[1], "r+b"); f.seek(int(sys.argv[2])); b = f.read(1)[0]
f.seek(int(sys.argv[2])); f.write(bytes([b | int(sys.argv[3], 0)]))' "$@"
}
# Refused by name, nothing written.
cp "$I/l0.qcow2" "$I/dirty.qcow2" && setbits "$I/dirty.qcow2" 79 1
reads_alike "a qcow2 marked dirty" "$I/dirty.qcow2"
"$BIN/vmdk-info" "$I/dirty.qcow2" | grep -q "dirty" && ok "vmdk-info says it is dirty" ||
	bad "no dirty note"
cp "$I/l0.qcow2" "$I/corrupt.qcow2" && setbits "$I/corrupt.qcow2" 79 2
cp "$I/l0.qcow2" "$I/future.qcow2" && setbits "$I/future.qcow2" 79 0x80
cp "$I/l0.qcow2" "$I/v1.qcow2" && python3 -c 'import sys
f = open(sys.argv[1], "r+b"); f.seek(4); f.write(bytes([0, 0, 0, 1]))' "$I/v1.qcow2"
# (crypt_method set by hand: qemu-img cannot time LUKS key derivation in
# every container.)
cp "$I/l0.qcow2" "$I/luks.qcow2" && setbits "$I/luks.qcow2" 35 2
cp "$I/l0.qcow2" "$I/cut.qcow2" && truncate -s 1M "$I/cut.qcow2"
cp "$I/l0.qcow2" "$I/badl1.qcow2" && python3 -c 'import sys
f = open(sys.argv[1], "r+b"); f.seek(40); f.write((1 << 40).to_bytes(8, "big"))' "$I/badl1.qcow2"
for c in "corrupt:marked corrupt" "future:unknown incompatible feature (bits 0x80)" \
	 "v1:a qcow image" "luks:encrypted qcow2 image" \
	 "badl1:L1 table lies outside the file"; do
	n=${c%%:*} msg=${c#*:}
	rm -f "$I/out.vmdk"
	expect_exit 1 "$msg" "qcow2 $n refused by name" "$BIN/vmdk-clone" -q "$I/$n.qcow2" "$I/out.vmdk"
	[ ! -e "$I/out.vmdk" ] && ok "nothing written from qcow2 $n" || bad "output from qcow2 $n"
done
rm -f "$I/out.vmdk"
expect_exit 1 "qcow2 L2 entry names a cluster past the end of the file" \
	"a qcow2 cut short is refused when its data is missing" \
	"$BIN/vmdk-clone" -q "$I/cut.qcow2" "$I/out.vmdk"
[ ! -e "$I/out.vmdk" ] && ok "nothing written from a cut qcow2" || bad "output from a cut qcow2"

# vmdk-check judges every table entry (compressed clusters inflated) and
# opens the chain; it never repairs one.
expect "vmdk-check passes a good qcow2 chain" "$BIN/vmdk-check" "$I/l2.qcow2"
grep -q "0 errors.*checked 3 links" "$T/out" && ok "the check opened the chain" ||
	bad "check of a chain: $(cat "$T/out")"
expect "vmdk-check inflates every compressed cluster" "$BIN/vmdk-check" "$I/q.qcow2"
# check_says WHAT TEXT: the check's report (on standard output) says it.
check_says() { grep -qF -- "$2" "$T/out" && ok "$1" || bad "$1: $(head -3 "$T/out")"; }
expect_exit 4 "" "vmdk-check finds clusters cut off" "$BIN/vmdk-check" "$I/cut.qcow2"
check_says "the report names them" "names a host cluster past the end of the file [gte-outside]"
sum=$(sha < "$I/cut.qcow2")
expect_exit 4 "" "vmdk-check -r repairs no qcow2" "$BIN/vmdk-check" -r -y "$I/cut.qcow2"
check_says "it says nothing was changed" "nothing was changed"
[ "$(sha < "$I/cut.qcow2")" = "$sum" ] && [ -z "$(ls -a "$I" | grep 'undo\|tmp\|^\.vmdk')" ] &&
	ok "the cut qcow2 is untouched, nothing left beside it" || bad "check -r changed something: $(ls "$I")"
cp "$I/l0.qcow2" "$I/zipbad.qcow2"
qemu-img convert -c -f raw -O qcow2 "$I/base.raw" "$I/zipbad.qcow2"
python3 - "$I/zipbad.qcow2" <<'PY'
import struct, sys
f = open(sys.argv[1], 'r+b')
d = f.read()
l1 = struct.unpack_from('>Q', d, 40)[0]
l2 = struct.unpack_from('>Q', d, l1)[0] & 0x00fffffffffffe00
for i in range(8192):
    e = struct.unpack_from('>Q', d, l2 + 8 * i)[0]
    if e >> 62 & 1:
        break
off = e & ((1 << 54) - 1)
f.seek(off); f.write(b'\xff' * 64)
PY
expect_exit 4 "" "vmdk-check finds a compressed cluster that does not inflate" \
	"$BIN/vmdk-check" "$I/zipbad.qcow2"
check_says "the report says so" "does not decompress"
expect_exit 4 "" "vmdk-check reports a header's fault" "$BIN/vmdk-check" "$I/badl1.qcow2"
check_says "the report names it" "L1 table lies outside the file"

# Backing files: inside the directory unless --unsafe-paths; a missing
# one named.
mkdir -p "$I/elsewhere"
cp "$I/base.raw" "$I/elsewhere/outside.raw"
qemu-img create -q -f qcow2 -b "$I/elsewhere/outside.raw" -F raw "$I/elsewhere/x.qcow2"
mv "$I/elsewhere/x.qcow2" "$I/abs.qcow2"
expect_exit 1 "outside" "a backing file outside the image's directory is refused" \
	"$BIN/vmdk-info" "$I/abs.qcow2"
expect "--unsafe-paths lets it be read" "$BIN/vmdk-info" --unsafe-paths "$I/abs.qcow2"
qemu-img create -q -f qcow2 -b gone.qcow2 -F qcow2 -u "$I/orphan.qcow2" 24M
expect_exit 1 "cannot open backing file \"gone.qcow2\"" "a missing backing file is named" \
	"$BIN/vmdk-info" "$I/orphan.qcow2"

# VHD: fixed and dynamic as qemu-img writes them (with and without
# force_size); differencing ones as Hyper-V lays them out (made by
# images/vhd_child.py: qemu-img cannot), their parent found by the
# relative locator, else by the absolute one's name beside the child.
for sub in dynamic dynamic,force_size=on; do
	rm -f "$I/v.vhd"
	qemu-img convert -f raw -O vpc -o subformat=$sub "$I/base.raw" "$I/v.vhd"
	reads_alike "VHD $sub" "$I/v.vhd"
done
# A fixed VHD holds the footer's current size of data (libvhdi agrees);
# qemu-img 7.2 reads its footer as one more sector of the disk.
for sub in fixed fixed,force_size=on; do
	rm -f "$I/v.vhd" "$I/vs.vmdk"
	qemu-img convert -f raw -O vpc -o subformat=$sub "$I/base.raw" "$I/v.vhd"
	bytes=$("$BIN/vmdk-info" --json "$I/v.vhd" | python3 -c 'import json, sys; print(json.load(sys.stdin)["capacityBytes"])')
	vhdiinfo "$I/v.vhd" 2>/dev/null | grep -q "Media size.*($bytes bytes)" &&
		ok "VHD $sub: libvhdi takes the same size ($bytes bytes)" || bad "VHD $sub: libvhdi's size is not $bytes"
	qemu-img convert -O raw "$I/v.vhd" "$I/want.raw"
	if [ "$(stat -c %s "$I/want.raw")" -eq $((bytes + 512)) ]; then
		tail -c 512 "$I/want.raw" | head -c 8 | grep -q conectix &&
			ok "VHD $sub: qemu-img's extra sector is the footer" || bad "VHD $sub: qemu-img's extra sector"
		truncate -s "$bytes" "$I/want.raw"
	fi
	"$BIN/vmdk-dump" --raw "$I/v.vhd" | cmp -s - "$I/want.raw" &&
		ok "VHD $sub: the data qemu-img reads" || bad "VHD $sub: content differs from qemu-img's"
	yal_alike "VHD $sub" "$I/v.vhd" "$I/want.raw"
	"$BIN/vmdk-clone" -q -t 5 "$I/v.vhd" "$I/vs.vmdk" && same_content "VHD $sub cloned to a stream" "$I/vs.vmdk"
done
"$BIN/vmdk-info" "$I/v.vhd" > "$T/out"
grep -q "^Image format: *VHD" "$T/out" && grep -q "VHD fixed" "$T/out" &&
	grep -q "CHS geometry gives 136899993600 bytes, the current size 25165824" "$T/out" &&
	ok "vmdk-info names a VHD and its CHS disagreement" || bad "vmdk-info of a VHD: $(cat "$T/out")"
qemu-img convert -f raw -O vpc -o subformat=dynamic "$I/base.raw" "$I/base.vhd"
qemu-img convert -f vpc -O raw "$I/base.vhd" "$I/vparent.raw"
# with_writes RAW OUT SECTOR:COUNT:BYTE...: RAW with those sectors written.
with_writes() {
	python3 - "$@" <<'PY'
import sys
d = bytearray(open(sys.argv[1], 'rb').read())
for w in sys.argv[3:]:
    s, c, b = (int(v, 0) for v in w.split(':'))
    d[s * 512:(s + c) * 512] = bytes([b]) * (c * 512)
open(sys.argv[2], 'wb').write(d)
PY
}
writes="10:5:0x41 4100:8:0x42 8191:2:0x43 40000:300:0x44"
# shellcheck disable=SC2086
python3 "$here/images/vhd_child.py" "$I/base.vhd" "$I/child.vhd" $writes
# shellcheck disable=SC2086
with_writes "$I/vparent.raw" "$I/vchild.raw" $writes
"$BIN/vmdk-dump" --raw "$I/child.vhd" 2>"$T/err" | cmp -s - "$I/vchild.raw" &&
	ok "a differencing VHD reads as its parent with its own sectors" || bad "differencing VHD content"
# libvhdi 20210425 reads the child's block to the next 4 KiB after a
# run of the child's sectors, where the sector bitmap (one bit a sector,
# as libyal's own format notes say) names the parent's.
yal_4k="it reads the child's block to the next 4 KiB after its sectors, where the sector bitmap names the parent's"
yal_differs=$yal_4k
yal_alike "a differencing VHD" "$I/child.vhd" "$I/vchild.raw"
"$BIN/vmdk-clone" -q -t 5 "$I/child.vhd" "$I/vd.vmdk" && same_content "a differencing VHD cloned to a stream" "$I/vd.vmdk"
"$BIN/vmdk-dump" --raw "$I/vd.vmdk" | cmp -s - "$I/vchild.raw" && ok "the stream holds the chain's content" ||
	bad "the stream from a differencing VHD differs"
"$BIN/vmdk-info" "$I/child.vhd" > "$T/out"
grep -q "parent: base.vhd (format VHD)" "$T/out" && grep -q "VHD differencing" "$T/out" &&
	ok "vmdk-info shows the VHD chain" || bad "vmdk-info of a VHD chain: $(cat "$T/out")"
# shellcheck disable=SC2086
python3 "$here/images/vhd_child.py" --locators W2ku --abs 'D:\\Hyper-V\\base.vhd' \
	"$I/base.vhd" "$I/absonly.vhd" $writes
"$BIN/vmdk-dump" --raw "$I/absonly.vhd" 2>"$T/err" | cmp -s - "$I/vchild.raw" &&
	ok "an absolute Windows locator is looked for beside the child" || bad "absolute locator"
yal_differs=$yal_4k
yal_alike "a differencing VHD with an absolute locator only" "$I/absonly.vhd" "$I/vchild.raw"
python3 "$here/images/vhd_child.py" --parent-id 00112233445566778899aabbccddeeff \
	"$I/base.vhd" "$I/stranger.vhd" 10:1:1
expect_exit 1 "is not the image this one was made from" "a parent of another unique id is refused" \
	"$BIN/vmdk-info" "$I/stranger.vhd"
cp "$I/child.vhd" "$I/endgone.vhd"
printf 'XXXXXXXX' | dd of="$I/endgone.vhd" bs=1 seek=$(( $(stat -c %s "$I/endgone.vhd") - 512 )) conv=notrunc 2>/dev/null
"$BIN/vmdk-dump" --raw "$I/endgone.vhd" 2>"$T/err" | cmp -s - "$I/vchild.raw" &&
	ok "a damaged footer at the end: its copy at the start is used" || bad "footer copy not used"
"$BIN/vmdk-info" "$I/endgone.vhd" | grep -q "its copy at the start was used" &&
	ok "vmdk-info says the copy was used" || bad "no note of the footer copy"
cp "$I/child.vhd" "$I/bothgone.vhd"
for at in 0 $(( $(stat -c %s "$I/bothgone.vhd") - 512 )); do
	printf '\377' | dd of="$I/bothgone.vhd" bs=1 seek=$((at + 50)) conv=notrunc 2>/dev/null
done
expect_exit 1 "footer and its copy are both damaged" "a VHD without a good footer is refused" \
	"$BIN/vmdk-clone" -q "$I/bothgone.vhd" "$I/out.vmdk"
cp "$I/child.vhd" "$I/dynbad.vhd"
printf '\001' | dd of="$I/dynbad.vhd" bs=1 seek=600 conv=notrunc 2>/dev/null
expect_exit 1 "dynamic header is damaged (signature or checksum)" "a dynamic header's checksum is verified" \
	"$BIN/vmdk-clone" -q "$I/dynbad.vhd" "$I/out.vmdk"
[ ! -e "$I/out.vmdk" ] && ok "nothing written from a damaged VHD" || bad "output from a damaged VHD"
expect "vmdk-check passes a differencing VHD and its parent" "$BIN/vmdk-check" "$I/child.vhd"
grep -q "0 errors.*checked 2 links" "$T/out" && ok "the VHD check opened the chain" ||
	bad "VHD check: $(cat "$T/out")"
cp "$I/child.vhd" "$I/cutv.vhd" && truncate -s 3M "$I/cutv.vhd"
expect_exit 4 "" "vmdk-check finds a VHD block cut off" "$BIN/vmdk-check" "$I/cutv.vhd"
check_says "the report names the block" "block 9 lies past the end of the file"
# Two table entries naming one block (the table read a page at a time).
cp "$I/base.vhd" "$I/twice.vhd"
python3 - "$I/twice.vhd" <<'PY'
import struct, sys
f = open(sys.argv[1], 'r+b')
dyn = struct.unpack('>Q', f.read(24)[16:24])[0]
f.seek(dyn + 16); bat = struct.unpack('>Q', f.read(8))[0]
f.seek(bat + 4 * 4); e = f.read(4)
f.seek(bat + 5 * 4); f.write(e)
PY
expect_exit 4 "" "vmdk-check finds two VHD table entries naming one block" "$BIN/vmdk-check" \
	"$I/twice.vhd"
check_says "the report names both" "block 5 shares its space with another block"

# VDI: static and dynamic as qemu-img writes them; differencing ones as
# VirtualBox lays them out (images/vdi_child.py: qemu-img cannot), their
# parent the VDI of the directory whose UUID they record.
for o in static=off static=on; do
	rm -f "$I/v.vdi"
	qemu-img convert -f raw -O vdi -o $o "$I/base.raw" "$I/v.vdi"
	reads_alike "VDI $o" "$I/v.vdi"
done
mkdir -p "$I/vbox"
qemu-img convert -f raw -O vdi "$I/base.raw" "$I/vbox/base.vdi"
cp "$I/base.raw" "$I/vbox/other.raw"
qemu-img convert -f raw -O vdi "$I/base.raw" "$I/vbox/unrelated.vdi"
# shellcheck disable=SC2086
python3 "$here/images/vdi_child.py" --zero 3 "$I/vbox/base.vdi" "$I/base.raw" \
	"$I/vbox/{5d1c0a8e-2b6e-4c38-9a07-7d3f0e51c0de}.vdi" $writes
# shellcheck disable=SC2086
with_writes "$I/base.raw" "$I/vdichild.raw" $writes
python3 -c 'import sys
f = open(sys.argv[1], "r+b"); f.seek(3 << 20); f.write(bytes(1 << 20))' "$I/vdichild.raw"
kid="$I/vbox/{5d1c0a8e-2b6e-4c38-9a07-7d3f0e51c0de}.vdi"
"$BIN/vmdk-dump" --raw "$kid" 2>"$T/err" | cmp -s - "$I/vdichild.raw" &&
	ok "a differencing VDI reads as its parent with its blocks (a zero block hides it)" ||
	bad "differencing VDI content"
"$BIN/vmdk-clone" -q -t 5 "$kid" "$I/vdi.vmdk" && same_content "a differencing VDI cloned to a stream" "$I/vdi.vmdk"
"$BIN/vmdk-info" "$kid" > "$T/out"
grep -q "parent: base.vdi (format VDI)" "$T/out" && grep -q "VDI differencing" "$T/out" &&
	ok "vmdk-info shows the VDI chain, its parent found by UUID" || bad "vmdk-info of a VDI chain: $(cat "$T/out")"
expect "vmdk-check passes the VDI chain" "$BIN/vmdk-check" "$kid"
mkdir -p "$I/alone" && cp "$kid" "$I/alone/"
expect_exit 1 "is no VDI image in its directory" "a VDI child without its parent beside it" \
	"$BIN/vmdk-info" "$I/alone/{5d1c0a8e-2b6e-4c38-9a07-7d3f0e51c0de}.vdi"
cp "$I/vbox/base.vdi" "$I/alone/base.vdi" && cp "$I/vbox/base.vdi" "$I/alone/copy.vdi"
expect_exit 1 "copies of one image cannot be told apart" "two candidate parents are refused" \
	"$BIN/vmdk-info" "$I/alone/{5d1c0a8e-2b6e-4c38-9a07-7d3f0e51c0de}.vdi"
cp "$kid" "$I/vbox/dup.vdi"
python3 -c 'import struct, sys
f = open(sys.argv[1], "r+b"); f.seek(0x100000 + 4 * 5); f.write(struct.pack("<I", 0))' "$I/vbox/dup.vdi"
expect_exit 4 "" "vmdk-check finds two map entries naming one block" "$BIN/vmdk-check" "$I/vbox/dup.vdi"
check_says "the report names it" "names a block another entry names"

# VHDX: fixed and dynamic as qemu-img writes them (block sizes, log
# sizes); 4096-byte logical sectors, differencing images and a log not
# replayed as Hyper-V leaves them (images/vhdx_make.py: qemu-img makes
# none of these; qemu-img reads its base images alike).
for o in subformat=dynamic subformat=fixed subformat=dynamic,block_size=1M \
	 subformat=dynamic,block_size=256M subformat=dynamic,log_size=4M \
	 subformat=dynamic,block_state_zero=off; do
	rm -f "$I/v.vhdx"
	qemu-img convert -f raw -O vhdx -o $o "$I/base.raw" "$I/v.vhdx"
	reads_alike "VHDX $o" "$I/v.vhdx"
done
mk_vhdx() { python3 "$here/images/vhdx_make.py" "$@"; }
mk_vhdx "$I/base.vhdx" --raw "$I/base.raw"
reads_alike "VHDX as Hyper-V lays it out" "$I/base.vhdx"
mk_vhdx "$I/b4k.vhdx" --raw "$I/base.raw" --sector 4096
"$BIN/vmdk-dump" --raw "$I/b4k.vhdx" | cmp -s - "$I/base.raw" &&
	ok "VHDX of 4096-byte logical sectors" || bad "VHDX of 4096-byte logical sectors"
yal_alike "VHDX of 4096-byte logical sectors" "$I/b4k.vhdx" "$I/base.raw"
"$BIN/vmdk-info" "$I/b4k.vhdx" | grep -q "4096-byte logical sectors" &&
	ok "vmdk-info says its logical sector size" || bad "no note of the logical sector size"
# shellcheck disable=SC2086
mk_vhdx "$I/kid.vhdx" --parent "$I/base.vhdx" $writes
# shellcheck disable=SC2086
with_writes "$I/base.raw" "$I/vhdxkid.raw" $writes
"$BIN/vmdk-dump" --raw "$I/kid.vhdx" 2>"$T/err" | cmp -s - "$I/vhdxkid.raw" &&
	ok "a differencing VHDX reads as its parent with its sectors" || bad "differencing VHDX content"
yal_alike "a differencing VHDX" "$I/kid.vhdx" "$I/vhdxkid.raw"
"$BIN/vmdk-clone" -q -t 5 "$I/kid.vhdx" "$I/vx.vmdk" && same_content "a differencing VHDX cloned to a stream" "$I/vx.vmdk"
w4k="16:8:0x41 4096:16:0x42 40000:304:0x44"
# shellcheck disable=SC2086
mk_vhdx "$I/k4.vhdx" --parent "$I/b4k.vhdx" --rel b4k.vhdx --abs '\\?\C:\Hyper-V\b4k.vhdx' \
	--sector 4096 $w4k
# shellcheck disable=SC2086
with_writes "$I/base.raw" "$I/k4.raw" $w4k
"$BIN/vmdk-dump" --raw "$I/k4.vhdx" 2>"$T/err" | cmp -s - "$I/k4.raw" &&
	ok "a differencing VHDX of 4096-byte sectors (a bit a logical sector)" || bad "4096-byte differencing VHDX"
yal_alike "a differencing VHDX of 4096-byte sectors" "$I/k4.vhdx" "$I/k4.raw"
# shellcheck disable=SC2086
mk_vhdx "$I/absx.vhdx" --parent "$I/base.vhdx" --rel '' --abs '\\?\D:\VMs\base.vhdx' $writes
"$BIN/vmdk-dump" --raw "$I/absx.vhdx" 2>"$T/err" | cmp -s - "$I/vhdxkid.raw" &&
	ok "an absolute Windows path is looked for beside the child" || bad "VHDX absolute locator"
yal_alike "a differencing VHDX with an absolute path only" "$I/absx.vhdx" "$I/vhdxkid.raw"
mk_vhdx "$I/strangex.vhdx" --parent "$I/base.vhdx" --linkage 00112233-4455-6677-8899-aabbccddeeff 10:1:1
expect_exit 1 "is not the image this one was made from" "a VHDX parent of another data write GUID is refused" \
	"$BIN/vmdk-info" "$I/strangex.vhdx"
"$BIN/vmdk-info" "$I/kid.vhdx" > "$T/out"
grep -q "parent: base.vhdx (format VHDX)" "$T/out" && grep -q "VHDX differencing" "$T/out" &&
	ok "vmdk-info shows the VHDX chain" || bad "vmdk-info of a VHDX chain: $(cat "$T/out")"
expect "vmdk-check passes the VHDX chain" "$BIN/vmdk-check" "$I/kid.vhdx"
# A log left to replay (a page written, a range zeroed) is replayed in
# memory: the content qemu-img reads once its check has replayed the
# log into a copy, and the file untouched.
mk_vhdx "$I/pend.vhdx" --pending-log "$I/base.vhdx"
cp "$I/pend.vhdx" "$I/pendq.vhdx"
sum=$(sha < "$I/pend.vhdx")
qemu-img check -q -r all "$I/pendq.vhdx" >/dev/null 2>&1
qemu-img convert -O raw "$I/pendq.vhdx" "$I/pendq.raw"
if "$BIN/vmdk-dump" --raw "$I/pend.vhdx" 2>"$T/err" | cmp -s - "$I/pendq.raw" &&
   ! cmp -s "$I/pendq.raw" "$I/base.raw"; then
	ok "a VHDX log not replayed is replayed in memory, as qemu-img replays it"
else
	bad "VHDX log replay"
fi
yal_differs="it does not replay the log, which the specification requires before reading"
yal_alike "a VHDX with a log to replay" "$I/pend.vhdx" "$I/pendq.raw"
"$BIN/vmdk-info" "$I/pend.vhdx" | grep -q "replayed in memory (the file is unchanged)" &&
	ok "vmdk-info says the log was replayed" || bad "no note of the log"
expect "vmdk-check passes it" "$BIN/vmdk-check" "$I/pend.vhdx"
[ "$(sha < "$I/pend.vhdx")" = "$sum" ] && ok "the image with the log is untouched" ||
	bad "reading changed the image"
cp "$I/base.vhdx" "$I/onehead.vhdx"
printf 'XXXX' | dd of="$I/onehead.vhdx" bs=1 seek=131072 conv=notrunc 2>/dev/null
"$BIN/vmdk-dump" --raw "$I/onehead.vhdx" 2>"$T/err" | cmp -s - "$I/base.raw" &&
	ok "a damaged header: the other one is read" || bad "VHDX with one damaged header"
printf 'XXXX' | dd of="$I/onehead.vhdx" bs=1 seek=65536 conv=notrunc 2>/dev/null
expect_exit 1 "both headers are damaged" "a VHDX without a good header is refused" \
	"$BIN/vmdk-info" "$I/onehead.vhdx"

# On standard input an image is stored first, then read as from a file;
# a child there is refused (its parent is found beside its file).
for img in l0.qcow2 v.vhdx base.vdi; do
	src=$I/$img
	[ -e "$src" ] || src=$I/vbox/$img
	rm -f "$I/in.vmdk"
	qemu-img convert -O raw "$src" "$I/want.raw"
	sh -c "exec '$BIN/vmdk-clone' -q - '$I/in.vmdk' < '$src'" 2>"$T/err" &&
		"$BIN/vmdk-dump" --raw "$I/in.vmdk" | cmp -s - "$I/want.raw" &&
		ok "$img on standard input" || bad "$img on standard input"
done
expect_exit 1 "a child disk (it names a parent)" "a qcow2 child on standard input is refused" \
	sh -c "exec '$BIN/vmdk-clone' -q - '$I/in2.vmdk' < '$I/l2.qcow2'"
[ -z "$(ls -a "$I" | grep vmdk-stdin)" ] && ok "nothing stored is left" || bad "a stored copy is left"

# Sources only: writers refuse, and say how to convert.
cp "$I/l0.qcow2" "$I/w.qcow2"
sum=$(sha < "$I/w.qcow2")
expect_exit 1 "a qcow2 image, read here as a source only" "vmdk-grow refuses a qcow2 image" \
	"$BIN/vmdk-grow" "$I/w.qcow2" 48M
expect_exit 1 "a qcow2 image, read here as a source only" "vmdk-fill refuses a qcow2 image" \
	"$BIN/vmdk-fill" --val 1 "$I/w.qcow2"
[ "$(sha < "$I/w.qcow2")" = "$sum" ] && ok "the qcow2 image is untouched" || bad "a writer changed the qcow2"
expect "vmware-vdiskmanager -r converts a qcow2 image" \
	"$BIN/vmware-vdiskmanager" -r "$I/l0.qcow2" -t 0 "$I/fromq.vmdk"
[ "$("$BIN/vmdk-dump" --raw "$I/fromq.vmdk" | sha)" = "$(sha < "$I/base.raw")" ] &&
	ok "the conversion holds the image" || bad "vmware-vdiskmanager -r conversion differs"
rm -rf "$I"
