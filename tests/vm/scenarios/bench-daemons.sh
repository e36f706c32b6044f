# kernels: none (run by tests/bench/run.sh: make bench)
# timeout: 3000
# Our KVP daemon against Debian's stock hv_kvp_daemon in the same VM, both
# behind hv_utils and driven by hv_sim as a host would: the host's
# ENUMERATE over a pool of 500 records (the host
# walks indices until the guest says no more), GET_IP_INFO latency, and
# each daemon's peak resident memory. Prints "BENCH ..." lines and the
# ratios ours/stock.
# 500, not 10,000: the stock daemon re-reads the whole pool file for every
# request, so under TCG 10,000 records would take hours; the 10,000-key
# comparison runs outside the VM against the fake device
# (make -C daemons bench). The loops use shell builtins only: an exec per
# request over 9p would cost more than the request.

keys=500
ipn=50
ic=/sys/kernel/debug/hv_sim/ic
ours=$HVG_BUILD/daemons/bin/hv_kvp_daemon
stock=/usr/sbin/hv_kvp_daemon
[ -x "$ours" ] || hvg_fail "$ours was not built"
[ -x "$stock" ] || hvg_fail "$stock missing (hyperv-daemons)"
hvg_insmod hv_vmbus
hvg_insmod hv_sim
hvg_insmod hv_utils
ip link add hvbench0 type dummy || hvg_fail "no dummy interface"
ip link set hvbench0 address 00:15:5d:00:00:42 up
ip addr add 192.0.2.10/24 dev hvbench0
ip -6 addr add 2001:db8::10/64 dev hvbench0 nodad
mac=00:15:5D:00:00:42

# The pool file: flat 2560-byte records (key[512], value[2048]).
mkpool() {
	python3 - "$keys" <<'PY'
import sys
n = int(sys.argv[1])
with open('/var/lib/hyperv/.kvp_pool_1', 'wb') as f:
    for i in range(n):
        f.write(('BenchKey%05d' % i).encode().ljust(512, b'\0'))
        f.write(('value of key %d' % i).encode().ljust(2048, b'\0'))
PY
}

now_ms() { echo $(($(date +%s%N) / 1000000)); }

bench() {	# NAME BINARY
	local name=$1 bin=$2 pid t0 t1 i n st hwm
	rm -rf /var/lib/hyperv
	mkdir -p /var/lib/hyperv
	mkpool
	"$bin" -n >/tmp/$name.log 2>&1 &
	pid=$!
	# The daemon registers, then the host's negotiation goes through.
	for i in $(seq 300); do
		echo "get 1 BenchKey00000" >$ic/kvp/request 2>/dev/null &&
			grep -q 'status=0x00000000' $ic/kvp/reply && break
		sleep 0.1
	done
	grep -q 'status=0x00000000' $ic/kvp/reply || hvg_fail "$name: KVP not answering"
	n=0
	t0=$(now_ms)
	while :; do
		echo "enumerate 1 $n" >$ic/kvp/request || hvg_fail "$name: enumerate $n failed"
		read -r st <$ic/kvp/reply
		[ "$st" = status=0x00000000 ] || break
		n=$((n + 1))
	done
	t1=$(now_ms)
	[ $n = "$keys" ] || hvg_fail "$name: enumerated $n of $keys keys"
	eval "${name}_enum=$((t1 - t0))"
	t0=$(now_ms)
	for i in $(seq $ipn); do
		echo "get_ip_info $mac" >$ic/kvp/request || hvg_fail "$name: get_ip_info failed"
	done
	t1=$(now_ms)
	grep -q '192.0.2.10' $ic/kvp/reply || hvg_fail "$name: GET_IP_INFO lacks the address: $(cat $ic/kvp/reply)"
	eval "${name}_ip=$((t1 - t0))"
	hwm=$(sed -n 's/^VmHWM:[[:space:]]*\([0-9]*\) kB/\1/p' /proc/$pid/status)
	eval "${name}_hwm=$hwm"
	kill $pid
	wait $pid 2>/dev/null
	echo "BENCH daemon=$name keys=$keys enumerate_ms=$(eval echo \$${name}_enum) get_ip_info_ms_each=$(( $(eval echo \$${name}_ip) / ipn )) peak_rss_kb=$hwm"
}

bench stock "$stock"
bench ours "$ours"
ratio() { python3 -c "import sys; print('%.3g' % (float(sys.argv[1]) / float(sys.argv[2])))" "$1" "$2"; }
echo "BENCH ratio ours/stock: enumerate=$(ratio $ours_enum $stock_enum) get_ip_info=$(ratio $ours_ip $stock_ip) peak_rss=$(ratio $ours_hwm $stock_hwm)"
hvg_check "no protocol violation seen by hv_sim" \
	test "$(cat /sys/kernel/debug/hv_sim/violations)" = 0
hvg_pass
