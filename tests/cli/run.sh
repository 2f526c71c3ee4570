#!/bin/sh
# run.sh --- command-line and interop tests: every tool's documented
# behaviour, exit codes and messages; every type we write read back by
# qemu-img and libyal's libvmdk with identical content; every subformat
# qemu-img writes read back by us identically; broken inputs rejected.
# The cases are in t_*.sh beside this file; this file has the helpers.
#   BIN=build/bin YAL=build/tests/yal-read sh tests/cli/run.sh
set -u

: "${BIN:?BIN must name the directory holding the tools}"
: "${YAL:?YAL must name the libyal reader}"
T=$(mktemp -d "${TMPDIR:-/tmp}/vmdk-cli.XXXXXX")
trap 'rm -rf "$T"' EXIT INT TERM
pass=0
fail=0

ok() {
	pass=$((pass + 1))
	[ -n "${VERBOSE:-}" ] && echo "ok: $1"
	return 0
}

bad() {
	fail=$((fail + 1))
	echo "FAIL: $1"
	[ -s "$T/err" ] && sed 's/^/    stderr: /' "$T/err" | head -5
	return 0
}

# expect DESCRIPTION COMMAND...: the command succeeds.
expect() {
	d=$1
	shift
	if "$@" >"$T/out" 2>"$T/err"; then ok "$d"; else bad "$d (exit $?)"; fi
}

# expect_exit CODE MESSAGE DESCRIPTION COMMAND...: exits CODE, stderr has
# MESSAGE (a fixed string), and no signal killed it.
expect_exit() {
	code=$1 msg=$2 d=$3
	shift 3
	"$@" >"$T/out" 2>"$T/err"
	rc=$?
	if [ "$rc" -eq "$code" ] && grep -qF -- "$msg" "$T/err"; then
		ok "$d"
	else
		bad "$d: exit $rc (want $code), message wanted: $msg"
	fi
}

sha() { sha256sum | cut -d' ' -f1; }

# Our content, qemu-img's and libyal's must be one and the same.
same_content() {
	d=$1 disk=$2
	ours=$("$BIN/vmdk-dump" --raw "$disk" 2>"$T/err" | sha)
	qemu-img convert -O raw "$disk" "$T/q.raw" 2>>"$T/err"
	theirs=$(sha < "$T/q.raw")
	yal=$("$YAL" "$disk" 2>>"$T/err" | sha)
	if [ "$ours" = "$theirs" ] && [ "$ours" = "$yal" ]; then
		ok "$d"
	else
		bad "$d: ours $ours qemu $theirs libyal $yal"
	fi
	rm -f "$T/q.raw"
}

# patch32 FILE OFFSET VALUE: a little-endian 32-bit field.
patch32() { printf "$(printf '\\%03o\\%03o\\%03o\\%03o' $(( $3 & 255 )) $(( ($3 >> 8) & 255 )) $(( ($3 >> 16) & 255 )) $(( ($3 >> 24) & 255 )))" |
	dd of="$1" bs=1 seek="$2" conv=notrunc 2>/dev/null; }
# fresh [vmdk-create options] PATH: a new 2 MiB disk, older b* gone.
fresh() { rm -f "$T/b"*; "$BIN/vmdk-create" -q -s 2M "$@"; }

here=$(cd "$(dirname "$0")" && pwd)
for section in "$here"/t_*.sh; do
	[ -n "${ONLY:-}" ] && case $section in *"$ONLY"*) ;; *) continue ;; esac
	echo "== $(basename "$section")"
	# shellcheck disable=SC1090
	. "$section"
done

echo
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
