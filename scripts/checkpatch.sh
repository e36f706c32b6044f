#!/bin/bash
# Run the kernel's checkpatch.pl --strict over our kernel sources.
#
#   scripts/checkpatch.sh FILE...
#
# checkpatch.pl ships in linux-source, not in the headers packages; the
# three files it needs are unpacked once into $HVG_CACHE, keyed by the
# source package version.
set -euo pipefail

cache=${HVG_CACHE:-/var/cache/hyperv-guest}
tarball=/usr/src/linux-source-6.1.tar.xz
[ -r "$tarball" ] || { echo "checkpatch: $tarball missing (apt-get install linux-source-6.1)" >&2; exit 2; }
srcver=$(dpkg-query -W -f='${Version}' linux-source-6.1)
dir=$cache/checkpatch/$srcver

if [ ! -x "$dir/scripts/checkpatch.pl" ]; then
	rm -rf "$dir.tmp"
	mkdir -p "$dir.tmp"
	tar -C "$dir.tmp" --strip-components=1 -xJf "$tarball" \
		linux-source-6.1/scripts/checkpatch.pl \
		linux-source-6.1/scripts/spelling.txt \
		linux-source-6.1/scripts/const_structs.checkpatch
	rm -rf "$dir"
	mv "$dir.tmp" "$dir"
fi

# --no-tree: we are not inside a kernel tree. The SPDX and file-path checks
# that assume one are the only ones this skips.
exec perl "$dir/scripts/checkpatch.pl" --strict --no-tree --terse \
	--show-types --ignore FILE_PATH_CHANGES -f "$@"
