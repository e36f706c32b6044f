#!/bin/bash
# make bench: every benchmark, each as a ratio against a reference measured
# in the same run (never a timed assertion).
#   - VMBus echo channel streaming in a VM (tests/vm/scenarios/bench-echo.sh)
#   - hv_storvsc against brd in a VM (tests/vm/scenarios/bench-storage.sh)
#   - the daemons against the distribution's (daemons/, make -C daemons bench)
#   - hv-migrate check/fix on a large root (tests/bench/hv-migrate-bench)
set -uo pipefail
src=$(cd "$(dirname "$0")/../.." && pwd)
BUILDDIR=${BUILDDIR:-$src/build}
export BUILDDIR
status=0
kernel=${HVG_BENCH_KERNEL:-6.12}

# vm_bench SCENARIO TITLE: one benchmark scenario in a VM; its BENCH lines.
vm_bench() {
	local verdict
	echo "== $2, kernel $kernel (TCG: compare ratios, not absolutes)"
	if verdict=$("$src/tests/vm/run.sh" -k "$kernel" "$1"); then
		grep '^BENCH' "$BUILDDIR/vm/$kernel/$1/output.log"
	else
		echo "$verdict"
		status=1
	fi
}

vm_bench bench-echo "VMBus echo channel"
vm_bench bench-storage "hv_storvsc with the simulated host's RAM disk vs brd"
make -s -C "$src/daemons" BUILDDIR="$BUILDDIR" || status=1
vm_bench bench-daemons "KVP daemon vs Debian's hv_kvp_daemon, both behind hv_utils in a VM"

if [ -f "$src/daemons/Makefile" ]; then
	echo "== daemons vs the distribution's hyperv-daemons (fake device, no VM)"
	make -s -C "$src/daemons" BUILDDIR="$BUILDDIR" bench || status=1
fi
if [ -x "$src/tests/bench/hv-migrate-bench" ]; then
	echo "== hv-migrate"
	"$src/tests/bench/hv-migrate-bench" || status=1
fi
exit $status
