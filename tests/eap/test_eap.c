/* Energy-aware and magnitude pruning on a small network trained on a
 * synthetic task: both prune, every layer decision keeps the validation
 * accuracy floor, masks remove whole groups of the chosen granularity only,
 * and a run is reproducible from its seed; Scalpel's node and SIMD
 * structures and low-rank factorisation in the same setting. */
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "compress/lowrank.h"
#include "compress/node.h"
#include "core/mem.h"
#include "eap/eap.h"
#include "eap/restore.h"
#include "eap/lowrank.h"
#include "test.h"

static const char *const net_text =
	"name: tiny\ninput: {channels: 1, height: 8, width: 8}\nlayers:\n"
	"  - {name: conv1, type: conv, out_channels: 6, kernel: 3}\n"
	"  - {name: relu1, type: relu}\n"
	"  - {name: pool1, type: maxpool, kernel: 2}\n"
	"  - {name: fc1, type: fc, out_features: 24}\n"
	"  - {name: relu2, type: relu}\n"
	"  - {name: fc2, type: fc, out_features: 4}\n";

/* Four classes: a bright 3x3 patch in one quadrant, plus noise. */
static void make_set(struct nn_dataset *ds, uint64_t n, gsl_rng *r)
{
	memset(ds, 0, sizeof *ds);
	ds->n = n;
	ds->c = 1;
	ds->h = ds->w = 8;
	ds->n_classes = 4;
	ds->images = malloc(n * 64 * sizeof(float));
	ds->labels = malloc(n);
	for (uint64_t i = 0; i < n; i++) {
		uint8_t label = (uint8_t)gsl_rng_uniform_int(r, 4);
		ds->labels[i] = label;
		float *img = ds->images + i * 64;
		for (int k = 0; k < 64; k++)
			img[k] = (float)gsl_ran_gaussian(r, 0.6);
		int oy = (label / 2) * 4 + (int)gsl_rng_uniform_int(r, 2);
		int ox = (label % 2) * 4 + (int)gsl_rng_uniform_int(r, 2);
		for (int y = 0; y < 3; y++)
			for (int x = 0; x < 3; x++)
				img[(oy + y) * 8 + ox + x] += 1.5f;
	}
}

/* A stand-in for the hardware model: energy proportional to the MACs left. */
static int fake_energy(void *ctx, const struct nn_model *m, const double *ifmap_density,
		       double *energy, struct sim_err *err)
{
	(void)ctx;
	(void)err;
	for (int i = 0; i < m->n_layers; i++) {
		energy[i] = 0;
		if (!m->layers[i].weight.n)
			continue;
		double kept = 0;
		for (uint64_t k = 0; k < m->layers[i].weight.n; k++)
			kept += m->layers[i].weight.mask[k];
		energy[i] = kept * ifmap_density[i] * (double)wl_layer_macs(&m->net.layers[i]) /
			    (double)m->layers[i].weight.n;
	}
	return 0;
}

struct decisions {
	double floor_acc;
	int below_floor;
	int calls;
};

static void on_layer(void *ctx, uint32_t round, const char *layer, double density, double acc)
{
	struct decisions *d = ctx;
	(void)round;
	(void)layer;
	(void)density;
	d->calls++;
	if (!isnan(acc) && acc < d->floor_acc)
		d->below_floor++;
}

static void train_baseline(struct nn_model *m, struct wl_network *net, struct nn_dataset *train)
{
	struct sim_err err;
	CU_ASSERT_EQUAL_FATAL(wl_network_load_string(net, "tiny.yaml", net_text, &err), 0);
	CU_ASSERT_EQUAL_FATAL(nn_model_init(m, net, 64, 1, &err), 0);
	gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
	gsl_rng_set(r, 3);
	nn_model_init_weights(m, NN_INIT_HE, r);
	gsl_rng_free(r);
	struct nn_train_opts t;
	nn_train_opts_default(&t);
	t.epochs = 4;
	t.lr = 0.05;
	CU_ASSERT_EQUAL_FATAL(nn_train(m, train, &t, &err), 0);
}

/* A trained baseline on the synthetic task, with its data sets. */
struct fixture {
	gsl_rng *r;
	struct nn_dataset train, val;
	struct wl_network net;
	struct nn_model m;
};

static void fixture_init(struct fixture *f)
{
	f->r = gsl_rng_alloc(gsl_rng_mt19937);
	gsl_rng_set(f->r, 9);
	make_set(&f->train, 2000, f->r);
	make_set(&f->val, 600, f->r);
	train_baseline(&f->m, &f->net, &f->train);
}

static void fixture_deinit(struct fixture *f)
{
	nn_model_deinit(&f->m);
	wl_network_deinit(&f->net);
	nn_dataset_deinit(&f->train);
	nn_dataset_deinit(&f->val);
	gsl_rng_free(f->r);
}

static void run(enum eap_method method, enum wl_granularity g, uint8_t **masks_out)
{
	struct fixture f;
	fixture_init(&f);
	struct nn_dataset *train = &f.train, *val = &f.val;
	struct nn_model *m = &f.m;

	struct eap_opts o;
	eap_opts_default(&o);
	o.method = method;
	o.granularity = g;
	o.accuracy_bound = 2.0;
	o.rounds = 2;
	o.sample_images = 200;
	o.energy = fake_energy;
	struct decisions dec = {0};
	o.progress = on_layer;
	o.progress_ctx = &dec;
	struct eap_result res;
	struct sim_err err;
	struct nn_eval ev;
	CU_ASSERT_EQUAL_FATAL(nn_evaluate(m, val, &ev, &err), 0);
	dec.floor_acc = 100.0 * ev.accuracy - o.accuracy_bound;
	CU_ASSERT(ev.accuracy > 0.8); /* the task is learnable */
	int rc = eap_prune(m, train, val, NULL, &o, &res, &err);
	if (rc)
		sim_err_print(&err, stderr);
	CU_ASSERT_EQUAL_FATAL(rc, 0);
	CU_ASSERT(dec.calls >= 3);
	CU_ASSERT_EQUAL(dec.below_floor, 0);
	CU_ASSERT(res.weights_kept < res.weights * 3 / 4);
	CU_ASSERT_DOUBLE_EQUAL(res.val_accuracy_start, 100.0 * ev.accuracy, 1e-9);

	/* Whole groups only: inside each group the mask is constant. */
	size_t total = 0;
	for (int i = 0; i < m->n_layers; i++) {
		struct nn_layer *L = &m->layers[i];
		if (!L->weight.n)
			continue;
		struct prune_groups pg;
		CU_ASSERT_EQUAL_FATAL(eap_layer_groups(L->wl, g, o.fc_block, o.simd_width, &pg, &err), 0);
		for (uint64_t row = 0; row < pg.rows; row++)
			for (uint64_t c0 = 0; c0 < pg.row_len; c0 += pg.width)
				for (uint64_t c = c0; c < c0 + pg.width && c < pg.row_len; c++) {
					uint64_t k = row * pg.row_len + c;
					CU_ASSERT_EQUAL(L->weight.mask[k], L->weight.mask[row * pg.row_len + c0]);
					if (!L->weight.mask[k])
						CU_ASSERT_EQUAL(L->weight.value[k], 0.0f);
				}
		total += L->weight.n;
	}
	*masks_out = malloc(total);
	size_t off = 0;
	for (int i = 0; i < m->n_layers; i++)
		if (m->layers[i].weight.n) {
			memcpy(*masks_out + off, m->layers[i].weight.mask, m->layers[i].weight.n);
			off += m->layers[i].weight.n;
		}
	fixture_deinit(&f);
}

static void test_energy_aware_reproducible(void)
{
	uint8_t *a, *b;
	run(EAP_ENERGY_AWARE, WL_GRAN_0D, &a);
	run(EAP_ENERGY_AWARE, WL_GRAN_0D, &b);
	/* 6*9 + 24*54 + 4*24 weights */
	CU_ASSERT_EQUAL(memcmp(a, b, 6 * 9 + 24 * 54 + 4 * 24), 0);
	free(a);
	free(b);
}

static void test_magnitude_coarse(void)
{
	uint8_t *a;
	run(EAP_MAGNITUDE, WL_GRAN_2D, &a);
	free(a);
	run(EAP_ENERGY_AWARE, WL_GRAN_3D, &a);
	free(a);
}

/* Density mode: every layer ends at the target density (to a group), with no search. */
static void test_fixed_density(void)
{
	struct fixture f;
	fixture_init(&f);
	struct nn_model *m = &f.m;
	struct eap_opts o;
	eap_opts_default(&o);
	o.method = EAP_ENERGY_AWARE;
	o.fixed_density = 0.3;
	o.sample_images = 200;
	o.energy = fake_energy;
	struct eap_result res;
	struct sim_err err;
	CU_ASSERT_EQUAL_FATAL(eap_prune(m, &f.train, &f.val, NULL, &o, &res, &err), 0);
	CU_ASSERT_EQUAL(res.rounds_done, 1);
	for (int i = 0; i < m->n_layers; i++) {
		struct nn_layer *L = &m->layers[i];
		if (!L->weight.n)
			continue;
		double d = (double)prune_mask_kept(L->weight.mask, L->weight.n) / (double)L->weight.n;
		CU_ASSERT_DOUBLE_EQUAL(d, 0.3, 0.02);
	}
	fixture_deinit(&f);
}

/* Squared output error of weights w0 restricted to mask (and bias b0), from
 * the statistics: the independent measure the greedy choice must agree with. */
static double masked_error(const struct eap_stats *st, const float *w0, const float *b0,
			   const uint8_t *mask, size_t n)
{
	float *w = malloc(n * sizeof *w);
	for (size_t k = 0; k < n; k++)
		w[k] = mask[k] ? w0[k] : 0.0f;
	double e;
	struct sim_err err;
	CU_ASSERT_EQUAL(eap_output_sq_error(st, w, b0, &e, &err), 0);
	free(w);
	return e;
}

/* Every step of the greedy restoration adds back the removed group whose
 * return lowers the output error most, as measured by brute force over all
 * candidates, for single weights and for groups of three. */
static void test_restore_greedy(void)
{
	enum { N_IN = 12, N_OUT = 3, ROWS = 300 };
	gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
	gsl_rng_set(r, 4);
	float x[ROWS * N_IN], y[ROWS * N_OUT], w0[N_OUT * N_IN], b0[N_OUT];
	for (int k = 0; k < N_OUT * N_IN; k++)
		w0[k] = (float)gsl_ran_gaussian(r, 1.0);
	for (int o = 0; o < N_OUT; o++)
		b0[o] = (float)gsl_ran_gaussian(r, 0.3);
	for (int i = 0; i < ROWS; i++) {
		/* correlated inputs, so interactions between groups matter */
		double common = gsl_ran_gaussian(r, 1.0);
		for (int k = 0; k < N_IN; k++)
			x[i * N_IN + k] = (float)(gsl_ran_gaussian(r, 1.0) + 0.7 * common);
		for (int o = 0; o < N_OUT; o++) {
			double v = b0[o] + gsl_ran_gaussian(r, 0.5);
			for (int k = 0; k < N_IN; k++)
				v += x[i * N_IN + k] * w0[o * N_IN + k];
			y[i * N_OUT + o] = (float)v;
		}
	}
	struct eap_layer_data d = {x, y, ROWS, N_IN, N_OUT};
	struct eap_stats st;
	struct sim_err err;
	CU_ASSERT_EQUAL_FATAL(eap_stats_init(&st, &d, &err), 0);
	const uint64_t widths[] = {1, 3};
	for (int wi = 0; wi < 2; wi++) {
		struct prune_groups pg = {N_OUT, N_IN, widths[wi]};
		struct eap_restore_prep prep = {0};
		CU_ASSERT_EQUAL_FATAL(eap_restore_prepare(&prep, &st, 1, w0, b0, &pg, &err), 0);
		uint8_t mask0[N_OUT * N_IN], mask[N_OUT * N_IN];
		memset(mask0, 1, sizeof mask0);
		CU_ASSERT_EQUAL_FATAL(prune_mask_density(w0, &pg, PRUNE_L2, 0.25, mask, &err), 0);
		int steps = 0;
		for (;;) {
			uint64_t kept = prune_mask_kept(mask, N_OUT * N_IN);
			if (kept + pg.width > N_OUT * N_IN)
				break;
			/* Brute force: the error after adding back each removed group. */
			double best = INFINITY;
			int best_k = -1;
			for (uint64_t k = 0; k < N_OUT * N_IN; k += pg.width) {
				if (mask[k])
					continue;
				uint8_t trial[N_OUT * N_IN];
				memcpy(trial, mask, sizeof trial);
				for (uint64_t c = k; c < k + pg.width; c++)
					trial[c] = 1;
				double e = masked_error(&st, w0, b0, trial, N_OUT * N_IN);
				if (e < best) {
					best = e;
					best_k = (int)k;
				}
			}
			uint64_t restored;
			CU_ASSERT_EQUAL_FATAL(eap_restore_greedy(&st, 1, &prep, w0, mask0, mask, &pg,
								 kept + pg.width, &restored, &err),
					      0);
			CU_ASSERT_EQUAL(restored, 1);
			CU_ASSERT_EQUAL(mask[best_k], 1);
			CU_ASSERT_DOUBLE_EQUAL(masked_error(&st, w0, b0, mask, N_OUT * N_IN), best,
					       1e-9 * best);
			steps++;
		}
		CU_ASSERT(steps >= 6);
		eap_restore_prep_deinit(&prep);
	}
	eap_stats_deinit(&st);
	gsl_rng_free(r);
}

/* Scalpel's structures: node layers leave their dead nodes silent (zero
 * bias) through restoration, refit and fine-tuning, so the smaller dense
 * network classifies every validation image as the masked one does; SIMD
 * groups are whole; a node output layer stays dense. */
static void test_node_and_simd(void)
{
	const enum eap_method methods[2] = {EAP_ENERGY_AWARE, EAP_MAGNITUDE};
	for (int t = 0; t < 2; t++) {
		struct fixture f;
		fixture_init(&f);
		struct nn_model *m = &f.m;
		enum wl_granularity gran[6] = {WL_GRAN_NODE, WL_GRAN_0D, WL_GRAN_0D,
					       WL_GRAN_NODE, WL_GRAN_0D, WL_GRAN_SIMD};
		if (t == 1)
			gran[5] = WL_GRAN_NODE; /* the output layer: left dense */
		struct eap_opts o;
		eap_opts_default(&o);
		o.method = methods[t];
		o.layer_granularity = gran;
		o.simd_width = 4;
		o.accuracy_bound = 3.0;
		o.rounds = 2;
		o.sample_images = 200;
		o.energy = fake_energy;
		struct eap_result res;
		struct sim_err err;
		int rc = eap_prune(m, &f.train, &f.val, NULL, &o, &res, &err);
		if (rc)
			sim_err_print(&err, stderr);
		CU_ASSERT_EQUAL_FATAL(rc, 0);
		uint64_t dead = 0;
		for (int i = 0; i < m->n_layers; i++) {
			struct nn_layer *L = &m->layers[i];
			if (!L->weight.n || gran[i] != WL_GRAN_NODE)
				continue;
			uint64_t len = L->weight.n / L->bias.n;
			for (uint64_t r = 0; r < L->bias.n; r++)
				if (prune_mask_kept(L->weight.mask + r * len, len) == 0) {
					dead++;
					CU_ASSERT_EQUAL(L->bias.value[r], 0.0f);
				}
		}
		CU_ASSERT(dead > 0);
		struct nn_layer *out = &m->layers[5];
		if (t == 1) {
			CU_ASSERT_EQUAL(prune_mask_kept(out->weight.mask, out->weight.n), out->weight.n);
		} else {
			for (uint64_t k = 0; k < out->weight.n; k += 4)
				for (uint64_t j = 1; j < 4; j++)
					CU_ASSERT_EQUAL(out->weight.mask[k + j], out->weight.mask[k]);
		}
		struct nn_model s;
		uint64_t removed = 0;
		CU_ASSERT_EQUAL_FATAL(cmp_node_shrink(m, NULL, 64, 1, &s, &removed, &err), 0);
		CU_ASSERT_EQUAL(removed, dead);
		struct nn_eval a, b;
		CU_ASSERT_EQUAL_FATAL(nn_evaluate(m, &f.val, &a, &err), 0);
		CU_ASSERT_EQUAL_FATAL(nn_evaluate(&s, &f.val, &b, &err), 0);
		CU_ASSERT_EQUAL(a.accuracy, b.accuracy);
		CU_ASSERT_DOUBLE_EQUAL(a.loss, b.loss, 1e-12);
		CU_ASSERT(nn_model_weights(&s) < nn_model_weights(m));
		nn_model_deinit(&s);
		fixture_deinit(&f);
	}
}

/* Low-rank factorisation: every decision keeps the floor and the factored
 * network has one more layer per chosen rank; with a weight target, each
 * layer's rank is floor(t M K / (M + K)) worked out by hand. */
static void test_lowrank(void)
{
	struct fixture f;
	fixture_init(&f);
	struct eap_lowrank_opts o;
	eap_lowrank_opts_default(&o);
	o.accuracy_bound = 2.0;
	struct decisions dec = {0};
	o.progress = on_layer;
	o.progress_ctx = &dec;
	struct sim_err err;
	struct nn_eval ev;
	CU_ASSERT_EQUAL_FATAL(nn_evaluate(&f.m, &f.val, &ev, &err), 0);
	dec.floor_acc = 100.0 * ev.accuracy - o.accuracy_bound;
	struct nn_model out;
	uint32_t rank[6];
	int rc = eap_lowrank(&f.m, &f.train, &f.val, &o, &out, rank, &err);
	if (rc)
		sim_err_print(&err, stderr);
	CU_ASSERT_EQUAL_FATAL(rc, 0);
	CU_ASSERT_EQUAL(dec.calls, 3);
	CU_ASSERT_EQUAL(dec.below_floor, 0);
	int factored = 0;
	for (int i = 0; i < 6; i++) {
		factored += rank[i] > 0;
		if (rank[i])
			CU_ASSERT(rank[i] <= cmp_lowrank_max_rank(&f.net.layers[i]));
	}
	CU_ASSERT(factored >= 1);
	CU_ASSERT_EQUAL(out.n_layers, 6 + factored);
	CU_ASSERT(nn_model_weights(&out) < nn_model_weights(&f.m));
	nn_model_deinit(&out);
	fixture_deinit(&f);

	fixture_init(&f);
	o.target_weights = 0.5;
	o.finetune.epochs = 0;
	CU_ASSERT_EQUAL_FATAL(eap_lowrank(&f.m, &f.train, &f.val, &o, &out, rank, &err), 0);
	/* conv1 6 x 9: 27/15 -> 1; fc1 24 x 54: 648/78 -> 8; fc2 4 x 24: 48/28 -> 1 */
	CU_ASSERT(rank[0] == 1 && rank[3] == 8 && rank[5] == 1);
	CU_ASSERT_EQUAL(nn_model_weights(&out), 1u * (6 + 9) + 8u * (24 + 54) + 1u * (4 + 24));
	nn_model_deinit(&out);
	fixture_deinit(&f);
}

static const struct test_case cases[] = {
	{"greedy restoration picks the best group at every step", test_restore_greedy},
	{"energy-aware pruning keeps the floor and is reproducible", test_energy_aware_reproducible},
	{"node and SIMD structures: silent dead nodes, exact shrink, whole groups",
	 test_node_and_simd},
	{"low-rank factorisation keeps the floor; weight targets give the hand ranks",
	 test_lowrank},
	{"magnitude 2-D and energy-aware 3-D prune whole groups", test_magnitude_coarse},
	{"density mode prunes every layer to the target", test_fixed_density},
};
TEST_SUITE(eap_prune, cases);
