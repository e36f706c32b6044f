# Helpers for the input scenarios (input-keyboard, input-mouse, demo):
# source after lib.sh. tests/vm/input-events.py reads the devices.

hvg_ev="python3 $HVG_SRC/tests/vm/input-events.py"

# hvg_input_expect DEV WHAT WANT...: start reading DEV, run WHAT (a
# command that makes the host send something), and fail unless the events
# that follow are WANT, one argument per event ("KEY 30 1"), in this order
# (in any order with ANY_ORDER=1).
hvg_input_expect() {
	local dev=$1 what=$2 want got pid
	shift 2
	want=$(printf '%s\n' "$@")
	$hvg_ev read "$dev" $# 10 >/tmp/ev.out &
	pid=$!
	hvg_wait_for 5 grep -q ready /tmp/ev.out || hvg_fail "event reader did not start"
	eval "$what" || hvg_fail "the host refused: $what"
	wait $pid
	got=$(grep -v ready /tmp/ev.out)
	if [ "${ANY_ORDER:-0}" = 1 ]; then
		got=$(echo "$got" | sort)
		want=$(echo "$want" | sort)
	fi
	[ "$got" = "$want" ] ||
		hvg_fail "$what: got [$(echo $got)], want [$(echo $want)]"
	echo "ok: $what -> $(echo $got)"
}

# hvg_input_raw FILE HEX: write HEX to hv_sim's raw FILE in one write (echo
# would split a long one at its stdio buffer, making two packets).
hvg_input_raw() {
	printf '%s' "$2" | dd of="$1" bs=1M iflag=fullblock status=none ||
		hvg_fail "hv_sim refused raw '$2'"
}

# hvg_tty_line CMD: run CMD (which makes the host type a line) and print
# the line that then arrives on /dev/tty1.
hvg_tty_line() {
	local reader
	[ -e /dev/tty1 ] || hvg_fail "no /dev/tty1 (CONFIG_VT)"
	python3 -c 'import termios, os; termios.tcflush(os.open("/dev/tty1", os.O_RDONLY), termios.TCIFLUSH)'
	(timeout 15 head -n 1 </dev/tty1 >/tmp/tty-line) &
	reader=$!
	sleep 0.5
	eval "$1" || hvg_fail "the host could not type"
	wait $reader
	cat /tmp/tty-line
}
