# kernels: 6.12
# timeout: 300
# /dev/ptp_hyperv, with udev running. Azure's chrony configuration
# ("refclock PHC /dev/ptp_hyperv") names hv_utils' PTP clock by a link
# that udev makes; tools/ptp/61-hyperv-guest-ptp.rules makes it where the
# distribution's udev does not. systemd-udevd (the host's, as installed)
# runs in this scenario's root with the distribution's rules, less the
# same line in systemd's 50-udev-default.rules (Debian 12's systemd has
# it; what the rule is for is a udev without it) and less module
# autoloading (80-drivers.rules: the kernel's own hv_utils must not be
# loaded for hv_sim's devices). Without our rule no link appears (the
# check can fail); with it installed by make, hv_utils' clock gets the
# link to its /dev/ptpN and reads through it; unloaded, the link goes.

udevd=
for f in /usr/lib/systemd/systemd-udevd /lib/systemd/systemd-udevd; do
	[ -x "$f" ] && { udevd=$f; break; }
done
[ -n "$udevd" ] || hvg_fail "systemd-udevd is not installed (udev)"
ic=/sys/kernel/debug/hv_sim/ic
rules=/usr/lib/udev/rules.d
rule=61-hyperv-guest-ptp.rules
[ ! -e $rules/$rule ] || hvg_fail "$rules/$rule is installed on the host: the check without it cannot run"

# A rule file in /etc/udev/rules.d replaces the one of the same name in
# /usr/lib/udev/rules.d (udev(7)); this root is the scenario's own.
default=$rules/50-udev-default.rules
[ -f $default ] || hvg_fail "$default is missing"
mkdir -p /etc/udev/rules.d
grep -v ptp_hyperv $default >/etc/udev/rules.d/50-udev-default.rules
ln -sf /dev/null /etc/udev/rules.d/80-drivers.rules
others=$(grep -ls ptp_hyperv /etc/udev/rules.d/* /run/udev/rules.d/* $rules/* /lib/udev/rules.d/* |
	grep -v "^$default\$\|^/lib/udev/rules.d/50-udev-default.rules\$")
[ -z "$others" ] || hvg_fail "other rules name ptp_hyperv: $others"

# udev makes /dev/char/MAJ:MIN links and leaves the directory behind.
had_dev_char=0
[ -e /dev/char ] && had_dev_char=1
# Its messages to its standard error, not the kernel log.
SYSTEMD_LOG_TARGET=console "$udevd" 2>/tmp/udevd.log &
udevd_pid=$!
hvg_wait_for 10 udevadm control --ping ||
	hvg_fail "systemd-udevd did not start: $(tail -n 3 /tmp/udevd.log)"

# hyperv_ptp: the ptpN whose clock is named "hyperv" (hv_utils' time sync).
hyperv_ptp() {
	local d
	for d in /sys/class/ptp/ptp*; do
		[ "$(cat "$d/clock_name" 2>/dev/null)" = hyperv ] && { basename "$d"; return 0; }
	done
	return 1
}
# processed DEV: udev has taken DEV's add event (its database has it).
processed() {
	udevadm info -q property -n "$1" 2>/dev/null | grep -q '^USEC_INITIALIZED='
}
no_link() { [ ! -e /dev/ptp_hyperv ] && [ ! -L /dev/ptp_hyperv ]; }

# --- without our rule ---
hvg_insmod hv_vmbus
hvg_insmod hv_sim devices=timesync
hvg_insmod hv_utils
ptp=$(hvg_wait_for 10 hyperv_ptp) || hvg_fail "no PTP clock named hyperv"
udevadm settle -t 60 || hvg_fail "udev did not settle"
hvg_check "udev took /dev/$ptp's event" processed "/dev/$ptp"
hvg_check "without our rule (nor systemd's line) there is no /dev/ptp_hyperv" no_link
hvg_rmmod hv_utils
udevadm settle -t 60 || hvg_fail "udev did not settle"

# --- installed ---
make -s -C "$HVG_SRC/tools/ptp" install || hvg_fail "make -C tools/ptp install"
hvg_check "make install put the rule in $rules" test -f $rules/$rule
udevadm control --reload || hvg_fail "udevadm control --reload"
hvg_insmod hv_utils
ptp=$(hvg_wait_for 10 hyperv_ptp) || hvg_fail "no PTP clock named hyperv after reloading hv_utils"
udevadm settle -t 60 || hvg_fail "udev did not settle"
hvg_check "udev took /dev/$ptp's event" processed "/dev/$ptp"
hvg_check "/dev/ptp_hyperv is a link" test -L /dev/ptp_hyperv
echo "/dev/ptp_hyperv -> $(readlink /dev/ptp_hyperv)"
hvg_check "to hv_utils' clock, /dev/$ptp" test "$(readlink -f /dev/ptp_hyperv)" = "/dev/$ptp"
hvg_check "time sync negotiated" hvg_wait_for 20 hvg_ic_negotiated timesync
echo sample >$ic/timesync/request || hvg_fail "the host's time sample got no answer"
# As chrony's PHC refclock does: open the device, read its dynamic clock
# (clockid ((~fd) << 3) | 3, include/linux/posix-timers.h).
hvg_check "the clock reads through /dev/ptp_hyperv" python3 -c 'import os, sys, time
fd = os.open("/dev/ptp_hyperv", os.O_RDONLY)
t = time.clock_gettime(((~fd) << 3) | 3)
print("PTP clock hyperv reads %s" % time.strftime("%F %T", time.gmtime(t)))
sys.exit(t < 1577836800)'

# --- unloaded ---
hvg_rmmod hv_utils
udevadm settle -t 60 || hvg_fail "udev did not settle"
hvg_check "with hv_utils unloaded the link is gone" no_link
hvg_rmmod hv_sim
hvg_rmmod hv_vmbus
udevadm settle -t 60 || hvg_fail "udev did not settle"
udevadm control --exit || hvg_fail "udevadm control --exit"
wait "$udevd_pid"
echo "systemd-udevd said:"
cat /tmp/udevd.log
[ $had_dev_char = 1 ] || rmdir /dev/char 2>/dev/null
make -s -C "$HVG_SRC/tools/ptp" uninstall || hvg_fail "make -C tools/ptp uninstall"
hvg_check "make uninstall removed the rule" test ! -e $rules/$rule
hvg_pass
