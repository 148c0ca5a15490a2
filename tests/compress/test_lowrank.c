/* Low-rank factorisation: GSL's SVD of tall and wide layers (and of each
 * group of a grouped CONV) has descending singular values and orthonormal
 * vectors, gives the weights back at full rank, and its rank-r error is the
 * energy of the dropped singular values (Eckart-Young); the factored network
 * computes what the rank-r weights compute. */
#include <gsl/gsl_rng.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "compress/lowrank.h"
#include "test.h"

static const char net_yaml[] =
	"name: lr\ninput: {channels: 4, height: 6, width: 6}\nlayers:\n"
	"  - {name: c1, type: conv, out_channels: 6, kernel: 3, padding: 1, groups: 2}\n"
	"  - {name: r1, type: relu}\n"
	"  - {name: p1, type: maxpool, kernel: 2}\n"
	"  - {name: f1, type: fc, out_features: 7}\n"
	"  - {name: r2, type: relu}\n"
	"  - {name: f2, type: fc, out_features: 40}\n";

struct fixture {
	struct wl_network net;
	struct nn_model m;
	gsl_rng *rng;
};

static void fixture_init(struct fixture *f)
{
	struct sim_err err;
	CU_ASSERT_EQUAL_FATAL(wl_network_load_string(&f->net, "lr", net_yaml, &err), 0);
	CU_ASSERT_EQUAL_FATAL(nn_model_init(&f->m, &f->net, 16, 1, &err), 0);
	f->rng = gsl_rng_alloc(gsl_rng_mt19937);
	gsl_rng_set(f->rng, 11);
	nn_model_init_weights(&f->m, NN_INIT_XAVIER, f->rng);
	for (int i = 0; i < f->m.n_layers; i++)
		for (uint64_t j = 0; j < f->m.layers[i].bias.n; j++)
			f->m.layers[i].bias.value[j] = (float)(0.2 * gsl_rng_uniform(f->rng) - 0.1);
}

static void fixture_deinit(struct fixture *f)
{
	gsl_rng_free(f->rng);
	nn_model_deinit(&f->m);
	wl_network_deinit(&f->net);
}

/* Checks one layer's decomposition against its weights. */
static void check_layer(const struct nn_layer *L)
{
	struct cmp_svd d;
	struct sim_err err;
	CU_ASSERT_EQUAL_FATAL(cmp_svd_init(&d, L, &err), 0);
	size_t n = d.n, size = (size_t)d.rows * d.cols;
	float *w = malloc(L->weight.n * sizeof *w);
	for (size_t g = 0; g < d.groups; g++) {
		const double *s = d.s + g * n, *left = d.left + g * d.rows * n;
		const double *right = d.right + g * d.cols * n;
		for (size_t j = 0; j + 1 < n; j++)
			CU_ASSERT(s[j] >= s[j + 1] && s[j + 1] >= 0);
		for (size_t j = 0; j < n; j++)
			for (size_t k = 0; k < n; k++) {
				double ll = 0, rr = 0;
				for (size_t i = 0; i < d.rows; i++)
					ll += left[i * n + j] * left[i * n + k];
				for (size_t i = 0; i < d.cols; i++)
					rr += right[i * n + j] * right[i * n + k];
				CU_ASSERT(fabs(ll - (j == k)) < 1e-9 && fabs(rr - (j == k)) < 1e-9);
			}
	}
	for (uint32_t r = 1; r <= d.n; r++) {
		cmp_svd_approx(&d, r, w);
		for (size_t g = 0; g < d.groups; g++) {
			double err2 = 0, dropped = 0, total = 0;
			for (size_t i = 0; i < size; i++) {
				double e = (double)L->weight.value[g * size + i] - w[g * size + i];
				err2 += e * e;
				total += (double)L->weight.value[g * size + i] * L->weight.value[g * size + i];
			}
			for (size_t j = r; j < n; j++)
				dropped += d.s[g * n + j] * d.s[g * n + j];
			/* float rounding of the approximation: ~1e-7 of the total per value */
			CU_ASSERT(fabs(err2 - dropped) <= 1e-6 * total);
		}
	}
	cmp_svd_deinit(&d);
	free(w);
}

static void test_svd(void)
{
	struct fixture f;
	fixture_init(&f);
	check_layer(&f.m.layers[0]); /* two groups of 3 x 18: wide */
	check_layer(&f.m.layers[3]); /* 7 x 54: wide */
	check_layer(&f.m.layers[5]); /* 40 x 7: tall */
	CU_ASSERT_EQUAL(cmp_lowrank_max_rank(&f.net.layers[0]), 2u); /* 53/21 */
	CU_ASSERT_EQUAL(cmp_lowrank_max_rank(&f.net.layers[3]), 6u); /* 377/61 */
	CU_ASSERT_EQUAL(cmp_lowrank_max_rank(&f.net.layers[5]), 5u); /* 279/47 */
	struct wl_network lenet;
	struct sim_err err;
	CU_ASSERT_EQUAL_FATAL(wl_network_load(&lenet, "configs/networks/lenet-5.yaml", &err), 0);
	/* ip1 500 x 800: largest r with 1300 r < 400000 */
	CU_ASSERT_EQUAL(cmp_lowrank_max_rank(&lenet.layers[wl_network_find(&lenet, "ip1")]), 307u);
	wl_network_deinit(&lenet);
	fixture_deinit(&f);
}

static void test_factored_network(void)
{
	struct fixture f;
	fixture_init(&f);
	enum { N = 5, IMG = 4 * 6 * 6 };
	float x[N * IMG], ya[N * 40], yb[N * 40];
	for (int i = 0; i < N * IMG; i++)
		x[i] = (float)(2 * gsl_rng_uniform(f.rng) - 1);
	const uint32_t ranks[2][6] = {{2, 0, 0, 3, 0, 7}, {3, 0, 0, 0, 0, 2}};
	for (int t = 0; t < 2; t++) {
		struct nn_model fac;
		struct sim_err err;
		CU_ASSERT_EQUAL_FATAL(cmp_lowrank_factor(&f.m, ranks[t], 16, 1, &fac, &err), 0);
		int extra = 0;
		for (int i = 0; i < 6; i++)
			extra += ranks[t][i] > 0;
		CU_ASSERT_EQUAL(fac.n_layers, 6 + extra);
		/* The reference: the original network with rank-r weights. */
		struct nn_model ref;
		CU_ASSERT_EQUAL_FATAL(nn_model_init(&ref, &f.net, 16, 1, &err), 0);
		for (int i = 0; i < 6; i++) {
			struct nn_layer *L = &f.m.layers[i], *R = &ref.layers[i];
			if (!L->weight.n)
				continue;
			memcpy(R->weight.value, L->weight.value, L->weight.n * sizeof(float));
			memcpy(R->bias.value, L->bias.value, L->bias.n * sizeof(float));
			if (ranks[t][i]) {
				struct cmp_svd d;
				CU_ASSERT_EQUAL_FATAL(cmp_svd_init(&d, L, &err), 0);
				cmp_svd_approx(&d, ranks[t][i], R->weight.value);
				cmp_svd_deinit(&d);
			}
		}
		nn_model_forward(&ref, x, NULL, N, NULL, NULL, ya);
		nn_model_forward(&fac, x, NULL, N, NULL, NULL, yb);
		double worst = 0, scale = 0;
		for (int i = 0; i < N * 40; i++) {
			worst = fmax(worst, fabs((double)ya[i] - yb[i]));
			scale = fmax(scale, fabs((double)ya[i]));
		}
		CU_ASSERT(worst <= 1e-5 * scale);
		nn_model_deinit(&ref);
		nn_model_deinit(&fac);
	}
	fixture_deinit(&f);
}

static const struct test_case cases[] = {
	{"SVD per group: order, orthonormality, Eckart-Young error", test_svd},
	{"the factored network computes what the rank-r weights do", test_factored_network},
};
TEST_SUITE(compress_lowrank, cases);
