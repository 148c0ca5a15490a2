#!/bin/sh
# Benchmarks (make bench). Timing lives here, never in tests.
set -eu
build="$1"
"$build/esim-bench"
