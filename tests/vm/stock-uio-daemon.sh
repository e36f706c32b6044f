#!/bin/bash
# Build the stock fcopy daemon of Linux 6.10+, tools/hv/hv_fcopy_uio_daemon
# (with tools/hv/vmbus_bufring.c), from Debian's linux-source-6.12, as
# tools/hv/Makefile builds it: the daemon Debian 13, Ubuntu 24.10+ and
# Fedora ship, which drives the fcopy channel itself through
# uio_hv_generic. Debian 12 ships hyperv-daemons only from 6.1.
#
#   tests/vm/stock-uio-daemon.sh      -> $BUILDDIR/stock/hv_fcopy_uio_daemon
set -euo pipefail
HVG_SRC=$(cd "$(dirname "$0")/../.." && pwd)
BUILDDIR=${BUILDDIR:-$HVG_SRC/build}
out=$BUILDDIR/stock
tarball=$(ls /usr/src/linux-source-6.12.tar.xz 2>/dev/null) || {
	echo "stock-uio-daemon: /usr/src/linux-source-6.12.tar.xz is missing (make deps)" >&2
	exit 1
}
bin=$out/hv_fcopy_uio_daemon
[ "$bin" -nt "$tarball" ] && exit 0
mkdir -p "$out"
rm -rf "$out/src"
mkdir "$out/src"
tar -xJf "$tarball" -C "$out/src" --strip-components=3 \
	linux-source-6.12/tools/hv/hv_fcopy_uio_daemon.c \
	linux-source-6.12/tools/hv/vmbus_bufring.c \
	linux-source-6.12/tools/hv/vmbus_bufring.h
# tools/hv/Makefile's flags; the code is upstream's, not ours to warn about.
gcc -O2 -g -D_GNU_SOURCE -Wno-address-of-packed-member -o "$bin.tmp" \
	"$out/src/hv_fcopy_uio_daemon.c" "$out/src/vmbus_bufring.c"
mv "$bin.tmp" "$bin"
