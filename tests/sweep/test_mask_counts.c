/* Energy-only points' storage counts (sweep/mask_counts.h): the counts of the
 * drawn masks against masks drawn here with gsl_ran_choose from the same
 * seed and counted by a direct walk, the storage bits against hand-worked
 * layers, and the cache returning one entry per (network, profile, seed). */
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <stdlib.h>

#include "sweep/mask_counts.h"
#include "test.h"

#define NET "configs/networks/lenet-300-100.yaml"
#define PROFILE "configs/sparsity/lenet-300-100-han2015.yaml"

static unsigned five_bits(const struct wl_layer *l)
{
	(void)l;
	return 5;
}

/* Counts of one FC layer (out x in weights) pruned in row-wise groups of
 * width weights, keep groups chosen by gsl_ran_choose, with 5-bit relative
 * indices over the groups in row-major order. */
static struct mask_layer_counts expected_fc(uint64_t out, uint64_t in, uint64_t width,
					    double density, gsl_rng *rng)
{
	uint64_t per_row = in / width, groups = out * per_row;
	uint64_t keep = (uint64_t)(density * (double)groups + 0.5);
	uint64_t *all = malloc(groups * sizeof *all), *chosen = malloc(keep * sizeof *chosen);
	for (uint64_t k = 0; k < groups; k++)
		all[k] = k;
	gsl_ran_choose(rng, chosen, keep, all, groups, sizeof *all);
	/* chosen is in increasing order: a gap of z skipped groups before a kept
	 * group costs floor(z / 32) fillers. */
	uint64_t fillers = 0, next = 0;
	for (uint64_t j = 0; j < keep; j++) {
		fillers += (chosen[j] - next) / 32;
		next = chosen[j] + 1;
	}
	free(all);
	free(chosen);
	return (struct mask_layer_counts){out * in, keep * width, (keep + fillers) * width,
					  keep + fillers, 5};
}

static void check_counts(const struct mask_counts *c, enum wl_granularity g, uint64_t seed)
{
	static const uint64_t shape[3][2] = {{300, 784}, {100, 300}, {10, 100}};
	static const double density[3] = {0.08, 0.09, 0.26};
	uint64_t width = g == WL_GRAN_1D ? MASK_FC_BLOCK : 1;
	gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
	gsl_rng_set(rng, seed);
	CU_ASSERT_EQUAL_FATAL(c->n, 3);
	for (int i = 0; i < 3; i++) {
		struct mask_layer_counts e =
			expected_fc(shape[i][0], shape[i][1], width, density[i], rng);
		CU_ASSERT_EQUAL(c->layers[i].weights, e.weights);
		CU_ASSERT_EQUAL(c->layers[i].kept, e.kept);
		CU_ASSERT_EQUAL(c->layers[i].weight_entries, e.weight_entries);
		CU_ASSERT_EQUAL(c->layers[i].index_entries, e.index_entries);
		CU_ASSERT_EQUAL(c->layers[i].index_bits, 5);
	}
	gsl_rng_free(rng);
}

/* LeNet-300-100 and Han's profile for it. */
static void load(struct wl_network *net, struct wl_sparsity *sp)
{
	struct sim_err err;
	CU_ASSERT_EQUAL_FATAL(wl_network_load(net, NET, &err), 0);
	CU_ASSERT_EQUAL_FATAL(wl_sparsity_load(sp, net, PROFILE, &err), 0);
}

static void test_draw_matches_sampling(void)
{
	struct wl_network net;
	struct wl_sparsity sp;
	struct sim_err err;
	load(&net, &sp);
	struct mask_counts c;
	CU_ASSERT_EQUAL_FATAL(mask_counts_draw(&net, &sp, 7, five_bits, &c, &err), 0);
	check_counts(&c, WL_GRAN_0D, 7);
	mask_counts_deinit(&c);
	/* 1-D: row blocks of MASK_FC_BLOCK weights (784, 300 and 100 divide). */
	for (int i = 0; i < sp.n_layers; i++)
		sp.layers[i].granularity = WL_GRAN_1D;
	CU_ASSERT_EQUAL_FATAL(mask_counts_draw(&net, &sp, 11, five_bits, &c, &err), 0);
	check_counts(&c, WL_GRAN_1D, 11);
	mask_counts_deinit(&c);
	wl_sparsity_deinit(&sp);
	wl_network_deinit(&net);
}

static void test_storage_bits(void)
{
	/* 1000 weights, 100 kept, 10 fillers, 5-bit indices, 8-bit codes:
	 * 110 * 8 + 110 * 5 + 32 = 1462 bits, below the dense 8000. */
	struct mask_layer_counts c = {1000, 100, 110, 110, 5};
	CU_ASSERT_DOUBLE_EQUAL(mask_layer_storage_bits(&c, 8), 1462, 0);
	/* At 90% kept the sparse form (900 * 13 + 32) loses to dense codes. */
	c = (struct mask_layer_counts){1000, 900, 900, 900, 5};
	CU_ASSERT_DOUBLE_EQUAL(mask_layer_storage_bits(&c, 8), 8000, 0);
	/* A dense layer stores its codes only. */
	c = (struct mask_layer_counts){1000, 1000, 1000, 0, 5};
	CU_ASSERT_DOUBLE_EQUAL(mask_layer_storage_bits(&c, 4), 4000, 0);
}

static void test_cache(void)
{
	struct wl_network net;
	struct wl_sparsity sp;
	struct sim_err err;
	load(&net, &sp);
	struct mask_cache mc;
	mask_cache_init(&mc);
	const struct mask_counts *a, *b, *other;
	CU_ASSERT_EQUAL_FATAL(mask_cache_get(&mc, NET, PROFILE, 3, &net, &sp, five_bits, &a, &err),
			      0);
	check_counts(a, WL_GRAN_0D, 3);
	CU_ASSERT_EQUAL_FATAL(mask_cache_get(&mc, NET, PROFILE, 3, &net, &sp, five_bits, &b, &err),
			      0);
	CU_ASSERT_PTR_EQUAL(a, b);
	CU_ASSERT_EQUAL_FATAL(
		mask_cache_get(&mc, NET, PROFILE, 4, &net, &sp, five_bits, &other, &err), 0);
	CU_ASSERT_PTR_NOT_EQUAL(a, other);
	check_counts(other, WL_GRAN_0D, 4);
	mask_cache_deinit(&mc);
	wl_sparsity_deinit(&sp);
	wl_network_deinit(&net);
}

static const struct test_case cases[] = {
	{"drawn counts equal gsl_ran_choose masks walked directly", test_draw_matches_sampling},
	{"storage bits of hand-worked layers", test_storage_bits},
	{"cache keeps one entry per network, profile and seed", test_cache},
};
TEST_SUITE(sweep_mask_counts, cases);
