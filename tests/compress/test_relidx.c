/* Relative-index format: a hand-worked example, decode(encode(x)) == x on
 * random sparse vectors, and the filler count against a direct count. */
#include <gsl/gsl_rng.h>
#include <stdlib.h>

#include "compress/relidx.h"
#include "test.h"

static void test_hand_worked(void)
{
	/* b = 2 (zero runs up to 3). Nonzeros at 1, 4, 15:
	 * run 1 -> (1, 3.4); run 2 -> (2, 0.9); run 10 before position 15:
	 * filler at 4+4=8 (gap 3), filler at 12 (gap 3), then (2, 1.7). */
	float x[18] = {0};
	x[1] = 3.4f;
	x[4] = 0.9f;
	x[15] = 1.7f;
	struct relidx r;
	struct sim_err err;
	CU_ASSERT_EQUAL_FATAL(relidx_encode(x, 18, 2, &r, &err), 0);
	CU_ASSERT_EQUAL_FATAL(r.n_entries, 5);
	CU_ASSERT_EQUAL(r.n_fillers, 2);
	const uint32_t gaps[5] = {1, 2, 3, 3, 2};
	const float vals[5] = {3.4f, 0.9f, 0, 0, 1.7f};
	for (int i = 0; i < 5; i++) {
		CU_ASSERT_EQUAL(r.gap[i], gaps[i]);
		CU_ASSERT_EQUAL(r.value[i], vals[i]);
	}
	uint8_t mask[18] = {0};
	mask[1] = mask[4] = mask[15] = 1;
	CU_ASSERT_EQUAL(relidx_fillers(mask, 18, 2), 2);
	float y[18];
	CU_ASSERT_EQUAL(relidx_decode(&r, y, &err), 0);
	for (int i = 0; i < 18; i++)
		CU_ASSERT_EQUAL(y[i], x[i]);
	/* a corrupt stream running past the end */
	r.gap[4] = 3;
	r.n = 16;
	CU_ASSERT_EQUAL(relidx_decode(&r, y, &err), SIM_ERR_DATA);
	relidx_deinit(&r);
}

static void test_property(void)
{
	gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
	gsl_rng_set(rng, 11);
	enum { N = 5000 };
	float *x = malloc(N * sizeof *x), *y = malloc(N * sizeof *y);
	uint8_t *mask = malloc(N);
	struct sim_err err;
	for (int trial = 0; trial < 60; trial++) {
		double density = (trial % 6 == 0) ? 0.0 : gsl_rng_uniform(rng) * 0.5;
		unsigned bits = 1 + (unsigned)gsl_rng_uniform_int(rng, 8);
		uint64_t kept = 0;
		for (int i = 0; i < N; i++) {
			mask[i] = gsl_rng_uniform(rng) < density;
			x[i] = mask[i] ? (float)(gsl_rng_uniform_pos(rng) - 2.0) : 0.0f;
			kept += mask[i];
		}
		struct relidx r;
		CU_ASSERT_EQUAL_FATAL(relidx_encode(x, N, bits, &r, &err), 0);
		CU_ASSERT_EQUAL(r.n_entries, kept + r.n_fillers);
		CU_ASSERT_EQUAL(r.n_fillers, relidx_fillers(mask, N, bits));
		/* the position of each entry, recomputed independently, is in range */
		int ok = 1;
		for (uint64_t k = 0; k < r.n_entries; k++)
			ok &= r.gap[k] < (1u << bits);
		CU_ASSERT(ok);
		CU_ASSERT_EQUAL_FATAL(relidx_decode(&r, y, &err), 0);
		for (int i = 0; i < N; i++)
			ok &= x[i] == y[i];
		CU_ASSERT(ok);
		relidx_deinit(&r);
	}
	free(x);
	free(y);
	free(mask);
	gsl_rng_free(rng);
}

static const struct test_case cases[] = {
	{"hand-worked example with fillers", test_hand_worked},
	{"decode(encode(x)) == x, filler counts agree", test_property},
};
TEST_SUITE(compress_relidx, cases);
