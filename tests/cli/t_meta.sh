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
expect_exit 1 "no key nothing" "meta get of a missing key" "$BIN/vmdk-meta" "$M/m0.vmdk" get nothing
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
rm -rf "$M"
