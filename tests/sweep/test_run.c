/* A whole energy-only sweep, interrupted and resumed: a run is cut in the
 * middle of its last row; the next run keeps the finished rows, runs only the
 * cut point again, and ends with exactly the rows of an uninterrupted run. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sweep/results.h"
#include "sweep/run.h"
#include "test.h"

static char *slurp(const char *path, long *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	*len = ftell(f);
	rewind(f);
	char *buf = malloc((size_t)*len + 1);
	size_t got = fread(buf, 1, (size_t)*len, f);
	buf[got] = '\0';
	fclose(f);
	return buf;
}

/* Runs a sweep, printing its error if it fails. */
static int run_quiet(const char *yaml, const struct sweep_run_opts *o, struct sweep_summary *s)
{
	struct sim_err err;
	int rc = sweep_run(yaml, o, s, &err);
	if (rc)
		sim_err_print(&err, stderr);
	return rc;
}

static void test_resume(void)
{
	char dir[128], yaml[160], results[160], csv[200];
	snprintf(dir, sizeof dir, "/tmp/esim-test-sweep-%ld", (long)getpid());
	snprintf(yaml, sizeof yaml, "%s.yaml", dir);
	snprintf(results, sizeof results, "%s/out", dir);
	FILE *f = fopen(yaml, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fputs("name: resume\n"
	      "base: {network: configs/networks/lenet-5.yaml, arch: configs/arch/eyeriss-chip.yaml,\n"
	      "       energy: energy-tables/eyeriss-65nm.yaml,\n"
	      "       sparsity: configs/sparsity/lenet-5-han2015.yaml}\n"
	      "axes:\n  dataflow: [rs, ws, os, nlr]\n",
	      f);
	fclose(f);
	struct sweep_run_opts o = {.jobs = 2, .results_dir = results, .quiet = true};
	struct sweep_summary s;
	struct sim_err err;
	CU_ASSERT_EQUAL_FATAL(run_quiet(yaml, &o, &s), 0);
	CU_ASSERT_EQUAL(s.ran, 4);
	snprintf(csv, sizeof csv, "%s/results.csv", results);
	long full_len = 0;
	char *full = slurp(csv, &full_len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(full);

	/* Kill in the middle of the last row: cut the file 7 bytes before its end. */
	CU_ASSERT_EQUAL_FATAL(truncate(csv, full_len - 7), 0);
	int rc = sweep_run(yaml, &o, &s, &err);
	CU_ASSERT_EQUAL_FATAL(rc, 0);
	CU_ASSERT_EQUAL(s.ran, 1);
	CU_ASSERT_EQUAL(s.skipped, 3);

	/* Same rows as the uninterrupted run (order may differ: compare by id). */
	struct sweep_results a, b;
	CU_ASSERT_EQUAL_FATAL(sweep_results_read(&b, csv, &err), 0);
	char fresh[220];
	snprintf(fresh, sizeof fresh, "%s/full.csv", dir);
	f = fopen(fresh, "w");
	fputs(full, f);
	fclose(f);
	CU_ASSERT_EQUAL_FATAL(sweep_results_read(&a, fresh, &err), 0);
	CU_ASSERT_EQUAL(a.n_rows, 4);
	CU_ASSERT_EQUAL(b.n_rows, 4);
	for (size_t i = 0; i < a.n_rows; i++) {
		long j = sweep_results_find(&b, a.rows[i].cells[0]);
		CU_ASSERT_FATAL(j >= 0);
		for (size_t c = 0; c < a.n_cols; c++)
			CU_ASSERT_STRING_EQUAL(a.rows[i].cells[c], b.rows[j].cells[c]);
	}
	/* Nothing left to run: a third start changes nothing. */
	rc = sweep_run(yaml, &o, &s, &err);
	CU_ASSERT_EQUAL(rc, 0);
	CU_ASSERT_EQUAL(s.ran, 0);
	sweep_results_deinit(&a);
	sweep_results_deinit(&b);
	free(full);
	char cmd[400];
	snprintf(cmd, sizeof cmd, "rm -rf '%s' '%s'", dir, yaml);
	CU_ASSERT_EQUAL(system(cmd), 0);
}

/* Energy-only points with Scalpel's structures: a node profile runs the
 * smaller network (conv1 keeps 10 of 20 maps, so conv2 reads 10), and SIMD
 * groups of 2 with relative indices move fewer weight bits than single
 * weights at the same density. */
static void test_scalpel_profiles(void)
{
	char dir[128], yaml[160], results[160], csv[200], node[160], simd[160], fine[160];
	snprintf(dir, sizeof dir, "/tmp/esim-test-scalpel-%ld", (long)getpid());
	snprintf(yaml, sizeof yaml, "%s.yaml", dir);
	snprintf(results, sizeof results, "%s/out", dir);
	snprintf(node, sizeof node, "%s-node.yaml", dir);
	snprintf(simd, sizeof simd, "%s-simd.yaml", dir);
	snprintf(fine, sizeof fine, "%s-fine.yaml", dir);
	FILE *f = fopen(node, "w");
	fputs("name: n\nnetwork: lenet-5\nlayers:\n"
	      "  conv1: {weight_density: 0.5, granularity: node}\n", f);
	fclose(f);
	f = fopen(simd, "w");
	fputs("name: s\nnetwork: lenet-5\nlayers:\n"
	      "  ip1: {weight_density: 0.1, granularity: simd, simd_width: 2}\n", f);
	fclose(f);
	f = fopen(fine, "w");
	fputs("name: f\nnetwork: lenet-5\nlayers:\n  ip1: {weight_density: 0.1}\n", f);
	fclose(f);
	f = fopen(yaml, "w");
	fprintf(f, "name: scalpel\n"
		   "base: {network: configs/networks/lenet-5.yaml, arch: configs/arch/mcu-m4.yaml,\n"
		   "       energy: energy-tables/horowitz-45nm.yaml, weight_format: relative_index,\n"
		   "       weight_index_bits: 4}\n"
		   "axes:\n  sparsity: ['%s', '%s', '%s']\n", node, simd, fine);
	fclose(f);
	struct sweep_run_opts o = {.jobs = 1, .results_dir = results, .quiet = true};
	struct sweep_summary s;
	struct sim_err err;
	CU_ASSERT_EQUAL_FATAL(run_quiet(yaml, &o, &s), 0);
	snprintf(csv, sizeof csv, "%s/results.csv", results);
	struct sweep_results res;
	CU_ASSERT_EQUAL_FATAL(sweep_results_read(&res, csv, &err), 0);
	long cw = sweep_results_col(&res, "weights_nonzero");
	long ce = sweep_results_col(&res, "energy_weight");
	long cs = sweep_results_col(&res, "sparsity");
	double w[3] = {0}, e[3] = {0};
	for (size_t i = 0; i < res.n_rows; i++) {
		const char *sp = res.rows[i].cells[cs];
		int k = strstr(sp, "-node") ? 0 : strstr(sp, "-simd") ? 1 : 2;
		w[k] = strtod(res.rows[i].cells[cw], NULL);
		e[k] = strtod(res.rows[i].cells[ce], NULL);
	}
	/* conv1 10 x 25, conv2 50 x 10 x 25, ip1 500 x 800, ip2 10 x 500 */
	CU_ASSERT_DOUBLE_EQUAL(w[0], 250 + 12500 + 400000 + 5000, 0.5);
	CU_ASSERT(e[1] < e[2]);
	sweep_results_deinit(&res);
	char cmd[800];
	snprintf(cmd, sizeof cmd, "rm -rf '%s' '%s' '%s' '%s' '%s'", dir, yaml, node, simd, fine);
	CU_ASSERT_EQUAL(system(cmd), 0);
}

static const struct test_case cases[] = {
	{"an interrupted energy-only sweep resumes to the same rows", test_resume},
	{"node and SIMD sparsity profiles in an energy-only sweep", test_scalpel_profiles},
};
TEST_SUITE(sweep_run, cases);
