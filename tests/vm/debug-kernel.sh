#!/bin/bash
# Build (once) and locate the debug kernel used by the VM tests.
#
#   debug-kernel.sh build   build it unless the cache already holds it
#   debug-kernel.sh dir     print the cached build tree (fails if absent)
#
# The kernel comes from Debian's linux-source-6.1 with tests/vm/debug.config
# merged onto x86_64 defconfig + kvm_guest.config. It is cached outside the
# work tree under $HVG_CACHE (default /var/cache/hyperv-guest), keyed by the
# source package version, a hash of the config fragment and recipe_version
# below (bump it when a change here changes what gets built), so a change
# builds a new kernel and an unchanged pair is reused.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
cache=${HVG_CACHE:-/var/cache/hyperv-guest}
tarball=/usr/src/linux-source-6.1.tar.xz
fragment=$here/debug.config

die() { echo "debug-kernel: $*" >&2; exit 1; }

[ -r "$tarball" ] || die "$tarball missing (apt-get install linux-source-6.1)"
srcver=$(dpkg-query -W -f='${Version}' linux-source-6.1) ||
	die "cannot read the version of linux-source-6.1"
recipe_version=1
key=$( (cat "$fragment"; echo "recipe $recipe_version") | sha256sum | cut -c1-12)
tree=$cache/debug-kernel/6.1-$srcver-$key
stamp=$tree/.hvg-built

case "${1:-}" in
dir)
	[ -e "$stamp" ] || die "not built yet: run '$0 build'"
	echo "$tree"
	exit 0
	;;
build) ;;
*) die "usage: $0 build|dir" ;;
esac

# The modules tree the guest's modprobe uses; cheap, so redone if missing.
install_modules() {
	[ -d "$tree/modinst/lib/modules" ] && return 0
	make -C "$tree" -s modules_install INSTALL_MOD_PATH="$tree/modinst" \
		LOCALVERSION=-hvg-debug >/dev/null
}

if [ -e "$stamp" ]; then
	install_modules
	echo "debug kernel cached: $tree"
	exit 0
fi

rm -rf "$tree"
mkdir -p "$tree"
echo "debug kernel: unpacking linux-source $srcver into $tree"
tar -C "$tree" --strip-components=1 -xJf "$tarball"
cd "$tree"
make -s x86_64_defconfig
make -s kvm_guest.config
./scripts/kconfig/merge_config.sh -m .config "$fragment" >/dev/null
make -s olddefconfig

# Every option the fragment asks for must have survived olddefconfig: a
# silently dropped dependency would otherwise give a kernel without, say,
# KASAN, and tests that "pass" without checking anything.
missing=0
while IFS= read -r line; do
	case "$line" in
	CONFIG_*=n)
		opt=${line%%=*}
		if grep -q "^$opt=[ym]" .config; then
			echo "debug-kernel: $opt should be off but is on" >&2
			missing=1
		fi
		;;
	CONFIG_*)
		if ! grep -qx "$line" .config; then
			echo "debug-kernel: $line did not survive olddefconfig" >&2
			missing=1
		fi
		;;
	esac
done <"$fragment"
[ "$missing" = 0 ] || die "config check failed"

jobs=${HVG_JOBS:-$(nproc)}
echo "debug kernel: building with -j$jobs (this takes a while once)"
make -j"$jobs" bzImage modules LOCALVERSION=-hvg-debug >build.log 2>&1 ||
	{ tail -40 build.log >&2; die "kernel build failed (log: $tree/build.log)"; }
touch "$stamp"
install_modules
echo "debug kernel built: $tree"
