# kernels: 6.1 6.12 debug
# lsvmbus (tools/lsvmbus) lists exactly what hv_sim offered, with
# upstream's class names, and -v shows each channel's relid and CPU; a
# Generation 1 VM (gen=1) has IDE where Generation 2 has SCSI.

lsvmbus=$HVG_BUILD/lsvmbus/lsvmbus
[ -x "$lsvmbus" ] || hvg_fail "$lsvmbus was not built (make tools)"
# all_offered: the 10 devices of a default VM are there.
all_offered() {
	[ "$(ls /sys/bus/vmbus/devices | wc -l)" -ge 10 ]
}

hvg_insmod hv_vmbus
hvg_insmod hv_sim
hvg_wait_for 5 all_offered
out=$("$lsvmbus") || hvg_fail "lsvmbus failed"
echo "$out"
hvg_check "one line per offered device (10)" test "$(echo "$out" | wc -l)" = 10
for name in "Synthetic network adapter" "Synthetic SCSI Controller" \
	"Synthetic keyboard" "Synthetic mouse" "\[Operating system shutdown\]" \
	"\[Time Synchronization\]" "\[Heartbeat\]" "\[Data Exchange\]" \
	"\[Backup (volume checkpoint)\]" "\[Guest services\]"; do
	echo "$out" | grep -q "$name" || hvg_fail "lsvmbus does not list $name"
done
echo "ok: every device named"
for d in /sys/bus/vmbus/devices/*; do
	id=$(cat "$d/id")
	echo "$out" | grep -qE "^VMBUS ID +$id: " || hvg_fail "lsvmbus lacks VMBUS ID $id"
done
echo "ok: every VMBus id listed"
v=$("$lsvmbus" -vv) || hvg_fail "lsvmbus -vv failed"
echo "$v" | head -20
for d in /sys/bus/vmbus/devices/*; do
	id=$(cat "$d/id")
	cpu=$(cat "$d/channels/$id/cpu")
	echo "$v" | grep -qF "Rel_ID=$id, target_cpu=$cpu" ||
		hvg_fail "lsvmbus -vv lacks Rel_ID=$id, target_cpu=$cpu"
	echo "$v" | grep -qF "Device_ID = $(cat "$d/device_id")" ||
		hvg_fail "lsvmbus -vv lacks the device id of $id"
done
echo "ok: -vv shows every channel and device id"
hvg_rmmod hv_sim

# A Generation 1 VM: IDE, no SCSI controller.
hvg_insmod hv_sim gen=1
hvg_wait_for 5 all_offered
out=$("$lsvmbus") || hvg_fail "lsvmbus failed"
echo "$out"
hvg_check "gen=1: one line per offered device (10)" test "$(echo "$out" | wc -l)" = 10
hvg_check "gen=1: an IDE controller" sh -c "echo \"\$1\" | grep -q 'Synthetic IDE Controller'" - "$out"
hvg_check "gen=1: no SCSI controller" sh -c "! echo \"\$1\" | grep -q 'Synthetic SCSI Controller'" - "$out"
hvg_rmmod hv_sim
if insmod "$HVG_MODDIR/hv_sim.ko" gen=3 2>/dev/null; then
	rmmod hv_sim
	hvg_fail "hv_sim accepted gen=3"
fi
echo "ok: gen=3 refused"
hvg_rmmod hv_vmbus
hvg_pass
