# kernels: 6.12
# timeout: 600
# Differential test: the same host VSS requests, in the same situations,
# to Debian's stock hv_vss_daemon and to ours, over the same hv_utils.
# Each step records the host's reply and which test file systems are
# frozen afterwards; the two records must be equal except for the
# deliberate differences listed below, each of which must show.

# shellcheck source=tests/vm/lib-vss.sh
. "$HVG_SRC/tests/vm/lib-vss.sh"

space="/mnt/hvg vss space"	# a second mount of the ext4 file system
fat=/mnt/hvg-vss-msdos		# msdos has no freeze_fs: FIFREEZE fails

# Deliberate differences: "step field" -> why.
declare -A deliberate=(
	["term-while-frozen state"]="ours thaws on SIGTERM; the stock daemon exits and leaves the file systems frozen"
)

# state: which test file systems are frozen.
state() {
	local out=
	frozen $mnt && out="$out ext4:frozen"
	mountpoint -q "$space" && frozen "$space" && out="$out second-mount:frozen"
	mountpoint -q $fat && frozen $fat && out="$out msdos:frozen"
	echo "${out:- none}"
}

# step NAME OP: send OP; record the reply and the state.
step() {
	local r
	r=$(req "$2")
	echo "$1 reply $r" >>"$record"
	echo "$1 state$(state)" >>"$record"
}

run() {
	record=/tmp/vss-diff-$1.txt
	: >"$record"
	vss_start "$1"
	step freeze freeze
	step thaw thaw
	step thaw-unfrozen thaw
	step freeze-1 freeze
	step freeze-2 freeze
	step thaw-both thaw
	for op in hot_backup get_dm_info create delete bu_complete; do
		step "$op" "$op"
	done

	mount "$dev" "$space" || hvg_fail "second mount of $dev"
	step freeze-two-mounts freeze
	step thaw-two-mounts thaw
	umount "$space"

	mount -t msdos "$dev2" $fat || hvg_fail "mount $dev2 (msdos)"
	step freeze-unfreezable freeze
	step thaw-unfreezable thaw
	umount $fat

	step term-freeze freeze
	vss_stop
	echo "term-while-frozen state$(state)" >>"$record"
	# Whatever the daemon left frozen must not stay so.
	fsfreeze -u $mnt 2>/dev/null
	hvg_check "$1: the file system is thawed for the next run" thawed $mnt
}

vss_setup
mkdir -p "$space" $fat
mkfs.msdos -I "$dev2" >/dev/null || hvg_fail "mkfs.msdos $dev2"
run stock
run ours

echo "--- stock ---"
cat /tmp/vss-diff-stock.txt
echo "--- ours ---"
cat /tmp/vss-diff-ours.txt
hvg_check "both records have the same steps" test \
	"$(cut -d' ' -f1,2 /tmp/vss-diff-stock.txt)" = "$(cut -d' ' -f1,2 /tmp/vss-diff-ours.txt)"
shown=
while IFS= read -r s && IFS= read -r o <&3; do
	key=$(echo "$s" | cut -d' ' -f1,2)
	[ "$s" = "$o" ] && continue
	why=${deliberate[$key]:-}
	[ -n "$why" ] || hvg_fail "undeclared difference: stock '$s', ours '$o'"
	echo "deliberate difference: stock '$s', ours '$o': $why"
	shown="$shown|$key"
done </tmp/vss-diff-stock.txt 3</tmp/vss-diff-ours.txt
for key in "${!deliberate[@]}"; do
	[[ "$shown" == *"|$key"* ]] || hvg_fail "the declared difference '$key' did not show"
done
echo "ok: same replies and states except the ${#deliberate[@]} declared difference(s)"
# Sanity: the record is about something.
grep -q "^freeze reply op=freeze status=0x00000000 " /tmp/vss-diff-stock.txt ||
	hvg_fail "the stock daemon did not freeze"
grep -q "^freeze state ext4:frozen$" /tmp/vss-diff-stock.txt ||
	hvg_fail "the file system was not frozen"
grep -q "^freeze-unfreezable reply op=freeze status=$HV_E_FAIL " /tmp/vss-diff-stock.txt ||
	hvg_fail "an unfreezable file system did not fail the freeze"

vss_teardown
hvg_pass
