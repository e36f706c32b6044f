# Helpers for the KVP scenarios (utils-kvp-*, daemon-kvp), sourced after
# lib.sh. They talk to hv_sim's host end, /sys/kernel/debug/hv_sim/ic/kvp
# (request: one host request per write, blocking until the guest answers;
# reply: "status=0x..." and the decoded fields).
#
# Builtins only where a helper runs per request: every process started
# costs much in the debug VM.

kvp=/sys/kernel/debug/hv_sim/ic/kvp
pools=/var/lib/hyperv
S_OK=0x00000000
E_FAIL=0x80004005
S_CONT=0x80070103	# the daemons' "no such key / no more records"

# kvp_req REQUEST: send one host request; sets $status and $reply. Returns
# non-zero if the write failed (no answer at all).
kvp_req() {
	reply=
	status=
	if ! printf '%s\n' "$1" 2>/tmp/kvp-err >"$kvp/request"; then
		reply=$(</tmp/kvp-err)
		return 1
	fi
	IFS= read -r -d '' reply <"$kvp/reply"
	status=${reply#status=}
	status=${status%%$'\n'*}
}

# field NAME: sets $got to NAME= of the last reply.
field() {
	local l
	got=
	while IFS= read -r l; do
		case "$l" in
		"$1="*) got=${l#*=}; return 0 ;;
		esac
	done <<<"$reply"
	return 1
}

# expect REQUEST STATUS [NAME=VALUE...]: the answer has that status and
# those fields.
expect() {
	local r=$1 want=$2 fv f v
	shift 2
	kvp_req "$r" || hvg_fail "'$r': no answer: $reply"
	[ "$status" = "$want" ] || hvg_fail "'$r': status $status, expected $want"
	for fv in "$@"; do
		f=${fv%%=*}
		v=${fv#*=}
		field "$f"
		[ "$got" = "$v" ] || hvg_fail "'$r': $f='$got', expected '$v'"
	done
	echo "ok: $r -> $status $*"
}

# Pool files: 2560-byte records, key[512] then value[2048], each string
# NUL-terminated; what follows a NUL is not part of the record (the stock
# daemon leaves stale bytes there).
cat >/tmp/kvp-pool.py <<'EOF'
import sys
d = open(sys.argv[1], "rb").read()
if len(d) % 2560:
    sys.exit("%d bytes, not whole records" % len(d))
for i in range(0, len(d), 2560):
    k = d[i:i + 512].split(b"\0", 1)[0]
    v = d[i + 512:i + 2560].split(b"\0", 1)[0]
    print((k + b"=" + v).decode("utf-8", "backslashreplace"))
EOF

# pool_dump POOL: the records of a pool file, one KEY=VALUE a line.
pool_dump() {
	python3 /tmp/kvp-pool.py "$pools/.kvp_pool_$1"
}

# expect_pool POOL KEY=VALUE...: the pool file holds exactly these records.
expect_pool() {
	local pool=$1 want have
	shift
	printf -v want '%s\n' "$@"
	want=${want%$'\n'}
	have=$(pool_dump "$pool") || hvg_fail "pool $pool file: $have"
	[ "$have" = "$want" ] ||
		hvg_fail "pool $pool file holds [$have], expected [$want]"
	echo "ok: pool file $pool holds $# records as expected"
}

# kvp_guest_setup: a known host name, resolver and interface for the
# daemons to report: hvtest0 (a veth: the debug kernel has no dummy
# driver) with MAC 02:00:5E:10:00:01, 192.0.2.10/24, 2001:db8::10/64 and
# default routes via .1 and ::1; no link-local address, so the lists are
# exactly these.
kvp_guest_setup() {
	hostname kvptest
	echo "127.0.1.1 kvptest.example.org kvptest" >>/etc/hosts
	rm -f /etc/resolv.conf
	printf 'nameserver 192.0.2.53\nnameserver 192.0.2.54\n' >/etc/resolv.conf
	ip link add hvtest0 type veth peer name hvpeer0 || hvg_fail "no veth"
	ip link set hvtest0 address 02:00:5e:10:00:01
	ip link set hvtest0 addrgenmode none
	ip link set hvpeer0 addrgenmode none
	ip link set hvpeer0 up
	ip link set hvtest0 up
	ip addr add 192.0.2.10/24 dev hvtest0
	ip -6 addr add 2001:db8::10/64 dev hvtest0 nodad
	ip route add default via 192.0.2.1 dev hvtest0
	ip -6 route add default via 2001:db8::1 dev hvtest0
}

# wait_registered: a daemon answers (IntegrationServicesVersion is index 1
# of the auto pool).
wait_registered() {
	local i
	for i in $(seq 100); do
		kvp_req "enumerate 2 1" && [ "$status" = "$S_OK" ] &&
			field value && [ "$got" = 3.1 ] && return 0
		sleep 0.2
	done
	hvg_fail "no daemon registered: $reply"
}

# kvp_wait_negotiated: hv_sim and hv_utils agreed on the versions.
kvp_wait_negotiated() {
	local i
	for i in $(seq 100); do
		[ "$(cat "$kvp/version")" != none ] && break
		sleep 0.2
	done
	hvg_check "negotiated framework 3.0, service 4.0" \
		test "$(cat "$kvp/version")" = "fw 3.0 srv 4.0"
}

# daemon_idle PID: the daemon has run no helper process for 3 s.
daemon_idle() {
	local i quiet=0
	for i in $(seq 120); do
		if pgrep -P "$1" >/dev/null; then
			quiet=0
		else
			quiet=$((quiet + 1))
			[ $quiet -ge 3 ] && return 0
		fi
		sleep 1
	done
	hvg_fail "daemon $1 stayed busy"
}

# get_ip_info_settled PID MAC: send GET_IP_INFO for MAC; the answer is in
# $status/$reply. The stock daemon runs four shell pipelines per address
# for it, which in the debug VM with other VMs sharing the CPUs can pass
# the kernel's 30 s limit (and the request then fails, as it must). After
# such a timeout (seen in the kernel log) wait until the daemon has
# finished the stale request, had its late answer refused and registered
# again, then ask again (three times at most). Any other answer is final.
kvp_timeouts() {
	hvg_dmesg | grep -c 'the KVP daemon did not answer'
}
get_ip_info_settled() {
	local pid=$1 mac=$2 try before t0
	for try in 1 2 3; do
		before=$(kvp_timeouts)
		t0=$(date +%s)
		kvp_req "get_ip_info $mac" || hvg_fail "get_ip_info: no answer: $reply"
		echo "get_ip_info took $(($(date +%s) - t0))s: status $status"
		[ "$status" = "$E_FAIL" ] && [ "$(kvp_timeouts)" -gt "$before" ] ||
			return 0
		daemon_idle "$pid"
		wait_registered
	done
}

# kvp_start COMMAND...: start a daemon in the background ($daemon_pid).
kvp_start() {
	"$@" >>/tmp/kvp-daemon.log 2>&1 &
	daemon_pid=$!
	daemon_cmd=("$@")
}

# kvp_check_pools: set, get, delete and enumerate in each pool 0-4, the
# pool files checked record by record after each step.
kvp_check_pools() {
	local p q long_key long_value
	for p in 0 1 2 3 4; do
		expect "set $p k$p-a value a $p" $S_OK
		expect "set $p k$p-b välue ✓ in pool $p" $S_OK
		expect "set_u32 $p k$p-u32 4294967295" $S_OK
		expect "set_u64 $p k$p-u64 18446744073709551615" $S_OK
		expect "get $p k$p-a" $S_OK "key=k$p-a" "value=value a $p"
		expect "get $p k$p-b" $S_OK "value=välue ✓ in pool $p"
		expect "get $p k$p-u32" $S_OK "value=4294967295"
		expect "get $p k$p-u64" $S_OK "value=18446744073709551615"
		expect "get $p k$p-none" $S_CONT
		expect_pool $p "k$p-a=value a $p" "k$p-b=välue ✓ in pool $p" \
			"k$p-u32=4294967295" "k$p-u64=18446744073709551615"
		# Modify in place: a shorter value replaces the longer one.
		expect "set $p k$p-a new" $S_OK
		expect "get $p k$p-a" $S_OK "value=new"
		if [ $p != 2 ]; then
			expect "enumerate $p 0" $S_OK "key=k$p-a" "value=new"
			expect "enumerate $p 1" $S_OK "key=k$p-b" "value=välue ✓ in pool $p"
			expect "enumerate $p 2" $S_OK "key=k$p-u32" "value=4294967295"
			expect "enumerate $p 3" $S_OK "key=k$p-u64" \
				"value=18446744073709551615"
			expect "enumerate $p 4" $S_CONT
		fi
		expect "delete $p k$p-b" $S_OK
		expect "get $p k$p-b" $S_CONT
		expect "delete $p k$p-b" $S_CONT
		expect_pool $p "k$p-a=new" "k$p-u32=4294967295" \
			"k$p-u64=18446744073709551615"
		# The other pools are untouched (each is emptied after its turn).
		for q in 0 1 2 3 4; do
			[ $q = $p ] || [ ! -s "$pools/.kvp_pool_$q" ] ||
				hvg_fail "pool $q changed by requests on pool $p"
		done
		expect "delete $p k$p-a" $S_OK
		expect "delete $p k$p-u32" $S_OK
		expect "delete $p k$p-u64" $S_OK
		expect_pool $p
	done

	# A key of 255 characters and a value of 1023 fill the host's arrays
	# (512 and 2048 bytes with the UTF-16 NUL). Answers are cut to
	# HV_KVP_EXCHANGE_MAX_*_SIZE / 2 - 2 units, as upstream's hv_kvp.c does.
	long_key=$(printf 'K%.0s' $(seq 255))
	long_value=$(printf 'v%.0s' $(seq 1023))
	expect "set 1 $long_key $long_value" $S_OK
	expect_pool 1 "$long_key=$long_value"
	expect "get 1 $long_key" $S_OK "key=$long_key" "value=${long_value:1}"
	expect "enumerate 1 0" $S_OK "key=${long_key:1}" "value=${long_value:1}"
	expect "delete 1 $long_key" $S_OK
	expect_pool 1
}

# kvp_check_auto: the auto pool (2) enumerates values the daemon makes up.
kvp_check_auto() {
	local krel NAME VERSION_ID
	. /etc/os-release
	krel=$(uname -r)
	expect "enumerate 2 0" $S_OK key=FullyQualifiedDomainName value=kvptest.example.org
	expect "enumerate 2 1" $S_OK key=IntegrationServicesVersion value=3.1
	expect "enumerate 2 2" $S_OK key=NetworkAddressIPv4 value=192.0.2.10
	expect "enumerate 2 3" $S_OK key=NetworkAddressIPv6 value=2001:db8::10
	expect "enumerate 2 4" $S_OK key=OSBuildNumber "value=$krel"
	expect "enumerate 2 5" $S_OK key=OSName "value=$NAME"
	expect "enumerate 2 6" $S_OK key=OSMajorVersion "value=$VERSION_ID"
	expect "enumerate 2 7" $S_OK key=OSMinorVersion value=
	expect "enumerate 2 8" $S_OK key=OSVersion "value=${krel%%-*}"
	expect "enumerate 2 9" $S_OK key=ProcessorArchitecture "value=$(uname -m)"
	expect "enumerate 2 10" $S_CONT
}

# kvp_check_hostile: malformed host messages are refused by the kernel and
# never reach the daemon ($daemon_pid).
kvp_check_hostile() {
	local r
	# Short bodies (len=) are 8 bytes short of what the operation needs:
	# VMBus pads a packet to 8 bytes, and the guest may use the padding.
	expect "set 0 sentinel kept" $S_OK
	for r in "key_size=514 get 0 k" "key_size=4294967295 get 0 k" \
		"key_size=514 set 0 k v" "value_size=2050 set 0 k v" \
		"value_size=4294967295 set 0 k v" "value_type=3 set 0 k v" \
		"value_type=0 set 0 k v" "key_size=600 delete 0 sentinel" \
		"get 5 k" "get 255 k" "set 5 k v" "delete 7 sentinel" "enumerate 5 0" \
		"enumerate 0 2147483648" "enumerate 0 4294967295" \
		"raw 6 0" "raw 100 0" "raw 255 0" "len=0 get 0 k" "len=3 get 0 k" \
		"len=600 get 0 sentinel" "len=2568 get 0 sentinel" "len=2568 set 0 k v" \
		"len=512 delete 0 sentinel" "len=2572 enumerate 0 0" \
		"len=7420 get_ip_info 02:00:5E:10:00:01" \
		"len=100 set_ip_info {0} 0 1.2.3.4 255.0.0.0 1.2.3.1 1.2.3.1"; do
		expect "$r" $E_FAIL
	done
	expect_pool 0 "sentinel=kept"
	hvg_check "the daemon survived the hostile messages" kill -0 "$daemon_pid"
	hvg_check "the kernel logged the refusals" hvg_dmesg_has 'malformed KVP request refused'
	# Exactly the sizes it needs are enough.
	expect "len=2576 get 0 sentinel" $S_OK value=kept
	expect "len=520 delete 0 sentinel" $S_OK
	expect_pool 0
}

# kvp_check_failures: a stopped daemon's request times out after 30 s and
# the daemon recovers; a killed one's fails at once; with none, a request
# waits, and a new one ($daemon_cmd) answers it from the pools it finds in
# their files.
kvp_check_failures() {
	local t t0 r
	# A stopped daemon: the request times out after 30 s, not hangs.
	kill -STOP "$daemon_pid"
	t0=$(date +%s)
	expect "get 0 anything" $E_FAIL
	t=$(($(date +%s) - t0))
	[ $t -ge 29 ] && [ $t -le 60 ] || hvg_fail "the timeout took ${t}s, expected 30"
	echo "ok: a stopped daemon's request failed after ${t}s"
	# Resumed, it never sees the request the kernel took back, and
	# carries on.
	kill -CONT "$daemon_pid"
	wait_registered
	expect "set 3 after ok" $S_OK
	expect "get 3 after" $S_OK value=ok

	# Killed with a request outstanding: failed back at once.
	# The request is written from a subshell: the deaths of the daemon and
	# of the killer send this shell SIGCHLD, which would interrupt its
	# write (hv_sim's request file returns EINTR on a signal).
	kill -STOP "$daemon_pid"
	t0=$(date +%s)
	(sleep 3; kill -KILL "$daemon_pid") &
	(expect "get 3 after" $E_FAIL) || exit 1
	t=$(($(date +%s) - t0))
	[ $t -lt 15 ] || hvg_fail "the killed daemon's request took ${t}s"
	echo "ok: the killed daemon's request failed after ${t}s"
	wait

	# No daemon (one restarting during an upgrade, say): the host's
	# request waits for the next daemon, which answers it from the pools
	# it finds in their files (before, HV_E_FAIL at once: a failover IP
	# injection sent then was lost).
	t0=$(date +%s)
	(expect "get 3 after" $S_OK value=ok) >/tmp/kvp-held.out 2>&1 &
	r=$!
	sleep 4
	hvg_check "a request without a daemon waits for one" kill -0 $r
	# No other request until it is answered: hv_sim has one transaction
	# at a time and one reply file.
	kvp_start "${daemon_cmd[@]}"
	wait $r || hvg_fail "the held request: $(cat /tmp/kvp-held.out)"
	wait_registered
	t=$(($(date +%s) - t0))
	echo "ok: a request held ${t}s for a new daemon got its answer"
	hvg_check "the kernel handed it over" \
		hvg_dmesg_has 'KVP request handed to the daemon that registered'
	expect "get 3 after" $S_OK value=ok
	expect "enumerate 3 0" $S_OK key=after value=ok
	expect "delete 3 after" $S_OK
	expect_pool 3
}
