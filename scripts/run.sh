#!/bin/sh
# The main job (make run). Until the sweeps land: AlexNet's per-layer energy on
# the Eyeriss chip (row stationary), dense and with Han et al.'s 2015 pruning
# densities. CSV, JSON and the chosen mappings go to out/energy/.
set -eu
esim="$1"
mkdir -p out/energy
common="--arch configs/arch/eyeriss-chip.yaml --net configs/networks/alexnet.yaml
        --energy energy-tables/eyeriss-65nm.yaml --batch 1"
# shellcheck disable=SC2086
"$esim" energy $common --csv out/energy/alexnet-eyeriss-chip.csv \
	--json out/energy/alexnet-eyeriss-chip.json \
	--save-mapping out/energy/alexnet-eyeriss-chip.mapping.yaml
echo
# shellcheck disable=SC2086
"$esim" energy $common --sparsity configs/sparsity/alexnet-han2015.yaml \
	--csv out/energy/alexnet-han2015-eyeriss-chip.csv \
	--json out/energy/alexnet-han2015-eyeriss-chip.json
