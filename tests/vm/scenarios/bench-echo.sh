# kernels: none (run by tests/bench/run.sh: make bench)
# Echo channel streaming at 64 B, 1 KiB and 16 KiB, signalled by
# hypercall (with the simulated host sleeping as soon as the ring is empty,
# poll 0, or polling 50 us first) and by monitor page, against a reference
# measured in the same VM: the same bytes through a pipe (dd | dd).
# Prints one "BENCH key=value ..." line per size.

hvg_insmod hv_vmbus
hvg_insmod hv_sim devices=echo

# bench RING_KB "NOTIFY POLL SIZE COUNT"...: bind the echo test driver
# with rings of RING_KB and run each spec. notify: "hypercall" (the driver
# asks for low latency: HvSignalEvent per signal) or "monitor" (a bit in
# the monitor page, which the host scans every 100 us). host_wakeups
# counts what reached the host: hypercalls plus channels found signalled
# by a scan.
bench() {
	local ring_kb=$1 spec notify poll size count run dev relid simch
	local res ns sig intr w0 w1 t0 t1 i
	shift
	hvg_insmod hv_echo_test ring_kb="$ring_kb"
	for i in $(seq 100); do
		run=$(ls -d /sys/kernel/debug/hv_echo_test/*/ 2>/dev/null | head -1)
		[ -n "$run" ] && break
		sleep 0.05
	done
	[ -n "$run" ] || hvg_fail "echo device not bound"
	dev=$(basename "$run")
	relid=$(cat "/sys/bus/vmbus/devices/$dev/id")
	simch=/sys/kernel/debug/hv_sim/channels/$relid
	[ "$(cat "$simch/monitor_id")" -ge 0 ] || hvg_fail "the echo channel is not monitored"
	for spec in "$@"; do
		set -- $spec
		notify=$1 poll=$2 size=$3 count=$4
		echo "$poll" >/sys/module/hv_sim/parameters/poll_us
		if [ "$notify" = hypercall ]; then
			echo 1 >/sys/module/hv_echo_test/parameters/low_latency
		else
			echo 0 >/sys/module/hv_echo_test/parameters/low_latency
		fi
		w0=$(($(cat "$simch/signals") + $(cat "$simch/monitor_signals")))
		echo "$count $size 512" >"$run/run" || hvg_fail "echo $size: $(cat "$run/result")"
		res=$(cat "$run/result")
		w1=$(($(cat "$simch/signals") + $(cat "$simch/monitor_signals")))
		case "$res" in ok*) ;; *) hvg_fail "echo $size: $res" ;; esac
		ns=$(echo "$res" | sed 's/.* ns=\([0-9]*\).*/\1/')
		sig=$(echo "$res" | sed 's/.* signals=\([0-9]*\).*/\1/')
		intr=$(echo "$res" | sed 's/.* interrupts=\([0-9]*\).*/\1/')
		# Reference: the same payload bytes, one way, through a pipe.
		t0=$(date +%s%N)
		dd if=/dev/zero bs="$size" count="$count" 2>/dev/null | dd of=/dev/null bs="$size" 2>/dev/null
		t1=$(date +%s%N)
		awk -v n="$notify" -v r="$ring_kb" -v p="$poll" -v s="$size" -v c="$count" -v ns="$ns" -v sig="$sig" \
			-v wake=$((w1 - w0)) -v intr="$intr" -v refns=$((t1 - t0)) 'BEGIN {
			pps = c / (ns / 1e9); mbs = c * s / (ns / 1e9) / 1e6;
			ref = c * s / (refns / 1e9) / 1e6;
			printf "BENCH notify=%s ring_kb=%d host_poll_us=%d size=%d packets=%d pps=%.0f MBps=%.1f guest_signals_per_1000=%.2f host_wakeups_per_1000=%.2f interrupts_per_1000=%.2f pipe_MBps=%.1f ratio_vs_pipe=%.3f\n",
				n, r, p, s, c, pps, mbs, sig * 1000 / c, wake * 1000 / c, intr * 1000 / c, ref, mbs / ref }'
	done
	hvg_rmmod hv_echo_test
}

bench 256 "hypercall 0 64 200000" "hypercall 0 1024 100000" "hypercall 0 16384 10000" \
	"hypercall 50 64 200000" "hypercall 50 1024 100000" "hypercall 50 16384 10000" \
	"monitor 0 64 200000" "monitor 0 1024 100000" "monitor 0 16384 10000"
# Large packets want large rings (netvsc's are MiB-sized): the same
# 16 KiB stream through 1 MiB rings.
bench 1024 "hypercall 0 16384 10000" "monitor 0 16384 10000"
hvg_rmmod hv_sim
hvg_rmmod hv_vmbus
hvg_pass
