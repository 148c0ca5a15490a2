# esim build. `make run` and `make test` install missing Debian packages first
# (scripts/deps.sh), then build in a sub-make so pkg-config sees the new packages.
#
#   make            build build/esim
#   make run        the main job (see README)
#   make test       the CUnit suite
#   make check      the suite under AddressSanitizer + UndefinedBehaviorSanitizer
#   make bench      benchmarks (timing lives here, never in tests)
#   make validate   esim beside the published figures it reproduces
#   make fuzz       libFuzzer harnesses of every loader (clang), each run for
#                   FUZZ_TIME seconds (default 10); see scripts/fuzz.sh
#   make install PREFIX=/usr/local

BUILD ?= build
PREFIX ?= /usr/local
CC ?= gcc
SAN ?= 0
FUZZ ?= 0
FUZZ_TIME ?= 10

WARN := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
        -Wpointer-arith -Wwrite-strings -Wvla -Wformat=2 -Wundef -Wcast-qual \
        -Wold-style-definition -Wimplicit-fallthrough
OPT := -O2 -g
ifeq ($(SAN),1)
OPT := -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
endif
# The fuzz build (clang): coverage for libFuzzer in every object, the
# sanitizers, and the fuzzer's main only in the harness binaries.
# gcc-only options in the SIMD kernels' target attributes (prefer-vector-width)
# are ignored by clang, which changes no result.
ifeq ($(FUZZ),1)
OPT := -O1 -g -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined \
       -fno-omit-frame-pointer -Wno-ignored-attributes
endif

PKG_CFLAGS := $(shell pkg-config --cflags yaml-0.1 gsl zlib openblas 2>/dev/null)
# GSL is linked against OpenBLAS as its CBLAS (not libgslcblas).
PKG_LIBS := -lgsl $(shell pkg-config --libs openblas yaml-0.1 zlib 2>/dev/null) -lm -lpthread
CFLAGS := -std=c11 -D_GNU_SOURCE -ffp-contract=off $(WARN) $(OPT) -Isim $(PKG_CFLAGS) -MMD -MP
LDFLAGS := $(OPT)

SIM_SRC := $(filter-out sim/main.c,$(shell find sim -name '*.c' | sort))
# MPI sweeps (docs/cluster.md) are built in when pkg-config finds Open MPI
# (scripts/deps.sh installs it); without it sim/sweep/run_mpi_absent.c takes
# the place of run_mpi.c and esim builds and runs as before. The MPI headers
# are system headers: our warning set is not theirs to meet.
HAVE_MPI := $(shell pkg-config --exists ompi-c 2>/dev/null && echo 1)
ifeq ($(HAVE_MPI),1)
SIM_SRC := $(filter-out sim/sweep/run_mpi_absent.c,$(SIM_SRC))
MPI_CFLAGS := $(patsubst -I%,-isystem %,$(shell pkg-config --cflags ompi-c))
PKG_LIBS += $(shell pkg-config --libs ompi-c)
$(BUILD)/sim/sweep/run_mpi.o: CFLAGS += $(MPI_CFLAGS)
else
SIM_SRC := $(filter-out sim/sweep/run_mpi.c,$(SIM_SRC))
endif
TEST_SRC := $(shell find tests -name '*.c' | sort)
SIM_OBJ := $(SIM_SRC:%.c=$(BUILD)/%.o)
$(BUILD)/bench/%.o: CFLAGS += -Ibench
# The trainer's element-wise loops (SGD update, ReLU, reductions) and the
# refit's Gram and Cholesky updates have run-time trip counts, which gcc 12's
# -O2 cost model ("very cheap") never vectorises, and float compares, which it if-converts only without trapping math (esim never
# enables floating-point exceptions). Neither flag changes any result.
# (gcc options; clang, used by make fuzz, has no -fvect-cost-model.)
ifeq ($(findstring clang,$(CC)),)
$(BUILD)/sim/nn/%.o $(BUILD)/sim/eap/%.o: CFLAGS += -fvect-cost-model=dynamic -fno-trapping-math
# The latency kernels' axpys over output positions, likewise (their times are
# measured, never recorded as results).
$(BUILD)/sim/latency/%.o: CFLAGS += -fvect-cost-model=dynamic -fno-trapping-math
endif
# The mapper evaluates millions of mappings per network: -O3 (more inlining and
# unrolling of the loop-nest counting) cuts its time by a fifth. Integer code
# and ISO floating point (no contraction under -std=c11): results are unchanged.
ifeq ($(SAN)$(FUZZ),00)
$(BUILD)/sim/access/%.o $(BUILD)/sim/mapper/%.o: CFLAGS += -O3
endif
TEST_OBJ := $(TEST_SRC:%.c=$(BUILD)/%.o)

.PHONY: all deps run test check bench validate fuzz fuzz-bins install clean
all: $(BUILD)/esim

deps:
	@sh scripts/deps.sh

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "CC $<"
	@$(CC) $(CFLAGS) -c $< -o $@

$(BUILD)/libesim.a: $(SIM_OBJ)
	@rm -f $@
	@echo "AR $@"
	@ar rcs $@ $^

$(BUILD)/esim: $(BUILD)/sim/main.o $(BUILD)/libesim.a
	@echo "LD $@"
	@$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)

# Every test file declares its suites with TEST_SUITE(name, cases); the runner's
# list is generated from them, so adding a test file needs no other edit.
$(BUILD)/test_suites.h: $(TEST_SRC)
	@mkdir -p $(dir $@)
	@grep -ho '^TEST_SUITE([a-z0-9_]*' $(TEST_SRC) | sed 's/TEST_SUITE(\(.*\)/X(\1)/' > $@.tmp
	@cmp -s $@.tmp $@ || mv $@.tmp $@; rm -f $@.tmp

$(BUILD)/tests/main.o: $(BUILD)/test_suites.h
$(TEST_OBJ): CFLAGS += -Itests -I$(BUILD) -DESIM_MPI=$(if $(filter 1,$(HAVE_MPI)),1,0)

$(BUILD)/esim-tests: $(TEST_OBJ) $(BUILD)/libesim.a
	@echo "LD $@"
	@$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS) -lcunit

# Each bench/NAME.c is a standalone program build/bench/NAME; scripts/bench.sh runs them.
BENCH_SRC := $(shell find bench -name '*.c' | sort)
BENCH_BIN := $(BENCH_SRC:bench/%.c=$(BUILD)/bench/%)
$(BUILD)/bench/%: $(BUILD)/bench/%.o $(BUILD)/libesim.a
	@echo "LD $@"
	@$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)

# One libFuzzer binary per target of tests/fuzz/targets.c: fuzz/driver.c
# built with FUZZ_TARGET set to the target's name.
FUZZ_TARGETS := $(shell sed -n 's/^\t{"\([a-z]*\)", fuzz_.*/\1/p' tests/fuzz/targets.c)
FUZZ_BIN := $(FUZZ_TARGETS:%=$(BUILD)/fuzz/%)
$(BUILD)/fuzz/%: fuzz/driver.c $(BUILD)/tests/fuzz/targets.o $(BUILD)/libesim.a
	@mkdir -p $(dir $@)
	@echo "LD $@"
	@$(CC) $(CFLAGS) -Itests -DFUZZ_TARGET='"$*"' -fsanitize=fuzzer -o $@ $< \
	  $(BUILD)/tests/fuzz/targets.o $(BUILD)/libesim.a $(PKG_LIBS)
fuzz-bins: $(FUZZ_BIN)

fuzz:
	@sh scripts/deps.sh fuzz
	@$(MAKE) --no-print-directory all
	@$(MAKE) --no-print-directory BUILD=build-fuzz CC=clang FUZZ=1 fuzz-bins
	@nice -n 10 sh scripts/fuzz.sh build-fuzz $(FUZZ_TIME) $(BUILD)/esim $(FUZZ_TARGETS)

run: deps
	@$(MAKE) --no-print-directory all
	@sh scripts/run.sh $(BUILD)/esim

test: deps
	@$(MAKE) --no-print-directory $(BUILD)/esim $(BUILD)/esim-tests
	@ESIM_BIN=./$(BUILD)/esim ./$(BUILD)/esim-tests

check: deps
	@$(MAKE) --no-print-directory BUILD=build-san SAN=1 build-san/esim build-san/esim-tests
	@ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
	  ESIM_BIN=./build-san/esim ./build-san/esim-tests

bench: deps
	@$(MAKE) --no-print-directory $(BUILD)/esim $(BENCH_BIN)
	@sh scripts/bench.sh $(BUILD)

validate: deps
	@$(MAKE) --no-print-directory $(BUILD)/esim
	@./$(BUILD)/esim validate

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/esim \
	  $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 755 $(BUILD)/esim $(DESTDIR)$(PREFIX)/bin/esim
	install -m 644 docs/esim.1 $(DESTDIR)$(PREFIX)/share/man/man1/esim.1
	cp -r configs energy-tables $(DESTDIR)$(PREFIX)/share/esim/

clean:
	rm -rf build build-san build-fuzz

-include $(SIM_OBJ:.o=.d) $(TEST_OBJ:.o=.d) $(BUILD)/sim/main.d $(BENCH_SRC:%.c=$(BUILD)/%.d)
