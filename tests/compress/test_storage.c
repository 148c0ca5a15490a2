/* Storage accounting: the formula on a hand-worked layer, and Deep
 * Compression's Table 2 (LeNet-300-100, Han's densities, 6-bit weights, 5-bit
 * indices) reproduced with random masks. */
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "compress/storage.h"
#include "test.h"

static void test_hand_worked(void)
{
	/* 100 weights, 10 kept, 2 fillers, 4-bit codes, 3-bit indices:
	 * 12 entries * (4 + 3) bits + 16 centroids * 32 bits = 596 bits. */
	struct storage_layer l = {.name = "x", .weights = 100, .kept = 10, .index_entries = 12,
				  .fillers = 2, .weight_entries = 12, .wbits = 4, .ibits = 3,
				  .codebook_bits = 16 * 32, .has_huffman = true,
				  .huff_weight_bits = 30, .huff_index_bits = 20, .huff_table_bits = 7};
	struct storage_row r;
	storage_row_of_layer(&l, &r);
	CU_ASSERT_EQUAL(r.bits_pq, 596);
	CU_ASSERT_DOUBLE_EQUAL(r.rate_pq, 596.0 / 3200, 1e-12);
	CU_ASSERT_DOUBLE_EQUAL(r.wbits_pqh, 2.5, 1e-12);
	CU_ASSERT_EQUAL(r.bits_pqh, 30 + 20 + 7 + 512);
	/* a second layer without fillers; the total's averages are entry-weighted */
	struct storage_layer two[2] = {l, l};
	two[1].wbits = 8;
	two[1].weight_entries = two[1].index_entries = 36;
	two[1].fillers = 0;
	two[1].kept = 36;
	storage_row_total(two, 2, &r);
	CU_ASSERT_DOUBLE_EQUAL(r.wbits_pq, (12.0 * 4 + 36.0 * 8) / 48, 1e-12);
	CU_ASSERT_EQUAL(r.bits_pq, 596 + 36 * 11 + 512);
	CU_ASSERT_EQUAL(r.fillers, 2);

	char path[] = "/tmp/esim-storage-XXXXXX";
	int fd = mkstemp(path);
	CU_ASSERT_FATAL(fd >= 0);
	close(fd);
	struct sim_err err;
	CU_ASSERT_EQUAL(storage_table_write_csv(two, 2, path, &err), 0);
	FILE *f = fopen(path, "r");
	char line[256];
	int lines = 0;
	while (fgets(line, sizeof line, f))
		lines++;
	fclose(f);
	unlink(path);
	CU_ASSERT_EQUAL(lines, 4); /* header, two layers, total */
}

/* Deep Compression Table 2, P+Q rates: ip1 3.1%, ip2 3.8%, ip3 15.7%, total
 * 3.1% (32x), at densities 8%, 9%, 26% with 6-bit weights and 5-bit indices. */
static void test_table2(void)
{
	struct wl_network net;
	struct sim_err err;
	CU_ASSERT_EQUAL_FATAL(wl_network_load(&net, "configs/networks/lenet-300-100.yaml", &err),
			      0);
	const char *names[3] = {"ip1", "ip2", "ip3"};
	const double density[3] = {0.08, 0.09, 0.26}, published[3] = {3.1, 3.8, 15.7};
	gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
	for (unsigned long seed = 1; seed <= 3; seed++) {
		gsl_rng_set(rng, seed);
		struct storage_layer layers[3];
		for (int i = 0; i < 3; i++) {
			const struct wl_layer *wl = &net.layers[wl_network_find(&net, names[i])];
			struct prune_groups g;
			CU_ASSERT_EQUAL_FATAL(prune_groups_for_layer(wl, WL_GRAN_0D, 0, 0, &g, &err), 0);
			uint8_t *mask = malloc(wl_layer_weights(wl));
			CU_ASSERT_EQUAL_FATAL(storage_mask_random(&g, density[i], rng, mask, &err), 0);
			CU_ASSERT_EQUAL_FATAL(
				storage_layer_from_mask(wl, &g, mask, 6, 5, &layers[i], &err), 0);
			free(mask);
			struct storage_row r;
			storage_row_of_layer(&layers[i], &r);
			/* Per layer within 0.4 points: Han's masks are not random, and his
			 * per-layer densities are rounded to whole percents. */
			CU_ASSERT(fabs(100 * r.rate_pq - published[i]) < 0.4);
		}
		struct storage_row t;
		storage_row_total(layers, 3, &t);
		CU_ASSERT(fabs(100 * t.rate_pq - 3.1) <= 0.1);
		CU_ASSERT(fabs(1 / t.rate_pq - 32) < 1.5);
		if (seed == 1)
			storage_table_print(layers, 3, stdout);
	}
	gsl_rng_free(rng);
	wl_network_deinit(&net);
}

/* What `esim storage --net lenet-300-100 --sparsity lenet-300-100-han2015
 * --wbits-conv 6 --wbits-fc 6 --ibits 5` computes, with the shipped profile. */
static void test_shipped_profile(void)
{
	struct wl_network net;
	struct wl_sparsity sp;
	struct sim_err err;
	CU_ASSERT_EQUAL_FATAL(wl_network_load(&net, "configs/networks/lenet-300-100.yaml", &err),
			      0);
	CU_ASSERT_EQUAL_FATAL(
		wl_sparsity_load(&sp, &net, "configs/sparsity/lenet-300-100-han2015.yaml", &err), 0);
	gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
	gsl_rng_set(rng, 1);
	struct storage_layer layers[8];
	int n;
	CU_ASSERT_EQUAL_FATAL(storage_network_random(&net, &sp, 6, 6, 5, 4, rng, layers, &n, &err),
			      0);
	CU_ASSERT_EQUAL(n, 3);
	struct storage_row t;
	storage_row_total(layers, n, &t);
	CU_ASSERT(fabs(100 * t.rate_pq - 3.1) <= 0.1);
	CU_ASSERT_EQUAL(t.weights, 266200);
	gsl_rng_free(rng);
	wl_sparsity_deinit(&sp);
	wl_network_deinit(&net);
}

/* storage_mask_random keeps the same groups gsl_ran_choose chooses with the
 * same generator state, whatever the sizes. */
static void test_mask_matches_gsl_choose(void)
{
	gsl_rng *a = gsl_rng_alloc(gsl_rng_mt19937), *b = gsl_rng_alloc(gsl_rng_mt19937);
	for (unsigned long seed = 1; seed <= 20; seed++) {
		gsl_rng_set(a, seed);
		gsl_rng_set(b, seed);
		struct prune_groups g = {.rows = 1 + seed % 7, .row_len = 10 + seed * 13,
					 .width = 1 + seed % 4};
		uint64_t n = prune_groups_count(&g), per_row = (g.row_len + g.width - 1) / g.width;
		double density = 0.05 * (double)seed;
		uint64_t keep = (uint64_t)llround(density * (double)n);
		keep = keep < 1 ? 1 : keep > n ? n : keep;
		uint8_t *mask = malloc(g.rows * g.row_len), *want = calloc(g.rows * g.row_len, 1);
		uint64_t *all = malloc(n * sizeof *all), *chosen = malloc(keep * sizeof *chosen);
		for (uint64_t k = 0; k < n; k++)
			all[k] = k;
		gsl_ran_choose(b, chosen, keep, all, n, sizeof *all);
		for (uint64_t i = 0; i < keep; i++) {
			uint64_t r = chosen[i] / per_row, c0 = (chosen[i] % per_row) * g.width;
			for (uint64_t c = c0; c < c0 + g.width && c < g.row_len; c++)
				want[r * g.row_len + c] = 1;
		}
		struct sim_err err;
		CU_ASSERT_EQUAL(storage_mask_random(&g, density, a, mask, &err), 0);
		CU_ASSERT_EQUAL(memcmp(mask, want, g.rows * g.row_len), 0);
		/* and the generators are left in the same state */
		CU_ASSERT_EQUAL(gsl_rng_get(a), gsl_rng_get(b));
		free(mask);
		free(want);
		free(all);
		free(chosen);
	}
	gsl_rng_free(a);
	gsl_rng_free(b);
}

static const struct test_case cases[] = {
	{"random masks keep what gsl_ran_choose chooses", test_mask_matches_gsl_choose},
	{"accounting formula on a hand-worked layer; CSV rows", test_hand_worked},
	{"LeNet-300-100 P+Q rates match Deep Compression Table 2", test_table2},
	{"the shipped Han profile gives the published 3.1% total", test_shipped_profile},
};
TEST_SUITE(compress_storage, cases);
