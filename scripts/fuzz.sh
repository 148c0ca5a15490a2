#!/bin/sh
# Runs the libFuzzer harness of every loader (tests/fuzz/targets.c) for a
# given time each, seeded from the shipped files, and reports the executions
# per harness and what it found.
#
#   sh scripts/fuzz.sh BUILD SECONDS ESIM TARGET...     (make fuzz calls this)
#
# BUILD is the fuzz build directory (harnesses in BUILD/fuzz/NAME), ESIM the
# normal esim binary (it makes the seed checkpoint, .esz and mapping files).
# Each harness keeps its growing corpus in BUILD/corpus/NAME, so later runs
# start where earlier ones stopped. Every crash, leak, out-of-memory or
# timeout input is copied to tests/data/fuzz/NAME/, where `make test`
# replays it in the normal build (tests/fuzz/test_fuzz_replay.c): fix the
# loader, then commit the file. Exit status 1 when anything was found.
set -eu

build=$1
seconds=$2
esim=$3
shift 3

seeds=$build/seeds
mkdir -p "$seeds"

# Seeds that are not shipped: a tiny trained checkpoint and its compressed
# model (on the good IDX pair of tests/data/idx, 6 images of 4x5, 3 classes),
# and the mapping files esim saves for AlexNet at batch 16.
make_seeds() {
	work=$build/seed-work
	rm -rf "$work"
	mkdir -p "$work/data" "$seeds/checkpoint" "$seeds/esz" "$seeds/mapping"
	for set in train t10k; do
		cp tests/data/idx/good-images-idx3-ubyte "$work/data/$set-images-idx3-ubyte"
		cp tests/data/idx/good-labels-idx1-ubyte "$work/data/$set-labels-idx1-ubyte"
	done
	cat > "$work/net.yaml" <<-EOF
	name: tiny
	input: {channels: 1, height: 4, width: 5}
	layers:
	  - {name: conv1, type: conv, out_channels: 2, kernel: 3}
	  - {name: relu1, type: relu}
	  - {name: ip1, type: fc, out_features: 3}
	EOF
	cat > "$work/recipe.yaml" <<-EOF
	name: tiny
	prune: {method: threshold, quality: 0.5, schedule: oneshot, epochs: 1}
	quantize: {kind: kmeans, bits_conv: 2, bits_fc: 2, epochs: 1}
	huffman: true
	index_bits: 3
	EOF
	"$esim" train --net "$work/net.yaml" --data "$work/data" --epochs 1 --batch 2 \
		--out "$seeds/checkpoint/tiny.ckpt" > /dev/null
	"$esim" compress --model "$seeds/checkpoint/tiny.ckpt" --recipe "$work/recipe.yaml" \
		--data "$work/data" --out "$seeds/esz/tiny.esz" > /dev/null
	sed 's/huffman: true/huffman: false/' "$work/recipe.yaml" > "$work/plain.yaml"
	"$esim" compress --model "$seeds/checkpoint/tiny.ckpt" --recipe "$work/plain.yaml" \
		--data "$work/data" --out "$seeds/esz/tiny-fixed-width.esz" > /dev/null
	for df in rs ws nlr; do
		"$esim" energy --arch configs/arch/eyeriss-isca16-256.yaml \
			--net configs/networks/alexnet.yaml --energy energy-tables/eyeriss-65nm.yaml \
			--batch 16 --dataflow $df --save-mapping "$seeds/mapping/alexnet-$df.yaml" \
			> /dev/null
	done
	rm -rf "$work"
}
[ -e "$seeds/esz/tiny.esz" ] || make_seeds

# The shipped seeds of a target: the globs in its table row.
shipped() {
	sed -n "s/^\t{\"$1\", fuzz_[a-z]*, \"\(.*\)\"},/\1/p" tests/fuzz/targets.c
}

found=0
summary=$build/fuzz-summary.txt
printf '%-11s %12s %9s %7s %s\n' target executions "exec/s" corpus found > "$summary"
for t in "$@"; do
	corpus=$build/corpus/$t
	artifacts=$build/artifacts/$t
	mkdir -p "$corpus" "$artifacts" "$seeds/$t"
	# shellcheck disable=SC2046
	for f in $(shipped "$t"); do
		[ -f "$f" ] && cp "$f" "$seeds/$t/$(echo "$f" | tr / _)"
	done
	regress=tests/data/fuzz/$t
	[ -d "$regress" ] || regress=""
	log=$build/fuzz-$t.log
	echo "fuzz: $t for $seconds s" >&2
	# -rss_limit_mb bounds a harness's memory (a loader that allocates more on
	# a small input is a finding); -timeout flags a single input over 10 s.
	"$build/fuzz/$t" -max_total_time="$seconds" -rss_limit_mb=1024 -timeout=10 \
		-print_final_stats=1 -artifact_prefix="$artifacts/" \
		"$corpus" "$seeds/$t" $regress > "$log" 2>&1 || true
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
	rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
	new=0
	for a in "$artifacts"/*; do
		[ -f "$a" ] || continue
		mkdir -p "tests/data/fuzz/$t"
		cp "$a" "tests/data/fuzz/$t/"
		echo "fuzz: $t: $(basename "$a") -> tests/data/fuzz/$t/ (see $log)" >&2
		rm -f "$a"
		new=$((new + 1))
	done
	found=$((found + new))
	printf '%-11s %12s %9s %7s %s\n' "$t" "${execs:-?}" "${rate:-?}" \
		"$(ls "$corpus" | wc -l)" "$new" >> "$summary"
done
cat "$summary"
[ "$found" -eq 0 ]
