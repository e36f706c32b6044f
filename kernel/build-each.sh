#!/bin/sh
# build-each.sh KDIR OUT: after the build of the whole Kbuild failed for
# one kernel, build each module on its own, in Kbuild's order (exporters
# first, their symbols handed on through KBUILD_EXTRA_SYMBOLS), so that a
# module that cannot be built for this kernel does not keep the others
# from being built. Names each module that failed, with the kernel, and
# exits 1 if any did. Runs under kernel/Makefile, whose command-line
# variables (W=1, C=1) reach these makes through MAKEFLAGS.
set -u

kdir=$1
out=$2
make=${MAKE:-make}
release=$(cat "$kdir/include/config/kernel.release" 2>/dev/null || echo "$kdir")
syms=$out/.symvers-each
rm -rf "$syms"
mkdir -p "$syms"

mods=$($make -s -C "$kdir" M="$out" HVG_LIST=1 modules 2>/dev/null |
	sed -n 's/^hvg-modules: //p' | head -n 1)
[ -n "$mods" ] || {
	echo "build-each.sh: no module list from $out/Kbuild for $release" >&2
	exit 1
}
echo "== building each module on its own for $release: $mods"
failed=
extra=
for m in $mods; do
	if $make -C "$kdir" M="$out" HVG_ONLY="$m" \
		KBUILD_EXTRA_SYMBOLS="$extra" modules; then
		if [ -s "$out/Module.symvers" ]; then
			cp "$out/Module.symvers" "$syms/$m"
			extra="$extra $syms/$m"
		fi
	else
		failed="$failed $m"
	fi
done
# What the last make left is one module's; every module's, for whoever
# builds against ours.
cat "$syms"/* >"$out/Module.symvers" 2>/dev/null
if [ -n "$failed" ]; then
	for m in $failed; do
		echo "error: module $m failed to build for kernel $release (its errors are above)" >&2
	done
	echo "built for $release despite that: $(cd "$out" && ls *.ko 2>/dev/null | tr '\n' ' ')" >&2
	exit 1
fi
exit 0
