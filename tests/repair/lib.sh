# SPDX-License-Identifier: MIT
# lib.sh --- what a repair case's script may use to damage its disk: read
# and write little-endian fields of a hosted sparse extent.  Offsets are
# those of the technote's SparseExtentHeader.
#   u32 FILE OFFSET                 put32 FILE OFFSET VALUE
#   gd FILE / rgd FILE              sector of the (redundant) directory
#   gt FILE I / rgt FILE I          sector of table I (of either copy)
#   gte FILE I J / rgte FILE I J    entry J of table I
#   set_gte / set_rgte / set_both FILE I J VALUE

u32() { od -An -t u4 -j "$2" -N 4 "$1" | tr -d ' '; }
u64() { echo $(( $(u32 "$1" "$2") + $(u32 "$1" $(($2 + 4))) * 4294967296 )); }

put32() {
	_v=$3
	printf "$(printf '\\%03o\\%03o\\%03o\\%03o' $((_v & 255)) $((_v >> 8 & 255)) \
		$((_v >> 16 & 255)) $((_v >> 24 & 255)))" |
		dd of="$1" bs=1 seek="$2" conv=notrunc 2>/dev/null
}
put64() { put32 "$1" "$2" $(($3 & 4294967295)); put32 "$1" $(($2 + 4)) $(($3 >> 32)); }

gd() { u64 "$1" 56; }
rgd() { u64 "$1" 48; }
gt() { u32 "$1" $(( $(gd "$1") * 512 + 4 * $2 )); }
rgt() { u32 "$1" $(( $(rgd "$1") * 512 + 4 * $2 )); }
gte() { u32 "$1" $(( $(gt "$1" "$2") * 512 + 4 * $3 )); }
rgte() { u32 "$1" $(( $(rgt "$1" "$2") * 512 + 4 * $3 )); }
set_gte() { put32 "$1" $(( $(gt "$1" "$2") * 512 + 4 * $3 )) "$4"; }
set_rgte() { put32 "$1" $(( $(rgt "$1" "$2") * 512 + 4 * $3 )) "$4"; }
set_both() { set_gte "$@"; set_rgte "$@"; }
