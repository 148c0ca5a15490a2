/* esim compare on a hand-made results file whose fronts and ratios are worked
 * out by hand: two seeds (baselines at 90% and energy 100), energy-aware and
 * magnitude points, one of them dominated; at 1 point of loss the fronts give
 * ratios 80 / 53.33 = 1.5 (seed 1, an interpolated reading) and 80 / 40 = 2
 * (seed 2), so the geometric mean is sqrt(3) and the 95% interval, from
 * Student's t with one degree of freedom (12.7062), is [0.2785, 10.77]. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "report/compare.h"
#include "test.h"

static const char csv_text[] =
	"point,seed,method,accuracy,energy_total,energy_unit\n"
	"baseline-1,1,-,90,100,MAC16\n"
	"baseline-2,2,-,90,100,MAC16\n"
	"a1,1,energy-aware,89.5,60,MAC16\n"
	"a2,1,energy-aware,88,40,MAC16\n"
	"a3,1,energy-aware,88.5,70,MAC16\n" /* dominated by a1: off the front */
	"b1,1,magnitude,89,80,MAC16\n"
	"b2,1,magnitude,87,70,MAC16\n"
	"a4,2,energy-aware,89,40,MAC16\n"
	"b3,2,magnitude,89,80,MAC16\n"
	"x1,2,other,89,1,MAC16\n"; /* another method: ignored */

static void test_hand_computed(void)
{
	char dir[] = "/tmp/esim-compare-XXXXXX";
	CU_ASSERT_FATAL(mkdtemp(dir) != NULL);
	char csv[128], out_path[128];
	snprintf(csv, sizeof csv, "%s/results.csv", dir);
	snprintf(out_path, sizeof out_path, "%s/out.txt", dir);
	FILE *f = fopen(csv, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fputs(csv_text, f);
	fclose(f);
	struct compare_opts o;
	compare_opts_default(&o);
	o.losses[0] = 1.0;
	o.n_losses = 1;
	FILE *out = fopen(out_path, "w+");
	char made[64] = "";
	struct sim_err err;
	CU_ASSERT_EQUAL_FATAL(report_compare(csv, &o, out, made, sizeof made, &err), 0);
	rewind(out);
	char line[512], *summary = NULL;
	double r1 = 0, r2 = 0;
	while (fgets(line, sizeof line, out)) {
		char seed[16];
		double base, loss, ea, eb, ratio;
		if (sscanf(line, "%15s %lf%% %lf %lf %lf %lfx", seed, &base, &loss, &ea, &eb, &ratio) ==
		    6) {
			if (strcmp(seed, "1") == 0)
				r1 = ratio;
			if (strcmp(seed, "2") == 0)
				r2 = ratio;
		}
		if (strncmp(line, "energy-aware/magnitude at ", 26) == 0)
			summary = strdup(line);
	}
	fclose(out);
	CU_ASSERT_DOUBLE_EQUAL(r1, 1.5, 1e-3);
	CU_ASSERT_DOUBLE_EQUAL(r2, 2.0, 1e-3);
	CU_ASSERT_PTR_NOT_NULL_FATAL(summary);
	double mean, lo, hi;
	int seeds;
	CU_ASSERT_EQUAL(sscanf(summary,
			       "energy-aware/magnitude at 1.0 pt: mean %lfx, 95%% CI [%lf, %lf], %d seeds",
			       &mean, &lo, &hi, &seeds),
			4);
	CU_ASSERT_DOUBLE_EQUAL(mean, 1.73, 0.006);
	CU_ASSERT_DOUBLE_EQUAL(lo, 0.28, 0.006);
	CU_ASSERT_DOUBLE_EQUAL(hi, 10.77, 0.006);
	CU_ASSERT_EQUAL(seeds, 2);
	free(summary);

	/* A results file without the second method is refused. */
	o.method_b = "none-such";
	FILE *sink = fopen("/dev/null", "w");
	CU_ASSERT_NOT_EQUAL(report_compare(csv, &o, sink, made, sizeof made, &err), 0);
	fclose(sink);
	char cmd[256];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	CU_ASSERT_EQUAL(system(cmd), 0);
}

/* One seed, two granularities. At 1 point of loss the 0d slice gives
 * 75 / 50 = 1.5, the 3d slice 60 / 90 = 0.667, and the whole sweep (each
 * method's best over both) 60 / 50 = 1.2. */
static const char where_text[] = "point,seed,method,granularity,accuracy,energy_total,energy_unit\n"
				 "baseline-1,1,-,-,90,100,MAC16\n"
				 "a0,1,energy-aware,0d,89,50,MAC16\n"
				 "b0,1,magnitude,0d,89,75,MAC16\n"
				 "a3,1,energy-aware,3d,89,90,MAC16\n"
				 "b3,1,magnitude,3d,89,60,MAC16\n";

/* The seed-1 ratio at 1 point of csv under the filter column=value (no
 * filter when column is NULL); -1 when compare fails. */
static double ratio_where(const char *csv, const char *column, const char *value)
{
	struct compare_opts o;
	compare_opts_default(&o);
	o.losses[0] = 1.0;
	o.n_losses = 1;
	if (column)
		o.where[o.n_where++] = (struct compare_where){column, value};
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);
	char made[64] = "";
	struct sim_err err;
	int rc = report_compare(csv, &o, out, made, sizeof made, &err);
	fclose(out);
	double ratio = -1;
	for (char *line = strtok(text, "\n"); !rc && line; line = strtok(NULL, "\n")) {
		double base, loss, ea, eb, r;
		if (sscanf(line, "1 %lf%% %lf %lf %lf %lfx", &base, &loss, &ea, &eb, &r) == 5)
			ratio = r;
	}
	free(text);
	return ratio;
}

static void test_where(void)
{
	char dir[] = "/tmp/esim-compare-XXXXXX";
	CU_ASSERT_FATAL(mkdtemp(dir) != NULL);
	char csv[128];
	snprintf(csv, sizeof csv, "%s/results.csv", dir);
	FILE *f = fopen(csv, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fputs(where_text, f);
	fclose(f);
	CU_ASSERT_DOUBLE_EQUAL(ratio_where(csv, "granularity", "0d"), 1.5, 1e-3);
	CU_ASSERT_DOUBLE_EQUAL(ratio_where(csv, "granularity", "3d"), 60.0 / 90.0, 1e-3);
	CU_ASSERT_DOUBLE_EQUAL(ratio_where(csv, NULL, NULL), 1.2, 1e-3);
	CU_ASSERT_DOUBLE_EQUAL(ratio_where(csv, "granularity", "2d"), -1, 1e-9); /* no points */
	CU_ASSERT_DOUBLE_EQUAL(ratio_where(csv, "wbits", "8"), -1, 1e-9); /* no such column */
	char cmd[256];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	CU_ASSERT_EQUAL(system(cmd), 0);
}

static const struct test_case cases[] = {
	{"fronts, interpolated ratios and the t interval match a hand computation",
	 test_hand_computed},
	{"--where compares one slice of a sweep (hand-computed ratios per granularity)",
	 test_where},
};
TEST_SUITE(report_compare, cases);
