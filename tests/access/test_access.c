/* The analytical model against the reference walker on random small layers and
 * mappings (every dataflow), against hand-worked ISCA 2016 Eq. 3/4 examples,
 * and against invariants; the storage formulas against sampled random masks. */
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <math.h>
#include <string.h>

#include "access/mapping.h"
#include "access/access.h"
#include "access/walker.h"
#include "test.h"

#define RANDOM_CASES 200

static const uint32_t small_primes[] = {2, 3};

/* A random small layer: every size a product of 2s and 3s (or 1). */
static struct map_layer random_layer(gsl_rng *r)
{
	static const uint32_t choice[DIM_COUNT][4] = {
		{1, 2, 1, 2}, {1, 2, 3, 4}, {1, 2, 3, 4}, {1, 2, 3, 4},
		{1, 2, 3, 4}, {1, 2, 3, 1}, {1, 2, 3, 1},
	};
	struct map_layer l;
	for (int d = 0; d < DIM_COUNT; d++)
		l.size[d] = choice[d][gsl_rng_uniform_int(r, 4)];
	l.U = 1 + (uint32_t)gsl_rng_uniform_int(r, 3);
	return l;
}

/* A random legal mapping of l under df: each prime factor of each dim goes to
 * a random level the dataflow allows; orders are random permutations. */
static struct mapping random_mapping(gsl_rng *r, const struct map_layer *l, enum arch_dataflow df)
{
	struct mapping m;
	mapping_init(&m, df);
	for (int d = 0; d < DIM_COUNT; d++) {
		uint32_t allowed = map_dataflow_levels(df, (enum map_dim)d);
		if (df == ARCH_DF_RS && d == DIM_S)
			allowed = 1u << LV_RF;
		int lvls[LV_COUNT], n = 0;
		for (int lv = 0; lv < LV_COUNT; lv++)
			if (allowed & (1u << lv))
				lvls[n++] = lv;
		uint32_t x = l->size[d];
		for (size_t k = 0; k < sizeof small_primes / sizeof small_primes[0]; k++) {
			while (x % small_primes[k] == 0) {
				x /= small_primes[k];
				m.factor[lvls[gsl_rng_uniform_int(r, (unsigned long)n)]][d] *=
					small_primes[k];
			}
		}
	}
	for (int k = 0; k < 2; k++) {
		for (int i = 0; i < DIM_COUNT; i++)
			m.order[k][i] = (uint8_t)i;
		gsl_ran_shuffle(r, m.order[k], DIM_COUNT, 1);
	}
	return m;
}

/* A random layer of odd sizes (primes 5 and 7 included), so that spatial
 * factors leave partial tiles. */
static struct map_layer random_odd_layer(gsl_rng *r)
{
	static const uint32_t choice[DIM_COUNT][6] = {
		{1, 2, 3, 1, 2, 3}, {1, 2, 3, 5, 6, 7}, {1, 2, 3, 5, 6, 7}, {1, 2, 3, 5, 6, 7},
		{1, 2, 3, 5, 6, 7}, {1, 2, 3, 1, 2, 3}, {1, 2, 3, 1, 2, 3},
	};
	struct map_layer l;
	for (int d = 0; d < DIM_COUNT; d++)
		l.size[d] = choice[d][gsl_rng_uniform_int(r, 6)];
	l.U = 1 + (uint32_t)gsl_rng_uniform_int(r, 3);
	return l;
}

static uint32_t random_divisor(gsl_rng *r, uint32_t x)
{
	uint32_t divs[64], n = 0;
	for (uint32_t k = 1; k <= x; k++)
		if (x % k == 0)
			divs[n++] = k;
	return divs[gsl_rng_uniform_int(r, n)];
}

/* A random legal mapping with partial tiles: an RF factor dividing the size,
 * spatial factors of any size that fits, and the ceil(X / T) array steps split
 * between the temporal levels the dataflow allows. */
static struct mapping random_partial_mapping(gsl_rng *r, const struct map_layer *l,
					     enum arch_dataflow df)
{
	struct mapping m;
	mapping_init(&m, df);
	for (int d = 0; d < DIM_COUNT; d++) {
		uint32_t allowed = map_dataflow_levels(df, (enum map_dim)d), x = l->size[d];
		if (df == ARCH_DF_RS && d == DIM_S)
			allowed = 1u << LV_RF;
		/* RS keeps a whole filter row in the RF */
		uint32_t rf = df == ARCH_DF_RS && d == DIM_S ? x
			      : allowed & (1u << LV_RF) ? random_divisor(r, x) : 1;
		uint32_t room = x / rf;
		m.factor[LV_RF][d] = rf;
		for (int lv = LV_ROW; lv <= LV_COL; lv++) {
			if (!(allowed & (1u << lv)))
				continue;
			m.factor[lv][d] = 1 + (uint32_t)gsl_rng_uniform_int(r, room);
			room /= m.factor[lv][d];
		}
		uint32_t t = rf * m.factor[LV_ROW][d] * m.factor[LV_COL][d], q = (x + t - 1) / t;
		bool dram = allowed & (1u << LV_DRAM), glb = allowed & (1u << LV_GLB);
		uint32_t g = dram && glb ? random_divisor(r, q) : glb ? q : 1;
		m.factor[LV_GLB][d] = g;
		m.factor[LV_DRAM][d] = q / g;
	}
	for (int k = 0; k < 2; k++) {
		for (int i = 0; i < DIM_COUNT; i++)
			m.order[k][i] = (uint8_t)i;
		gsl_ran_shuffle(r, m.order[k], DIM_COUNT, 1);
	}
	return m;
}

static bool counts_equal(const struct access_counts *a, const struct access_counts *b)
{
	return memcmp(a, b, sizeof *a) == 0;
}

static void print_mismatch(const struct mapping *m, const struct map_layer *l,
			   const struct access_counts *a, const struct access_counts *w)
{
	char buf[256];
	mapping_format(m, buf, sizeof buf);
	fprintf(stderr, "\nlayer N%u M%u C%u E%u F%u R%u S%u U%u, mapping %s\n", l->size[0],
		l->size[1], l->size[2], l->size[3], l->size[4], l->size[5], l->size[6], l->U, buf);
	fprintf(stderr, "  steps model %llu walker %llu\n", (unsigned long long)a->steps,
		(unsigned long long)w->steps);
	for (int t = 0; t < TY_COUNT; t++)
		fprintf(stderr, "  %-6s model %llu %llu %llu %llu walker %llu %llu %llu %llu\n",
			map_type_names[t], (unsigned long long)a->acc[t][0],
			(unsigned long long)a->acc[t][1], (unsigned long long)a->acc[t][2],
			(unsigned long long)a->acc[t][3], (unsigned long long)w->acc[t][0],
			(unsigned long long)w->acc[t][1], (unsigned long long)w->acc[t][2],
			(unsigned long long)w->acc[t][3]);
}

static void check_dataflow(enum arch_dataflow df, unsigned long seed, bool partial)
{
	gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
	gsl_rng_set(r, seed);
	int agreed = 0, with_partial = 0;
	for (int i = 0; i < RANDOM_CASES; i++) {
		struct map_layer l = partial ? random_odd_layer(r) : random_layer(r);
		struct mapping m = partial ? random_partial_mapping(r, &l, df)
					   : random_mapping(r, &l, df);
		char why[128];
		bool legal = mapping_is_legal(&m, &l, why, sizeof why);
		if (!legal)
			fprintf(stderr, "\nillegal random mapping: %s\n", why);
		CU_ASSERT_FATAL(legal);
		bool any = false;
		for (int d = 0; d < DIM_COUNT; d++) {
			struct access_tiling t;
			access_tiling_of(&m, &l, (enum map_dim)d, &t);
			any |= t.last != t.t;
		}
		with_partial += any;
		struct access_counts a, w;
		struct sim_err err;
		access_layer_count(&m, &l, &a);
		CU_ASSERT_EQUAL_FATAL(access_walk(&m, &l, &w, &err), 0);
		if (counts_equal(&a, &w))
			agreed++;
		else if (agreed + 3 > i)
			print_mismatch(&m, &l, &a, &w);

		/* Invariants: every MAC happens; each input reaches the chip at
		 * least once and each output leaves it once; RF reads of a kept
		 * input equal the MACs. */
		uint64_t macs = 1;
		for (int d = 0; d < DIM_COUNT; d++)
			macs *= l.size[d];
		CU_ASSERT_EQUAL(a.macs, macs);
		uint64_t wsize = (uint64_t)l.size[DIM_M] * l.size[DIM_C] * l.size[DIM_R] * l.size[DIM_S];
		uint64_t osize = (uint64_t)l.size[DIM_N] * l.size[DIM_M] * l.size[DIM_E] * l.size[DIM_F];
		CU_ASSERT(a.acc[TY_WEIGHT][EN_DRAM] >= wsize);
		CU_ASSERT(a.acc[TY_PSUM][EN_DRAM] >= osize);
		CU_ASSERT(a.acc[TY_IFMAP][EN_DRAM] >= (uint64_t)l.size[DIM_N] * l.size[DIM_C]);
		CU_ASSERT_EQUAL(a.acc[TY_WEIGHT][EN_RF], map_dataflow_keeps(df, TY_WEIGHT) ? macs : 0);
		CU_ASSERT_EQUAL(a.acc[TY_IFMAP][EN_RF], map_dataflow_keeps(df, TY_IFMAP) ? macs : 0);
		/* Inputs: every level below reads at least as much as the one above. */
		for (int t = TY_IFMAP; t <= TY_WEIGHT; t++)
			for (int lv = EN_GLB; lv <= EN_ARRAY; lv++)
				CU_ASSERT(a.acc[t][lv] >= a.acc[t][lv - 1]);
	}
	printf("[%s%s: %d/%d random layers agree, %d with a partial tile] ",
	       arch_dataflow_names[df], partial ? " odd" : "", agreed, RANDOM_CASES, with_partial);
	/* the odd shapes must exercise partial tiles, the plain ones never */
	CU_ASSERT(partial ? with_partial >= RANDOM_CASES / 4 : with_partial == 0);
	CU_ASSERT_EQUAL(agreed, RANDOM_CASES);
	gsl_rng_free(r);
}

static void test_walker_rs(void) { check_dataflow(ARCH_DF_RS, 11, false); }
static void test_walker_ws(void) { check_dataflow(ARCH_DF_WS, 12, false); }
static void test_walker_os(void) { check_dataflow(ARCH_DF_OS, 13, false); }
static void test_walker_nlr(void) { check_dataflow(ARCH_DF_NLR, 14, false); }
static void test_partial_rs(void) { check_dataflow(ARCH_DF_RS, 21, true); }
static void test_partial_ws(void) { check_dataflow(ARCH_DF_WS, 22, true); }
static void test_partial_os(void) { check_dataflow(ARCH_DF_OS, 23, true); }
static void test_partial_nlr(void) { check_dataflow(ARCH_DF_NLR, 24, true); }

static struct mapping unit_mapping(enum arch_dataflow df)
{
	struct mapping m;
	mapping_init(&m, df);
	return m;
}

static void expect_counts(const struct mapping *m, const struct map_layer *l,
			  const uint64_t want[TY_COUNT][EN_LEVEL_COUNT])
{
	struct access_counts a, w;
	struct sim_err err;
	char why[128];
	CU_ASSERT_FATAL(mapping_is_legal(m, l, why, sizeof why));
	access_layer_count(m, l, &a);
	CU_ASSERT_EQUAL_FATAL(access_walk(m, l, &w, &err), 0);
	for (int t = 0; t < TY_COUNT; t++)
		for (int lv = 0; lv < EN_LEVEL_COUNT; lv++) {
			CU_ASSERT_EQUAL(a.acc[t][lv], want[t][lv]);
			CU_ASSERT_EQUAL(w.acc[t][lv], want[t][lv]);
		}
}

/* Eq. 3 by hand. WS, batch 4, 2 filters over 1 channel (1x1): filters across
 * 2 PE columns, batch split 2 (DRAM) x 2 (GLB). Each weight: a = 1 (the batch
 * loops leave it in the GLB), b = 1 (and in the RF), c = 1 (one PE), d = 4
 * (one RF read per image). Each ifmap value (4): a = b = 1, c = 2 (multicast
 * to both columns), no RF (WS streams ifmaps). Each output (8): a = 1, so
 * 2a - 1 = 1 DRAM write and nothing else. */
static void test_eq3_ws(void)
{
	struct map_layer l = {.size = {4, 2, 1, 1, 1, 1, 1}, .U = 1};
	struct mapping m = unit_mapping(ARCH_DF_WS);
	m.factor[LV_DRAM][DIM_N] = 2;
	m.factor[LV_GLB][DIM_N] = 2;
	m.factor[LV_COL][DIM_M] = 2;
	uint64_t a = 1, b = 1, c = 1, d = 4;
	const uint64_t want[TY_COUNT][EN_LEVEL_COUNT] = {
		[TY_IFMAP] = {4 * 1, 4 * 1 * 1, 4 * 1 * 1 * 2, 0},
		[TY_WEIGHT] = {2 * a, 2 * a * b, 2 * a * b * c, 2 * a * b * c * d},
		[TY_PSUM] = {8 * (2 * 1 - 1), 0, 0, 0},
	};
	expect_counts(&m, &l, want);
}

/* Eq. 4 by hand. RS, one filter of 2x2 over 4 channels, a 2x3 ifmap, so E = 1,
 * F = 2. Filter rows go down 2 PE rows (c = 2), each PE keeps q = 2 channels x
 * S = 2 weights and runs d = 4 MACs per psum; the GLB loops are C (2, outer)
 * and F (2, inner), so each output visits the array b = 2 times while it
 * stays in the GLB (a = 1). Per output: DRAM 2a-1 = 1, GLB 2a(b-1) = 2, array
 * ab(c-1) = 2, and at the RF a read and a write per MAC, 2abcd = 32 (Eq. 4's
 * RF term 2abc(d-1) = 24 leaves out the first MAC of each residency, which
 * ISCA 2016 Fig. 10 counts; see sim/access/count.c). Weights (16) are read once at each level and
 * used by F = 2 MACs. Ifmaps (24 values): each PE keeps a 2-channel, 2-wide
 * window that slides by one column per F step (2 new words), and the two PE
 * rows need disjoint rows, so 24 words reach PEs and 32 MACs read them. */
static void test_eq4_rs(void)
{
	struct map_layer l = {.size = {1, 1, 4, 1, 2, 2, 2}, .U = 1};
	struct mapping m = unit_mapping(ARCH_DF_RS);
	m.factor[LV_ROW][DIM_R] = 2;
	m.factor[LV_RF][DIM_S] = 2;
	m.factor[LV_RF][DIM_C] = 2;
	m.factor[LV_GLB][DIM_C] = 2;
	m.factor[LV_GLB][DIM_F] = 2;
	const uint8_t glb_order[DIM_COUNT] = {DIM_N, DIM_M, DIM_C, DIM_E, DIM_R, DIM_S, DIM_F};
	memcpy(m.order[LV_GLB], glb_order, sizeof glb_order);
	uint64_t a = 1, b = 2, c = 2, d = 4, outs = 2;
	const uint64_t want[TY_COUNT][EN_LEVEL_COUNT] = {
		[TY_IFMAP] = {24, 24, 24, 32},
		[TY_WEIGHT] = {16, 16, 16, 32},
		[TY_PSUM] = {outs * (2 * a - 1), outs * 2 * a * (b - 1), outs * a * b * (c - 1),
			     outs * 2 * a * b * c * d},
	};
	expect_counts(&m, &l, want);
}

/* Expected stored entries of a relative-index stream vs sampled masks. */
static void test_storage_formulas(void)
{
	gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
	gsl_rng_set(r, 7);
	const double densities[] = {0.05, 0.3, 0.9};
	const uint32_t bits[] = {2, 4};
	for (size_t i = 0; i < 3; i++) {
		for (size_t j = 0; j < 2; j++) {
			uint64_t n = 400000, entries = 0, run = 0, span = 1u << bits[j];
			for (uint64_t k = 0; k < n; k++) {
				if (gsl_rng_uniform(r) < densities[i]) {
					entries += 1 + run / span;
					run = 0;
				} else {
					run++;
				}
			}
			double want = access_relidx_entries_per_value(densities[i], bits[j]) * (double)n;
			CU_ASSERT(fabs((double)entries - want) < 0.01 * want + 50);
		}
	}
	/* SIMD groups of 4 kept whole: runs counted in groups, one entry per
	 * kept group or filler, i.e. entries(d) / 4 per weight. */
	for (size_t i = 0; i < 3; i++) {
		uint64_t n = 400000, entries = 0, run = 0, span = 1u << 3;
		for (uint64_t k = 0; k < n; k += 4) {
			if (gsl_rng_uniform(r) < densities[i]) {
				entries += 1 + run / span;
				run = 0;
			} else {
				run++;
			}
		}
		double want = access_relidx_entries_per_value(densities[i], 3) * (double)n / 4;
		CU_ASSERT(fabs((double)entries - want) < 0.01 * want + 50);
	}
	gsl_rng_free(r);
	/* RLC on the chip's format: dense data costs 64 bits per 3 values. */
	struct arch a;
	memset(&a, 0, sizeof a);
	a.rlc_run_bits = 5;
	a.rlc_value_bits = 16;
	a.rlc_word_bits = 64;
	CU_ASSERT_DOUBLE_EQUAL(access_rlc_bits_per_value(&a, 1.0), 64.0 / 3.0, 1e-9);
}

static const struct test_case cases[] = {
	{"walker == model, 200 random RS layers", test_walker_rs},
	{"walker == model, 200 random WS layers", test_walker_ws},
	{"walker == model, 200 random OS layers", test_walker_os},
	{"walker == model, 200 random NLR layers", test_walker_nlr},
	{"walker == model, 200 odd RS layers with partial tiles", test_partial_rs},
	{"walker == model, 200 odd WS layers with partial tiles", test_partial_ws},
	{"walker == model, 200 odd OS layers with partial tiles", test_partial_os},
	{"walker == model, 200 odd NLR layers with partial tiles", test_partial_nlr},
	{"Eq. 3 worked example (WS)", test_eq3_ws},
	{"Eq. 4 worked example (RS)", test_eq4_rs},
	{"relative-index and RLC formulas vs sampled masks", test_storage_formulas},
};
TEST_SUITE(access_counts, cases);
