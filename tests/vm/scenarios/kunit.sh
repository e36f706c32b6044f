# kernels: none (run by tests/suites/20-kunit on the debug kernel)
# Load hv_vmbus and every KUnit suite module we built, and copy each
# suite's KTAP results to /hvg-results/kunit/ for the host to count.

hvg_check "the kernel has KUnit debugfs results" test -d /sys/kernel/debug/kunit
hvg_insmod hv_vmbus
# hv_ring_pair_kunit joins the guest's ring code to hv_sim's.
hvg_insmod hv_sim
# hv_transport_kunit tests hv_utils' daemon transport.
hvg_insmod hv_utils
mods=$(ls "$HVG_MODDIR"/*_kunit.ko 2>/dev/null)
[ -n "$mods" ] || hvg_fail "no KUnit modules were built in $HVG_MODDIR"
for m in $mods; do
	insmod "$m" || hvg_fail "insmod $(basename "$m")"
done
mkdir -p /hvg-results/kunit
for d in /sys/kernel/debug/kunit/*/; do
	s=$(basename "$d")
	cp "$d/results" "/hvg-results/kunit/$s.ktap" || hvg_fail "no results for $s"
done
for m in $mods; do
	rmmod "$(basename "$m" .ko)" || hvg_fail "rmmod $(basename "$m")"
done
hvg_rmmod hv_utils
hvg_rmmod hv_sim
hvg_rmmod hv_vmbus
hvg_pass
