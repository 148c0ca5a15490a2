/* Sweep execution (see run.h).
 *
 * Accuracy sweeps (a dataset is given): the training set loses val_images
 * images (a seeded split) that decide the pruning; the test set is only used
 * to report accuracy. The baseline is trained once with the base point's
 * training fields and kept as <results_dir>/baseline.ckpt; a later run reuses
 * it when its network hash and training metadata match. Points that differ
 * only in wbits/abits form one group: the group prunes once (pruning sees the
 * hardware at its native word width), then each point quantises the pruned
 * weights linearly to its wbits, quantises the CONV/FC inputs to its abits at
 * inference (nn_model_set_act_quant), measures test accuracy and
 * input-activation densities, and is simulated at its bitwidths (0 bits:
 * float in the trainer, the architecture's word in the simulator).
 *
 * Energy-only sweeps (no dataset): each point simulates the network with the
 * point's sparsity profile (dense when none) at its bitwidths.
 *
 * Storage bits: per layer the smaller of the dense codes (weights x wbits)
 * and the Deep Compression sparse form (kept groups' relative indices of 8
 * bits for CONV and 5 for FC layers, fillers included, plus wbits per stored
 * weight and a 32-bit scale). */
#include "sweep/run.h"

#include <errno.h>
#include <gsl/gsl_rng.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cfg/cfg.h"
#include "compress/prune.h"
#include "compress/quant.h"
#include "compress/storage.h"
#include "core/mem.h"
#include "eap/eap.h"
#include "nn/checkpoint.h"
#include "nn/dataset.h"
#include "nn/model.h"
#include "nn/train.h"
#include "report/plot.h"
#include "sweep/experiment.h"
#include "sweep/pareto.h"
#include "sweep/results.h"
#include "sweep/simulate.h"

/* Metric columns after the axes; the plots and the README rely on the names. */
static const char *const metric_cols[] = {
	"accuracy", "accuracy_floor", "energy_total", "energy_dram", "energy_glb",
	"energy_array", "energy_rf", "energy_mac", "energy_ifmap", "energy_weight",
	"energy_psum", "macs_effective", "weights_nonzero", "density", "storage_bits",
	"cycles", "energy_unit", "layers", "pareto",
};
enum { N_METRICS = sizeof metric_cols / sizeof metric_cols[0] };

#define ACTIVATION_SAMPLES 256

struct run {
	const struct sweep_experiment *e;
	const struct sweep_run_opts *o;
	struct sweep_results res;
	pthread_mutex_t lock;
	bool accuracy_sweep;
	/* data and baseline (accuracy sweeps) */
	struct nn_dataset train, val, test;
	char ckpt[600];
	double baseline_test_acc; /* % */
	double data_mean, data_std;
	/* groups of point indices that share a pruning run */
	size_t n_groups;
	size_t *group_of;     /* point -> group */
	size_t next_group;
	/* progress and the first error */
	size_t total, done;
	double t0;
	int rc;
	struct sim_err err;
};

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void fmt_duration(char *buf, size_t size, double s)
{
	if (s < 60)
		snprintf(buf, size, "%.0fs", s);
	else if (s < 3600)
		snprintf(buf, size, "%dm%02ds", (int)s / 60, (int)s % 60);
	else
		snprintf(buf, size, "%dh%02dm", (int)s / 3600, ((int)s % 3600) / 60);
}

/* Status after a point finished; caller holds the lock. */
static void progress_point(struct run *r, const char *id, double acc, double energy)
{
	r->done++;
	if (r->o->quiet)
		return;
	double el = now_s() - r->t0;
	char eta[32], elapsed[32];
	fmt_duration(elapsed, sizeof elapsed, el);
	fmt_duration(eta, sizeof eta, r->done ? el / (double)r->done * (double)(r->total - r->done) : 0);
	if (r->o->progress_tty)
		fprintf(stderr, "\r\033[K[%s] %zu/%zu points, %s elapsed, ETA %s", r->e->name, r->done,
			r->total, elapsed, eta);
	else
		fprintf(stderr, "%s: point %zu/%zu %s accuracy %.2f energy %.4g (%s elapsed, ETA %s)\n",
			r->e->name, r->done, r->total, id, acc, energy, elapsed, eta);
	if (r->o->progress_tty && r->done == r->total)
		fputc('\n', stderr);
}

static void progress_line(struct run *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void progress_line(struct run *r, const char *fmt, ...)
{
	if (r->o->quiet)
		return;
	va_list ap;
	va_start(ap, fmt);
	if (r->o->progress_tty)
		fputs("\r\033[K", stderr);
	fprintf(stderr, "[%s] ", r->e->name);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

/* ---- rows ---------------------------------------------------------------- */

struct row_metrics {
	double accuracy, accuracy_floor;
	double weights_nonzero, weights, storage_bits;
	const struct net_result *en;
	const struct sweep_hw *hw;
};

/* Appends a row (point id, axis values, metrics) under the lock. */
static int append_row(struct run *r, const char *id, size_t point, const struct row_metrics *m,
		      struct sim_err *err)
{
	size_t n_axes = r->e->n_axes, n = 1 + n_axes + N_METRICS;
	char num[N_METRICS][48];
	char *layers = sim_malloc(16384, err);
	const char **cells = sim_calloc(n, sizeof *cells, err);
	if (!layers || !cells) {
		free(layers);
		free(cells);
		return SIM_ERR_NOMEM;
	}
	const struct net_result *en = m->en;
	double v[N_METRICS] = {
		m->accuracy, m->accuracy_floor, en->energy_total, en->energy_level[EN_DRAM],
		en->energy_level[EN_GLB], en->energy_level[EN_ARRAY], en->energy_level[EN_RF],
		en->energy_mac, en->energy_type[TY_IFMAP], en->energy_type[TY_WEIGHT],
		en->energy_type[TY_PSUM], en->macs_effective, m->weights_nonzero,
		m->weights > 0 ? m->weights_nonzero / m->weights : NAN, m->storage_bits, en->cycles,
	};
	cells[0] = id;
	for (size_t a = 0; a < n_axes; a++)
		cells[1 + a] = point == (size_t)-1 ? "-" : sweep_experiment_value(r->e, point, a);
	/* A network with a layer no mapping fits has no energy: NaN keeps it off the front. */
	for (size_t k = 2; !en->ok && k <= 11; k++)
		v[k] = NAN;
	if (!en->ok)
		v[15] = NAN;
	for (size_t k = 0; k < N_METRICS; k++) {
		snprintf(num[k], sizeof num[k], "%.8g", v[k]);
		cells[1 + n_axes + k] = num[k];
	}
	cells[1 + n_axes + 16] = m->hw->table.unit;
	sweep_pack_layers(m->hw, en, layers, 16384);
	cells[1 + n_axes + 17] = layers;
	cells[1 + n_axes + 18] = "0"; /* Pareto marks are settled at the end */
	pthread_mutex_lock(&r->lock);
	int rc = sweep_results_append(&r->res, cells, err);
	if (rc == 0 && point != (size_t)-1)
		progress_point(r, id, m->accuracy, en->energy_total);
	pthread_mutex_unlock(&r->lock);
	free(layers);
	free(cells);
	return rc;
}

/* ---- storage ------------------------------------------------------------- */

static unsigned index_bits(const struct wl_layer *l)
{
	return l->type == WL_CONV ? 8 : 5;
}

/* Bits to store one layer: dense codes or the relative-index form. */
static int layer_storage_bits(const struct wl_layer *l, const uint8_t *mask, uint64_t n,
			      enum wl_granularity g, unsigned wbits, double *bits,
			      struct sim_err *err)
{
	double dense = (double)n * wbits;
	uint64_t kept = prune_mask_kept(mask, n);
	if (kept == n) {
		*bits = dense;
		return 0;
	}
	struct prune_groups pg;
	struct storage_layer sl;
	if (eap_layer_groups(l, g, 4, &pg, err) ||
	    storage_layer_from_mask(l, &pg, mask, wbits, index_bits(l), &sl, err))
		return SIM_ERR_INTERNAL;
	double sparse = (double)sl.weight_entries * wbits + (double)sl.index_entries * sl.ibits + 32;
	*bits = sparse < dense ? sparse : dense;
	return 0;
}

/* ---- accuracy sweeps ----------------------------------------------------- */

static uint32_t word_or(uint32_t bits, const struct sweep_hw *hw)
{
	return bits ? bits : hw->arch.word_bits;
}

/* Per-layer densities of a model (weights from masks, inputs measured). */
static int model_sparsity(struct nn_model *m, const struct nn_dataset *train,
			  enum wl_granularity g, struct wl_sparsity *sp, struct sim_err *err)
{
	if (wl_sparsity_dense(sp, &m->net, err))
		return SIM_ERR_NOMEM;
	double *dens = sim_calloc((size_t)m->n_layers, sizeof *dens, err);
	if (!dens)
		return SIM_ERR_NOMEM;
	uint64_t n = train->n < ACTIVATION_SAMPLES ? train->n : ACTIVATION_SAMPLES;
	int rc = eap_ifmap_density(m, train->images, n, dens, err);
	for (int i = 0; rc == 0 && i < m->n_layers; i++) {
		sp->layers[i].ifmap_density = dens[i] > 0 ? dens[i] : 1e-6;
		sp->layers[i].granularity = g;
		if (m->layers[i].weight.n) {
			double kept = (double)prune_mask_kept(m->layers[i].weight.mask, m->layers[i].weight.n);
			sp->layers[i].weight_density = kept > 0 ? kept / (double)m->layers[i].weight.n : 1e-6;
		}
	}
	free(dens);
	return rc;
}

struct energy_ctx {
	const struct sweep_hw *hw;
	enum wl_granularity g;
};

/* eap's energy callback: the simulator on the model's current densities. */
static int layer_energy_cb(void *ctx, const struct nn_model *m, const double *ifmap_density,
			   double *layer_energy, struct sim_err *err)
{
	const struct energy_ctx *c = ctx;
	struct wl_sparsity sp;
	if (wl_sparsity_dense(&sp, &m->net, err))
		return SIM_ERR_NOMEM;
	for (int i = 0; i < m->n_layers; i++) {
		sp.layers[i].ifmap_density = ifmap_density[i] > 0 ? ifmap_density[i] : 1e-6;
		if (m->layers[i].weight.n) {
			double kept = (double)prune_mask_kept(m->layers[i].weight.mask, m->layers[i].weight.n);
			sp.layers[i].weight_density = kept > 0 ? kept / (double)m->layers[i].weight.n : 1e-6;
			sp.layers[i].granularity = c->g;
		}
	}
	struct net_result en;
	int rc = sweep_simulate(c->hw, &sp, 0, 0, &en, err);
	for (int i = 0; rc == 0 && i < m->n_layers; i++)
		layer_energy[i] = 0;
	for (int k = 0; rc == 0 && k < en.n; k++)
		layer_energy[en.layers[k].layer] = en.layers[k].r.ok ? en.layers[k].r.energy_total : 0;
	if (rc == 0)
		net_result_deinit(&en);
	wl_sparsity_deinit(&sp);
	return rc;
}

/* Test accuracy, simulation and storage of the model as it is; appends the row. */
static int finish_point(struct run *r, struct nn_model *m, const struct sweep_hw *hw,
			const struct sweep_point *p, size_t point, const char *id,
			struct sim_err *err)
{
	struct nn_eval ev;
	struct wl_sparsity sp;
	memset(&sp, 0, sizeof sp);
	struct net_result en;
	memset(&en, 0, sizeof en);
	/* Activation bits: inference on the quantised grid (0 = float). */
	uint64_t calib = r->train.n < ACTIVATION_SAMPLES ? r->train.n : ACTIVATION_SAMPLES;
	int rc = nn_model_set_act_quant(m, p->abits, r->train.images, calib, err);
	if (!rc)
		rc = nn_evaluate(m, &r->test, &ev, err);
	if (!rc)
		rc = model_sparsity(m, &r->train, (enum wl_granularity)p->granularity, &sp, err);
	if (!rc)
		rc = sweep_simulate(hw, &sp, p->wbits, p->abits, &en, err);
	double storage = 0, nonzero = 0, weights = 0;
	for (int i = 0; !rc && i < m->n_layers; i++) {
		const struct nn_layer *L = &m->layers[i];
		if (!L->weight.n)
			continue;
		double bits;
		rc = layer_storage_bits(&m->net.layers[i], L->weight.mask, L->weight.n,
					(enum wl_granularity)p->granularity, word_or(p->wbits, hw), &bits,
					err);
		storage += bits;
		nonzero += (double)prune_mask_kept(L->weight.mask, L->weight.n);
		weights += (double)L->weight.n;
	}
	if (!rc) {
		struct row_metrics rm = {
			.accuracy = 100.0 * ev.accuracy,
			.accuracy_floor = r->baseline_test_acc - p->accuracy_bound,
			.weights_nonzero = nonzero, .weights = weights, .storage_bits = storage,
			.en = &en, .hw = hw,
		};
		rc = append_row(r, id, point, &rm, err);
	}
	net_result_deinit(&en);
	wl_sparsity_deinit(&sp);
	return rc;
}

static void quantise_weights(struct nn_model *m, uint32_t wbits)
{
	if (wbits == 0 || wbits >= 32)
		return;
	for (int i = 0; i < m->n_layers; i++) {
		struct nn_param *w = &m->layers[i].weight;
		if (!w->n)
			continue;
		double scale = quant_scale(w->value, w->n, wbits);
		quant_linear(w->value, w->n, wbits, scale, NULL, w->value);
	}
	nn_model_apply_masks(m);
}

struct eap_status {
	struct run *r;
	const char *group;
};

static void on_layer(void *ctx, uint32_t round, const char *layer, double density, double acc)
{
	struct eap_status *s = ctx;
	if (s->r->o->progress_tty || s->r->o->quiet)
		return;
	pthread_mutex_lock(&s->r->lock);
	if (isnan(acc))
		fprintf(stderr, "%s: %s round %u %s stays at density %.4f (no lower density keeps "
				"the floor)\n", s->r->e->name, s->group, round + 1, layer, density);
	else
		fprintf(stderr, "%s: %s round %u %s density %.4f validation accuracy %.2f\n",
			s->r->e->name, s->group, round + 1, layer, density, acc);
	pthread_mutex_unlock(&s->r->lock);
}

/* Copies of every weight tensor, to reset the model between the points of a group. */
static float **save_weights(const struct nn_model *m, struct sim_err *err)
{
	float **w = sim_calloc((size_t)m->n_layers, sizeof *w, err);
	for (int i = 0; w && i < m->n_layers; i++) {
		if (!m->layers[i].weight.n)
			continue;
		w[i] = sim_malloc(m->layers[i].weight.n * sizeof(float), err);
		if (!w[i]) {
			for (int j = 0; j < i; j++)
				free(w[j]);
			free(w);
			return NULL;
		}
		memcpy(w[i], m->layers[i].weight.value, m->layers[i].weight.n * sizeof(float));
	}
	return w;
}

static void free_weights(float **w, int n)
{
	for (int i = 0; w && i < n; i++)
		free(w[i]);
	free(w);
}

static int run_accuracy_group(struct run *r, size_t g, struct sim_err *err)
{
	const struct sweep_experiment *e = r->e;
	size_t first = (size_t)-1;
	for (size_t p = 0; p < e->n_points && first == (size_t)-1; p++)
		if (r->group_of[p] == g)
			first = p;
	const struct sweep_point *p0 = &e->points[first];
	struct sweep_hw hw;
	struct nn_model m;
	memset(&m, 0, sizeof m);
	float **saved = NULL;
	int rc = sweep_hw_load(&hw, p0, e->path, e->ids[first], err);
	if (rc)
		return rc;
	uint32_t max_batch = p0->train_batch > 256 ? p0->train_batch : 256;
	if ((rc = nn_checkpoint_load(&m, NULL, r->ckpt, max_batch, 1, err)))
		goto done;
	if (p0->method != SWEEP_NONE) {
		struct eap_opts o;
		eap_opts_default(&o);
		o.method = p0->method == SWEEP_ENERGY_AWARE ? EAP_ENERGY_AWARE : EAP_MAGNITUDE;
		o.granularity = (enum wl_granularity)p0->granularity;
		o.accuracy_bound = p0->accuracy_bound;
		o.fixed_density = p0->target_density < 1 ? p0->target_density : 0;
		o.rounds = p0->rounds;
		o.seed = p0->seed;
		o.finetune.epochs = p0->finetune_epochs;
		o.finetune.batch = p0->train_batch;
		o.finetune.lr = p0->train_lr * 0.1;
		o.finetune.seed = p0->seed;
		struct energy_ctx ec = {&hw, o.granularity};
		o.energy = layer_energy_cb;
		o.energy_ctx = &ec;
		char label[128];
		snprintf(label, sizeof label, "%s/%s", sweep_method_names[p0->method],
			 wl_granularity_names[p0->granularity]);
		struct eap_status st = {r, label};
		o.progress = on_layer;
		o.progress_ctx = &st;
		struct nn_dataset ft = r->train;
		if (ft.n > p0->finetune_images)
			ft.n = p0->finetune_images;
		struct eap_result res;
		if ((rc = eap_prune(&m, &ft, &r->val, &o, &res, err)))
			goto done;
	}
	if (!(saved = save_weights(&m, err))) {
		rc = SIM_ERR_NOMEM;
		goto done;
	}
	for (size_t p = first; p < e->n_points && rc == 0; p++) {
		if (r->group_of[p] != g)
			continue;
		for (int i = 0; i < m.n_layers; i++)
			if (saved[i])
				memcpy(m.layers[i].weight.value, saved[i], m.layers[i].weight.n * sizeof(float));
		quantise_weights(&m, e->points[p].wbits);
		rc = finish_point(r, &m, &hw, &e->points[p], p, e->ids[p], err);
	}
done:
	free_weights(saved, m.n_layers);
	nn_model_deinit(&m);
	sweep_hw_deinit(&hw);
	return rc;
}

/* ---- energy-only sweeps -------------------------------------------------- */

static int run_energy_point(struct run *r, size_t p, struct sim_err *err)
{
	const struct sweep_point *pt = &r->e->points[p];
	struct sweep_hw hw;
	int rc = sweep_hw_load(&hw, pt, r->e->path, r->e->ids[p], err);
	if (rc)
		return rc;
	struct wl_sparsity sp;
	memset(&sp, 0, sizeof sp);
	struct net_result en;
	memset(&en, 0, sizeof en);
	rc = pt->sparsity[0] ? wl_sparsity_load(&sp, &hw.net, pt->sparsity, err)
			     : wl_sparsity_dense(&sp, &hw.net, err);
	if (!rc)
		rc = sweep_simulate(&hw, &sp, pt->wbits, pt->abits, &en, err);
	double nonzero = 0, weights = 0, storage = 0;
	gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
	gsl_rng_set(rng, pt->seed);
	for (int i = 0; !rc && i < hw.net.n_layers; i++) {
		const struct wl_layer *l = &hw.net.layers[i];
		uint64_t n = wl_layer_weights(l);
		if (!n)
			continue;
		/* Storage of a random mask at the profile's density and granularity. */
		struct prune_groups pg;
		uint8_t *mask = sim_malloc(n, err);
		if (!mask) {
			rc = SIM_ERR_NOMEM;
			break;
		}
		double bits = 0;
		rc = eap_layer_groups(l, sp.layers[i].granularity, 4, &pg, err);
		if (!rc)
			rc = storage_mask_random(&pg, sp.layers[i].weight_density, rng, mask, err);
		if (!rc)
			rc = layer_storage_bits(l, mask, n, sp.layers[i].granularity,
						word_or(pt->wbits, &hw), &bits, err);
		nonzero += (double)prune_mask_kept(mask, n);
		weights += (double)n;
		storage += bits;
		free(mask);
	}
	gsl_rng_free(rng);
	if (!rc) {
		struct row_metrics rm = {NAN, NAN, nonzero, weights, storage, &en, &hw};
		rc = append_row(r, r->e->ids[p], p, &rm, err);
	}
	net_result_deinit(&en);
	wl_sparsity_deinit(&sp);
	sweep_hw_deinit(&hw);
	return rc;
}

/* ---- workers ------------------------------------------------------------- */

static bool point_done(struct run *r, size_t p)
{
	return sweep_results_find(&r->res, r->e->ids[p]) >= 0;
}

static void *worker(void *arg)
{
	struct run *r = arg;
	for (;;) {
		pthread_mutex_lock(&r->lock);
		size_t g = r->next_group++;
		int stop = r->rc != 0 || g >= r->n_groups;
		pthread_mutex_unlock(&r->lock);
		if (stop)
			break;
		struct sim_err err;
		sim_err_clear(&err);
		int rc;
		if (r->accuracy_sweep) {
			rc = run_accuracy_group(r, g, &err);
		} else {
			rc = 0;
			for (size_t p = 0; p < r->e->n_points && rc == 0; p++)
				if (r->group_of[p] == g)
					rc = run_energy_point(r, p, &err);
		}
		if (rc) {
			pthread_mutex_lock(&r->lock);
			if (r->rc == 0) {
				r->rc = rc;
				r->err = err;
			}
			pthread_mutex_unlock(&r->lock);
		}
	}
	return NULL;
}

/* Groups the points still to run: accuracy points by everything but their
 * bitwidths, energy-only points one per group. */
static int make_groups(struct run *r, struct sim_err *err)
{
	const struct sweep_experiment *e = r->e;
	r->group_of = sim_malloc(e->n_points * sizeof *r->group_of, err);
	size_t *rep = sim_malloc(e->n_points * sizeof *rep, err);
	if (!r->group_of || !rep) {
		free(rep);
		return SIM_ERR_NOMEM;
	}
	r->n_groups = 0;
	for (size_t p = 0; p < e->n_points; p++) {
		r->group_of[p] = (size_t)-1;
		if (point_done(r, p))
			continue;
		r->total++;
		size_t g = r->n_groups;
		if (r->accuracy_sweep) {
			struct sweep_point a = e->points[p];
			a.wbits = a.abits = 0;
			for (size_t k = 0; k < r->n_groups; k++) {
				struct sweep_point b = e->points[rep[k]];
				b.wbits = b.abits = 0;
				if (memcmp(&a, &b, sizeof a) == 0) {
					g = k;
					break;
				}
			}
		}
		if (g == r->n_groups)
			rep[r->n_groups++] = p;
		r->group_of[p] = g;
	}
	free(rep);
	return 0;
}

/* ---- baseline ------------------------------------------------------------ */

struct train_status {
	struct run *r;
};

static int on_epoch(struct nn_model *m, const struct nn_progress *p, void *ctx,
		    struct sim_err *err)
{
	(void)m;
	(void)err;
	struct train_status *s = ctx;
	if (s->r->o->quiet)
		return 0;
	if (s->r->o->progress_tty && !p->epoch_done) {
		fprintf(stderr, "\r\033[K[%s] baseline epoch %u/%u batch %llu/%llu loss %.4f acc %.2f%%",
			s->r->e->name, p->epoch + 1, p->epochs, (unsigned long long)p->batch,
			(unsigned long long)p->batches, p->loss, 100.0 * p->accuracy);
		return 0;
	}
	if (p->epoch_done)
		progress_line(s->r, "baseline epoch %u/%u loss %.4f training accuracy %.2f%% (%.0f images/s)",
			      p->epoch + 1, p->epochs, p->loss, 100.0 * p->accuracy, p->images_per_s);
	return 0;
}

/* Does the checkpoint at path hold this baseline? */
static bool baseline_matches(const char *path, const struct sweep_point *p,
			     const struct wl_network *net)
{
	struct nn_model m;
	struct nn_ckpt_meta meta;
	struct sim_err err;
	if (access(path, R_OK) != 0)
		return false;
	int rc = nn_checkpoint_load(&m, &meta, path, 64, 1, &err);
	bool ok = rc == 0 && nn_network_hash(&m.net) == nn_network_hash(net) &&
		  meta.epochs == p->train_epochs && meta.batch == p->train_batch &&
		  meta.seed == p->seed && meta.lr == p->train_lr;
	nn_model_deinit(&m);
	return ok;
}

static int train_baseline(struct run *r, int jobs, struct sim_err *err)
{
	const struct sweep_point *p = &r->e->base;
	struct wl_network net;
	int rc = wl_network_load(&net, p->network, err);
	if (rc)
		return rc;
	if (baseline_matches(r->ckpt, p, &net)) {
		progress_line(r, "baseline: reusing %s", r->ckpt);
		wl_network_deinit(&net);
		return 0;
	}
	struct nn_model m;
	gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
	rc = nn_model_init(&m, &net, p->train_batch > 256 ? p->train_batch : 256, (uint32_t)jobs, err);
	if (!rc) {
		gsl_rng_set(rng, p->seed);
		nn_model_init_weights(&m, NN_INIT_HE, rng);
		struct nn_train_opts t;
		nn_train_opts_default(&t);
		t.epochs = p->train_epochs;
		t.batch = p->train_batch;
		t.lr = p->train_lr;
		t.seed = p->seed;
		struct train_status st = {r};
		t.progress = on_epoch;
		t.ctx = &st;
		t.progress_every = r->o->progress_tty ? 50 : 0;
		progress_line(r, "training the baseline %s (%u epochs)", net.name, t.epochs);
		rc = nn_train(&m, &r->train, &t, err);
	}
	struct nn_eval ev;
	if (!rc)
		rc = nn_evaluate(&m, &r->test, &ev, err);
	if (!rc) {
		struct nn_ckpt_meta meta = {
			.epochs = p->train_epochs, .batch = p->train_batch, .threads = (uint32_t)jobs,
			.seed = p->seed, .lr = p->train_lr, .test_accuracy = ev.accuracy,
			.test_loss = ev.loss, .data_mean = r->data_mean, .data_std = r->data_std,
		};
		rc = nn_checkpoint_save(&m, &meta, r->ckpt, err);
		progress_line(r, "baseline test accuracy %.2f%%, saved %s", 100.0 * ev.accuracy, r->ckpt);
	}
	nn_model_deinit(&m);
	gsl_rng_free(rng);
	wl_network_deinit(&net);
	return rc;
}

/* The unpruned baseline at the base point's hardware, as row "baseline". */
static int baseline_row(struct run *r, struct sim_err *err)
{
	if (sweep_results_find(&r->res, "baseline") >= 0)
		return 0;
	const struct sweep_point *p = &r->e->base;
	struct sweep_hw hw;
	struct nn_model m;
	memset(&m, 0, sizeof m);
	int rc = sweep_hw_load(&hw, p, r->e->path, "baseline", err);
	if (rc)
		return rc;
	if (!(rc = nn_checkpoint_load(&m, NULL, r->ckpt, 256, 1, err))) {
		struct sweep_point dense = *p;
		dense.wbits = dense.abits = 0;
		dense.method = SWEEP_NONE;
		dense.accuracy_bound = 0;
		rc = finish_point(r, &m, &hw, &dense, (size_t)-1, "baseline", err);
	}
	nn_model_deinit(&m);
	sweep_hw_deinit(&hw);
	return rc;
}

/* Fields that must be the same for every point of an accuracy sweep: they
 * define the one baseline. */
static int check_single_baseline(const struct sweep_experiment *e, struct sim_err *err)
{
	static const char *const fixed[] = {"network", "dataset", "train_epochs", "train_batch",
					    "train_lr", "seed", "val_images"};
	for (size_t a = 0; a < e->n_axes; a++)
		for (size_t k = 0; k < sizeof fixed / sizeof fixed[0]; k++)
			if (strcmp(sweep_experiment_axis_name(e, a), fixed[k]) == 0)
				return sim_err_set(err, SIM_ERR_CONFIG, e->path, 0, 0,
						   "'%s' cannot be an axis of an accuracy sweep: all "
						   "points share one trained baseline", fixed[k]);
	for (size_t p = 0; p < e->n_points; p++)
		if (strcmp(e->points[p].dataset, e->base.dataset) != 0)
			return sim_err_set(err, SIM_ERR_CONFIG, e->path, 0, 0,
					   "every point of an accuracy sweep needs the base's dataset");
	return 0;
}

static int load_data(struct run *r, struct sim_err *err)
{
	const struct sweep_point *p = &r->e->base;
	int rc = nn_dataset_load_dir(&r->train, p->dataset, "train", err);
	if (!rc)
		rc = nn_dataset_load_dir(&r->test, p->dataset, "t10k", err);
	if (rc)
		return rc;
	/* Normalised with the whole training set's statistics, as esim train does. */
	nn_dataset_stats(&r->train, &r->data_mean, &r->data_std);
	nn_dataset_normalize(&r->train, r->data_mean, r->data_std);
	nn_dataset_normalize(&r->test, r->data_mean, r->data_std);
	gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
	gsl_rng_set(rng, p->seed);
	rc = nn_dataset_split(&r->train, &r->val, p->val_images, rng, err);
	gsl_rng_free(rng);
	return rc;
}

/* ---- Pareto and the whole run ------------------------------------------- */

static int mark_pareto(struct run *r, struct sim_err *err)
{
	struct sweep_results *res = &r->res;
	size_t n = res->n_rows;
	long ce = sweep_results_col(res, "energy_total");
	long cy = sweep_results_col(res, r->accuracy_sweep ? "accuracy" : "cycles");
	long cp = sweep_results_col(res, "pareto");
	double *x = sim_calloc(n + 1, sizeof *x, err), *y = sim_calloc(n + 1, sizeof *y, err);
	bool *front = sim_calloc(n + 1, sizeof *front, err);
	int rc = (!x || !y || !front) ? SIM_ERR_NOMEM : 0;
	for (size_t i = 0; !rc && i < n; i++) {
		x[i] = strtod(res->rows[i].cells[ce], NULL);
		y[i] = strtod(res->rows[i].cells[cy], NULL);
	}
	if (!rc)
		rc = pareto_mark(x, PARETO_MIN, y, r->accuracy_sweep ? PARETO_MAX : PARETO_MIN, n,
				 front, err);
	for (size_t i = 0; !rc && i < n; i++) {
		char *mark = sim_strdup(front[i] ? "1" : "0", err);
		if (!mark) {
			rc = SIM_ERR_NOMEM;
			break;
		}
		free(res->rows[i].cells[cp]);
		res->rows[i].cells[cp] = mark;
	}
	if (!rc)
		rc = sweep_results_rewrite(res, err);
	free(x);
	free(y);
	free(front);
	return rc;
}

static int make_dirs(const char *path, struct sim_err *err)
{
	char buf[512];
	snprintf(buf, sizeof buf, "%s", path);
	for (char *p = buf + 1;; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		char c = *p;
		*p = '\0';
		if (mkdir(buf, 0755) != 0 && errno != EEXIST)
			return sim_err_set(err, SIM_ERR_IO, buf, 0, 0, "cannot create: %s", strerror(errno));
		*p = c;
		if (c == '\0')
			return 0;
	}
}

int sweep_run(const char *experiment_path, const struct sweep_run_opts *o,
	      struct sweep_summary *s, struct sim_err *err)
{
	memset(s, 0, sizeof *s);
	struct sweep_experiment e;
	int rc = sweep_experiment_load(&e, experiment_path, err);
	if (rc)
		return rc;
	struct run r;
	memset(&r, 0, sizeof r);
	r.e = &e;
	r.o = o;
	r.accuracy_sweep = e.base.dataset[0] != '\0';
	pthread_mutex_init(&r.lock, NULL);
	char dir[400];
	if (o->results_dir) {
		snprintf(dir, sizeof dir, "%s", o->results_dir);
	} else {
		const char *slash = strrchr(experiment_path, '/');
		int len = slash ? (int)(slash - experiment_path) : 1;
		snprintf(dir, sizeof dir, "%.*s/%s", len, slash ? experiment_path : ".", e.name);
	}
	snprintf(s->results_csv, sizeof s->results_csv, "%s/results.csv", dir);
	if (o->plots_dir)
		snprintf(s->plots_dir, sizeof s->plots_dir, "%s", o->plots_dir);
	else
		snprintf(s->plots_dir, sizeof s->plots_dir, "plots/%s", e.name);
	snprintf(r.ckpt, sizeof r.ckpt, "%s/baseline.ckpt", dir);

	size_t n_cols = 1 + e.n_axes + N_METRICS;
	const char **cols = sim_calloc(n_cols, sizeof *cols, err);
	int jobs = o->jobs > 0 ? o->jobs : (int)sysconf(_SC_NPROCESSORS_ONLN);
	if (jobs < 1)
		jobs = 1;
	pthread_t *threads = sim_calloc((size_t)jobs, sizeof *threads, err);
	if (!cols || !threads) {
		rc = SIM_ERR_NOMEM;
		goto out;
	}
	cols[0] = "point";
	for (size_t a = 0; a < e.n_axes; a++)
		cols[1 + a] = sweep_experiment_axis_name(&e, a);
	for (size_t k = 0; k < N_METRICS; k++)
		cols[1 + e.n_axes + k] = metric_cols[k];
	if (r.accuracy_sweep && (rc = check_single_baseline(&e, err)))
		goto out;
	if ((rc = make_dirs(dir, err)) ||
	    (rc = sweep_results_open(&r.res, s->results_csv, cols, n_cols, err)))
		goto out;
	if (r.res.dropped_partial)
		progress_line(&r, "dropped a half-written last row of %s; that point runs again",
			      s->results_csv);
	r.t0 = now_s();
	if ((rc = make_groups(&r, err)))
		goto out;
	s->points = e.n_points;
	s->skipped = e.n_points - r.total;
	if (s->skipped)
		progress_line(&r, "%zu of %zu points already in %s", s->skipped, e.n_points,
			      s->results_csv);
	if (r.accuracy_sweep && r.total + (sweep_results_find(&r.res, "baseline") < 0) > 0) {
		if ((rc = load_data(&r, err)) || (rc = train_baseline(&r, jobs, err)))
			goto out;
		struct nn_ckpt_meta meta;
		struct nn_model m;
		if ((rc = nn_checkpoint_load(&m, &meta, r.ckpt, 64, 1, err))) {
			nn_model_deinit(&m);
			goto out;
		}
		nn_model_deinit(&m);
		r.baseline_test_acc = 100.0 * meta.test_accuracy;
		r.t0 = now_s();
		if ((rc = baseline_row(&r, err)))
			goto out;
	}
	int n_workers = jobs < (int)r.n_groups ? jobs : (int)r.n_groups;
	int started = 0;
	for (; started < n_workers; started++)
		if (pthread_create(&threads[started], NULL, worker, &r) != 0)
			break;
	if (started == 0 && n_workers > 0)
		worker(&r);
	for (int t = 0; t < started; t++)
		pthread_join(threads[t], NULL);
	if (r.rc) {
		*err = r.err;
		rc = r.rc;
		goto out;
	}
	s->ran = r.done;
	if ((rc = mark_pareto(&r, err)))
		goto out;
	if (o->plots && (rc = report_plot_sweep(s->results_csv, s->plots_dir, s->plots_made,
						sizeof s->plots_made, err)))
		goto out;
out:
	sweep_results_deinit(&r.res);
	nn_dataset_deinit(&r.train);
	nn_dataset_deinit(&r.val);
	nn_dataset_deinit(&r.test);
	free(r.group_of);
	free(cols);
	free(threads);
	pthread_mutex_destroy(&r.lock);
	sweep_experiment_deinit(&e);
	return rc;
}
