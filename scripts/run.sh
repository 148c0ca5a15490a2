#!/bin/sh
# The main job (make run): experiments/default.yaml, LeNet-5 on Fashion-MNIST
# on the Eyeriss chip at batch 64, energy-aware against magnitude pruning at
# five seeds, then `esim compare` (energy at equal test-accuracy loss, paired
# over seeds, with a 95% confidence interval) and a check that the results
# equal the committed reference. Results go to experiments/default/, plots to
# plots/default/. Before it, a quick AlexNet energy report on the
# chip (dense and with Han et al.'s densities) into out/energy/.
set -eu
esim="$1"
mkdir -p out/energy
common="--arch configs/arch/eyeriss-chip.yaml --net configs/networks/alexnet.yaml
        --energy energy-tables/eyeriss-65nm.yaml --batch 1"
# shellcheck disable=SC2086
"$esim" energy $common --csv out/energy/alexnet-eyeriss-chip.csv \
	--json out/energy/alexnet-eyeriss-chip.json \
	--save-mapping out/energy/alexnet-eyeriss-chip.mapping.yaml > out/energy/alexnet-eyeriss-chip.txt
# shellcheck disable=SC2086
"$esim" energy $common --sparsity configs/sparsity/alexnet-han2015.yaml \
	--csv out/energy/alexnet-han2015-eyeriss-chip.csv \
	--json out/energy/alexnet-han2015-eyeriss-chip.json > out/energy/alexnet-han2015-eyeriss-chip.txt
echo "AlexNet on the Eyeriss chip: out/energy/alexnet-eyeriss-chip.txt (dense) and" \
	"out/energy/alexnet-han2015-eyeriss-chip.txt (Han et al. densities)"
echo
"$esim" sweep experiments/default.yaml
echo
# The paired five-seed comparison at equal test-accuracy loss (and its plot).
"$esim" compare experiments/default
echo
# Training is bit-reproducible (docs/reproducibility.md): the same seed gives
# the same rows on any x86-64 machine and thread count, row order aside.
ref=experiments/reference/default.csv
if [ "$(head -n 1 experiments/default/results.csv)" = "$(head -n 1 "$ref")" ] &&
	[ "$(tail -n +2 experiments/default/results.csv | sort)" = "$(tail -n +2 "$ref" | sort)" ]; then
	echo "reference check: the results equal $ref, row for row"
else
	echo "reference check: the results DIFFER from $ref (first differing rows):"
	tail -n +2 "$ref" | sort > out/reference.sorted
	tail -n +2 experiments/default/results.csv | sort > out/results.sorted
	diff out/reference.sorted out/results.sorted | head -n 20 || true
fi
echo
echo "Read experiments/default/results.csv and the plots in plots/default/ (compare.png first)."
