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
	# busybox: one static binary, cheaper to start over 9p than
	# util-linux's mount and its libraries (half a second each time on
	# the debug kernel).
	bb=/bin/busybox
	base=/.hvg-scenario
	r=$base/root
	read -r kver </proc/sys/kernel/osrelease
	$bb mount -t tmpfs -o mode=755 hvg-scenario "$base" || exit 1
	$bb mkdir -p "$base/upper" "$base/work" "$r"
	$bb mount -t overlay -o lowerdir=/.hvg-lower,upperdir=$base/upper,workdir=$base/work \
		overlay "$r" || exit 1
	$bb mount -t proc proc "$r/proc" || exit 1
	for m in sys dev; do
		$bb mount -o rbind "/$m" "$r/$m" || exit 1
	done
	$bb mount -t tmpfs tmpfs "$r/dev/shm"
	$bb mkdir -p "$r/hvg-results"
	$bb mount -o bind "/hvg-results/$name" "$r/hvg-results" || exit 1
	# Fresh /run and /tmp, unless the tree under test lives there (a CI
	# clone in /tmp, say): hiding it would hide the scenarios. The overlay
	# is fresh either way.
	for d in /run /tmp; do
		case "$HVG_SRC/ $HVG_BUILD/" in
		"$d"/* | *" $d"/*) ;;
		*) $bb mount -t tmpfs tmpfs "$r$d" ;;
		esac
	done
	if [ -n "${HVG_DEBUG_MODULES:-}" ] && [ ! -e "$r/lib/modules/$kver" ]; then
		$bb ln -s "$HVG_DEBUG_MODULES/lib/modules/$kver" "$r/lib/modules/$kver"
	fi
	exec chroot "$r" /bin/bash "$HVG_SRC/tests/vm/scenario-run.sh" --inner "$name" "$timeout"
fi

name=$2 timeout=$3
export HVG_SCENARIO=$name
file=$HVG_SRC/tests/vm/scenarios/$name.sh
cd /tmp || exit 1

# Kernel state a scenario must leave as it found it, as keys of the
# associative array named by $1 ("kind: item"). Shell builtins only: each
# program started over the 9p root costs a tenth of a second under TCG,
# more on the debug kernel. Processes count if they are alive in this PID
# namespace (everything the scenario started is) and are not this shell.
state_into() {
	local -n into=$1
	local m f p line rest
	into=()
	while read -r m _; do
		into["module: $m"]=1
	done </proc/modules
	for f in /run/netns/* /sys/class/net/*; do
		[ -e "$f" ] || continue
		case "$f" in
		/run/*) into["netns: ${f##*/}"]=1 ;;
		*) into["interface: ${f##*/}"]=1 ;;
		esac
	done
	for f in /sys/block/loop*/loop/backing_file; do
		[ -r "$f" ] && read -r line <"$f" &&
			into["loop device: ${f#/sys/block/} -> $line"]=1
	done
	shopt -s globstar dotglob
	for f in /dev/**; do
		case "$f" in
		/dev/pts | /dev/pts/* | /dev/shm | /dev/shm/*) ;;
		*) [ -e "$f" ] || [ -L "$f" ] && into["device node: $f"]=1 ;;
		esac
	done
	shopt -u globstar dotglob
	while read -r _ m f _; do
		into["mount: $m ($f)"]=1
	done </proc/self/mounts
	for p in /proc/[0-9]*; do
		p=${p#/proc/}
		[ "$p" = $$ ] && continue
		read -r line 2>/dev/null </proc/$p/stat || continue
		rest=${line##*) }
		[ "${rest%% *}" = Z ] && continue
		m=${line#*(}
		into["process: $p ${m%)*}"]=1
	done
}

loops=
while IFS= read -r line; do
	case "$line" in
	'# loops:'*) ;;
	*) continue ;;
	esac
	for kv in ${line#'# loops:'}; do
		var=${kv%%=*} val=${kv#*=}
		case "$val" in
		*/*) ;;
		*) echo "bad '# loops:' entry '$kv' (want NAME=GATE/LONG)"; exit 1 ;;
		esac
		[ "$HVG_TIER" = long ] && val=${val#*/} || val=${val%/*}
		export "$var=$val"
		loops="$loops $var=$val"
	done
done <"$file"
[ -n "$loops" ] && echo "loop counts ($HVG_TIER tier):$loops"
declare -A before after
state_into before
# The scenario runs in a shell of its own, under its timeout; it passes
# only by calling hvg_pass. Loop counts are plain shell variables.
timeout -k 10 "$timeout" /bin/bash -c '
	. "$HVG_SRC/tests/vm/lib.sh"
	. "$1"' scenario "$file"
status=$?
echo "$status" >/hvg-results/exit-status
[ "$status" = 124 ] || [ "$status" = 137 ] &&
	echo "fail: timed out after ${timeout}s in the guest" >/hvg-results/result

# Modules the kernel loaded on demand for the scenario (ext4 for a mkfs,
# veth for an interface pair) are unloaded here, dependents first, so the
# next scenario finds the same kernel; ours (from $HVG_MODDIR) the
# scenario must unload itself, or the check below fails it.
if [ "$(cat /hvg-results/result 2>/dev/null)" = success ]; then
	ours=$HVG_BUILD/$(uname -r)/kernel
	for pass in 1 2 3 4 5 6; do
		unload=
		while read -r m _ refs _; do
			[ -n "${before["module: $m"]:-}" ] && continue
			[ -e "$ours/$m.ko" ] && continue
			[ "$refs" = 0 ] && unload="$unload $m"
		done </proc/modules
		[ -n "$unload" ] || break
		echo "unloading what the kernel loaded on demand:$unload"
		# shellcheck disable=SC2086
		rmmod $unload 2>&1
	done
fi

# Whatever the result, report what was left behind; it fails a scenario
# that passed.
state_into after
left=
for k in "${!before[@]}"; do
	[ -n "${after["$k"]:-}" ] || left="$left< $k
"
done
for k in "${!after[@]}"; do
	[ -n "${before["$k"]:-}" ] || left="$left> $k
"
done
if [ -n "$left" ]; then
	left=$(printf '%s' "$left" | sort)
	echo "--- state the scenario did not leave as it found it (before: <, after: >):"
	echo "$left" | head -40
	if [ "$(cat /hvg-results/result 2>/dev/null)" = success ]; then
		echo "fail: left state behind: $(echo "$left" | head -3 | paste -sd ';' | sed 's/;/; /g')" \
			>/hvg-results/result
	fi
fi
exit 0
