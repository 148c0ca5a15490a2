#!/bin/sh
# The main job (make run): experiments/default.yaml, LeNet-5 on Fashion-MNIST
# on the Eyeriss chip, energy-aware against magnitude pruning at granularities
# 0-D to 3-D and weight bits 16/8/4. Results go to experiments/default/,
# plots to plots/default/. Before it, a quick AlexNet energy report on the
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
sh scripts/compare-methods.sh experiments/default/results.csv 1
echo
echo "Read experiments/default/results.csv and the plots in plots/default/ (pareto.png first)."
