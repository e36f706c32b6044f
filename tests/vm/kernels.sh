# Resolve the kernels the VM tests boot (sourced by run.sh and the suites).
#
# Names: "6.1" and "6.12" are the newest stock Debian amd64 kernels of that
# series installed here (the ones users run); "debug" is the debug kernel
# from tests/vm/debug-kernel.sh. hvg_kernel NAME sets:
#   KREL    kernel release (uname -r in the guest)
#   KIMAGE  bootable image
#   KDIR    build tree to compile modules against
#   KMODS   directory holding the kernel's own modules (lib/modules/KREL)
#   KDEBUG  1 for the debug kernel

HVG_VM_KERNELS="6.1 6.12 debug"

hvg_kernel() {
	local name=$1 img
	KDEBUG=0
	case "$name" in
	6.1 | 6.12)
		img=$(ls /boot/vmlinuz-"$name".*-amd64 2>/dev/null |
			grep -vE -- '-(cloud|rt)-amd64$' | sort -V | tail -1)
		if [ -z "$img" ]; then
			echo "no stock Debian $name amd64 kernel image in /boot (run make deps)" >&2
			return 1
		fi
		KREL=${img#/boot/vmlinuz-}
		KIMAGE=$img
		KDIR=/lib/modules/$KREL/build
		KMODS=/lib/modules/$KREL
		;;
	debug)
		local tree
		tree=$("$HVG_SRC/tests/vm/debug-kernel.sh" dir) || return 1
		KREL=$(cat "$tree/include/config/kernel.release")
		KIMAGE=$tree/arch/x86/boot/bzImage
		KDIR=$tree
		KMODS=$tree/modinst/lib/modules/$KREL
		KDEBUG=1
		;;
	*)
		echo "unknown kernel '$name' (one of: $HVG_VM_KERNELS)" >&2
		return 1
		;;
	esac
	[ -r "$KIMAGE" ] || { echo "kernel image $KIMAGE missing" >&2; return 1; }
	[ -d "$KDIR" ] || { echo "kernel build tree $KDIR missing" >&2; return 1; }
	return 0
}
