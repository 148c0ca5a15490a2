/* Node pruning's rewrite: a model whose dead nodes (all weights masked, bias
 * 0) are removed computes the same logits, to the bit, as the masked model,
 * on a network with ReLU and both poolings between its layers; a masked node
 * that still has a bias is kept (removing it would change the outputs). */
#include <gsl/gsl_rng.h>
#include <stdlib.h>
#include <string.h>

#include "compress/node.h"
#include "test.h"

static const char net_yaml[] =
	"name: nodes\ninput: {channels: 2, height: 10, width: 10}\nlayers:\n"
	"  - {name: c1, type: conv, out_channels: 6, kernel: 3}\n"
	"  - {name: r1, type: relu}\n"
	"  - {name: p1, type: maxpool, kernel: 2}\n"
	"  - {name: c2, type: conv, out_channels: 5, kernel: 2}\n"
	"  - {name: a1, type: avgpool, kernel: 3}\n"
	"  - {name: f1, type: fc, out_features: 7}\n"
	"  - {name: r2, type: relu}\n"
	"  - {name: f2, type: fc, out_features: 3}\n";

enum { N_IMG = 9, IMG = 2 * 10 * 10 };

/* Masks every weight of output o of layer li, and zeroes its bias if asked. */
static void kill_node(struct nn_model *m, int li, uint32_t o, int zero_bias)
{
	struct nn_layer *L = &m->layers[li];
	uint64_t len = L->weight.n / L->wl->out.c;
	memset(L->weight.mask + o * len, 0, len);
	if (zero_bias)
		L->bias.value[o] = 0.0f;
}

static void test_shrink_same_logits(void)
{
	struct wl_network net;
	struct nn_model m, s;
	struct sim_err err;
	CU_ASSERT_EQUAL_FATAL(wl_network_load_string(&net, "nodes", net_yaml, &err), 0);
	CU_ASSERT_EQUAL_FATAL(nn_model_init(&m, &net, 16, 1, &err), 0);
	gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
	gsl_rng_set(rng, 3);
	nn_model_init_weights(&m, NN_INIT_HE, rng);
	for (int i = 0; i < m.n_layers; i++)
		for (uint64_t j = 0; j < m.layers[i].bias.n; j++)
			m.layers[i].bias.value[j] = (float)(gsl_rng_uniform(rng) - 0.5);
	float *x = malloc(N_IMG * IMG * sizeof *x);
	for (int i = 0; i < N_IMG * IMG; i++)
		x[i] = (float)(2 * gsl_rng_uniform(rng) - 1);
	/* c1 loses 0 and 4, c2 loses 2, f1 loses 1, 5, 6; c1's node 3 is masked
	 * but keeps its bias; a few single weights are pruned too. */
	kill_node(&m, 0, 0, 1);
	kill_node(&m, 0, 4, 1);
	kill_node(&m, 0, 3, 0);
	kill_node(&m, 3, 2, 1);
	kill_node(&m, 5, 1, 1);
	kill_node(&m, 5, 5, 1);
	kill_node(&m, 5, 6, 1);
	m.layers[7].weight.mask[4] = 0;
	nn_model_apply_masks(&m);
	float ya[N_IMG * 3], yb[N_IMG * 3];
	nn_model_forward(&m, x, NULL, N_IMG, NULL, NULL, ya);
	uint64_t removed = 0;
	CU_ASSERT_EQUAL_FATAL(cmp_node_shrink(&m, NULL, 16, 1, &s, &removed, &err), 0);
	CU_ASSERT_EQUAL(removed, 6);
	CU_ASSERT_EQUAL(s.net.layers[0].out.c, 4u);
	CU_ASSERT_EQUAL(s.net.layers[3].out.c, 4u);
	CU_ASSERT_EQUAL(s.net.layers[5].out.c, 4u);
	CU_ASSERT_EQUAL(s.net.layers[7].out.c, 3u);
	/* c1 4 x 2 x 3x3, c2 4 x 4 x 2x2, f1 4 x 4 (a 1x1 map), f2 3 x 4; c1's
	 * node with a bias keeps its 18 masked weights, f2 its one. */
	CU_ASSERT_EQUAL(nn_model_weights(&s), 4u * 2 * 9 + 4u * 4 * 4 + 4u * 4 + 3u * 4);
	CU_ASSERT_EQUAL(nn_model_weights_kept(&s), nn_model_weights(&s) - 2 * 9 - 1);
	nn_model_forward(&s, x, NULL, N_IMG, NULL, NULL, yb);
	int same = 1;
	for (int i = 0; i < N_IMG * 3; i++)
		same &= ya[i] == yb[i];
	CU_ASSERT(same);
	nn_model_deinit(&s);
	/* With a selection, only the chosen layers shrink. */
	bool only_f1[8] = {false, false, false, false, false, true, false, false};
	CU_ASSERT_EQUAL_FATAL(cmp_node_shrink(&m, only_f1, 16, 1, &s, &removed, &err), 0);
	CU_ASSERT_EQUAL(removed, 3);
	CU_ASSERT_EQUAL(s.net.layers[0].out.c, 6u);
	nn_model_forward(&s, x, NULL, N_IMG, NULL, NULL, yb);
	same = 1;
	for (int i = 0; i < N_IMG * 3; i++)
		same &= ya[i] == yb[i];
	CU_ASSERT(same);
	nn_model_deinit(&s);
	free(x);
	gsl_rng_free(rng);
	nn_model_deinit(&m);
	wl_network_deinit(&net);
}

static const struct test_case cases[] = {
	{"removing dead nodes leaves every logit the same", test_shrink_same_logits},
};
TEST_SUITE(compress_node, cases);
