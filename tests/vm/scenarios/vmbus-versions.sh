# kernels: 6.1 6.12
# kernels-long: debug
# timeout: 500
# Version negotiation capped at every version from 5.3 to 2.4, by the
# guest's max_version and by the host's; channels work at each; the
# connection id rules hold (the host counts a violation otherwise; a host
# below 5.0 refuses posts on connection id 4 as the hypercall does);
# MODIFYCHANNEL retargets a channel where the protocol has it. Then each
# host generation hv_sim plays (2012 R2 to Azure) with echo traffic.

sim=/sys/kernel/debug/hv_sim
versions="0x50003 0x50002 0x50001 0x50000 0x40001 0x40000 0x30000 0x20004"

wait_echo() {
	local i
	for i in $(seq 100); do
		echo_dev=$(grep -l '{9a8b67c3-1d5f-4e2a-b0c7-6f3e2d1c0b9a}' \
			/sys/bus/vmbus/devices/*/class_id 2>/dev/null | head -1)
		if [ -n "$echo_dev" ]; then
			echo_dev=$(dirname "$echo_dev")
			[ -e "$echo_dev/driver" ] && return 0
		fi
		sleep 0.1
	done
	hvg_fail "the echo device did not appear and bind"
}

answered_unloads() {
	hvg_dmesg | grep -c 'hv_sim: answered UNLOAD$'
}

no_violation_logged() {
	! hvg_dmesg | grep 'guest protocol violation'
}

echo_roundtrips() {
	local run=/sys/kernel/debug/hv_echo_test/$(basename "$echo_dev")
	echo "$1 0 8" >"$run/run" || hvg_fail "echo at $2: $(cat "$run/result")"
	grep -q "^ok sent=$1 received=$1 errors=0" "$run/result" ||
		hvg_fail "echo at $2: $(cat "$run/result")"
}

for cap in $versions; do
	major=$((cap >> 16)); minor=$((cap & 0xffff))
	# The guest caps itself.
	hvg_insmod hv_vmbus max_version=$cap
	hvg_insmod hv_echo_test
	hvg_insmod hv_sim devices=echo,heartbeat
	wait_echo
	hvg_check "guest cap $major.$minor: connected at $major.$minor" \
		test "$(cat $sim/version)" = "$((cap))"
	echo_roundtrips 200 "$major.$minor"
	relid=$(cat "$echo_dev/id")
	other=$(( ($(cat "$echo_dev/channels/$relid/cpu") + 1) % $(nproc) ))
	if [ $((cap)) -ge $((0x40001)) ]; then
		echo "$other" >"$echo_dev/channels/$relid/cpu" ||
			hvg_fail "MODIFYCHANNEL at $major.$minor refused"
		hvg_check "$major.$minor: guest channel on CPU $other" \
			test "$(cat "$echo_dev/channels/$relid/cpu")" = "$other"
		hvg_check "$major.$minor: host interrupts CPU $other" \
			test "$(cat $sim/channels/$relid/cpu)" = "$other"
		echo_roundtrips 100 "$major.$minor after retarget"
	else
		if echo "$other" >"$echo_dev/channels/$relid/cpu" 2>/dev/null; then
			hvg_fail "MODIFYCHANNEL accepted at $major.$minor (needs 4.1)"
		fi
		echo "ok: $major.$minor: retarget refused, as the protocol lacks it"
	fi
	hvg_check "$major.$minor: no protocol violation" test "$(cat $sim/violations)" = 0
	unloads=$(answered_unloads)
	hvg_rmmod hv_sim
	hvg_rmmod hv_echo_test
	hvg_rmmod hv_vmbus
	# UNLOAD exists from 3.0 (vmbus_initiate_unload()); below, hv_sim
	# counts it as a violation and does not answer.
	if [ $((cap)) -ge $((0x30000)) ]; then
		hvg_check "$major.$minor: the host answered UNLOAD" \
			test "$(answered_unloads)" = $((unloads + 1))
	else
		hvg_check "$major.$minor: no UNLOAD sent (the protocol has none)" \
			test "$(answered_unloads)" = "$unloads"
	fi
	hvg_check "$major.$minor: no protocol violation while unloading" no_violation_logged

	# The host caps itself: the guest falls back.
	hvg_insmod hv_vmbus
	hvg_insmod hv_sim devices=heartbeat max_version=$cap
	for i in $(seq 50); do
		[ "$(cat $sim/version)" != 0 ] && break
		sleep 0.1
	done
	hvg_check "host cap $major.$minor: agreed on $major.$minor" \
		test "$(cat $sim/version)" = "$((cap))"
	hvg_check "host cap $major.$minor: no protocol violation" \
		test "$(cat $sim/violations)" = 0
	# A host below 5.0 has no connection id 4: the guest's 5.x probes
	# fail as hypercalls and it goes on to older versions.
	if [ $((cap)) -lt $((0x50000)) ]; then
		hvg_check "host cap $major.$minor: the 5.x probes were refused as posts" \
			test "$(cat $sim/unknown_conn_posts)" -ge 1
	else
		hvg_check "host cap $major.$minor: no post on an unknown connection id" \
			test "$(cat $sim/unknown_conn_posts)" = 0
	fi
	hvg_rmmod hv_sim
	hvg_rmmod hv_vmbus
done

# Each host generation: the version agreed, and a channel that works
# (below 5.0 through the interrupt page: hv_sim counts a violation for a
# zero page or a signal without its bit).
for gen in 2012r2:0x30000 2016:0x40000 2019:0x50002 2022:0x50003 azure:0x50003; do
	host=${gen%%:*} want=${gen#*:}
	hvg_insmod hv_vmbus
	hvg_insmod hv_echo_test
	hvg_insmod hv_sim host=$host devices=echo,heartbeat
	wait_echo
	hvg_check "$host host: agreed on $want" test "$(cat $sim/version)" = "$((want))"
	echo_roundtrips 300 "$host host"
	hvg_check "$host host: no protocol violation" test "$(cat $sim/violations)" = 0
	hvg_rmmod hv_sim
	hvg_rmmod hv_echo_test
	hvg_rmmod hv_vmbus
done
hvg_insmod hv_vmbus
hvg_check "an unknown host generation is refused" \
	sh -c "! insmod $HVG_MODDIR/hv_sim.ko host=2008 2>/dev/null"
hvg_check "the refusal is explained" hvg_dmesg_has "unknown host generation '2008'"
hvg_rmmod hv_vmbus
hvg_pass
