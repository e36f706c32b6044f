#!/bin/bash
# PID 1 of the test VM, chrooted into the overlay of the host's root: runs
# the scenarios listed in /hvg-results/.plan one after another in this one
# boot, each in a root, mount and PID namespace of its own
# (tests/vm/scenario-run.sh), then collects the kernel's reports and
# powers off. It never writes a success result itself: only a scenario
# can, by calling hvg_pass (tests/vm/lib.sh).
#
# The plan: a line "tier gate|long", then one line per scenario,
# "NAME TIMEOUT". The boot ends early, leaving the rest of the plan to the
# next boot, after a scenario that failed, left state behind or made the
# kernel report a problem: later scenarios get a kernel in a known state.
# A scenario that declares "# power:" stops the VM itself; run.sh puts it
# last in its boot.
#
# Per scenario, in /hvg-results/NAME/: output.log, result, exit-status,
# times ("START END", guest uptime in seconds) and kmemleak. The window of
# kernel log lines that belongs to a scenario is marked by
# "hvg: scenario NAME start" and "... end".

export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root TERM=dumb LANG=C.UTF-8
results=/hvg-results

mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
mkdir -p /dev/pts /dev/shm
mount -t devpts devpts /dev/pts
# What udev would make: bash's <(...) needs /dev/fd.
ln -sfn /proc/self/fd /dev/fd
ln -sfn /proc/self/fd/0 /dev/stdin
ln -sfn /proc/self/fd/1 /dev/stdout
ln -sfn /proc/self/fd/2 /dev/stderr
hostname hvg-test

# The debug kernel's in-tree modules live in the cache, not in /lib/modules.
if [ -n "${HVG_DEBUG_MODULES:-}" ] && [ ! -e "/lib/modules/$(uname -r)" ]; then
	ln -s "$HVG_DEBUG_MODULES/lib/modules/$(uname -r)" "/lib/modules/$(uname -r)"
fi

# The kernel runs /sbin/poweroff and /sbin/reboot (orderly_poweroff(),
# orderly_reboot()) in this root, not in a scenario's.
# shellcheck source=tests/vm/lib.sh
. "$HVG_SRC/tests/vm/lib.sh"
hvg_stand_in_power_commands "the kernel"

splat_re=$(cat "$HVG_SRC/tests/vm/splat-regex")
kmemleak=/sys/kernel/debug/kmemleak
tier=gate
declare -a done_names=() done_start=() done_end=()

# kmemleak_scan: one scan for every scenario run so far in this boot.
# kmemleak gives each object's age; an object is the scenario's whose
# window (start to end, guest uptime) holds its allocation time. Objects
# from before the first scenario (boot) or between scenarios (this runner)
# go to .kmemleak-other, not judged. One scan per boot, not per scenario:
# it costs 10-20 s on the debug kernel.
kmemleak_scan() {
	[ -w "$kmemleak" ] && [ ${#done_names[@]} -gt 0 ] || return 0
	local i windows=
	# kmemleak reports only objects older than 5 s at the scan.
	sleep 6
	echo scan >"$kmemleak"
	read -r now _ </proc/uptime
	for i in "${!done_names[@]}"; do
		windows="$windows${done_names[$i]} ${done_start[$i]} ${done_end[$i]}
"
	done
	# One record per object: "unreferenced object ..." and its indented
	# lines, the second saying "(age N.NNNs)". A record whose age cannot
	# be read counts as the last scenario's.
	awk -v now="$now" -v windows="$windows" -v dir="$results" '
		BEGIN {
			n = split(windows, w, "\n")
			for (i = 1; i <= n; i++) {
				if (split(w[i], f, " ") != 3) continue
				k++; name[k] = f[1]; from[k] = f[2]; to[k] = f[3]
				printf "" >(dir "/" f[1] "/kmemleak")
			}
		}
		function flush(   t, i, out) {
			if (rec == "") return
			out = dir "/.kmemleak-other"
			if (age == "") out = dir "/" name[k] "/kmemleak"
			else {
				t = now - age
				for (i = 1; i <= k; i++)
					if (t >= from[i] && t <= to[i]) out = dir "/" name[i] "/kmemleak"
			}
			printf "%s", rec >>out
			rec = ""; age = ""
		}
		/^unreferenced object/ { flush() }
		{
			rec = rec $0 "\n"
			if (age == "" && match($0, /\(age [0-9.]+s\)/))
				age = substr($0, RSTART + 5, RLENGTH - 7)
		}
		END { flush() }' "$kmemleak"
	echo clear >"$kmemleak"
	done_names=() done_start=() done_end=()
}

# The kernel log since the scenario's start marker reports a problem.
kernel_complained() {
	dmesg | sed -n "/hvg: scenario $1 start/,\$p" | grep -qE "$splat_re"
}

while read -r name timeout; do
	case "$name" in
	tier) tier=$timeout; continue ;;
	'' | '#'*) continue ;;
	esac
	dir=$results/$name
	mkdir -p "$dir"
	power=$(sed -n 's/^# power: *\([a-z]*\).*/\1/p' "$HVG_SRC/tests/vm/scenarios/$name.sh" | head -1)
	# It will stop the VM: scan for the scenarios before it now.
	[ -n "$power" ] && kmemleak_scan
	read -r start _ </proc/uptime
	echo "hvg: scenario $name start" >/dev/kmsg
	HVG_TIER=$tier unshare --mount --propagation private --pid --fork \
		/bin/bash "$HVG_SRC/tests/vm/scenario-run.sh" "$name" "$timeout" \
		>>"$dir/output.log" 2>&1
	read -r end _ </proc/uptime
	echo "hvg: scenario $name end" >/dev/kmsg
	echo "$start $end" >"$dir/times"
	done_names+=("$name") done_start+=("$start") done_end+=("$end")
	result=$(cat "$dir/result" 2>/dev/null)
	if [ "$result" != success ]; then
		echo "hvg: $name did not pass; the rest of the plan gets a fresh boot" >/dev/kmsg
		break
	fi
	if kernel_complained "$name"; then
		echo "hvg: the kernel reported a problem during $name; the rest of the plan gets a fresh boot" >/dev/kmsg
		break
	fi
done <"$results/.plan"

kmemleak_scan
dmesg >"$results/.dmesg"
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
