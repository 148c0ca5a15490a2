/* Every bad input file under tests/data/bad/<loader>/ states, in its first
 * lines, the error it must produce:
 *     # expect: LINE:COL: message fragment
 * The file is loaded with the loader named by its folder and the error's line,
 * column and message are checked, so each file documents its own diagnosis. */
#include <glob.h>
#include <stdio.h>
#include <string.h>

#include "test.h"
#include "arch/arch.h"
#include "arch/energy.h"
#include "sweep/experiment.h"
#include "compress/recipe.h"
#include "workload/network.h"
#include "workload/sparsity.h"
#include "mapper/mapping_file.h"
#include "validate/validate.h"

typedef int (*bad_loader)(const char *path, struct sim_err *err);

static int load_network(const char *path, struct sim_err *err)
{
	struct wl_network net;
	int rc = wl_network_load(&net, path, err);
	if (rc == 0)
		wl_network_deinit(&net);
	return rc;
}

static int load_experiment(const char *path, struct sim_err *err)
{
	struct sweep_experiment e;
	int rc = sweep_experiment_load(&e, path, err);
	if (rc == 0)
		sweep_experiment_deinit(&e);
	return rc;
}

static int load_arch(const char *path, struct sim_err *err)
{
	struct arch a;
	return arch_load(&a, path, err);
}

static int load_energy(const char *path, struct sim_err *err)
{
	struct energy_table t;
	return energy_table_load(&t, path, err);
}

/* Bad sparsity profiles are all written against AlexNet. */
static int load_sparsity(const char *path, struct sim_err *err)
{
	struct wl_network net;
	struct sim_err net_err;
	if (wl_network_load(&net, "configs/networks/alexnet.yaml", &net_err))
		return SIM_ERR_INTERNAL;
	struct wl_sparsity s;
	int rc = wl_sparsity_load(&s, &net, path, err);
	if (rc == 0)
		wl_sparsity_deinit(&s);
	wl_network_deinit(&net);
	return rc;
}

/* Bad mapping files are all written against AlexNet at batch 16 under RS. */
static int load_mapping(const char *path, struct sim_err *err)
{
	struct wl_network net;
	struct sim_err net_err;
	if (wl_network_load(&net, "configs/networks/alexnet.yaml", &net_err))
		return SIM_ERR_INTERNAL;
	struct mapper_fixed f;
	int rc = mapper_fixed_load(&f, path, &net, 16, ARCH_DF_RS, err);
	if (rc == 0)
		mapper_fixed_deinit(&f);
	wl_network_deinit(&net);
	return rc;
}

static int load_recipe(const char *path, struct sim_err *err)
{
	struct cmp_recipe r;
	return cmp_recipe_load(&r, path, err);
}

/* Bad validation files fail while decoding, before any search. */
static int load_validation(const char *path, struct sim_err *err)
{
	struct validate_report rep;
	int rc = validate_run(path, 1, &rep, err);
	if (rc == 0)
		validate_report_deinit(&rep);
	return rc;
}

static const struct {
	const char *dir;
	bad_loader load;
} loaders[] = {
	{"network", load_network},
	{"experiment", load_experiment},
	{"arch", load_arch},
	{"energy", load_energy},
	{"mapping", load_mapping},
	{"sparsity", load_sparsity},
	{"recipe", load_recipe},
	{"validation", load_validation},
};

static int read_expectation(const char *path, int *line, int *col, char *frag, size_t size)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	char buf[512];
	int found = -1;
	while (fgets(buf, sizeof buf, f)) {
		if (sscanf(buf, "# expect: %d:%d: %511[^\n]", line, col, buf) == 3) {
			snprintf(frag, size, "%s", buf);
			found = 0;
			break;
		}
	}
	fclose(f);
	return found;
}

static void test_bad_files(void)
{
	size_t total = 0;
	for (size_t k = 0; k < sizeof loaders / sizeof loaders[0]; k++) {
		char pattern[256];
		snprintf(pattern, sizeof pattern, "tests/data/bad/%s/*.yaml", loaders[k].dir);
		glob_t g;
		if (glob(pattern, 0, NULL, &g) != 0)
			continue;
		for (size_t i = 0; i < g.gl_pathc; i++) {
			const char *path = g.gl_pathv[i];
			int line = 0, col = 0;
			char frag[512];
			CU_ASSERT_EQUAL_FATAL(read_expectation(path, &line, &col, frag, sizeof frag), 0);
			struct sim_err err;
			sim_err_clear(&err);
			int rc = loaders[k].load(path, &err);
			int ok = rc == SIM_ERR_CONFIG && err.line == line && err.col == col &&
				 strstr(err.msg, frag) != NULL && strcmp(err.file, path) == 0;
			if (!ok) {
				fprintf(stderr, "\n%s: expected %d:%d '%s', got rc=%d ", path, line, col,
					frag, rc);
				sim_err_print(&err, stderr);
			}
			CU_ASSERT(ok);
			total++;
		}
		globfree(&g);
	}
	CU_ASSERT(total >= 1);
}

static const struct test_case cases[] = {
	{"every bad file gives its stated error", test_bad_files},
};
TEST_SUITE(cfg_bad_files, cases);
