# kernels: 6.12
# timeout: 600
# Our VSS daemon (daemons/vss, hv_vss_daemon) over our hv_utils: the same
# checks as utils-vss-stock passes with Debian's hv_vss_daemon
# (tests/vm/lib-vss.sh), and what ours adds: it thaws when stopped, and
# when the host never sends THAW (its watchdog).

# shellcheck source=tests/vm/lib-vss.sh
. "$HVG_SRC/tests/vm/lib-vss.sh"

vss_setup
vss_checks ours
vss_check_killed ours

# --- stopping the daemon while frozen thaws ---
expect freeze 0x00000000
hvg_check "frozen" frozen $mnt
vss_stop
hvg_check "SIGTERM while frozen thawed the file system" thawed $mnt
hvg_check "and it is writable" sh -c "echo t >$mnt/t"

# --- the watchdog thaws when the host never sends THAW ---
echo "watchdog = 5" >/tmp/vss-watchdog.conf
regs=$(vss_registrations)
"$(vss_bin ours)" -n -c /tmp/vss-watchdog.conf 2>>"$(vss_log ours)" &
daemon_pid=$!
wait_for 10 registered_since "$regs" || hvg_fail "the daemon did not register"
# Found under upstream's (or Red Hat's) name, as support scripts look for
# it; ours ran as hv-vss-daemon before.
hvg_check "pgrep -l 'hypervvssd|hv_vss_daemon' finds our daemon, and only it" \
	test "$(pgrep -l 'hypervvssd|hv_vss_daemon')" = "$daemon_pid hv_vss_daemon"
expect freeze 0x00000000
hvg_check "frozen" frozen $mnt
wait_for 20 thawed $mnt
hvg_check "the watchdog thawed after 5 s without THAW" thawed $mnt
grep "did not send THAW" "$(vss_log ours)" ||
	hvg_fail "the watchdog's thaw is not logged"
expect thaw 0x00000000

vss_teardown
hvg_pass
