# kernels: 6.12
# kernels-long: debug
# timeout: 900
# KVP (key-value pair exchange) with Debian's stock hv_kvp_daemon
# (hyperv-daemons), unchanged, over our hv_utils and hv_sim's host end:
# the host's negotiation waits for the daemon, which registers and gets
# "3.1"; set, get, delete and enumerate in each pool 0-4 with the pool
# files checked record by record; the auto pool's generated values;
# GET_IP_INFO of a real interface; hostile host messages refused; and no
# daemon, a stopped daemon or a killed one fails the request instead of
# hanging it.

sim=/sys/kernel/debug/hv_sim
daemon=/usr/sbin/hv_kvp_daemon
. "$HVG_SRC/tests/vm/lib-kvp.sh"

[ -x "$daemon" ] || hvg_fail "$daemon is not installed (hyperv-daemons)"

kvp_guest_setup
rm -rf "$pools"
hvg_insmod hv_vmbus
hvg_insmod hv_sim devices=kvp
hvg_insmod hv_utils
for i in $(seq 50); do
	[ -c /dev/vmbus/hv_kvp ] && break
	sleep 0.2
done
hvg_check "/dev/vmbus/hv_kvp exists" test -c /dev/vmbus/hv_kvp

# Until a daemon registers, the host's negotiation is held (upstream
# defers it up to 55 s so that no request is lost).
sleep 3
hvg_check "negotiation waits for the daemon" test "$(cat "$kvp/version")" = none
kvp_start "$daemon" -n
kvp_wait_negotiated
wait_registered
n=0
for f in "$pools"/.kvp_pool_[0-4]; do
	[ -f "$f" ] && n=$((n + 1))
done
hvg_check "the daemon created the 5 pool files" test $n = 5
hvg_check "a second opener gets EBUSY" \
	python3 -c 'import os, errno, sys
try:
    os.open("/dev/vmbus/hv_kvp", os.O_RDWR)
except OSError as e:
    sys.exit(e.errno != errno.EBUSY)
sys.exit(1)'

kvp_check_pools
kvp_check_auto

# GET_IP_INFO: the daemon finds the adapter by MAC; caches warmed first
# (see get_ip_info_settled).
ip route show dev hvtest0 >/dev/null
/usr/libexec/hypervkvpd/hv_get_dns_info >/dev/null
/usr/libexec/hypervkvpd/hv_get_dhcp_info hvtest0 >/dev/null
get_ip_info_settled "$daemon_pid" 02:00:5E:10:00:01
expect "get_ip_info 02:00:5E:10:00:01" $S_OK adapter=02:00:5E:10:00:01 \
	"ip=192.0.2.10;2001:db8::10" "subnet=255.255.255.0;/64" \
	"gateway=192.0.2.1;2001:db8::1;" "dns=192.0.2.53;192.0.2.54;" \
	dhcp=0 family=3
expect "get_ip_info 02:00:5E:10:00:99" $E_FAIL
# SET_IP_INFO names the adapter by its VMBus device id; this one has
# none, so the stock daemon answers HV_GUID_NOTFOUND.
expect "set_ip_info {00000000-0000-0000-0000-000000000001} 0 192.0.2.20 255.255.255.0 192.0.2.1 192.0.2.53" 0x80041002

kvp_check_hostile
kvp_check_failures

hvg_check "no protocol violation seen by the host" test "$(cat $sim/violations)" = 0
kill "$daemon_pid"
wait "$daemon_pid" 2>/dev/null
hvg_rmmod hv_utils
hvg_rmmod hv_sim
hvg_rmmod hv_vmbus
ip link del hvtest0
hvg_pass
