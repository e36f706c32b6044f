#!/bin/bash
# Run the kernel's checkpatch.pl --strict over our kernel sources.
#
#   scripts/checkpatch.sh [FILE...]
#
# With no FILE, every kernel source of ours (kernel/, but the compile
# probes), as 10-kernel-lint checks them one by one.
#
# checkpatch.pl ships in linux-source, not in the headers packages; the
# three files it needs, and the kernel's include/ (see CamelCase below),
# are unpacked once into $HVG_CACHE, keyed by the source package version.
set -euo pipefail

cache=${HVG_CACHE:-/var/cache/hyperv-guest}
tarball=/usr/src/linux-source-6.1.tar.xz
[ -r "$tarball" ] || { echo "checkpatch: $tarball missing (apt-get install linux-source-6.1)" >&2; exit 2; }
srcver=$(dpkg-query -W -f='${Version}' linux-source-6.1)
dir=$cache/checkpatch/$srcver

if [ ! -x "$dir/scripts/checkpatch.pl" ] || [ ! -d "$dir/include" ]; then
	rm -rf "$dir.tmp"
	mkdir -p "$dir.tmp"
	tar -C "$dir.tmp" --strip-components=1 -xJf "$tarball" \
		linux-source-6.1/scripts/checkpatch.pl \
		linux-source-6.1/scripts/spelling.txt \
		linux-source-6.1/scripts/const_structs.checkpatch \
		linux-source-6.1/include
	rm -rf "$dir"
	mv "$dir.tmp" "$dir"
fi

# CamelCase: in a kernel tree, checkpatch learns the kernel's own CamelCase
# names (struct Scsi_Host, ...) from include/ and reports only new ones;
# with --no-tree it knows none and reports every use of them. --root gives
# it the kernel's include/ back (the tree checks stay off with --no-tree);
# GIT_DIR naming nothing makes it read those headers instead of asking the
# git repository of the current directory; and it runs in $dir, where it
# caches the names it found (.checkpatch-camelcase.*). File names are made
# absolute for that, and reported as they were given.
here=$PWD
if [ $# = 0 ]; then
	src=$(cd "$(dirname "$0")/.." && pwd)
	mapfile -t all < <(find "$src/kernel" -name '*.[ch]' -not -path '*/compat/probes/*' | sort)
	[ ${#all[@]} -gt 0 ] || { echo "checkpatch: no kernel sources under $src/kernel" >&2; exit 2; }
	set -- "${all[@]}"
fi
files=()
for f in "$@"; do
	case $f in
	/* | -*) files+=("$f") ;;
	*) files+=("$here/$f") ;;
	esac
done
cd "$dir"
# --no-tree: we are not inside a kernel tree. The SPDX and file-path checks
# that assume one are the only ones this skips.
GIT_DIR=$dir/.no-git perl "$dir/scripts/checkpatch.pl" --strict --no-tree \
	--root="$dir" --terse --show-types --ignore FILE_PATH_CHANGES \
	-f "${files[@]}" | sed "s|^$here/||"
