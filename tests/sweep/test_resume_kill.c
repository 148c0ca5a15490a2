/* A sweep killed with SIGKILL at random moments and resumed each time ends
 * with exactly the rows of an uninterrupted run: none lost, none duplicated,
 * none half written. The sweep is a small energy-only one (LeNet-5 on the
 * Eyeriss chip, 18 points, two workers) run by the esim binary. The kill
 * moments are drawn from a seeded gsl_rng as fractions of the time the
 * remaining points should take (from the uninterrupted run's wall time), so
 * the schedule is the same on every run of the test.
 * After every kill the file is checked too: each complete line is a whole
 * row of the uninterrupted run (its Pareto mark aside, which is recomputed
 * at the end), no point appears twice, and only the last line may be cut. */
#include <gsl/gsl_rng.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/clock.h"
#include "test.h"
#include "util/util.h"

#define KILLS 6
#define KILL_SEED 20240611

static const char experiment[] =
	"name: resume\n"
	"base:\n"
	"  network: configs/networks/lenet-5.yaml\n"
	"  arch: configs/arch/eyeriss-chip.yaml\n"
	"  energy: energy-tables/eyeriss-65nm.yaml\n"
	"  batch: 1\n"
	"axes:\n"
	"  wbits: [16, 12, 8, 6, 4, 2]\n"
	"  pe_rows: [12, 6, 4]\n";

/* Splits text into lines (in place); returns the count. */
static int split_lines(char *text, char **lines, int max)
{
	int n = 0;
	for (char *p = text; *p && n < max; n++) {
		lines[n] = p;
		char *nl = strchr(p, '\n');
		if (!nl)
			return n + 1; /* a last line without its newline */
		*nl = '\0';
		p = nl + 1;
	}
	return n;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* line without its last field (the Pareto mark) equals some reference row's. */
static int matches_some_row(const char *line, char **ref, int n_ref)
{
	const char *cut = strrchr(line, ',');
	size_t len = cut ? (size_t)(cut - line) : strlen(line);
	for (int i = 1; i < n_ref; i++)
		if (strncmp(ref[i], line, len) == 0 && ref[i][len] == ',')
			return 1;
	return 0;
}

static void test_kill_resume(void)
{
	char dir[] = "/tmp/esim-resume-XXXXXX";
	CU_ASSERT_FATAL(mkdtemp(dir) != NULL);
	char yaml[64], ref_dir[64], run_dir[64], ref_csv[80], run_csv[80];
	snprintf(yaml, sizeof yaml, "%s/resume.yaml", dir);
	snprintf(ref_dir, sizeof ref_dir, "%s/ref", dir);
	snprintf(run_dir, sizeof run_dir, "%s/run", dir);
	snprintf(ref_csv, sizeof ref_csv, "%s/results.csv", ref_dir);
	snprintf(run_csv, sizeof run_csv, "%s/results.csv", run_dir);
	CU_ASSERT_FATAL(tu_write_text(yaml, experiment));

	const char *ref_args[] = {tu_esim(), "sweep", yaml, "--results", ref_dir, "--no-plots",
				  "--quiet", "--jobs", "2", NULL};
	double t0 = sim_now_s();
	CU_ASSERT_EQUAL_FATAL(tu_run(ref_args, NULL), 0);
	double full_s = sim_now_s() - t0;
	char *ref_text = tu_slurp(ref_csv, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(ref_text);
	char *ref[64];
	int n_ref = split_lines(ref_text, ref, 64);
	CU_ASSERT_EQUAL_FATAL(n_ref, 19); /* header + 18 points */

	const char *args[] = {tu_esim(), "sweep", yaml, "--results", run_dir, "--no-plots",
			      "--quiet", "--jobs", "2", NULL};
	gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
	gsl_rng_set(rng, KILL_SEED);
	int killed = 0, rows = 0;
	for (int k = 0; k < KILLS; k++) {
		/* A moment within the time the points still to run should take
		 * (startup included), so most kills land inside a run. */
		double wait_s = gsl_rng_uniform(rng) * full_s * (double)(n_ref - 1 - rows) / (n_ref - 1);
		pid_t pid = tu_start(args, NULL);
		CU_ASSERT_FATAL(pid > 0);
		usleep((useconds_t)(wait_s * 1e6));
		kill(pid, SIGKILL);
		killed += tu_wait(pid) == 128 + SIGKILL;
		char *text = tu_slurp(run_csv, NULL);
		if (!text)
			continue; /* killed before the header was written */
		size_t text_len = strlen(text);
		int last_cut = text_len > 0 && text[text_len - 1] != '\n';
		char *lines[64];
		int n = split_lines(text, lines, 64);
		for (int i = 1; i < n; i++) {
			if (i == n - 1 && last_cut)
				continue; /* half written: the next start cuts it off */
			CU_ASSERT(matches_some_row(lines[i], ref, n_ref));
			for (int j = 1; j < i; j++) /* the 16-digit point id, not twice */
				CU_ASSERT(strncmp(lines[i], lines[j], 17) != 0);
		}
		rows = n - 1 - last_cut;
		CU_ASSERT(n == 0 || strcmp(lines[0], ref[0]) == 0);
		free(text);
	}
	gsl_rng_free(rng);
	CU_ASSERT_EQUAL_FATAL(tu_run(args, NULL), 0);
	char *text = tu_slurp(run_csv, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(text);
	char *lines[64];
	int n = split_lines(text, lines, 64);
	CU_ASSERT_EQUAL(n, n_ref);
	if (n == n_ref) {
		qsort(lines + 1, (size_t)n - 1, sizeof *lines, cmp_str);
		qsort(ref + 1, (size_t)n_ref - 1, sizeof *ref, cmp_str);
		for (int i = 0; i < n; i++)
			CU_ASSERT_STRING_EQUAL(lines[i], ref[i]);
	}
	printf("[%d of %d runs killed mid-run, uninterrupted run %.2f s] ", killed, KILLS, full_s);
	CU_ASSERT(killed >= 1);
	free(text);
	free(ref_text);
	CU_ASSERT(tu_rm_tree(dir));
}

static const struct test_case cases[] = {
	{"killed at random moments and resumed: exactly the rows of one run", test_kill_resume},
};
TEST_SUITE(sweep_resume_kill, cases);
