# SPDX-License-Identifier: MIT
# t_admin.sh --- vmdk-grow, vmdk-rename, vmdk-unlink, vmdk-map and
# vmdk-info --space-needed.  Sourced by run.sh.

A=$T/admin
mkdir -p "$A"
head -c 1000000 /dev/urandom > "$A/r.bin"
SPLIT=4192256

# ---- grow every type: small flat disks in full, and the 2 GiB split
# boundary of the split types, checked around the boundary ----
# region DISK START COUNT: sha256 of sectors as qemu-img reads them
# (qemu-img dd counts the skipped blocks in count=)
region() {
	rm -f "$T/region.raw"
	qemu-img dd -f vmdk -O raw if="$1" of="$T/region.raw" bs=512 skip="$2" \
		count=$(($2 + $3)) 2>/dev/null
	sha < "$T/region.raw"
}
for t in 0 1 2 3 4 6; do
	d=$A/g$t.vmdk
	case $t in
	1 | 3) from=$((SPLIT - 100)) to=$((SPLIT + 5000)) ;;
	*) from=20000 to=30000 ;;
	esac
	"$BIN/vmdk-create" -q -s $from -t $t "$d"
	"$BIN/vmdk-fill" -q -s 7 -f "$A/r.bin" "$d"
	"$BIN/vmdk-fill" -q -s $((from - 10)) -c 10 --val 0x42 "$d"
	before=$("$BIN/vmdk-dump" --raw -s $((from - 2000)) -c 2000 "$d" | sha)
	expect "grow type $t" "$BIN/vmdk-grow" -q "$d" $to
	qemu-img info --output=json "$d" | grep -q "\"virtual-size\": $((to * 512))" &&
		ok "qemu-img sees type $t grown" || bad "qemu-img size after grow type $t"
	expect "qemu-img check grown type $t" qemu-img check "$d"
	[ "$("$BIN/vmdk-dump" --raw -s $((from - 2000)) -c 2000 "$d" | sha)" = "$before" ] &&
		ok "grown type $t keeps its data" || bad "grown type $t lost data"
	n=$("$BIN/vmdk-dump" --raw -s $from "$d" | tr -d '\000' | wc -c)
	[ "$n" -eq 0 ] && ok "grown space of type $t reads zeros" || bad "grown space not zero"
	expect "write at the new end of type $t" "$BIN/vmdk-fill" -q -s $((to - 1)) -c 1 --val 9 "$d"
	if [ $from -lt 100000 ]; then
		same_content "three readers agree on grown type $t" "$d"
	else
		[ "$("$BIN/vmdk-dump" --raw -s $((from - 2000)) "$d" | sha)" = \
		  "$(region "$d" $((from - 2000)) $((to - from + 2000)))" ] &&
			ok "qemu-img agrees past the split boundary, type $t" ||
			bad "qemu-img disagrees past the split boundary, type $t"
	fi
done
[ -e "$A/g1-s002.vmdk" ] && [ -e "$A/g3-f002.vmdk" ] && ok "split types grew new extents" ||
	bad "split extents"
expect_exit 1 "never shrink" "grow refuses to shrink" "$BIN/vmdk-grow" "$A/g0.vmdk" 100
"$BIN/vmdk-create" -q -s 1M -t 5 "$A/s.vmdk"
expect_exit 1 "cannot be grown" "grow refuses streamOptimized" "$BIN/vmdk-grow" "$A/s.vmdk" 2M
qemu-img create -q -f vmdk -b g0.vmdk -F vmdk "$A/child.vmdk"
expect_exit 1 "child disk" "grow refuses a child" "$BIN/vmdk-grow" "$A/child.vmdk" 1G
expect_exit 2 "invalid size" "grow needs a size" "$BIN/vmdk-grow" "$A/g0.vmdk" big
rm -f "$A"/g* "$A/child.vmdk"

# kill -9 while growing: the disk opens, with its old size or its new
# one, and reads as before.
for delay in 0 0.01 0.02 0.04 0.08; do
	for t in 0 3; do
		d=$A/k$t.vmdk
		rm -rf "$A"/k$t*
		"$BIN/vmdk-create" -q -s 1G -t $t "$d"
		"$BIN/vmdk-fill" -q -s 5 -f "$A/r.bin" "$d"
		before=$("$BIN/vmdk-dump" --raw -c 4096 "$d" | sha)
		"$BIN/vmdk-grow" -q "$d" 7G &
		pid=$!
		sleep $delay
		kill -9 $pid 2>/dev/null
		wait $pid 2>/dev/null
		size=$("$BIN/vmdk-info" --json "$d" 2>"$T/err" | sed -n 's/.*"capacitySectors": \([0-9]*\),.*/\1/p')
		case $size in
		2097152 | 14680064) ok "type $t opens after kill -9 in grow (${delay}s)" ;;
		*) bad "type $t after kill -9 in grow (${delay}s): size '$size'" ;;
		esac
		[ "$("$BIN/vmdk-dump" --raw -c 4096 "$d" | sha)" = "$before" ] &&
			ok "type $t data intact after kill -9 in grow" || bad "type $t data after kill"
		expect "qemu-img check after kill -9 in grow" qemu-img check "$d"
	done
done
rm -rf "$A"/k*

# ---- rename and unlink every type ----
for t in 0 1 2 3 4 5 6; do
	"$BIN/vmdk-create" -q -s 5M -t $t "$A/o$t.vmdk"
	[ $t -ne 5 ] && "$BIN/vmdk-fill" -q -s 1 -f "$A/r.bin" "$A/o$t.vmdk"
	before=$("$BIN/vmdk-dump" --raw "$A/o$t.vmdk" | sha)
	expect "rename type $t" "$BIN/vmdk-rename" -q "$A/o$t.vmdk" "$A/new$t.vmdk"
	[ -z "$(ls "$A" | grep "^o$t")" ] && ok "no old names left for type $t" ||
		bad "old names left: $(ls "$A" | grep "^o$t")"
	[ "$("$BIN/vmdk-dump" --raw "$A/new$t.vmdk" | sha)" = "$before" ] &&
		ok "renamed type $t reads the same" || bad "renamed type $t differs"
	same_content "three readers agree on renamed type $t" "$A/new$t.vmdk"
	expect "unlink type $t" "$BIN/vmdk-unlink" "$A/new$t.vmdk"
	[ -z "$(ls "$A" | grep "^new$t")" ] && ok "unlink removed all of type $t" ||
		bad "unlink left: $(ls "$A" | grep "^new$t")"
done
"$BIN/vmdk-create" -q -s 5M -t 1 "$A/a.vmdk"
"$BIN/vmdk-create" -q -s 5M -t 1 "$A/b.vmdk"
expect_exit 1 "already exists" "rename refuses an existing name" \
	"$BIN/vmdk-rename" "$A/a.vmdk" "$A/b.vmdk"
rm "$A/b.vmdk"
expect_exit 1 "b-s001.vmdk: already exists" "rename refuses an existing extent name" \
	"$BIN/vmdk-rename" "$A/a.vmdk" "$A/b.vmdk"
[ -e "$A/a.vmdk" ] && [ ! -e "$A/b.vmdk" ] && expect "original intact" "$BIN/vmdk-info" "$A/a.vmdk"
mkdir -p "$A/sub"
expect "rename into another directory" "$BIN/vmdk-rename" -q "$A/a.vmdk" "$A/sub/c.vmdk"
expect "moved disk opens" "$BIN/vmdk-info" "$A/sub/c.vmdk"
expect_exit 1 "file is missing" "unlink of a broken disk names the problem" \
	sh -c "rm '$A/sub/c-s001.vmdk' && '$BIN/vmdk-unlink' '$A/sub/c.vmdk'"
expect_exit 1 "No such file" "unlink of nothing" "$BIN/vmdk-unlink" "$A/none.vmdk"

# ---- map ----
"$BIN/vmdk-create" -q -s 10000 "$A/m.vmdk"
"$BIN/vmdk-fill" -q -s 200 -c 10 --val 1 "$A/m.vmdk"
qemu-img create -q -f vmdk -b m.vmdk -F vmdk "$A/mc.vmdk"
"$BIN/vmdk-fill" -q -s 5000 -c 1 --val 2 "$A/mc.vmdk"
"$BIN/vmdk-map" "$A/mc.vmdk" > "$T/out"
grep -q "^ *0 *128  unallocated" "$T/out" &&
	grep -q "^ *128 *128  data *link 1 (.*m.vmdk)" "$T/out" &&
	grep -q "^ *4992 *128  data *link 0 (.*mc.vmdk)" "$T/out" &&
	grep -q "^ *5120 *4880  unallocated" "$T/out" &&
	ok "map shows which link holds what" || { bad "map output"; cat "$T/out"; }
"$BIN/vmdk-map" --chunk 2048 "$A/mc.vmdk" > "$T/out"
[ "$(wc -l < "$T/out")" -eq 3 ] && grep -q "^ *start *length  state" "$T/out" && grep -q "^ *0 *2048  data" "$T/out" &&
	grep -q "^ *4096 *2048  data" "$T/out" && ok "map --chunk" || bad "map --chunk"
"$BIN/vmdk-map" --json --single-link "$A/mc.vmdk" > "$T/out"
grep -q '"startSector": 4992, "lengthSectors": 128, "state": "data", "link": 0' "$T/out" &&
	! grep -q '"link": 1' "$T/out" && ok "map --json --single-link" || bad "map json"

# ---- space needed, against what a clone really takes ----
"$BIN/vmdk-create" -q -s 64M "$A/sp.vmdk"
"$BIN/vmdk-fill" -q -s 2048 -f "$A/r.bin" "$A/sp.vmdk"
"$BIN/vmdk-fill" -q -s 100000 -c 3000 --val 0x61 "$A/sp.vmdk"
"$BIN/vmdk-fill" -q -s 60000 -c 3000 --val 0 "$A/sp.vmdk"
for t in 0 1 2 3 4 5 6; do
	need=$("$BIN/vmdk-info" --json --space-needed $t "$A/sp.vmdk" |
		sed -n 's/.*"spaceNeededBytes": \([0-9]*\).*/\1/p')
	rm -rf "$A/c"; mkdir "$A/c"
	"$BIN/vmdk-clone" -q -t $t "$A/sp.vmdk" "$A/c/sp.vmdk"
	if [ $t -eq 6 ]; then	# thin: blocks in use
		used=$(( $(du -k "$A/c/sp-flat.vmdk" | cut -f1) * 1024 + $(wc -c < "$A/c/sp.vmdk") ))
	else
		used=$(cat "$A"/c/* | wc -c)
	fi
	case $t in
	2 | 3 | 4) [ "$need" -eq "$used" ] && ok "space needed exact for type $t" ||
		bad "space needed type $t: said $need, took $used" ;;
	5) [ "$need" -ge "$used" ] && ok "space needed bounds type 5" ||
		bad "space needed type 5: said $need, took $used" ;;
	*) diff=$(( need > used ? need - used : used - need ))
	   [ $((diff * 100)) -le "$used" ] && ok "space needed within 1% for type $t" ||
		bad "space needed type $t: said $need, took $used" ;;
	esac
done
rm -rf "$A"
