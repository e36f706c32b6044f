#!/bin/bash
# Run every test suite in tests/suites (see tests/README.md) and summarise.
#
#   tests/check.sh [SUITE-NAME-PATTERN...]
#
# Prints one line per suite, then the VM time budget (total VM time, the
# ten slowest cases), and ends with "N passed, N failed", counting test
# cases. Exits non-zero if any case failed or any suite could not run.
#
# HVG_TIER=gate (default; make check) or long (make check-long): see
# tests/README.md. The gate warns, without failing, once it takes longer
# than HVG_BUDGET_WARN seconds (default 2400: 40 of CI's 90 minutes).
set -uo pipefail
export HVG_TIER=${HVG_TIER:-gate}
budget_warn=${HVG_BUDGET_WARN:-2400}
check_start=$(date +%s)

SRCDIR=$(cd "$(dirname "$0")/.." && pwd)
BUILDDIR=${BUILDDIR:-$SRCDIR/build}
export SRCDIR BUILDDIR
mkdir -p "$BUILDDIR/logs"
cd "$SRCDIR" || exit 1
# This run's VM timings only (tests/vm/run.sh appends to it).
rm -f "$BUILDDIR/logs/vm-times.tsv" "$BUILDDIR/logs/50-vm.not-run"

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
"$SRCDIR/tests/vm/times.sh" budget "$BUILDDIR/logs/vm-times.tsv"
elapsed=$(($(date +%s) - check_start))
printf 'wall time: %dm%02ds (%s tier)\n' $((elapsed / 60)) $((elapsed % 60)) "$HVG_TIER"
if [ "$HVG_TIER" = gate ] && [ "$elapsed" -gt "$budget_warn" ]; then
	echo "WARNING: the gate took ${elapsed}s, more than ${budget_warn}s: CI allows 90 minutes; move loops or scenarios to the long tier (tests/README.md)"
fi
if [ "$HVG_TIER" = gate ] && [ -s "$BUILDDIR/logs/50-vm.not-run" ]; then
	echo "long tier: $(cat "$BUILDDIR/logs/50-vm.not-run") VM case(s) not run, and loops at their gate counts (make check-long runs both)"
fi
echo "$total_pass passed, $total_fail failed"
[ "$total_fail" = 0 ]
