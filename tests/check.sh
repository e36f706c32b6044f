#!/bin/bash
# Run every test suite in tests/suites (see tests/README.md) and summarise.
#
#   tests/check.sh [SUITE-NAME-PATTERN...]
#
# Prints one line per suite and ends with "N passed, N failed", counting
# test cases. Exits non-zero if any case failed or any suite could not run.
set -uo pipefail

SRCDIR=$(cd "$(dirname "$0")/.." && pwd)
BUILDDIR=${BUILDDIR:-$SRCDIR/build}
export SRCDIR BUILDDIR
mkdir -p "$BUILDDIR/logs"
cd "$SRCDIR" || exit 1

total_pass=0
total_fail=0
failed_suites=()

for suite in "$SRCDIR"/tests/suites/*; do
	[ -x "$suite" ] || continue
	name=$(basename "$suite")
	if [ $# -gt 0 ]; then
		match=0
		for pat in "$@"; do
			[[ "$name" == *$pat* ]] && match=1
		done
		[ "$match" = 1 ] || continue
	fi
	log=$BUILDDIR/logs/$name.log
	tap=$BUILDDIR/logs/$name.tap
	start=$(date +%s)
	"$suite" >"$tap" 2>"$log"
	status=$?
	secs=$(($(date +%s) - start))

	if grep -qx '# count-subtests' "$tap"; then
		lines_re='^[[:space:]]*(not )?ok [0-9]+'
	else
		lines_re='^(not )?ok [0-9]+'
	fi
	pass=$(grep -E "$lines_re" "$tap" | grep -vEc '^[[:space:]]*not ok')
	fail=$(grep -Ec "^[[:space:]]*not ok [0-9]+" "$tap")
	if [ "$status" != 0 ] && [ "$fail" = 0 ]; then
		fail=1
		echo "not ok - $name: suite exited with status $status without reporting a failed case" >>"$tap"
	fi
	if [ "$status" = 0 ] && [ "$fail" != 0 ]; then
		# A suite that reports a failure but exits 0 is itself broken.
		echo "# $name reported failures but exited 0" >>"$tap"
	fi
	if [ "$pass" = 0 ] && [ "$fail" = 0 ]; then
		fail=1
		echo "not ok - $name: ran no test case" >>"$tap"
	fi

	total_pass=$((total_pass + pass))
	total_fail=$((total_fail + fail))
	if [ "$fail" = 0 ]; then
		printf '%-28s %4d passed, %d failed  (%ds)\n' "$name" "$pass" "$fail" "$secs"
	else
		failed_suites+=("$name")
		printf '%-28s %4d passed, %d failed  (%ds)  FAILED\n' "$name" "$pass" "$fail" "$secs"
		grep -E '^[[:space:]]*not ok' "$tap" | sed 's/^/    /' | head -20
		echo "    (TAP: $tap, log: $log; last lines of the log follow)"
		tail -n 15 "$log" | sed 's/^/    | /'
	fi
done

if [ ${#failed_suites[@]} -gt 0 ]; then
	echo "failed suites: ${failed_suites[*]}"
fi
echo "$total_pass passed, $total_fail failed"
[ "$total_fail" = 0 ]
