#!/bin/sh
# SPDX-License-Identifier: MIT
# ensure-deps.sh --- make sure the Debian packages a make target needs are
# there: installs them when run as root, otherwise names the missing ones.
#   ensure-deps.sh build   what `make` and `make demo` need
#   ensure-deps.sh check   what `make check` needs as well
set -e

build="gcc make pkg-config zlib1g-dev libdeflate-dev libzstd-dev uuid-dev libblkid-dev qemu-utils time bc python3 libcurl4-openssl-dev libxml2-dev libssl-dev nbdkit-plugin-dev libfuse3-dev fuse3"
check="$build fdisk dosfstools mtools xfsprogs lvm2 libcriterion-dev libvmdk-utils libvmdk-dev libqcow-dev libvhdi-dev libbfio-dev clang libclang-rt-dev groff-base mandoc e2fsprogs nbdkit libnbd-bin strace golang-go golang-github-vmware-govmomi-dev"
case "$1" in
build) want=$build ;;
check) want=$check ;;
*) echo "usage: $0 build|check" >&2; exit 2 ;;
esac

if ! command -v dpkg-query >/dev/null 2>&1; then
	echo "ensure-deps: not a Debian system; make sure these are installed: $want"
	exit 0
fi
missing=
for p in $want; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
		grep -q 'install ok installed' || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
	echo "Installing:$missing"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	# shellcheck disable=SC2086
	apt-get install -y -qq --no-install-recommends $missing >/dev/null
else
	echo "Missing packages:$missing" >&2
	echo "Install them with: sudo apt-get install$missing" >&2
	exit 1
fi
