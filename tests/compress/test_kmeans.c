/* 1-D k-means: centroids of a known Gaussian mixture are recovered, and the
 * converged result is a Lloyd fixed point checked by brute force (every point
 * nearest to its own centroid, every centroid the mean of its members). */
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <math.h>
#include <stdlib.h>

#include "compress/kmeans.h"
#include "test.h"

enum { N = 8000 };

static void fixed_point(const float *x, uint64_t n, const float *c, uint32_t k,
			const uint32_t *a)
{
	double *sum = calloc(k, sizeof *sum);
	uint64_t *cnt = calloc(k, sizeof *cnt);
	int nearest = 1;
	for (uint64_t i = 0; i < n; i++) {
		double d = fabs(x[i] - c[a[i]]);
		for (uint32_t j = 0; j < k; j++)
			nearest &= fabs(x[i] - c[j]) >= d - 1e-6;
		sum[a[i]] += x[i];
		cnt[a[i]]++;
	}
	CU_ASSERT(nearest);
	for (uint32_t j = 0; j < k; j++) {
		if (j)
			CU_ASSERT(c[j - 1] <= c[j]);
		if (cnt[j])
			CU_ASSERT_DOUBLE_EQUAL(c[j], sum[j] / (double)cnt[j], 1e-4);
	}
	free(sum);
	free(cnt);
}

static void test_mixture(void)
{
	gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
	gsl_rng_set(rng, 5);
	const float mu[4] = {-3, -1, 1.5f, 3};
	float *x = malloc(N * sizeof *x);
	uint32_t *a = malloc(N * sizeof *a);
	for (int i = 0; i < N; i++)
		x[i] = mu[i % 4] + (float)gsl_ran_gaussian(rng, 0.1);
	struct sim_err err;
	for (int init = 0; init < KM_INIT_COUNT; init++) {
		float c[4];
		unsigned iters;
		CU_ASSERT_EQUAL_FATAL(km_cluster(x, N, 4, (enum km_init)init, rng, 100, c, a,
						 &iters, &err), 0);
		CU_ASSERT(iters < 100);
		fixed_point(x, N, c, 4, a);
		if (init != KM_INIT_RANDOM) /* Forgy may start two seeds in one mode */
			for (int j = 0; j < 4; j++)
				CU_ASSERT(fabsf(c[j] - mu[j]) < 0.02f);
	}
	/* more clusters than distinct values, and k = 1 */
	float few[3] = {1, 1, 2}, c8[8], c1;
	uint32_t a3[3];
	CU_ASSERT_EQUAL(km_cluster(few, 3, 8, KM_INIT_RANDOM, rng, 50, c8, a3, NULL, &err), 0);
	fixed_point(few, 3, c8, 8, a3);
	CU_ASSERT_EQUAL(km_cluster(few, 3, 1, KM_INIT_LINEAR, NULL, 50, &c1, a3, NULL, &err), 0);
	CU_ASSERT_DOUBLE_EQUAL(c1, 4.0 / 3.0, 1e-6);
	free(x);
	free(a);
	gsl_rng_free(rng);
}

static void test_nearest(void)
{
	const float c[4] = {-1, 0, 2, 10};
	CU_ASSERT_EQUAL(km_nearest(c, 4, -5), 0);
	CU_ASSERT_EQUAL(km_nearest(c, 4, -0.5f), 0); /* tie goes to the lower */
	CU_ASSERT_EQUAL(km_nearest(c, 4, -0.4f), 1);
	CU_ASSERT_EQUAL(km_nearest(c, 4, 1.01f), 2);
	CU_ASSERT_EQUAL(km_nearest(c, 4, 100), 3);
	CU_ASSERT_EQUAL(km_nearest(c, 1, 100), 0);
}

static const struct test_case cases[] = {
	{"Gaussian mixture centroids recovered; Lloyd fixed point", test_mixture},
	{"nearest centroid by midpoints", test_nearest},
};
TEST_SUITE(compress_kmeans, cases);
