#!/bin/sh
# Prints, for each pruning method of a sweep, its lowest-energy point whose
# test accuracy is within BOUND points (default 1) of the baseline row, and
# the ratio of the two energies. Reads only results.csv.
#   scripts/compare-methods.sh experiments/default/results.csv [BOUND]
set -eu
csv="$1"
bound="${2:-1}"
awk -F, -v bound="$bound" '
NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
$1 == "baseline" { base = $col["accuracy"]; next }
{ rows[NR] = $0 }
END {
	if (!("method" in col) || base == "") { print "needs a method axis and a baseline row"; exit 1 }
	for (r in rows) {
		split(rows[r], f, ",")
		m = f[col["method"]]; acc = f[col["accuracy"]] + 0; e = f[col["energy_total"]] + 0
		if (acc < base - bound) continue
		if (!(m in best) || e < best[m]) { best[m] = e; desc[m] = rows[r] }
	}
	printf "baseline test accuracy %.2f%%; best point per method within %s point(s):\n", base, bound
	for (m in best) {
		split(desc[m], f, ",")
		printf "  %-13s energy %.4g  accuracy %.2f%%  granularity %s  wbits %s  density %.3f\n", m, best[m], f[col["accuracy"]], f[col["granularity"]], f[col["wbits"]], f[col["density"]]
	}
	if (("energy-aware" in best) && ("magnitude" in best))
		printf "  magnitude / energy-aware energy: %.2fx\n", best["magnitude"] / best["energy-aware"]
}' "$csv"
