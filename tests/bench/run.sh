#!/bin/sh
# SPDX-License-Identifier: MIT
# run.sh --- the benchmark: each conversion by vmdk-clone and by qemu-img
# on the same machine in one run, with wall time, ratio, output size and
# peak RSS.  A benchmark, not a test: it prints figures and never fails
# on them.
#   BIN=build/bin sh tests/bench/run.sh
# BENCH_RUNS (default 3) runs of each, the best counting;
# BENCH_SIZE (default 2G) sizes the image made by make-test-image.sh
# beside this file; BENCH_DIR (default build/bench) holds
# it and the outputs (about 4 times the image size); BENCH_CONVERT=0,
# BENCH_CHECK=0, BENCH_COMPACT=0, BENCH_REMOTE=0, BENCH_SERVE=0,
# BENCH_MOUNT=0, BENCH_IMAGES=0 skip a part.
set -eu

: "${BIN:?BIN must name the directory holding the tools}"
top=$(cd "$(dirname "$0")/../.." && pwd)
size=${BENCH_SIZE:-2G}
runs=${BENCH_RUNS:-3}
dir=${BENCH_DIR:-$top/build/bench}
gen=${BENCH_IMAGE_SCRIPT:-$top/tests/bench/make-test-image.sh}
mkdir -p "$dir"
img=$dir/image-$size.raw

if [ ! -s "$img" ]; then
	if [ ! -x "$gen" ] && [ ! -f "$gen" ]; then
		echo "bench: $gen not found (set BENCH_IMAGE_SCRIPT)" >&2
		exit 1
	fi
	echo "bench: making a $size test image (once)"
	sh "$gen" "$size" "$img" >/dev/null
fi
sync

# run NAME COMMAND...: wall seconds and peak RSS (KiB) into $secs $rss.
run() {
	name=$1
	shift
	start=$(date +%s.%N)
	/usr/bin/time -f '%M' -o "$dir/rss" "$@" >/dev/null 2>"$dir/err" || {
		echo "bench: $name failed:"; cat "$dir/err"; exit 1; }
	end=$(date +%s.%N)
	secs=$(echo "$end - $start" | bc -l)
	rss=$(tail -1 "$dir/rss")
}

size_of() { du -cb "$@" | tail -1 | cut -f1; }

ratio() { echo "$1 / $2" | bc -l; }

# Two comparisons, each on equal terms.  qemu-img leaves its output in
# the page cache; vmdk-clone by default waits for its output to reach
# the disk before renaming it into place.  So: ours --no-sync against
# qemu-img as it runs, and ours by default against qemu-img followed by
# a sync of what it wrote.
printf 'Image: %s (%s), %s CPUs, best of %s runs, %s, %s\n' "$img" "$size" \
	"$(nproc)" "$runs" "$("$BIN/vmdk-clone" --version)" "$(qemu-img --version | head -1)"
# Each conversion also on one core: both pinned to CPU 0, ours with one
# compression thread (-j 1).  "size x" is our output's size over qemu-img's.
printf '%-28s %7s %7s %7s %7s %6s %6s %7s %7s %6s %11s %6s %7s %7s\n' conversion \
	"nosync" "qemu" "ours" "q+sync" "x" "x sync" "1c ours" "1c qemu" "x 1c" \
	"ours bytes" "size x" "oursKiB" "qemuKiB"

# Sources in every format, made once by qemu-img (a neutral writer).
[ -s "$dir/src-sparse-$size.vmdk" ] || qemu-img convert -O vmdk "$img" "$dir/src-sparse-$size.vmdk"
[ -s "$dir/src-stream-$size.vmdk" ] || qemu-img convert -O vmdk -o subformat=streamOptimized \
	"$img" "$dir/src-stream-$size.vmdk"

min() { echo "if ($1 < $2) $1 else $2" | bc -l; }

# Each variant runs $runs times, every output removed and synced away
# before the next run; the best time counts (the spread here comes from
# the machine's writeback, not from the programs).
bench() {
	label=$1 src=$2 ours_type=$3 qemu_opts=$4 ext=$5
	n_s=999999 o_s=999999 q_s=999999 qs_s=999999 p_o=999999 p_q=999999
	for _ in $(seq "$runs"); do
		rm -rf "$dir/out" && mkdir "$dir/out" && sync
		run "ours $label, one core" taskset -c 0 "$BIN/vmdk-clone" -q --no-sync -j 1 \
			-t "$ours_type" "$src" "$dir/out/one.$ext"
		p_o=$(min "$p_o" "$secs")
		rm -rf "$dir/out" && mkdir "$dir/out" && sync
		# shellcheck disable=SC2086
		run "qemu $label, one core" taskset -c 0 qemu-img convert $qemu_opts "$src" \
			"$dir/out/one.$ext"
		p_q=$(min "$p_q" "$secs")
		rm -rf "$dir/out" && mkdir "$dir/out" && sync
		run "ours $label" "$BIN/vmdk-clone" -q --no-sync -t "$ours_type" \
			"$src" "$dir/out/fast.$ext"
		n_s=$(min "$n_s" "$secs")
		rm -rf "$dir/out" && mkdir "$dir/out" && sync
		run "ours $label" "$BIN/vmdk-clone" -q -t "$ours_type" "$src" \
			"$dir/out/ours.$ext"
		o_s=$(min "$o_s" "$secs") o_rss=$rss
		o_b=$(size_of "$dir"/out/ours*)
		sync
		# shellcheck disable=SC2086
		run "qemu $label" qemu-img convert $qemu_opts "$src" "$dir/out/qemu.$ext"
		q=$secs q_rss=$rss
		run "sync $label" sync "$dir/out/qemu.$ext"
		q_s=$(min "$q_s" "$q") qs_s=$(min "$qs_s" "$(echo "$q + $secs" | bc -l)")
		q_b=$(size_of "$dir"/out/qemu*)
	done
	if ! qemu-img compare -q "$dir/out/ours.$ext" "$dir/out/qemu.$ext"; then
		echo "bench: $label: outputs differ" >&2
		exit 1
	fi
	printf '%-28s %7.2f %7.2f %7.2f %7.2f %5.2fx %5.2fx %7.2f %7.2f %5.2fx %11s %6.4f %7s %7s\n' \
		"$label" "$n_s" "$q_s" "$o_s" "$qs_s" "$(ratio "$q_s" "$n_s")" \
		"$(ratio "$qs_s" "$o_s")" "$p_o" "$p_q" "$(ratio "$p_q" "$p_o")" "$o_b" \
		"$(ratio "$o_b" "$q_b")" "$o_rss" "$q_rss"
}

if [ "${BENCH_CONVERT:-1}" != 0 ]; then
bench "raw -> streamOptimized" "$img" 5 "-O vmdk -o subformat=streamOptimized" vmdk
bench "monolithicSparse -> stream" "$dir/src-sparse-$size.vmdk" 5 "-O vmdk -o subformat=streamOptimized" vmdk
bench "raw -> monolithicSparse" "$img" 0 "-O vmdk" vmdk
bench "monolithicSparse -> raw" "$dir/src-sparse-$size.vmdk" raw "-O raw" raw
bench "streamOptimized -> raw" "$dir/src-stream-$size.vmdk" raw "-O raw" raw
rm -rf "$dir/out"
fi

# Other formats' images as sources: each made once by qemu-img from the
# image, then converted to a stream and to raw by both (the ratios read
# as above).  BENCH_IMAGES=0 skips it.
if [ "${BENCH_IMAGES:-1}" != 0 ]; then
for f in qcow2 vpc vhdx vdi; do
	[ -s "$dir/src-$size.$f" ] || qemu-img convert -O $f "$img" "$dir/src-$size.$f"
	bench "$f -> streamOptimized" "$dir/src-$size.$f" 5 "-O vmdk -o subformat=streamOptimized" vmdk
	bench "$f -> raw" "$dir/src-$size.$f" raw "-O raw" raw
done
rm -rf "$dir/out"
fi

# Check: a 2 TiB monolithicSparse disk with every grain table allocated
# (as VMware lays them out) and 1 GiB of data, checked with the cache
# warm by vmdk-check and by qemu-img check.  BENCH_CHECK=0 skips it.
if [ "${BENCH_CHECK:-1}" != 0 ]; then
	chk=$dir/check-2t.vmdk
	if [ ! -s "$chk" ]; then
		python3 - "$dir/check-src.raw" <<'PY'
import random, sys
r = random.Random(1)
with open(sys.argv[1], "wb") as f:
    f.truncate(2047 << 30)
    chunk = r.randbytes(1 << 20)
    for i in range(1024):          # 1 GiB: 1 MiB every 2 GiB
        f.seek(i * (2047 << 30) // 1024)
        f.write(chunk)
PY
		"$BIN/vmdk-clone" -q --no-sync -r -t 0 "$dir/check-src.raw" "$chk"
		rm -f "$dir/check-src.raw"
	fi
	"$BIN/vmdk-check" -q "$chk"	# warms the cache
	c_s=999 q_s=999
	for i in $(seq "$runs"); do
		run "vmdk-check" "$BIN/vmdk-check" -q "$chk"
		c_s=$(min "$c_s" "$secs") c_rss=$rss
		run "qemu-img check" qemu-img check -q "$chk"
		q_s=$(min "$q_s" "$secs") q_rss=$rss
	done
	printf '\n%-28s %7s %7s %6s %8s %8s\n' check ours qemu x oursKiB qemuKiB
	printf '%-28s %7.2f %7.2f %5.2fx %8s %8s\n' "2 TiB sparse, 1 GiB data" \
		"$c_s" "$q_s" "$(ratio "$q_s" "$c_s")" "$c_rss" "$q_rss"
fi

# Shrink and defragment: a 2 GiB monolithicSparse disk, every grain
# written once in a random order, 30% of them zeros (written as data),
# made once by qemu-io; each run works on a fresh copy.  Against what
# users do without an in-place tool: qemu-img convert to a new sparse
# file.  Extra space: the most the directory's allocated bytes grew by
# during the run (sampled every 2 ms).  BENCH_COMPACT=0 skips it.
if [ "${BENCH_COMPACT:-1}" != 0 ]; then
	frag=$dir/frag-2g.vmdk
	if [ ! -s "$frag" ]; then
		echo "bench: making a fragmented 2 GiB disk (once)"
		qemu-img create -q -f vmdk "$frag" 2G
		python3 - <<'PY' > "$dir/frag.cmds"
import random
order = list(range(32768))
random.Random(3).shuffle(order)
for g in order:
    print("-c\nwrite -P %d %d 64k" % (0 if g % 10 < 3 else g % 250 + 1, g * 65536))
PY
		# Whole "-c command" pairs to each qemu-io call.
		xargs -d '\n' -n 4000 qemu-io -f vmdk "$frag" < "$dir/frag.cmds" >/dev/null
		rm -f "$dir/frag.cmds"
	fi
	mkdir -p "$dir/c"
	# peak DIR COMMAND...: wall seconds and the peak growth of DIR's
	# allocated bytes into $secs $extra.
	peak() {
		set -- $(python3 - "$@" <<'PY'
import os, subprocess, sys, time
d, cmd = sys.argv[1], sys.argv[2:]
def used():
    return sum(os.stat(os.path.join(d, f)).st_blocks * 512 for f in os.listdir(d))
base = top = used()
t = time.monotonic()
p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL)
while p.poll() is None:
    try:
        top = max(top, used())
    except FileNotFoundError:
        pass
    time.sleep(0.002)
t = time.monotonic() - t
if p.returncode:
    sys.exit("bench: %s failed" % cmd[0])
print("%.3f %d" % (t, max(top, used()) - base))
PY
)
		secs=$1 extra=$2
	}
	printf '\n%-28s %7s %7s %6s %12s %12s %12s\n' "2 GiB, 30% zero, scattered" \
		ours qemu x "ours extra" "qemu extra" "size after"
	for op in shrink defrag; do
		o_s=999 q_s=999
		for i in $(seq "$runs"); do
			rm -f "$dir/c"/*
			cp --sparse=never "$frag" "$dir/c/d.vmdk"
			sync
			peak "$dir/c" "$BIN/vmdk-$op" -q "$dir/c/d.vmdk"
			o_s=$(min "$o_s" "$secs") o_x=$extra
			after=$(size_of "$dir/c/d.vmdk")
			sync
			rm -f "$dir/c/d.vmdk"
			peak "$dir/c" qemu-img convert -O vmdk "$frag" "$dir/c/q.vmdk"
			q_s=$(min "$q_s" "$secs") q_x=$extra
			q_after=$(size_of "$dir/c/q.vmdk")
		done
		printf '%-28s %7.2f %7.2f %5.2fx %12s %12s %12s\n' "vmdk-$op vs convert" \
			"$o_s" "$q_s" "$(ratio "$q_s" "$o_s")" "$o_x" "$q_x" "$after/$q_after"
	done
	rm -rf "$dir/c"
fi

# Serving over NBD: nbdcopy reads the whole sparse source, served by
# nbdkit with our plugin, by qemu-nbd (the same file), and by nbdkit's
# file plugin (the raw image it was made from), over a Unix socket; on one
# core (taskset) and on all.  Server peak RSS from /usr/bin/time.
# BENCH_SERVE=0 skips it.
PLUGIN=${PLUGIN:-$BIN/../plugins/nbdkit-vmdktools-plugin.so}
if [ "${BENCH_SERVE:-1}" != 0 ] && [ -f "$PLUGIN" ] && command -v nbdkit >/dev/null &&
	command -v nbdcopy >/dev/null && command -v qemu-nbd >/dev/null; then
	src=$dir/src-sparse-$size.vmdk
	sock=$dir/nbd.sock
	# qemu-nbd serves in the background; its RSS is read from /proc at the end.
	qemu_nbd() {
		rm -f "$sock"
		$1 qemu-nbd -r -f vmdk -t -k "$sock" "$src" &
		qpid=$!
		i=0; while [ ! -S "$sock" ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
		start=$(date +%s.%N)
		$1 nbdcopy "nbd+unix:///?socket=$sock" null: || { echo "bench: qemu-nbd read failed"; exit 1; }
		secs=$(echo "$(date +%s.%N) - $start" | bc -l)
		rss=$(awk '/VmHWM/ {print $2}' "/proc/$qpid/status")
		kill "$qpid"; wait "$qpid" 2>/dev/null
	}
	printf '
%-28s %7s %7s %7s %6s %6s %8s %8s
' "nbd sequential read" ours qemu-nbd file 		"x nbd" "x file" oursKiB nbdKiB
	for cores in one all; do
		pin=
		[ $cores = one ] && pin="taskset -c 0"
		s_o=999999 s_q=999999 s_f=999999
		for _ in $(seq "$runs"); do
			# shellcheck disable=SC2086,SC2016
			run "serve ours" $pin nbdkit -U - "$PLUGIN" file="$src" readonly=true \
				--run 'nbdcopy "$uri" null:'
			s_o=$(min "$s_o" "$secs") o_rss=$rss
			qemu_nbd "$pin"
			s_q=$(min "$s_q" "$secs") q_rss=$rss
			# shellcheck disable=SC2086,SC2016
			run "serve file" $pin nbdkit -U - file "$img" --readonly --run 'nbdcopy "$uri" null:'
			s_f=$(min "$s_f" "$secs")
		done
		printf '%-28s %7.2f %7.2f %7.2f %5.2fx %5.2fx %8s %8s
' "sparse, $cores core(s)" \
			"$s_o" "$s_q" "$s_f" "$(ratio "$s_q" "$s_o")" "$(ratio "$s_f" "$s_o")" "$o_rss" "$q_rss"
	done
	rm -f "$sock"
fi

# A mounted volume: ext4 on a monolithicSparse disk mounted by vmdk-mount
# (FUSE, loop device, kernel) against ext4 on a loop device of a sparse
# raw file (the physical reference) and, where the nbd module is there,
# on qemu-nbd's /dev/nbd0 of the same kind of disk.  Half the image copied
# in with dd conv=fsync, then read back with the caches dropped; on one
# core and on all.  Daemon peak RSS from /proc.  BENCH_MOUNT=0 skips it.
if [ "${BENCH_MOUNT:-1}" != 0 ] && [ "$(id -u)" = 0 ] && [ -c /dev/fuse ] &&
	[ -c /dev/loop-control ] && [ -x "$BIN/vmdk-mount" ]; then
	md=$dir/mount
	rm -rf "$md" && mkdir -p "$md/a" "$md/b" "$md/run"
	export VMDK_MOUNT_RUNDIR="$md/run"
	half=$(( $(stat -c %s "$img") / 2 / 1048576 ))
	# setup KIND: a fresh ext4 disk of the image's size, mounted at $md/a.
	setup() {
		rm -f "$md/d.vmdk" "$md/d.raw"
		if [ "$1" = ours ]; then
			"$BIN/vmdk-create" -q -s "$(stat -c %s "$img")B" "$md/d.vmdk"
			"$BIN/vmdk-mount" -f "$md/d.vmdk" "$md/b"
			mkfs.ext4 -q -E nodiscard "$md/b/flat"
			"$BIN/vmdk-mount" -d "$md/b"
			"$BIN/vmdk-mount" "$md/d.vmdk" "$md/a"
			mpid=$(sed -n 's/^pid //p' "$md"/run/mount-*/info)
		elif [ "$1" = nbd ]; then
			qemu-img create -q -f vmdk "$md/d.vmdk" "$(stat -c %s "$img")"
			qemu-nbd -f vmdk -c /dev/nbd0 "$md/d.vmdk" && sleep 0.5
			mkfs.ext4 -q -E nodiscard /dev/nbd0 && mount /dev/nbd0 "$md/a"
		else
			truncate -s "$(stat -c %s "$img")" "$md/d.raw"
			mkfs.ext4 -q -E nodiscard "$md/d.raw"
			mount -o loop "$md/d.raw" "$md/a"
		fi
	}
	teardown() {
		if [ "$1" = ours ]; then
			mrss=$(awk '/VmHWM/ {print $2}' "/proc/$mpid/status")
			"$BIN/vmdk-mount" -d "$md/a"
		else
			umount "$md/a"
			[ "$1" = nbd ] && qemu-nbd -d /dev/nbd0 >/dev/null
		fi
		return 0
	}
	kinds="ours loop"
	[ -b /dev/nbd0 ] && command -v qemu-nbd >/dev/null && kinds="$kinds nbd"
	printf '\n%-28s %7s %7s %7s %7s %9s\n' "mounted volume ($half MiB)" ours loop qemu-nbd "x loop" oursKiB
	for cores in one all; do
		pin=
		[ $cores = one ] && pin="taskset -c 0"
		for what in write read; do
			for k in ours loop nbd; do eval "best_$k=999999"; done
			for _ in $(seq "$runs"); do
				for k in $kinds; do
					setup $k
					if [ $what = read ]; then
						dd if="$img" of="$md/a/f" bs=1M count="$half" status=none conv=fsync
						sync; echo 3 > /proc/sys/vm/drop_caches
						run "read $k" $pin dd if="$md/a/f" of=/dev/null bs=1M status=none
					else
						run "write $k" $pin dd if="$img" of="$md/a/f" bs=1M count="$half" \
							status=none conv=fsync
					fi
					eval "best_$k=\$(min \$best_$k $secs)"
					teardown $k
				done
			done
			nbd=-
			[ "$best_nbd" != 999999 ] && nbd=$(printf '%.2f' "$best_nbd")
			printf '%-28s %7.2f %7.2f %7s %6.2fx %9s\n' "$what, $cores core(s)" "$best_ours" \
				"$best_loop" "$nbd" "$(ratio "$best_loop" "$best_ours")" "$mrss"
		done
	done
	unset VMDK_MOUNT_RUNDIR
	rm -rf "$md"
fi

# Remote clone against govmomi's simulator on 127.0.0.1 (VCSIM, built by
# make): an upload of the sparse source by vmdk-clone (streamOptimized
# made while sending, through an HttpNfcLease) against qemu-img convert
# to streamOptimized plus curl sending that file; a download of a vmfs
# flat disk on the datastore to monolithicSparse against curl fetching
# the flat file plus qemu-img convert.  The simulator writes what it
# receives to its disk in both cases.  BENCH_REMOTE=0 skips it.
if [ "${BENCH_REMOTE:-1}" != 0 ] && [ -x "${VCSIM:-}" ]; then
	rd=$dir/remote
	rm -rf "$rd" && mkdir -p "$rd/cap"
	"$VCSIM" -capture "$rd/cap" -info "$rd/info" >"$rd/sim.log" 2>&1 &
	sim=$!
	i=0
	while [ ! -s "$rd/info" ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
	# shellcheck disable=SC1091
	. "$rd/info"
	printf 'secret\n' > "$rd/pw"
	folder() { echo "https://$host/folder/$1?dcPath=ha-datacenter&dsName=LocalDS_0"; }
	mkdir -p "$datastore/dl"
	"$BIN/vmdk-clone" -q --no-sync -t 4 "$dir/src-sparse-$size.vmdk" "$datastore/dl/flat.vmdk"
	"$BIN/vmdk-clone" -q --no-sync -t 0 "$dir/src-sparse-$size.vmdk" "$datastore/dl/sparse.vmdk"
	"$BIN/vmdk-clone" -q --no-sync -t 5 "$dir/src-sparse-$size.vmdk" "$rd/stream.vmdk"
	u_o=999999 u_q=999999 d_o=999999 d_q=999999 l_o=999999 p_o=999999 s_o=999999 r_o=999999
	for i in $(seq "$runs"); do
		# The same stream made locally, as the upload's reference.
		rm -rf "$rd/out" && mkdir "$rd/out" && sync
		run "local stream" "$BIN/vmdk-clone" -q --no-sync -t 5 "$dir/src-sparse-$size.vmdk" \
			"$rd/out/local.vmdk"
		l_o=$(min "$l_o" "$secs")
		rm -rf "$rd/out" "$rd/cap"/* && mkdir "$rd/out" && sync
		run "upload from a pipe" sh -c "cat '$rd/stream.vmdk' | TMPDIR=/nonexistent \
			'$BIN/vmdk-clone' -q --host '$host' --user root --password-file '$rd/pw' \
			--thumbprint '$sha1' - '[LocalDS_0] up/pipe$i.vmdk'"
		p_o=$(min "$p_o" "$secs")
		run "sparse download" "$BIN/vmdk-clone" -q --no-sync --host "$host" --user root \
			--password-file "$rd/pw" --thumbprint "$sha1" "[LocalDS_0] dl/sparse.vmdk" \
			"$rd/out/sparse.vmdk"
		s_o=$(min "$s_o" "$secs") s_rss=$rss
		rm -rf "$rd/cap"/*
		run "datastore to datastore" "$BIN/vmdk-clone" -q --host "$host" --user root \
			--password-file "$rd/pw" --thumbprint "$sha1" "[LocalDS_0] dl/sparse.vmdk" \
			"[LocalDS_0] up/copy$i.vmdk"
		r_o=$(min "$r_o" "$secs") r_rss=$rss
		rm -rf "$rd/cap"/* "$rd/out" && mkdir "$rd/out" && sync
		run "upload" "$BIN/vmdk-clone" -q --host "$host" --user root --password-file "$rd/pw" \
			--thumbprint "$sha1" "$dir/src-sparse-$size.vmdk" "[LocalDS_0] up/ours$i.vmdk"
		u_o=$(min "$u_o" "$secs") u_rss=$rss
		sync
		start=$(date +%s.%N)
		qemu-img convert -O vmdk -o subformat=streamOptimized "$dir/src-sparse-$size.vmdk" "$rd/out/q.vmdk"
		curl -sfk -T "$rd/out/q.vmdk" "$(folder "up/q$i.vmdk")"
		u_q=$(min "$u_q" "$(echo "$(date +%s.%N) - $start" | bc -l)")
		u_bytes=$(size_of "$rd/out/q.vmdk")
		rm -rf "$rd/out" && mkdir "$rd/out" && sync
		run "download" "$BIN/vmdk-clone" -q --no-sync --host "$host" --user root \
			--password-file "$rd/pw" --thumbprint "$sha1" "[LocalDS_0] dl/flat.vmdk" "$rd/out/ours.vmdk"
		d_o=$(min "$d_o" "$secs") d_rss=$rss
		start=$(date +%s.%N)
		curl -sfk -o "$rd/out/flat.raw" "$(folder dl/flat-flat.vmdk)"
		qemu-img convert -O vmdk "$rd/out/flat.raw" "$rd/out/q.vmdk"
		d_q=$(min "$d_q" "$(echo "$(date +%s.%N) - $start" | bc -l)")
	done
	if ! qemu-img compare -q "$rd/out/ours.vmdk" "$rd/out/q.vmdk"; then
		echo "bench: remote download: outputs differ" >&2
		exit 1
	fi
	kill -KILL "$sim"
	printf '\n%-28s %7s %7s %6s %8s %12s\n' "remote (simulator)" ours theirs x oursKiB "stream bytes"
	printf '%-28s %7.2f %7.2f %5.2fx %8s %12s\n' "upload vs convert+curl" "$u_o" "$u_q" \
		"$(ratio "$u_q" "$u_o")" "$u_rss" "$u_bytes"
	printf '%-28s %7.2f %7.2f %5.2fx %8s\n' "download vs curl+convert" "$d_o" "$d_q" \
		"$(ratio "$d_q" "$d_o")" "$d_rss"
	# Against the same disk converted here: how much of local speed the
	# network path keeps (no temporary file anywhere).
	printf '%-28s %7s %7s %6s %8s\n' "vs local sparse -> stream" ours local "speed" oursKiB
	printf '%-28s %7.2f %7.2f %5.0f%% %8s\n' "upload" "$u_o" "$l_o" \
		"$(echo "100 * $l_o / $u_o" | bc -l)" "$u_rss"
	printf '%-28s %7.2f %7.2f %5.0f%%\n' "upload of a stream on stdin" "$p_o" "$l_o" \
		"$(echo "100 * $l_o / $p_o" | bc -l)"
	printf '%-28s %7.2f %7.2f %5.0f%% %8s\n' "sparse download" "$s_o" "$l_o" \
		"$(echo "100 * $l_o / $s_o" | bc -l)" "$s_rss"
	printf '%-28s %7.2f %7.2f %5.0f%% %8s\n' "datastore to datastore" "$r_o" "$l_o" \
		"$(echo "100 * $l_o / $r_o" | bc -l)" "$r_rss"
	rm -rf "$rd"
fi
