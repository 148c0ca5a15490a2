# esim build. `make run` and `make test` install missing Debian packages first
# (scripts/deps.sh), then build in a sub-make so pkg-config sees the new packages.
#
#   make            build build/esim
#   make run        the main job (see README)
#   make test       the CUnit suite
#   make check      the suite under AddressSanitizer + UndefinedBehaviorSanitizer
#   make bench      benchmarks (timing lives here, never in tests)
#   make validate   esim beside the published figures it reproduces
#   make install PREFIX=/usr/local

BUILD ?= build
PREFIX ?= /usr/local
CC ?= gcc
SAN ?= 0

WARN := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
        -Wpointer-arith -Wwrite-strings -Wvla -Wformat=2 -Wundef -Wcast-qual \
        -Wold-style-definition -Wimplicit-fallthrough
OPT := -O2 -g
ifeq ($(SAN),1)
OPT := -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
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
$(BUILD)/sim/nn/%.o $(BUILD)/sim/eap/%.o: CFLAGS += -fvect-cost-model=dynamic -fno-trapping-math
# The latency kernels' axpys over output positions, likewise (their times are
# measured, never recorded as results).
$(BUILD)/sim/latency/%.o: CFLAGS += -fvect-cost-model=dynamic -fno-trapping-math
# The mapper evaluates millions of mappings per network: -O3 (more inlining and
# unrolling of the loop-nest counting) cuts its time by a fifth. Integer code
# and ISO floating point (no contraction under -std=c11): results are unchanged.
ifneq ($(SAN),1)
$(BUILD)/sim/access/%.o $(BUILD)/sim/mapper/%.o: CFLAGS += -O3
endif
TEST_OBJ := $(TEST_SRC:%.c=$(BUILD)/%.o)

.PHONY: all deps run test check bench validate install clean
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
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/esim
	install -m 755 $(BUILD)/esim $(DESTDIR)$(PREFIX)/bin/esim
	cp -r configs energy-tables $(DESTDIR)$(PREFIX)/share/esim/

clean:
	rm -rf build build-san

-include $(SIM_OBJ:.o=.d) $(TEST_OBJ:.o=.d) $(BUILD)/sim/main.d $(BENCH_SRC:%.c=$(BUILD)/%.d)
