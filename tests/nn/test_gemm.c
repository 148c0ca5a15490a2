/* Fixed-order GEMM: every instruction set's blocked kernel must give exactly
 * the bits of the one-entry-at-a-time reference (gemm.h defines the order),
 * on shapes that exercise partial tiles, partial packing blocks (k and n past
 * 256), transposed operands, leading dimensions wider than the matrix, and
 * accumulation onto an existing C. The reference itself is checked against a
 * double-precision product to a float tolerance. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_rng.h>

#include "nn/gemm.h"
#include "test.h"

struct shape {
	uint32_t m, n, k;
	bool ta, tb, acc;
};

static const struct shape shapes[] = {
	{1, 1, 1, false, false, false},     {4, 16, 8, false, false, false},
	{5, 17, 3, false, false, true},     {13, 33, 300, false, true, false},
	{7, 270, 19, true, false, true},    {50, 64, 800, false, true, false},
	{300, 16, 784, false, false, false}, {31, 9, 257, true, true, true},
	{6, 576, 25, false, false, false},  {3, 5, 0, false, false, true},
};

static float *fill(gsl_rng *rng, size_t n)
{
	float *p = malloc((n ? n : 1) * sizeof *p);
	for (size_t i = 0; i < n; i++)
		p[i] = (float)(2.0 * gsl_rng_uniform(rng) - 1.0);
	return p;
}

static void check_shape(const struct shape *s, gsl_rng *rng)
{
	/* Leading dimensions 3 wider than needed, so strides are exercised. */
	const uint32_t lda = (s->ta ? s->m : s->k) + 3, ldb = (s->tb ? s->k : s->n) + 3;
	const uint32_t ldc = s->n + 3;
	const size_t arows = s->ta ? s->k : s->m, brows = s->tb ? s->n : s->k;
	float *a = fill(rng, arows * lda), *b = fill(rng, brows * ldb);
	float *c0 = fill(rng, (size_t)s->m * ldc);
	float *want = malloc(((size_t)s->m * ldc + 1) * sizeof *want);
	memcpy(want, c0, (size_t)s->m * ldc * sizeof *want);
	struct nn_mat am = {a, lda, s->ta}, bm = {b, ldb, s->tb};
	nn_gemm_reference(s->m, s->n, s->k, am, bm, want, ldc, s->acc);

	/* The reference against a double-precision product. */
	double worst = 0.0;
	for (uint32_t i = 0; i < s->m; i++)
		for (uint32_t j = 0; j < s->n; j++) {
			double v = s->acc ? c0[(size_t)i * ldc + j] : 0.0;
			for (uint32_t q = 0; q < s->k; q++)
				v += (double)(s->ta ? a[(size_t)q * lda + i] : a[(size_t)i * lda + q]) *
				     (s->tb ? b[(size_t)j * ldb + q] : b[(size_t)q * ldb + j]);
			worst = fmax(worst, fabs(v - want[(size_t)i * ldc + j]));
		}
	CU_ASSERT(worst <= 1e-6 * (s->k + 1));

	for (int isa = 0; isa < SIM_ISA_COUNT; isa++) {
		if ((enum sim_isa)isa > sim_isa_detect())
			continue; /* this CPU cannot run it */
		struct nn_gemm g;
		struct sim_err err = {0};
		CU_ASSERT_EQUAL_FATAL(nn_gemm_init(&g, NN_GEMM_FIXED, (enum sim_isa)isa, &err), 0);
		float *got = malloc(((size_t)s->m * ldc + 1) * sizeof *got);
		memcpy(got, c0, (size_t)s->m * ldc * sizeof *got);
		nn_gemm(&g, s->m, s->n, s->k, am, bm, got, ldc, s->acc);
		/* Bit-identical, including the untouched padding columns. */
		if (memcmp(got, want, (size_t)s->m * ldc * sizeof *got) != 0)
			fprintf(stderr, "\n  %s %ux%ux%u ta=%d tb=%d acc=%d differs from the reference\n",
				sim_isa_names[isa], s->m, s->n, s->k, s->ta, s->tb, s->acc);
		CU_ASSERT(memcmp(got, want, (size_t)s->m * ldc * sizeof *got) == 0);
		free(got);
		nn_gemm_deinit(&g);
	}
	free(a);
	free(b);
	free(c0);
	free(want);
}

static void test_fixed_equals_reference(void)
{
	gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
	gsl_rng_set(rng, 5);
	for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++)
		check_shape(&shapes[i], rng);
	gsl_rng_free(rng);
}

static const struct test_case cases[] = {
	{"every instruction set equals the reference bit for bit", test_fixed_equals_reference},
};
TEST_SUITE(nn_gemm, cases);
