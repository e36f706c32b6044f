# kernels: 6.12
# power: off
# What `make demo` shows: boot a VM, load hv_vmbus and the simulated host,
# list the devices a Generation 2 VM has with lsvmbus, push traffic
# through the echo channel, rescind a device; synthetic disks (lsblk, a
# filesystem made and checked, a cluster reservation conflict between
# two controllers sharing a disk); the synthetic keyboard types a line
# that the console reads, the mouse moves and clicks; then the integration
# services: heartbeat, time sync, a KVP exchange with our daemon, and a
# shutdown requested by the host, which powers the VM off. Run by
# `make check` too, so the demo cannot rot.

say() { printf '\n=== %s\n' "$*"; }
sim=/sys/kernel/debug/hv_sim

say "kernel $(uname -r); the guest is not on Hyper-V: $(grep -q hypervisor /proc/cpuinfo && echo 'QEMU/TCG')"

say "loading hv_vmbus and hv_sim (the simulated Hyper-V host)"
hvg_insmod hv_vmbus
hvg_insmod hv_echo_test
hvg_insmod hv_sim devices=nic,scsi,scsi,keyboard,mouse,shutdown,timesync,heartbeat,kvp,vss,fcopy,echo
for i in $(seq 50); do
	[ "$(ls /sys/bus/vmbus/devices | wc -l)" -ge 12 ] && break
	sleep 0.1
done
hvg_dmesg | grep -E 'hv_(vmbus|sim):' | grep -v taint | tail -4

say "lsvmbus -vv (tools/lsvmbus)"
"$HVG_BUILD/lsvmbus/lsvmbus" -vv | head -40

say "sysfs of the synthetic NIC (upstream's ABI)"
nic=$(dirname "$(grep -l '{f8615163-df3e-46c5-913f-f2d2f965ed0e}' /sys/bus/vmbus/devices/*/class_id)")
for a in id class_id device_id modalias vendor channel_vp_mapping; do
	printf '%-20s %s\n' "$a" "$(cat "$nic/$a")"
done

say "echo channel: 10,000 packets of varied size, content checked"
run=$(ls -d /sys/kernel/debug/hv_echo_test/*/ | head -1)
echo "10000 0 64" >"$run/run" || hvg_fail "echo run failed: $(cat "$run/result")"
cat "$run/result"
echo "(signals = guest-to-host signals, interrupts = host-to-guest)"

say "rescind the echo device from the host"
relid=$(cat "$(dirname "$(grep -l '{9a8b67c3' /sys/bus/vmbus/devices/*/class_id)")/id")
echo "$relid" >$sim/rescind
sleep 1
hvg_dmesg | grep -E "relid $relid rescinded" | tail -1
echo "devices now: $(ls /sys/bus/vmbus/devices | wc -l)"
echo "protocol violations seen by the host: $(cat $sim/violations)"

say "storage: hv_storvsc on two SCSI controllers, RAM disks on the host, one disk shared"
for m in scsi_mod scsi_transport_fc sd_mod sg; do
	modprobe -q "$m" 2>/dev/null
done
set -- $(grep -lx scsi $sim/channels/*/type | sed 's#.*/channels/\([0-9]*\)/type#\1#' | sort -n)
for c in "disk data 64 thin" "disk shared 16" "attach relid:$1 0 0 data" \
	"attach relid:$1 0 1 shared" "attach relid:$2 0 0 shared"; do
	echo "$c" >$sim/storage/ctl || hvg_fail "storage ctl: $c"
done
hvg_insmod hv_storvsc
hvg_wait_for 30 hvg_disks_ready 3 ||
	hvg_fail "the three disks did not appear"
lsblk -o NAME,HCTL,SIZE,DISC-MAX,VENDOR,MODEL,WWN
data=$(for b in /sys/block/sd*; do [ "$(cat "$b/size")" = $((64 * 2048)) ] && basename "$b"; done)
set -- $(for b in /sys/block/sd*; do [ "$(cat "$b/size")" = $((16 * 2048)) ] && basename "$b"; done)
sa=$1 sb=$2
echo "mkfs.ext4 /dev/$data, mount, write, fstrim, fsck:"
mkfs.ext4 -q -F /dev/$data && mkdir -p /mnt/demo && mount /dev/$data /mnt/demo ||
	hvg_fail "mkfs/mount /dev/$data"
dd if=/dev/urandom of=/mnt/demo/file bs=1M count=4 status=none
df -h /mnt/demo | tail -1
fstrim -v /mnt/demo
umount /mnt/demo
fsck.ext4 -fn /dev/$data | tail -1
echo "cluster fencing on the shared disk: /dev/$sa (controller A) reserves it, /dev/$sb (controller B) is fenced:"
sg_persist -n --out --register --param-sark=0xa1 /dev/$sa
sg_persist -n --out --reserve --param-rk=0xa1 --prout-type=1 /dev/$sa
sg_persist -n --in --read-reservation /dev/$sb
sg_raw -s 512 -i /dev/zero /dev/$sb 2a 00 00 00 00 10 00 00 01 00 2>&1 | grep -i -m1 status
sg_persist -n --out --clear --param-rk=0xa1 /dev/$sa
cat $sim/storage/state
hvg_rmmod hv_storvsc

say "keyboard and mouse: the host types a line and moves the pointer"
modprobe -q evdev 2>/dev/null
modprobe -q hid 2>/dev/null
hvg_insmod hyperv_keyboard
hvg_insmod hid_hyperv
. "$HVG_SRC/tests/vm/lib-input.sh"
ev=$hvg_ev
kbd_inst=d34b2567-b9b6-42b9-8778-0a4ec0b955bf
mouse_name="Microsoft Vmbus HID-compliant Mouse"
hvg_wait_for 10 $ev find "sysfs=/$kbd_inst/" >/dev/null ||
	hvg_fail "no input device on the synthetic keyboard"
hvg_wait_for 10 $ev find "name=$mouse_name" >/dev/null ||
	hvg_fail "no input device on the synthetic mouse"
grep -E '^[NS]: (Name|Sysfs)=' /proc/bus/input/devices | grep -B1 /hv_vmbus/
echo "host types into hv_sim/input/keyboard/type: Hello from the Hyper-V host!"
line=$(hvg_tty_line "echo 'Hello from the Hyper-V host!' >$sim/input/keyboard/type")
echo "the guest reads on /dev/tty1:               $line"
[ "$line" = 'Hello from the Hyper-V host!' ] || hvg_fail "the typed line did not arrive"
echo "host moves the pointer to the middle of the screen and clicks (ABS_X, ABS_Y of 0..32767, BTN_LEFT):"
ANY_ORDER=1 hvg_input_expect "$($ev find "name=$mouse_name")" \
	"echo '16384 16384 1' >$sim/input/mouse/report" \
	"ABS 0 16384" "ABS 1 16384" "KEY 272 1"
echo "16384 16384 0" >$sim/input/mouse/report
hvg_rmmod hid_hyperv
hvg_rmmod hyperv_keyboard

say "integration services (hv_utils) against the simulated host"
hvg_insmod hv_utils
ic=$sim/ic
for i in $(seq 100); do
	[ "$(cat $ic/heartbeat/version)" != none ] &&
		[ "$(cat $ic/timesync/version)" != none ] && break
	sleep 0.1
done
for s in shutdown timesync heartbeat vss; do
	printf '%-10s %s\n' "$s" "$(cat $ic/$s/version)"
done

say "heartbeat: the host sends a number, the guest answers the next one"
echo 100 >$ic/heartbeat/period_ms
a=$(cat $ic/heartbeat/seq)
sleep 2
echo "sequence $a -> $(cat $ic/heartbeat/seq) in 2 s; missed: $(cat $ic/heartbeat/missed)"

say "time sync: set the guest clock an hour wrong, the host sends SYNC"
date -s "@$(($(date +%s) + 3600))" >/dev/null
echo "guest: $(date -u '+%F %T')   host: $(date -u -d "@$(($(cat $ic/timesync/host_time) / 1000000000))" '+%F %T')"
echo sync >$ic/timesync/request || hvg_fail "time sync request failed"
echo "guest: $(date -u '+%F %T')   host: $(date -u -d "@$(($(cat $ic/timesync/host_time) / 1000000000))" '+%F %T')"
hvg_dmesg | grep 'time sync:' | tail -1 | sed 's/^\[[ 0-9.]*\] //'
echo sample >$ic/timesync/request || hvg_fail "time sync sample failed"
for d in /sys/class/ptp/ptp*; do
	[ "$(cat "$d/clock_name")" = hyperv ] || continue
	ptp=/dev/$(basename "$d")
	echo "PTP clock 'hyperv' at $ptp (chrony: refclock PHC $ptp) reads: $(python3 -c 'import os, sys, time
fd = os.open(sys.argv[1], os.O_RDONLY)
print(time.strftime("%F %T", time.gmtime(time.clock_gettime(((~fd) << 3) | 3))))' "$ptp")"
done

say "KVP: our daemon (hv_kvp_daemon) answers the host's key-value requests"
mkdir -p /var/lib/hyperv
"$HVG_BUILD/daemons/bin/hv_kvp_daemon" -n >/tmp/kvp.log 2>&1 &
for i in $(seq 200); do
	[ "$(cat $ic/kvp/version)" != none ] && break
	sleep 0.1
done
echo "kvp: $(cat $ic/kvp/version)"
echo "host reads the guest's intrinsic (auto) pool:"
for i in 0 1 4 5 8 9; do
	echo "enumerate 2 $i" >$ic/kvp/request || hvg_fail "KVP enumerate failed"
	printf '  %s = %s\n' "$(sed -n 's/^key=//p' $ic/kvp/reply)" "$(sed -n 's/^value=//p' $ic/kvp/reply)"
done
echo "set 0 DemoKey pushed by the host" >$ic/kvp/request || hvg_fail "KVP set failed"
echo "host sets DemoKey in pool 0: $(sed -n 1p $ic/kvp/reply)"
echo "get 0 DemoKey" >$ic/kvp/request || hvg_fail "KVP get failed"
echo "host reads it back: $(sed -n 's/^value=//p' $ic/kvp/reply)"
echo "protocol violations seen by the host: $(cat $sim/violations)"
[ "$(cat $sim/violations)" = 0 ] || hvg_fail "the host saw protocol violations"

say "the host shuts the VM down (no shutdown daemon: the kernel does it)"
hvg_stand_in_power_commands
echo "powering off..."
hvg_host_power_request off
