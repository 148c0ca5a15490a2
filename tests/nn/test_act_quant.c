/* Simulated activation quantisation: the grid and clamping of one buffer, and
 * a model whose CONV/FC inputs, read back through nn_model_layer_io, lie on
 * the calibrated grid at inference while training is left in float. */
#include <gsl/gsl_rng.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nn/layers.h"
#include "nn/model.h"
#include "test.h"

static void test_grid(void)
{
	float x[6] = {-1.0f, 0.0f, 0.26f, 0.5f, 0.9f, 7.0f};
	nn_act_quantize(x, 6, 2, 1.0f, false); /* levels 0, 1/3, 2/3, 1 */
	CU_ASSERT_EQUAL(x[0], 0.0f);
	CU_ASSERT_DOUBLE_EQUAL(x[2], 1.0 / 3.0, 1e-6);
	CU_ASSERT_DOUBLE_EQUAL(x[3], 2.0 / 3.0, 1e-6); /* 1.5 rounds to even */
	CU_ASSERT_DOUBLE_EQUAL(x[4], 1.0, 1e-6);
	CU_ASSERT_EQUAL(x[5], 1.0f);
	float y[3] = {-2.0f, -0.3f, 0.3f};
	nn_act_quantize(y, 3, 3, 1.0f, true); /* step 1/3 */
	CU_ASSERT_DOUBLE_EQUAL(y[0], -1.0, 1e-6);
	CU_ASSERT_DOUBLE_EQUAL(y[1], -1.0 / 3.0, 1e-6);
	CU_ASSERT_DOUBLE_EQUAL(y[2], 1.0 / 3.0, 1e-6);
}

static const char *const net_text =
	"name: q\ninput: {channels: 1, height: 6, width: 6}\nlayers:\n"
	"  - {name: c1, type: conv, out_channels: 3, kernel: 3}\n"
	"  - {name: r1, type: relu}\n"
	"  - {name: f1, type: fc, out_features: 4}\n";

/* True when every value is k * range / levels for an integer k. */
static int on_grid(const float *x, uint64_t n, float range, double levels)
{
	for (uint64_t i = 0; i < n; i++) {
		double k = x[i] / range * levels;
		if (fabs(k - nearbyint(k)) > 1e-3)
			return 0;
	}
	return 1;
}

static void test_model(void)
{
	struct wl_network net;
	struct nn_model m;
	struct sim_err err;
	CU_ASSERT_EQUAL_FATAL(wl_network_load_string(&net, "q.yaml", net_text, &err), 0);
	CU_ASSERT_EQUAL_FATAL(nn_model_init(&m, &net, 16, 1, &err), 0);
	gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
	gsl_rng_set(r, 4);
	nn_model_init_weights(&m, NN_INIT_HE, r);
	enum { N = 12 };
	float images[N * 36], in[N * 36], f1_in[N * 48];
	for (int i = 0; i < N * 36; i++)
		images[i] = (float)(gsl_rng_uniform(r) * 2.0 - 1.0);
	uint8_t labels[N] = {0};
	float logits_float[N * 4], logits_q[N * 4];
	nn_model_forward(&m, images, NULL, N, NULL, NULL, logits_float);
	CU_ASSERT_EQUAL_FATAL(nn_model_set_act_quant(&m, 3, images, N, &err), 0);
	/* The image is signed (7 levels of range/3 per side); f1's input is a ReLU output. */
	CU_ASSERT_TRUE(m.layers[0].act_signed);
	CU_ASSERT_FALSE(m.layers[2].act_signed);
	nn_model_layer_io(&m, images, N, 0, in, NULL);
	CU_ASSERT(on_grid(in, N * 36, m.layers[0].act_range, 3.0));
	nn_model_layer_io(&m, images, N, 2, f1_in, NULL);
	CU_ASSERT(on_grid(f1_in, N * 48, m.layers[2].act_range, 7.0));
	nn_model_forward(&m, images, NULL, N, NULL, NULL, logits_q);
	CU_ASSERT(memcmp(logits_float, logits_q, sizeof logits_q) != 0);
	/* Training passes stay in float: the same gradients with and without. */
	nn_model_backprop(&m, images, labels, N, NULL, NULL);
	float g_q = m.layers[0].weight.grad[0];
	CU_ASSERT_EQUAL(nn_model_set_act_quant(&m, 0, images, N, &err), 0);
	nn_model_backprop(&m, images, labels, N, NULL, NULL);
	CU_ASSERT_EQUAL(m.layers[0].weight.grad[0], g_q);
	nn_model_forward(&m, images, NULL, N, NULL, NULL, logits_q);
	CU_ASSERT(memcmp(logits_float, logits_q, sizeof logits_q) == 0);
	CU_ASSERT_NOT_EQUAL(nn_model_set_act_quant(&m, 17, images, N, &err), 0);
	gsl_rng_free(r);
	nn_model_deinit(&m);
	wl_network_deinit(&net);
}

static const struct test_case cases[] = {
	{"grid and clamping", test_grid},
	{"inference quantises CONV/FC inputs, training does not", test_model},
};
TEST_SUITE(nn_act_quant, cases);
