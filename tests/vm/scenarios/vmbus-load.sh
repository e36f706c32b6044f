# kernels: 6.1 6.12 debug
# Load hv_vmbus on a machine that is not Hyper-V: it registers the vmbus
# bus, shows the tree's version, says it waits for a platform, accepts
# hv_sim as that platform, refuses a max_version below 2.4, and unloads
# cleanly.

hvg_check "hv_vmbus is not loaded yet" test ! -d /sys/module/hv_vmbus
hvg_insmod hv_vmbus
hvg_check "the vmbus bus exists" test -d /sys/bus/vmbus/devices
# Which build is loaded: the tree's version (VERSION) as MODULE_VERSION.
hvg_check "the loaded hv_vmbus shows the tree's version $(cat "$HVG_SRC/VERSION")" \
	test "$(cat /sys/module/hv_vmbus/version)" = "$(cat "$HVG_SRC/VERSION")"
hvg_check "hv_vmbus says it waits for a platform" \
	hvg_dmesg_has 'hv_vmbus: not running on Hyper-V, waiting for a platform'
hvg_check "max_version parameter is visible" \
	test "$(cat /sys/module/hv_vmbus/parameters/max_version)" = 0

hvg_insmod hv_sim
hvg_check "hv_sim registered the sim platform" \
	hvg_dmesg_has 'hv_vmbus: platform sim registered'
hvg_check "hv_vmbus is in use by hv_sim" \
	test "$(cat /sys/module/hv_vmbus/refcnt)" -ge 1
hvg_check "hv_vmbus cannot be removed while hv_sim holds it" \
	sh -c '! rmmod hv_vmbus 2>/dev/null'
hvg_rmmod hv_sim
hvg_check "the sim platform unregistered" \
	hvg_dmesg_has 'hv_vmbus: platform sim unregistered'
hvg_rmmod hv_vmbus
hvg_check "the vmbus bus is gone" test ! -e /sys/bus/vmbus

hvg_check "a max_version below 2.4 is refused" \
	sh -c "! insmod $HVG_MODDIR/hv_vmbus.ko max_version=0x10001 2>/dev/null"
hvg_check "the refusal is explained" hvg_dmesg_has 'max_version 0x10001 is below'

for i in $(seq 1 20); do
	insmod "$HVG_MODDIR/hv_vmbus.ko" || hvg_fail "load cycle $i: insmod"
	insmod "$HVG_MODDIR/hv_sim.ko" || hvg_fail "load cycle $i: insmod hv_sim"
	rmmod hv_sim || hvg_fail "load cycle $i: rmmod hv_sim"
	rmmod hv_vmbus || hvg_fail "load cycle $i: rmmod"
done
echo "ok: 20 load/unload cycles"
hvg_pass
