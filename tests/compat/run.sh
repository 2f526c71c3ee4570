#!/bin/sh
# SPDX-License-Identifier: MIT
# run.sh --- libvixDiskLib through VDDK's interface: a client written from
# the VDDK sample's description (vix-sample.c) built against the header and
# library as `make install` lays them out, run on disks of every hosted
# type; every result compared with our tools and qemu-img; the exported
# symbols, the SONAME and loading with dlopen.
#   BIN=build/bin YAL=build/tests/yal-read BUILD=build sh tests/compat/run.sh
set -u

: "${BIN:?}" "${YAL:?}" "${BUILD:?}"
CC=${CC:-cc}
top=$(cd "$(dirname "$0")/../.." && pwd)
T=$(mktemp -d "${TMPDIR:-/tmp}/vmdk-vix.XXXXXX")
trap 'rm -rf "$T"' EXIT INT TERM
pass=0
fail=0
ok() { pass=$((pass + 1)); [ -n "${VERBOSE:-}" ] && echo "ok: $1"; return 0; }
bad() { fail=$((fail + 1)); echo "FAIL: $1"; [ -s "$T/err" ] && sed 's/^/    stderr: /' "$T/err" | head -5; return 0; }
sha() { sha256sum | cut -d' ' -f1; }

make -C "$top" --no-print-directory -s install-vixdisklib install-includes \
	DESTDIR="$T/inst" PREFIX=/usr LIBDIR=/usr/lib BUILD="$BUILD" >/dev/null ||
	{ echo "FAIL: install"; exit 1; }
inc=$T/inst/usr/include lib=$T/inst/usr/lib/vmdktools
[ -f "$inc/vixDiskLib.h" ] && [ -f "$lib/libvixDiskLib.so.7" ] && [ -L "$lib/libvixDiskLib.so" ] &&
	ok "installed under LIBDIR/vmdktools with the header" || bad "install layout"
# shellcheck disable=SC2086
$CC ${SAN:-} -Wall -Wextra -Werror -I"$inc" -o "$T/vix-sample" "$top/tests/compat/vix-sample.c" \
	-L"$lib" -lvixDiskLib -lpthread -Wl,-rpath,"$lib" 2>"$T/err" && ok "the sample builds against the header" ||
	{ bad "sample build"; exit 1; }
# shellcheck disable=SC2086
$CC ${SAN:-} -Wall -Werror -I"$inc" -o "$T/vix-dlopen" "$top/tests/compat/vix-dlopen.c" -ldl \
	2>"$T/err" && ok "the dlopen client builds" || bad "dlopen client build"
# shellcheck disable=SC2086
$CC ${SAN:-} -Wall -Wextra -Werror -I"$inc" -o "$T/vix-async" "$top/tests/compat/vix-async.c" \
	-L"$lib" -lvixDiskLib -lpthread -Wl,-rpath,"$lib" 2>"$T/err" && ok "the async client builds" ||
	bad "async client build"
S=$T/vix-sample
cd "$T" || exit 1

# ABI: VDDK's names only, VDDK's SONAME, loadable by name.
others=$(nm -D --defined-only "$lib/libvixDiskLib.so.7" | awk '$2 ~ /[TDBRW]/ {print $3}' |
	grep -v '^VixDiskLib_' | grep -v '^_' || true)
[ -z "$others" ] && ok "only VixDiskLib_* exported" || bad "other exports: $others"
n=$(nm -D --defined-only "$lib/libvixDiskLib.so.7" | grep -c ' T VixDiskLib_')
[ "$n" -ge 37 ] && ok "$n VixDiskLib_ functions exported" || bad "only $n functions exported"
readelf -d "$lib/libvixDiskLib.so.7" | grep -q 'SONAME.*\[libvixDiskLib.so.7\]' &&
	ok "SONAME libvixDiskLib.so.7" || bad "SONAME: $(readelf -d "$lib/libvixDiskLib.so.7" | grep SONAME)"

# expect DESC CMD...: exit 0.  expect_fail DESC TEXT CMD...: exit 1, TEXT said.
expect() { _d=$1; shift; if "$@" >"$T/out" 2>"$T/err"; then ok "$_d"; else bad "$_d (exit $?)"; fi; }
expect_fail() {
	_d=$1 _m=$2; shift 2
	"$@" >"$T/out" 2>"$T/err"
	_r=$?
	if [ $_r -eq 1 ] && grep -qF -- "$_m" "$T/err"; then ok "$_d"; else bad "$_d: exit $_r, wanted: $_m"; fi
}
same() {	# DESC DISK: the sample's reading equals vmdk-dump's and qemu-img's
	_n=$("$BIN/vmdk-info" "$2" | awk '/^Capacity/ {print $2}')
	_v=$("$S" -raw -count "$_n" "$2" 2>"$T/err" | sha)
	_o=$("$BIN/vmdk-dump" --raw "$2" | sha)
	qemu-img convert -O raw "$2" "$T/q.raw" 2>>"$T/err"
	_q=$(sha < "$T/q.raw")
	rm -f "$T/q.raw"
	[ "$_v" = "$_o" ] && [ "$_v" = "$_q" ] && ok "$1" || bad "$1: vix $_v ours $_o qemu $_q"
}

expect "dlopen by name" env LD_LIBRARY_PATH="$lib" "$T/vix-dlopen" libvixDiskLib.so
# Every type it creates (VDDK's numbers: 1-7, 6 streamOptimized).
for t in 1 2 3 4 5 7; do
	expect "create type $t" "$S" -create -type $t -cap 8 t$t.vmdk
	expect "fill type $t" "$S" -fill -val 0x3c -start 100 -count 300 t$t.vmdk
	expect "fill type $t again" "$S" -fill -val 7 -start 9000 -count 8 t$t.vmdk
	same "type $t reads alike through VixDiskLib, vmdk-dump and qemu-img" t$t.vmdk
	qemu-img check -q t$t.vmdk 2>/dev/null; [ $? -ne 3 ] && ok "qemu-img opens type $t" || bad "qemu-img t$t"
	"$YAL" t$t.vmdk > /dev/null 2>"$T/err" && ok "libyal reads type $t" || bad "libyal t$t"
done
"$BIN/vmdk-info" t1.vmdk | grep -q monolithicSparse && "$BIN/vmdk-info" t3.vmdk | grep -q twoGbMaxExtentSparse &&
	"$BIN/vmdk-info" t5.vmdk | grep -q 'vmfs (type 4)' && "$BIN/vmdk-info" t7.vmdk | grep -q 'vmfsThin (type 6; createType vmfs)' &&
	ok "VDDK's type numbers make the types they name" || bad "type mapping: $("$BIN/vmdk-info" t5.vmdk | head -2)"
expect "create streamOptimized" "$S" -create -type 6 -cap 8 t6.vmdk
expect_fail "streamOptimized takes no random write" "error" "$S" -fill -val 1 t6.vmdk
expect "create with the IDE adapter" "$S" -create -adapter ide -cap 4 ide.vmdk
"$BIN/vmdk-info" ide.vmdk | grep -q 'Adapter: *ide' && ok "-adapter ide is ide" || bad "adapter ide"
expect_fail "create refuses an existing disk" "already exists" "$S" -create -cap 4 t1.vmdk
expect "progress during create" "$S" -create -cap 4 prog.vmdk
grep -q "last 100%" "$T/err" && ok "progress reaches 100%" || bad "create progress"

# Info and metadata against our tools.
expect "info" "$S" -info t1.vmdk
grep -q "capacity 16384 sectors" "$T/out" && grep -q "links 1" "$T/out" && grep -q "adapter 2" "$T/out" &&
	grep -q "transport file of file" "$T/out" && ok "info: capacity, links, adapter, transport" ||
	bad "info: $(cat "$T/out")"
uuid=$("$BIN/vmdk-meta" t1.vmdk get uuid 2>/dev/null)
grep -qF "uuid $uuid" "$T/out" && ok "info's uuid is ddb.uuid" || bad "uuid: $uuid"
expect "meta" "$S" -meta t1.vmdk
grep -q "^adapterType = buslogic$" "$T/out" && grep -q "^virtualHWVersion = 4$" "$T/out" &&
	ok "meta lists the keys without ddb." || bad "meta: $(cat "$T/out")"
expect "wmeta" "$S" -wmeta backup.tag nightly-7 t1.vmdk
[ "$("$BIN/vmdk-meta" t1.vmdk get backup.tag)" = nightly-7 ] && ok "wmeta is seen by vmdk-meta" || bad "wmeta"
expect "rmeta" "$S" -rmeta backup.tag t1.vmdk
[ "$(cat "$T/out")" = nightly-7 ] && ok "rmeta reads it back" || bad "rmeta: $(cat "$T/out")"
expect_fail "rmeta of a missing key" "error 16052" "$S" -rmeta no.such.key t1.vmdk
expect_fail "a read past the end" "error 16007" "$S" -dump -start 16384 t1.vmdk
expect_fail "a missing disk" "error 4:" "$S" -info none.vmdk
expect_fail "not a disk" "error 16063" sh -c "printf 'hello' > junk.vmdk; \"$S\" -info junk.vmdk"
expect_fail "a remote connection" "remote connections are not supported" "$S" -connect-remote esx t1.vmdk
grep -q "error 6:" "$T/err" && ok "remote: VIX_E_NOT_SUPPORTED" || bad "remote code"

# Allocated blocks: chunks of 128 sectors holding data, merged.
expect "allocated blocks" "$S" -blocks t1.vmdk
[ "$(cat "$T/out" | tr '\n' ' ')" = "0 512 8960 128 " ] && ok "blocks are the written chunks" ||
	bad "blocks: $(cat "$T/out" | tr '\n' ' ')"
expect_fail "a chunk below the minimum" "chunk size" "$S" -blocks -chunk 64 t1.vmdk
"$S" -blocks t7.vmdk > "$T/thin"
[ "$(cat "$T/thin" | tr '\n' ' ')" != "0 16384 " ] && ok "a thin disk reports its holes" || bad "thin blocks"

# Clone, space needed, grow, shrink, defragment, check, rename, unlink.
for t in 1 2 3 4 5 6 7; do
	rm -f c$t*.vmdk
	expect "clone to type $t" "$S" -clone t1.vmdk -type $t c$t.vmdk
	qemu-img compare -q t1.vmdk c$t.vmdk 2>"$T/err" && ok "clone to type $t is the disk" || bad "clone $t differs"
done
grep -q "last 100%" "$T/err" || "$S" -clone t1.vmdk -type 1 -overwrite c1.vmdk 2>"$T/err"
grep -q "last 100%" "$T/err" && ok "clone progress reaches 100%" || bad "clone progress"
expect_fail "clone refuses an existing destination" "already exists" "$S" -clone t1.vmdk -type 1 c1.vmdk
expect "clone -overwrite replaces it" "$S" -clone t3.vmdk -type 1 -overwrite c1.vmdk
expect "space needed" "$S" -space -type 2 t1.vmdk
[ "$(cat "$T/out")" = "$("$BIN/vmdk-info" --space-needed 2 t1.vmdk | grep -o '^[0-9]*')" ] &&
	ok "space needed as vmdk-info --space-needed" || bad "space: $(cat "$T/out") vs $("$BIN/vmdk-info" --space-needed 2 t1.vmdk)"
expect "grow" "$S" -grow 16 t1.vmdk
qemu-img info t1.vmdk | grep -q '(16777216 bytes)' &&
	ok "grown to 16 MB" || bad "grow: $(qemu-img info t1.vmdk | grep virtual)"
before=$("$BIN/vmdk-dump" --raw t3.vmdk | sha)
expect "fill zeros into a sparse disk" "$S" -fill -val 0 -start 100 -count 300 t3.vmdk
expect "shrink" "$S" -shrink t3.vmdk
expect "defragment" "$S" -defrag t3.vmdk
qemu-img check -q t3.vmdk && ok "qemu-img checks the compacted disk" || bad "compacted disk check"
[ "$("$BIN/vmdk-dump" --raw t3.vmdk | sha)" != "$before" ] && "$BIN/vmdk-check" -q t3.vmdk &&
	ok "shrink and defragment keep a consistent disk" || bad "compact"
expect "check a good disk" "$S" -check t1.vmdk
head -c 4194304 /dev/urandom > src.raw
qemu-img convert -O vmdk src.raw bad.vmdk
python3 - bad.vmdk <<'PY'
import struct, sys
f = open(sys.argv[1], "r+b")
h = f.read(512)
gd = struct.unpack_from("<Q", h, 56)[0]
f.seek(gd * 512); gt = struct.unpack("<I", f.read(4))[0]
f.seek(gt * 512); f.write(b"\0\0\0\0")   # the primary entry of grain 0
PY
want=$(sha < src.raw)
expect_fail "check finds the damage" "error 16006" "$S" -check bad.vmdk
expect "repair" "$S" -repair bad.vmdk
"$BIN/vmdk-check" -q bad.vmdk && [ "$("$BIN/vmdk-dump" --raw bad.vmdk | sha)" = "$want" ] &&
	ok "the repaired disk is whole again" || bad "repair result"
expect "rename" "$S" -rename moved.vmdk t2.vmdk
[ ! -e t2.vmdk ] && [ -f moved.vmdk ] && [ -f moved-flat.vmdk ] && qemu-img check -q moved.vmdk 2>/dev/null;
[ -f moved-flat.vmdk ] && [ ! -e t2-flat.vmdk ] && ok "rename moves the descriptor and extent" || bad "rename"
expect "unlink" "$S" -unlink moved.vmdk
[ ! -e moved.vmdk ] && [ ! -e moved-flat.vmdk ] && ok "unlink removes every file" || bad "unlink"

# Child disks: -redo, -attach (the child read through its parent).
expect "redo log" "$S" -redo t4.vmdk redo.vmdk
qemu-img info redo.vmdk | grep -q "backing file: t4.vmdk" && ok "the redo log names its parent" || bad "redo"
"$S" -fill -val 0x55 -start 4000 -count 1 t3.vmdk
expect "attach a new child and write through it" "$S" -attach kid.vmdk -start 9000 t3.vmdk
grep -q "links 2" "$T/out" && ok "the attached child reads the chain" || bad "attach: $(cat "$T/out")"
"$S" -raw -start 9000 -count 1 kid.vmdk | od -An -tx1 | head -1 | grep -q '7e 7e' &&
	"$S" -raw -start 9001 -count 1 kid.vmdk | od -An -tx1 | head -1 | grep -q '07 07' &&
	ok "the child's write over the parent's data" || bad "attach data"
qemu-img compare -q kid.vmdk kid.vmdk && [ "$(qemu-img info kid.vmdk | grep -c 'backing file: t3.vmdk')" = 1 ] &&
	ok "qemu-img sees the chain" || bad "attach chain"
"$S" -raw -start 4000 -count 1 kid.vmdk | od -An -tx1 | head -1 | grep -q '55 55' &&
	ok "the chain shows the parent's data" || bad "chain read"
expect "single link of the child" "$S" -raw -single -start 4000 -count 1 kid.vmdk
od -An -tx1 "$T/out" | head -1 | grep -q '00 00' && ok "-single reads the child alone" || bad "-single"

# Threads, one handle each (VDDK's rule): four copies at once.
expect "four threads copy the disk at once" "$S" -multithread 4 t4.vmdk
for i in 0 1 2 3; do qemu-img compare -q t4.vmdk t4.vmdk.copy$i.vmdk 2>/dev/null || { bad "copy $i differs"; break; }; done
[ $i = 3 ] && qemu-img compare -q t4.vmdk t4.vmdk.copy3.vmdk && ok "every thread's copy is the disk"
expect "ConnectEx with file transport" "$S" -mode file:nbd -info t4.vmdk
expect_fail "ConnectEx with network transports only" "only \"file\" is supported" "$S" -mode nbdssl:hotadd -info t4.vmdk

# Benchmarks run (figures are not judged).
expect "readbench" "$S" -readbench 2048 t3.vmdk
expect "writebench" "$S" -writebench 2048 t4.vmdk
expect "readasyncbench" "$S" -readasyncbench 2048 t3.vmdk
grep -q "read 16384 sectors asynchronously" "$T/out" && ok "readasyncbench reads the whole disk" ||
	bad "readasyncbench: $(cat "$T/out")"
expect "writeasyncbench" "$S" -writeasyncbench 2048 t4.vmdk
expect "log callbacks" env VIX_SAMPLE_LOG=1 "$S" -info t1.vmdk
grep -q "VixDiskLib: opened" "$T/err" && ok "InitEx's log function is called" || bad "log"
env VIX_SAMPLE_LOG=1 "$S" -info nothere.vmdk > "$T/out" 2>"$T/err"
grep -q "VixDiskLib: .*nothere.vmdk.*No such file" "$T/err" &&
	ok "the library's own message reaches the warning function" || bad "warn: $(cat "$T/err")"
# A disk in another directory, split and with extents beside it, opened
# by a path from elsewhere.
mkdir -p far/away
"$BIN/vmdk-create" -q -s 8M -t 1 far/away/split.vmdk
"$BIN/vmdk-fill" -q --val 0x42 -s 10 -c 2 far/away/split.vmdk
expect "Open of a disk in another directory" "$S" -dump -start 10 -count 1 "$T/far/away/split.vmdk"
grep -q "42 42" "$T/out" && ok "read from another directory" || bad "far open: $(head -2 "$T/out")"

# Asynchronous I/O from two threads on one handle, and Flush durable
# before Close (the client kills itself right after it).
"$BIN/vmdk-create" -q -s 64M as.vmdk
expect "async requests from two threads: every completion once, the data right" "$T/vix-async" as.vmdk
expect "the disk checks after async I/O" "$BIN/vmdk-check" as.vmdk
[ "$("$BIN/vmdk-dump" --raw -s 160 -c 16 as.vmdk | od -An -v -tu1 | awk '{print $1}' | sort -u)" = 11 ] &&
	ok "request 10's sectors hold its bytes on disk" || bad "async data on disk"
"$BIN/vmdk-create" -q -s 64M fl.vmdk
"$T/vix-async" -kill fl.vmdk 2>"$T/err"
[ $? -eq 137 ] && ok "the flushing client died by SIGKILL before Close" || bad "kill client"
[ "$("$BIN/vmdk-dump" --raw -s 4096 -c 64 fl.vmdk | od -An -v -tx1 | tr -s ' \n' '\n' | sort -u | tr -d '\n')" = 6b ] &&
	[ "$("$BIN/vmdk-dump" --raw -s 100000 -c 64 fl.vmdk | od -An -v -tx1 | tr -s ' \n' '\n' | sort -u | tr -d '\n')" = 6b ] &&
	ok "what was flushed is on the disk after SIGKILL" || bad "flushed data lost"
"$BIN/vmdk-check" fl.vmdk > "$T/out" 2>&1 && ok "the killed client's disk checks (an unclean mark at most)" ||
	bad "killed client's disk: $(cat "$T/out")"
# The last chunk of a query may run past the end of a disk whose size is
# not a multiple of the chunk (clients round the last query up).
"$BIN/vmdk-create" -q -s 1000 odd.vmdk
"$BIN/vmdk-fill" -q --val 1 -s 990 -c 10 odd.vmdk
expect "QueryAllocatedBlocks: a last chunk past the end" "$S" -blocks -roundup -chunk 128 odd.vmdk
grep -q "896 128" "$T/out" && ok "the last chunk is answered" || bad "last chunk: $(cat "$T/out")"

# Combine: a chain of four, links 1-2 (from the bottom) combined into
# link 1, the top renamed onto it; then the whole chain into the base.
"$BIN/vmdk-create" -q -s 16M cb0.vmdk
"$BIN/vmdk-fill" -q --val 1 -s 0 -c 64 cb0.vmdk
for i in 1 2 3; do
	"$BIN/vmdk-child" -q create "cb$((i - 1)).vmdk" "cb$i.vmdk"
	"$BIN/vmdk-fill" -q --val $((i + 1)) -s $((i * 16)) -c 64 "cb$i.vmdk"
done
want=$("$BIN/vmdk-dump" --raw cb3.vmdk | sha)
expect "Combine links 1 and 2" "$S" -combine 1 2 cb3.vmdk
[ "$("$BIN/vmdk-dump" --raw cb3.vmdk | sha)" = "$want" ] && qemu-img info cb3.vmdk | grep -q "backing file: cb1.vmdk" &&
	ok "the chain reads as before, its top now over link 1" || bad "combine 1 2: $(qemu-img info cb3.vmdk | grep backing)"
[ "$("$BIN/vmdk-dump" --raw cb2.vmdk | sha)" = "$("$BIN/vmdk-dump" --raw cb1.vmdk | sha)" ] &&
	ok "link 1 holds what links 1 and 2 showed" || bad "combine: link 1's content"
expect "Combine the whole chain" "$S" -combine 0 3 cb3.vmdk
[ "$("$BIN/vmdk-dump" --raw cb0.vmdk | sha)" = "$want" ] && [ "$("$BIN/vmdk-dump" --raw cb3.vmdk | sha)" = "$want" ] &&
	ok "the base now holds the whole chain's content" || bad "combine 0 3"
expect "the combined chain checks" "$BIN/vmdk-check" cb3.vmdk
expect_fail "Combine past the chain" "a chain of" "$S" -combine 2 5 cb3.vmdk
"$BIN/vmdk-create" -q -s 16M other.vmdk
expect "Reparent" "$S" -reparent other.vmdk cb3.vmdk
qemu-img info cb3.vmdk | grep -q "backing file: other.vmdk" && ok "Reparent changes the parent hint" ||
	bad "reparent: $(qemu-img info cb3.vmdk | grep backing)"

# VMware's Go library over VDDK (../shared/peers, where present), built
# with cgo against the installed header and library.
peer=$top/../shared/peers/virtual-disks/pkg/disklib
if [ -n "${SAN:-}" ]; then
	echo "skipped: the Go library under sanitizers (the plain run covers it)"
elif [ ! -d "$peer" ]; then
	echo "skipped: $peer is absent (VMware's Go library is not in this checkout)"
elif ! command -v go >/dev/null 2>&1; then
	bad "go is not installed"
else
	G=$T/gopath
	mkdir -p "$G/src/github.com/vmware/virtual-disks/pkg" "$G/src/disklibtest"
	cp -r "$peer" "$G/src/github.com/vmware/virtual-disks/pkg/"
	cp "$top/tests/compat/disklib-test.go" "$G/src/disklibtest/main.go"
	if (cd "$G/src/disklibtest" && GO111MODULE=off GOPATH="$G" GOFLAGS= \
	    GOCACHE="$top/build/go/cache" CGO_CFLAGS="-I$inc" CGO_LDFLAGS="-L$lib -Wl,-rpath,$lib" \
	    go build -o "$T/disklib-test" .) 2>"$T/err"; then
		ok "VMware's Go disklib builds against our header and library"
		mkdir -p g
		for d in base other grow compact gone; do "$BIN/vmdk-create" -q -s 32M g/$d.vmdk; done
		"$BIN/vmdk-fill" -q -s 5000 -c 64 --val 0x42 g/base.vmdk
		"$BIN/vmdk-fill" -q -s 0 -c 4096 --val 0 g/compact.vmdk
		"$BIN/vmdk-fill" -q -s 8192 -c 256 --val 9 g/compact.vmdk
		compact_sha=$("$BIN/vmdk-dump" --raw g/compact.vmdk | sha)
		if "$T/disklib-test" "$T/g" >"$T/go.out" 2>"$T/err"; then
			ok "the Go program runs every call"
		else
			bad "the Go program failed: $(tail -2 "$T/go.out")"
		fi
		want() { grep -qxF -- "$1" "$T/go.out" && ok "go: $1" || bad "go: wanted '$1' in: $(tr '\n' '|' < "$T/go.out")"; }
		want "transport file"
		want "read back true"
		want "info capacity=65536 links=1 adapter=3 geometry=32/64/32"
		want "mode file"
		want "metadata disklib"
		want "block 0 128"
		want "block 4992 128"
		want "past the end true"
		want "child links 2 parent base.vmdk"
		want "attached links 2"
		want "done"
		grep -q '^keys .*backup.by' "$T/go.out" && ok "go: the keys list the new one" || bad "go: keys"
		[ "$("$BIN/vmdk-meta" g/base.vmdk get backup.by)" = disklib ] && ok "its metadata as vmdk-meta reads it" ||
			bad "go metadata"
		"$BIN/vmdk-dump" --raw -s 100 -c 8 g/base.vmdk 2>/dev/null | od -An -tx1 | head -1 | grep -q 'ab ab' ||
			"$BIN/vmdk-dump" -s 100 -c 1 g/base.vmdk | grep -q 'ab ab'
		[ $? -eq 0 ] && ok "its write as vmdk-dump reads it" || bad "go write"
		qemu-img info g/child.vmdk | grep -q "backing file: base.vmdk" && ok "its child as qemu-img sees it" ||
			bad "go child"
		qemu-img info g/redo.vmdk | grep -q "backing file: other.vmdk" && ok "its attached redo log" || bad "go redo"
		qemu-img info g/grow.vmdk | grep -q "(67108864 bytes)" && ok "its grow as qemu-img sees it" ||
			bad "go grow: $(qemu-img info g/grow.vmdk | grep virtual)"
		[ "$("$BIN/vmdk-dump" --raw g/compact.vmdk | sha)" = "$compact_sha" ] && qemu-img check -q g/compact.vmdk &&
			ok "its shrink and defragment keep the data" || bad "go compact"
		[ ! -e g/gone.vmdk ] && [ ! -e g/renamed.vmdk ] && ok "its rename and unlink" || bad "go rename/unlink"
	else
		bad "VMware's Go disklib does not build against our header"
	fi
fi

# --- libvixMntapi: VDDK's Disk Mount API ---
# shellcheck disable=SC2086
$CC ${SAN:-} -Wall -Wextra -Werror -I"$inc" -o "$T/vix-mount" "$top/tests/compat/vix-mount.c" \
	-L"$lib" -lvixMntapi -lvixDiskLib -Wl,-rpath,"$lib" 2>"$T/err" &&
	ok "the mount client builds against vixMntapi.h" || bad "mount client build"
others=$(nm -D --defined-only "$lib/libvixMntapi.so.1" | awk '$2 ~ /[TDBRW]/ {print $3}' |
	grep -v '^VixMntapi_' | grep -v '^_' || true)
n=$(nm -D --defined-only "$lib/libvixMntapi.so.1" | grep -c ' T VixMntapi_')
[ -z "$others" ] && [ "$n" = 15 ] && ok "libvixMntapi exports the 15 VixMntapi_ functions only" ||
	bad "libvixMntapi exports: $n, others: $others"
if [ "$(id -u)" != 0 ] || [ ! -c /dev/fuse ] || [ ! -c /dev/loop-control ] ||
	! command -v sfdisk >/dev/null 2>&1 || ! command -v mkfs.xfs >/dev/null 2>&1; then
	echo "skipped: mounting through libvixMntapi (needs root, /dev/fuse, loop devices, sfdisk, xfsprogs)"
else
	mkdir -p m/f m/a m/b m/tmp
	printf 'tmpDirectory = "%s"\n' "$T/m/tmp" > m/vix.cfg
	export VIX_MOUNT_CONFIG="$T/m/vix.cfg"
	# A two-partition guest disk: ext4 root with os-release, fstab and
	# a shell (/bin a link leading to /usr/bin, as in the guest), xfs data.
	"$BIN/vmdk-create" -q -s 1G m/os.vmdk
	"$BIN/vmdk-mount" -f m/os.vmdk m/f &&
		printf 'label: gpt\nsize=300M, type=L, name="root"\n type=L, name="data"\n' | sfdisk -q m/f/flat
	sfdisk -d m/f/flat > m/tab
	range() { sed -n "s|^.*flat$1 : start= *\([0-9]*\), size= *\([0-9]*\).*|\1 \2|p" m/tab; }
	loopdev() { set -- $(range "$1"); losetup -f --show -o $(($1 * 512)) --sizelimit $(($2 * 512)) m/f/flat; }
	l=$(loopdev 1) && mkfs.ext4 -q -L root "$l" && losetup -d "$l"
	l=$(loopdev 2) && mkfs.xfs -q -L data "$l" && losetup -d "$l"
	"$BIN/vmdk-mount" -d m/f
	"$BIN/vmdk-mount" m/os.vmdk 1 m/a && "$BIN/vmdk-mount" m/os.vmdk 2 m/b &&
		mkdir -p m/a/etc m/a/usr/bin m/a/data && ln -s /usr/bin m/a/bin &&
		cp "$(readlink -f /bin/sh)" m/a/usr/bin/sh &&
		printf 'NAME="Debian GNU/Linux"\nID=debian\nVERSION_ID="12"\nVERSION_CODENAME=bookworm\n' > m/a/etc/os-release &&
		printf '# the guest\nLABEL=root / ext4 defaults 0 1\nUUID=%s /data xfs defaults 0 2\n' \
			"$(blkid -o value -s UUID "$(findmnt -n -o SOURCE m/b)")" > m/a/etc/fstab &&
		echo "data file" > m/b/hello.txt && ok "a guest disk made through vmdk-mount" || bad "guest disk"
	"$BIN/vmdk-mount" -q -k m/os.vmdk
	"$T/vix-mount" -ro -cat hello.txt m/os.vmdk > m/out 2>"$T/err"
	rc=$?
	grep -q '^volumes: 2$' m/out && grep -q "^volume 0: type 2, mounted 1 at $T/m/tmp/vixmntapi-.*/volume-1, guest mount points 1: /\$" m/out &&
		grep -q '^volume 1: type 2, mounted 1 at .*, guest mount points 1: /data$' m/out &&
		grep -q '^data file$' m/out && [ $rc = 0 ] &&
		ok "OpenDisks, GetVolumeHandles, MountVolume, GetVolumeInfo: both volumes, their guest mount points" ||
		bad "vix-mount: rc $rc: $(cat m/out)"
	grep -q '^os: family 2, version 12.0, 64-bit 1, vendor "Debian GNU/Linux", edition "bookworm", folder .*volume-1$' m/out &&
		ok "GetOsInfo reads the guest's os-release and its shell's ELF class" || bad "os info: $(grep os: m/out)"
	grep -q '^disk set: '"$T"'/m/tmp/vixmntapi-.*, flags 4$' m/out && ok "GetDiskSetInfo: the mount path under tmpDirectory" ||
		bad "disk set info: $(head -1 m/out)"
	! grep -q vixmntapi /proc/self/mountinfo && [ -z "$(ls m/tmp)" ] &&
		ok "DismountVolume and CloseDiskSet leave nothing mounted" || bad "left mounted: $(grep vixmntapi /proc/self/mountinfo)"
	"$T/vix-mount" -write written.txt "through the API" m/os.vmdk > m/out 2>"$T/err" &&
		"$BIN/vmdk-mount" -r m/os.vmdk 1 m/a && [ "$(cat m/a/written.txt)" = "through the API" ] &&
		ok "a read-write set's writes reach the disk" || bad "write through VixMntapi: $(cat m/out "$T/err")"
	"$BIN/vmdk-mount" -q -k m/os.vmdk
	"$BIN/vmdk-check" -q m/os.vmdk && ! "$BIN/vmdk-info" m/os.vmdk | grep -q Unclean &&
		ok "the disk checks clean after CloseDiskSet" || bad "check after VixMntapi"
	"$BIN/vmdk-mount" -f m/os.vmdk m/f
	"$T/vix-mount" m/os.vmdk > m/out 2>"$T/err"
	[ $? = 1 ] && grep -q 'VixMntapi_OpenDisks: error' "$T/err" && ok "a disk vmdk-mount holds is refused" ||
		bad "held disk: $(cat "$T/err")"
	"$BIN/vmdk-mount" -q -d m/f
	# A swap-only disk: one volume, not mountable; no OS to find.
	truncate -s 64M m/s.raw && mkswap m/s.raw >/dev/null 2>&1 && qemu-img convert -O vmdk m/s.raw m/s.vmdk
	"$T/vix-mount" -ro m/s.vmdk > m/out 2>"$T/err"
	grep -q '^volume 0: not mounted: error 24010' m/out && grep -q '^os: error 24304$' m/out &&
		ok "swap is not mounted (24010), no OS without a mounted volume (24304)" || bad "swap disk: $(cat m/out)"
	unset VIX_MOUNT_CONFIG
fi

echo
echo "vixdisklib: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
