#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Unit tests for tools/lsvmbus, run against fake sysfs trees built in a
# temporary directory:
#
#   tests/unit/lsvmbus/run.sh /path/to/lsvmbus
#
# Prints TAP (one line per case) and exits 0 only if every case passed.
#
# The expected listings in expected/ follow the output format of the
# kernel's tools/hv/lsvmbus (torvalds/linux): "VMBUS ID %2s: ..." lines,
# "\tRel_ID=%s, target_cpu=%s" per channel, an empty line after each device
# from -v on, Device_ID and Sysfs path lines from -vv on. @DEVICES@ in them
# stands for <tree>/bus/vmbus/devices.
set -u

if [ $# -ne 1 ] || [ ! -x "$1" ]; then
	echo "usage: $0 LSVMBUS-BINARY (got '${1:-}')" >&2
	echo "not ok 1 - lsvmbus binary to test: '${1:-}' is not executable"
	exit 1
fi
BIN=$1
HERE=$(cd "$(dirname "$0")" && pwd)
EXP=$HERE/expected

tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT

n=0
failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() {
	n=$((n + 1)); failed=$((failed + 1))
	echo "not ok $n - $1${2:+: $2}"
}
diag() { sed 's/^/# /' "$@"; }

# run ARGS...: run lsvmbus; stdout in $tmp/out, stderr in $tmp/err, status
# in $rc. A hang (say, on a FIFO) is a failure, not a stuck test run.
run() {
	timeout 20 "$BIN" "$@" >"$tmp/out" 2>"$tmp/err" </dev/null
	rc=$?
}

# ---- fake sysfs trees ------------------------------------------------------

# newtree NAME: an empty bus; sets $root and $DEVS.
newtree() {
	root=$tmp/$1
	rm -rf "$root"
	mkdir -p "$root/bus/vmbus/devices" "$root/devices/vmbus"
	DEVS=$root/bus/vmbus/devices
}

# mkdev ID CLASS DEVICE [MAPPING]: a device as the kernel shows it, a
# symlink devices/<DEVICE> to the device directory. CLASS and DEVICE are
# GUIDs without braces; MAPPING (printf %b) becomes channel_vp_mapping and
# is left out when not given. The directory path is left in $dev.
mkdev() {
	dev=$root/devices/vmbus/$3
	mkdir -p "$dev"
	printf '%s\n' "$1" >"$dev/id"
	printf '{%s}\n' "$2" >"$dev/class_id"
	printf '{%s}\n' "$3" >"$dev/device_id"
	if [ $# -ge 4 ]; then
		printf '%b' "$4" >"$dev/channel_vp_mapping"
	fi
	ln -s "../../../devices/vmbus/$3" "$DEVS/$3"
}

# mkchan DEVDIR RELID CPU: a channels/<relid>/cpu directory (newer kernels)
mkchan() {
	mkdir -p "$1/channels/$2"
	printf '%s\n' "$3" >"$1/channels/$2/cpu"
}

# The listing in expected/typical.*: the integration services, the echo
# test device, a mouse, an IMC device (not named by upstream lsvmbus), a NIC
# with unsorted sub-channels, a SCSI controller described only by channels/
# directories, and an unknown class with an id of three digits.
typical_tree() {
	newtree "$1"
	mkdev 14 f8615163-df3e-46c5-913f-f2d2f965ed0e 000d3a6e-4548-000d-3a6e-4548000d3a6e '14:1\n30:0\n29:1\n31:0\n'
	mkdev 1 0e0b6031-5213-4934-818b-38d90ced39db b6650ff7-33bc-4840-8048-e0676786f393 '1:0\n'
	mkdev 100 00000000-1111-2222-3333-444444444444 9b9bb1f5-6a1d-4ea5-8a7a-bd2c1d2e3f40 '100:3\n'
	mkdev 2 9527e630-d0ae-497b-adce-e80ab0175caf 2dd1ce17-079e-403c-b352-a1921ee207ee '2:0\n'
	mkdev 3 57164f39-9115-4e78-ab55-382f3bd5422d fd149e91-82e0-4a7d-afa6-2a4166cbd7c0 '3:0\n'
	mkdev 15 ba6163d9-04a1-4d29-b605-72e2ffb1dc7f f8b3781b-1e82-4818-a1c3-63d806ec15bb
	mkchan "$dev" 101 0
	mkchan "$dev" 15 0
	mkchan "$dev" 33 1
	mkdev 4 a9a0f4e7-5a45-4d96-b827-8a841e8c03e6 242ff919-07db-4180-9c2e-b86cb68c8c55 '4:0\n'
	mkdev 5 35fa2e29-ea23-4236-96ae-3a6ebacba440 ab2a9d1e-4ad5-4ab2-9bbb-1f8f2e66a8d3 '5:1\n'
	mkdev 12 c376c1c3-d276-48d2-90a9-c04748072c60 4487b255-b88c-403f-bb51-d1f69cf17f87 '12:0\n'
	mkdev 7 9a8b67c3-1d5f-4e2a-b0c7-6f3e2d1c0b9a 5620e0c7-8062-4dce-aeb7-520c7ef76171 '7:1\n'
	mkdev 9 cfa8b69e-5b4a-4cc0-b98b-8ba1a1f3f95a 58f75a6d-d949-4320-99e1-a2a2576d581c '9:0\n'
}

# expect_listing CASE EXPECTED-FILE [WANT-RC]: stdout matches the file
# (@DEVICES@ replaced), stderr is empty, exit status is WANT-RC (0).
expect_listing() {
	local want_rc=${3:-0}

	sed "s|@DEVICES@|$DEVS|g" "$2" >"$tmp/want"
	if ! cmp -s "$tmp/want" "$tmp/out"; then
		not_ok "$1" "output differs from $(basename "$2")"
		diff -u "$tmp/want" "$tmp/out" | diag
		diag "$tmp/err"
	elif [ "$rc" -ne "$want_rc" ]; then
		not_ok "$1" "exit status $rc, expected $want_rc"
		diag "$tmp/err"
	elif [ "$want_rc" -eq 0 ] && [ -s "$tmp/err" ]; then
		not_ok "$1" "unexpected messages on stderr"
		diag "$tmp/err"
	else
		ok "$1"
	fi
}

# expect_problem CASE EXPECTED-FILE STDERR-TEXT: the good part of the bus is
# listed as in the file, stderr holds STDERR-TEXT (fixed string), status 1.
expect_problem() {
	sed "s|@DEVICES@|$DEVS|g" "$2" >"$tmp/want"
	if ! cmp -s "$tmp/want" "$tmp/out"; then
		not_ok "$1" "output differs from $(basename "$2")"
		diff -u "$tmp/want" "$tmp/out" | diag
		diag "$tmp/err"
	elif [ "$rc" -ne 1 ]; then
		not_ok "$1" "exit status $rc, expected 1"
		diag "$tmp/err"
	elif ! grep -qF -- "$3" "$tmp/err"; then
		not_ok "$1" "stderr lacks '$3'"
		diag "$tmp/err"
	else
		ok "$1"
	fi
}

# ---- the listing at each level ---------------------------------------------

typical_tree typical
run --sysfs "$root"
expect_listing "default listing: one line per device, sorted by VMBus id" "$EXP/typical.v0"
run --sysfs "$root" -v
expect_listing "-v: class GUIDs and channels (sorted by relid, from channel_vp_mapping or channels/)" "$EXP/typical.v1"
run --sysfs "$root" -vv
expect_listing "-vv: adds Device_ID and Sysfs path" "$EXP/typical.v2"
run --sysfs "$root" -vvv
expect_listing "-vvv prints what -vv does" "$EXP/typical.v2"
run --sysfs "$root" --verbose -v
expect_listing "--verbose counts like -v" "$EXP/typical.v2"
run --sysfs="$root///"
expect_listing "--sysfs=DIR/ with trailing slashes" "$EXP/typical.v0"
run -vv --sysfs "$root///"
expect_listing "-vv paths are the same with trailing slashes on --sysfs" "$EXP/typical.v2"

# every class the tool names, in the order of the upstream table, then one
# it does not know
newtree classes
i=0
for class in \
	0e0b6031-5213-4934-818b-38d90ced39db 9527e630-d0ae-497b-adce-e80ab0175caf \
	57164f39-9115-4e78-ab55-382f3bd5422d a9a0f4e7-5a45-4d96-b827-8a841e8c03e6 \
	35fa2e29-ea23-4236-96ae-3a6ebacba440 34d14be3-dee4-41c8-9ae7-6b174977c192 \
	525074dc-8985-46e2-8057-a307dc18a502 cfa8b69e-5b4a-4cc0-b98b-8ba1a1f3f95a \
	f912ad6d-2b17-48ea-bd65-f927a61c7684 da0a7802-e377-4aac-8e77-0558eb1073f8 \
	f8615163-df3e-46c5-913f-f2d2f965ed0e 32412632-86cb-44a2-9b5c-50d1417354f5 \
	ba6163d9-04a1-4d29-b605-72e2ffb1dc7f 2f9bcc4a-0069-4af3-b76b-6fd0be528cda \
	8c2eaf3d-32a7-4b09-ab99-bd1f1c86b501 44c4f61d-4444-4400-9d52-802e27ede19f \
	276aacf4-ac15-426c-98dd-7521ad3f01fe f8e65716-3cb3-4a06-9a60-1889c5cccab5 \
	3375baf4-9e15-4b30-b765-67acb10d607b 9a8b67c3-1d5f-4e2a-b0c7-6f3e2d1c0b9a \
	9a8b67c3-1d5f-4e2a-b0c7-6f3e2d1c0b9b; do
	i=$((i + 1))
	mkdev "$i" "$class" "$(printf '%08x-0000-4000-8000-000000000000' "$i")" "$i:0\n"
done
run --sysfs "$root"
expect_listing "names every known class GUID, Unknown for a near miss" "$EXP/classes.v0"

# The kernel prints lower case; an upper-case class GUID is still named.
newtree upper
mkdev 3 F8615163-DF3E-46C5-913F-F2D2F965ED0E 11111111-2222-3333-4444-555555555555 '3:0\n'
run --sysfs "$root"
if [ "$rc" -eq 0 ] && [ "$(cat "$tmp/out")" = "VMBUS ID  3: Synthetic network adapter" ]; then
	ok "class GUIDs compare without regard to case"
else
	not_ok "class GUIDs compare without regard to case" "status $rc"
	diag "$tmp/out" "$tmp/err"
fi

# ---- the bus itself --------------------------------------------------------

newtree empty
for v in "" -v -vv; do
	run --sysfs "$root" $v
	if [ "$rc" -eq 0 ] && [ ! -s "$tmp/out" ] && [ ! -s "$tmp/err" ]; then
		ok "empty bus ${v:-(default level)}: no output, status 0"
	else
		not_ok "empty bus ${v:-(default level)}: no output, status 0" "status $rc"
		diag "$tmp/out" "$tmp/err"
	fi
done

# no_bus CASE: lsvmbus must say there is no VMBus and exit 1
no_bus() {
	run --sysfs "$root" -v
	if [ "$rc" -eq 1 ] && [ ! -s "$tmp/out" ] &&
	   grep -qF 'no VMBus: is hv_vmbus loaded?' "$tmp/err"; then
		ok "$1"
	else
		not_ok "$1" "status $rc"
		diag "$tmp/out" "$tmp/err"
	fi
}
root=$tmp/nobus; mkdir -p "$root/bus/pci/devices"
no_bus "no bus/vmbus: 'no VMBus: is hv_vmbus loaded?', status 1"
root=$tmp/nodevices; mkdir -p "$root/bus/vmbus"
no_bus "bus/vmbus without devices/: no VMBus, status 1"
root=$tmp/devfile; mkdir -p "$root/bus/vmbus"; : >"$root/bus/vmbus/devices"
no_bus "bus/vmbus/devices not a directory: no VMBus, status 1"

run --sysfs "$tmp/does-not-exist"
if [ "$rc" -eq 1 ] && [ ! -s "$tmp/out" ] && grep -qF "$tmp/does-not-exist" "$tmp/err"; then
	ok "--sysfs of a missing directory names it, status 1"
else
	not_ok "--sysfs of a missing directory names it, status 1" "status $rc"
	diag "$tmp/err"
fi
: >"$tmp/plainfile"
run --sysfs "$tmp/plainfile"
if [ "$rc" -eq 1 ] && grep -qF 'not a directory' "$tmp/err"; then
	ok "--sysfs of a regular file: 'not a directory', status 1"
else
	not_ok "--sysfs of a regular file: 'not a directory', status 1" "status $rc"
	diag "$tmp/err"
fi

# ---- malformed device attributes -------------------------------------------

# Two good devices (ids 1 and 2) and a third one, id 3, whose attribute is
# broken: the third is left out and reported, the others are listed.
printf 'VMBUS ID  1: Synthetic mouse\nVMBUS ID  2: Synthetic keyboard\n' >"$tmp/good.v0"
bad_tree() {
	newtree "$1"
	mkdev 2 f912ad6d-2b17-48ea-bd65-f927a61c7684 22222222-0000-4000-8000-000000000000 '2:0\n'
	mkdev 1 cfa8b69e-5b4a-4cc0-b98b-8ba1a1f3f95a 11111111-0000-4000-8000-000000000000 '1:0\n'
	mkdev 3 f8615163-df3e-46c5-913f-f2d2f965ed0e 33333333-0000-4000-8000-000000000000 '3:0\n'
	bad=$DEVS/33333333-0000-4000-8000-000000000000
}

long_text=$(head -c 5000 /dev/zero | tr '\0' '7')
for attr in id class_id device_id; do
	case $attr in
	id) good_value=3; garbage=abc ;;
	*) good_value={33333333-0000-4000-8000-000000000000}; garbage='{not-a-guid}' ;;
	esac
	for kind in missing empty blank garbage too-long directory nul fifo; do
		bad_tree "bad-$attr-$kind"
		f=$dev/$attr
		rm -f "$f"
		case $kind in
		missing) want="$bad/$attr: missing" ;;
		empty) : >"$f"; want="$bad/$attr: empty" ;;
		blank) printf ' \n\t\n' >"$f"; want="$bad/$attr: empty" ;;
		garbage) printf '%s\n' "$garbage" >"$f"; want="$bad/$attr: not a" ;;
		too-long) printf '%s\n' "$long_text" >"$f"; want="$bad/$attr: too long" ;;
		directory) mkdir "$f"; want="$bad/$attr: not a regular file" ;;
		nul) printf '%s\0\n' "$good_value" >"$f"; want="$bad/$attr: holds a NUL byte" ;;
		fifo) mkfifo "$f"; want="$bad/$attr: not a regular file" ;;
		esac
		run --sysfs "$root"
		expect_problem "$attr $kind: reported, device left out, others listed" "$tmp/good.v0" "$want"
	done
done

# ids the kernel would never print
for id in -1 +3 4294967296 99999999999 '3 4' 0x3 '3\n4' '3.0'; do
	bad_tree "bad-id"
	printf '%b\n' "$id" >"$dev/id"
	run --sysfs "$root"
	expect_problem "id '$id' is not a VMBus id" "$tmp/good.v0" "$bad/id: not a VMBus id"
done
for guid in 'f8615163-df3e-46c5-913f-f2d2f965ed0e' '{f8615163-df3e-46c5-913f-f2d2f965ed0}' \
	    '{f8615163df3e-46c5-913f-f2d2f965ed0e-}' '{g8615163-df3e-46c5-913f-f2d2f965ed0e}' \
	    '{f8615163-df3e-46c5-913f-f2d2f965ed0e}x'; do
	bad_tree "bad-guid"
	printf '%s\n' "$guid" >"$dev/class_id"
	run --sysfs "$root"
	expect_problem "class_id '$guid' is not a {GUID}" "$tmp/good.v0" "$bad/class_id: not a {GUID}"
done

# the largest relid, and white space around values, are accepted
bad_tree "edge-values"
printf ' 4294967295 \r\n' >"$dev/id"
printf '\t{F8615163-df3e-46c5-913f-f2d2f965ed0e}\n' >"$dev/class_id"
run --sysfs "$root"
printf 'VMBUS ID  1: Synthetic mouse\nVMBUS ID  2: Synthetic keyboard\nVMBUS ID 4294967295: Synthetic network adapter\n' >"$tmp/edge.v0"
expect_listing "id 4294967295 and values in white space are accepted" "$tmp/edge.v0"

# ---- entries in devices/ ---------------------------------------------------

bad_tree stray-file
rm "$bad"; : >"$bad"
run --sysfs "$root"
expect_problem "a regular file in devices/ is reported and skipped" "$tmp/good.v0" "$bad: not a device directory"

bad_tree dangling
rm -r "$dev"
run --sysfs "$root"
expect_problem "a dangling device link is reported and skipped" "$tmp/good.v0" "$bad: No such file or directory"

bad_tree control-char
mv "$bad" "$DEVS/$(printf 'bad\nVMBUS ID 9: forged')"
run --sysfs "$root"
expect_problem "a name with a control character is reported, not printed" "$tmp/good.v0" "control character"

bad_tree all-three
rm "$dev/id" "$dev/device_id"; printf 'x\n' >"$dev/class_id"
run --sysfs "$root"
if [ "$rc" -eq 1 ] && [ "$(grep -c "$bad/" "$tmp/err")" -eq 3 ]; then
	ok "every broken attribute of a device is reported, not only the first"
else
	not_ok "every broken attribute of a device is reported, not only the first" "status $rc"
	diag "$tmp/err"
fi

# two devices claiming one id: listed in name order, every time
newtree dup
mkdev 5 cfa8b69e-5b4a-4cc0-b98b-8ba1a1f3f95a bbbbbbbb-0000-4000-8000-000000000000 '5:0\n'
mkdev 5 f912ad6d-2b17-48ea-bd65-f927a61c7684 aaaaaaaa-0000-4000-8000-000000000000 '6:0\n'
run --sysfs "$root"
printf 'VMBUS ID  5: Synthetic keyboard\nVMBUS ID  5: Synthetic mouse\n' >"$tmp/dup.v0"
expect_listing "duplicate ids are listed in a stable order" "$tmp/dup.v0"

# a large bus, sorted by number, not text
newtree large
for i in $(seq 1 400 | shuf --random-source=<(yes)); do
	mkdev "$((i * 7))" 00000000-0000-0000-0000-000000000000 "$(printf '%08x-0000-4000-8000-000000000000' "$i")"
done
run --sysfs "$root"
if [ "$rc" -eq 0 ] && [ "$(wc -l <"$tmp/out")" -eq 400 ] &&
   sed 's/^VMBUS ID *\([0-9]*\): Unknown$/\1/' "$tmp/out" | sort -n -c 2>/dev/null &&
   [ "$(head -n1 "$tmp/out")" = "VMBUS ID  7: Unknown" ]; then
	ok "400 devices listed in numeric order of id"
else
	not_ok "400 devices listed in numeric order of id" "status $rc"
	head -n 5 "$tmp/out" | diag
fi

# ---- channel information ---------------------------------------------------

# one device, id 3, whose channel information is given by the caller
printf 'VMBUS ID  3: Class_ID = {f8615163-df3e-46c5-913f-f2d2f965ed0e} - Synthetic network adapter\n' >"$tmp/chan.head"
chan_tree() {
	newtree "$1"
	mkdev 3 f8615163-df3e-46c5-913f-f2d2f965ed0e 33333333-0000-4000-8000-000000000000 "${@:2}"
	map=$DEVS/33333333-0000-4000-8000-000000000000/channel_vp_mapping
	chans=$DEVS/33333333-0000-4000-8000-000000000000/channels
}
# chan_want LINES...: expected -v listing with these channel lines
chan_want() {
	local line

	{
		cat "$tmp/chan.head"
		for line in "$@"; do printf '\t%s\n' "$line"; done
		echo
	} >"$tmp/chan.v1"
}

chan_tree map-garbage '3:0\nfoo\n 17:1 \n\n4:\n:1\n9:1:2\n5:-1\n12:3\r\n'
run --sysfs "$root" -v
chan_want "Rel_ID=3, target_cpu=0" "Rel_ID=12, target_cpu=3" "Rel_ID=17, target_cpu=1"
expect_problem "channel_vp_mapping: good lines kept, bad ones reported" "$tmp/chan.v1" "$map: line 2: not RELID:CPU"
if [ "$(grep -c 'not RELID:CPU' "$tmp/err")" -eq 5 ]; then
	ok "channel_vp_mapping: each of the 5 bad lines is reported"
else
	not_ok "channel_vp_mapping: each of the 5 bad lines is reported"
	diag "$tmp/err"
fi

chan_tree map-empty ''
run --sysfs "$root" -v
chan_want
expect_problem "empty channel_vp_mapping: reported, device listed" "$tmp/chan.v1" "$map: empty"

chan_tree map-blank '\n \n'
run --sysfs "$root" -v
chan_want
expect_problem "channel_vp_mapping of blank lines: 'no channels listed'" "$tmp/chan.v1" "$map: no channels listed"

chan_tree map-long "$(for i in $(seq 1 12000); do printf '%d:0\\n' "$i"; done)"
run --sysfs "$root" -v
chan_want
expect_problem "channel_vp_mapping over 64 KiB: 'too long'" "$tmp/chan.v1" "$map: too long"

chan_tree map-many "$(for i in $(seq 2000 -1 1); do printf '%d:%d\\n' "$i" $((i % 4)); done)"
run --sysfs "$root" -v
{ cat "$tmp/chan.head"; for i in $(seq 1 2000); do printf '\tRel_ID=%d, target_cpu=%d\n' "$i" $((i % 4)); done; echo; } >"$tmp/many.v1"
expect_listing "2000 channels in channel_vp_mapping, sorted by relid" "$tmp/many.v1"

chan_tree map-preferred '3:1\n'
mkchan "$(dirname "$map")" 3 0
run --sysfs "$root" -v
chan_want "Rel_ID=3, target_cpu=1"
expect_listing "channel_vp_mapping is used when channels/ exists too (as upstream)" "$tmp/chan.v1"

chan_tree no-chan-info
run --sysfs "$root" -v
chan_want
expect_problem "no channel_vp_mapping and no channels/: reported, device listed" "$tmp/chan.v1" "no channel information"
run --sysfs "$root"
printf 'VMBUS ID  3: Synthetic network adapter\n' >"$tmp/chan.v0"
expect_listing "the default level does not read channel information" "$tmp/chan.v0"

chan_tree chan-dirs
mkchan "$(dirname "$map")" 3 0
mkchan "$(dirname "$map")" 40 1
mkchan "$(dirname "$map")" 41 'x1'
mkchan "$(dirname "$map")" 42 ''
mkdir -p "$chans/43" "$chans/notanumber"
run --sysfs "$root" -v
chan_want "Rel_ID=3, target_cpu=0" "Rel_ID=40, target_cpu=1"
expect_problem "channels/: garbage cpu reported" "$tmp/chan.v1" "$chans/41/cpu: not a CPU number"
if grep -qF "$chans/42/cpu: empty" "$tmp/err" && grep -qF "$chans/43/cpu: missing" "$tmp/err" &&
   grep -qF "$chans: unexpected entry 'notanumber'" "$tmp/err"; then
	ok "channels/: empty cpu, missing cpu and a stray entry are each reported"
else
	not_ok "channels/: empty cpu, missing cpu and a stray entry are each reported"
	diag "$tmp/err"
fi

chan_tree chan-empty
mkdir -p "$chans"
run --sysfs "$root" -v
chan_want
expect_problem "empty channels/: 'no channels'" "$tmp/chan.v1" "$chans: no channels"

# ---- command line and output -----------------------------------------------

run -h
if [ "$rc" -eq 0 ] && grep -q '^Usage: lsvmbus' "$tmp/out" && grep -qF -- '--sysfs DIR' "$tmp/out"; then
	ok "-h prints usage on stdout, status 0"
else
	not_ok "-h prints usage on stdout, status 0" "status $rc"
fi
for args in "--bogus" "-x" "extra-argument" "--sysfs" "--sysfs="; do
	run $args
	if [ "$rc" -eq 2 ] && [ ! -s "$tmp/out" ] && [ -s "$tmp/err" ]; then
		ok "usage error '$args': message, status 2"
	else
		not_ok "usage error '$args': message, status 2" "status $rc"
		diag "$tmp/err"
	fi
done

typical_tree full
timeout 20 "$BIN" --sysfs "$root" -vv >/dev/full 2>"$tmp/err"
rc=$?
if [ "$rc" -eq 1 ] && grep -qF 'write error' "$tmp/err"; then
	ok "a failed write to stdout is reported, status 1"
else
	not_ok "a failed write to stdout is reported, status 1" "status $rc"
	diag "$tmp/err"
fi

echo "1..$n"
echo "# $((n - failed)) passed, $failed failed"
[ "$failed" -eq 0 ]
