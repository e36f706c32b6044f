# kernels: 6.1 6.12 debug
# timeout: 600
# fcopy (guest services, Copy-VMFile) with Debian's stock hv_fcopy_daemon
# (hyperv-daemons) over our hv_utils and hv_sim's host end: files arrive
# byte for byte with the daemon's mode, the copy flags (OVER_WRITE,
# CREATE_PATH) behave as the daemon implements them, a cancelled copy
# leaves nothing behind, names travel as UTF-16 and back, and a missing,
# stopped or killed daemon fails the host's request instead of hanging it.

sim=/sys/kernel/debug/hv_sim
fc=$sim/ic/fcopy
daemon=/usr/sbin/hv_fcopy_daemon
dst=/tmp/hvg-fcopy
HV_E_FAIL=0x80004005
HV_ERROR_ALREADY_EXISTS=0x80070050
OVER_WRITE=1
CREATE_PATH=2

[ -x "$daemon" ] || hvg_fail "$daemon is not installed (hyperv-daemons)"

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

registered() {
	dmesg | grep -c 'fcopy: daemon registered'
}

daemon_pid=
start_daemon() {
	local before
	before=$(registered)
	(umask 022 && exec $daemon -n) &
	daemon_pid=$!
	for _ in $(seq 100); do
		[ "$(registered)" -gt "$before" ] && return 0
		sleep 0.1
	done
	hvg_fail "the stock daemon did not register"
}

finishes() {
	local end=$((SECONDS + $2))
	while [ "$SECONDS" -lt "$end" ]; do
		kill -0 "$1" 2>/dev/null || return 0
		sleep 0.1
	done
	! kill -0 "$1" 2>/dev/null
}

# "At once" is seconds; the debug kernel under TCG is several times slower.
quick=5 late=45
[ "${HVG_KERNEL:-}" = debug ] && quick=15 late=75

# rescind_with_pending TYPE CLASS REQUEST: with the daemon stopped and
# REQUEST waiting for it, the host rescinds the device: the request fails,
# the guest removes the device under the open file, the daemon exits when
# it cannot reopen it; then the host offers the device again.
rescind_with_pending() {
	local d relid
	d=$(dirname "$(grep -l "{$2}" /sys/bus/vmbus/devices/*/class_id)")
	relid=$(cat "$d/id")
	kill -STOP "$daemon_pid"
	(echo "$3" >"$sim/ic/$1/request") 2>/tmp/rescind-err &
	pending=$!
	sleep 1
	echo "$relid" >$sim/rescind || hvg_fail "rescind $relid"
	hvg_check "the pending request ends with the rescind" finishes $pending 25
	wait $pending && hvg_fail "the request succeeded on a rescinded channel"
	echo "the host's request: $(cat /tmp/rescind-err)"
	kill -CONT "$daemon_pid"
	hvg_check "the daemon exits when its device is gone" finishes "$daemon_pid" 25
	wait "$daemon_pid" 2>/dev/null
	daemon_pid=
	hvg_check "/dev/vmbus/hv_$1 is gone" test ! -e "/dev/vmbus/hv_$1"
	hvg_check "the host forgot the channel" \
		test "$(cat "$sim/ic/$1/version")" = none
	echo "$1" >$sim/offer || hvg_fail "offer $1 again"
	for _ in $(seq 100); do
		[ -c "/dev/vmbus/hv_$1" ] && break
		sleep 0.1
	done
	hvg_check "/dev/vmbus/hv_$1 is back" test -c "/dev/vmbus/hv_$1"
}

modprobe -q ptp 2>/dev/null
hvg_insmod hv_vmbus
hvg_insmod hv_utils
hvg_insmod hv_sim devices=fcopy
for _ in $(seq 100); do
	[ -c /dev/vmbus/hv_fcopy ] && break
	sleep 0.1
done
hvg_check "/dev/vmbus/hv_fcopy exists" test -c /dev/vmbus/hv_fcopy

# The guest holds the host's negotiation until a daemon registers.
sleep 3
hvg_check "negotiation is held while there is no daemon" \
	test "$(cat $fc/version)" = none

busybox syslogd -n -O /tmp/syslog &
syslogd_pid=$!
sleep 0.5
start_daemon
for _ in $(seq 100); do
	[ "$(cat $fc/version)" != none ] && break
	sleep 0.1
done
hvg_check "the daemon's registration releases it: framework 3.0, service 1.1" \
	test "$(cat $fc/version)" = "fw 3.0 srv 1.1"
for _ in $(seq 50); do
	grep -q "kernel module version: 1" /tmp/syslog && break
	sleep 0.1
done
hvg_check "the daemon read the kernel's u32 (1) in the handshake" \
	grep -q "kernel module version: 1$" /tmp/syslog

mkdir -p $dst

# --- a binary file, 3 fragments and a tail ---
head -c 20000 /dev/urandom >/tmp/src1
host_data /tmp/src1
expect "copy $dst file.bin 0" "step=complete status=0x00000000"
hvg_check "the copy has the same bytes" cmp /tmp/src1 $dst/file.bin
# tools/hv/hv_fcopy_daemon.c: open(..., 0744), under the daemon's umask 022.
hvg_check "the copy has the daemon's mode 0744" \
	test "$(stat -c %a $dst/file.bin)" = 744

# --- an existing file: refused without OVER_WRITE, replaced with it ---
head -c 7000 /dev/urandom >/tmp/src2
host_data /tmp/src2
expect "copy $dst file.bin 0" \
	"step=start status=$HV_ERROR_ALREADY_EXISTS"
hvg_check "the existing file is intact" cmp /tmp/src1 $dst/file.bin
expect "copy $dst file.bin $OVER_WRITE" \
	"step=complete status=0x00000000"
hvg_check "OVER_WRITE replaced (and truncated) it" cmp /tmp/src2 $dst/file.bin

# --- missing directories: refused without CREATE_PATH, made with it ---
# The daemon creates each component followed by a '/', with mode 0755.
expect "copy $dst/new/a/b/ f.bin 0" "step=start status=$HV_E_FAIL"
hvg_check "no directory was made without CREATE_PATH" test ! -e $dst/new
expect "copy $dst/new/a/b/ f.bin $CREATE_PATH" \
	"step=complete status=0x00000000"
hvg_check "CREATE_PATH made the path and the file" cmp /tmp/src2 $dst/new/a/b/f.bin
hvg_check "directories are 0755" test "$(stat -c %a $dst/new/a)" = 755

# --- a cancelled copy leaves no file ---
host_data /tmp/src1
expect "copy_cancel $dst cancelled.bin 0" \
	"step=cancel status=0x00000000"
hvg_check "the cancelled file was removed" test ! -e $dst/cancelled.bin

# --- an empty file, a UTF-8 name, a 1 MiB file ---
: >/tmp/empty
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
head -c $((1024 * 1024 + 123)) /dev/urandom >/tmp/src3
host_data /tmp/src3
expect "copy $dst big.bin 0" "step=complete status=0x00000000"
hvg_check "1 MiB + 123 bytes arrive intact" cmp /tmp/src3 $dst/big.bin

# --- one opener ---
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
t0=$(date +%s)
expect "copy $dst late.bin 0" "step=start status=$HV_E_FAIL"
t=$(($(date +%s) - t0))
echo "copy with a stopped daemon failed after ${t}s"
hvg_check "the timeout is the guest's 30 s" test "$t" -ge 28 -a "$t" -le $late
hvg_dmesg_has 'fcopy: the daemon did not answer in time' ||
	hvg_fail "the timeout is not logged"
regs=$(registered)
kill -CONT "$daemon_pid"
# Its late answer is refused, so it reopens the device (removing the file
# it had started) and registers again.
for _ in $(seq 100); do
	[ "$(registered)" -gt "$regs" ] && break
	sleep 0.1
done
hvg_check "the daemon re-registered after its late answer was refused" \
	test "$(registered)" -gt "$regs"
hvg_check "the daemon removed the file of the timed-out copy" test ! -e $dst/late.bin
expect "copy $dst after.bin 0" "step=complete status=0x00000000"
hvg_check "copies work again" cmp /tmp/src1 $dst/after.bin

# --- the daemon dies with a request pending ---
kill -STOP "$daemon_pid"
(copy copy $dst dead.bin 0 >/tmp/fc-pending) &
pending=$!
sleep 1
t0=$(date +%s)
kill -KILL "$daemon_pid"
wait "$daemon_pid" 2>/dev/null
daemon_pid=
hvg_check "the pending request is answered when the daemon dies" finishes $pending 25
echo "pending copy -> $(cat /tmp/fc-pending)"
hvg_check "it failed at the start" \
	test "$(cat /tmp/fc-pending)" = "step=start status=$HV_E_FAIL"
hvg_check "it failed on the close, not on the 30 s timeout" \
	test $(($(date +%s) - t0)) -lt 25
hvg_dmesg_has 'fcopy: the daemon closed the device with a request pending' ||
	hvg_fail "the close is not logged"

# --- no daemon ---
t0=$(date +%s)
expect "copy $dst none.bin 0" "step=start status=$HV_E_FAIL"
hvg_check "a copy without a daemon fails at once" test $(($(date +%s) - t0)) -le $quick
hvg_check "and writes nothing" test ! -e $dst/none.bin

# --- a new daemon ---
start_daemon
expect "copy $dst again.bin 0" "step=complete status=0x00000000"
hvg_check "a new daemon copies" cmp /tmp/src1 $dst/again.bin

# --- the device goes away with a request pending and the daemon attached ---
rescind_with_pending fcopy 34d14be3-dee4-41c8-9ae7-6b174977c192 \
	"copy $dst gone.bin 0"
sleep 3
hvg_check "the new device holds negotiation for a daemon again" \
	test "$(cat $fc/version)" = none
start_daemon
for _ in $(seq 100); do
	[ "$(cat $fc/version)" != none ] && break
	sleep 0.1
done
expect "copy $dst back.bin 0" "step=complete status=0x00000000"
hvg_check "copies work on the new device" cmp /tmp/src1 $dst/back.bin

# --- cleanup ---
kill "$daemon_pid"
wait "$daemon_pid" 2>/dev/null
kill "$syslogd_pid" 2>/dev/null
wait "$syslogd_pid" 2>/dev/null
echo "--- daemon syslog ---"
cat /tmp/syslog
hvg_check "no protocol violations" test "$(cat $sim/violations)" = 0
hvg_rmmod hv_utils
hvg_rmmod hv_sim
hvg_rmmod hv_vmbus
hvg_pass
