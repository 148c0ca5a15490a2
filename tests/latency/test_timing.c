/* The latency harness's bookkeeping, never its times: the break-even density
 * interpolates in log density and log time ratio as worked out by hand, and
 * a measurement keeps, per format, the weights each structure should keep
 * at each density. */
#include <gsl/gsl_rng.h>
#include <math.h>
#include <string.h>

#include "latency/timing.h"
#include "test.h"

static void set_times(struct lat_point *p, double d, double sparse, double dense)
{
	memset(p, 0, sizeof *p);
	p->density = d;
	p->t[LAT_CSR].median_s = sparse;
	p->t[LAT_DENSE].median_s = dense;
}

static void test_break_even(void)
{
	struct lat_point p[3];
	set_times(&p[0], 1, 4, 1);
	set_times(&p[1], 0.5, 2, 1);
	set_times(&p[2], 0.25, 0.5, 1);
	/* log ratio log 2 at 0.5 and -log 2 at 0.25: crossing halfway in log d */
	struct lat_break_even b = lat_break_even(p, 3, LAT_CSR, LAT_DENSE);
	CU_ASSERT_EQUAL(b.kind, 0);
	CU_ASSERT_DOUBLE_EQUAL(b.density, sqrt(0.5 * 0.25), 1e-12);
	p[0].t[LAT_CSR].median_s = 0.9; /* faster from the start */
	b = lat_break_even(p, 3, LAT_CSR, LAT_DENSE);
	CU_ASSERT(b.kind == 1 && b.density == 1);
	p[0].t[LAT_CSR].median_s = 4;
	p[2].t[LAT_CSR].median_s = 3; /* never faster */
	b = lat_break_even(p, 3, LAT_CSR, LAT_DENSE);
	CU_ASSERT(b.kind == -1 && b.density == 0.25);
}

static void test_structures(void)
{
	struct wl_network net;
	struct nn_model m;
	struct sim_err err;
	CU_ASSERT_EQUAL_FATAL(wl_network_load(&net, "configs/networks/lenet-300-100.yaml", &err), 0);
	CU_ASSERT_EQUAL_FATAL(nn_model_init(&m, &net, 1, 1, &err), 0);
	gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
	gsl_rng_set(rng, 2);
	nn_model_init_weights(&m, NN_INIT_HE, rng);
	const double dens[] = {1, 0.25};
	struct lat_opts o = {.densities = dens, .n_densities = 2, .warmup = 0, .repeats = 1,
			     .min_sample_s = 0, .fmt = {8, 4, 4}, .seed = 1};
	struct lat_layer_result r;
	int ip3 = wl_network_find(&net, "ip3");
	CU_ASSERT_EQUAL_FATAL(lat_measure_layer(&m, ip3, &o, true, &r, &err), 0);
	CU_ASSERT_EQUAL(r.n_points, 2);
	CU_ASSERT(r.has_own && r.own.density == 1);
	/* 10 x 100 weights: at 0.25, 250 single weights, 31 groups of 8 (248),
	 * 2 or 3 rows (rows are 100 weights: round(2.5) = 2 or 3). */
	const struct lat_point *q = &r.points[1];
	CU_ASSERT_DOUBLE_EQUAL(q->t[LAT_CSR].kept, 0.25, 1e-12);
	CU_ASSERT_DOUBLE_EQUAL(q->t[LAT_DC].kept, 0.25, 1e-12);
	CU_ASSERT_DOUBLE_EQUAL(q->t[LAT_SIMD].kept, 0.25, 0.04 + 1e-12);
	CU_ASSERT(q->t[LAT_NODE].kept == 0.2 || q->t[LAT_NODE].kept == 0.3);
	CU_ASSERT_DOUBLE_EQUAL(r.points[0].t[LAT_DENSE].kept, 1.0, 1e-12);
	for (int k = 0; k < LAT_FORMAT_COUNT; k++)
		CU_ASSERT(q->t[k].median_s > 0 && q->t[k].calls >= 1 && q->t[k].bytes > 0);
	/* the dense formats store every weight; csr a value and an index each */
	CU_ASSERT_EQUAL(q->t[LAT_DENSE].bytes, 1000 * 4 + 10 * 4);
	CU_ASSERT_EQUAL(q->t[LAT_CSR].bytes, 250 * 8 + 11 * 4 + 10 * 4);
	lat_layer_result_deinit(&r);
	gsl_rng_free(rng);
	nn_model_deinit(&m);
	wl_network_deinit(&net);
}

static const struct test_case cases[] = {
	{"break-even density by log interpolation", test_break_even},
	{"each format keeps its structure's weights at a density", test_structures},
};
TEST_SUITE(latency_timing, cases);
