# kernels: 6.1 6.12 debug
# lsvmbus (tools/lsvmbus) lists exactly what hv_sim offered, with
# upstream's class names, and -v shows each channel's relid and CPU.

lsvmbus=$HVG_BUILD/lsvmbus/lsvmbus
[ -x "$lsvmbus" ] || hvg_fail "$lsvmbus was not built (make tools)"
hvg_insmod hv_vmbus
hvg_insmod hv_sim
for i in $(seq 50); do
	[ "$(ls /sys/bus/vmbus/devices | wc -l)" -ge 10 ] && break
	sleep 0.1
done
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
hvg_rmmod hv_vmbus
hvg_pass
