#!/bin/bash
# Where the VM tests' time goes, from the timings tests/vm/run.sh appends
# to $BUILDDIR/logs/vm-times.tsv (kernel, boot number, kind, scenario,
# seconds, verdict; kind is "boot" for kernel start to the first scenario,
# "overhead" for QEMU start, power-off and the kmemleak scan, "scenario"
# for one scenario from its start to its end).
#
#   times.sh budget [TSV]   total VM time and the ten slowest cases
#                           (the end of make check)
#   times.sh table [TSV]    the time table of tests/README.md (markdown)
#   times.sh readme [TSV]   regenerate that table in tests/README.md
set -euo pipefail
src=$(cd "$(dirname "$0")/../.." && pwd)
mode=${1:-}
tsv=${2:-${BUILDDIR:-$src/build}/logs/vm-times.tsv}

case "$mode" in
budget)
	if [ ! -s "$tsv" ]; then
		echo "VM time: no VM case ran"
		exit 0
	fi
	awk -F'\t' '
		{ total += $5 }
		$3 == "boot" { boots++; boot += $5 }
		$3 == "overhead" { boot += $5 }
		END {
			printf "VM time: %dm%02ds in %d boot(s), %.0fs of it booting and powering off\n",
				total / 60, total % 60, boots, boot
		}' "$tsv"
	echo "ten slowest VM cases:"
	awk -F'\t' '$3 == "scenario" { printf "%8.1fs  %s on %s\n", $5, $4, $1 }' "$tsv" |
		sort -rn | head -10
	;;
table)
	[ -s "$tsv" ] || { echo "times.sh: $tsv is empty or missing (run make check first)" >&2; exit 1; }
	awk -F'\t' '
		$3 == "scenario" {
			s[$4] = 1; k[$1] = 1
			t[$4, $1] += $5; c[$4, $1]++
		}
		$3 == "boot" { bt[$1] += $5; bn[$1]++; k[$1] = 1 }
		$3 == "overhead" { ot[$1] += $5 }
		function cell(sc, kn) {
			return c[sc, kn] ? sprintf("%.0f", t[sc, kn] / c[sc, kn]) : "-"
		}
		END {
			nk = 0
			for (kn in k) kl[++nk] = kn
			# Kernel order: stock kernels by name, debug last.
			for (i = 1; i <= nk; i++) for (j = i + 1; j <= nk; j++)
				if ((kl[i] == "debug") || (kl[j] != "debug" && kl[i] > kl[j])) {
					x = kl[i]; kl[i] = kl[j]; kl[j] = x
				}
			printf "| scenario |"
			for (i = 1; i <= nk; i++) printf " %s (s) |", kl[i]
			printf " debug / stock |\n|---|"
			for (i = 1; i <= nk; i++) printf "---:|"
			printf "---:|\n"
			ns = 0
			for (sc in s) sl[++ns] = sc
			for (i = 1; i <= ns; i++) for (j = i + 1; j <= ns; j++)
				if (sl[i] > sl[j]) { x = sl[i]; sl[i] = sl[j]; sl[j] = x }
			for (a = 1; a <= ns; a++) {
				sc = sl[a]
				printf "| %s |", sc
				st = 0; sn = 0
				for (i = 1; i <= nk; i++) {
					printf " %s |", cell(sc, kl[i])
					if (kl[i] != "debug" && c[sc, kl[i]]) { st += t[sc, kl[i]] / c[sc, kl[i]]; sn++ }
				}
				if (sn && c[sc, "debug"] && st > 0)
					printf " %.1f |\n", (t[sc, "debug"] / c[sc, "debug"]) / (st / sn)
				else
					printf " - |\n"
			}
			printf "| **boot** (start to first scenario, mean) |"
			for (i = 1; i <= nk; i++)
				printf " %s |", bn[kl[i]] ? sprintf("%.0f", bt[kl[i]] / bn[kl[i]]) : "-"
			sb = 0; sbn = 0
			for (i = 1; i <= nk; i++) if (kl[i] != "debug" && bn[kl[i]]) { sb += bt[kl[i]] / bn[kl[i]]; sbn++ }
			if (sbn && bn["debug"] && sb > 0)
				printf " %.1f |\n", (bt["debug"] / bn["debug"]) / (sb / sbn)
			else
				printf " - |\n"
			printf "| **boots** |"
			for (i = 1; i <= nk; i++) printf " %d |", bn[kl[i]]
			printf " |\n"
			printf "| **QEMU start, kmemleak scan, power-off** (per boot) |"
			for (i = 1; i <= nk; i++)
				printf " %s |", bn[kl[i]] ? sprintf("%.0f", ot[kl[i]] / bn[kl[i]]) : "-"
			printf " |\n"
		}' "$tsv"
	;;
readme)
	readme=$src/tests/README.md
	table=$("$0" table "$tsv")
	grep -q '^<!-- times:begin -->$' "$readme" ||
		{ echo "times.sh: $readme has no '<!-- times:begin -->' marker" >&2; exit 1; }
	awk -v table="$table" '
		/^<!-- times:begin -->$/ { print; print table; skip = 1; next }
		/^<!-- times:end -->$/ { skip = 0 }
		!skip { print }' "$readme" >"$readme.tmp"
	mv "$readme.tmp" "$readme"
	echo "times.sh: table in $readme regenerated from $tsv"
	;;
*)
	echo "usage: $0 budget|table|readme [TSV]" >&2
	exit 2
	;;
esac
