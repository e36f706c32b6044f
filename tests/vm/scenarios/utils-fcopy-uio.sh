# kernels: 6.12 debug
# timeout: 600
# fcopy for 6.10+ userspace: hv_utils fcopy=uio leaves the fcopy device to
# our uio_hv_generic, and the stock hv_fcopy_uio_daemon of Linux 6.12's
# tools/hv (built from Debian's linux-source-6.12 by
# tests/vm/stock-uio-daemon.sh) negotiates with the host and copies files
# through the rings it maps. The mode moves at run time, both ways, and is
# refused while a daemon holds the device; a rescinded and re-offered
# device goes back to uio_hv_generic. tools/fcopy-mode/hv-fcopy-mode picks
# the mode from the daemons installed (tried on prepared roots).

# shellcheck source=tests/vm/lib-fcopy.sh
. "$HVG_SRC/tests/vm/lib-fcopy.sh"

uio_daemon=$HVG_BUILD/stock/hv_fcopy_uio_daemon
param=/sys/module/hv_utils/parameters/fcopy
[ -x "$uio_daemon" ] || hvg_fail "$uio_daemon was not built (tests/vm/stock-uio-daemon.sh)"
[ -x "$(fcopy_bin ours)" ] || hvg_fail "$(fcopy_bin ours) was not built (make daemons)"

fcopy_dev() {
	dirname "$(grep -l "{$FCOPY_CLASS}" /sys/bus/vmbus/devices/*/class_id)"
}
bound_to() {
	[ "$(basename "$(readlink "$(fcopy_dev)/driver")")" = "$1" ]
}
uio_ready() {
	local d
	d=$(fcopy_dev) || return 1
	ls "$d"/uio/uio* >/dev/null 2>&1 && ls "$d"/channels/*/ring >/dev/null 2>&1
}
# refused ERRNO VALUE: writing VALUE to the parameter fails with ERRNO.
refused() {
	python3 -c '
import errno, sys
try:
    with open(sys.argv[1], "w") as f:
        f.write(sys.argv[3])
except OSError as e:
    sys.exit(0 if errno.errorcode.get(e.errno) == sys.argv[2] else 1)
sys.exit(1)' "$param" "$1" "$2"
}
uio_pid=
uio_start() {
	local n
	n=$(grep -c 'FCopy IC version' /tmp/syslog)
	"$uio_daemon" -n &
	uio_pid=$!
	hvg_wait_for 10 version_is "fw 3.0 srv 1.1"
	hvg_check "the uio daemon negotiated with the host itself: framework 3.0, service 1.1" \
		version_is "fw 3.0 srv 1.1"
	hvg_check "and says so" test "$(grep -c 'FCopy IC version' /tmp/syslog)" -gt "$n"
}
uio_stop() {
	kill "$uio_pid" 2>/dev/null
	wait "$uio_pid" 2>/dev/null
	uio_pid=
}

modprobe uio || hvg_fail "modprobe uio"
hvg_insmod hv_vmbus
hvg_insmod uio_hv_generic
hvg_insmod hv_utils fcopy=uio
hvg_insmod hv_sim devices=fcopy
busybox syslogd -n -O /tmp/syslog &
syslogd_pid=$!
mkdir -p $dst
head -c 20000 /dev/urandom >/tmp/src1
head -c $((1024 * 1024 + 123)) /dev/urandom >/tmp/src3

hvg_wait_for 10 uio_ready
hvg_check "fcopy=uio: the device is bound to uio_hv_generic" bound_to uio_hv_generic
hvg_check "with a uio device and a ring file" uio_ready
hvg_check "and no /dev/vmbus/hv_fcopy" test ! -e /dev/vmbus/hv_fcopy
hvg_check "the parameter reads uio" test "$(cat $param)" = uio
ring=$(ls "$(fcopy_dev)"/channels/*/ring)
hvg_check "the ring file is two 16 KiB rings with their header pages (40960)" \
	test "$(stat -c %s "$ring")" = 40960
hvg_check "the host has not negotiated before a daemon opens the device" \
	version_is none

# ring_map: map channels/<relid>/ring, as a user-space driver of
# a sub-channel would, and read both ring headers' indices.
ring_map() {
	python3 -c '
import errno, mmap, os, struct, sys
fd = os.open(sys.argv[1], os.O_RDWR)
try:
    m = mmap.mmap(fd, 40960, mmap.MAP_SHARED)
except OSError as e:
    print("mmap:", errno.errorcode.get(e.errno))
    sys.exit(0)
# Each ring starts with its write and read index (bytes).
out = struct.unpack_from("<II", m, 0)
inb = struct.unpack_from("<II", m, 20480)
print("written" if out[0] and inb[0] else "empty", "out", out, "in", inb)
' "$ring"
}
hvg_check "the ring file cannot be mapped while the channel is closed (ENODEV)" \
	test "$(ring_map)" = "mmap: ENODEV"

uio_start
mapped=$(ring_map)
echo "ring file: $mapped"
hvg_check "with the daemon running, the ring file maps the rings (the negotiation is in both)" \
	test "${mapped%% *}" = written
host_data /tmp/src1
expect "copy $dst uio.bin 0" "step=complete status=0x00000000"
hvg_check "the copy has the same bytes" cmp /tmp/src1 $dst/uio.bin
expect "copy $dst uio.bin 0" "step=start status=$HV_ERROR_ALREADY_EXISTS"
expect "copy $dst/new/dir/ f.bin $CREATE_PATH" "step=complete status=0x00000000"
hvg_check "CREATE_PATH made the path" cmp /tmp/src1 $dst/new/dir/f.bin
host_data /tmp/src3
expect "copy $dst big.bin 0" "step=complete status=0x00000000"
hvg_check "1 MiB + 123 bytes arrive intact" cmp /tmp/src3 $dst/big.bin

# --- moving the device at run time ---
hvg_check "no move to kernel while the uio daemon holds the device (EBUSY)" \
	refused EBUSY kernel
hvg_check "the parameter still reads uio" test "$(cat $param)" = uio
uio_stop
hvg_check "the uio daemon's close closed the channel (the host forgot it)" \
	version_is none
echo kernel >$param || hvg_fail "fcopy=kernel at run time"
hvg_wait_for 10 test -c /dev/vmbus/hv_fcopy
hvg_check "fcopy=kernel at run time: bound to hv_utils" bound_to hv_utils
hvg_check "/dev/vmbus/hv_fcopy is back" test -c /dev/vmbus/hv_fcopy
hvg_check "the uio device is gone" test ! -e "$(fcopy_dev)/uio"
fcopy_start ours
hvg_wait_for 10 version_is "fw 3.0 srv 1.1"
host_data /tmp/src1
expect "copy $dst ours.bin 0" "step=complete status=0x00000000"
hvg_check "our daemon copies through the kernel" cmp /tmp/src1 $dst/ours.bin
hvg_check "no move to uio while our daemon holds /dev/vmbus/hv_fcopy (EBUSY)" \
	refused EBUSY uio
fcopy_stop
echo uio >$param || hvg_fail "fcopy=uio at run time"
hvg_wait_for 10 uio_ready
hvg_check "fcopy=uio at run time: bound to uio_hv_generic again" bound_to uio_hv_generic
uio_start
host_data /tmp/src1
expect "copy $dst again.bin 0" "step=complete status=0x00000000"
hvg_check "the uio daemon copies again" cmp /tmp/src1 $dst/again.bin
uio_stop
hvg_check "a mode that does not exist is refused (EINVAL)" refused EINVAL both

# --- hv-fcopy-mode: the mode from the daemons installed ---
mode_tool=$HVG_SRC/tools/fcopy-mode/hv-fcopy-mode
r=/tmp/fcopy-roots
mkdir -p $r/uio/usr/sbin $r/both/usr/sbin $r/set/usr/sbin $r/set/etc/modprobe.d $r/none
cp "$uio_daemon" $r/uio/usr/sbin/
cp "$uio_daemon" "$(fcopy_bin stock)" $r/both/usr/sbin/
cp "$uio_daemon" $r/set/usr/sbin/
echo "options hv_utils debug=0 fcopy=kernel" >$r/set/etc/modprobe.d/local.conf
hvg_check "only a uio daemon installed: uio" \
	test "$("$mode_tool" --root $r/uio --dry-run)" = uio
hvg_check "a daemon of the device node installed too (Debian 12's): kernel" \
	test "$("$mode_tool" --root $r/both --dry-run)" = kernel
hvg_check "no fcopy daemon: kernel" test "$("$mode_tool" --root $r/none --dry-run)" = kernel
# Ours, under upstream's name (hv_fcopy_daemon), speaks the device node.
mkdir -p $r/ours/usr/sbin
cp "$uio_daemon" "$(fcopy_bin ours)" $r/ours/usr/sbin/
hvg_check "ours installed beside a uio daemon: kernel" \
	test "$("$mode_tool" --root $r/ours --dry-run)" = kernel
echo kernel >$param || hvg_fail "fcopy=kernel at run time"
hvg_check "a mode set in modprobe.d is left alone" \
	test "$("$mode_tool" --root $r/set)" = kernel
hvg_check "(still bound to hv_utils)" bound_to hv_utils
"$mode_tool" --root $r/uio || hvg_fail "hv-fcopy-mode --root $r/uio"
hvg_wait_for 10 uio_ready
hvg_check "hv-fcopy-mode moved the device to uio_hv_generic" bound_to uio_hv_generic
hvg_check "and hv_utils reads uio" test "$(cat $param)" = uio

# --- rescind and offer again ---
cat "$(fcopy_dev)/id" >$sim/rescind || hvg_fail "rescind fcopy"
hvg_wait_for 10 sh -c "! grep -qs '{$FCOPY_CLASS}' /sys/bus/vmbus/devices/*/class_id"
echo fcopy >$sim/offer || hvg_fail "offer fcopy again"
hvg_wait_for 10 uio_ready
hvg_check "the new device went to uio_hv_generic" bound_to uio_hv_generic
uio_start
expect "copy $dst back.bin 0" "step=complete status=0x00000000"
hvg_check "copies work on the new device" cmp /tmp/src1 $dst/back.bin
uio_stop

hvg_rmmod uio_hv_generic
fcopy_teardown
hvg_pass
