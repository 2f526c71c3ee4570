# SPDX-License-Identifier: MIT
# t_nbdkit.sh --- nbdkit-vmdktools-plugin: every type and a chain served
# read and read by qemu-img and nbdcopy as our own reader reads them;
# writes through qemu-io over NBD read back by qemu-img from the file;
# nbdinfo --map as vmdk-map; kill -9 during writes leaves a disk that
# checks; a second writer refused at start; streams served read-only.
# Sourced by run.sh (PLUGIN names the plugin).

N=$T/nbd
mkdir -p "$N"
PLUGIN=${PLUGIN:-$BIN/../plugins/nbdkit-vmdktools-plugin.so}
if ! command -v nbdkit >/dev/null 2>&1 || ! command -v nbdcopy >/dev/null 2>&1 ||
	! command -v nbdinfo >/dev/null 2>&1 || [ ! -f "$PLUGIN" ]; then
	echo "skipped: the nbdkit plugin (nbdkit, libnbd-bin or the plugin missing)"
elif ldd "$PLUGIN" 2>/dev/null | grep -q 'lib[at]san'; then
	# nbdkit itself is not instrumented, so it cannot load a sanitized
	# plugin; the plain run covers it, the library's code is covered here
	# by the other sections.
	echo "skipped: the nbdkit plugin under sanitizers (nbdkit is not instrumented)"
else
	# Every server started in the background leaves a pid file here, and
	# goes at the end whatever happened (one that should have been
	# refused included).
	stop_servers() {
		for _p in "$N"/p*; do
			[ -s "$_p" ] && kill -9 "$(cat "$_p")" 2>/dev/null
		done
		return 0
	}
	head -c 3000000 /dev/urandom > "$N/r.bin"
	for t in 0 1 2 3 4 5 6; do
		d=$N/t$t.vmdk
		"$BIN/vmdk-create" -q -s 64M -t $t "$N/src$t.vmdk" 2>/dev/null
		"$BIN/vmdk-create" -q -s 64M "$N/seed.vmdk"
		"$BIN/vmdk-fill" -q -s 1000 -f "$N/r.bin" "$N/seed.vmdk"
		"$BIN/vmdk-fill" -q -s 100000 -c 50 --val 0x41 "$N/seed.vmdk"
		"$BIN/vmdk-clone" -q -f -t $t "$N/seed.vmdk" "$d"
		rm -f "$N"/seed.vmdk "$N"/src$t*
		want=$("$BIN/vmdk-dump" --raw "$d" | sha)
		nbdkit -U - "$PLUGIN" file="$d" readonly=true --run \
			"qemu-img convert -f raw \"\$uri\" '$N/q.raw' && nbdcopy \"\$uri\" '$N/c.raw' &&
			 qemu-img compare -q -f raw \"\$uri\" -F vmdk '$d'" 2>"$T/err"
		rc=$?
		[ $rc = 0 ] && [ "$(sha < "$N/q.raw")" = "$want" ] && [ "$(sha < "$N/c.raw")" = "$want" ] &&
			ok "type $t served: qemu-img and nbdcopy read what we read" ||
			bad "type $t served: exit $rc"
		rm -f "$N/q.raw" "$N/c.raw"
	done
	# A chain, and the map.
	qemu-img create -q -f vmdk -b t0.vmdk -F vmdk "$N/child.vmdk"
	"$BIN/vmdk-fill" -q -s 2000 -c 300 --val 0x77 "$N/child.vmdk"
	want=$("$BIN/vmdk-dump" --raw "$N/child.vmdk" | sha)
	nbdkit -U - "$PLUGIN" "$N/child.vmdk" readonly=true --run \
		"nbdcopy \"\$uri\" '$N/c.raw' && nbdinfo --map --json \"\$uri\" > '$N/map.json'" 2>"$T/err"
	[ "$(sha < "$N/c.raw")" = "$want" ] && ok "a chain served as our reader reads it" || bad "chain served"
	"$BIN/vmdk-map" --json "$N/child.vmdk" > "$N/ours.json"
	python3 - "$N/map.json" "$N/ours.json" <<'PY' && ok "nbdinfo --map is vmdk-map's" || bad "maps differ"
import json, sys
def runs(pairs):
    out = []
    for start, length, zero in pairs:
        if out and out[-1][2] == zero and out[-1][0] + out[-1][1] == start:
            out[-1][1] += length
        else:
            out.append([start, length, zero])
    return out
nbd = runs((e["offset"], e["length"], e["type"] & 2 != 0) for e in json.load(open(sys.argv[1])))
ours = runs((r["startSector"] * 512, r["lengthSectors"] * 512, r["state"] != "data")
            for r in json.load(open(sys.argv[2])))
assert nbd == ours, (nbd, ours)
PY
	# Writes through NBD, read back from the file by qemu-img.
	cp "$N/t0.vmdk" "$N/w.vmdk"
	nbdkit -U - "$PLUGIN" file="$N/w.vmdk" --run \
		"qemu-io -f raw -c 'write -P 0x5a 1000000 70000' -c 'write -P 0x66 5000 100' -c flush \"\$uri\"" \
		>/dev/null 2>"$T/err"
	qemu-io -f vmdk -c "read -P 0x5a 1000000 70000" -c "read -P 0x66 5000 100" "$N/w.vmdk" > "$T/out" 2>&1 &&
		! grep -q "Pattern verification failed" "$T/out" &&
		ok "writes over NBD are in the file" || bad "writes over NBD: $(head -3 "$T/out")"
	expect "the written disk checks clean" "$BIN/vmdk-check" "$N/w.vmdk"
	# Unaligned writes: the sectors around them kept.
	nbdkit -U - "$PLUGIN" file="$N/w.vmdk" --run \
		"qemu-io -f raw -c 'write -P 0x11 5050 10' \"\$uri\"" >/dev/null 2>"$T/err"
	qemu-io -f vmdk -c "read -P 0x66 5000 50" -c "read -P 0x11 5050 10" -c "read -P 0x66 5060 40" \
		"$N/w.vmdk" > "$T/out" 2>&1 && ! grep -q "verification failed" "$T/out" &&
		ok "an unaligned write keeps the rest of its sectors" || bad "unaligned write: $(cat "$T/out")"
	# Zero and trim let whole grains go; over a parent a released grain
	# hides it (a zeroed-grain entry, or zeros written without them).
	"$BIN/vmdk-create" -q -s 64M "$N/z.vmdk"
	"$BIN/vmdk-fill" -q --val 9 -c 20000 "$N/z.vmdk"
	nbdkit -U - "$PLUGIN" "$N/z.vmdk" --run \
		"qemu-io -f raw -c 'write -z -u 0 4194304' -c 'discard 4194304 1048576' -c 'write -z 5242880 1000' \"\$uri\"" \
		>/dev/null 2>"$T/err"
	"$BIN/vmdk-map" "$N/z.vmdk" | grep -q "^ *0 *10240  unallocated" &&
		ok "zero with may-trim and trim release whole grains" || bad "release: $("$BIN/vmdk-map" "$N/z.vmdk")"
	[ "$("$BIN/vmdk-dump" --raw -c 20000 "$N/z.vmdk" | od -An -v -tu1 | tr -s ' ' '\n' | grep -c '^0$')" = 5243880 ] &&
		ok "zeroed and trimmed bytes read as zeros, the rest kept" || bad "zeroed content"
	expect "a disk with released grains checks" "$BIN/vmdk-check" "$N/z.vmdk"
	before=$(stat -c %s "$N/z.vmdk")
	"$BIN/vmdk-shrink" -q "$N/z.vmdk"
	[ "$(stat -c %s "$N/z.vmdk")" -lt $((before - 4000000)) ] && ok "vmdk-shrink gives the released space back" ||
		bad "shrink after trim: $(stat -c %s "$N/z.vmdk") (was $before)"
	"$BIN/vmdk-create" -q -s 64M "$N/base.vmdk"
	"$BIN/vmdk-fill" -q --val 5 -c 4096 "$N/base.vmdk"
	qemu-img create -q -f vmdk -o zeroed_grain=on -b base.vmdk -F vmdk "$N/cz.vmdk"
	qemu-img create -q -f vmdk -b base.vmdk -F vmdk "$N/cn.vmdk"
	for c in cz cn; do
		nbdkit -U - "$PLUGIN" "$N/$c.vmdk" --run \
			"qemu-io -f raw -c 'discard 0 1048576' -c 'write -z -u 1048576 65536' \"\$uri\"" >/dev/null 2>&1
		[ "$("$BIN/vmdk-dump" --raw -c 2176 "$N/$c.vmdk" | od -An -v -tu1 | tr -s ' ' '\n' | sort -u | tr -d '\n')" = 0 ] &&
			qemu-img convert -O raw "$N/$c.vmdk" "$N/$c.raw" &&
			[ "$(head -c 1114112 "$N/$c.raw" | od -An -v -tu1 | tr -s ' ' '\n' | sort -u | tr -d '\n')" = 0 ] &&
			ok "$c: a released grain over a parent reads zeros (ours and qemu-img)" || bad "$c: the parent shows through"
	done
	"$BIN/vmdk-map" "$N/cz.vmdk" | grep -q "^ *0 *2176  zero" && ok "with zeroed grains, they are marked, not written" ||
		bad "zeroed grains: $("$BIN/vmdk-map" "$N/cz.vmdk" | head -3)"

	# One writer: a second server on the same disk is refused at start.
	nbdkit -U "$N/s1" -P "$N/p1" "$PLUGIN" file="$N/w.vmdk"
	# VMware's lock names the server, not the process that forked it.
	m=$(ls "$N/w.vmdk.lck"/M*.lck 2>/dev/null | head -1)
	[ -n "$m" ] && tr '\0' '\n' < "$m" | head -1 | grep -q "^[^ ]* $(cat "$N/p1")-" &&
		ok "the served disk's VMware lock names the serving process" ||
		bad "VMware lock of the server: $(tr '\0' ' ' < "$m" 2>/dev/null) (server $(cat "$N/p1"))"
	expect_exit 1 "held by process $(cat "$N/p1") (nbdkit) on this host" \
		"a second nbdkit on a served disk is refused, naming the server" \
		nbdkit -U "$N/s2" -P "$N/p2" "$PLUGIN" file="$N/w.vmdk"
	expect_exit 1 "(nbdkit) on this host" "vmdk-fill refuses a served disk" \
		"$BIN/vmdk-fill" --val 1 -c 1 "$N/w.vmdk"
	kill "$(cat "$N/p1")"
	sleep 0.5
	# Streams cannot be written in place: served read-only.
	nbdkit -U - "$PLUGIN" file="$N/t5.vmdk" --run 'nbdinfo "$uri"' > "$T/out" 2>&1
	grep -q "is_read_only: true" "$T/out" && ok "a stream is served read-only" || bad "stream: $(cat "$T/out")"
	# So is another format's image, its chain read through.
	qemu-img convert -O vmdk "$N/t5.vmdk" "$N/q-base.vmdk"
	qemu-img create -q -f qcow2 -b q-base.vmdk -F vmdk "$N/q.qcow2"
	qemu-io -c "write -P 0x61 64k 64k" "$N/q.qcow2" >/dev/null
	qemu-img convert -O raw "$N/q.qcow2" "$N/q.raw"
	nbdkit -U - "$PLUGIN" file="$N/q.qcow2" --run 'nbdinfo "$uri"; nbdcopy "$uri" '"$N/q-served.raw" \
		> "$T/out" 2>&1
	grep -q "is_read_only: true" "$T/out" && cmp -s "$N/q.raw" "$N/q-served.raw" &&
		ok "a qcow2 image on a VMDK is served read-only, as qemu-img reads it" ||
		bad "qcow2 served: $(cat "$T/out")"
	# Killed during writes, zeros and trims, at several moments: the disk
	# opens and checks, and every sector holds the old byte or a new one.
	gone() { [ ! -e "/proc/$1" ] || grep -q ') Z' "/proc/$1/stat"; }
	for delay in 0.1 0.3 0.6; do
		"$BIN/vmdk-create" -q -s 16M "$N/k.vmdk"
		"$BIN/vmdk-fill" -q --val 7 "$N/k.vmdk"
		nbdkit -U "$N/sk" -P "$N/pk" "$PLUGIN" file="$N/k.vmdk" ||
			bad "nbdkit did not start for the kill at ${delay}s"
		for _ in $(seq 200); do [ -s "$N/pk" ] && break; sleep 0.02; done
		( i=0; while [ $i -lt 64 ]; do
			qemu-io -f raw -c "write -P 9 $((i * 262144 + 512)) 65536" \
				-c "discard $((i * 262144 + 131072)) 65536" \
				-c "write -z -u $((i * 262144 + 196608)) 65536" \
				"nbd+unix:///?socket=$N/sk" >/dev/null 2>&1 || break
			i=$((i + 1)); done ) &
		writer=$!
		sleep $delay
		pid=$(cat "$N/pk")
		kill -9 "$pid"
		wait $writer
		for _ in $(seq 100); do gone "$pid" && break; sleep 0.02; done
		"$BIN/vmdk-check" "$N/k.vmdk" > "$T/out" 2>&1 &&
			ok "nbdkit killed after ${delay}s of writes and trims: the disk checks" ||
			bad "after kill -9 at ${delay}s: $(cat "$T/out")"
		qemu-img check -q "$N/k.vmdk" && ok "qemu-img checks it too" || bad "qemu-img check after kill"
		[ -z "$("$BIN/vmdk-dump" --raw "$N/k.vmdk" | od -An -v -tu1 -w512 |
			awk '{ for (i = 2; i <= NF; i++) if ($i != $1) { print "mixed"; exit }
			       if ($1 != 0 && $1 != 7 && $1 != 9) print "other" }')" ] &&
			ok "every sector old or new after kill -9 at ${delay}s" || bad "torn sectors at ${delay}s"
		# A killed server leaves its socket: the next one could not bind.
		rm -f "$N/k.vmdk" "$N/pk" "$N/sk"
	done
	expect_exit 1 "unknown parameter 'bogus'" "an unknown parameter" nbdkit -U "$N/sb" \
		-P "$N/pb" "$PLUGIN" file="$N/t0.vmdk" bogus=1
	expect_exit 1 "No such file" "a missing disk is refused at start" nbdkit -U "$N/sb" \
		-P "$N/pc" "$PLUGIN" file="$N/none.vmdk"
	stop_servers
	rm -rf "$N"
fi
