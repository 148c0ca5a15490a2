/* Canonical Huffman: round trips, Kraft equality, and the average length
 * checked against the entropy computed here from the counts. */
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <math.h>
#include <stdlib.h>

#include "compress/huffman.h"
#include "test.h"

/* Builds a code from the stream, encodes, serialises the table, reads it back
 * and decodes; asserts identity. Returns the encoded bits. */
static uint64_t round_trip(const uint32_t *syms, uint64_t n, uint32_t n_symbols, unsigned max_bits)
{
	struct sim_err err;
	uint64_t *counts = calloc(n_symbols, sizeof *counts);
	uint32_t *back = calloc(n ? n : 1, sizeof *back);
	for (uint64_t i = 0; i < n; i++)
		counts[syms[i]]++;
	struct huf_code h, h2;
	CU_ASSERT_EQUAL_FATAL(huf_code_build(&h, counts, n_symbols, max_bits, &err), 0);
	struct bitw w;
	bitw_init(&w);
	CU_ASSERT_EQUAL_FATAL(huf_table_write(&h, &w, &err), 0);
	CU_ASSERT_EQUAL(w.n_bits, huf_table_bits(&h));
	uint64_t table_bits = w.n_bits;
	CU_ASSERT_EQUAL_FATAL(huf_encode(&h, syms, n, &w, &err), 0);
	uint64_t data_bits = w.n_bits - table_bits;
	CU_ASSERT_EQUAL(data_bits, huf_code_cost_bits(&h, counts));
	struct bitr r;
	bitr_init(&r, w.buf, w.n_bits);
	CU_ASSERT_EQUAL_FATAL(huf_table_read(&h2, &r, &err), 0);
	CU_ASSERT_EQUAL_FATAL(huf_decode(&h2, &r, back, n, &err), 0);
	CU_ASSERT_EQUAL(r.pos_bits, r.n_bits);
	int same = 1;
	for (uint64_t i = 0; i < n; i++)
		same &= back[i] == syms[i];
	CU_ASSERT(same);
	for (uint32_t s = 0; s < n_symbols; s++) {
		CU_ASSERT_EQUAL(h.len[s], h2.len[s]);
		CU_ASSERT(h.len[s] <= max_bits);
		CU_ASSERT((h.len[s] != 0) == (counts[s] != 0));
	}
	huf_code_deinit(&h);
	huf_code_deinit(&h2);
	bitw_deinit(&w);
	free(counts);
	free(back);
	return data_bits;
}

static double entropy_bits(const uint32_t *syms, uint64_t n, uint32_t n_symbols)
{
	double *p = calloc(n_symbols, sizeof *p), hsum = 0;
	for (uint64_t i = 0; i < n; i++)
		p[syms[i]] += 1.0 / (double)n;
	for (uint32_t s = 0; s < n_symbols; s++)
		if (p[s] > 0)
			hsum -= p[s] * log2(p[s]);
	free(p);
	return hsum;
}

static void test_random_and_skewed(void)
{
	gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
	gsl_rng_set(rng, 7);
	enum { N = 20000 };
	uint32_t *syms = malloc(N * sizeof *syms);
	/* uniform over 64, geometric (skewed), and a two-sided discretised Laplacian */
	for (int kind = 0; kind < 3; kind++) {
		uint32_t ns = 64;
		for (int i = 0; i < N; i++) {
			if (kind == 0)
				syms[i] = (uint32_t)gsl_rng_uniform_int(rng, ns);
			else if (kind == 1)
				syms[i] = (uint32_t)(gsl_ran_geometric(rng, 0.3) - 1) % ns;
			else
				syms[i] = (uint32_t)(32 + lround(gsl_ran_laplace(rng, 3.0))) % ns;
		}
		uint64_t bits = round_trip(syms, N, ns, HUF_MAX_BITS);
		double avg = (double)bits / N, hh = entropy_bits(syms, N, ns);
		CU_ASSERT(avg >= hh - 1e-9);
		CU_ASSERT(avg < hh + 1.0);
	}
	free(syms);
	gsl_rng_free(rng);
}

static void test_kraft_and_limit(void)
{
	/* Fibonacci counts force depth n-1 without a limit. */
	uint64_t counts[20];
	uint64_t a = 1, b = 1;
	for (int i = 0; i < 20; i++) {
		counts[i] = a;
		uint64_t t = a + b;
		a = b;
		b = t;
	}
	struct sim_err err;
	for (unsigned lim = 5; lim <= 20; lim += 5) {
		struct huf_code h;
		CU_ASSERT_EQUAL_FATAL(huf_code_build(&h, counts, 20, lim, &err), 0);
		double kraft = 0;
		unsigned maxl = 0;
		for (int s = 0; s < 20; s++) {
			kraft += ldexp(1.0, -h.len[s]);
			if (h.len[s] > maxl)
				maxl = h.len[s];
		}
		CU_ASSERT_DOUBLE_EQUAL(kraft, 1.0, 1e-12);
		CU_ASSERT(maxl <= lim);
		if (lim == 20)
			CU_ASSERT_EQUAL(maxl, 19); /* unconstrained Huffman depth */
		huf_code_deinit(&h);
	}
	/* 2^4 < 17 symbols: a 4-bit limit cannot work. */
	struct huf_code h;
	CU_ASSERT_NOT_EQUAL(huf_code_build(&h, counts, 17, 4, &err), 0);
}

static void test_limited_round_trip(void)
{
	uint32_t syms[300];
	for (int i = 0; i < 300; i++)
		syms[i] = i < 200 ? 0 : (uint32_t)(i % 37);
	round_trip(syms, 300, 40, 6);
}

static void test_single_and_empty(void)
{
	uint32_t syms[10] = {3, 3, 3, 3, 3, 3, 3, 3, 3, 3};
	CU_ASSERT_EQUAL(round_trip(syms, 10, 5, HUF_MAX_BITS), 10);
	CU_ASSERT_EQUAL(round_trip(syms, 0, 5, HUF_MAX_BITS), 0);
}

static void test_corrupt(void)
{
	struct sim_err err;
	uint64_t counts[4] = {5, 1, 1, 1};
	struct huf_code h, h2;
	CU_ASSERT_EQUAL_FATAL(huf_code_build(&h, counts, 4, 8, &err), 0);
	struct bitw w;
	bitw_init(&w);
	CU_ASSERT_EQUAL(huf_table_write(&h, &w, &err), 0);
	/* an over-full table: set symbol 1's length to 1 (same as symbol 0) */
	struct bitw bad;
	bitw_init(&bad);
	bitw_put(&bad, 3, 17, &err);
	for (int s = 0; s < 4; s++)
		bitw_put(&bad, s < 2 ? 1 : 2, 6, &err);
	struct bitr r;
	bitr_init(&r, bad.buf, bad.n_bits);
	CU_ASSERT_EQUAL(huf_table_read(&h2, &r, &err), SIM_ERR_DATA);
	/* truncated data */
	uint32_t syms[3] = {1, 2, 3}, out[3];
	bitw_deinit(&w);
	CU_ASSERT_EQUAL(huf_encode(&h, syms, 3, &w, &err), 0);
	bitr_init(&r, w.buf, w.n_bits - 1);
	CU_ASSERT_EQUAL(huf_decode(&h, &r, out, 3, &err), SIM_ERR_DATA);
	huf_code_deinit(&h);
	bitw_deinit(&w);
	bitw_deinit(&bad);
}

static const struct test_case cases[] = {
	{"round trips; average length within 1 bit of entropy", test_random_and_skewed},
	{"Kraft equality and the length limit", test_kraft_and_limit},
	{"length-limited code round trip", test_limited_round_trip},
	{"single symbol and empty stream", test_single_and_empty},
	{"corrupt table and truncated stream are errors", test_corrupt},
};
TEST_SUITE(compress_huffman, cases);
