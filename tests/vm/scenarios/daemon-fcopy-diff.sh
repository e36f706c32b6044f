# kernels: 6.12
# timeout: 900
# Differential test: the same host fcopy requests, in the same situations,
# to Debian's stock hv_fcopy_daemon and to ours, over the same hv_utils.
# Each case records the host's reply, the files it left (type, size,
# checksum) and their modes; the two records must be equal except for the
# deliberate differences declared below, each of which must show.

# shellcheck source=tests/vm/lib-fcopy.sh
. "$HVG_SRC/tests/vm/lib-fcopy.sh"

root=/tmp/hvg-diff	# under our daemon's default destinations
out=/var/lib/hvg-diff	# not under them
cwd=/tmp/hvg-cwd	# the daemons' working directory

# Deliberate differences: "case field" -> why. Modes are compared apart.
declare -A deliberate=(
	["mkdir-noslash reply"]="stock creates only the components followed by '/': the last directory of a path without a trailing slash is never made, the copy fails and leaves the parents; ours makes the whole path"
	["mkdir-noslash tree"]="(the same)"
	["outside reply"]="ours writes only under its destinations (default /tmp /var/tmp /home /root /srv /opt): E_ACCESSDENIED; stock writes anywhere"
	["outside tree"]="(the same)"
	["dotdot reply"]="ours refuses '..' in the path (E_ACCESSDENIED); stock follows it out of the destination"
	["dotdot tree"]="(the same)"
	["symlink-dir reply"]="ours never follows a symbolic link on the way (E_ACCESSDENIED); stock does"
	["symlink-dir tree"]="(the same)"
	["slash-name reply"]="ours takes only a plain file name (HV_INVALIDARG); stock lets '/' in the name reach other directories"
	["slash-name tree"]="(the same)"
	["dotdot-name reply"]="ours refuses '..' as a name (HV_INVALIDARG); stock answers 'already exists' for the directory"
	["unknown-flag reply"]="ours refuses flags it does not know (HV_INVALIDARG); stock ignores them"
	["unknown-flag tree"]="(the same)"
	["symlink-file tree"]="with OVER_WRITE stock writes through a symbolic link at the target name into the file it points to; ours replaces the link"
	["relative reply"]="ours requires an absolute path (E_ACCESSDENIED); stock resolves it against its working directory"
	["relative tree"]="(the same)"
	["dir-as-file reply"]="ours writes a temporary file and fails at COMPLETE when renaming it over a directory; stock fails at START"
	["dangling reply"]="ours counts a dangling symbolic link as an existing name (already exists); stock follows it and creates its target"
	["dangling tree"]="(the same)"
)

# one NAME DATA REQUEST PATH FILE FLAGS: a case, after setup_NAME if any.
# $B is the case's own directory, fresh for each daemon; a PATH starting
# with @ is under it.
setup_exists() { echo old >"$B/f.bin"; }
setup_overwrite() { echo old >"$B/f.bin"; }
setup_symlink_dir() { mkdir -p "$out/linktarget"; ln -s "$out/linktarget" "$B/link"; }
setup_slash_name() { mkdir "$B/sub"; }
setup_symlink_file() { mkdir -p "$out"; echo victim >"$out/victim"; ln -s "$out/victim" "$B/lnk"; }
setup_dir_as_file() { mkdir "$B/d"; }
setup_dangling() { ln -s nowhere "$B/dangling"; }

cases() {
	one plain /tmp/src1 copy @ f.bin 0
	one exists /tmp/src1 copy @ f.bin 0
	one overwrite /tmp/src2 copy @ f.bin $OVER_WRITE
	one nodir /tmp/src1 copy @/x/y/ f.bin 0
	one mkdir-slash /tmp/src1 copy @/x/y/ f.bin $CREATE_PATH
	one mkdir-noslash /tmp/src1 copy @/x/y f.bin $CREATE_PATH
	one cancel /tmp/src1 copy_cancel @ f.bin 0
	one empty /tmp/empty copy @ e 0
	one utf8 /tmp/src2 copy @ 'fichier-é€𝄞.bin' 0
	one big /tmp/src3 copy @ big.bin 0
	one outside /tmp/src1 copy "$out/outside/" f.bin $CREATE_PATH
	one dotdot /tmp/src1 copy "@/../../..$out/dotdot/" f.bin $CREATE_PATH
	one symlink-dir /tmp/src1 copy @/link/ f.bin 0
	one slash-name /tmp/src1 copy @ sub/f.bin 0
	one dotdot-name /tmp/src1 copy @ .. 0
	one unknown-flag /tmp/src1 copy @ f.bin 4
	one symlink-file /tmp/src2 copy @ lnk $OVER_WRITE
	one relative /tmp/src1 copy hvg-rel/ f.bin $CREATE_PATH
	one dir-as-file /tmp/src1 copy @ d $OVER_WRITE
	one dangling /tmp/src1 copy @ dangling 0
}

# tree DIR...: what is there, without modes; modes DIR...: the modes of
# files and directories.
tree() {
	find "$@" -mindepth 1 -printf '%p %y %s %l\n' 2>/dev/null | sort |
		while read -r p y s l; do
			if [ "$y" = f ]; then
				echo "$p $y $s $(md5sum <"$p" | cut -c1-12)"
			else
				echo "$p $y $s $l"
			fi
		done | tr '\n' ';'
}

modes() {
	find "$@" -mindepth 1 \( -type f -o -type d \) -printf '%p %y %m;' 2>/dev/null
}

one() {
	local name=$1 data=$2 r fn
	B=$root/$name
	mkdir -p "$B"
	fn=setup_${name//-/_}
	if declare -F "$fn" >/dev/null; then
		"$fn"
	fi
	host_data "$data"
	r=$(copy "$3" "${4/#@/$B}" "$5" "$6")
	{
		echo "$name reply $r"
		echo "$name tree $(tree "$B" "$out" "$cwd")"
		echo "$name modes $(modes "$B" "$out" "$cwd")"
	} >>"$record"
	# The next case starts from a clean outside and working directory.
	rm -rf "${out:?}" "${cwd:?}"/*
}

run() {
	record=/tmp/fcopy-diff-$1.txt
	: >"$record"
	rm -rf "$root" "$out" "$cwd"
	mkdir -p "$root" "$cwd"
	fcopy_start "$1" "$cwd"
	cases
	fcopy_stop
}

fcopy_setup
run stock
run ours

echo "--- stock ---"
cat /tmp/fcopy-diff-stock.txt
echo "--- ours ---"
cat /tmp/fcopy-diff-ours.txt
hvg_check "both records have the same cases" test \
	"$(cut -d' ' -f1,2 /tmp/fcopy-diff-stock.txt)" = "$(cut -d' ' -f1,2 /tmp/fcopy-diff-ours.txt)"
shown='' mode_diffs=0
while IFS= read -r s && IFS= read -r o <&3; do
	key=$(echo "$s" | cut -d' ' -f1,2)
	[ "$s" = "$o" ] && continue
	case "$key" in
	*" modes")
		# Where the files themselves differ (declared), so may modes.
		[ -n "${deliberate[${key% modes} tree]:-}" ] && continue
		# Elsewhere the only mode difference allowed: stock's 0744 files
		# are 0644 from ours.
		[ "${s// f 744;/ f 644;}" = "$o" ] ||
			hvg_fail "modes differ beyond 744/644: stock '$s', ours '$o'"
		mode_diffs=$((mode_diffs + 1))
		continue
		;;
	esac
	why=${deliberate[$key]:-}
	[ -n "$why" ] || hvg_fail "undeclared difference: stock '$s', ours '$o'"
	echo "deliberate difference in $key: $why"
	echo "    stock: ${s#"$key" }"
	echo "    ours:  ${o#"$key" }"
	shown="$shown|$key|"
done </tmp/fcopy-diff-stock.txt 3</tmp/fcopy-diff-ours.txt
for key in "${!deliberate[@]}"; do
	[[ "$shown" == *"|$key|"* ]] || hvg_fail "the declared difference '$key' did not show"
done
hvg_check "files are 0744 from stock, 0644 from ours ($mode_diffs cases)" test "$mode_diffs" -gt 0
echo "ok: same replies and files except the ${#deliberate[@]} declared differences and modes"
# Sanity: the records are about something.
grep -q "^plain reply step=complete status=0x00000000$" /tmp/fcopy-diff-stock.txt ||
	hvg_fail "the stock daemon did not copy"
grep -q "^big tree .* f 1048699 " /tmp/fcopy-diff-ours.txt ||
	hvg_fail "our daemon did not copy the 1 MiB file"

fcopy_teardown
hvg_pass
