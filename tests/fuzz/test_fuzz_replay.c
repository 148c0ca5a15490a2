/* Replays, in the normal build, every input that once broke a loader under
 * the fuzzer (tests/data/fuzz/<target>/, added by scripts/fuzz.sh) and every
 * shipped file that seeds the fuzzer, through the same target functions as
 * `make fuzz`. A regression crashes the suite, and under `make check` any
 * memory error or leak is reported by the sanitizers. */
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz/targets.h"
#include "test.h"
#include "util/util.h"

/* Runs every file matching the space-separated globs through t; returns how many. */
static size_t replay(const struct fuzz_target *t, const char *globs)
{
	char list[512];
	snprintf(list, sizeof list, "%s", globs);
	size_t n = 0;
	char *save = NULL;
	for (char *pat = strtok_r(list, " ", &save); pat; pat = strtok_r(NULL, " ", &save)) {
		glob_t g;
		if (glob(pat, 0, NULL, &g) != 0)
			continue;
		for (size_t i = 0; i < g.gl_pathc; i++) {
			size_t len;
			char *data = tu_slurp(g.gl_pathv[i], &len);
			CU_ASSERT_PTR_NOT_NULL_FATAL(data);
			CU_ASSERT_EQUAL(t->run((const uint8_t *)data, len), 0);
			free(data);
			n++;
		}
		globfree(&g);
	}
	return n;
}

static void test_replay(void)
{
	size_t seeds = 0, regressions = 0;
	for (int i = 0; i < fuzz_target_count; i++) {
		const struct fuzz_target *t = &fuzz_targets[i];
		char pattern[128];
		snprintf(pattern, sizeof pattern, "tests/data/fuzz/%s/*", t->name);
		regressions += replay(t, pattern);
		seeds += replay(t, t->seeds);
	}
	printf("[%zu regression files, %zu seed files] ", regressions, seeds);
	CU_ASSERT(seeds > 100);
}

static const struct test_case cases[] = {
	{"fuzzer regressions and seeds load or fail cleanly", test_replay},
};
TEST_SUITE(fuzz_replay, cases);
