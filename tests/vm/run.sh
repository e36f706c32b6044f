#!/bin/bash
# Boot a kernel under QEMU (TCG) with our freshly built modules and run
# scenarios from tests/vm/scenarios/ in it, as few boots as possible.
#
#   tests/vm/run.sh [-k KERNEL] [-t SECONDS] [-T TIER] [-1] [-q] SCENARIO...
#
# KERNEL is 6.1, 6.12 or debug (default 6.1); TIER is gate (default) or
# long and picks the scenarios' loop counts ("# loops:"). One boot runs the
# scenarios in the order given (those declaring "# power:" last, one per
# boot, since they stop the VM); a scenario that fails, leaves state behind
# or makes the kernel complain ends its boot and the rest get a fresh one.
# -1 boots once per scenario (as before batching; for comparisons).
#
# Prints one verdict line per scenario, "PASS <scenario> on <kernel>" or
# "FAIL <scenario> on <kernel>: <why>", and exits 0 only if all passed. A
# scenario passes only if it wrote "success" itself, left the guest as it
# found it, and the guest kernel's log from its start to the next
# scenario's (or to power-off) holds no oops, BUG, WARNING, KASAN, UBSAN,
# lockdep or kmemleak report of its own.
# Each boot has a blank 256 MiB QEMU disk (virtio-blk, /dev/vda once
# virtio_blk is loaded) for scenarios that put one behind hv_sim's storage
# host (a "file" disk).
# Artifacts per scenario (output, result, its slice of the console, dmesg,
# kmemleak) are kept in $BUILDDIR/vm/<kernel>/<scenario>/; each boot's
# console and timings in $BUILDDIR/vm/<kernel>/.boot-N.*, and one line
# per boot and per scenario is appended to $BUILDDIR/logs/vm-times.tsv.
set -uo pipefail

HVG_SRC=$(cd "$(dirname "$0")/../.." && pwd)
BUILDDIR=${BUILDDIR:-$HVG_SRC/build}
export HVG_SRC BUILDDIR
# shellcheck source=tests/vm/kernels.sh
. "$HVG_SRC/tests/vm/kernels.sh"
mkdir -p "$BUILDDIR/logs"

kernel=6.1
timeout=
tier=gate
single=0
quiet=0
usage() {
	echo "usage: $0 [-k KERNEL] [-t SECONDS] [-T gate|long] [-1] [-q] SCENARIO..." >&2
	exit 2
}
while getopts "k:t:T:1q" opt; do
	case "$opt" in
	k) kernel=$OPTARG ;;
	t) timeout=$OPTARG ;;
	T) tier=$OPTARG ;;
	1) single=1 ;;
	q) quiet=1 ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))
[ $# -gt 0 ] || usage
case "$tier" in gate | long) ;; *) usage ;; esac

verdict() {	# verdict PASS|FAIL SCENARIO [WHY]
	echo "$1 $2 on $kernel${3:+: $3}"
}
fail_all() {	# fail_all WHY SCENARIO...
	local why=$1 sc
	shift
	for sc in "$@"; do verdict FAIL "$sc" "$why"; done
	exit 1
}

scenarios=()
for sc in "$@"; do
	if [ -f "$HVG_SRC/tests/vm/scenarios/$sc.sh" ]; then
		scenarios+=("$sc")
	else
		verdict FAIL "$sc" "no such scenario (tests/vm/scenarios/$sc.sh)"
		bad=1
	fi
done
[ ${#scenarios[@]} -gt 0 ] || exit 1
hvg_kernel "$kernel" 2>"$BUILDDIR/.kernel-err" ||
	fail_all "$(cat "$BUILDDIR/.kernel-err")" "${scenarios[@]}"

header() {	# header SCENARIO KEY: the value of its "# KEY:" line
	sed -n "s/^# $2: *//p" "$HVG_SRC/tests/vm/scenarios/$1.sh" | head -1
}
# The scenario's own timeout ("# timeout: 600", default 300; twice that
# on the debug kernel) unless -t gives one; a long-tier run may declare a
# longer one ("# timeout-long:").
scenario_timeout() {
	local t
	if [ -n "$timeout" ]; then echo "$timeout"; return; fi
	[ "$tier" = long ] && t=$(header "$1" timeout-long | sed 's/[^0-9].*//')
	[ -n "${t:-}" ] || t=$(header "$1" timeout | sed 's/[^0-9].*//')
	t=${t:-300}
	[ "$KDEBUG" = 1 ] && t=$((t * 2))
	echo "$t"
}

# Build our modules for this kernel (incremental; quiet unless it fails).
mkdir -p "$BUILDDIR/vm"
if ! make -s -C "$HVG_SRC/kernel" KDIR="$KDIR" OUT="$BUILDDIR/$KREL/kernel" \
	>"$BUILDDIR/vm/modules-$KREL.log" 2>&1; then
	cat "$BUILDDIR/vm/modules-$KREL.log" >&2
	fail_all "module build for $KREL failed" "${scenarios[@]}"
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

kdir=$BUILDDIR/vm/$kernel
mkdir -p "$kdir"
mem=1024
# KASAN needs more; kmemleak scans take time in proportion to RAM: keep
# the debug VM no bigger than that.
[ "$KDEBUG" = 1 ] && mem=1536
splat_re=$(cat "$HVG_SRC/tests/vm/splat-regex")
times=$BUILDDIR/logs/vm-times.tsv
boot_n=$(ls "$kdir"/.boot-*.console 2>/dev/null | sed 's/.*\.boot-\([0-9]*\)\.console/\1/' | sort -n | tail -1)
boot_n=${boot_n:-0}

show() {
	[ "$quiet" = 1 ] && return
	echo "--- $1 ($2) ---" >&2
	tail -n "${3:-40}" "$2" >&2 2>/dev/null
}

# judge SCENARIO QEMU-STATUS: the verdict of one scenario that started
# in this boot, from its artifacts; its console slice runs from its start
# marker to the next scenario's (or to the end of the boot).
judge() {
	local sc=$1 art=$kdir/$1 power from re splat_end splats result
	local console=$art/console.log
	power=$(header "$sc" power | sed 's/[^a-z].*//')
	# A scenario that declares "# power: panic" or "# power: kdump"
	# crashes the kernel on purpose (hvg_panic): its splats are looked for
	# only up to that point.
	splat_end='$'
	case "$power" in panic | kdump) splat_end='/hvg: crashing the kernel on purpose/' ;; esac
	splats=$(sed -n "1,${splat_end}p" "$console" | grep -E "$splat_re" | head -5)
	if [ -s "$art/kmemleak" ]; then
		splats="$splats${splats:+
}kmemleak: $(grep -c '^unreferenced object' "$art/kmemleak") unreferenced object(s), see $art/kmemleak"
	fi
	if [ -n "$splats" ]; then
		show "scenario output" "$art/output.log"
		grep -E -A25 -m1 "$splat_re" "$console" >&2
		verdict FAIL "$sc" "kernel reported: $(echo "$splats" | head -1 | sed 's/^\[[ 0-9.]*\] //')"
		return 1
	fi
	if ! grep -q "hvg: scenario $sc end" "$console" && [ -z "$power" ]; then
		show "scenario output" "$art/output.log"
		[ "$2" = 124 ] && { verdict FAIL "$sc" "timed out (the VM's timeout)"; return 1; }
		verdict FAIL "$sc" "the VM stopped before the scenario ended (qemu exit $2)"
		return 1
	fi
	# A scenario that declares "# power: off" or "# power: reboot" ends by
	# the host's request: it writes its result first
	# (hvg_pass_before_power), and passes only if the kernel then powered
	# off or restarted the VM that way before the scenario reached its
	# end. "# power: panic" ends in a kernel panic the scenario caused.
	if [ -n "$power" ]; then
		local want
		case "$power" in
		off) want='reboot: Power down' ;;
		reboot) want='reboot: Restarting system' ;;
		kexec | kdump) want="hvg: the kexec'd kernel reached its init" ;;
		panic) want='Kernel panic - not syncing' ;;
		*) verdict FAIL "$sc" "unknown '# power: $power' declaration"; return 1 ;;
		esac
		if grep -q "hvg: scenario $sc end" "$console"; then
			show "scenario output" "$art/output.log"
			verdict FAIL "$sc" "the scenario ended instead of the VM being stopped by the host's request (power: $power)"
			return 1
		fi
		if ! grep -q "$want" "$console"; then
			show "console" "$console" 30
			verdict FAIL "$sc" "the VM stopped without '$want' (power: $power)"
			return 1
		fi
	fi
	# "# console: REGEX" lines: the kernel must have printed a line
	# matching each, in the order they are declared, after the scenario
	# started (after the crash, for "# power: panic" and "kdump").
	local after n=0 at
	after=$(grep -n -m1 -F "hvg: scenario $sc start" "$console" | cut -d: -f1)
	case "$power" in
	panic | kdump)
		after=$(grep -n -m1 -F 'hvg: crashing the kernel on purpose' "$console" | cut -d: -f1) ;;
	esac
	from="the scenario's start"
	while IFS= read -r re; do
		n=$((n + 1))
		at=$(tail -n +"$((${after:-0} + 1))" "$console" | grep -n -m1 -E "$re" | cut -d: -f1)
		if [ -z "$after" ] || [ -z "$at" ]; then
			show "console" "$console" 30
			verdict FAIL "$sc" "the console has no line matching '$re' after $from"
			return 1
		fi
		after=$((after + at))
		from="console line $after (# console: line $n)"
	done < <(sed -n 's/^# console: *//p' "$HVG_SRC/tests/vm/scenarios/$sc.sh")
	result=$(cat "$art/result" 2>/dev/null)
	if [ "$result" != success ]; then
		show "scenario output" "$art/output.log"
		verdict FAIL "$sc" "${result:-the scenario wrote no result (exit status $(cat "$art/exit-status" 2>/dev/null || echo unknown))}"
		return 1
	fi
	verdict PASS "$sc"
}

# Order: as given, but a scenario that stops the VM goes last in its boot.
# A boot's plan is everything up to and including the first of those. A
# scenario that needs kernel arguments of its own ("# boot: ARGS", e.g.
# crashkernel= for kdump) or another vCPU count ("# smp: 4"; default 2)
# gets a boot of its own, after the others.
own_boot() {	# own_boot SCENARIO: true if it needs a boot of its own
	[ -n "$(header "$1" boot)$(header "$1" smp)" ]
}
ordered=()
for sc in "${scenarios[@]}"; do
	[ -z "$(header "$sc" power)" ] && ! own_boot "$sc" && ordered+=("$sc")
done
for sc in "${scenarios[@]}"; do
	[ -n "$(header "$sc" power)" ] && ! own_boot "$sc" && ordered+=("$sc")
done
for sc in "${scenarios[@]}"; do own_boot "$sc" && ordered+=("$sc"); done

status=${bad:-0}
boot_retried=0
remaining=("${ordered[@]}")
while [ ${#remaining[@]} -gt 0 ]; do
	plan=()
	for sc in "${remaining[@]}"; do
		if own_boot "$sc"; then
			[ ${#plan[@]} = 0 ] && plan+=("$sc")
			break
		fi
		plan+=("$sc")
		[ "$single" = 1 ] && break
		[ -n "$(header "$sc" power)" ] && break
	done
	boot_args=$(header "${plan[0]}" boot)
	smp=$(header "${plan[0]}" smp | sed 's/[^0-9].*//')
	boot_n=$((boot_n + 1))
	console=$kdir/.boot-$boot_n.console
	{
		echo "tier $tier"
		for sc in "${plan[@]}"; do
			echo "$sc $(scenario_timeout "$sc")"
			rm -rf "${kdir:?}/$sc"
		done
	} >"$kdir/.plan"
	# The VM's own timeout, in case the guest cannot end a scenario (a
	# hung kernel): every scenario's timeout plus boot and power-off.
	budget=0
	while read -r w t; do
		[ "$w" = tier ] && continue
		budget=$((budget + t + 30))
	done <"$kdir/.plan"
	budget=$((budget + $([ "$KDEBUG" = 1 ] && echo 300 || echo 120)))
	[ "$quiet" = 1 ] || echo "booting $KREL (boot $boot_n) for: ${plan[*]} (timeout ${budget}s)" >&2
	rm -f "$kdir/.disk.img"
	truncate -s 256M "$kdir/.disk.img"
	start=$(date +%s.%N)
	timeout --foreground "$budget" qemu-system-x86_64 \
		-machine q35 -accel tcg -cpu max -smp "${smp:-2}" -m "$mem" \
		-nodefaults -display none -monitor none -no-reboot \
		-serial "file:$console" \
		-kernel "$KIMAGE" -initrd "$initrd" \
		-append "console=ttyS0 panic=-1 oops=panic hvg.src=$HVG_SRC hvg.build=$BUILDDIR hvg.kernel=$kernel hvg.kimage=$KIMAGE hvg.initrd=$initrd hvg.debug_modules=$( [ "$KDEBUG" = 1 ] && dirname "$(dirname "$(dirname "$KMODS")")")${boot_args:+ $boot_args}" \
		-virtfs "local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap" \
		-virtfs "local,path=$kdir,mount_tag=results,security_model=none" \
		-drive "file=$kdir/.disk.img,if=virtio,format=raw,discard=unmap" \
		</dev/null >"$kdir/.boot-$boot_n.qemu.log" 2>&1
	qemu_status=$?
	sed -i 's/\r$//' "$console"
	wall=$(echo "$(date +%s.%N) $start" | awk '{ printf "%.1f", $1 - $2 }')

	first_start=$(grep -m1 -E '\] hvg: scenario .* start$' "$console" |
		sed 's/^\[ *\([0-9.]*\)\].*/\1/')
	if [ -z "$first_start" ]; then
		show "console" "$console" 60
		why="the guest never reached the scenario (qemu exit $qemu_status)"
		[ "$qemu_status" = 124 ] && why="timed out after ${budget}s before the first scenario started"
		printf '%s\t%s\tboot\t%s\t%s\t%s\n' "$kernel" "$boot_n" "-" "$wall" "FAIL" >>"$times"
		# A guest that died before its first scenario ran none of
		# them, and nothing of ours was loaded yet (seen once in the
		# gate: an int3 oops in the stock 6.12 kernel's own boot under
		# TCG, while patching a static key). The same plan gets one
		# more boot, once per run; a second such boot fails them all.
		if [ "$boot_retried" = 0 ]; then
			boot_retried=1
			echo "boot $boot_n died before its first scenario ($why): booting once more, once in this run" >&2
			continue
		fi
		for sc in "${remaining[@]}"; do verdict FAIL "$sc" "$why"; done
		exit 1
	fi
	# Boot: guest uptime at the first scenario's start. Guest time runs
	# close to wall time under TCG; the rest of the wall time (QEMU start,
	# power-off, kmemleak scan) is reported as the boot's overhead.
	scen_total=0
	next=()
	started=0
	for i in "${!plan[@]}"; do
		sc=${plan[$i]}
		art=$kdir/$sc
		if ! grep -q "hvg: scenario $sc start\$" "$console"; then
			# Not reached in this boot: the next boot runs it.
			next=("${plan[@]:$i}")
			break
		fi
		started=$((started + 1))
		mkdir -p "$art"
		# Its console slice: from its start marker to the next start marker.
		awk -v me="hvg: scenario $sc start" '
			index($0, me) && substr($0, length($0) - length(me) + 1) == me { on = 1 }
			on && /\] hvg: scenario .* start$/ && !index($0, me) { exit }
			on { print }' "$console" >"$art/console.log"
		echo "$kdir/.boot-$boot_n.console" >"$art/boot"
		secs=$(awk '{ printf "%.1f", $2 - $1 }' "$art/times" 2>/dev/null)
		if [ -z "$secs" ]; then
			# It did not end (power-off, panic, kexec or a hang): up to
			# the console's last line. A kernel started by kexec counts
			# from 0 again: its time is added to the old one's.
			secs=$(sed -n 's/^\[ *\([0-9.]*\)\].*/\1/p' "$art/console.log" | awk '
				NR == 1 { from = $1 }
				$1 < prev { offset += prev }
				{ prev = $1 }
				END { printf "%.1f", NR ? prev + offset - from : 0 }')
		fi
		echo "$secs" >"$art/seconds"
		scen_total=$(echo "$scen_total $secs" | awk '{ printf "%.1f", $1 + $2 }')
		if v=$(judge "$sc" "$qemu_status"); then
			res=PASS
		else
			res=FAIL
			status=1
		fi
		echo "$v"
		printf '%s\t%s\tscenario\t%s\t%s\t%s\n' "$kernel" "$boot_n" "$sc" "$secs" "$res" >>"$times"
	done
	cp "$kdir/.dmesg" "$kdir/.boot-$boot_n.dmesg" 2>/dev/null
	printf '%s\t%s\tboot\t%s\t%s\t%s\n' "$kernel" "$boot_n" "-" "$first_start" "ok" >>"$times"
	printf '%s\t%s\toverhead\t%s\t%s\t%s\n' "$kernel" "$boot_n" "-" \
		"$(echo "$wall $first_start $scen_total" | awk '{ v = $1 - $2 - $3; printf "%.1f", v < 0 ? 0 : v }')" "ok" >>"$times"
	if [ "$started" = 0 ]; then
		for sc in "${plan[@]}"; do verdict FAIL "$sc" "not started in boot $boot_n"; done
		exit 1
	fi
	remaining=("${next[@]}" "${remaining[@]:${#plan[@]}}")
done
exit "$status"
