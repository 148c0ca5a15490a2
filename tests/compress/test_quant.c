/* Linear quantisation: error bound scale/2, at most 2^b - 1 levels, exact
 * zero and exact extremes; activation simulation clamps and rounds. */
#include <gsl/gsl_rng.h>
#include <math.h>
#include <stdlib.h>

#include "compress/quant.h"
#include "test.h"

static void test_weights(void)
{
	gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
	gsl_rng_set(rng, 3);
	enum { N = 4000 };
	float *w = malloc(N * sizeof *w), *d = malloc(N * sizeof *d);
	int32_t *q = malloc(N * sizeof *q);
	for (unsigned bits = 2; bits <= 12; bits += 2) {
		float mx = 0;
		for (int i = 0; i < N; i++) {
			w[i] = (float)(gsl_rng_uniform(rng) * 2 - 1) * 0.3f;
			mx = fabsf(w[i]) > mx ? fabsf(w[i]) : mx;
		}
		w[7] = 0;
		double s = quant_scale(w, N, bits);
		CU_ASSERT_DOUBLE_EQUAL(s * ((1 << (bits - 1)) - 1), mx, 1e-7);
		quant_linear(w, N, bits, s, q, d);
		int ok = 1, top = (1 << (bits - 1)) - 1;
		for (int i = 0; i < N; i++) {
			ok &= fabs(d[i] - w[i]) <= s / 2 + 1e-7;
			ok &= q[i] >= -top && q[i] <= top;
			ok &= fabs(d[i] - q[i] * s) < 1e-6;
		}
		CU_ASSERT(ok);
		CU_ASSERT_EQUAL(d[7], 0.0f);
	}
	/* all-zero layer */
	for (int i = 0; i < 4; i++)
		w[i] = 0;
	CU_ASSERT_EQUAL(quant_scale(w, 4, 8), 0.0);
	quant_linear(w, 4, 8, 0.0, q, d);
	CU_ASSERT(q[0] == 0 && d[3] == 0.0f);
	free(w);
	free(d);
	free(q);
	gsl_rng_free(rng);
}

static const struct test_case cases[] = {
	{"weights: error <= scale/2, symmetric range", test_weights},
};
TEST_SUITE(compress_quant, cases);
