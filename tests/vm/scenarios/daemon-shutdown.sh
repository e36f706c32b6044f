# kernels: 6.1 6.12
# power: reboot
# Our shutdown daemon (daemons/shutdown) against hv_utils and hv_sim: it
# registers on /dev/vmbus/hv_shutdown, runs its hooks and the configured
# command for each host request (power off, forced reboot without hooks)
# and the host gets OK; hibernate is refused before it reaches the daemon
# (hv_vmbus cannot suspend yet); a stopped daemon gets the host answered
# after 5 s and still does the job once resumed. Then the
# daemon is killed, and the next host request (reboot) is carried out by
# the kernel itself: run.sh checks that the VM restarted.
# systemd-logind is not running in the test VM, so method = exec and the
# commands are recorders; the logind path is covered by the unit tests.

ic=/sys/kernel/debug/hv_sim/ic
daemon=$HVG_BUILD/daemons/bin/hv_shutdown_daemon
[ -x "$daemon" ] || hvg_fail "$daemon was not built (make daemons)"
hvg_stand_in_power_commands
mkdir -p /tmp/hooks
cat >/tmp/fake-shutdown <<'SH'
#!/bin/sh
echo "$*" >>/tmp/shutdown-args
SH
cat >/tmp/hooks/10-record <<'SH'
#!/bin/sh
echo "$1" >>/tmp/hook-args
SH
chmod 755 /tmp/fake-shutdown /tmp/hooks/10-record
: >/tmp/power-state
cat >/tmp/sd.conf <<CONF
method = exec
shutdown_command = /tmp/fake-shutdown
power_state = /tmp/power-state
hook_dir = /tmp/hooks
hook_timeout = 10
CONF

hvg_insmod hv_vmbus
hvg_insmod hv_sim
hvg_insmod hv_utils
hvg_check "shutdown negotiated" hvg_wait_for 20 hvg_ic_negotiated shutdown
"$daemon" -n -c /tmp/sd.conf >/tmp/daemon.log 2>&1 &
pid=$!
n=100
until hvg_dmesg_has 'shutdown daemon registered' || [ $n = 0 ]; do
	sleep 0.1
	n=$((n - 1))
done
hvg_check "the daemon registered with hv_utils" hvg_dmesg_has 'shutdown daemon registered'
# Named like the other daemons (hv_shutdown_daemon); the kernel keeps 15
# characters of a process name, so pgrep finds it by its command line.
hvg_check "it runs as hv_shutdown_dae (the process name's 15 characters)" \
	test "$(cat /proc/$pid/comm)" = hv_shutdown_dae
hvg_check "pgrep -f hv_shutdown_daemon finds it, and only it" \
	test "$(pgrep -f hv_shutdown_daemon)" = "$pid"

request() {
	echo "$1" >$ic/shutdown/request || hvg_fail "host request '$1' failed"
	echo "host '$1': $(cat $ic/shutdown/reply)"
}
request poweroff
hvg_check "power off answered OK" grep -q 'status=0x00000000' $ic/shutdown/reply
hvg_check "the daemon ran 'shutdown -P now'" test "$(tail -1 /tmp/shutdown-args)" = "-P now"
hvg_check "the hook ran with 'poweroff'" test "$(tail -1 /tmp/hook-args)" = poweroff
request "reboot force"
hvg_check "forced reboot answered OK" grep -q 'status=0x00000000' $ic/shutdown/reply
hvg_check "the daemon ran 'shutdown -r now'" test "$(tail -1 /tmp/shutdown-args)" = "-r now"
hvg_check "a forced request skips the hooks" test "$(wc -l </tmp/hook-args)" = 1
request hibernate
# hv_vmbus cannot suspend its channels yet: hv_utils refuses before the
# daemon hears of it (the daemon's hibernate path: its unit tests).
hvg_check "hibernate is refused (HV_E_FAIL)" grep -q 'status=0x80004005' $ic/shutdown/reply
sleep 1
hvg_check "the daemon was not asked to hibernate" test ! -s /tmp/power-state
# (A function: hvg_dmesg_has does not exist in a child sh.)
kernel_stayed_out() { ! hvg_dmesg_has "host requested"; }
hvg_check "the kernel did not act itself while the daemon served" kernel_stayed_out

# A slow daemon: the host hears yes after hv_utils' 5 s (before: only
# when the daemon answered, up to 90 s), and the daemon still acts.
kill -STOP $pid
t0=$SECONDS
request poweroff
t=$((SECONDS - t0))
echo "answered after ${t}s with the daemon stopped"
hvg_check "a stopped daemon: the host is answered OK" grep -q 'status=0x00000000' $ic/shutdown/reply
hvg_check "after hv_utils' 5 s, not the daemon's 90" test "$t" -ge 4 -a "$t" -le 20
hvg_dmesg_has 'shutdown daemon still busy after 5 s' ||
	hvg_fail "the early answer is not logged"
kill -CONT $pid
three_runs() { [ "$(wc -l </tmp/shutdown-args)" = 3 ]; }
hvg_wait_for 10 three_runs
hvg_check "the resumed daemon carried out the power off" \
	test "$(wc -l </tmp/shutdown-args)" = 3 -a "$(tail -1 /tmp/shutdown-args)" = "-P now"
hvg_check "the kernel left it to the daemon" kernel_stayed_out
cat /tmp/daemon.log
hvg_check "no protocol violation seen by hv_sim" \
	test "$(cat /sys/kernel/debug/hv_sim/violations)" = 0

kill $pid
wait $pid 2>/dev/null
echo "daemon stopped; the host asks for a reboot"
hvg_host_power_request reboot
