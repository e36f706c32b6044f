# kernels: 6.1 6.12 debug
# timeout: 600
# VSS (backup) with Debian's stock hv_vss_daemon (hyperv-daemons) over our
# hv_utils and hv_sim's host end: freeze really freezes an ext4 file system
# (a write to it blocks until thaw), hot_backup answers flags 5, the kernel
# answers get_dm_info and the other operations itself, and a missing,
# stopped or killed daemon fails the host's request instead of hanging it.

sim=/sys/kernel/debug/hv_sim
vss=$sim/ic/vss
daemon=/usr/sbin/hv_vss_daemon
mnt=/mnt/hvg-vss
HV_E_FAIL=0x80004005

[ -x "$daemon" ] || hvg_fail "$daemon is not installed (hyperv-daemons)"

# req OP: send OP from the host; prints the reply line. Fails the scenario
# if the write itself fails (no answer at all).
req() {
	echo "$1" >"$vss/request" || hvg_fail "host request '$1' got no answer"
	cat "$vss/reply"
}

# expect OP STATUS [FLAGS]: the host's request gets that status (and flags).
expect() {
	local r
	r=$(req "$1")
	echo "$1 -> $r"
	case "$r" in
	"op=$1 status=$2 "*) ;;
	*) hvg_fail "$1: expected status=$2, got '$r'" ;;
	esac
	if [ -n "${3:-}" ]; then
		case "$r" in
		*" flags=$3") ;;
		*) hvg_fail "$1: expected flags=$3, got '$r'" ;;
		esac
	fi
}

daemon_pid=
start_daemon() {
	local before
	before=$(dmesg | grep -c 'vss: daemon registered')
	# The daemon must see the test file system as a disk (see below).
	if [ -n "$mask" ]; then
		unshare -m --propagation private sh -c \
			"mount -t tmpfs hvg-mask '$mask' && exec $daemon -n" &
	else
		$daemon -n &
	fi
	daemon_pid=$!
	for _ in $(seq 100); do
		[ "$(dmesg | grep -c 'vss: daemon registered')" -gt "$before" ] &&
			return 0
		sleep 0.1
	done
	hvg_fail "the stock daemon did not register"
}

stop_daemon() {
	kill -CONT "$daemon_pid" 2>/dev/null
	kill "$daemon_pid" 2>/dev/null
	wait "$daemon_pid" 2>/dev/null
	daemon_pid=
}

# still_running PID SECONDS: PID has not exited after SECONDS.
still_running() {
	sleep "$2"
	kill -0 "$1" 2>/dev/null
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
hvg_insmod hv_sim devices=vss
for _ in $(seq 100); do
	[ -c /dev/vmbus/hv_vss ] && [ "$(cat $vss/version 2>/dev/null)" != none ] &&
		[ -n "$(cat $vss/version 2>/dev/null)" ] && break
	sleep 0.1
done
hvg_check "/dev/vmbus/hv_vss exists" test -c /dev/vmbus/hv_vss
hvg_check "VSS negotiated framework 3.0, service 5.0" \
	test "$(cat $vss/version)" = "fw 3.0 srv 5.0"

# The daemon's syslog, for the "no daemon traffic" checks and the record.
busybox syslogd -n -O /tmp/syslog &
syslogd_pid=$!
sleep 0.5

# --- no daemon ---
t0=$(date +%s)
expect freeze $HV_E_FAIL
hvg_check "freeze without a daemon fails at once" test $(($(date +%s) - t0)) -le $quick
expect get_dm_info 0x00000000 0x00000000

# --- a file system the daemon will freeze ---
# The daemon freezes mounts whose source is under /dev/ and skips
# loop-backed ones (/sys/dev/block/M:m/loop). The VM's own mounts (overlay,
# 9p, tmpfs) are not under /dev/, so only ours is frozen. A RAM disk (brd)
# where the kernel has one; the debug kernel has none, so there a loop
# device, made to look like a disk to the daemon alone by hiding its sysfs
# directory in the daemon's mount namespace.
mkdir -p $mnt
mask=
if modprobe -q brd rd_nr=1 rd_size=65536 2>/dev/null && [ -b /dev/ram0 ]; then
	dev=/dev/ram0
	echo "test file system on $dev (brd)"
else
	truncate -s 64M /tmp/vss.img
	dev=$(losetup -f --show /tmp/vss.img) || hvg_fail "losetup"
	mask=/sys/devices/virtual/block/$(basename "$dev")
	echo "test file system on $dev (loop; $mask hidden from the daemon)"
fi
mkfs.ext4 -q -F "$dev" || hvg_fail "mkfs.ext4 $dev"
mount "$dev" $mnt || hvg_fail "mount $dev"
echo before >$mnt/old

start_daemon
for _ in $(seq 50); do
	grep -q "kernel module version: 129" /tmp/syslog && break
	sleep 0.1
done
hvg_check "the daemon read the kernel's u32 (129) in the handshake" \
	grep -q "kernel module version: 129" /tmp/syslog

# --- freeze, a blocked write, thaw ---
expect freeze 0x00000000
hvg_check "the file system is frozen (a second FIFREEZE gets EBUSY)" \
	sh -c "! fsfreeze -f $mnt 2>/dev/null"
echo written >/tmp/not-frozen || hvg_fail "a write to /tmp blocked"
sh -c "echo during >$mnt/new" &
writer=$!
hvg_check "a write to the frozen file system blocks" still_running $writer 2
expect thaw 0x00000000
hvg_check "the write completes after thaw" finishes $writer 10
wait $writer || hvg_fail "the write after thaw failed"
hvg_check "the written data is there" test "$(cat $mnt/new)" = during
hvg_check "the old data is intact" test "$(cat $mnt/old)" = before
hvg_check "the file system is writable again" sh -c "echo after >$mnt/after"

# --- the other operations ---
expect hot_backup 0x00000000 0x00000005
expect get_dm_info 0x00000000 0x00000000
expect create 0x00000000
expect delete 0x00000000
expect bu_complete 0x00000000
sleep 0.5
if grep -q "Illegal op" /tmp/syslog; then
	hvg_fail "the kernel passed an operation it answers itself to the daemon"
fi
echo "ok: get_dm_info/create/delete/bu_complete never reached the daemon"
grep -q "CHECK HOT BACKUP" /tmp/syslog ||
	hvg_fail "hot_backup did not reach the daemon (no 'CHECK HOT BACKUP' in its log)"
echo "ok: hot_backup reached the daemon"

# --- the device: one opener, exact sizes ---
hvg_check "a second open of /dev/vmbus/hv_vss gets EBUSY" python3 -c '
import errno, os, sys
try:
    os.open("/dev/vmbus/hv_vss", os.O_RDWR)
except OSError as e:
    sys.exit(0 if e.errno == errno.EBUSY else 1)
sys.exit(1)'

# --- the daemon does not answer: the guest's 30 s timeout ---
kill -STOP "$daemon_pid"
t0=$(date +%s)
expect thaw $HV_E_FAIL
t=$(($(date +%s) - t0))
echo "thaw with a stopped daemon failed after ${t}s"
hvg_check "the timeout is the guest's 30 s" test "$t" -ge 28 -a "$t" -le $late
hvg_dmesg_has 'vss: the daemon did not answer operation 6 in time' ||
	hvg_fail "the timeout is not logged"
regs=$(dmesg | grep -c 'vss: daemon registered')
kill -CONT "$daemon_pid"
# Its late answer is refused, so it reopens the device and registers again.
for _ in $(seq 100); do
	[ "$(dmesg | grep -c 'vss: daemon registered')" -gt "$regs" ] && break
	sleep 0.1
done
hvg_check "the daemon re-registered after its late answer was refused" \
	test "$(dmesg | grep -c 'vss: daemon registered')" -gt "$regs"
expect freeze 0x00000000
expect thaw 0x00000000

# --- the daemon dies with a request pending ---
kill -STOP "$daemon_pid"
(req hot_backup >/tmp/vss-pending) &
pending=$!
sleep 1
t0=$(date +%s)
kill -KILL "$daemon_pid"
wait "$daemon_pid" 2>/dev/null
daemon_pid=
hvg_check "the pending request is answered when the daemon dies" finishes $pending 25
echo "pending hot_backup -> $(cat /tmp/vss-pending)"
grep -q "^op=hot_backup status=$HV_E_FAIL " /tmp/vss-pending ||
	hvg_fail "the pending request did not fail: $(cat /tmp/vss-pending)"
hvg_check "it failed on the close, not on the 30 s timeout" \
	test $(($(date +%s) - t0)) -lt 25
hvg_dmesg_has 'vss: the daemon closed the device with operation 2 pending' ||
	hvg_fail "the close is not logged"

# --- no daemon any more ---
t0=$(date +%s)
expect freeze $HV_E_FAIL
hvg_check "freeze after the daemon died fails at once" test $(($(date +%s) - t0)) -le $quick
hvg_check "nothing is frozen" sh -c "echo x >$mnt/x"

# --- the daemon ABI, byte by byte (drivers/hv/hv_snapshot.c rules) ---
# struct hv_vss_msg is 12 bytes: operation (u8, overlaid by the answer's
# s32 error), 7 reserved, u32 flags.
hvg_check "the device follows the daemon ABI" python3 - "$vss" <<'PY'
import errno, os, select, struct, subprocess, sys

vss = sys.argv[1]
fd = os.open("/dev/vmbus/hv_vss", os.O_RDWR)
poll = select.poll()
poll.register(fd, select.POLLIN)

def refused(buf, err, what):
    try:
        os.write(fd, buf)
    except OSError as e:
        if e.errno != err:
            sys.exit("%s: errno %d, not %d" % (what, e.errno, err))
        print("ok:", what)
        return
    sys.exit("%s: accepted" % what)

def host(op):
    return subprocess.Popen(["sh", "-c", "echo %s >%s/request && cat %s/reply"
                             % (op, vss, vss)], stdout=subprocess.PIPE,
                            text=True)

refused(b"\0" * 11, errno.EINVAL, "an 11-byte write gets EINVAL")
refused(b"\0" * 13, errno.EINVAL, "a 13-byte write gets EINVAL")
refused(struct.pack("<iII", 0, 0, 0), errno.EINVAL,
        "an answer with nothing pending gets EINVAL")
os.write(fd, struct.pack("<B7xI", 128, 0))
if poll.poll(1000):
    sys.exit("legacy VSS_OP_REGISTER (128) was answered")
print("ok: legacy registration (128) accepted without an answer")

h = host("freeze")
if not poll.poll(20000):
    sys.exit("the freeze did not reach the daemon device")
try:
    os.read(fd, 11)
    sys.exit("an 11-byte read of a 12-byte message succeeded")
except OSError as e:
    if e.errno != errno.EINVAL:
        sys.exit("short read: errno %d" % e.errno)
msg = os.read(fd, 4096)
if len(msg) != 12 or msg[0] != 5:
    sys.exit("freeze arrived as %r" % msg)
print("ok: freeze arrives as a 12-byte struct hv_vss_msg, operation 5")
refused(struct.pack("<B7xI", 129, 0), errno.EINVAL,
        "registration while a request is pending gets EINVAL")
os.write(fd, struct.pack("<IiI", 0x80004005, 0, 0))
out = h.communicate()[0].strip()
if not out.startswith("op=freeze status=0x80004005 "):
    sys.exit("the daemon's failure did not reach the host: %s" % out)
print("ok: the daemon's status reaches the host:", out)

h = host("hot_backup")
poll.poll(20000)
msg = os.read(fd, 4096)
if len(msg) != 12 or msg[0] != 2:
    sys.exit("hot_backup arrived as %r" % msg)
os.write(fd, struct.pack("<IiI", 0, 0, 0))
out = h.communicate()[0].strip()
if out != "op=hot_backup status=0x00000000 flags=0x00000005":
    sys.exit("hot_backup answered with flags 0 gave: %s" % out)
print("ok: the kernel sets VSS_HBU_NO_AUTO_RECOVERY:", out)
os.close(fd)
PY
# --- a new daemon ---
start_daemon
expect freeze 0x00000000
expect thaw 0x00000000
hvg_check "a new daemon freezes and thaws" sh -c "echo y >$mnt/y"

# --- the device goes away with a request pending and the daemon attached ---
rescind_with_pending vss 35fa2e29-ea23-4236-96ae-3a6ebacba440 hot_backup
for _ in $(seq 100); do
	[ "$(cat $vss/version 2>/dev/null)" = "fw 3.0 srv 5.0" ] && break
	sleep 0.1
done
hvg_check "the re-offered device negotiated again" \
	test "$(cat $vss/version)" = "fw 3.0 srv 5.0"
start_daemon
expect freeze 0x00000000
expect thaw 0x00000000

# --- cleanup ---
stop_daemon
kill "$syslogd_pid" 2>/dev/null
wait "$syslogd_pid" 2>/dev/null
echo "--- daemon syslog ---"
cat /tmp/syslog
umount $mnt || hvg_fail "umount"
[ -n "$mask" ] && losetup -d "$dev"
[ "$dev" = /dev/ram0 ] && rmmod brd
hvg_check "no protocol violations" test "$(cat $sim/violations)" = 0
hvg_rmmod hv_utils
hvg_rmmod hv_sim
hvg_rmmod hv_vmbus
hvg_pass
