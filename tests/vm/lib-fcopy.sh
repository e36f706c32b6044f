# fcopy helpers and checks shared by the scenarios utils-fcopy-stock
# (Debian's hv_fcopy_daemon), daemon-fcopy (ours) and daemon-fcopy-diff
# (both). Sourced after tests/vm/lib.sh.
#
#   fcopy_setup          load the modules, offer fcopy, start a syslogd
#   fcopy_start KIND     start the stock or our daemon (stock|ours)
#   fcopy_checks KIND    the behaviour every daemon must show
#   fcopy_teardown       stop everything, check violations, unload

sim=/sys/kernel/debug/hv_sim
fc=$sim/ic/fcopy
dst=/tmp/hvg-fcopy
HV_E_FAIL=0x80004005
HV_ERROR_ALREADY_EXISTS=0x80070050
OVER_WRITE=1
CREATE_PATH=2
FCOPY_CLASS=34d14be3-dee4-41c8-9ae7-6b174977c192

# "At once" is seconds; the debug kernel under TCG is several times slower.
quick=5 late=45
[ "${HVG_KERNEL:-}" = debug ] && quick=15 late=75

fcopy_bin() {
	case "$1" in
	stock) echo /usr/sbin/hv_fcopy_daemon ;;
	ours) echo "$HVG_BUILD/daemons/bin/hv_fcopy_daemon" ;;
	esac
}

fcopy_log() {
	case "$1" in
	stock) echo /tmp/syslog ;;
	ours) echo /tmp/fcopy-ours.log ;;
	esac
}

# The mode of a copied file: tools/hv/hv_fcopy_daemon.c creates 0744;
# ours 0644 (daemons/fcopy/fcopy_daemon.h); both under umask 022.
fcopy_mode() {
	case "$1" in
	stock) echo 744 ;;
	ours) echo 644 ;;
	esac
}

# copy [copy|copy_cancel] PATH NAME FLAGS: one host request; prints the
# reply line (the last step). Fails the scenario if the write fails.
copy() {
	echo "$*" >"$fc/request" || hvg_fail "host request '$*' got no answer"
	cat "$fc/reply"
}

# expect "REQUEST" "REPLY": the request ends with exactly that reply line.
expect() {
	local r
	# shellcheck disable=SC2086 # the request is words
	r=$(copy $1)
	echo "$1 -> $r"
	[ "$r" = "$2" ] || hvg_fail "$1: expected '$2', got '$r'"
}

# host_data FILE: what the host will send.
host_data() {
	cat "$1" >"$fc/data" || hvg_fail "cannot load $1 into $fc/data"
	# Through a pipe: cmp takes a debugfs file's size, 0, at its word.
	# shellcheck disable=SC2002
	cat "$fc/data" | cmp -s "$1" - || hvg_fail "$fc/data does not read back as $1"
}

fcopy_registrations() {
	hvg_dmesg | grep -c 'fcopy: daemon registered'
}

# For hvg_wait_for, which must re-read them each time:
# registered_since N: more than N daemon registrations so far.
registered_since() {
	[ "$(fcopy_registrations)" -gt "$1" ]
}

# version_is TEXT: the host's view of the negotiated versions.
version_is() {
	[ "$(cat $fc/version)" = "$1" ]
}

# finishes PID SECONDS: PID exits within SECONDS.
finishes() {
	local end=$((SECONDS + $2))
	while [ "$SECONDS" -lt "$end" ]; do
		kill -0 "$1" 2>/dev/null || return 0
		sleep 0.1
	done
	! kill -0 "$1" 2>/dev/null
}

fcopy_setup() {
	[ -x "$(fcopy_bin stock)" ] || hvg_fail "$(fcopy_bin stock) is not installed (hyperv-daemons)"
	[ -x "$(fcopy_bin ours)" ] || hvg_fail "$(fcopy_bin ours) was not built (make daemons)"
	modprobe -q ptp 2>/dev/null
	hvg_insmod hv_vmbus
	hvg_insmod hv_utils
	hvg_insmod hv_sim devices=fcopy
	hvg_wait_for 10 test -c /dev/vmbus/hv_fcopy
	hvg_check "/dev/vmbus/hv_fcopy exists" test -c /dev/vmbus/hv_fcopy
	busybox syslogd -n -O /tmp/syslog &
	syslogd_pid=$!
	sleep 0.5
	mkdir -p $dst
	head -c 20000 /dev/urandom >/tmp/src1
	head -c 7000 /dev/urandom >/tmp/src2
	head -c $((1024 * 1024 + 123)) /dev/urandom >/tmp/src3
	: >/tmp/empty
}

# fcopy_start KIND [DIR]: start a daemon (working directory DIR, default
# /tmp) and wait for its registration.
daemon_pid=
fcopy_start() {
	local before bin
	before=$(fcopy_registrations)
	bin=$(fcopy_bin "$1")
	(cd "${2:-/tmp}" && umask 022 && exec "$bin" -n 2>>"$(fcopy_log "$1")") &
	daemon_pid=$!
	hvg_wait_for 10 registered_since "$before" ||
		hvg_fail "the $1 daemon did not register"
	# A daemon that did not like the kernel's handshake answer would
	# reopen the device and register again.
	sleep 1
	hvg_check "the $1 daemon registered once" \
		test "$(fcopy_registrations)" = $((before + 1))
}

fcopy_stop() {
	[ -n "$daemon_pid" ] || return 0
	kill -CONT "$daemon_pid" 2>/dev/null
	kill "$daemon_pid" 2>/dev/null
	wait "$daemon_pid" 2>/dev/null
	daemon_pid=
}

fcopy_teardown() {
	fcopy_stop
	kill "$syslogd_pid" 2>/dev/null
	wait "$syslogd_pid" 2>/dev/null
	# Its socket is in the devtmpfs every scenario shares.
	rm -f /dev/log
	echo "--- syslog ---"
	cat /tmp/syslog
	echo "--- our daemon's log ---"
	cat "$(fcopy_log ours)" 2>/dev/null
	hvg_check "no protocol violations" test "$(cat $sim/violations)" = 0
	hvg_rmmod hv_utils
	hvg_rmmod hv_sim
	hvg_rmmod hv_vmbus
}

# The device goes away (rescind) with a request waiting for the daemon,
# which is left stopped: the request fails, and the guest removes the
# device under the open file.
fcopy_rescind_with_pending() {
	local d relid pending
	d=$(dirname "$(grep -l "{$FCOPY_CLASS}" /sys/bus/vmbus/devices/*/class_id)")
	relid=$(cat "$d/id")
	kill -STOP "$daemon_pid"
	(echo "copy $dst gone.bin 0" >"$fc/request") 2>/tmp/rescind-err &
	pending=$!
	sleep 1
	echo "$relid" >$sim/rescind || hvg_fail "rescind $relid"
	hvg_check "the pending request ends with the rescind" finishes $pending 25
	wait $pending && hvg_fail "the request succeeded on a rescinded channel"
	echo "the host's request: $(cat /tmp/rescind-err)"
	hvg_wait_for 10 test ! -e /dev/vmbus/hv_fcopy
	hvg_check "/dev/vmbus/hv_fcopy is gone" test ! -e /dev/vmbus/hv_fcopy
	hvg_check "the host forgot the channel" test "$(cat "$fc/version")" = none
}

# The behaviour any daemon must show over our hv_utils. The daemon is not
# running on entry and is left running.
fcopy_checks() {
	local kind=$1 mode t0 t regs pending name long
	mode=$(fcopy_mode "$kind")

	# The guest holds the host's negotiation until a daemon registers.
	sleep 3
	hvg_check "negotiation is held while there is no daemon" \
		test "$(cat $fc/version)" = none
	fcopy_start "$kind"
	hvg_wait_for 10 version_is "fw 3.0 srv 1.1"
	hvg_check "the daemon's registration releases it: framework 3.0, service 1.1" \
		test "$(cat $fc/version)" = "fw 3.0 srv 1.1"
	if [ "$kind" = stock ]; then
		hvg_wait_for 5 grep -q "kernel module version: 1$" /tmp/syslog
		hvg_check "the daemon read the kernel's u32 (1) in the handshake" \
			grep -q "kernel module version: 1$" /tmp/syslog
	fi

	# --- a binary file, 3 fragments and a tail ---
	host_data /tmp/src1
	expect "copy $dst file.bin 0" "step=complete status=0x00000000"
	hvg_check "the copy has the same bytes" cmp /tmp/src1 $dst/file.bin
	hvg_check "the copy has the $kind daemon's mode $mode" \
		test "$(stat -c %a $dst/file.bin)" = "$mode"

	# --- an existing file: refused without OVER_WRITE, replaced with it ---
	host_data /tmp/src2
	expect "copy $dst file.bin 0" "step=start status=$HV_ERROR_ALREADY_EXISTS"
	hvg_check "the existing file is intact" cmp /tmp/src1 $dst/file.bin
	expect "copy $dst file.bin $OVER_WRITE" "step=complete status=0x00000000"
	hvg_check "OVER_WRITE replaced (and truncated) it" cmp /tmp/src2 $dst/file.bin

	# --- missing directories: refused without CREATE_PATH, made with it ---
	expect "copy $dst/new/a/b/ f.bin 0" "step=start status=$HV_E_FAIL"
	hvg_check "no directory was made without CREATE_PATH" test ! -e $dst/new
	expect "copy $dst/new/a/b/ f.bin $CREATE_PATH" "step=complete status=0x00000000"
	hvg_check "CREATE_PATH made the path and the file" cmp /tmp/src2 $dst/new/a/b/f.bin
	hvg_check "directories are 0755" test "$(stat -c %a $dst/new/a)" = 755

	# --- a cancelled copy leaves no file ---
	host_data /tmp/src1
	expect "copy_cancel $dst cancelled.bin 0" "step=cancel status=0x00000000"
	hvg_check "the cancelled copy left nothing" \
		sh -c "! ls -A $dst | grep -q cancelled"

	# --- an empty file, a UTF-8 name, a 1 MiB file ---
	host_data /tmp/empty
	expect "copy $dst empty 0" "step=complete status=0x00000000"
	hvg_check "an empty file arrives empty" test -f $dst/empty -a ! -s $dst/empty
	name='fichier-é€𝄞.bin'
	host_data /tmp/src2
	expect "copy $dst $name 0" "step=complete status=0x00000000"
	hvg_check "a non-ASCII name survives UTF-16 and back" cmp /tmp/src2 "$dst/$name"
	long=$(printf 'é%.0s' $(seq 200))
	expect "copy $dst $long 0" "step=start status=$HV_E_FAIL"
	hvg_check "a name too long for the daemon as UTF-8 is refused" \
		hvg_dmesg_has 'fcopy: a name is too long as UTF-8'
	host_data /tmp/src3
	expect "copy $dst big.bin 0" "step=complete status=0x00000000"
	hvg_check "1 MiB + 123 bytes arrive intact" cmp /tmp/src3 $dst/big.bin

	hvg_check "a second open of /dev/vmbus/hv_fcopy gets EBUSY" python3 -c '
import errno, os, sys
try:
    os.open("/dev/vmbus/hv_fcopy", os.O_RDWR)
except OSError as e:
    sys.exit(0 if e.errno == errno.EBUSY else 1)
sys.exit(1)'

	# --- the daemon does not answer: the guest's 30 s timeout ---
	host_data /tmp/src1
	kill -STOP "$daemon_pid"
	t0=$SECONDS
	expect "copy $dst late.bin 0" "step=start status=$HV_E_FAIL"
	t=$((SECONDS - t0))
	echo "copy with a stopped daemon failed after ${t}s"
	hvg_check "the timeout is the guest's 30 s" test "$t" -ge 28 -a "$t" -le $late
	hvg_dmesg_has 'fcopy: the daemon did not answer in time' ||
		hvg_fail "the timeout is not logged"
	regs=$(fcopy_registrations)
	kill -CONT "$daemon_pid"
	# The request it never read was taken back: resumed, it does not
	# start the abandoned copy and carries on (before, it read the stale
	# request, its late answer was refused, and it started over).
	sleep 3
	hvg_check "the resumed daemon did not start over" \
		test "$(fcopy_registrations)" = "$regs"
	hvg_check "the timed-out copy left nothing" sh -c "! ls -A $dst | grep -q late"
	expect "copy $dst after.bin 0" "step=complete status=0x00000000"
	hvg_check "copies work again" cmp /tmp/src1 $dst/after.bin

	# --- the daemon dies with a request pending ---
	kill -STOP "$daemon_pid"
	(copy copy $dst dead.bin 0 >/tmp/fc-pending) &
	pending=$!
	sleep 1
	t0=$SECONDS
	kill -KILL "$daemon_pid"
	wait "$daemon_pid" 2>/dev/null
	daemon_pid=
	hvg_check "the pending request is answered when the daemon dies" finishes $pending 25
	echo "pending copy -> $(cat /tmp/fc-pending)"
	hvg_check "it failed at the start" \
		test "$(cat /tmp/fc-pending)" = "step=start status=$HV_E_FAIL"
	hvg_check "it failed on the close, not on the 30 s timeout" \
		test $((SECONDS - t0)) -lt 25
	hvg_dmesg_has 'fcopy: the daemon closed the device with a request pending' ||
		hvg_fail "the close is not logged"

	# --- no daemon, then a new one ---
	t0=$SECONDS
	expect "copy $dst none.bin 0" "step=start status=$HV_E_FAIL"
	hvg_check "a copy without a daemon fails at once" test $((SECONDS - t0)) -le $quick
	hvg_check "and writes nothing" sh -c "! ls -A $dst | grep -q none"
	fcopy_start "$kind"
	expect "copy $dst again.bin 0" "step=complete status=0x00000000"
	hvg_check "a new daemon copies" cmp /tmp/src1 $dst/again.bin

	# --- the device goes away with a request pending, then comes back ---
	regs=$(fcopy_registrations)
	fcopy_rescind_with_pending
	kill -CONT "$daemon_pid"
	if [ "$kind" = stock ]; then
		# tools/hv/hv_fcopy_daemon.c exits when it cannot reopen the device.
		hvg_check "the stock daemon exits when its device is gone" \
			finishes "$daemon_pid" 25
		wait "$daemon_pid" 2>/dev/null
		daemon_pid=
		echo fcopy >$sim/offer || hvg_fail "offer fcopy again"
		hvg_wait_for 10 test -c /dev/vmbus/hv_fcopy
		sleep 3
		hvg_check "the new device holds negotiation for a daemon again" \
			test "$(cat $fc/version)" = none
		fcopy_start stock
	else
		# Ours retries the device for 10 s and attaches to the new one.
		sleep 2
		hvg_check "our daemon waits for its device" kill -0 "$daemon_pid"
		echo fcopy >$sim/offer || hvg_fail "offer fcopy again"
		hvg_wait_for 25 registered_since "$regs"
		hvg_check "our daemon attached to the new device by itself" \
			test "$(fcopy_registrations)" -gt "$regs"
	fi
	hvg_wait_for 10 version_is "fw 3.0 srv 1.1"
	hvg_check "the new device negotiated" test "$(cat $fc/version)" = "fw 3.0 srv 1.1"
	expect "copy $dst back.bin 0" "step=complete status=0x00000000"
	hvg_check "copies work on the new device" cmp /tmp/src1 $dst/back.bin
	hvg_check "no partial or temporary file is left" \
		sh -c "! ls -A $dst | grep -qE 'gone|dead|late|hvcopy'"
}
