#!/bin/sh
# Installs the Debian packages esim needs, and only those that are missing.
# A package counts as present when pkg-config (libraries) or a file check
# (programs, data) finds it, so a machine that already has everything is
# never touched and needs no root. `deps.sh fuzz` adds what `make fuzz`
# needs: clang and its runtime libraries with libFuzzer.
set -eu

missing=""
need_pc() { pkg-config --exists "$1" 2>/dev/null || missing="$missing $2"; }
need_file() { [ -e "$1" ] || missing="$missing $2"; }

command -v pkg-config >/dev/null 2>&1 || missing="$missing pkg-config"
need_pc yaml-0.1 libyaml-dev
need_pc gsl libgsl-dev
need_pc openblas libopenblas-dev
need_pc cunit libcunit1-dev
need_pc zlib zlib1g-dev
# MPI sweeps (docs/cluster.md): OpenMPI's compiler wrapper and launcher. esim
# still builds without them; the build picks MPI up when pkg-config finds it.
need_pc ompi-c libopenmpi-dev
need_file /usr/bin/mpirun openmpi-bin
need_file /usr/bin/gnuplot gnuplot-nox
need_file /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz dataset-fashion-mnist
command -v cc >/dev/null 2>&1 || missing="$missing gcc"
if [ "${1:-}" = fuzz ]; then
	command -v clang >/dev/null 2>&1 || missing="$missing clang"
	# libFuzzer ships in libclang-rt-*-dev, only recommended by clang.
	if ! command -v clang >/dev/null 2>&1 ||
	   [ ! -e "$(clang -print-file-name=libclang_rt.fuzzer-x86_64.a)" ]; then
		missing="$missing libclang-rt-dev"
	fi
fi

[ -z "$missing" ] && exit 0

echo "deps: installing$missing" >&2
if [ "$(id -u)" -eq 0 ]; then sudo=""; else sudo="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
# shellcheck disable=SC2086
$sudo apt-get install -y -qq --no-install-recommends $missing >&2
