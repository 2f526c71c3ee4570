#!/bin/sh
# SPDX-License-Identifier: MIT
# install-test.sh --- `make install` honours PREFIX, LIBDIR and DESTDIR;
# what it installs builds a program with `pkg-config --libs vmdktools`
# (no --static needed); and installed beside Debian's libvmdk-dev (libyal's
# libvmdk, another library) neither takes the other's place.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
dest=$top/build/install-test
fail() { echo "install-test: $*"; exit 1; }
rm -rf "$dest"
make -C "$top" --no-print-directory -s install DESTDIR="$dest" PREFIX=/opt/vmdktools \
	LIBDIR=/opt/vmdktools/lib/x86_64-linux-gnu >/dev/null
root=$dest/opt/vmdktools
lib=$root/lib/x86_64-linux-gnu
for f in bin/vmdk-create bin/vmdk-info bin/vmdk-dump bin/vmdk-fill \
	lib/x86_64-linux-gnu/libvmdktools.a include/vmdk.h \
	lib/x86_64-linux-gnu/pkgconfig/vmdktools.pc share/man/man1/vmdk-create.1 \
	share/man/man3/vmdktools.3 share/man/man3/vixDiskLib.3 share/man/man7/vmdktools.7 \
	include/vixDiskLib.h \
	lib/x86_64-linux-gnu/vmdktools/libvixDiskLib.so.7 lib/x86_64-linux-gnu/vmdktools/libvixDiskLib.so; do
	[ -e "$root/$f" ] || fail "$f not installed"
done
# Private headers stay private; nothing takes libyal's names.
for f in core.h vmdk_int.h format.h copy_int.h libvmdk.h base.h errbuf.h; do
	[ ! -e "$root/include/$f" ] || fail "include/$f installed"
done
[ -z "$(find "$dest" -name 'libvmdk.*')" ] || fail "a file named libvmdk.* installed"
# libvixDiskLib in its own folder only, never where a real VDDK's would be found.
[ "$(find "$dest" -name 'libvixDiskLib.so*' | grep -vc '/vmdktools/')" = 0 ] ||
	fail "libvixDiskLib installed outside LIBDIR/vmdktools"
grep -q '^prefix=/opt/vmdktools$' "$lib/pkgconfig/vmdktools.pc" || fail "prefix not in vmdktools.pc"
# Every program, its page, and its completion where bash-completion looks;
# sourcing each completion file registers every installed program.
for t in $(ls "$root/bin"); do
	[ -e "$root/share/man/man1/$t.1" ] || fail "no man page for $t"
	c=$root/share/bash-completion/completions/$t
	[ -e "$c" ] || fail "no completion for $t"
	bash -c ". '$c' && complete -p $t" >/dev/null 2>&1 || fail "completion for $t not registered"
done
[ -e "$root/bin/vmware-vdiskmanager" ] || fail "vmware-vdiskmanager not installed"
# nbdkit's plugin in nbdkit's plugin directory, moved under PREFIX.
plugin=$(find "$root" -name nbdkit-vmdktools-plugin.so)
case $plugin in "$root"/*/nbdkit/plugins/nbdkit-vmdktools-plugin.so) ;;
*) fail "the nbdkit plugin is not in a plugin directory under PREFIX: '$plugin'" ;; esac
[ -e "$root/share/man/man1/nbdkit-vmdktools-plugin.1" ] || fail "no man page for the plugin"
if command -v nbdkit >/dev/null 2>&1; then
	nbdkit "$plugin" --dump-plugin | grep -q '^name=vmdktools$' || fail "nbdkit does not load the plugin"
fi
# Without VMware's name, for machines that have VMware's own tool.
make -C "$top" --no-print-directory -s install DESTDIR="$dest/novdm" PREFIX=/opt/v \
	NO_VDISKMANAGER=1 >/dev/null
[ ! -e "$dest/novdm/opt/v/bin/vmware-vdiskmanager" ] && [ ! -e "$dest/novdm/opt/v/bin/vmware-mount" ] &&
	[ ! -e "$dest/novdm/opt/v/share/man/man1/vmware-mount.1" ] && [ -e "$dest/novdm/opt/v/bin/vmdk-mount" ] &&
	[ ! -e "$dest/novdm/opt/v/share/man/man1/vmware-vdiskmanager.1" ] &&
	[ -e "$dest/novdm/opt/v/bin/vmdk-clone" ] || fail "NO_VDISKMANAGER=1 still installs it"

cat > "$dest/use.c" <<'C'
#include <stdio.h>
#include <vmdk.h>
int main(void) { printf("%s %s\n", vmdk_version(), vmdk_strerror(VMDK_E_LOCKED)); return 0; }
C
# Ours, found through pkg-config with the system's libvmdk.pc on its path.
PKG_CONFIG_SYSROOT_DIR=$dest PKG_CONFIG_PATH=$lib/pkgconfig
export PKG_CONFIG_SYSROOT_DIR PKG_CONFIG_PATH
# shellcheck disable=SC2046
${CC:-cc} -o "$dest/use" "$dest/use.c" $(pkg-config --cflags --libs vmdktools) ||
	fail "cannot link with pkg-config --libs vmdktools"
[ "$("$dest/use")" = "0.1 disk is locked by another process" ] || fail "wrong output: $("$dest/use")"
# libyal's, built the way its users build, still gets libyal's.
if pkg-config --exists libvmdk; then
	cat > "$dest/yal.c" <<'C'
#include <stdio.h>
#include <libvmdk.h>
int main(void) { puts(libvmdk_get_version()); return 0; }
C
	unset PKG_CONFIG_SYSROOT_DIR
	# shellcheck disable=SC2046
	${CC:-cc} -o "$dest/yal" "$dest/yal.c" $(pkg-config --cflags --libs libvmdk) ||
		fail "libyal's libvmdk no longer links beside ours"
	"$dest/yal" >/dev/null || fail "libyal's libvmdk program does not run"
fi
rm -rf "$dest"
echo "install-test: ok"
