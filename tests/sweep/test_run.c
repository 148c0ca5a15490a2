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
	int rc = sweep_run(yaml, &o, &s, &err);
	if (rc)
		sim_err_print(&err, stderr);
	CU_ASSERT_EQUAL_FATAL(rc, 0);
	CU_ASSERT_EQUAL(s.ran, 4);
	snprintf(csv, sizeof csv, "%s/results.csv", results);
	long full_len = 0;
	char *full = slurp(csv, &full_len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(full);

	/* Kill in the middle of the last row: cut the file 7 bytes before its end. */
	CU_ASSERT_EQUAL_FATAL(truncate(csv, full_len - 7), 0);
	rc = sweep_run(yaml, &o, &s, &err);
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

static const struct test_case cases[] = {
	{"an interrupted energy-only sweep resumes to the same rows", test_resume},
};
TEST_SUITE(sweep_run, cases);
