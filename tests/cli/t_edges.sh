# SPDX-License-Identifier: MIT
# t_edges.sh --- the edges people and scripts hit: one size syntax with
# reasons, growing by +N or to the size it has, vmdk-fill's explicit
# value, exit status after a signal.  Sourced by run.sh.

E=$T/edges
mkdir -p "$E"

# ---- sizes: one parser, each error saying why ----
expect "1.5G is a size" "$BIN/vmdk-create" -q -s 1.5G "$E/dec.vmdk"
"$BIN/vmdk-info" --json "$E/dec.vmdk" | grep -q '"capacitySectors": 3145728,' &&
	ok "1.5G is 3145728 sectors" || bad "1.5G capacity"
expect "0.1K rounds up to one sector" "$BIN/vmdk-create" -q -s 0.1K "$E/tiny.vmdk"
"$BIN/vmdk-info" --json "$E/tiny.vmdk" | grep -q '"capacitySectors": 1,' &&
	ok "0.1K is 1 sector" || bad "0.1K capacity"
expect_exit 2 "invalid size '0': a size is at least 1 sector" "size zero" \
	"$BIN/vmdk-create" -s 0 "$E/x.vmdk"
expect_exit 2 "invalid size '-5': a size cannot be negative" "negative size" \
	"$BIN/vmdk-create" -s -5 "$E/x.vmdk"
expect_exit 2 "above 64 TiB" "size above every limit" "$BIN/vmdk-create" -s 65T "$E/x.vmdk"
expect_exit 2 "not a number" "size not a number" "$BIN/vmdk-create" -s lots "$E/x.vmdk"
expect_exit 2 "unknown unit 'X'" "size unit named" "$BIN/vmdk-create" -s 10X "$E/x.vmdk"
expect_exit 2 "sectors are a whole number" "decimal sectors" \
	"$BIN/vmdk-create" -s 1.5 "$E/x.vmdk"
expect_exit 1 "holds less than 2 TiB" "monolithic sparse limit" \
	"$BIN/vmdk-create" -s 3T "$E/x.vmdk"
expect_exit 1 "a VMFS disk holds at most 62 TiB" "VMFS limit" \
	"$BIN/vmdk-create" -t vmfsThin -s 63T "$E/x.vmdk"
[ ! -e "$E/x.vmdk" ] && ok "no refused size left a file" || bad "a refused size left x.vmdk"
expect "vmware-vdiskmanager takes 1.5GB" \
	"$BIN/vmware-vdiskmanager" -c -s 1.5GB -a lsilogic -t 0 "$E/vdm.vmdk"
"$BIN/vmdk-info" --json "$E/vdm.vmdk" | grep -q '"capacitySectors": 3145728,' &&
	ok "vdiskmanager: 1.5GB is 3145728 sectors" || bad "vdiskmanager 1.5GB"
expect_exit 2 "unknown unit" "vmware-vdiskmanager names a bad unit" \
	"$BIN/vmware-vdiskmanager" -x 2QB "$E/vdm.vmdk"

# ---- growing: +N is relative, the current size changes nothing ----
"$BIN/vmdk-create" -q -s 10M "$E/g.vmdk"
expect "grow +10M" "$BIN/vmdk-grow" -q "$E/g.vmdk" +10M
"$BIN/vmdk-info" --json "$E/g.vmdk" | grep -q '"capacitySectors": 40960,' &&
	ok "+10M grew 10 MiB to 20 MiB" || bad "+10M capacity"
before=$(sha256sum < "$E/g.vmdk")
"$BIN/vmdk-grow" "$E/g.vmdk" 20M > "$T/out" 2>"$T/err" && ok "grow to the current size succeeds" ||
	bad "grow to the current size fails"
grep -q "already: nothing changed" "$T/out" && ok "grow to the current size says so" ||
	bad "grow to the same size said: $(cat "$T/out")"
[ "$(sha256sum < "$E/g.vmdk")" = "$before" ] && ok "grow to the current size writes nothing" ||
	bad "grow to the current size changed the file"
expect "grow +0 is the current size" "$BIN/vmdk-grow" -q "$E/g.vmdk" +0
expect_exit 1 "smaller than the current" "grow to less" "$BIN/vmdk-grow" "$E/g.vmdk" 1M
expect_exit 2 "a size here is absolute" "create takes no +N" \
	"$BIN/vmdk-create" -s +1M "$E/x.vmdk"

# ---- vmdk-fill never zeroes by default ----
"$BIN/vmdk-fill" -q --val 7 -c 8 "$E/g.vmdk"
expect_exit 2 "give --val BYTE or --file PATH" "fill without a value" \
	"$BIN/vmdk-fill" "$E/g.vmdk"
[ "$("$BIN/vmdk-dump" --raw -c 1 "$E/g.vmdk" | od -An -tu1 | head -1 | awk '{print $1}')" = 7 ] &&
	ok "a refused fill wrote nothing" || bad "fill without a value wrote"
expect_exit 1 "is a directory" "fill --file of a directory" \
	"$BIN/vmdk-fill" -f "$E" "$E/g.vmdk"
