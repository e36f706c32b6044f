#!/bin/bash
# make demo: boot a VM with the simulated host and show what works.
set -uo pipefail
src=$(cd "$(dirname "$0")/../.." && pwd)
BUILDDIR=${BUILDDIR:-$src/build}
export BUILDDIR
kernel=${HVG_DEMO_KERNEL:-6.12}

make -s -C "$src/tools/lsvmbus" BUILDDIR="$BUILDDIR" || exit 1
make -s -C "$src/daemons" BUILDDIR="$BUILDDIR" || exit 1
echo "Booting Debian's $kernel kernel under QEMU (TCG) with hyperv-guest's modules..."
verdict=$("$src/tests/vm/run.sh" -k "$kernel" demo)
status=$?
cat "$BUILDDIR/vm/$kernel/demo/output.log" 2>/dev/null
# The power-off itself is only in the guest's console.
grep -E 'host requested|run by the kernel|reboot: Power down' \
	"$BUILDDIR/vm/$kernel/demo/console.log" 2>/dev/null | sed 's/^\[[ 0-9.]*\] /  console: /'
echo
echo "$verdict"
exit $status
