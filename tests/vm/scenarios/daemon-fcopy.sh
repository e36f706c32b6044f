# kernels: 6.12
# timeout: 600
# Our fcopy daemon (daemons/fcopy, hv_fcopy_daemon) over our hv_utils: the
# same checks as utils-fcopy-stock passes with Debian's hv_fcopy_daemon
# (tests/vm/lib-fcopy.sh), and what ours adds: a copy in progress is
# never visible under its final name.

# shellcheck source=tests/vm/lib-fcopy.sh
. "$HVG_SRC/tests/vm/lib-fcopy.sh"

fcopy_setup
fcopy_checks ours
# Found under upstream's (or Red Hat's) name, as support scripts look for
# it; ours ran as hv-fcopy-daemon before. (15 characters: the whole name
# fits in the kernel's process name.)
hvg_check "pgrep -l 'hypervfcopyd|hv_fcopy_daemon' finds our daemon, and only it" \
	test "$(pgrep -l 'hypervfcopyd|hv_fcopy_daemon')" = "$daemon_pid hv_fcopy_daemon"

# --- a copy in progress is invisible until COMPLETE ---
# 4 MiB (683 WRITE_TO_FILE messages). A watcher polls the directory from
# before the copy starts (on 6.12 the whole copy can take less than
# python's start-up) and stops the daemon as soon as the temporary file
# appears; the final name must not exist meanwhile.
head -c $((4 << 20)) /dev/urandom >/tmp/src4
host_data /tmp/src4
rm -f /tmp/fc-watching
python3 - "$dst" "$daemon_pid" /tmp/fc-watching >/tmp/fc-watch.out 2>&1 <<'PY' &
import os, signal, sys, time

dst, pid, ready = sys.argv[1], int(sys.argv[2]), sys.argv[3]
first = True
end = time.monotonic() + 60
while time.monotonic() < end:
    tmp = [n for n in os.listdir(dst) if n.startswith(".inflight.bin.hvcopy-")]
    if tmp:
        os.kill(pid, signal.SIGSTOP)
        break
    if first:
        open(ready, "w").close()
        first = False
else:
    sys.exit("no temporary file appeared")
try:
    seen = os.path.exists(os.path.join(dst, "inflight.bin"))
    size = os.stat(os.path.join(dst, tmp[0])).st_size
finally:
    os.kill(pid, signal.SIGCONT)
print("temporary file %s, %d bytes so far" % (tmp[0], size))
sys.exit("the final name exists during the copy" if seen else 0)
PY
watcher=$!
hvg_wait_for 30 test -e /tmp/fc-watching || hvg_fail "the directory watcher did not start"
(copy copy $dst inflight.bin 0 >/tmp/fc-inflight) &
pending=$!
watched() {
	wait "$watcher"
	local rc=$?
	cat /tmp/fc-watch.out
	return $rc
}
hvg_check "a temporary file exists during the copy, nothing under the final name" \
	watched
hvg_check "the copy completes" finishes $pending 120
hvg_check "and answered OK" test "$(cat /tmp/fc-inflight)" = "step=complete status=0x00000000"
hvg_check "the file is there, whole" cmp /tmp/src4 $dst/inflight.bin
hvg_check "the temporary file is gone" sh -c "! ls -A $dst | grep -q hvcopy"

fcopy_teardown
hvg_pass
