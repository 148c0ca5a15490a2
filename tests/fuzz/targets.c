/* The fuzz targets (see targets.h).
 *
 * YAML loaders read the bytes from memory (their _string variants; the
 * bytes are cut at the first NUL, as a C string). Binary loaders read files,
 * so their bytes are written to a private temporary file first. Checkpoints
 * and .esz files end with a CRC-32 of everything before it, which a random
 * mutation almost never satisfies: their targets recompute it over the
 * mutated bytes before loading, so the parser behind the CRC check is
 * exercised, and also load the bytes unchanged. */
#include "fuzz/targets.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "arch/arch.h"
#include "arch/energy.h"
#include "compress/esz.h"
#include "compress/recipe.h"
#include "mapper/mapping_file.h"
#include "nn/checkpoint.h"
#include "nn/dataset.h"
#include "nn/model.h"
#include "sweep/experiment.h"
#include "sweep/results.h"
#include "workload/network.h"
#include "workload/sparsity.h"

/* A loader's contract after it returned rc: an error has a code and a
 * message; anything else is a bug the fuzzer must see. */
static void check(int rc, const struct sim_err *err)
{
	if (rc != 0 && (err->code == SIM_OK || err->msg[0] == '\0')) {
		fprintf(stderr, "fuzz: loader returned %d without an error message\n", rc);
		abort();
	}
}

/* The bytes as a NUL-terminated string; caller frees. */
static char *text_of(const uint8_t *data, size_t size)
{
	char *t = malloc(size + 1);
	if (!t)
		abort();
	memcpy(t, data, size);
	t[size] = '\0';
	return t;
}

/* Writes the bytes to this process's temporary file `tag` and returns its
 * path (a static buffer per tag slot: targets are single-threaded). */
static const char *file_of(const uint8_t *data, size_t size, int slot)
{
	static char paths[2][128];
	const char *dir = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
	snprintf(paths[slot], sizeof paths[slot], "%s/esim-fuzz-%ld-%d", dir, (long)getpid(), slot);
	FILE *f = fopen(paths[slot], "wb");
	if (!f || fwrite(data, 1, size, f) != size || fclose(f) != 0)
		abort();
	return paths[slot];
}

/* Networks the dependent loaders (sparsity profiles, mapping files) are
 * checked against, loaded once. */
static const char *const net_paths[] = {
	"configs/networks/alexnet.yaml",
	"configs/networks/lenet-5.yaml",
	"configs/networks/lenet-300-100.yaml",
};
#define N_NETS (sizeof net_paths / sizeof net_paths[0])

static const struct wl_network *nets(void)
{
	static struct wl_network loaded[N_NETS];
	static int done;
	if (!done) {
		struct sim_err err;
		for (size_t i = 0; i < N_NETS; i++)
			if (wl_network_load(&loaded[i], net_paths[i], &err)) {
				sim_err_print(&err, stderr);
				abort();
			}
		done = 1;
	}
	return loaded;
}

/* A loader of YAML text; it releases what it loaded. */
typedef int (*text_loader)(const char *text, struct sim_err *err);

static int run_text(const uint8_t *data, size_t size, text_loader load)
{
	char *t = text_of(data, size);
	struct sim_err err;
	sim_err_clear(&err);
	check(load(t, &err), &err);
	free(t);
	return 0;
}

static int load_arch(const char *t, struct sim_err *err)
{
	struct arch a;
	int rc = arch_load_string(&a, "fuzz.yaml", t, err);
	for (int df = 0; rc == 0 && df < ARCH_DF_COUNT; df++) {
		struct arch b = a;
		struct sim_err e2;
		sim_err_clear(&e2);
		check(arch_set_dataflow(&b, (enum arch_dataflow)df, &e2), &e2);
	}
	return rc;
}

static int load_energy(const char *t, struct sim_err *err)
{
	struct energy_table e;
	return energy_table_load_string(&e, "fuzz.yaml", t, err);
}

static int load_network(const char *t, struct sim_err *err)
{
	struct wl_network n;
	int rc = wl_network_load_string(&n, "fuzz.yaml", t, err);
	if (rc == 0)
		wl_network_deinit(&n);
	return rc;
}

/* Against each of the networks; the first error is the one checked. */
static int load_sparsity(const char *t, struct sim_err *err)
{
	const struct wl_network *n = nets();
	int first = 0;
	for (size_t i = 0; i < N_NETS; i++) {
		struct wl_sparsity s;
		struct sim_err e;
		sim_err_clear(&e);
		int rc = wl_sparsity_load_string(&s, &n[i], "fuzz.yaml", t, &e);
		check(rc, &e);
		if (rc == 0)
			wl_sparsity_deinit(&s);
		else if (!first) {
			first = rc;
			*err = e;
		}
	}
	return first;
}

/* Against AlexNet at batch 16 under each dataflow. */
static int load_mapping(const char *t, struct sim_err *err)
{
	int first = 0;
	for (int df = 0; df < ARCH_DF_COUNT; df++) {
		struct mapper_fixed f;
		struct sim_err e;
		sim_err_clear(&e);
		int rc = mapper_fixed_load_string(&f, "fuzz.yaml", t, &nets()[0], 16,
						  (enum arch_dataflow)df, &e);
		check(rc, &e);
		if (rc == 0)
			mapper_fixed_deinit(&f);
		else if (!first) {
			first = rc;
			*err = e;
		}
	}
	return first;
}

static int load_experiment(const char *t, struct sim_err *err)
{
	struct sweep_experiment e;
	int rc = sweep_experiment_load_string(&e, "fuzz.yaml", t, err);
	if (rc == 0)
		sweep_experiment_deinit(&e);
	return rc;
}

static int load_recipe(const char *t, struct sim_err *err)
{
	struct cmp_recipe r;
	return cmp_recipe_load_string(&r, "fuzz.yaml", t, err);
}

static int fuzz_arch(const uint8_t *d, size_t n) { return run_text(d, n, load_arch); }
static int fuzz_energy(const uint8_t *d, size_t n) { return run_text(d, n, load_energy); }
static int fuzz_network(const uint8_t *d, size_t n) { return run_text(d, n, load_network); }
static int fuzz_sparsity(const uint8_t *d, size_t n) { return run_text(d, n, load_sparsity); }
static int fuzz_mapping(const uint8_t *d, size_t n) { return run_text(d, n, load_mapping); }
static int fuzz_experiment(const uint8_t *d, size_t n) { return run_text(d, n, load_experiment); }
static int fuzz_recipe(const uint8_t *d, size_t n) { return run_text(d, n, load_recipe); }

/* The bytes as an image file (with good labels) and as a label file (with
 * good images): tests/data/idx/ holds the good pair. */
static int fuzz_idx(const uint8_t *data, size_t size)
{
	const char *path = file_of(data, size, 0);
	for (int as_labels = 0; as_labels < 2; as_labels++) {
		struct nn_dataset d;
		struct sim_err err;
		sim_err_clear(&err);
		int rc = as_labels ? nn_dataset_load_idx(&d, "tests/data/idx/good-images-idx3-ubyte",
							 path, 10, &err)
				   : nn_dataset_load_idx(&d, path, "tests/data/idx/good-labels-idx1-ubyte",
							 10, &err);
		check(rc, &err);
		nn_dataset_deinit(&d);
	}
	return 0;
}

/* Loads the bytes as they are, then with their trailing CRC-32 recomputed. */
static void load_both_crcs(const uint8_t *data, size_t size,
			   int (*load)(const char *path, struct sim_err *err))
{
	struct sim_err err;
	sim_err_clear(&err);
	check(load(file_of(data, size, 0), &err), &err);
	if (size < 4)
		return;
	uint8_t *fixed = malloc(size);
	if (!fixed)
		abort();
	memcpy(fixed, data, size);
	uint32_t crc = (uint32_t)crc32(0L, fixed, (uInt)(size - 4));
	for (int i = 0; i < 4; i++)
		fixed[size - 4 + (size_t)i] = (uint8_t)(crc >> (8 * i));
	sim_err_clear(&err);
	check(load(file_of(fixed, size, 1), &err), &err);
	free(fixed);
}

static int load_checkpoint(const char *path, struct sim_err *err)
{
	struct nn_model m;
	struct nn_ckpt_meta meta;
	int rc = nn_checkpoint_load(&m, &meta, path, 4, 1, err);
	nn_model_deinit(&m);
	return rc;
}

static int load_esz(const char *path, struct sim_err *err)
{
	struct nn_model m;
	struct esz_meta meta;
	int rc = esz_load(&m, &meta, path, 4, 1, err);
	nn_model_deinit(&m);
	return rc;
}

static int fuzz_checkpoint(const uint8_t *data, size_t size)
{
	load_both_crcs(data, size, load_checkpoint);
	return 0;
}

static int fuzz_esz(const uint8_t *data, size_t size)
{
	load_both_crcs(data, size, load_esz);
	return 0;
}

/* A sweep's results.csv as `esim plot` reads it and as a resumed sweep
 * opens it (with the columns of the shipped energy-only sweep). */
static int fuzz_results(const uint8_t *data, size_t size)
{
	static const char *const cols[] = {
		"point", "arch", "dataflow", "wbits", "accuracy", "accuracy_floor", "energy_total",
		"energy_dram", "energy_glb", "energy_array", "energy_rf", "energy_mac",
		"energy_ifmap", "energy_weight", "energy_psum", "macs_effective", "weights_nonzero",
		"density", "storage_bits", "cycles", "energy_unit", "layers", "pareto",
	};
	const char *path = file_of(data, size, 0);
	struct sweep_results r;
	struct sim_err err;
	sim_err_clear(&err);
	int rc = sweep_results_read(&r, path, &err);
	check(rc, &err);
	if (rc == 0)
		sweep_results_deinit(&r);
	sim_err_clear(&err);
	rc = sweep_results_open(&r, path, cols, sizeof cols / sizeof cols[0], &err);
	check(rc, &err);
	if (rc == 0)
		sweep_results_deinit(&r);
	return 0;
}

const struct fuzz_target fuzz_targets[] = {
	{"arch", fuzz_arch, "configs/arch/*.yaml tests/data/bad/arch/*.yaml"},
	{"energy", fuzz_energy, "energy-tables/*.yaml tests/data/bad/energy/*.yaml"},
	{"network", fuzz_network, "configs/networks/*.yaml tests/data/bad/network/*.yaml"},
	{"sparsity", fuzz_sparsity, "configs/sparsity/*.yaml tests/data/bad/sparsity/*.yaml"},
	{"experiment", fuzz_experiment, "experiments/*.yaml tests/data/bad/experiment/*.yaml"},
	{"recipe", fuzz_recipe, "experiments/recipes/*.yaml tests/data/bad/recipe/*.yaml"},
	{"mapping", fuzz_mapping, "tests/data/bad/mapping/*.yaml"},
	{"idx", fuzz_idx, "tests/data/idx/*"},
	{"checkpoint", fuzz_checkpoint, ""},
	{"esz", fuzz_esz, ""},
	{"results", fuzz_results, "experiments/reference/*.csv"},
};
const int fuzz_target_count = sizeof fuzz_targets / sizeof fuzz_targets[0];

const struct fuzz_target *fuzz_target_find(const char *name)
{
	for (int i = 0; i < fuzz_target_count; i++)
		if (strcmp(fuzz_targets[i].name, name) == 0)
			return &fuzz_targets[i];
	return NULL;
}
