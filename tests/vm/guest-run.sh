#!/bin/bash
# Runs inside the test VM (chrooted into the overlay of the host's root):
# prepares the system, runs one scenario, collects the kernel's reports
# into /hvg-results and powers off. It never writes a success result
# itself: only the scenario can, by calling hvg_pass (tests/vm/lib.sh).

export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root TERM=dumb LANG=C.UTF-8
results=/hvg-results

mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
# Fresh /run and /tmp, unless the tree under test lives there (a CI clone
# in /tmp, say): hiding it would hide the scenarios. The overlay root is
# writable either way.
for d in /run /tmp; do
	case "$HVG_SRC/ $HVG_BUILD/" in
	"$d"/* | *" $d"/*) ;;
	*) mount -t tmpfs tmpfs "$d" ;;
	esac
done
mkdir -p /dev/pts /dev/shm
mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /dev/shm
hostname hvg-test

# The debug kernel's in-tree modules live in the cache, not in /lib/modules.
if [ -n "${HVG_DEBUG_MODULES:-}" ] && [ ! -e "/lib/modules/$(uname -r)" ]; then
	ln -s "$HVG_DEBUG_MODULES/lib/modules/$(uname -r)" "/lib/modules/$(uname -r)"
fi

kmemleak=/sys/kernel/debug/kmemleak
# Leaks from boot are not ours: kmemleak gives each object's age, and
# objects older than the scenario are set apart after the scan at the
# end (a scan here, to forget them, cost 15 s per debug-kernel run).
read -r scenario_start _ </proc/uptime
echo "hvg: scenario $HVG_SCENARIO start" >/dev/kmsg
(
	cd /tmp
	# shellcheck source=/dev/null
	. "$HVG_SRC/tests/vm/lib.sh"
	# shellcheck source=/dev/null
	. "$HVG_SRC/tests/vm/scenarios/$HVG_SCENARIO.sh"
) >"$results/output.log" 2>&1
echo "$?" >"$results/exit-status"
echo "hvg: scenario $HVG_SCENARIO end" >/dev/kmsg

if [ -w "$kmemleak" ]; then
	# kmemleak reports only objects older than 5 s at the scan.
	sleep 6
	echo scan >"$kmemleak"
	read -r now _ </proc/uptime
	# One record per object: "unreferenced object ..." and its indented
	# lines, the second saying "(age N.NNNs)". Objects allocated before
	# the scenario started go to kmemleak-before (not ours, not judged);
	# a record whose age cannot be read counts as the scenario's.
	awk -v since="$(awk -v n="$now" -v s="$scenario_start" 'BEGIN { printf "%.3f", n - s }')" \
		-v mine="$results/kmemleak" -v before="$results/kmemleak-before" '
		function flush() {
			if (rec == "") return
			if (age != "" && age + 0 > since + 0) printf "%s", rec >before
			else printf "%s", rec >mine
			rec = ""; age = ""
		}
		/^unreferenced object/ { flush() }
		{
			rec = rec $0 "\n"
			if (age == "" && match($0, /\(age [0-9.]+s\)/))
				age = substr($0, RSTART + 5, RLENGTH - 7)
		}
		END { flush(); printf "" >mine }' "$kmemleak"
fi
dmesg >"$results/dmesg"
sync
# The power-off goes on in a kernel worker while this shell (PID 1) runs;
# once it shuts the 9p root down, exec may fail, and PID 1 exiting panics
# the kernel. So sleep is started before the trigger, and only builtins
# run after it.
sleep 60 &
echo o >/proc/sysrq-trigger
while :; do
	wait
done
