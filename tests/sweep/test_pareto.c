/* Pareto marking: hand-built sets with known fronts, and random sets checked
 * against the O(n^2) definition of dominance. */
#include <gsl/gsl_rng.h>
#include <math.h>
#include <stdlib.h>

#include "sweep/pareto.h"
#include "test.h"

/* The definition, applied literally (x minimised, y maximised). */
static bool dominated_brute(const double *x, const double *y, size_t n, size_t i)
{
	if (isnan(x[i]) || isnan(y[i]))
		return true;
	for (size_t j = 0; j < n; j++) {
		if (j == i || isnan(x[j]) || isnan(y[j]))
			continue;
		if (x[j] <= x[i] && y[j] >= y[i] && (x[j] < x[i] || y[j] > y[i]))
			return true;
	}
	return false;
}

static void test_known_sets(void)
{
	/* energy (min), accuracy (max) */
	const double e[] = {10, 20, 30, 15, 20, 40, NAN, 10};
	const double a[] = {80, 90, 89, 85, 90, 95, 99, 70};
	const bool want[] = {true, true, false, true, true, true, false, false};
	bool got[8];
	struct sim_err err;
	CU_ASSERT_EQUAL_FATAL(pareto_mark(e, PARETO_MIN, a, PARETO_MAX, 8, got, &err), 0);
	for (size_t i = 0; i < 8; i++)
		CU_ASSERT_EQUAL(got[i], want[i]);

	/* Both minimised (energy vs cycles): a staircase and a point behind it. */
	const double ex[] = {1, 2, 3, 2.5};
	const double cy[] = {9, 5, 1, 6};
	const bool want2[] = {true, true, true, false};
	CU_ASSERT_EQUAL_FATAL(pareto_mark(ex, PARETO_MIN, cy, PARETO_MIN, 4, got, &err), 0);
	for (size_t i = 0; i < 4; i++)
		CU_ASSERT_EQUAL(got[i], want2[i]);
}

static void test_random_vs_definition(void)
{
	gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
	gsl_rng_set(r, 7);
	enum { N = 120 };
	double x[N], y[N];
	bool got[N];
	struct sim_err err;
	for (int round = 0; round < 50; round++) {
		for (size_t i = 0; i < N; i++) {
			/* Coarse values so that ties and duplicates occur often. */
			x[i] = (double)gsl_rng_uniform_int(r, 12);
			y[i] = (double)gsl_rng_uniform_int(r, 12);
			if (gsl_rng_uniform(r) < 0.03)
				x[i] = NAN;
		}
		CU_ASSERT_EQUAL_FATAL(pareto_mark(x, PARETO_MIN, y, PARETO_MAX, N, got, &err), 0);
		for (size_t i = 0; i < N; i++)
			CU_ASSERT_EQUAL(got[i], !dominated_brute(x, y, N, i));
	}
	gsl_rng_free(r);
}

static const struct test_case cases[] = {
	{"known fronts, ties, duplicates, NaN", test_known_sets},
	{"random sets agree with the definition", test_random_vs_definition},
};
TEST_SUITE(sweep_pareto, cases);
