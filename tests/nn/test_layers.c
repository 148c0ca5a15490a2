/* Layer kernels: every backward pass is checked against central finite
 * differences of its forward pass, L = sum(y .* R) for a fixed random R (so
 * dL/dy = R), in the input and in the parameters; the loss against finite
 * differences of itself. Convolution forward is also compared with a direct
 * six-deep loop nest. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_rng.h>

#include "nn/layers.h"
#include "test.h"

/* Which layer a check runs, with its buffers. */
struct fd_case {
	int kind; /* 0 conv, 1 fc, 2 maxpool, 3 avgpool, 4 relu */
	struct nn_gemm gm;
	struct nn_conv_geom g;
	uint32_t hw;           /* fc: spatial size of the input */
	float *x, *wt, *bias, *y, *r, *col, *xt, *dxt;
	uint32_t *argmax;
	uint64_t nx, nw, nb, ny;
};

static double fd_loss(struct fd_case *c)
{
	switch (c->kind) {
	case 0: nn_conv_forward(&c->gm, &c->g, c->x, c->wt, c->bias, c->y, c->col); break;
	case 1: nn_fc_forward(&c->gm, c->g.n, c->g.c, c->hw, c->g.m, c->x, c->wt, c->bias, c->y, c->xt); break;
	case 2: nn_maxpool_forward(&c->g, c->x, c->y, c->argmax); break;
	case 3: nn_avgpool_forward(&c->g, c->x, c->y); break;
	default: nn_relu_forward(c->nx, c->x, c->y); break;
	}
	double l = 0.0;
	for (uint64_t i = 0; i < c->ny; i++)
		l += (double)c->y[i] * c->r[i];
	return l;
}

/* Compares analytic gradient g of L w.r.t. v[0..n) with finite differences. */
static void fd_compare(struct fd_case *c, float *v, const float *g, uint64_t n, float eps,
		       const char *what)
{
	double worst = 0.0;
	for (uint64_t i = 0; i < n; i++) {
		float keep = v[i];
		v[i] = keep + eps;
		double lp = fd_loss(c);
		v[i] = keep - eps;
		double lm = fd_loss(c);
		v[i] = keep;
		double num = (lp - lm) / (2.0 * eps);
		double e = fabs(num - g[i]) / fmax(1.0, fabs(num));
		worst = fmax(worst, e);
	}
	if (worst > 2e-3)
		fprintf(stderr, "\n  %s: worst relative gradient error %g\n", what, worst);
	CU_ASSERT(worst <= 2e-3);
}

static float *rnd(gsl_rng *rng, uint64_t n, double scale)
{
	float *p = calloc(n ? n : 1, sizeof *p);
	for (uint64_t i = 0; i < n; i++)
		p[i] = (float)(scale * (2.0 * gsl_rng_uniform(rng) - 1.0));
	return p;
}

/* Values spaced at least `gap` apart and away from 0, so that small
 * perturbations never change which input wins a max or a ReLU. */
static float *spaced(gsl_rng *rng, uint64_t n, float gap)
{
	float *p = calloc(n, sizeof *p);
	for (uint64_t i = 0; i < n; i++)
		p[i] = gap * (float)(i + 1) * (i % 2 ? -1.0f : 1.0f);
	for (uint64_t i = n - 1; i > 0; i--) {
		uint64_t j = gsl_rng_uniform_int(rng, i + 1);
		float t = p[i];
		p[i] = p[j];
		p[j] = t;
	}
	return p;
}

static void fd_free(struct fd_case *c)
{
	nn_gemm_deinit(&c->gm);
	free(c->x);
	free(c->wt);
	free(c->bias);
	free(c->y);
	free(c->r);
	free(c->col);
	free(c->xt);
	free(c->dxt);
	free(c->argmax);
}

static void check_conv(uint32_t n, uint32_t cin, uint32_t h, uint32_t m, uint32_t k,
		       uint32_t stride, uint32_t pad, uint32_t groups)
{
	gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
	gsl_rng_set(rng, 7);
	struct fd_case c = {.kind = 0};
	struct sim_err err = {0};
	CU_ASSERT_EQUAL_FATAL(nn_gemm_init(&c.gm, NN_GEMM_FIXED, sim_isa_detect(), &err), 0);
	c.g = (struct nn_conv_geom){.n = n, .c = cin, .h = h, .w = h + 1, .m = m, .k = k,
				    .stride = stride, .pad = pad, .groups = groups};
	c.g.e = (h + 2 * pad - k) / stride + 1;
	c.g.f = (h + 1 + 2 * pad - k) / stride + 1;
	c.nx = (uint64_t)cin * n * h * (h + 1);
	c.nw = (uint64_t)m * (cin / groups) * k * k;
	c.nb = m;
	c.ny = (uint64_t)m * n * c.g.e * c.g.f;
	c.x = rnd(rng, c.nx, 1.0);
	c.wt = rnd(rng, c.nw, 0.5);
	c.bias = rnd(rng, c.nb, 0.5);
	c.y = calloc(c.ny, sizeof(float));
	c.r = rnd(rng, c.ny, 1.0);
	c.col = calloc(nn_conv_col_floats(&c.g), sizeof(float));

	/* Forward against the direct loop nest (CNHW activations). */
	fd_loss(&c);
	const uint32_t cg = cin / groups, mg = m / groups;
	double worst = 0.0;
	for (uint32_t mi = 0; mi < m; mi++)
		for (uint32_t ni = 0; ni < n; ni++)
			for (uint32_t e = 0; e < c.g.e; e++)
				for (uint32_t f = 0; f < c.g.f; f++) {
					double s = c.bias[mi];
					uint32_t gi = mi / mg;
					for (uint32_t ci = 0; ci < cg; ci++)
						for (uint32_t r = 0; r < k; r++)
							for (uint32_t q = 0; q < k; q++) {
								long ih = (long)(e * stride + r) - pad;
								long iw = (long)(f * stride + q) - pad;
								if (ih < 0 || ih >= (long)h || iw < 0 ||
								    iw >= (long)h + 1)
									continue;
								s += (double)c.wt[((mi * cg + ci) * k + r) * k + q] *
								     c.x[(((uint64_t)(gi * cg + ci) * n + ni) * h + ih) * (h + 1) + iw];
							}
					double y = c.y[(((uint64_t)mi * n + ni) * c.g.e + e) * c.g.f + f];
					worst = fmax(worst, fabs(y - s));
				}
	CU_ASSERT(worst < 1e-4);

	float *dw = calloc(c.nw, sizeof(float)), *db = calloc(c.nb, sizeof(float));
	float *dx = calloc(c.nx, sizeof(float));
	float *dcol = calloc(nn_conv_col_floats(&c.g), sizeof(float));
	fd_loss(&c); /* leaves the unrolled input in c.col */
	nn_conv_backward(&c.gm, &c.g, c.x, c.wt, c.r, dw, db, dx, c.col, dcol);
	free(dcol);
	fd_compare(&c, c.x, dx, c.nx, 1e-2f, "conv dx");
	fd_compare(&c, c.wt, dw, c.nw, 1e-2f, "conv dw");
	fd_compare(&c, c.bias, db, c.nb, 1e-2f, "conv db");
	free(dw);
	free(db);
	free(dx);
	fd_free(&c);
	gsl_rng_free(rng);
}

static void test_conv_plain(void)
{
	check_conv(3, 2, 6, 4, 3, 1, 0, 1);
}

static void test_conv_stride_pad_groups(void)
{
	check_conv(2, 4, 7, 6, 3, 2, 1, 2);
	check_conv(2, 3, 5, 3, 3, 1, 1, 3); /* depthwise */
}

static void test_conv_pointwise(void)
{
	check_conv(3, 4, 4, 6, 1, 1, 0, 2);
}

static void check_fc(uint32_t n, uint32_t cin, uint32_t hw, uint32_t m)
{
	gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
	gsl_rng_set(rng, 11);
	struct fd_case c = {.kind = 1, .hw = hw};
	struct sim_err err = {0};
	CU_ASSERT_EQUAL_FATAL(nn_gemm_init(&c.gm, NN_GEMM_FIXED, sim_isa_detect(), &err), 0);
	c.g = (struct nn_conv_geom){.n = n, .c = cin, .m = m};
	c.nx = (uint64_t)cin * n * hw;
	c.nw = (uint64_t)m * cin * hw;
	c.nb = m;
	c.ny = (uint64_t)m * n;
	c.x = rnd(rng, c.nx, 1.0);
	c.wt = rnd(rng, c.nw, 0.5);
	c.bias = rnd(rng, c.nb, 0.5);
	c.y = calloc(c.ny, sizeof(float));
	c.r = rnd(rng, c.ny, 1.0);
	c.xt = calloc(c.nx, sizeof(float));
	c.dxt = calloc(c.nx, sizeof(float));
	fd_loss(&c);
	/* Forward against y[m][n] = b[m] + sum_k W[m][k] x_n[k], k = c*hw + p. */
	double worst = 0.0;
	for (uint32_t mi = 0; mi < m; mi++)
		for (uint32_t ni = 0; ni < n; ni++) {
			double s = c.bias[mi];
			for (uint32_t ci = 0; ci < cin; ci++)
				for (uint32_t p = 0; p < hw; p++)
					s += (double)c.wt[(uint64_t)mi * cin * hw + ci * hw + p] *
					     c.x[((uint64_t)ci * n + ni) * hw + p];
			worst = fmax(worst, fabs(s - c.y[(uint64_t)mi * n + ni]));
		}
	CU_ASSERT(worst < 1e-4);
	float *dw = calloc(c.nw, sizeof(float)), *db = calloc(c.nb, sizeof(float));
	float *dx = calloc(c.nx, sizeof(float));
	nn_fc_backward(&c.gm, n, cin, hw, m, c.x, c.xt, c.wt, c.r, dw, db, dx, c.dxt);
	fd_compare(&c, c.x, dx, c.nx, 1e-2f, "fc dx");
	fd_compare(&c, c.wt, dw, c.nw, 1e-2f, "fc dw");
	fd_compare(&c, c.bias, db, c.nb, 1e-2f, "fc db");
	free(dw);
	free(db);
	free(dx);
	fd_free(&c);
	gsl_rng_free(rng);
}

static void test_fc(void)
{
	check_fc(4, 7, 1, 5);
	check_fc(3, 3, 6, 4); /* spatial input: flattened in NCHW order */
}

static void check_pool(int kind, uint32_t k, uint32_t stride, uint32_t pad)
{
	gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
	gsl_rng_set(rng, 13);
	struct fd_case c = {.kind = kind};
	const uint32_t h = 7;
	c.g = (struct nn_conv_geom){.n = 2, .c = 3, .h = h, .w = h, .m = 3, .k = k,
				    .stride = stride, .pad = pad, .groups = 1};
	c.g.e = c.g.f = (h + 2 * pad - k) / stride + 1;
	c.nx = 2ull * 3 * h * h;
	c.ny = 2ull * 3 * c.g.e * c.g.f;
	c.x = spaced(rng, c.nx, 0.05f);
	c.y = calloc(c.ny, sizeof(float));
	c.r = rnd(rng, c.ny, 1.0);
	c.argmax = calloc(c.ny, sizeof(uint32_t));
	fd_loss(&c);
	float *dx = calloc(c.nx, sizeof(float));
	if (kind == 2)
		nn_maxpool_backward(&c.g, c.argmax, c.r, dx);
	else
		nn_avgpool_backward(&c.g, c.r, dx);
	fd_compare(&c, c.x, dx, c.nx, 1e-2f, kind == 2 ? "maxpool dx" : "avgpool dx");
	free(dx);
	fd_free(&c);
	gsl_rng_free(rng);
}

static void test_maxpool(void)
{
	check_pool(2, 2, 2, 0); /* the unrolled 2x2 path */
	check_pool(2, 2, 1, 0);
	check_pool(2, 3, 2, 1); /* overlapping, padded */
}

static void test_avgpool(void)
{
	check_pool(3, 2, 2, 0);
	check_pool(3, 3, 2, 1);
}

static void test_relu(void)
{
	gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
	gsl_rng_set(rng, 17);
	struct fd_case c = {.kind = 4, .nx = 40, .ny = 40};
	c.x = spaced(rng, c.nx, 0.05f);
	c.y = calloc(c.ny, sizeof(float));
	c.r = rnd(rng, c.ny, 1.0);
	fd_loss(&c);
	float *dx = calloc(c.nx, sizeof(float));
	nn_relu_backward(c.nx, c.y, c.r, dx);
	fd_compare(&c, c.x, dx, c.nx, 1e-2f, "relu dx");
	free(dx);
	fd_free(&c);
	gsl_rng_free(rng);
}

/* Summed loss of nn_softmax_xent over n samples. */
static double xent_sum(uint32_t n, uint32_t k, const float *z, const uint8_t *labels, float scale,
		       float *dz, uint64_t *correct)
{
	double loss[8], sum = 0.0;
	nn_softmax_xent(n, k, z, labels, scale, dz, loss, correct);
	for (uint32_t i = 0; i < n; i++)
		sum += loss[i];
	return sum;
}

static void test_softmax_xent(void)
{
	gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
	gsl_rng_set(rng, 19);
	const uint32_t n = 5, k = 4;
	float *z = rnd(rng, n * k, 3.0), dz[20];
	const uint8_t labels[5] = {0, 3, 1, 1, 2};
	uint64_t correct = 0;
	double loss = xent_sum(n, k, z, labels, 0.5f, dz, &correct);
	/* Direct formula in double for the loss, and the arg-max count. */
	double ref = 0.0;
	uint64_t ref_correct = 0;
	for (uint32_t i = 0; i < n; i++) {
		double s = 0.0;
		uint32_t best = 0;
		for (uint32_t j = 0; j < k; j++) {
			s += exp(z[j * n + i]);
			if (z[j * n + i] > z[best * n + i])
				best = j;
		}
		ref += log(s) - z[labels[i] * n + i];
		ref_correct += best == labels[i];
	}
	CU_ASSERT(fabs(loss - ref) < 1e-9 * fmax(1.0, ref) + 1e-6);
	CU_ASSERT_EQUAL(correct, ref_correct);
	double worst = 0.0;
	for (uint32_t i = 0; i < n * k; i++) {
		float keep = z[i];
		z[i] = keep + 1e-2f;
		double lp = xent_sum(n, k, z, labels, 0.0f, NULL, NULL);
		z[i] = keep - 1e-2f;
		double lm = xent_sum(n, k, z, labels, 0.0f, NULL, NULL);
		z[i] = keep;
		worst = fmax(worst, fabs(0.5 * (lp - lm) / 2e-2 - dz[i]));
	}
	CU_ASSERT(worst < 1e-4);
	free(z);
	gsl_rng_free(rng);
}

static const struct test_case cases[] = {
	{"conv", test_conv_plain},
	{"conv stride/pad/groups", test_conv_stride_pad_groups},
	{"conv 1x1", test_conv_pointwise},
	{"fc", test_fc},
	{"maxpool", test_maxpool},
	{"avgpool", test_avgpool},
	{"relu", test_relu},
	{"softmax cross-entropy", test_softmax_xent},
};
TEST_SUITE(nn_layers, cases);
