#!/bin/sh
# Regenerates the training-dependent tables the README quotes (baselines,
# Deep Compression of LeNet-300-100 and LeNet-5, the pruning-granularity
# study), with the exact commands the README gives. Results are
# bit-reproducible (docs/reproducibility.md), so a second run prints the same
# figures. Outputs go to out/tables/; experiments/granularity-lenet-5.csv and
# experiments/storage-lenet-*.csv are rewritten.
#   sh scripts/reproduce-tables.sh build/esim
set -eu
esim="$1"
out=out/tables
mkdir -p "$out"
"$esim" train --net lenet-300-100 --epochs 10 --lr 0.05 --out "$out/lenet-300-100.ckpt" \
	> "$out/train-lenet-300-100.log"
"$esim" train --net lenet-5 --epochs 10 --lr 0.01 --out "$out/lenet-5.ckpt" > "$out/train-lenet-5.log"
"$esim" train --net lenet-300-100 --epochs 10 --out "$out/lenet-300-100-lr0.01.ckpt" \
	> "$out/train-lenet-300-100-lr0.01.log"
tail -n 1 "$out"/train-*.log
for n in lenet-300-100 lenet-5; do
	"$esim" compress --model "$out/$n.ckpt" --recipe "experiments/recipes/deep-compression-$n.yaml" \
		--out "$out/$n.esz" --csv "experiments/storage-$n.csv" > "$out/compress-$n.log"
	tail -n 1 "$out/compress-$n.log"
	"$esim" eval --model "$out/$n.esz" | tail -n 1
done
"$esim" compress --model "$out/lenet-300-100-lr0.01.ckpt" \
	--recipe experiments/recipes/deep-compression-lenet-300-100.yaml \
	--out "$out/lenet-300-100-lr0.01.esz" > "$out/compress-lenet-300-100-lr0.01.log"
tail -n 1 "$out/compress-lenet-300-100-lr0.01.log"
sh experiments/granularity-lenet-5.sh "$esim" "$out/lenet-5.ckpt" "$out/granularity"
