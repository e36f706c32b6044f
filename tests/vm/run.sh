#!/bin/bash
# Boot a kernel under QEMU (TCG) with our freshly built modules and run one
# scenario from tests/vm/scenarios/.
#
#   tests/vm/run.sh [-k KERNEL] [-t SECONDS] [-q] SCENARIO
#
# KERNEL is 6.1, 6.12 or debug (default 6.1). The verdict is the last line:
# "PASS <scenario> on <kernel>" or "FAIL <scenario> on <kernel>: <why>",
# and the exit status. A scenario passes only if it wrote "success" itself
# and the guest kernel's log, from the scenario's start to power-off, holds
# no oops, BUG, WARNING, KASAN, UBSAN, lockdep or kmemleak report.
# Artifacts (console log, scenario output, dmesg, kmemleak) are kept in
# $BUILDDIR/vm/<kernel>/<scenario>/.
set -uo pipefail

HVG_SRC=$(cd "$(dirname "$0")/../.." && pwd)
BUILDDIR=${BUILDDIR:-$HVG_SRC/build}
export HVG_SRC BUILDDIR
# shellcheck source=tests/vm/kernels.sh
. "$HVG_SRC/tests/vm/kernels.sh"
mkdir -p "$BUILDDIR"

kernel=6.1
timeout=
quiet=0
while getopts "k:t:q" opt; do
	case "$opt" in
	k) kernel=$OPTARG ;;
	t) timeout=$OPTARG ;;
	q) quiet=1 ;;
	*) echo "usage: $0 [-k KERNEL] [-t SECONDS] [-q] SCENARIO" >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
scenario=${1:-}
[ -n "$scenario" ] || { echo "usage: $0 [-k KERNEL] [-t SECONDS] [-q] SCENARIO" >&2; exit 2; }

verdict() {
	echo "$1 $scenario on $kernel${2:+: $2}"
	[ "$1" = PASS ]
	exit $?
}

[ -f "$HVG_SRC/tests/vm/scenarios/$scenario.sh" ] ||
	verdict FAIL "no such scenario (tests/vm/scenarios/$scenario.sh)"
hvg_kernel "$kernel" 2>"$BUILDDIR/.kernel-err" ||
	verdict FAIL "$(cat "$BUILDDIR/.kernel-err")"

# The scenario's own timeout, if it declares one ("# timeout: 600").
if [ -z "$timeout" ]; then
	timeout=$(sed -n 's/^# timeout: *\([0-9]*\).*/\1/p' \
		"$HVG_SRC/tests/vm/scenarios/$scenario.sh" | head -1)
	timeout=${timeout:-300}
	[ "$KDEBUG" = 1 ] && timeout=$((timeout * 2))
fi

# Build our modules for this kernel (incremental; quiet unless it fails).
mkdir -p "$BUILDDIR/vm"
if ! make -s -C "$HVG_SRC/kernel" KDIR="$KDIR" OUT="$BUILDDIR/$KREL/kernel" \
	>"$BUILDDIR/vm/modules-$KREL.log" 2>&1; then
	cat "$BUILDDIR/vm/modules-$KREL.log" >&2
	verdict FAIL "module build for $KREL failed"
fi

# The initramfs: static busybox, our init, and for stock kernels the 9p,
# virtio and overlay modules (decompressed: busybox insmod reads plain .ko).
initrd=$BUILDDIR/vm/initramfs-$KREL.cpio.gz
if [ ! -f "$initrd" ] || [ "$HVG_SRC/tests/vm/init" -nt "$initrd" ] ||
	[ "$0" -nt "$initrd" ]; then
	stage=$(mktemp -d)
	mkdir -p "$stage"/{bin,proc,sys,dev,modules}
	cp /bin/busybox "$stage/bin/busybox"
	cp "$HVG_SRC/tests/vm/init" "$stage/init"
	chmod 755 "$stage/init"
	if [ "$KDEBUG" = 0 ]; then
		for m in virtio_pci 9pnet_virtio 9p overlay; do
			modprobe -S "$KREL" --show-depends "$m" |
				awk '$1 == "insmod" {print $2}'
		done | awk '!seen[$0]++' | while read -r path; do
			base=$(basename "$path")
			case "$base" in
			*.xz) xz -dc "$path" >"$stage/modules/${base%.xz}"; base=${base%.xz} ;;
			*.zst) zstd -qdc "$path" >"$stage/modules/${base%.zst}"; base=${base%.zst} ;;
			*) cp "$path" "$stage/modules/$base" ;;
			esac
			echo "$base" >>"$stage/modules.list"
		done
	fi
	(cd "$stage" && find . | cpio -o -H newc --quiet | gzip -1) >"$initrd.tmp" &&
		mv "$initrd.tmp" "$initrd"
	rm -rf "$stage"
fi

art=$BUILDDIR/vm/$kernel/$scenario
rm -rf "$art"
mkdir -p "$art"
mem=1024
# KASAN needs more; kmemleak scans take time in proportion to RAM: keep
# the debug VM no bigger than that.
[ "$KDEBUG" = 1 ] && mem=1536

[ "$quiet" = 1 ] || echo "booting $KREL for scenario $scenario (timeout ${timeout}s)" >&2
start=$(date +%s)
timeout --foreground "$timeout" qemu-system-x86_64 \
	-machine q35 -accel tcg -cpu max -smp 2 -m "$mem" \
	-nodefaults -display none -monitor none -no-reboot \
	-serial "file:$art/console.log" \
	-kernel "$KIMAGE" -initrd "$initrd" \
	-append "console=ttyS0 panic=-1 oops=panic hvg.src=$HVG_SRC hvg.build=$BUILDDIR hvg.scenario=$scenario hvg.kernel=$kernel hvg.debug_modules=$( [ "$KDEBUG" = 1 ] && dirname "$(dirname "$(dirname "$KMODS")")")" \
	-virtfs "local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap" \
	-virtfs "local,path=$art,mount_tag=results,security_model=none" \
	</dev/null >"$art/qemu.log" 2>&1
qemu_status=$?
echo "$(($(date +%s) - start))" >"$art/seconds"

# --- verdict ---
console=$art/console.log
# kmemleak's console line ("N new suspected memory leaks") also counts
# leaks from boot; its report is judged from the artifact instead, where
# guest-run.sh has set aside objects older than the scenario.
splat_re='BUG:|WARNING:|Oops|Kernel panic|UBSAN:|KASAN:|general protection fault|unreferenced object|INFO: task .* blocked|possible (circular|recursive) locking|Call Trace:'

show() {
	[ "$quiet" = 1 ] && return
	echo "--- $1 ($2) ---" >&2
	tail -n "${3:-40}" "$2" >&2 2>/dev/null
}

if ! grep -q "hvg: scenario $scenario start" "$console"; then
	show "console" "$console" 60
	[ "$qemu_status" = 124 ] && verdict FAIL "timed out after ${timeout}s before the scenario started"
	verdict FAIL "the guest never reached the scenario (qemu exit $qemu_status)"
fi

# A scenario that declares "# power: panic" crashes the kernel on purpose
# (hvg_panic): its splats are looked for only up to that point.
power=$(sed -n 's/^# power: *\([a-z]*\).*/\1/p' "$HVG_SRC/tests/vm/scenarios/$scenario.sh" | head -1)
splat_end='$'
[ "$power" = panic ] && splat_end='/hvg: crashing the kernel on purpose/'
# Splats from the scenario's start to the end of the log (including any
# reported after the scenario, e.g. by the kmemleak scan).
splats=$(sed -n "/hvg: scenario $scenario start/,${splat_end}p" "$console" | grep -E "$splat_re" | head -5)
if [ -s "$art/kmemleak" ]; then
	splats="$splats${splats:+
}kmemleak: $(grep -c '^unreferenced object' "$art/kmemleak") unreferenced object(s), see $art/kmemleak"
fi
if [ -n "$splats" ]; then
	show "scenario output" "$art/output.log"
	sed -n "/hvg: scenario $scenario start/,\$p" "$console" | grep -E -A25 -m1 "$splat_re" >&2
	verdict FAIL "kernel reported: $(echo "$splats" | head -1 | sed 's/^\[[ 0-9.]*\] //')"
fi

if [ "$qemu_status" = 124 ]; then
	show "scenario output" "$art/output.log"
	verdict FAIL "timed out after ${timeout}s"
fi
# A scenario that declares "# power: off" or "# power: reboot" ends by the
# host's request: it writes its result first (hvg_pass_before_power), and
# passes only if the kernel then powered off or restarted the VM that way
# before the scenario reached its end. "# power: panic" ends in a kernel
# panic the scenario caused (hvg_panic).
if [ -n "$power" ]; then
	case "$power" in
	off) want='reboot: Power down' ;;
	reboot) want='reboot: Restarting system' ;;
	panic) want='Kernel panic - not syncing' ;;
	*) verdict FAIL "unknown '# power: $power' declaration" ;;
	esac
	if grep -q "hvg: scenario $scenario end" "$console"; then
		show "scenario output" "$art/output.log"
		verdict FAIL "the scenario ended instead of the VM being stopped by the host's request (power: $power)"
	fi
	if ! grep -q "$want" "$console"; then
		show "console" "$console" 30
		verdict FAIL "the VM stopped without '$want' (power: $power)"
	fi
fi
# "# console: REGEX": the kernel must have printed a line matching it after
# the scenario started (after the crash, for "# power: panic").
from="hvg: scenario $scenario start"
[ "$power" = panic ] && from='hvg: crashing the kernel on purpose'
while IFS= read -r re; do
	if ! sed -n "/$from/,\$p" "$console" | grep -qE "$re"; then
		show "console" "$console" 30
		verdict FAIL "the console has no line matching '$re' after '$from'"
	fi
done < <(sed -n 's/^# console: *//p' "$HVG_SRC/tests/vm/scenarios/$scenario.sh")
result=$(cat "$art/result" 2>/dev/null)
if [ "$result" != success ]; then
	show "scenario output" "$art/output.log"
	verdict FAIL "${result:-the scenario wrote no result (exit status $(cat "$art/exit-status" 2>/dev/null || echo unknown))}"
fi
verdict PASS
