/* Deterministic elementary functions against glibc's libm (an independent
 * implementation): within a few units in the last place over their ranges,
 * the special values exact, and the Gaussian's first two moments. */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include <gsl/gsl_rng.h>

#include "core/detmath.h"
#include "test.h"

/* Distance in units in the last place between two finite doubles of the
 * same sign. */
static double ulps(double a, double b)
{
	if (a == b)
		return 0.0;
	double scale = ldexp(1.0, ilogb(fmax(fabs(a), fabs(b))) - 52);
	return fabs(a - b) / scale;
}

/* Worst ulp error of f against ref over n points spread over [lo, hi]. */
static double worst_ulps(double (*f)(double), double (*ref)(double), double lo, double hi,
			 gsl_rng *rng, int n)
{
	double worst = 0.0;
	for (int i = 0; i < n; i++) {
		double x = lo + (hi - lo) * gsl_rng_uniform(rng);
		worst = fmax(worst, ulps(f(x), ref(x)));
	}
	return worst;
}


static void test_against_libm(void)
{
	gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
	gsl_rng_set(rng, 3);
	double e1 = worst_ulps(det_exp, exp, -700.0, 700.0, rng, 200000);
	double e2 = worst_ulps(det_exp, exp, -1.0, 1.0, rng, 200000);
	double l1 = worst_ulps(det_log, log, 1e-300, 1e300, rng, 200000);
	double l2 = worst_ulps(det_log, log, 0.5, 2.0, rng, 200000);
	double c1 = worst_ulps(det_cos, cos, -10.0, 10.0, rng, 200000);
	double c2 = worst_ulps(det_cos, cos, -1e5, 1e5, rng, 200000);
	printf("[worst ulps: exp %.2f/%.2f, log %.2f/%.2f, cos %.2f/%.2f] ", e1, e2, l1, l2, c1, c2);
	CU_ASSERT(e1 <= 2.0 && e2 <= 2.0);
	CU_ASSERT(l1 <= 2.0 && l2 <= 2.0);
	/* cos near its zeros: judged by absolute error, as a relative one is
	 * unbounded there. */
	double cabs = 0.0;
	for (int i = 0; i < 200000; i++) {
		double x = -1e5 + 2e5 * gsl_rng_uniform(rng);
		cabs = fmax(cabs, fabs(det_cos(x) - cos(x)));
	}
	CU_ASSERT(cabs <= 4e-16);
	double worst_pow = 0.0;
	for (int i = 0; i < 100000; i++) {
		double x = 1e-3 + 10.0 * gsl_rng_uniform(rng), y = 20.0 * gsl_rng_uniform(rng) - 10.0;
		worst_pow = fmax(worst_pow, fabs(det_pow(x, y) - pow(x, y)) / pow(x, y));
	}
	CU_ASSERT(worst_pow <= 1e-13);
	CU_ASSERT_EQUAL(det_powi(0.5, 10), ldexp(1.0, -10));
	CU_ASSERT_EQUAL(det_powi(3.0, 0), 1.0);
	CU_ASSERT_EQUAL(det_powi(3.0, 5), 243.0);
	gsl_rng_free(rng);
}

static void test_special_values(void)
{
	CU_ASSERT_EQUAL(det_exp(0.0), 1.0);
	CU_ASSERT(isinf(det_exp(710.0)) && det_exp(710.0) > 0);
	CU_ASSERT_EQUAL(det_exp(-746.0), 0.0);
	CU_ASSERT(isnan(det_exp(NAN)));
	CU_ASSERT_EQUAL(det_log(1.0), 0.0);
	CU_ASSERT(isinf(det_log(0.0)) && det_log(0.0) < 0);
	CU_ASSERT(isnan(det_log(-1.0)));
	CU_ASSERT(isinf(det_log(INFINITY)) && det_log(INFINITY) > 0);
	CU_ASSERT_EQUAL(det_cos(0.0), 1.0);
	CU_ASSERT_EQUAL(det_pow(7.0, 0.0), 1.0);
}

static void test_gaussian_moments(void)
{
	gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
	gsl_rng_set(rng, 11);
	const int n = 200000;
	double sum = 0.0, sq = 0.0;
	for (int i = 0; i < n; i++) {
		double v = det_gaussian(rng, 2.0);
		sum += v;
		sq += v * v;
	}
	double mean = sum / n, var = sq / n - mean * mean;
	/* Standard errors: 2/sqrt(n) = 0.0045 for the mean, about 4*sqrt(2/n) =
	 * 0.013 for the variance; five of them each. */
	CU_ASSERT(fabs(mean) < 0.023);
	CU_ASSERT(fabs(var - 4.0) < 0.064);
	gsl_rng_free(rng);
}

static const struct test_case cases[] = {
	{"within 2 ulps of libm", test_against_libm},
	{"special values", test_special_values},
	{"gaussian moments", test_gaussian_moments},
};
TEST_SUITE(core_detmath, cases);
