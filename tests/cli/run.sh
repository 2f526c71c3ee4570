#!/bin/sh
# SPDX-License-Identifier: MIT
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
	_d=$1
	shift
	if "$@" >"$T/out" 2>"$T/err"; then ok "$_d"; else bad "$_d (exit $?)"; fi
}

# expect_exit CODE MESSAGE DESCRIPTION COMMAND...: exits CODE, stderr has
# MESSAGE (a fixed string; "" for any), and no signal killed it.
expect_exit() {
	_code=$1 _msg=$2 _d=$3
	shift 3
	"$@" >"$T/out" 2>"$T/err"
	_rc=$?
	if [ "$_rc" -eq "$_code" ] && { [ -z "$_msg" ] || grep -qF -- "$_msg" "$T/err"; }; then
		ok "$_d"
	else
		bad "$_d: exit $_rc (want $_code), message wanted: $_msg"
	fi
}

sha() { sha256sum | cut -d' ' -f1; }

# The kill tests' killer: strace's fault injection (LeakSanitizer cannot
# run under ptrace, so the sanitizer build leaves it out of traced runs),
# and whether this machine lets strace inject at all.
trace() { ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" strace "$@"; }
can_inject() { strace -o /dev/null -e inject=getpid:error=EPERM true >/dev/null 2>&1; }

# Our content, qemu-img's and libyal's must be one and the same.
same_content() {
	_d=$1 _disk=$2
	_ours=$("$BIN/vmdk-dump" --raw "$_disk" 2>"$T/err" | sha)
	qemu-img convert -O raw "$_disk" "$T/q.raw" 2>>"$T/err"
	_theirs=$(sha < "$T/q.raw")
	_yal=$("$YAL" "$_disk" 2>>"$T/err" | sha)
	if [ "$_ours" = "$_theirs" ] && [ "$_ours" = "$_yal" ]; then
		ok "$_d"
	else
		bad "$_d: ours $_ours qemu $_theirs libyal $_yal"
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
