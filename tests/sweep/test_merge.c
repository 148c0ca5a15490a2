/* Shards and merge: an energy-only sweep split into three shards covers
 * every point exactly once, and `merge` of the shards gives the rows of the
 * unsplit run (Pareto marks included, recomputed over all rows). A point
 * present in two shards with the same values is kept once; with a different
 * value it is an error naming the file and line. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sweep/merge.h"
#include "sweep/results.h"
#include "sweep/rows.h"
#include "sweep/run.h"
#include "test.h"

static const char experiment[] =
	"name: shards\n"
	"base: {network: configs/networks/lenet-5.yaml, arch: configs/arch/eyeriss-chip.yaml,\n"
	"       energy: energy-tables/eyeriss-65nm.yaml,\n"
	"       sparsity: configs/sparsity/lenet-5-han2015.yaml}\n"
	"axes:\n  dataflow: [rs, ws, os, nlr]\n  wbits: [16, 8]\n";

static void test_shards_merge(void)
{
	char dir[] = "/tmp/esim-test-shards-XXXXXX";
	CU_ASSERT_FATAL(mkdtemp(dir) != NULL);
	char yaml[128], full[128], shard_dir[128], csv[3][200], merged[200];
	snprintf(yaml, sizeof yaml, "%s/shards.yaml", dir);
	snprintf(full, sizeof full, "%s/full", dir);
	snprintf(shard_dir, sizeof shard_dir, "%s/sharded", dir);
	FILE *f = fopen(yaml, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fputs(experiment, f);
	fclose(f);
	struct sim_err err;
	struct sweep_summary s;
	struct sweep_run_opts o = {.jobs = 2, .results_dir = full, .quiet = true};
	CU_ASSERT_EQUAL_FATAL(sweep_run(yaml, &o, &s, &err), 0);
	CU_ASSERT_EQUAL(s.ran, 8);

	size_t ran = 0, outside = 0;
	for (unsigned k = 0; k < 3; k++) {
		struct sweep_run_opts so = {.jobs = 1, .results_dir = shard_dir, .quiet = true,
					    .shard_index = k, .shard_count = 3};
		CU_ASSERT_EQUAL_FATAL(sweep_run(yaml, &so, &s, &err), 0);
		snprintf(csv[k], sizeof csv[k], "%s/results.shard-%u-of-3.csv", shard_dir, k);
		CU_ASSERT_STRING_EQUAL(s.results_csv, csv[k]);
		CU_ASSERT_EQUAL(s.ran + s.outside_shard, 8);
		CU_ASSERT_EQUAL(test_count_rows(csv[k]), s.ran);
		ran += s.ran;
		outside += s.outside_shard;
	}
	CU_ASSERT_EQUAL(ran, 8);      /* every point in exactly one shard */
	CU_ASSERT_EQUAL(outside, 16);
	/* A shard run again finds its points done and touches no other shard's. */
	struct sweep_run_opts again = {.jobs = 1, .results_dir = shard_dir, .quiet = true,
				       .shard_index = 1, .shard_count = 3};
	CU_ASSERT_EQUAL(sweep_run(yaml, &again, &s, &err), 0);
	CU_ASSERT_EQUAL(s.ran, 0);

	snprintf(merged, sizeof merged, "%s/results.csv", shard_dir);
	const char *in[] = {csv[0], csv[1], csv[2], csv[1]}; /* shard 1 twice: duplicates */
	struct sweep_merge_stats st;
	CU_ASSERT_EQUAL_FATAL(sweep_merge(merged, in, 4, &st, &err), 0);
	CU_ASSERT_EQUAL(st.rows, 8);
	CU_ASSERT_EQUAL(st.duplicates, test_count_rows(csv[1]));
	char full_csv[200];
	snprintf(full_csv, sizeof full_csv, "%s/results.csv", full);
	CU_ASSERT(test_same_rows(full_csv, merged));
	/* Merging into an existing file keeps its rows. */
	CU_ASSERT_EQUAL(sweep_merge(merged, in, 1, &st, &err), 0);
	CU_ASSERT_EQUAL(st.rows, 8);
	CU_ASSERT(test_same_rows(full_csv, merged));

	/* The same point with another energy in a second file is refused. */
	struct sweep_results r;
	CU_ASSERT_EQUAL_FATAL(sweep_results_read(&r, full_csv, &err), 0);
	long ce = sweep_results_col(&r, "energy_total");
	free(r.rows[2].cells[ce]);
	r.rows[2].cells[ce] = strdup("1");
	char bad[200];
	snprintf(bad, sizeof bad, "%s/bad.csv", dir);
	snprintf(r.path, sizeof r.path, "%s", bad);
	CU_ASSERT_EQUAL_FATAL(sweep_results_rewrite(&r, &err), 0);
	sweep_results_deinit(&r);
	char out2[200];
	snprintf(out2, sizeof out2, "%s/out2.csv", dir);
	const char *conflict[] = {full_csv, bad};
	CU_ASSERT_EQUAL(sweep_merge(out2, conflict, 2, &st, &err), SIM_ERR_DATA);
	CU_ASSERT_STRING_EQUAL(err.file, bad);
	CU_ASSERT_EQUAL(err.line, 4); /* header, then rows 0, 1, 2 */
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "energy_total"));
	CU_ASSERT_NOT_EQUAL(access(out2, F_OK), 0); /* nothing written */

	char cmd[200];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	CU_ASSERT_EQUAL(system(cmd), 0);
}

static void test_shard_out_of_range(void)
{
	struct sweep_run_opts o = {.jobs = 1, .quiet = true, .shard_index = 3, .shard_count = 3};
	struct sweep_summary s;
	struct sim_err err;
	CU_ASSERT_EQUAL(sweep_run("experiments/alexnet-dataflows.yaml", &o, &s, &err),
			SIM_ERR_USAGE);
}

static const struct test_case cases[] = {
	{"three shards and their merge equal the unsplit sweep", test_shards_merge},
	{"a shard index out of range is a usage error", test_shard_out_of_range},
};
TEST_SUITE(sweep_merge, cases);
