/* 1-D k-means weight sharing (Han, Mao, Dally, "Deep Compression", ICLR 2016,
 * section 3.1): minimise sum_i sum_{w in c_i} |w - c_i|^2 over k clusters of a
 * layer's weights. Initialisation (section 3.2): Forgy (random weights),
 * density-based (quantiles of the weight CDF, which crowd centroids around the
 * peak near zero) or linear (evenly spaced between the smallest and largest
 * weight, which keeps centroids for the rare large weights; Han found it best).
 *
 * In one dimension, with centroids sorted, each cluster is an interval bounded
 * by midpoints of neighbouring centroids, so assignment is a binary search per
 * weight and the data never needs sorting for Lloyd's iterations. Centroids
 * stay sorted after an update (the mean of an interval lies in the interval,
 * and the intervals are ordered), which keeps the search valid. */
#include "compress/kmeans.h"

#include <assert.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_sort_float.h>
#include <gsl/gsl_statistics_float.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"

const char *const km_init_names[KM_INIT_COUNT] = {"random", "density", "linear"};
static_assert(KM_INIT_COUNT == 3, "one name per initialisation");

uint32_t km_nearest(const float *c, uint32_t k, float v)
{
	uint32_t lo = 0, hi = k - 1;
	/* last centroid whose lower boundary (midpoint with its left neighbour) is below v */
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo + 1) / 2;
		if (v > 0.5f * (c[mid - 1] + c[mid]))
			lo = mid;
		else
			hi = mid - 1;
	}
	return lo;
}

static int cmp_float(const void *a, const void *b)
{
	float x = *(const float *)a, y = *(const float *)b;
	return (x > y) - (x < y);
}

static int km_init_centroids(const float *x, uint64_t n, uint32_t k, enum km_init init,
			     gsl_rng *rng, float *c, struct sim_err *err)
{
	if (init == KM_INIT_LINEAR) {
		float lo = x[0], hi = x[0];
		for (uint64_t i = 1; i < n; i++) {
			lo = x[i] < lo ? x[i] : lo;
			hi = x[i] > hi ? x[i] : hi;
		}
		for (uint32_t j = 0; j < k; j++)
			c[j] = k == 1 ? 0.5f * (lo + hi) : lo + (hi - lo) * (float)j / (float)(k - 1);
		return 0;
	}
	float *sorted = sim_malloc(n * sizeof *sorted, err);
	if (!sorted)
		return SIM_ERR_NOMEM;
	memcpy(sorted, x, n * sizeof *sorted);
	gsl_sort_float(sorted, 1, n);
	if (init == KM_INIT_DENSITY) {
		for (uint32_t j = 0; j < k; j++)
			c[j] = (float)gsl_stats_float_quantile_from_sorted_data(
				sorted, 1, n, (j + 0.5) / k);
	} else {
		if (!rng) {
			free(sorted);
			return sim_err_set(err, SIM_ERR_INTERNAL, NULL, 0, 0,
					   "random k-means initialisation needs an rng");
		}
		/* Forgy: k of the n weights, without replacement (repeats when n < k). */
		uint32_t m = (uint64_t)k < n ? k : (uint32_t)n;
		gsl_ran_choose(rng, c, m, sorted, n, sizeof *c);
		for (uint32_t j = m; j < k; j++)
			c[j] = c[j % m];
	}
	free(sorted);
	qsort(c, k, sizeof *c, cmp_float);
	return 0;
}

int km_cluster(const float *x, uint64_t n, uint32_t k, enum km_init init, gsl_rng *rng,
	       unsigned max_iter, float *centroids, uint32_t *assign, unsigned *iters,
	       struct sim_err *err)
{
	if (n == 0 || k == 0)
		return sim_err_set(err, SIM_ERR_INTERNAL, NULL, 0, 0,
				   "k-means needs n >= 1 and k >= 1 (n %llu, k %u)",
				   (unsigned long long)n, k);
	int rc = SIM_ERR_NOMEM;
	double *sum = sim_malloc(k * sizeof *sum, err);
	uint64_t *cnt = sim_malloc(k * sizeof *cnt, err);
	uint32_t *a = assign ? assign : sim_malloc(n * sizeof *a, err);
	if (!sum || !cnt || !a)
		goto fail;
	rc = km_init_centroids(x, n, k, init, rng, centroids, err);
	if (rc)
		goto fail;
	for (uint64_t i = 0; i < n; i++)
		a[i] = UINT32_MAX;
	unsigned it = 0;
	for (; it < max_iter; it++) {
		uint64_t changed = 0;
		memset(sum, 0, k * sizeof *sum);
		memset(cnt, 0, k * sizeof *cnt);
		for (uint64_t i = 0; i < n; i++) {
			uint32_t j = km_nearest(centroids, k, x[i]);
			changed += j != a[i];
			a[i] = j;
			sum[j] += x[i];
			cnt[j]++;
		}
		if (!changed)
			break;
		for (uint32_t j = 0; j < k; j++)
			if (cnt[j])
				centroids[j] = (float)(sum[j] / (double)cnt[j]);
	}
	if (iters)
		*iters = it;
	rc = 0;
fail:
	free(sum);
	free(cnt);
	if (!assign)
		free(a);
	return rc;
}
