#!/bin/sh
# Benchmarks (make bench): runs every build/bench/* program in turn. Timing
# lives here, never in tests. Run on an otherwise idle machine.
set -eu
build="$1"
found=0
for b in "$build"/bench/*; do
	[ -x "$b" ] && [ -f "$b" ] || continue
	case "$b" in *.o|*.d|*.tsv) continue ;; esac
	found=1
	echo "== $(basename "$b")"
	"$b"
done
[ "$found" = 1 ] || echo "no benchmarks built"

# Measured batch-1 CPU latency of dense and sparse layer formats over densities
# (esim latency; its figures go to the build folder, not plots/).
for net in lenet-300-100 lenet-5; do
	echo "== esim latency $net"
	"$build/esim" latency --net "configs/networks/$net.yaml" --plot "$build/bench/latency-$net"
done

# Optional: the trainer against PyTorch (Debian's python3-torch, not a project
# dependency). Debian's interpreter is tried too, in case `python3` is another one.
if [ -f "$build/bench/train.tsv" ]; then
	py=""
	for p in python3 /usr/bin/python3; do
		if command -v "$p" >/dev/null 2>&1 && "$p" -c 'import torch' >/dev/null 2>&1; then
			py="$p"
			break
		fi
	done
	if [ -n "$py" ]; then
		echo "== PyTorch comparison ($py bench/torch_lenet.py)"
		"$py" bench/torch_lenet.py "$build/bench/train.tsv"
	else
		echo "== PyTorch comparison skipped: python3 cannot import torch (python3-torch)"
	fi
fi
