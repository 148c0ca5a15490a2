/* Models: whole-network backpropagation against finite differences of the
 * forward loss (through every layer type, on two threads), the same bits at
 * any thread count and instruction set, masks, chunked forward passes and
 * layer activations. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_rng.h>

#include "nn/model.h"
#include "nn/train.h"
#include "test.h"

static const char tiny_net[] =
	"name: tiny\ninput: {channels: 2, height: 7, width: 7}\nlayers:\n"
	"  - {name: c1, type: conv, out_channels: 4, kernel: 3, padding: 1, groups: 2}\n"
	"  - {name: r1, type: relu}\n"
	"  - {name: p1, type: maxpool, kernel: 2}\n"
	"  - {name: c2, type: conv, out_channels: 3, kernel: 2, stride: 1}\n"
	"  - {name: a1, type: avgpool, kernel: 2}\n"
	"  - {name: f1, type: fc, out_features: 6}\n"
	"  - {name: r2, type: relu}\n"
	"  - {name: f2, type: fc, out_features: 4, bias: false}\n";

/* Three shards of NN_SHARD_IMAGES, the last one partial. */
enum { N_IMG = 2 * NN_SHARD_IMAGES + 5 };

struct fixture {
	struct wl_network net;
	struct nn_model m;
	float x[N_IMG * 2 * 7 * 7];
	uint8_t y[N_IMG];
};

static void fixture_init(struct fixture *f, uint32_t threads, uint32_t max_batch)
{
	struct sim_err err;
	CU_ASSERT_EQUAL_FATAL(wl_network_load_string(&f->net, "tiny", tiny_net, &err), 0);
	CU_ASSERT_EQUAL_FATAL(nn_model_init(&f->m, &f->net, max_batch, threads, &err), 0);
	gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
	gsl_rng_set(rng, 5);
	nn_model_init_weights(&f->m, NN_INIT_XAVIER, rng);
	for (int i = 0; i < f->m.n_layers; i++)
		for (uint64_t j = 0; j < f->m.layers[i].bias.n; j++)
			f->m.layers[i].bias.value[j] = (float)(0.2 * gsl_rng_uniform(rng) - 0.1);
	for (size_t i = 0; i < sizeof f->x / sizeof f->x[0]; i++)
		f->x[i] = (float)(2.0 * gsl_rng_uniform(rng) - 1.0);
	for (int i = 0; i < N_IMG; i++)
		f->y[i] = (uint8_t)gsl_rng_uniform_int(rng, 4);
	gsl_rng_free(rng);
}

static void fixture_deinit(struct fixture *f)
{
	nn_model_deinit(&f->m);
	wl_network_deinit(&f->net);
}

static double mean_loss(struct fixture *f)
{
	double loss;
	nn_model_forward(&f->m, f->x, f->y, N_IMG, &loss, NULL, NULL);
	return loss / N_IMG;
}

static void test_backprop_vs_finite_differences(void)
{
	struct fixture f;
	fixture_init(&f, 2, N_IMG);
	double loss;
	nn_model_backprop(&f.m, f.x, f.y, N_IMG, &loss, NULL);
	CU_ASSERT(fabs(loss / N_IMG - mean_loss(&f)) < 1e-6);
	uint64_t checked = 0, bad = 0;
	for (int i = 0; i < f.m.n_layers; i++) {
		struct nn_param *ps[2] = {&f.m.layers[i].weight, &f.m.layers[i].bias};
		for (int k = 0; k < 2; k++) {
			struct nn_param *p = ps[k];
			float *grad = malloc((p->n ? p->n : 1) * sizeof *grad);
			if (p->n)
				memcpy(grad, p->grad, p->n * sizeof *grad);
			for (uint64_t j = 0; j < p->n; j++) {
				const float keep = p->value[j], eps = 1e-3f;
				p->value[j] = keep + eps;
				double lp = mean_loss(&f);
				p->value[j] = keep - eps;
				double lm = mean_loss(&f);
				p->value[j] = keep;
				double num = (lp - lm) / (2.0 * eps);
				checked++;
				if (fabs(num - grad[j]) > 2e-3 * fmax(1.0, fabs(num))) {
					fprintf(stderr, "\n  layer %d %s %llu: %g vs %g", i,
						k ? "bias" : "weight", (unsigned long long)j, grad[j], num);
					bad++;
				}
			}
			free(grad);
		}
	}
	CU_ASSERT(checked > 100);
	CU_ASSERT_EQUAL(bad, 0);
	fixture_deinit(&f);
}

/* Bitwise equality of every gradient, and of the loss, between two models. */
static void expect_same_bits(const struct fixture *a, const struct fixture *b, double la,
			     double lb)
{
	CU_ASSERT(memcmp(&la, &lb, sizeof la) == 0);
	for (int i = 0; i < a->m.n_layers; i++) {
		const struct nn_param *pa[2] = {&a->m.layers[i].weight, &a->m.layers[i].bias};
		const struct nn_param *pb[2] = {&b->m.layers[i].weight, &b->m.layers[i].bias};
		for (int k = 0; k < 2; k++)
			if (pa[k]->n)
				CU_ASSERT_EQUAL(memcmp(pa[k]->grad, pb[k]->grad,
						       pa[k]->n * sizeof(float)), 0);
	}
}

/* The same bits at 1, 2 and 8 threads (more than shards), and with every
 * instruction set this CPU runs against the SSE2 kernels; batches of all
 * three shards and of one image (most threads idle). */
static void test_threads_and_isa_agree(void)
{
	struct fixture ref;
	fixture_init(&ref, 1, N_IMG);
	struct sim_err err;
	CU_ASSERT_EQUAL_FATAL(nn_model_set_gemm(&ref.m, NN_GEMM_FIXED, SIM_ISA_SSE2, &err), 0);
	const uint32_t batches[] = {N_IMG, 1};
	const uint32_t threads[] = {1, 2, 8};
	for (size_t bi = 0; bi < 2; bi++) {
		double lr;
		nn_model_backprop(&ref.m, ref.x, ref.y, batches[bi], &lr, NULL);
		for (size_t ti = 0; ti < 3; ti++)
			for (int isa = 0; isa <= (int)sim_isa_detect(); isa++) {
				struct fixture f;
				fixture_init(&f, threads[ti], N_IMG);
				CU_ASSERT_EQUAL_FATAL(nn_model_set_gemm(&f.m, NN_GEMM_FIXED,
									(enum sim_isa)isa, &err),
						      0);
				double l;
				nn_model_backprop(&f.m, f.x, f.y, batches[bi], &l, NULL);
				expect_same_bits(&ref, &f, lr, l);
				fixture_deinit(&f);
			}
	}
	fixture_deinit(&ref);
}

static void test_masks_hold(void)
{
	struct fixture f;
	fixture_init(&f, 2, N_IMG);
	struct nn_param *w = &f.m.layers[0].weight;
	for (uint64_t j = 0; j < w->n; j += 3)
		w->mask[j] = 0;
	nn_model_apply_masks(&f.m);
	CU_ASSERT_EQUAL(nn_model_weights_kept(&f.m), nn_model_weights(&f.m) - (w->n + 2) / 3);
	for (int step = 0; step < 5; step++) {
		nn_model_backprop(&f.m, f.x, f.y, N_IMG, NULL, NULL);
		for (uint64_t j = 0; j < w->n; j += 3)
			CU_ASSERT_EQUAL(w->grad[j], 0.0f);
		nn_sgd_step(&f.m, 0.1, 0.9, 1e-3, 1e-3);
	}
	uint64_t nonzero = 0;
	for (uint64_t j = 0; j < w->n; j++) {
		if (j % 3 == 0) {
			/* exactly +0.0, not -0.0 */
			CU_ASSERT(w->value[j] == 0.0f && !signbit(w->value[j]));
			CU_ASSERT(w->velocity[j] == 0.0f && !signbit(w->velocity[j]));
			CU_ASSERT(!signbit(w->grad[j]));
		} else {
			nonzero += w->value[j] != 0.0f;
		}
	}
	CU_ASSERT(nonzero > 0);
	fixture_deinit(&f);
}

static void test_forward_chunks_and_layer_io(void)
{
	struct fixture big, small;
	fixture_init(&big, 2, N_IMG);
	fixture_init(&small, 1, 2); /* chunks of 2, 2 and 1 images */
	float la[N_IMG * 4], lb[N_IMG * 4];
	nn_model_forward(&big.m, big.x, NULL, N_IMG, NULL, NULL, la);
	nn_model_forward(&small.m, small.x, NULL, N_IMG, NULL, NULL, lb);
	for (int i = 0; i < N_IMG * 4; i++)
		CU_ASSERT(fabs(la[i] - lb[i]) < 1e-5);
	/* Layer 2's output is layer 3's input; the last layer's output is the logits. */
	const int last = big.m.n_layers - 1;
	uint64_t n2 = N_IMG * 2ull * 3 * 3 * 2, n3 = N_IMG * 4ull * 3 * 3;
	float *out2 = calloc(n2 + n3, sizeof(float)), *in3 = calloc(n2 + n3, sizeof(float));
	nn_model_layer_io(&small.m, small.x, N_IMG, 2, NULL, out2);
	nn_model_layer_io(&big.m, big.x, N_IMG, 3, in3, NULL);
	CU_ASSERT_EQUAL(memcmp(out2, in3, N_IMG * 4ull * 3 * 3 * sizeof(float)), 0);
	nn_model_layer_io(&big.m, big.x, N_IMG, last, NULL, out2);
	for (int i = 0; i < N_IMG * 4; i++)
		CU_ASSERT(fabs(out2[i] - la[i]) < 1e-5);
	free(out2);
	free(in3);
	fixture_deinit(&big);
	fixture_deinit(&small);
}

/* A model moved to another address runs there: its logits and training step
 * equal those of the model before the move, even after the old storage is
 * overwritten (the worker threads must not keep reading it). */
static void test_move(void)
{
	struct fixture f;
	fixture_init(&f, 2, N_IMG);
	float before[N_IMG * 4], after[N_IMG * 4];
	nn_model_forward(&f.m, f.x, NULL, N_IMG, NULL, NULL, before);
	struct nn_model *moved = malloc(sizeof *moved);
	CU_ASSERT_PTR_NOT_NULL_FATAL(moved);
	nn_model_move(moved, &f.m);
	memset(&f.m, 0xa5, sizeof f.m); /* what a reused stack slot would hold */
	nn_model_forward(moved, f.x, NULL, N_IMG, NULL, NULL, after);
	CU_ASSERT_EQUAL(memcmp(before, after, sizeof before), 0);
	double loss = -1;
	nn_model_backprop(moved, f.x, f.y, N_IMG, &loss, NULL);
	CU_ASSERT(isfinite(loss) && loss > 0);
	nn_model_deinit(moved);
	free(moved);
	wl_network_deinit(&f.net);
}

static void test_rejects_unsupported(void)
{
	const char *branch = "name: b\ninput: {channels: 1, height: 4, width: 4}\nlayers:\n"
			     "  - {name: a, type: conv, out_channels: 2, kernel: 1}\n"
			     "  - {name: b, type: conv, out_channels: 2, kernel: 1, from: [input]}\n"
			     "  - {name: s, type: add, from: [a, b]}\n"
			     "  - {name: f, type: fc, out_features: 3}\n";
	const char *spatial = "name: s\ninput: {channels: 1, height: 4, width: 4}\nlayers:\n"
			      "  - {name: a, type: conv, out_channels: 2, kernel: 1}\n";
	struct wl_network net;
	struct nn_model m;
	struct sim_err err;
	CU_ASSERT_EQUAL_FATAL(wl_network_load_string(&net, "b", branch, &err), 0);
	CU_ASSERT_EQUAL(nn_model_init(&m, &net, 4, 1, &err), SIM_ERR_CONFIG);
	CU_ASSERT(strstr(err.msg, "chain") != NULL);
	nn_model_deinit(&m);
	wl_network_deinit(&net);
	CU_ASSERT_EQUAL_FATAL(wl_network_load_string(&net, "s", spatial, &err), 0);
	CU_ASSERT_EQUAL(nn_model_init(&m, &net, 4, 1, &err), SIM_ERR_CONFIG);
	CU_ASSERT(strstr(err.msg, "class scores") != NULL && err.line == 4);
	nn_model_deinit(&m);
	wl_network_deinit(&net);
}

static const struct test_case cases[] = {
	{"backprop vs finite differences", test_backprop_vs_finite_differences},
	{"same bits at 1, 2, 8 threads and every instruction set", test_threads_and_isa_agree},
	{"masked weights stay zero", test_masks_hold},
	{"forward chunks and layer activations", test_forward_chunks_and_layer_io},
	{"a moved model runs at its new address", test_move},
	{"unsupported networks rejected", test_rejects_unsupported},
};
TEST_SUITE(nn_model, cases);
