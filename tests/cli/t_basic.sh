# SPDX-License-Identifier: MIT
# t_basic.sh --- vmdk-create, vmdk-info, vmdk-dump, vmdk-fill; sourced by
# run.sh, which provides the helpers.

tools="vmdk-create vmdk-info vmdk-dump vmdk-fill"

# ---- help, version, usage errors ----
for t in $tools; do
	expect "$t --help" "$BIN/$t" --help
	grep -q "^Usage:" "$T/out" && grep -q "$t(1)" "$T/out" || bad "$t --help text"
	expect "$t --version" "$BIN/$t" --version
	grep -qx "$t from vmdktools [0-9.]*" "$T/out" || bad "$t --version text"
	expect_exit 2 "Try '$t --help'" "$t bad option" "$BIN/$t" --no-such-option
	expect_exit 2 "Try '$t --help'" "$t no argument" "$BIN/$t"
done
expect_exit 2 "invalid size '1000B'" "size not a multiple of 512" \
	"$BIN/vmdk-create" -s 1000B "$T/x.vmdk"
expect_exit 2 "invalid size '10X'" "size with a bad suffix" \
	"$BIN/vmdk-create" -s 10X "$T/x.vmdk"
expect_exit 2 "unknown disk type '7'" "type out of range" \
	"$BIN/vmdk-create" -s 1M -t 7 "$T/x.vmdk"
expect_exit 2 "unknown adapter 'scsi'" "unknown adapter" \
	"$BIN/vmdk-create" -s 1M -a scsi "$T/x.vmdk"
expect_exit 2 "no size given" "size is required" "$BIN/vmdk-create" "$T/x.vmdk"

# ---- sizes and geometry ----
expect "create -s 1G" "$BIN/vmdk-create" -q -s 1G "$T/g1.vmdk"
"$BIN/vmdk-info" --json "$T/g1.vmdk" > "$T/j"
grep -q '"capacitySectors": 2097152,' "$T/j" && ok "1G is 2097152 sectors" || bad "1G size"
grep -q '"heads": 128, "sectorsPerTrack": 32' "$T/j" && ok "lsilogic 1 GiB geometry" ||
	bad "lsilogic 1 GiB geometry: $(grep geometry "$T/j")"
expect "create -s 1000 (sectors) ide" "$BIN/vmdk-create" -q -s 1000 -a ide "$T/g2.vmdk"
"$BIN/vmdk-info" --json "$T/g2.vmdk" > "$T/j"
grep -q '"capacitySectors": 1000,' "$T/j" && grep -q '"heads": 16, "sectorsPerTrack": 63' "$T/j" &&
	grep -q '"adapter": "ide"' "$T/j" && ok "sectors and ide geometry" ||
	bad "sectors and ide geometry"
expect "create 8G vmfsThin buslogic hw 7" "$BIN/vmdk-create" -q -s 8G -t vmfsThin \
	-a buslogic --hwversion 7 "$T/g3.vmdk"
grep -q 'ddb.geometry.heads = "255"' "$T/g3.vmdk" &&
	grep -q 'ddb.thinProvisioned = "1"' "$T/g3.vmdk" &&
	grep -q 'createType="vmfs"' "$T/g3.vmdk" &&
	grep -q 'RW 16777216 VMFS "g3-flat.vmdk"$' "$T/g3.vmdk" &&
	grep -q 'ddb.virtualHWVersion = "7"' "$T/g3.vmdk" &&
	grep -q 'ddb.uuid = "[0-9a-f ]*-[0-9a-f ]*"' "$T/g3.vmdk" &&
	grep -q 'ddb.longContentID = "[0-9a-f]\{32\}"' "$T/g3.vmdk" &&
	ok "vmfsThin descriptor" || bad "vmfsThin descriptor"
[ "$(du -k "$T/g3-flat.vmdk" | cut -f1)" -lt 1024 ] && ok "thin extent is not allocated" ||
	bad "thin extent allocated"
expect_exit 1 "already exists; not overwritten" "create refuses to overwrite" \
	"$BIN/vmdk-create" -s 1M "$T/g1.vmdk"

# Flat and thick types are preallocated; sparse ones are not.
"$BIN/vmdk-create" -q -s 8M -t 2 "$T/pre.vmdk"
[ "$(du -k "$T/pre-flat.vmdk" | cut -f1)" -ge 8192 ] && ok "flat extent preallocated" ||
	bad "flat extent not preallocated"

# ---- every type we create: qemu-img and libyal read it as we do ----
head -c 1500000 /dev/urandom > "$T/rand.bin"
names="monolithicSparse twoGbMaxExtentSparse monolithicFlat twoGbMaxExtentFlat vmfs streamOptimized vmfs"
i=0
for ctype in $names; do
	disk=$T/t$i.vmdk
	expect "create type $i" "$BIN/vmdk-create" -q -s 12M -t $i "$disk"
	expect "qemu-img check type $i (empty)" qemu-img check "$disk"
	qemu-img info --output=json "$disk" > "$T/qi"
	grep -q '"virtual-size": 12582912' "$T/qi" &&
		grep -q "\"create-type\": \"$ctype\"" "$T/qi" &&
		ok "qemu-img info type $i" || bad "qemu-img info type $i"
	expect "vmdkinfo opens type $i" vmdkinfo "$disk"
	grep -q "Media size:.*(12582912 bytes)" "$T/out" || bad "vmdkinfo size type $i"
	same_content "same content type $i (empty)" "$disk"
	if [ $i -ne 5 ]; then
		expect "fill type $i from a file" "$BIN/vmdk-fill" -q -s 3 -f "$T/rand.bin" "$disk"
		expect "fill type $i with a byte" "$BIN/vmdk-fill" -q -s 20000 -c 300 --val 0xa5 "$disk"
		expect "fill type $i at the end" "$BIN/vmdk-fill" -q -s 24575 -c 1 --val 1 "$disk"
		expect "qemu-img check type $i (written)" qemu-img check "$disk"
		same_content "same content type $i (written)" "$disk"
		# An independent reference: the same writes on a raw file.
		truncate -s 12M "$T/ref.raw"
		dd if="$T/rand.bin" of="$T/ref.raw" bs=512 seek=3 conv=notrunc 2>/dev/null
		head -c $((300 * 512)) /dev/zero | tr '\000' '\245' |
			dd of="$T/ref.raw" bs=512 seek=20000 conv=notrunc 2>/dev/null
		printf '\001' | dd of="$T/ref.raw" bs=512 seek=24575 conv=notrunc 2>/dev/null
		head -c 511 /dev/zero | tr '\000' '\001' |
			dd of="$T/ref.raw" bs=1 seek=$((24575 * 512 + 1)) conv=notrunc 2>/dev/null
		expect "qemu-img compare type $i" qemu-img compare -f raw "$T/ref.raw" "$disk"
		rm -f "$T/ref.raw"
	else
		expect_exit 1 "cannot be written in place" "stream refuses writes" \
			"$BIN/vmdk-fill" --val 0 -s 0 -c 1 "$disk"
	fi
	i=$((i + 1))
done

# ---- every subformat qemu-img writes: we read it as qemu-img does ----
truncate -s 9M "$T/src.raw"
dd if="$T/rand.bin" of="$T/src.raw" bs=4096 seek=10 conv=notrunc 2>/dev/null
dd if="$T/rand.bin" of="$T/src.raw" bs=4096 seek=2000 count=5 conv=notrunc 2>/dev/null
want=$(sha < "$T/src.raw")
for sf in monolithicSparse monolithicFlat twoGbMaxExtentSparse twoGbMaxExtentFlat streamOptimized; do
	for zg in off on; do
		case $sf in *Flat) [ $zg = on ] && continue ;; esac
		rm -f "$T"/q*.vmdk
		qemu-img convert -O vmdk -o subformat=$sf,zeroed_grain=$zg \
			"$T/src.raw" "$T/q.vmdk" 2>"$T/err" || { bad "qemu-img convert $sf"; continue; }
		got=$("$BIN/vmdk-dump" --raw "$T/q.vmdk" 2>"$T/err" | sha)
		[ "$got" = "$want" ] && ok "read qemu $sf zeroed_grain=$zg" ||
			bad "read qemu $sf zeroed_grain=$zg"
	done
done
# qemu's monolithicFlat pads its descriptor with NULs; adapters vary.
qemu-img create -q -f vmdk -o adapter_type=buslogic,hwversion=6 "$T/qa.vmdk" 1M
expect "info on qemu's buslogic disk" "$BIN/vmdk-info" "$T/qa.vmdk"
grep -q "Adapter: *buslogic" "$T/out" && grep -q "Hardware version: *6" "$T/out" &&
	ok "qemu adapter and hwversion seen" || bad "qemu adapter and hwversion"

# qemu-img pads descriptor files to a sector, not always with zeros.
"$BIN/vmdk-create" -q -s 1M -t 2 "$T/pad.vmdk"
printf '\000junk\001\002' >> "$T/pad.vmdk"
expect "descriptor file padded with junk after a NUL" "$BIN/vmdk-info" "$T/pad.vmdk"

# ---- chains: qemu's child over our base, written by us ----
"$BIN/vmdk-create" -q -s 4M "$T/base.vmdk"
"$BIN/vmdk-fill" -q -s 0 -f "$T/rand.bin" "$T/base.vmdk"
qemu-img create -q -f vmdk -b base.vmdk -F vmdk "$T/child.vmdk"
expect "fill a child (partial grains copy the parent)" \
	"$BIN/vmdk-fill" -q -s 1001 -c 3 --val 7 "$T/child.vmdk"
same_content "child content as qemu and libyal read it" "$T/child.vmdk"
expect "qemu-img check child" qemu-img check "$T/child.vmdk"
"$BIN/vmdk-info" "$T/child.vmdk" > "$T/out"
grep -q "Chain: *2 links" "$T/out" && ok "chain listed" || bad "chain listed"
expect "single link info" "$BIN/vmdk-info" --single-link "$T/child.vmdk"
"$BIN/vmdk-fill" -q -s 0 -c 1 --val 9 "$T/base.vmdk"
expect_exit 1 "changed since the child was created" "stale child refused" \
	"$BIN/vmdk-info" "$T/child.vmdk"

# ---- broken inputs: a clear message, exit 1, no crash ----
broken() {
	d=$1 msg=$2 file=$3
	for tool in vmdk-info "vmdk-dump --raw"; do
		# shellcheck disable=SC2086
		expect_exit 1 "$msg" "$d ($tool)" $BIN/$tool "$file"
		head -c 12 "$T/err" | grep -q "^vmdk-" || bad "$d: message lacks the program name"
	done
}

: > "$T/empty.vmdk"
broken "empty file" "empty file" "$T/empty.vmdk"
head -c 4096 /dev/urandom | tr -d 'K' > "$T/garbage.vmdk"
broken "garbage" "garbage.vmdk: " "$T/garbage.vmdk"
broken "missing file" "No such file or directory" "$T/nothing.vmdk"
broken "a directory" "Is a directory" "$T"
fresh "$T/b.vmdk"; truncate -s 100 "$T/b.vmdk"
broken "truncated header" "sparse header truncated" "$T/b.vmdk"
fresh "$T/b.vmdk"; truncate -s 30000 "$T/b.vmdk"
broken "truncated metadata" "truncated" "$T/b.vmdk"
fresh "$T/b.vmdk"; patch32 "$T/b.vmdk" 16 0x40000000
broken "absurd capacity" "64 TiB" "$T/b.vmdk"
fresh "$T/b.vmdk"; patch32 "$T/b.vmdk" 20 1000
broken "bad grain size" "grain size 1000" "$T/b.vmdk"
fresh "$T/b.vmdk"; patch32 "$T/b.vmdk" 44 100000
broken "too many GTEs" "entries per grain table" "$T/b.vmdk"
fresh "$T/b.vmdk"; patch32 "$T/b.vmdk" 56 999999
broken "GD outside the file" "lies outside the file" "$T/b.vmdk"
fresh "$T/b.vmdk"
gd=$(od -An -t u4 -j 56 -N 4 "$T/b.vmdk" | tr -d ' ')
patch32 "$T/b.vmdk" $((gd * 512)) 77777
expect "GD entry past EOF still opens" "$BIN/vmdk-info" "$T/b.vmdk"
expect_exit 1 "outside the file" "GD entry past EOF fails on read" \
	"$BIN/vmdk-dump" --raw "$T/b.vmdk"
fresh "$T/b.vmdk"
gt=$(od -An -t u4 -j $((gd * 512)) -N 4 "$T/b.vmdk" | tr -d ' ')
rgd=$(od -An -t u4 -j 48 -N 4 "$T/b.vmdk" | tr -d ' ')
rgt=$(od -An -t u4 -j $((rgd * 512)) -N 4 "$T/b.vmdk" | tr -d ' ')
# The primary table alone damaged: refused, never served.
patch32 "$T/b.vmdk" $((gt * 512 + 8)) 3
expect_exit 1 "grain table 0 differs from its redundant copy" \
	"GT damaged, redundant intact: refused" "$BIN/vmdk-dump" --raw "$T/b.vmdk"
# Both copies damaged alike: the entry itself is refused.
patch32 "$T/b.vmdk" $((rgt * 512 + 8)) 3
expect_exit 1 "inside the metadata" "GT entry into metadata fails on read" \
	"$BIN/vmdk-dump" --raw "$T/b.vmdk"
patch32 "$T/b.vmdk" $((gt * 512 + 8)) 2000000
patch32 "$T/b.vmdk" $((rgt * 512 + 8)) 2000000
expect_exit 1 "past the end of the file" "GT entry past EOF fails on read" \
	"$BIN/vmdk-dump" --raw "$T/b.vmdk"
expect_exit 1 "" "no zeros for a bad grain (qemu-img would)" \
	"$BIN/vmdk-dump" -s 256 -c 1 "$T/b.vmdk"
fresh -t 3 "$T/b.vmdk"; rm "$T/b-f001.vmdk"
broken "missing extent" "b-f001.vmdk: file is missing" "$T/b.vmdk"
fresh -t 2 "$T/b.vmdk"; truncate -s 1000000 "$T/b-flat.vmdk"
broken "short flat extent" "b-flat.vmdk: truncated" "$T/b.vmdk"
fresh -t 1 "$T/b.vmdk"; truncate -s 20000 "$T/b-s001.vmdk"
broken "short sparse extent" "b-s001.vmdk: truncated" "$T/b.vmdk"
fresh -t 5 "$T/b.vmdk"; sz=$(wc -c < "$T/b.vmdk"); truncate -s $((sz - 512)) "$T/b.vmdk"
broken "stream cut short" "file truncated?" "$T/b.vmdk"
for case in "RW 4096 FLAT b-flat.vmdk 0|double quotes" \
	"RW 4096 FLAT \"b-flat.vmdk\" x|offset is not a number" \
	"RW -5 FLAT \"b-flat.vmdk\" 0|line 9: size in sectors is not a number" \
	"XX 4096 FLAT \"b-flat.vmdk\" 0|access must be" \
	"RW 4096 SPARSE \"b-flat.vmdk\" 0|only flat extents take an offset" \
	"RW 4096 BOGUS \"b-flat.vmdk\"|unknown extent type"; do
	line=${case%|*} msg=${case#*|}
	fresh -t 2 "$T/b.vmdk"
	sed -i "s/^RW 4096 FLAT .*/$line/" "$T/b.vmdk"
	broken "descriptor: $line" "$msg" "$T/b.vmdk"
done
fresh -t 2 "$T/b.vmdk"; sed -i 's/^createType=.*//' "$T/b.vmdk"
broken "descriptor without createType" "no createType" "$T/b.vmdk"
fresh -t 2 "$T/b.vmdk"; sed -i 's/^version=1/version=9/' "$T/b.vmdk"
broken "descriptor version 9" "version '9'" "$T/b.vmdk"
fresh -t 2 "$T/b.vmdk"; sed -i 's/^RW 4096 FLAT/RW 4000 FLAT/' "$T/b.vmdk"
expect "extent smaller than its file opens" "$BIN/vmdk-info" "$T/b.vmdk"
fresh "$T/b.vmdk"; patch32 "$T/b.vmdk" 4 7
broken "sparse version 7" "version 7" "$T/b.vmdk"
expect_exit 1 "past the end of the disk" "dump past the end" \
	"$BIN/vmdk-dump" -s 4096 -c 1 "$T/g2.vmdk"
expect_exit 1 "past the end of the disk" "fill past the end" \
	"$BIN/vmdk-fill" --val 0 -s 999 -c 2 "$T/g2.vmdk"

# ---- kill -9 in the middle of writing: the disk still opens and every
# sector holds either what it held before or what was being written ----
for delay in 0.02 0.05 0.1 0.2 0.3; do
	rm -f "$T/kill.vmdk"
	"$BIN/vmdk-create" -q -s 256M "$T/kill.vmdk"
	"$BIN/vmdk-fill" -q --val 0xa5 "$T/kill.vmdk" &
	pid=$!
	sleep $delay
	kill -9 $pid 2>/dev/null
	wait $pid 2>/dev/null
	expect "opens after kill -9 at ${delay}s" "$BIN/vmdk-info" "$T/kill.vmdk"
	expect "qemu-img check after kill -9 at ${delay}s" qemu-img check "$T/kill.vmdk"
	n=$("$BIN/vmdk-dump" --raw "$T/kill.vmdk" 2>"$T/err" | tr -d '\000\245' | wc -c)
	[ "$n" -eq 0 ] && [ ! -s "$T/err" ] && ok "no torn data after kill -9 at ${delay}s" ||
		bad "torn data after kill -9 at ${delay}s ($n stray bytes)"
done
expect "a killed disk can be written again" "$BIN/vmdk-fill" -q --val 0 -s 0 -c 1 "$T/kill.vmdk"

# ---- vmdk-dump output ----
"$BIN/vmdk-create" -q -s 1M "$T/d.vmdk"
printf 'hello, disk' > "$T/hello"
"$BIN/vmdk-fill" -q -s 1 -f "$T/hello" "$T/d.vmdk"
"$BIN/vmdk-dump" -s 1 -c 1 "$T/d.vmdk" > "$T/out"
grep -q "^000000000200  68 65 6c 6c 6f 2c 20 64  69 73 6b 00 00 00 00 00  |hello, disk.....|$" \
	"$T/out" && grep -qx '\*' "$T/out" && grep -qx 000000000400 "$T/out" &&
	ok "hex dump layout" || bad "hex dump layout"
[ "$("$BIN/vmdk-dump" --raw -s 1 -c 1 "$T/d.vmdk" | head -c 11)" = "hello, disk" ] &&
	ok "raw dump of a range" || bad "raw dump of a range"


# A binary file named by mistake: its bytes are not echoed raw.
head -c 2000 /dev/urandom | tr -d 'K' > "$T/binary.vmdk"
"$BIN/vmdk-info" "$T/binary.vmdk" 2>"$T/err"
LC_ALL=C grep -q '[^[:print:]]' "$T/err" && bad "raw bytes in the message" ||
	ok "garbled input reported in printable text"
