#!/bin/sh
# run.sh --- the benchmark: each conversion by vmdk-clone and by qemu-img
# on the same machine in one run, with wall time, ratio, output size and
# peak RSS.  A benchmark, not a test: it prints figures and never fails
# on them.
#   BIN=build/bin sh tests/bench/run.sh
# BENCH_SIZE (default 2G) sizes the image from
# ../shared/bench/make-test-image.sh; BENCH_DIR (default build/bench) holds
# it and the outputs (about 4 times the image size).
set -eu

: "${BIN:?BIN must name the directory holding the tools}"
top=$(cd "$(dirname "$0")/../.." && pwd)
size=${BENCH_SIZE:-2G}
dir=${BENCH_DIR:-$top/build/bench}
gen=${BENCH_IMAGE_SCRIPT:-$top/../shared/bench/make-test-image.sh}
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

row() {
	# label ours_s qemu_s ours_bytes qemu_bytes ours_rss qemu_rss
	printf '%-32s %8.2f %8.2f %7.2fx %12s %12s %8s %8s\n' "$1" "$2" "$3" \
		"$(echo "$3 / $2" | bc -l)" "$4" "$5" "$6" "$7"
}

printf 'Image: %s (%s), %s CPUs, %s, %s\n' "$img" "$size" "$(nproc)" \
	"$("$BIN/vmdk-clone" --version)" "$(qemu-img --version | head -1)"
printf '%-32s %8s %8s %8s %12s %12s %8s %8s\n' conversion "ours s" "qemu s" \
	"speedup" "ours bytes" "qemu bytes" "ours KiB" "qemu KiB"

# Sources in every format, made once by qemu-img (a neutral writer).
[ -s "$dir/src-sparse-$size.vmdk" ] || qemu-img convert -O vmdk "$img" "$dir/src-sparse-$size.vmdk"
[ -s "$dir/src-stream-$size.vmdk" ] || qemu-img convert -O vmdk -o subformat=streamOptimized \
	"$img" "$dir/src-stream-$size.vmdk"

bench() {
	label=$1 src=$2 ours_type=$3 qemu_opts=$4 ext=$5
	rm -rf "$dir/out" && mkdir "$dir/out"
	run "ours $label" "$BIN/vmdk-clone" -q -t "$ours_type" "$src" "$dir/out/ours.$ext"
	o_s=$secs o_rss=$rss o_b=$(size_of "$dir"/out/ours*)
	# shellcheck disable=SC2086
	run "qemu $label" qemu-img convert $qemu_opts "$src" "$dir/out/qemu.$ext"
	q_s=$secs q_rss=$rss q_b=$(size_of "$dir"/out/qemu*)
	if ! qemu-img compare -q "$dir/out/ours.$ext" "$dir/out/qemu.$ext"; then
		echo "bench: $label: outputs differ" >&2
		exit 1
	fi
	row "$label" "$o_s" "$q_s" "$o_b" "$q_b" "$o_rss" "$q_rss"
}

bench "raw -> streamOptimized" "$img" 5 "-O vmdk -o subformat=streamOptimized" vmdk
bench "monolithicSparse -> stream" "$dir/src-sparse-$size.vmdk" 5 "-O vmdk -o subformat=streamOptimized" vmdk
bench "raw -> monolithicSparse" "$img" 0 "-O vmdk" vmdk
bench "monolithicSparse -> raw" "$dir/src-sparse-$size.vmdk" raw "-O raw" raw
bench "streamOptimized -> raw" "$dir/src-stream-$size.vmdk" raw "-O raw" raw
rm -rf "$dir/out"
