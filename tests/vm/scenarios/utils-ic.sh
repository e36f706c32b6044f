# kernels: 6.1 6.12 debug
# hv_utils against hv_sim's integration components: version negotiation,
# heartbeat (full and short), time sync (a clock set an hour wrong is
# corrected; the PTP clock "hyperv" reads the host's time, runs on the
# reference counter, goes stale after 600 s; aged samples;
# timesync_implicit), shutdown requests answered
# (unknown flags refused; a daemon on /dev/vmbus/hv_shutdown gets the
# request and its answer reaches the host), transport rules (one opener,
# message sizes), and rmmod refused while a daemon holds a device.

ic=/sys/kernel/debug/hv_sim/ic
hvg_insmod hv_vmbus
hvg_insmod hv_sim
hvg_insmod hv_utils

for s in shutdown timesync heartbeat; do
	hvg_check "$s negotiated" hvg_wait_for 20 hvg_ic_negotiated $s
	echo "$s: $(cat $ic/$s/version)"
done
hvg_check "shutdown uses service 3.2" grep -q 'srv 3.2' $ic/shutdown/version
hvg_check "timesync uses service 4.0" grep -q 'srv 4.0' $ic/timesync/version
hvg_check "heartbeat uses service 3.0" grep -q 'srv 3.0' $ic/heartbeat/version
hvg_check "hv_utils logged the versions" \
	hvg_dmesg_has 'timesync: IC framework 3.0, service 4.0'

# Heartbeat: every answer is the host's number plus one (hv_sim counts a
# wrong one as a violation); at 50 ms they advance quickly. Both forms:
# the full 40 bytes, and the short one (header and sequence number, no
# reserved area) which a host may send (before, that got HV_E_FAIL: the
# host saw the guest as lost).
heartbeats() {
	local s1 s2
	echo "$2" >$ic/heartbeat/short
	s1=$(cat $ic/heartbeat/seq)
	sleep 2
	s2=$(cat $ic/heartbeat/seq)
	echo "$1 heartbeat seq $s1 -> $s2, beats $(cat $ic/heartbeat/beats), missed $(cat $ic/heartbeat/missed)"
	hvg_check "$1 heartbeats: sequence numbers advance" test "$s2" -ge $((s1 + 10))
	hvg_check "$1 heartbeats: none missed" test "$(cat $ic/heartbeat/missed)" = 0
}
echo 50 >$ic/heartbeat/period_ms
heartbeats full 0
heartbeats short 1
echo 0 >$ic/heartbeat/short
echo 1000 >$ic/heartbeat/period_ms

# Time sync: set the guest an hour wrong, the host's SYNC corrects it.
ptp=
for d in /sys/class/ptp/ptp*; do
	[ "$(cat "$d/clock_name" 2>/dev/null)" = hyperv ] && ptp=/dev/$(basename "$d")
done
hvg_check "a PTP clock named hyperv exists" test -n "$ptp"
ptp_read() {
	python3 -c 'import os, sys, time
fd = os.open(sys.argv[1], os.O_RDONLY)
print(time.clock_gettime_ns(((~fd) << 3) | 3))' "$1"
}
hvg_check "the PTP clock has no time before the first sample" \
	sh -c "! ptp_read_out=\$(python3 -c 'import os, time; fd = os.open(\"$ptp\", os.O_RDONLY); time.clock_gettime_ns(((~fd) << 3) | 3)' 2>&1)"
date -s "@$(($(date +%s) + 3600))" >/dev/null
host=$(($(cat $ic/timesync/host_time) / 1000000000))
guest=$(date +%s)
echo "before sync: guest $guest, host $host"
hvg_check "the guest clock is an hour off" test $((guest - host)) -ge 3590
hvg_check "host sends SYNC" sh -c "echo sync >$ic/timesync/request"
hvg_check "the guest answered OK" grep -q 'status=0x00000000' $ic/timesync/reply
# Readings are bracketed by the host's clock read before and after, so a
# slow (debug, loaded) VM cannot fail them; the slack is 1 s either side.
ms() { echo $(($(cat $ic/timesync/host_time) / 1000000)); }
within() { [ "$2" -ge $(($1 - 1000)) ] && [ "$2" -le $(($3 + 1000)) ]; }
h1=$(ms); guest=$(($(date +%s%N) / 1000000)); h2=$(ms)
echo "after sync: host $h1..$h2 ms, guest $guest ms"
hvg_check "the guest clock reads the host's time" within $h1 $guest $h2
hvg_check "hv_utils logged the step" hvg_dmesg_has 'time sync: clock stepped by -3[56][0-9]{5} ms'
# A sample five minutes ahead moves the PTP clock, not the system clock.
hvg_check "host sends SAMPLE +300 s" sh -c "echo sample 300 >$ic/timesync/request"
h1=$(ms); p=$(($(ptp_read $ptp) / 1000000)); h2=$(ms)
echo "PTP $p ms, host+300 s $((h1 + 300000))..$((h2 + 300000)) ms"
hvg_check "the PTP clock reads the host's sample time" within $((h1 + 300000)) $p $((h2 + 300000))
h1=$(ms); guest=$(($(date +%s%N) / 1000000)); h2=$(ms)
hvg_check "a sample does not step the system clock" within $h1 $guest $h2
hvg_check "the PTP clock cannot be set" \
	sh -c "! python3 -c 'import os, time; fd = os.open(\"$ptp\", os.O_RDWR); time.clock_settime_ns(((~fd) << 3) | 3, 0)' 2>/dev/null"

# Between samples the PTP clock runs on the partition reference counter,
# which the guest cannot steer: with the guest's clock made 500 ppm fast
# (adjtimex), PHC - REALTIME falls by about 2 ms in 4 s. (Before, it ran
# on the guest's own clock and stayed put: chrony learnt nothing.)
cat >/tmp/drift.py <<'PY'
import ctypes, os, struct, sys, time
libc = ctypes.CDLL(None, use_errno=True)
def adjfreq(ppm):
    tx = ctypes.create_string_buffer(256)        # struct timex
    struct.pack_into('<I', tx, 0, 0x0002)        # modes = ADJ_FREQUENCY
    struct.pack_into('<q', tx, 16, ppm << 16)    # freq, in 2^-16 ppm
    if libc.adjtimex(tx) < 0:
        sys.exit('adjtimex: errno %d' % ctypes.get_errno())
fd = os.open(sys.argv[1], os.O_RDONLY)
clk = ((~fd) << 3) | 3
def offset():                 # PHC - REALTIME from the tightest of 20 reads
    best = None
    for _ in range(20):
        a = time.clock_gettime_ns(time.CLOCK_REALTIME)
        p = time.clock_gettime_ns(clk)
        b = time.clock_gettime_ns(time.CLOCK_REALTIME)
        if best is None or b - a < best[0]:
            best = (b - a, p - (a + b) // 2)
    return best[1]
adjfreq(int(sys.argv[2]))
try:
    d0 = offset(); time.sleep(4); d1 = offset()
finally:
    adjfreq(0)
print((d1 - d0) // 1000)
PY
hvg_check "host sends SAMPLE" sh -c "echo sample >$ic/timesync/request"
d=$(python3 /tmp/drift.py $ptp 0) || hvg_fail "drift.py: $d"
echo "PHC - REALTIME moved ${d} us in 4 s, guest clock as it is"
hvg_check "PHC and REALTIME agree with the guest's clock left alone" \
	test "${d#-}" -le 600
d=$(python3 /tmp/drift.py $ptp 500) || hvg_fail "drift.py: $d"
echo "PHC - REALTIME moved ${d} us in 4 s, guest clock 500 ppm fast"
hvg_check "the PTP clock does not follow the guest's +500 ppm" \
	test "$d" -le -1300 -a "$d" -ge -2700

# No sample for over 600 s of reference time: the clock is stale, and
# says so (ESTALE, upstream's limit) instead of guessing on.
cat >/tmp/sysoff.py <<'PY'
import fcntl, os, struct, sys
fd = os.open(sys.argv[1], os.O_RDONLY)
# PTP_SYS_OFFSET: _IOW('=', 5, struct ptp_sys_offset), 16 + 51 * 16 bytes
req = (1 << 30) | (832 << 16) | (ord('=') << 8) | 5
buf = bytearray(832)
struct.pack_into('<I', buf, 0, 1)            # n_samples
try:
    fcntl.ioctl(fd, req, buf)
    print('ok')
except OSError as e:
    print(os.strerror(e.errno))
PY
hvg_check "PTP_SYS_OFFSET works after a sample" test "$(python3 /tmp/sysoff.py $ptp)" = ok
echo 601 >$ic/timesync/ref_warp_s
r=$(python3 /tmp/sysoff.py $ptp)
echo "PTP_SYS_OFFSET 601 s after the last sample: $r"
hvg_check "PTP_SYS_OFFSET is ESTALE 601 s after the last sample" \
	test "$r" = "$(python3 -c 'import errno, os; print(os.strerror(errno.ESTALE))')"
hvg_check "hv_utils said the clock is stale" hvg_dmesg_has 'time sync: no sample from the host for 6[0-9][0-9] s: stale'
hvg_check "host sends SAMPLE" sh -c "echo sample >$ic/timesync/request"
hvg_check "a new sample makes the clock usable again" test "$(python3 /tmp/sysoff.py $ptp)" = ok

# A version 4 SYNC whose sample the host took 20 s before it arrived:
# the guest adds the age the reference counter gives it (before, an age
# over 10 s was taken as 0 and the clock set 20 s back).
date -s "@$(($(date +%s) + 100))" >/dev/null
hvg_check "host sends SYNC taken 20 s ago" sh -c "echo sync 0 20 >$ic/timesync/request"
h1=$(ms); guest=$(($(date +%s%N) / 1000000)); h2=$(ms)
echo "after an aged sync: host $h1..$h2 ms, guest $guest ms"
hvg_check "an aged sample sets the host's time of now" within $h1 $guest $h2

# timesync_implicit (upstream's parameter, off by default): a SAMPLE with
# the guest 5 s or more behind counts as a SYNC when it is on.
hvg_check "timesync_implicit is off by default" \
	test "$(cat /sys/module/hv_utils/parameters/timesync_implicit)" = N
date -s "@$(($(date +%s) - 10))" >/dev/null
hvg_check "host sends SAMPLE" sh -c "echo sample >$ic/timesync/request"
h1=$(ms); guest=$(($(date +%s%N) / 1000000))
hvg_check "off: a sample leaves a clock 10 s behind alone" test $((h1 - guest)) -ge 8000
echo 1 >/sys/module/hv_utils/parameters/timesync_implicit
hvg_check "host sends SAMPLE" sh -c "echo sample >$ic/timesync/request"
h1=$(ms); guest=$(($(date +%s%N) / 1000000)); h2=$(ms)
hvg_check "on: a sample brings a clock 10 s behind to the host's time" within $h1 $guest $h2
hvg_check "hv_utils said why it stepped" hvg_dmesg_has 'behind the host.s sample: syncing \(timesync_implicit\)'
date -s "@$(($(date +%s) - 2))" >/dev/null
hvg_check "host sends SAMPLE" sh -c "echo sample >$ic/timesync/request"
h1=$(ms); guest=$(($(date +%s%N) / 1000000))
hvg_check "on: a clock 2 s behind is left to NTP" test $((h1 - guest)) -ge 1000
echo 0 >/sys/module/hv_utils/parameters/timesync_implicit
hvg_check "host sends SYNC" sh -c "echo sync >$ic/timesync/request"

# Shutdown: flags the host never defines are refused, nothing happens.
hvg_check "host sends shutdown flags 0x10" sh -c "echo 16 >$ic/shutdown/request"
hvg_check "unknown flags get HV_E_FAIL" grep -q 'status=0x80004005' $ic/shutdown/reply

# Hibernate: refused (HV_E_FAIL) while hv_vmbus cannot suspend its
# channels, whatever the firmware offers; no uevent, nothing else happens.
udevadm monitor --kernel --property --subsystem-match=vmbus >/tmp/uevents 2>&1 &
mon=$!
sleep 1
hvg_check "host sends hibernate" sh -c "echo hibernate >$ic/shutdown/request"
sleep 1
kill $mon
echo "hibernate: $(cat $ic/shutdown/reply)"
hvg_check "hibernate gets HV_E_FAIL" grep -q 'status=0x80004005' $ic/shutdown/reply
hvg_check "no uevent" sh -c '! grep -q "^EVENT=hibernate" /tmp/uevents'
hvg_check "the refusal was logged" \
	hvg_dmesg_has 'hibernation requested but not available: hv_vmbus cannot suspend its channels yet'

# A daemon on /dev/vmbus/hv_shutdown (a minimal one, in Python: the real
# one is daemons/shutdown) gets the request; its answer reaches the host.
hvg_check "/dev/vmbus/hv_shutdown exists" test -c /dev/vmbus/hv_shutdown
cat >/tmp/sd.py <<'PY'
import os, struct, sys, time
fmt = '<IHHIIIIH6s'   # struct hv_shutdown_msg, 32 bytes
MAGIC = 0x44534856
fd = os.open('/dev/vmbus/hv_shutdown', os.O_RDWR)
try:
    os.open('/dev/vmbus/hv_shutdown', os.O_RDWR)
    print('second open succeeded'); sys.exit(1)
except OSError as e:
    print('second open:', e.strerror)
try:
    os.write(fd, b'x' * 31)
    print('short write accepted'); sys.exit(1)
except OSError as e:
    print('short write:', e.strerror)
os.write(fd, struct.pack(fmt, MAGIC, 1, 1, 0, 0, 0, 0, 1, b''))
m = struct.unpack(fmt, os.read(fd, 32))
print('ack', m)
assert m[0] == MAGIC and m[2] == 2 and m[5] == 0 and m[1] == 1
open('/tmp/sd.ready', 'w').close()
try:
    os.read(fd, 16)            # waits for the request, too small for it
    print('small read accepted'); sys.exit(1)
except OSError as e:
    print('small read:', e.strerror)
for answer in (3, 0):          # FAILED, then OK
    m = struct.unpack(fmt, os.read(fd, 32))
    print('request', m)
    assert m[0] == MAGIC and m[2] == 3 and m[4] == int(sys.argv[1 if answer else 2], 0)
    os.write(fd, struct.pack(fmt, MAGIC, 1, 4, m[3], 0, answer, 0, 0, b''))
time.sleep(float(sys.argv[3]))
PY
python3 -u /tmp/sd.py 0x2 0xa 8 >/tmp/sd.log 2>&1 &
sd=$!
hvg_wait_for 10 test -e /tmp/sd.ready || { cat /tmp/sd.log; hvg_fail "the test daemon did not register"; }
hvg_check "host requests a reboot" sh -c "echo reboot 30 >$ic/shutdown/request"
hvg_check "the daemon's FAILED reached the host" grep -q 'status=0x80004005' $ic/shutdown/reply
hvg_check "host requests a forced reboot" sh -c "echo reboot force >$ic/shutdown/request"
hvg_check "the daemon's OK reached the host" grep -q 'status=0x00000000' $ic/shutdown/reply
hvg_check "hv_utils cannot be removed while a daemon holds a device" \
	sh -c '! rmmod hv_utils 2>/dev/null'
wait $sd
cat /tmp/sd.log
hvg_check "the test daemon saw what it expected" test "$(tail -1 /tmp/sd.log | cut -c1-7)" = "request"
hvg_check "hv_utils logged the daemon" hvg_dmesg_has 'shutdown daemon registered'
hvg_check "the guest is still running the scenario" true

hvg_check "no protocol violation seen by hv_sim" \
	test "$(cat /sys/kernel/debug/hv_sim/violations)" = 0
hvg_rmmod hv_utils
hvg_check "the devices are gone with hv_utils" test ! -e /dev/vmbus/hv_shutdown
hvg_rmmod hv_sim
hvg_rmmod hv_vmbus

# A Windows 8 host (VMBus 2.4) gets no VSS, as upstream; the rest works.
hvg_insmod hv_vmbus
hvg_insmod hv_sim max_version=0x20004 devices=vss,heartbeat
hvg_insmod hv_utils
hvg_check "heartbeat negotiated with a 2.4 host" hvg_wait_for 20 hvg_ic_negotiated heartbeat
hvg_check "VSS refused on a 2.4 host" hvg_dmesg_has 'VSS \(backup\) is not supported by this host.s VMBus 2.4'
hvg_check "no /dev/vmbus/hv_vss on a 2.4 host" test ! -e /dev/vmbus/hv_vss
hvg_check "no protocol violation seen by hv_sim (2.4)" \
	test "$(cat /sys/kernel/debug/hv_sim/violations)" = 0
hvg_rmmod hv_utils
hvg_rmmod hv_sim
hvg_rmmod hv_vmbus

# A daemon's device node exists only once the channel is open: hv_sim
# takes 3 s to open the KVP channel, and /dev/vmbus/hv_kvp must not appear
# before (before, a daemon could open it and register during the open,
# and the work it queued outlived a failed open).
hvg_insmod hv_vmbus
hvg_insmod hv_sim devices=kvp,vss,shutdown
hvg_check "connected" hvg_wait_for 20 sh -c 'test "$(cat /sys/kernel/debug/hv_sim/version)" != 0'
echo 3000 >/sys/kernel/debug/hv_sim/open_delay_ms
insmod "$HVG_MODDIR/hv_utils.ko" &
ins=$!
sleep 1.5
hvg_check "no /dev/vmbus/hv_kvp while its channel opens" test ! -e /dev/vmbus/hv_kvp
hvg_check "/dev/vmbus/hv_kvp once the channel is open" hvg_wait_for 20 test -c /dev/vmbus/hv_kvp
hvg_check "insmod hv_utils" wait $ins
echo 0 >/sys/kernel/debug/hv_sim/open_delay_ms
hvg_check "every device node appears" hvg_wait_for 20 \
	sh -c 'test -c /dev/vmbus/hv_vss && test -c /dev/vmbus/hv_shutdown'
hvg_check "no protocol violation seen by hv_sim (slow open)" \
	test "$(cat /sys/kernel/debug/hv_sim/violations)" = 0
hvg_rmmod hv_utils
hvg_rmmod hv_sim
hvg_rmmod hv_vmbus
hvg_pass
