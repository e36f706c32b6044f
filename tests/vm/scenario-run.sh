#!/bin/bash
# Run one scenario in the test VM, in mount and PID namespaces of its own
# (guest-run.sh starts this as PID 1 of them, under unshare):
#
#   scenario-run.sh NAME TIMEOUT           build a fresh root, chroot into it
#   scenario-run.sh --inner NAME TIMEOUT   (in that root) run the scenario
#
# The fresh root is an overlay of the read-only host root with an empty
# tmpfs on top, so files a scenario writes (KVP pools, /tmp, /sbin stand-
# ins) vanish with it and the next scenario starts from the same tree.
# Being PID 1 of its own PID namespace, the scenario's root is also
# /proc/1/root, so systemd's tools (udevadm monitor, say) do not take it
# for a chroot and refuse to work.
# What a mount namespace cannot take back is kernel state: modules, network
# namespaces and interfaces, loop devices, device nodes, processes. That is
# recorded before the scenario and compared after it; a difference turns
# its result into a failure ("left state behind"), and guest-run.sh then
# gives the rest of the plan a fresh boot.
#
# A scenario's loop counts come from its "# loops: NAME=GATE/LONG" lines:
# the shell variable NAME is set to GATE or LONG by the tier (HVG_TIER).

set -u
if [ "${1:-}" != --inner ]; then
	name=$1 timeout=$2
	base=/.hvg-scenario
	mount -t tmpfs -o mode=755 hvg-scenario "$base" || exit 1
	mkdir -p "$base/upper" "$base/work" "$base/root"
	r=$base/root
	mount -t overlay -o lowerdir=/.hvg-lower,upperdir=$base/upper,workdir=$base/work \
		overlay "$r" || exit 1
	mount -t proc proc "$r/proc" || exit 1
	for m in sys dev; do
		mount --rbind "/$m" "$r/$m" || exit 1
	done
	mount -t tmpfs tmpfs "$r/dev/shm"
	mkdir -p "$r/hvg-results"
	mount --bind "/hvg-results/$name" "$r/hvg-results" || exit 1
	# Fresh /run and /tmp, unless the tree under test lives there (a CI
	# clone in /tmp, say): hiding it would hide the scenarios. The overlay
	# is fresh either way.
	for d in /run /tmp; do
		case "$HVG_SRC/ $HVG_BUILD/" in
		"$d"/* | *" $d"/*) ;;
		*) mount -t tmpfs tmpfs "$r$d" ;;
		esac
	done
	if [ -n "${HVG_DEBUG_MODULES:-}" ] && [ ! -e "$r/lib/modules/$(uname -r)" ]; then
		ln -s "$HVG_DEBUG_MODULES/lib/modules/$(uname -r)" "$r/lib/modules/$(uname -r)"
	fi
	exec chroot "$r" /bin/bash "$HVG_SRC/tests/vm/scenario-run.sh" --inner "$name" "$timeout"
fi

name=$2 timeout=$3
export HVG_SCENARIO=$name
file=$HVG_SRC/tests/vm/scenarios/$name.sh
cd /tmp || exit 1

# Kernel state a scenario must leave as it found it, one "kind: item" per
# line. Processes count if they share this mount namespace (everything the
# scenario started does) and are not this shell or the ones listing them.
state() {
	local ns lister=$BASHPID
	ns=$(stat -L -c %i /proc/self/ns/mnt)
	sed 's/ .*//; s/^/module: /' /proc/modules
	ls /run/netns 2>/dev/null | sed 's/^/netns: /'
	ls /sys/class/net | sed 's/^/interface: /'
	for f in /sys/block/loop*/loop/backing_file; do
		[ -r "$f" ] && echo "loop device: ${f#/sys/block/} -> $(cat "$f")"
	done
	(cd /dev && find . -path ./pts -prune -o -path ./shm -prune -o -print) |
		sed 's|^\./|device node: /dev/|; /^\.$/d'
	awk '{ print "mount: " $2 " (" $3 ")" }' /proc/self/mounts
	ps -e -o pid=,ppid=,stat=,mntns=,args= | awk -v ns="$ns" -v me=$$ -v lister=$lister \
		'$4 == ns && $1 != me && $1 != lister && $2 != lister && $3 !~ /^Z/ {
			$2 = $3 = $4 = ""; print "process:" $0 }'
}

loops=
while IFS= read -r spec; do
	for kv in $spec; do
		var=${kv%%=*} val=${kv#*=}
		case "$val" in
		*/*) ;;
		*) echo "bad '# loops:' entry '$kv' (want NAME=GATE/LONG)"; exit 1 ;;
		esac
		[ "$HVG_TIER" = long ] && val=${val#*/} || val=${val%/*}
		loops="$loops $var=$val"
	done
done < <(sed -n 's/^# loops: *//p' "$file")
[ -n "$loops" ] && echo "loop counts ($HVG_TIER tier):$loops"

before=$(state)
# The scenario runs in a shell of its own, under its timeout; it passes
# only by calling hvg_pass. Loop counts are plain shell variables.
timeout -k 10 "$timeout" env $loops /bin/bash -c '
	. "$HVG_SRC/tests/vm/lib.sh"
	. "$1"' scenario "$file"
status=$?
echo "$status" >/hvg-results/exit-status
[ "$status" = 124 ] || [ "$status" = 137 ] &&
	echo "fail: timed out after ${timeout}s in the guest" >/hvg-results/result

# Whatever the result, report what was left behind; it fails a scenario
# that passed.
after=$(state)
echo "$before" | sort >/tmp/.hvg-state-before
echo "$after" | sort >/tmp/.hvg-state-after
left=$(diff /tmp/.hvg-state-before /tmp/.hvg-state-after | grep '^[<>]')
rm -f /tmp/.hvg-state-before /tmp/.hvg-state-after
if [ -n "$left" ]; then
	echo "--- state the scenario did not leave as it found it (before: <, after: >):"
	echo "$left" | head -40
	if [ "$(cat /hvg-results/result 2>/dev/null)" = success ]; then
		echo "fail: left state behind: $(echo "$left" | head -3 | paste -sd ';' | sed 's/;/; /g')" \
			>/hvg-results/result
	fi
fi
exit 0
