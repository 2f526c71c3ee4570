#!/bin/sh
# install-test.sh --- `make install` honours PREFIX and DESTDIR, and what
# it installs is enough to build a program against libvmdk.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
dest=$top/build/install-test
rm -rf "$dest"
make -C "$top" --no-print-directory -s install DESTDIR="$dest" PREFIX=/opt/vmdktools >/dev/null
root=$dest/opt/vmdktools
for f in bin/vmdk-create bin/vmdk-info bin/vmdk-dump bin/vmdk-fill lib/libvmdk.a \
	include/vmdk.h lib/pkgconfig/libvmdk.pc share/man/man1/vmdk-create.1 \
	share/man/man3/libvmdk.3; do
	[ -e "$root/$f" ] || { echo "install-test: $f not installed"; exit 1; }
done
grep -q '^prefix=/opt/vmdktools$' "$root/lib/pkgconfig/libvmdk.pc"
cat > "$dest/use.c" <<'C'
#include <stdio.h>
#include <vmdk.h>
int main(void) { puts(vmdk_strerror(VMDK_E_LOCKED)); return 0; }
C
${CC:-cc} -I"$root/include" -o "$dest/use" "$dest/use.c" "$root/lib/libvmdk.a" -ldeflate -lz -luuid -lpthread -lm
[ "$("$dest/use")" = "disk is locked by another process" ]
rm -rf "$dest"
echo "install-test: ok"
