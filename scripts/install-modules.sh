#!/bin/sh
# install-modules.sh KVER BUILT_DIR DEST_DIR MODULE...
#
# Install our modules for kernel KVER (from BUILT_DIR, the kernel's build
# output) into DEST_DIR, unless that would take a driver away: our
# hv_vmbus shadows the kernel's (depmod prefers updates/), and every
# in-tree module built against the kernel's hv_vmbus (hv_netvsc,
# hv_balloon, hv_sock, pci-hyperv, hyperv_drm ...) would then fail to load
# with unknown symbols, and the next initramfs would lose them. So for
# each kernel:
#   - hv_vmbus built into the kernel (modules.builtin): an out-of-tree
#     one can never replace it; nothing is installed;
#   - an in-tree module that depends on hv_vmbus (modules.dep, which lists
#     every module's dependencies, transitively) and that we do not
#     replace with one of ours: nothing is installed, and the modules are
#     named;
#   - otherwise every MODULE built for KVER is installed.
# A kernel left alone is said on standard error and exits 3; 0 when
# installed; 1 on an error. MODULES_DIR (default /lib/modules/KVER) is
# where the kernel's modules.dep and modules.builtin are read (tests
# point it elsewhere).
set -eu

[ $# -ge 4 ] || { echo "usage: $0 KVER BUILT_DIR DEST_DIR MODULE..." >&2; exit 1; }
kver=$1
built=$2
dest=$3
shift 3
mods_dir=${MODULES_DIR:-/lib/modules/$kver}

# name: a module's name from its path, as modprobe writes it (- is _).
name_of() {
	basename "$1" | sed 's/\.ko\(\.[a-z]*\)\{0,1\}$//' | tr - _
}

ours=
for m in "$@"; do
	[ -f "$built/$m.ko" ] && ours="$ours $m"
done
case " $ours " in
*" hv_vmbus "*) ;;
*) echo "install-modules.sh: no hv_vmbus built for $kver in $built" >&2; exit 1 ;;
esac

if [ ! -f "$mods_dir/modules.dep" ]; then
	echo "install-modules.sh: $mods_dir/modules.dep is missing: cannot tell which of $kver's modules use its hv_vmbus" >&2
	exit 1
fi
if grep -q '/hv_vmbus\.ko' "$mods_dir/modules.builtin" 2>/dev/null; then
	echo "kernel $kver: hv_vmbus is built into the kernel; an out-of-tree hv_vmbus cannot replace it: none of our modules installed for it (its own drivers stay)" >&2
	exit 3
fi

# In-tree modules (not ours in updates/) that need the kernel's hv_vmbus.
users=$(grep -E '^[^:]+:.*/hv_vmbus\.ko' "$mods_dir/modules.dep" |
	cut -d: -f1 | grep -v '^updates/' | while read -r p; do name_of "$p"; done | sort -u)
missing=
for u in $users; do
	case " $ours " in
	*" $u "*) ;;
	*) missing="$missing $u" ;;
	esac
done
if [ -n "$missing" ]; then
	echo "kernel $kver: not installing our modules: these drivers of the kernel use its hv_vmbus, which ours would shadow, and hyperv-guest does not replace them yet:$missing. They would fail to load (unknown symbols) and a Hyper-V guest would lose them. The kernel's own drivers stay in use." >&2
	exit 3
fi

install -d "$dest"
for m in $ours; do
	install -m 0644 "$built/$m.ko" "$dest/"
done
echo "kernel $kver: installed$ours into $dest"
exit 0
