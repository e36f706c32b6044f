# Helpers for VM scenarios (sourced by guest-run.sh before the scenario).
#
# A scenario passes only by calling hvg_pass; exiting, failing a command
# or timing out without it is a failure.

read -r HVG_KVER </proc/sys/kernel/osrelease
HVG_MODDIR=$HVG_BUILD/$HVG_KVER/kernel

hvg_pass() {
	echo success >/hvg-results/result
	exit 0
}

# For scenarios declaring "# power: off|reboot": record success now; the
# host's request is about to stop the VM, and run.sh checks that it did.
# A scenario that goes on after this must hvg_fail.
hvg_pass_before_power() {
	echo success >/hvg-results/result
	sync
}

# hvg_host_power_request off|reboot: the host asks for a power-off or a
# reboot through hv_sim (after hvg_pass_before_power), the guest must
# answer OK and then stop within 120 s. Once the kernel powers off, its
# devices (the 9p root among them) shut down and exec may fail; so the
# wait is a child started before the request, and only shell builtins run
# after it (a failed exec would end the scenario and count as a failure).
hvg_host_power_request() {
	local kind=$1 reply pid
	case "$kind" in
	off) kind=poweroff ;;
	reboot) ;;
	*) hvg_fail "hvg_host_power_request: unknown kind '$kind'" ;;
	esac
	hvg_pass_before_power
	sleep 120 &
	pid=$!
	echo "$kind" >/sys/kernel/debug/hv_sim/ic/shutdown/request ||
		hvg_fail "the host's $kind request failed"
	read -r reply </sys/kernel/debug/hv_sim/ic/shutdown/reply
	echo "guest answered: $reply"
	[ "$reply" = status=0x00000000 ] || hvg_fail "the guest refused the $kind: $reply"
	wait "$pid"
	hvg_fail "still running 120 s after the host asked for a $kind"
}

# hvg_panic: crash the kernel (sysrq c) in a scenario declaring
# "# power: panic"; run.sh then checks the console for the panic, and for
# splats only up to this point. What the panic path must print is named
# by the scenario's "# console: REGEX" lines, looked for after it.
hvg_panic() {
	hvg_pass_before_power
	echo "hvg: crashing the kernel on purpose" >/dev/kmsg
	sleep 120 &
	echo c >/proc/sysrq-trigger
	wait
	hvg_fail "still running after sysrq c"
}

# hvg_stand_in_power_commands [WHO]: /sbin/poweroff and /sbin/reboot are
# systemctl, and systemd is not running in the test VM: stand in for the
# init system with busybox (immediate) in this root, and note in the kernel
# log that WHO (default: the scenario) ran them. guest-run.sh does the same
# in its root for the kernel's orderly_poweroff()/orderly_reboot(), which
# run there.
#
# A reboot with a kernel loaded for kexec (kexec -l) starts that kernel
# instead (kexec -e), as a system set up for kexec reboots does
# (kexec-tools' LOAD_KEXEC, systemctl kexec): vmbus-kexec.
hvg_stand_in_power_commands() {
	local c who=${1:-the scenario} kexec=
	for c in poweroff reboot; do
		rm -f /sbin/$c
		[ $c = reboot ] && kexec='if [ "$(cat /sys/kernel/kexec_loaded)" = 1 ]; then
	echo "hvg: /sbin/reboot: a kernel is loaded for kexec: kexec -e" >/dev/kmsg
	exec kexec -e
fi
'
		printf '#!/bin/sh\necho "hvg: /sbin/%s run by %s" >/dev/kmsg\n%sexec /bin/busybox %s -f\n' \
			$c "$who" "$kexec" $c >/sbin/$c
		chmod 755 /sbin/$c
	done
}

hvg_fail() {
	echo "FAIL: $*"
	echo "fail: $*" >/hvg-results/result
	exit 1
}

# hvg_check DESCRIPTION COMMAND...: run COMMAND, fail the scenario if it fails.
hvg_check() {
	local what=$1
	shift
	if "$@"; then
		echo "ok: $what"
	else
		hvg_fail "$what"
	fi
}

# hvg_insmod MODULE [PARAM=VALUE...]: load one of our freshly built modules.
hvg_insmod() {
	local mod=$1
	shift
	[ -f "$HVG_MODDIR/$mod.ko" ] || hvg_fail "$HVG_MODDIR/$mod.ko was not built"
	insmod "$HVG_MODDIR/$mod.ko" "$@" || hvg_fail "insmod $mod $*"
}

hvg_rmmod() {
	rmmod "$1" || hvg_fail "rmmod $1"
}

# hvg_wait_for SECONDS COMMAND...: poll COMMAND every 0.1 s until it
# succeeds (status 0) or SECONDS pass (status 1).
hvg_wait_for() {
	local n=$(($1 * 10))
	shift
	while [ $n -gt 0 ]; do
		"$@" && return 0
		sleep 0.1
		n=$((n - 1))
	done
	"$@"
}

# hvg_wait_echo [SECONDS]: wait (default 10 s) for an echo device bound
# to hv_echo_test and print its name; status 1 if none comes.
hvg_wait_echo() {
	local n=$((${1:-10} * 10)) d
	while :; do
		for d in /sys/bus/vmbus/drivers/hv_echo_test/*-*; do
			[ -e "$d" ] && { basename "$d"; return 0; }
		done
		[ $n -gt 0 ] || return 1
		n=$((n - 1))
		sleep 0.1
	done
}

# hvg_ic_negotiated SERVICE: hv_sim and the guest agreed on versions of
# an integration service (shutdown, timesync, heartbeat, kvp, vss, fcopy).
hvg_ic_negotiated() {
	[ "$(cat "/sys/kernel/debug/hv_sim/ic/$1/version")" != none ]
}

# hvg_dmesg: the kernel log since this scenario began (one boot runs
# several scenarios: what the earlier ones made the kernel say is not
# this one's).
hvg_dmesg() {
	dmesg | sed -n "/hvg: scenario $HVG_SCENARIO start\$/,\$p"
}

# hvg_dmesg_has PATTERN: the kernel log since the scenario began matches.
hvg_dmesg_has() {
	hvg_dmesg | grep -qE "$1"
}

# hvg_sim_controller TYPE: wait up to 10 s for a channel hv_sim offers
# of TYPE (scsi, ide, fc, ...) and print the lowest relid of that type
# (the first controller's primary channel); status 1 if none comes.
hvg_sim_controller() {
	local sim=/sys/kernel/debug/hv_sim
	hvg_wait_for 10 sh -c "grep -qx $1 $sim/channels/*/type" || return 1
	grep -lx "$1" $sim/channels/*/type |
		sed 's#.*/channels/\([0-9]*\)/type#\1#' | sort -n | head -1
}

# hvg_disks_ready N: exactly N SCSI disks (sd*) exist, each with its
# capacity read and a first sector that reads with O_DIRECT. A disk's
# sysfs directory appears before sd has finished with it; tests that
# look at sizes or open it must wait for this (hvg_wait_for 30 ...).
hvg_disks_ready() {
	local b n=0
	for b in /sys/block/sd*; do
		[ -e "$b" ] || continue
		[ "$(cat "$b/size" 2>/dev/null || echo 0)" -gt 0 ] || return 1
		dd if="/dev/${b##*/}" of=/dev/null bs=4096 count=1 iflag=direct \
			status=none 2>/dev/null || return 1
		n=$((n + 1))
	done
	[ "$n" = "$1" ]
}
