# SPDX-License-Identifier: MIT
# t_meta.sh --- vmdk-meta list, get and set, on embedded and separate
# descriptors.  Sourced by run.sh.

M=$T/meta
mkdir -p "$M"
for t in 0 1 5; do
	d=$M/m$t.vmdk
	"$BIN/vmdk-create" -q -s 8M -a buslogic -t $t "$d"
	expect "meta get type $t" "$BIN/vmdk-meta" "$d" get adapterType
	[ "$(cat "$T/out")" = buslogic ] && ok "meta get value type $t" || bad "meta get value"
	expect "meta list type $t" "$BIN/vmdk-meta" "$d" list
	grep -q '^ddb.geometry.heads = "64"$' "$T/out" && ok "meta list type $t" || bad "meta list"
	cp "$d" "$M/before"
	expect "meta set an existing key, type $t" "$BIN/vmdk-meta" "$d" set ddb.virtualHWVersion 14
	expect "meta set a new key, type $t" "$BIN/vmdk-meta" "$d" set comment "a b c"
	"$BIN/vmdk-meta" --json "$d" list > "$T/out"
	grep -q '"ddb.virtualHWVersion": "14"' "$T/out" && grep -q '"ddb.comment": "a b c"' "$T/out" &&
		ok "meta --json sees the changes, type $t" || bad "meta json"
	if [ $t -eq 1 ]; then
		diff "$M/before" "$d" > "$T/diff"
		[ "$(grep -c '^[<>]' "$T/diff")" -eq 3 ] && ok "meta set changes only its lines" ||
			bad "meta set changed more: $(cat "$T/diff")"
	fi
	expect "qemu-img check after meta set, type $t" qemu-img check "$d"
	same_content "three readers agree after meta set, type $t" "$d"
done
expect_exit 1 "no key \"nothing\"" "meta get of a missing key" "$BIN/vmdk-meta" "$M/m0.vmdk" get nothing
expect_exit 1 "no quotes" "meta set refuses quotes" "$BIN/vmdk-meta" "$M/m0.vmdk" set k 'a"b'
expect_exit 2 "expected list" "meta needs a command" "$BIN/vmdk-meta" "$M/m0.vmdk" frob
expect_exit 1 "No such file" "meta on nothing" "$BIN/vmdk-meta" "$M/none.vmdk" list

# kill -9 during metadata writes: the descriptor parses and holds the
# old value or the new one, never a mix.
for t in 0 1; do
	d=$M/m$t.vmdk
	i=0
	while [ $i -lt 10 ]; do
		"$BIN/vmdk-meta" "$d" set ddb.comment "$(printf 'value %0*d' $((i * 40)) $i)" &
		pid=$!
		kill -9 $pid 2>/dev/null
		wait $pid 2>/dev/null
		v=$("$BIN/vmdk-meta" "$d" get comment 2>"$T/err")
		case $v in
		"a b c" | "value "*) ok "type $t descriptor whole after kill $i" ;;
		*) bad "type $t descriptor after kill $i: '$v'" ;;
		esac
		i=$((i + 1))
	done
done
# The convenience options, written at once.
"$BIN/vmdk-create" -q -s 4G -t 2 "$M/o.vmdk"
old_uuid=$("$BIN/vmdk-meta" "$M/o.vmdk" get uuid)
expect "meta changes by option" "$BIN/vmdk-meta" --uuid new -a ide --hwversion 13 \
	--tools-version 12352 -D "$M/o.vmdk"
"$BIN/vmdk-meta" "$M/o.vmdk" list > "$T/out"
[ "$("$BIN/vmdk-meta" "$M/o.vmdk" get uuid)" != "$old_uuid" ] &&
	grep -q '^ddb.adapterType = "ide"$' "$T/out" &&
	grep -q '^ddb.geometry.heads = "16"$' "$T/out" &&
	grep -q '^ddb.geometry.cylinders = "8322"$' "$T/out" &&
	grep -q '^ddb.virtualHWVersion = "13"$' "$T/out" &&
	grep -q '^ddb.toolsVersion = "12352"$' "$T/out" &&
	grep -q '^ddb.deletable = "true"$' "$T/out" &&
	ok "meta options applied" || bad "meta options: $(cat "$T/out")"
expect "meta explicit uuid and geometry" "$BIN/vmdk-meta" --uuid "60 00 c2 91 00 00 00 00-00 00 00 00 00 00 00 01" \
	--geometry 1000/255/63 -a lsilogic "$M/o.vmdk"
"$BIN/vmdk-meta" "$M/o.vmdk" list > "$T/out"
grep -q '^ddb.uuid = "60 00 c2 91 00 00 00 00-00 00 00 00 00 00 00 01"$' "$T/out" &&
	grep -q '^ddb.geometry.cylinders = "1000"$' "$T/out" &&
	grep -q '^ddb.adapterType = "lsilogic"$' "$T/out" &&
	ok "explicit geometry wins over the adapter's" || bad "explicit geometry"
expect_exit 2 "geometry wants C/H/S" "bad geometry" "$BIN/vmdk-meta" --geometry 1/2 "$M/o.vmdk"
expect "qemu-img check after option changes" qemu-img check "$M/o.vmdk"

# Change tracking removed: version 3 back to 1, the ctk file gone.
sed -i 's/^version=1$/version=3/' "$M/o.vmdk"
sed -i 's/^createType=.*/&\nchangeTrackPath="o-ctk.vmdk"/' "$M/o.vmdk"
: > "$M/o-ctk.vmdk"
expect "a disk with change tracking opens" "$BIN/vmdk-info" "$M/o.vmdk"
expect "drop change tracking" "$BIN/vmdk-meta" --drop-ctk "$M/o.vmdk"
grep -q '^version=1$' "$M/o.vmdk" && ! grep -q changeTrackPath "$M/o.vmdk" &&
	[ ! -e "$M/o-ctk.vmdk" ] && ok "change tracking removed" || bad "change tracking left"
expect "disk opens after --drop-ctk" qemu-img check "$M/o.vmdk"
# Writing to a disk with change tracking ends the tracking: a ctk file
# that missed our writes must not be trusted by a backup.
sed -i 's/^version=1$/version=3/' "$M/o.vmdk"
sed -i 's/^createType=.*/&\nchangeTrackPath="o-ctk.vmdk"/' "$M/o.vmdk"
: > "$M/o-ctk.vmdk"
expect "write to a tracked disk" "$BIN/vmdk-fill" -q -c 1 --val 1 "$M/o.vmdk"
grep -q '^version=1$' "$M/o.vmdk" && ! grep -q changeTrackPath "$M/o.vmdk" &&
	[ ! -e "$M/o-ctk.vmdk" ] && ok "tracking ended by the first write" ||
	bad "tracking left after a write"
rm -rf "$M"
