# VSS helpers and checks shared by the scenarios utils-vss-stock (Debian's
# hv_vss_daemon), daemon-vss (ours) and daemon-vss-diff (both). Sourced
# after tests/vm/lib.sh.
#
#   vss_setup            load the modules, offer VSS, start a syslogd, make
#                        the test file system ($mnt on $dev)
#   vss_start KIND       start the stock or our daemon (stock|ours)
#   vss_checks KIND      the behaviour every daemon must show
#   vss_teardown         stop everything, check violations, unload

sim=/sys/kernel/debug/hv_sim
vss=$sim/ic/vss
mnt=/mnt/hvg-vss
HV_E_FAIL=0x80004005
VSS_CLASS=35fa2e29-ea23-4236-96ae-3a6ebacba440

# "At once" is seconds; the debug kernel under TCG is several times slower.
quick=5 late=45
[ "${HVG_KERNEL:-}" = debug ] && quick=15 late=75

vss_bin() {
	case "$1" in
	stock) echo /usr/sbin/hv_vss_daemon ;;
	ours) echo "$HVG_BUILD/daemons/bin/hv_vss_daemon" ;;
	esac
}

# vss_log KIND: where the daemon's messages go (stock: syslog; ours: its
# standard error in the foreground).
vss_log() {
	case "$1" in
	stock) echo /tmp/syslog ;;
	ours) echo /tmp/vss-ours.log ;;
	esac
}

# vss_says KIND EVENT: the daemon's log line for EVENT, as a grep pattern.
vss_says() {
	case "$1:$2" in
	stock:handshake) echo "kernel module version: 129" ;;
	ours:handshake) echo "registered with the kernel, version 129" ;;
	stock:hot_backup) echo "CHECK HOT BACKUP" ;;
	ours:hot_backup) echo "hot backup announced" ;;
	stock:foreign_op) echo "Illegal op" ;;
	ours:foreign_op) echo "unknown operation" ;;
	esac
}

# req OP: send OP from the host; prints the reply line. Fails the scenario
# if the write itself fails (no answer at all).
req() {
	echo "$1" >"$vss/request" || hvg_fail "host request '$1' got no answer"
	cat "$vss/reply"
}

# expect OP STATUS [FLAGS]: the host's request gets that status (and flags).
expect() {
	local r
	r=$(req "$1")
	echo "$1 -> $r"
	case "$r" in
	"op=$1 status=$2 "*) ;;
	*) hvg_fail "$1: expected status=$2, got '$r'" ;;
	esac
	if [ -n "${3:-}" ]; then
		case "$r" in
		*" flags=$3") ;;
		*) hvg_fail "$1: expected flags=$3, got '$r'" ;;
		esac
	fi
}

vss_registrations() {
	hvg_dmesg | grep -c 'vss: daemon registered'
}

# For wait_for, which must re-read them each time:
# registered_since N: more than N daemon registrations so far.
registered_since() {
	[ "$(vss_registrations)" -gt "$1" ]
}

# version_is TEXT: the host's view of the negotiated versions.
version_is() {
	[ "$(cat $vss/version)" = "$1" ]
}

# still_running PID SECONDS: PID has not exited after SECONDS.
still_running() {
	sleep "$2"
	kill -0 "$1" 2>/dev/null
}

# finishes PID SECONDS: PID exits within SECONDS.
finishes() {
	local end=$((SECONDS + $2))
	while [ "$SECONDS" -lt "$end" ]; do
		kill -0 "$1" 2>/dev/null || return 0
		sleep 0.1
	done
	! kill -0 "$1" 2>/dev/null
}

# wait_for SECONDS COMMAND...: until COMMAND succeeds.
wait_for() {
	local end=$((SECONDS + $1))
	shift
	while [ "$SECONDS" -lt "$end" ]; do
		"$@" && return 0
		sleep 0.1
	done
	"$@"
}

# frozen DIR: the file system at DIR is frozen (FIFREEZE gets EBUSY);
# a file system that was not frozen is thawed again at once, and one that
# cannot be frozen (EOPNOTSUPP) is not frozen.
frozen() {
	local err
	if err=$(LC_ALL=C fsfreeze -f "$1" 2>&1); then
		fsfreeze -u "$1"
		return 1
	fi
	case "$err" in
	*"Device or resource busy"*) return 0 ;;
	esac
	return 1
}

thawed() {
	! frozen "$1"
}

vss_setup() {
	[ -x "$(vss_bin stock)" ] || hvg_fail "$(vss_bin stock) is not installed (hyperv-daemons)"
	[ -x "$(vss_bin ours)" ] || hvg_fail "$(vss_bin ours) was not built (make daemons)"
	modprobe -q ptp 2>/dev/null
	hvg_insmod hv_vmbus
	hvg_insmod hv_utils
	hvg_insmod hv_sim devices=vss
	wait_for 10 version_is "fw 3.0 srv 5.0"
	hvg_check "/dev/vmbus/hv_vss exists" test -c /dev/vmbus/hv_vss
	hvg_check "VSS negotiated framework 3.0, service 5.0" \
		test "$(cat $vss/version)" = "fw 3.0 srv 5.0"

	# The stock daemon's syslog, for the "no daemon traffic" checks.
	busybox syslogd -n -O /tmp/syslog &
	syslogd_pid=$!
	sleep 0.5

	# The daemons freeze mounts whose source is under /dev/. The VM's own
	# mounts (overlay, 9p, tmpfs) are not, so only ours are frozen.
	mkdir -p $mnt
	masks='' loops=''
	if ! modprobe -q brd rd_nr=2 rd_size=65536 2>/dev/null || [ ! -b /dev/ram1 ]; then
		rmmod brd 2>/dev/null
		brd=no
	fi
	vss_disk 0
	dev=$disk
	vss_disk 1
	dev2=$disk
	echo "test disks: $dev $dev2 (loop devices: ${loops:-none})"
	mkfs.ext4 -q -F "$dev" || hvg_fail "mkfs.ext4 $dev"
	mount "$dev" $mnt || hvg_fail "mount $dev"
	grep -q "^$dev $mnt " /proc/mounts || hvg_fail "$dev is not listed as the source of $mnt"
	echo before >$mnt/old
}

# vss_disk N: set $disk to a block device for test file system N (not in
# a subshell: it records what teardown undoes). A RAM disk (brd)
# where the kernel has one. The debug kernel has none: there a loop
# device, reached through a node of another name, with its sysfs
# directory hidden from the daemon under test (both daemons skip devices
# that have /sys/dev/block/M:m/loop; ours goes by the name only when sysfs
# cannot tell, and an empty directory tells "not a loop device").
vss_disk() {
	local loop node=/dev/hvg-vss-disk$1
	if [ "${brd:-}" != no ]; then
		disk=/dev/ram$1
		return
	fi
	truncate -s 64M "/tmp/vss$1.img"
	loop=$(losetup -f --show "/tmp/vss$1.img") || hvg_fail "losetup"
	mknod "$node" b $((0x$(stat -c %t "$loop"))) $((0x$(stat -c %T "$loop"))) ||
		hvg_fail "mknod $node"
	loops="$loops $loop"
	masks="$masks /sys/devices/virtual/block/$(basename "$loop")"
	disk=$node
}

daemon_pid=
vss_start() {
	local before bin cmd
	before=$(vss_registrations)
	bin=$(vss_bin "$1")
	cmd=("$bin" -n)
	if [ -n "$masks" ]; then
		# A slave copy of our mounts: later test mounts reach the daemon,
		# its masks stay in its namespace.
		mount --make-rshared / || hvg_fail "mount --make-rshared /"
		cmd=(unshare -m --propagation slave sh -c
			"for m in $masks; do mount -t tmpfs hvg-mask \$m || exit 1; done
			exec $bin -n")
	fi
	if [ "$1" = ours ]; then
		"${cmd[@]}" 2>>"$(vss_log ours)" &
	else
		"${cmd[@]}" &
	fi
	daemon_pid=$!
	wait_for 10 registered_since "$before" ||
		hvg_fail "the $1 daemon did not register"
}

vss_stop() {
	[ -n "$daemon_pid" ] || return 0
	kill -CONT "$daemon_pid" 2>/dev/null
	kill "$daemon_pid" 2>/dev/null
	wait "$daemon_pid" 2>/dev/null
	daemon_pid=
}

vss_teardown() {
	vss_stop
	kill "$syslogd_pid" 2>/dev/null
	wait "$syslogd_pid" 2>/dev/null
	# Its socket is in the devtmpfs every scenario shares.
	rm -f /dev/log
	echo "--- syslog ---"
	cat /tmp/syslog
	echo "--- our daemon's log ---"
	cat "$(vss_log ours)" 2>/dev/null
	umount $mnt || hvg_fail "umount"
	if [ -n "$loops" ]; then
		rm -f /dev/hvg-vss-disk*
		for l in $loops; do
			losetup -d "$l"
		done
	else
		rmmod brd
	fi
	hvg_check "no protocol violations" test "$(cat $sim/violations)" = 0
	hvg_rmmod hv_utils
	hvg_rmmod hv_sim
	hvg_rmmod hv_vmbus
}

# The device goes away (rescind) with a request waiting for the daemon,
# which is left stopped: the request fails, and the guest removes the
# device under the open file.
vss_rescind_with_pending() {
	local d relid pending
	d=$(dirname "$(grep -l "{$VSS_CLASS}" /sys/bus/vmbus/devices/*/class_id)")
	relid=$(cat "$d/id")
	kill -STOP "$daemon_pid"
	(echo hot_backup >"$vss/request") 2>/tmp/rescind-err &
	pending=$!
	sleep 1
	echo "$relid" >$sim/rescind || hvg_fail "rescind $relid"
	hvg_check "the pending request ends with the rescind" finishes $pending 25
	wait $pending && hvg_fail "the request succeeded on a rescinded channel"
	echo "the host's request: $(cat /tmp/rescind-err)"
	wait_for 10 test ! -e /dev/vmbus/hv_vss
	hvg_check "/dev/vmbus/hv_vss is gone" test ! -e /dev/vmbus/hv_vss
	hvg_check "the host forgot the channel" test "$(cat "$vss/version")" = none
}

# The host offers the device again.
vss_reoffer() {
	echo vss >$sim/offer || hvg_fail "offer vss again"
	wait_for 10 version_is "fw 3.0 srv 5.0"
	hvg_check "the re-offered device negotiated again" \
		test "$(cat $vss/version)" = "fw 3.0 srv 5.0"
}

# The behaviour any daemon must show over our hv_utils. The daemon is not
# running on entry and is left running.
# vss_check_killed KIND: the daemon killed (-9) with the file system
# frozen never leaves it frozen. The host's THAW waits for the next
# daemon (the kernel remembers the freeze), which thaws every frozen
# mount; with no daemon at all, the kernel thaws after 10 s, loudly. A
# write blocked on the frozen file system completes either way. Expects
# a running daemon; leaves one running. (Before: the THAW got HV_E_FAIL
# and the file system stayed frozen.)
vss_check_killed() {
	local kind=$1 w thaw t0 t
	expect freeze 0x00000000
	hvg_check "frozen before the kill" frozen $mnt
	sh -c "echo k1 >$mnt/k1" &
	w=$!
	kill -KILL "$daemon_pid"
	wait "$daemon_pid" 2>/dev/null
	daemon_pid=
	hvg_check "the kernel noticed the file systems left frozen" \
		wait_for 5 hvg_dmesg_has 'closed its device with file systems frozen'
	(expect thaw 0x00000000) >/tmp/vss-thaw.out 2>&1 &
	thaw=$!
	sleep 2
	hvg_check "the host's THAW waits for a daemon" kill -0 $thaw
	vss_start "$kind"
	wait $thaw || hvg_fail "THAW for a restarted daemon: $(cat /tmp/vss-thaw.out)"
	hvg_check "the kernel handed the THAW to the new daemon" \
		hvg_dmesg_has 'THAW handed to the daemon that registered'
	hvg_check "the new daemon thawed it" thawed $mnt
	hvg_check "the blocked write completed" finishes $w 10

	# No daemon comes back: the kernel thaws, through SysRq's emergency
	# thaw, where kernel.sysrq allows it (1, or bit 0x40; Debian's 438
	# does not: then the kernel only says so, checked below).
	sysrq=$(cat /proc/sys/kernel/sysrq)
	echo 1 >/proc/sys/kernel/sysrq
	expect freeze 0x00000000
	hvg_check "frozen again" frozen $mnt
	sh -c "echo k2 >$mnt/k2" &
	w=$!
	kill -KILL "$daemon_pid"
	wait "$daemon_pid" 2>/dev/null
	daemon_pid=
	t0=$SECONDS
	expect thaw 0x00000000
	t=$((SECONDS - t0))
	echo "THAW with no daemon answered after ${t}s"
	hvg_check "the THAW waited the kernel's 10 s for a daemon" test $t -ge 9 -a $t -le 40
	hvg_check "the kernel thawed the file system" wait_for 10 thawed $mnt
	hvg_check "the blocked write completed" finishes $w 10
	hvg_check "the kernel said so loudly" \
		hvg_dmesg_has 'no VSS daemon to thaw the file systems frozen for a backup'

	# With SysRq's thaw not allowed: HV_E_FAIL to the host and a
	# critical message naming what to do; the test thaws by hand.
	echo 438 >/proc/sys/kernel/sysrq
	vss_start "$kind"
	expect freeze 0x00000000
	kill -KILL "$daemon_pid"
	wait "$daemon_pid" 2>/dev/null
	daemon_pid=
	expect thaw $HV_E_FAIL
	hvg_check "the kernel said what to do" \
		hvg_dmesg_has 'kernel.sysrq does not allow its emergency thaw .bit 0x40.; run fsfreeze -u on each'
	hvg_check "still frozen, as said" frozen $mnt
	# The kernel still knows: the host's next THAW waits for a daemon
	# again (before, it was taken for "nothing frozen").
	(expect thaw 0x00000000) >/tmp/vss-thaw.out 2>&1 &
	thaw=$!
	sleep 2
	hvg_check "the next THAW waits for a daemon again" kill -0 $thaw
	vss_start "$kind"
	wait $thaw || hvg_fail "second THAW for a restarted daemon: $(cat /tmp/vss-thaw.out)"
	hvg_check "the new daemon thawed what the kernel could not" thawed $mnt
	echo "$sysrq" >/proc/sys/kernel/sysrq
}

vss_checks() {
	local kind=$1 log t0 t regs pending
	log=$(vss_log "$kind")

	# --- no daemon ---
	t0=$SECONDS
	expect freeze $HV_E_FAIL
	hvg_check "freeze without a daemon fails at once" test $((SECONDS - t0)) -le $quick
	expect get_dm_info 0x00000000 0x00000000

	vss_start "$kind"
	wait_for 5 grep -q "$(vss_says "$kind" handshake)" "$log"
	hvg_check "the daemon read the kernel's u32 (129) in the handshake" \
		grep -q "$(vss_says "$kind" handshake)" "$log"

	# --- freeze, a blocked write, thaw ---
	expect freeze 0x00000000
	hvg_check "the file system is frozen (a second FIFREEZE gets EBUSY)" frozen $mnt
	echo written >/tmp/not-frozen || hvg_fail "a write to /tmp blocked"
	sh -c "echo during >$mnt/new" &
	writer=$!
	hvg_check "a write to the frozen file system blocks" still_running $writer 2
	expect thaw 0x00000000
	hvg_check "the write completes after thaw" finishes $writer 10
	wait $writer || hvg_fail "the write after thaw failed"
	hvg_check "the written data is there" test "$(cat $mnt/new)" = during
	hvg_check "the old data is intact" test "$(cat $mnt/old)" = before
	hvg_check "the file system is writable again" sh -c "echo after >$mnt/after"

	# --- the other operations ---
	expect hot_backup 0x00000000 0x00000005
	expect get_dm_info 0x00000000 0x00000000
	expect create 0x00000000
	expect delete 0x00000000
	expect bu_complete 0x00000000
	sleep 0.5
	if grep -q "$(vss_says "$kind" foreign_op)" "$log"; then
		hvg_fail "the kernel passed an operation it answers itself to the daemon"
	fi
	echo "ok: get_dm_info/create/delete/bu_complete never reached the daemon"
	grep -q "$(vss_says "$kind" hot_backup)" "$log" ||
		hvg_fail "hot_backup did not reach the daemon (nothing in $log)"
	echo "ok: hot_backup reached the daemon"

	hvg_check "a second open of /dev/vmbus/hv_vss gets EBUSY" python3 -c '
import errno, os, sys
try:
    os.open("/dev/vmbus/hv_vss", os.O_RDWR)
except OSError as e:
    sys.exit(0 if e.errno == errno.EBUSY else 1)
sys.exit(1)'

	# --- the daemon does not answer: the guest's 30 s timeout ---
	kill -STOP "$daemon_pid"
	t0=$SECONDS
	expect thaw $HV_E_FAIL
	t=$((SECONDS - t0))
	echo "thaw with a stopped daemon failed after ${t}s"
	hvg_check "the timeout is the guest's 30 s" test "$t" -ge 28 -a "$t" -le $late
	hvg_dmesg_has 'vss: the daemon did not answer operation 6 in time' ||
		hvg_fail "the timeout is not logged"
	regs=$(vss_registrations)
	kill -CONT "$daemon_pid"
	# The THAW it never read was taken back: resumed, it does not act on
	# it, answers nothing late, and carries on (before, it read the stale
	# request, its late answer was refused, and it started over).
	sleep 3
	hvg_check "the resumed daemon did not start over" \
		test "$(vss_registrations)" = "$regs"
	expect freeze 0x00000000
	expect thaw 0x00000000

	# --- the daemon dies with a request pending ---
	kill -STOP "$daemon_pid"
	(req hot_backup >/tmp/vss-pending) &
	pending=$!
	sleep 1
	t0=$SECONDS
	kill -KILL "$daemon_pid"
	wait "$daemon_pid" 2>/dev/null
	daemon_pid=
	hvg_check "the pending request is answered when the daemon dies" finishes $pending 25
	echo "pending hot_backup -> $(cat /tmp/vss-pending)"
	grep -q "^op=hot_backup status=$HV_E_FAIL " /tmp/vss-pending ||
		hvg_fail "the pending request did not fail: $(cat /tmp/vss-pending)"
	hvg_check "it failed on the close, not on the 30 s timeout" \
		test $((SECONDS - t0)) -lt 25
	hvg_dmesg_has 'vss: the daemon closed the device with operation 2 pending' ||
		hvg_fail "the close is not logged"

	# --- no daemon any more, then a new one ---
	t0=$SECONDS
	expect freeze $HV_E_FAIL
	hvg_check "freeze after the daemon died fails at once" test $((SECONDS - t0)) -le $quick
	hvg_check "nothing is frozen" sh -c "echo x >$mnt/x"
	vss_start "$kind"
	expect freeze 0x00000000
	expect thaw 0x00000000
	hvg_check "a new daemon freezes and thaws" sh -c "echo y >$mnt/y"

	# --- the device goes away with a request pending, then comes back ---
	regs=$(vss_registrations)
	vss_rescind_with_pending
	kill -CONT "$daemon_pid"
	if [ "$kind" = stock ]; then
		# tools/hv/hv_vss_daemon.c exits when it cannot reopen the device.
		hvg_check "the stock daemon exits when its device is gone" \
			finishes "$daemon_pid" 25
		wait "$daemon_pid" 2>/dev/null
		daemon_pid=
		vss_reoffer
		vss_start stock
	else
		# Ours retries the device for 10 s and attaches to the new one.
		sleep 2
		hvg_check "our daemon waits for its device" kill -0 "$daemon_pid"
		vss_reoffer
		wait_for 25 registered_since "$regs"
		hvg_check "our daemon attached to the new device by itself" \
			test "$(vss_registrations)" -gt "$regs"
	fi
	expect freeze 0x00000000
	hvg_check "the file system is frozen" frozen $mnt
	expect thaw 0x00000000
	hvg_check "and thawed" sh -c "echo z >$mnt/z"
}

# The device's daemon ABI byte by byte (drivers/hv/hv_snapshot.c rules),
# with no daemon running. struct hv_vss_msg is 12 bytes: operation (u8,
# overlaid by the answer's s32 error), 7 reserved, u32 flags.
vss_abi_checks() {
	hvg_check "the device follows the daemon ABI" python3 - "$vss" <<-'PY'
	import errno, os, select, struct, subprocess, sys

	vss = sys.argv[1]
	fd = os.open("/dev/vmbus/hv_vss", os.O_RDWR)
	poll = select.poll()
	poll.register(fd, select.POLLIN)

	def refused(buf, err, what):
	    try:
	        os.write(fd, buf)
	    except OSError as e:
	        if e.errno != err:
	            sys.exit("%s: errno %d, not %d" % (what, e.errno, err))
	        print("ok:", what)
	        return
	    sys.exit("%s: accepted" % what)

	def host(op):
	    return subprocess.Popen(["sh", "-c", "echo %s >%s/request && cat %s/reply"
	                             % (op, vss, vss)], stdout=subprocess.PIPE,
	                            text=True)

	refused(b"\0" * 11, errno.EINVAL, "an 11-byte write gets EINVAL")
	refused(b"\0" * 13, errno.EINVAL, "a 13-byte write gets EINVAL")
	refused(struct.pack("<iII", 0, 0, 0), errno.EINVAL,
	        "an answer with nothing pending gets EINVAL")
	os.write(fd, struct.pack("<B7xI", 128, 0))
	if poll.poll(1000):
	    sys.exit("legacy VSS_OP_REGISTER (128) was answered")
	print("ok: legacy registration (128) accepted without an answer")

	h = host("freeze")
	if not poll.poll(20000):
	    sys.exit("the freeze did not reach the daemon device")
	try:
	    os.read(fd, 11)
	    sys.exit("an 11-byte read of a 12-byte message succeeded")
	except OSError as e:
	    if e.errno != errno.EINVAL:
	        sys.exit("short read: errno %d" % e.errno)
	msg = os.read(fd, 4096)
	if len(msg) != 12 or msg[0] != 5:
	    sys.exit("freeze arrived as %r" % msg)
	print("ok: freeze arrives as a 12-byte struct hv_vss_msg, operation 5")
	refused(struct.pack("<B7xI", 129, 0), errno.EINVAL,
	        "registration while a request is pending gets EINVAL")
	os.write(fd, struct.pack("<IiI", 0x80004005, 0, 0))
	out = h.communicate()[0].strip()
	if not out.startswith("op=freeze status=0x80004005 "):
	    sys.exit("the daemon's failure did not reach the host: %s" % out)
	print("ok: the daemon's status reaches the host:", out)

	h = host("hot_backup")
	poll.poll(20000)
	msg = os.read(fd, 4096)
	if len(msg) != 12 or msg[0] != 2:
	    sys.exit("hot_backup arrived as %r" % msg)
	os.write(fd, struct.pack("<IiI", 0, 0, 0))
	out = h.communicate()[0].strip()
	if out != "op=hot_backup status=0x00000000 flags=0x00000005":
	    sys.exit("hot_backup answered with flags 0 gave: %s" % out)
	print("ok: the kernel sets VSS_HBU_NO_AUTO_RECOVERY:", out)
	os.close(fd)
	PY
}
