/* results.csv resume: rows already present are kept and found, a half-written
 * last line is dropped (and the file truncated), a header from another
 * experiment is refused, and appends survive reopening. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sweep/results.h"
#include "test.h"

static const char *const cols[] = {"point", "granularity", "accuracy", "pareto"};

static void tmp_path(char *buf, size_t size)
{
	snprintf(buf, size, "/tmp/esim-test-results-%ld.csv", (long)getpid());
	unlink(buf);
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fputs(text, f);
	fclose(f);
}

static char *read_file(const char *path)
{
	static char buf[4096];
	FILE *f = fopen(path, "r");
	if (!f)
		return NULL;
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static void test_create_append_reopen(void)
{
	char path[128];
	tmp_path(path, sizeof path);
	struct sweep_results r;
	struct sim_err err;
	CU_ASSERT_EQUAL_FATAL(sweep_results_open(&r, path, cols, 4, &err), 0);
	const char *row1[] = {"p1", "0d", "0.91", "1"};
	const char *row2[] = {"p2", "3d", "0.88", "0"};
	CU_ASSERT_EQUAL(sweep_results_append(&r, row1, &err), 0);
	CU_ASSERT_EQUAL(sweep_results_append(&r, row2, &err), 0);
	CU_ASSERT_NOT_EQUAL(sweep_results_append(&r, row1, &err), 0); /* no duplicates */
	sweep_results_deinit(&r);
	CU_ASSERT_STRING_EQUAL(read_file(path),
			       "point,granularity,accuracy,pareto\np1,0d,0.91,1\np2,3d,0.88,0\n");
	CU_ASSERT_EQUAL_FATAL(sweep_results_open(&r, path, cols, 4, &err), 0);
	CU_ASSERT_EQUAL(r.n_rows, 2);
	CU_ASSERT_EQUAL(sweep_results_find(&r, "p2"), 1);
	CU_ASSERT_EQUAL(sweep_results_find(&r, "p3"), -1);
	CU_ASSERT_FALSE(r.dropped_partial);
	sweep_results_deinit(&r);
	unlink(path);
}

static void test_half_written_line(void)
{
	char path[128];
	tmp_path(path, sizeof path);
	write_file(path, "point,granularity,accuracy,pareto\np1,0d,0.91,1\np2,3d,0.8");
	struct sweep_results r;
	struct sim_err err;
	CU_ASSERT_EQUAL_FATAL(sweep_results_open(&r, path, cols, 4, &err), 0);
	CU_ASSERT_TRUE(r.dropped_partial);
	CU_ASSERT_EQUAL(r.n_rows, 1);
	CU_ASSERT_EQUAL(sweep_results_find(&r, "p2"), -1); /* runs again */
	const char *row2[] = {"p2", "3d", "0.88", "0"};
	CU_ASSERT_EQUAL(sweep_results_append(&r, row2, &err), 0);
	sweep_results_deinit(&r);
	CU_ASSERT_STRING_EQUAL(read_file(path),
			       "point,granularity,accuracy,pareto\np1,0d,0.91,1\np2,3d,0.88,0\n");
	/* A header cut mid-way counts as an empty file. */
	write_file(path, "point,granu");
	CU_ASSERT_EQUAL_FATAL(sweep_results_open(&r, path, cols, 4, &err), 0);
	CU_ASSERT_EQUAL(r.n_rows, 0);
	sweep_results_deinit(&r);
	CU_ASSERT_STRING_EQUAL(read_file(path), "point,granularity,accuracy,pareto\n");
	unlink(path);
}

static void test_refuses_foreign_file(void)
{
	char path[128];
	tmp_path(path, sizeof path);
	struct sweep_results r;
	struct sim_err err;
	write_file(path, "point,bits,accuracy,pareto\np1,8,0.9,1\n");
	CU_ASSERT_EQUAL(sweep_results_open(&r, path, cols, 4, &err), SIM_ERR_DATA);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "column 2 is 'bits'"));
	write_file(path, "point,granularity,accuracy,pareto\np1,0d,0.9\n");
	CU_ASSERT_EQUAL(sweep_results_open(&r, path, cols, 4, &err), SIM_ERR_DATA);
	CU_ASSERT_EQUAL(err.line, 2);
	write_file(path, "point,granularity,accuracy,pareto\np1,0d,0.9,1\np1,0d,0.9,1\n");
	CU_ASSERT_EQUAL(sweep_results_open(&r, path, cols, 4, &err), SIM_ERR_DATA);
	CU_ASSERT_EQUAL(err.line, 3);
	unlink(path);
}

static const struct test_case cases[] = {
	{"create, append, reopen", test_create_append_reopen},
	{"a half-written last line is dropped and rerun", test_half_written_line},
	{"a results file of another experiment is refused", test_refuses_foreign_file},
};
TEST_SUITE(sweep_results, cases);
