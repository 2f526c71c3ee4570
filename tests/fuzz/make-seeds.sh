#!/bin/sh
# SPDX-License-Identifier: MIT
# make-seeds.sh --- small disks made by our own tools, as seeds for
# fuzz_extent (kept out of git: they are rebuilt on every run).
set -eu
: "${BIN:?}"
out=$1
rm -rf "$out"
mkdir -p "$out"
"$BIN/vmdk-create" -q -s 64 --grain 8 -t 0 "$out/sparse.vmdk"
printf 'seed data for the fuzzer' > "$out/.data"
"$BIN/vmdk-fill" -q -s 9 -f "$out/.data" "$out/sparse.vmdk"
"$BIN/vmdk-create" -q -s 200 --grain 16 -t 5 "$out/stream.vmdk"
"$BIN/vmdk-create" -q -s 64 -t 2 "$out/flat.vmdk"
rm -f "$out/flat-flat.vmdk" "$out/.data"
