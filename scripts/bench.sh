#!/bin/sh
# Benchmarks (make bench): runs every build/bench/* program in turn. Timing
# lives here, never in tests. Run on an otherwise idle machine.
set -eu
build="$1"
found=0
for b in "$build"/bench/*; do
	[ -x "$b" ] && [ -f "$b" ] || continue
	case "$b" in *.o|*.d) continue ;; esac
	found=1
	echo "== $(basename "$b")"
	"$b"
done
[ "$found" = 1 ] || echo "no benchmarks built"
