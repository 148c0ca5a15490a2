/* Pruning masks: every granularity removes whole groups only (checked against
 * the group definition written out with explicit loops over m, c, r, s,
 * Scalpel's SIMD groups included), the
 * density reached matches the target to one group, ties are deterministic,
 * and Han's threshold rule agrees with a direct comparison. */
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <gsl/gsl_statistics_float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "compress/prune.h"
#include "test.h"

/* SIMD width of the test (500 weights per conv2 row: the last group is short). */
enum { SIMD_W = 8 };

/* Group id of weight (m, c, r, s) at each CONV granularity, from the
 * definitions in REFERENCE section 7 and Scalpel's SIMD groups (SIMD_W
 * consecutive weights of the lowered row c*R*S + r*S + s). */
static uint64_t conv_group(enum wl_granularity g, uint64_t m, uint64_t c, uint64_t r,
			   uint64_t C, uint64_t R, uint64_t S, uint64_t s)
{
	switch (g) {
	case WL_GRAN_0D: return ((m * C + c) * R + r) * S + s;
	case WL_GRAN_1D: return (m * C + c) * R + r;
	case WL_GRAN_2D: return m * C + c;
	case WL_GRAN_SIMD:
		return m * ((C * R * S + SIMD_W - 1) / SIMD_W) + (c * R * S + r * S + s) / SIMD_W;
	default: return m;
	}
}

static void check_whole_groups(const uint8_t *mask, enum wl_granularity g, uint64_t M,
			       uint64_t C, uint64_t R, uint64_t S)
{
	uint64_t n_groups = conv_group(g, M - 1, C - 1, R - 1, C, R, S, S - 1) + 1;
	int *state = malloc(n_groups * sizeof *state);
	for (uint64_t i = 0; i < n_groups; i++)
		state[i] = -1;
	int whole = 1;
	for (uint64_t m = 0; m < M; m++)
		for (uint64_t c = 0; c < C; c++)
			for (uint64_t r = 0; r < R; r++)
				for (uint64_t s = 0; s < S; s++) {
					uint64_t k = conv_group(g, m, c, r, C, R, S, s);
					int v = mask[((m * C + c) * R + r) * S + s];
					if (state[k] < 0)
						state[k] = v;
					whole &= state[k] == v;
				}
	CU_ASSERT(whole);
	free(state);
}

static void test_conv_granularities(void)
{
	struct wl_network net;
	struct sim_err err;
	CU_ASSERT_EQUAL_FATAL(wl_network_load(&net, "configs/networks/lenet-5.yaml", &err), 0);
	const struct wl_layer *conv2 = &net.layers[wl_network_find(&net, "conv2")];
	const uint64_t M = 50, C = 20, R = 5, S = 5, n = M * C * R * S;
	gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
	gsl_rng_set(rng, 9);
	float *w = malloc(n * sizeof *w);
	uint8_t *mask = malloc(n);
	for (uint64_t i = 0; i < n; i++)
		w[i] = (float)(gsl_rng_uniform(rng) - 0.5);
	const uint64_t width[WL_GRAN_COUNT] = {1, S, R * S, C * R * S, SIMD_W, C * R * S};
	for (int g = 0; g < WL_GRAN_COUNT; g++) {
		struct prune_groups grp;
		CU_ASSERT_EQUAL_FATAL(
			prune_groups_for_layer(conv2, (enum wl_granularity)g, 0, SIMD_W, &grp, &err),
			0);
		CU_ASSERT_EQUAL(grp.width, width[g]);
		for (int norm = 0; norm < PRUNE_NORM_COUNT; norm++) {
			const double densities[3] = {0.12, 0.5, 0.66};
			for (int d = 0; d < 3; d++) {
				CU_ASSERT_EQUAL_FATAL(prune_mask_density(w, &grp, (enum prune_norm)norm,
									 densities[d], mask, &err), 0);
				check_whole_groups(mask, (enum wl_granularity)g, M, C, R, S);
				double got = (double)prune_mask_kept(mask, n) / (double)n;
				CU_ASSERT(fabs(got - densities[d]) <=
					  0.5 * (double)width[g] / (double)n + 1e-12);
			}
		}
	}
	free(w);
	free(mask);
	gsl_rng_free(rng);
	wl_network_deinit(&net);
}

static void test_fc_blocks_and_ranking(void)
{
	/* 3 rows of 7, blocks of 3 (last block of each row has 1 weight). */
	struct prune_groups g = {3, 7, 3};
	CU_ASSERT_EQUAL(prune_groups_count(&g), 9);
	float w[21];
	for (int i = 0; i < 21; i++)
		w[i] = 1.0f; /* all tied */
	w[6] = 5.0f;         /* row 0's short block: the highest mean */
	w[7] = w[8] = w[9] = 2.0f; /* row 1's first block */
	uint8_t mask[21], mask2[21];
	struct sim_err err;
	/* target 7 weights: block {6} (1), {7,8,9} (3), then the tied blocks in
	 * group order: {0,1,2} -> 7 kept exactly */
	CU_ASSERT_EQUAL_FATAL(prune_mask_density(w, &g, PRUNE_L1, 7.0 / 21, mask, &err), 0);
	for (int i = 0; i < 21; i++)
		CU_ASSERT_EQUAL(mask[i], i <= 2 || (i >= 6 && i <= 9));
	CU_ASSERT_EQUAL(prune_mask_density(w, &g, PRUNE_L1, 7.0 / 21, mask2, &err), 0);
	CU_ASSERT_EQUAL(memcmp(mask, mask2, 21), 0);
	/* a tiny density still keeps one group */
	CU_ASSERT_EQUAL(prune_mask_density(w, &g, PRUNE_L2, 1e-6, mask, &err), 0);
	CU_ASSERT_EQUAL(prune_mask_kept(mask, 21), 1);
	CU_ASSERT_NOT_EQUAL(prune_mask_density(w, &g, PRUNE_L2, 0.0, mask, &err), 0);

	struct wl_network net;
	CU_ASSERT_EQUAL_FATAL(wl_network_load(&net, "configs/networks/lenet-300-100.yaml", &err),
			      0);
	struct prune_groups fc;
	const struct wl_layer *ip2 = &net.layers[wl_network_find(&net, "ip2")];
	CU_ASSERT_EQUAL(prune_groups_for_layer(ip2, WL_GRAN_1D, 4, 0, &fc, &err), 0);
	CU_ASSERT(fc.rows == 100 && fc.row_len == 300 && fc.width == 4);
	CU_ASSERT_EQUAL(prune_groups_for_layer(ip2, WL_GRAN_3D, 0, 0, &fc, &err), 0);
	CU_ASSERT_EQUAL(fc.width, 300);
	CU_ASSERT_EQUAL(prune_groups_for_layer(ip2, WL_GRAN_SIMD, 4, 2, &fc, &err), 0);
	CU_ASSERT(fc.rows == 100 && fc.row_len == 300 && fc.width == 2);
	CU_ASSERT_EQUAL(prune_groups_for_layer(ip2, WL_GRAN_NODE, 4, 2, &fc, &err), 0);
	CU_ASSERT_EQUAL(fc.width, 300);
	CU_ASSERT_NOT_EQUAL(prune_groups_for_layer(ip2, WL_GRAN_2D, 4, 0, &fc, &err), 0);
	CU_ASSERT_NOT_EQUAL(prune_groups_for_layer(ip2, WL_GRAN_SIMD, 4, 0, &fc, &err), 0);
	wl_network_deinit(&net);
}

static void test_threshold(void)
{
	gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
	gsl_rng_set(rng, 1);
	enum { N = 3000 };
	float w[N];
	uint8_t mask[N];
	for (int i = 0; i < N; i++)
		w[i] = (float)gsl_ran_gaussian(rng, 0.05);
	struct prune_groups g = {30, 100, 1};
	struct sim_err err;
	CU_ASSERT_EQUAL(prune_mask_threshold(w, &g, PRUNE_L2, 1.5, mask, &err), 0);
	double thr = 1.5 * gsl_stats_float_sd(w, 1, N);
	int ok = 1;
	for (int i = 0; i < N; i++)
		ok &= mask[i] == (fabs(w[i]) > thr);
	CU_ASSERT(ok);
	/* for a Gaussian, P(|w| > 1.5 sd) = 13.4% */
	CU_ASSERT(fabs((double)prune_mask_kept(mask, N) / N - 0.134) < 0.02);
	gsl_rng_free(rng);
}

static const struct test_case cases[] = {
	{"CONV 0-D..3-D, SIMD and node masks remove whole groups at the target density",
	 test_conv_granularities},
	{"FC row blocks, deterministic ties, at least one group", test_fc_blocks_and_ranking},
	{"Han's threshold: quality x std-dev", test_threshold},
};
TEST_SUITE(compress_prune, cases);
