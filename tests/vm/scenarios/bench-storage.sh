# kernels: none (run by tests/bench/run.sh: make bench)
# hv_storvsc with the simulated storage host's RAM disk against brd (the
# kernel's RAM disk, reached directly) of the same size, in the same VM:
# fio 4 KiB random reads at queue depth 32 and 1 MiB sequential reads at
# queue depth 8, each for a fixed time, both devices filled first. Prints
# one "BENCH key=value ..." line per workload: IOPS and MB/s of each, their
# ratio, and the host wakeups (hypercall signals plus channels found
# signalled by a monitor scan, over all of the controller's channels) per
# 1,000 I/Os.

sim=/sys/kernel/debug/hv_sim
mib=128
for m in scsi_mod scsi_transport_fc sd_mod; do
	modprobe -q "$m" 2>/dev/null
done
modprobe brd rd_nr=1 rd_size=$((mib * 1024)) || hvg_fail "modprobe brd"
hvg_insmod hv_vmbus
hvg_insmod hv_sim devices=scsi
hvg_wait_for 10 sh -c "grep -qx scsi $sim/channels/*/type" || hvg_fail "no SCSI controller"
relid=$(grep -lx scsi $sim/channels/*/type | sed 's#.*/channels/\([0-9]*\)/type#\1#')
echo "disk bench $mib" >$sim/storage/ctl || hvg_fail "disk"
echo "attach relid:$relid 0 0 bench" >$sim/storage/ctl || hvg_fail "attach"
hvg_insmod hv_storvsc
hvg_wait_for 30 hvg_disks_ready 1 || hvg_fail "no disk"
sd=/dev/$(basename "$(ls -d /sys/block/sd* | head -1)")
echo "devices: $sd (hv_storvsc) and /dev/ram0 (brd), $mib MiB each; $(nproc) vCPUs"

for dev in $sd /dev/ram0; do
	fio --name=fill --filename=$dev --allow_file_create=0 --rw=write --bs=1M --size=${mib}M \
		--ioengine=libaio --iodepth=8 --direct=1 --output=/dev/null ||
		hvg_fail "filling $dev"
done

# wakeups: the host's wakeups so far, summed over the controller's channels.
wakeups() {
	local c t=0
	for c in $sim/channels/*; do
		[ "$(cat "$c/type")" = scsi ] || continue
		t=$((t + $(cat "$c/signals") + $(cat "$c/monitor_signals")))
	done
	echo $t
}

# run NAME DEV FIO-ARGS...: "iops MBps ios" of one fio run.
run() {
	local dev=$2
	shift 2
	fio --name=b --filename="$dev" --allow_file_create=0 --direct=1 --ioengine=libaio --time_based \
		--runtime=10 --ramp_time=2 --size=${mib}M --output-format=json "$@" \
		>/tmp/fio.json || hvg_fail "fio on $dev"
	python3 -c 'import json, sys
r = json.load(open("/tmp/fio.json"))["jobs"][0]["read"]
print("%.0f %.1f %d" % (r["iops"], r["bw_bytes"] / 1e6, r["total_ios"]))'
}

for w in "randread-4k-qd32 --rw=randread --bs=4k --iodepth=32" \
	"seqread-1m-qd8 --rw=read --bs=1M --iodepth=8"; do
	name=${w%% *}
	args=${w#* }
	w0=$(wakeups)
	# shellcheck disable=SC2086
	set -- $(run "$name" "$sd" $args)
	s_iops=$1 s_mbs=$2 s_ios=$3
	w1=$(wakeups)
	# shellcheck disable=SC2086
	set -- $(run "$name" /dev/ram0 $args)
	r_iops=$1 r_mbs=$2
	awk -v n="$name" -v si="$s_iops" -v sm="$s_mbs" -v ri="$r_iops" -v rm="$r_mbs" \
		-v ios="$s_ios" -v wk=$((w1 - w0)) 'BEGIN {
		printf "BENCH workload=%s storvsc_iops=%d storvsc_MBps=%.1f brd_iops=%d brd_MBps=%.1f ratio_vs_brd=%.3f host_wakeups_per_1000_io=%.1f\n",
			n, si, sm, ri, rm, (ri > 0 ? si / ri : 0), (ios > 0 ? wk * 1000 / ios : 0) }'
done

cat $sim/storage/state
hvg_rmmod hv_storvsc
hvg_rmmod hv_sim
hvg_rmmod hv_vmbus
rmmod brd
hvg_pass
