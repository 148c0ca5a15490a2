/* The points of a sweep (see run.c): an accuracy group prunes once
 * (eap.h) or factorises once (eap/lowrank.h) and then quantises, tests,
 * simulates and accounts each of its points; an energy-only point simulates
 * a sparsity profile.
 *
 * Node pruning (Scalpel) and low-rank factorisation change the network: the
 * pruned model is rewritten as the smaller dense one (compress/node.h) or as
 * the factored one, which is what the points test and simulate, and what is
 * kept as <results dir>/models/<first point id>.ckpt.
 *
 * Storage bits: per layer the smaller of the dense codes (weights x wbits)
 * and the Deep Compression sparse form (kept groups' relative indices of 8
 * bits for CONV and 5 for FC layers, fillers included, plus wbits per stored
 * weight and a 32-bit scale). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "compress/node.h"
#include "compress/prune.h"
#include "compress/quant.h"
#include "compress/storage.h"
#include "core/mem.h"
#include "eap/eap.h"
#include "eap/lowrank.h"
#include "nn/checkpoint.h"
#include "sweep/mask_counts.h"
#include "sweep/run_points.h"
#include "sweep/scalpel.h"
#include "workload/network_edit.h"

/* ---- storage ------------------------------------------------------------- */

static unsigned index_bits(const struct wl_layer *l)
{
	return l->type == WL_CONV ? 8 : 5;
}

/* Bits to store one layer: dense codes or the relative-index form. */
static int storage_bits(const struct wl_layer *l, const uint8_t *mask, uint64_t n,
			enum wl_granularity g, uint32_t simd_width, unsigned wbits, double *bits,
			struct sim_err *err)
{
	struct mask_layer_counts c = {n, prune_mask_kept(mask, n), n, 0, index_bits(l)};
	if (c.kept < n) {
		struct prune_groups pg;
		struct storage_layer sl;
		if (eap_layer_groups(l, g, MASK_FC_BLOCK, simd_width, &pg, err) ||
		    storage_layer_from_mask(l, &pg, mask, wbits, c.index_bits, &sl, err))
			return SIM_ERR_INTERNAL;
		c.weight_entries = sl.weight_entries;
		c.index_entries = sl.index_entries;
	}
	*bits = mask_layer_storage_bits(&c, wbits);
	return 0;
}

/* ---- accuracy sweeps ----------------------------------------------------- */

/* bits, or the architecture's word when bits is 0. */
static uint32_t word_or(uint32_t bits, const struct sweep_hw *hw)
{
	return bits ? bits : hw->arch.word_bits;
}

/* Layer i's pruning structure in a sparsity profile: gran[i] (NULL: 0-D),
 * with the SIMD width for simd groups. */
static void set_structure(struct wl_layer_sparsity *ls, const enum wl_granularity *gran, int i,
			  uint32_t simd_width)
{
	ls->granularity = gran ? gran[i] : WL_GRAN_0D;
	ls->simd_width = ls->granularity == WL_GRAN_SIMD ? simd_width : 0;
}

/* Per-layer densities of a model (weights from masks, inputs measured). */
static int model_sparsity(struct nn_model *m, const struct nn_dataset *train,
			  const enum wl_granularity *gran, uint32_t simd_width,
			  struct wl_sparsity *sp, struct sim_err *err)
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
		set_structure(&sp->layers[i], gran, i, simd_width);
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
	const enum wl_granularity *gran;
	uint32_t simd_width;
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
			set_structure(&sp.layers[i], c->gran, i, c->simd_width);
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

/* The baseline's layers by share of the simulated energy and by share of the
 * weights, the two orders energy-aware and magnitude pruning take them in. */
static void say_layer_orders(struct run *r, const struct cohort *c, const struct nn_model *m,
			     const struct net_result *en)
{
	if (r->o->quiet || !en->ok || en->energy_total <= 0)
		return;
	int n = en->n < 64 ? en->n : 64, by_e[64], by_w[64];
	double wsum = 0, share_e[64], share_w[64];
	for (int k = 0; k < n; k++)
		wsum += (double)m->layers[en->layers[k].layer].weight.n;
	for (int k = 0; k < n; k++) {
		share_e[k] = 100.0 * en->layers[k].r.energy_total / en->energy_total;
		share_w[k] = wsum > 0 ? 100.0 * (double)m->layers[en->layers[k].layer].weight.n / wsum
				      : 0;
		by_e[k] = by_w[k] = k;
	}
	for (int a = 1; a < n; a++) /* insertion sorts, stable: a handful of layers */
		for (int b = a; b > 0; b--) {
			int t;
			if (share_e[by_e[b]] > share_e[by_e[b - 1]]) {
				t = by_e[b], by_e[b] = by_e[b - 1], by_e[b - 1] = t;
			}
			if (share_w[by_w[b]] > share_w[by_w[b - 1]]) {
				t = by_w[b], by_w[b] = by_w[b - 1], by_w[b - 1] = t;
			}
		}
	char oe[1024], ow[1024];
	size_t ae = 0, aw = 0;
	for (int k = 0; k < n && ae < sizeof oe && aw < sizeof ow; k++) {
		const char *ne = m->net.layers[en->layers[by_e[k]].layer].name;
		const char *nw = m->net.layers[en->layers[by_w[k]].layer].name;
		ae += (size_t)snprintf(oe + ae, sizeof oe - ae, "%s%s %.1f%%", k ? " > " : "", ne,
				       share_e[by_e[k]]);
		aw += (size_t)snprintf(ow + aw, sizeof ow - aw, "%s%s %.1f%%", k ? " > " : "", nw,
				       share_w[by_w[k]]);
	}
	bool same = true;
	for (int k = 0; k < n; k++)
		same &= by_e[k] == by_w[k];
	sweep_progress_line(r, "seed %llu baseline layers by energy share: %s",
			    (unsigned long long)c->seed, oe);
	sweep_progress_line(r, "seed %llu baseline layers by weight share: %s (%s order)",
			    (unsigned long long)c->seed, ow, same ? "the same" : "a different");
}

/* Test accuracy, simulation and storage of the model as it is; appends the row. */
int sweep_point_finish(struct run *r, const struct cohort *c, struct nn_model *m,
		       const struct sweep_hw *hw_in, const struct sweep_point *p,
		       const enum wl_granularity *gran, uint32_t simd_width, size_t point,
		       const char *id, struct sim_err *err)
{
	/* The hardware runs the model's own network (smaller after node pruning,
	 * with more layers after factorisation). */
	struct sweep_hw hw_model = *hw_in;
	hw_model.net = m->net;
	const struct sweep_hw *hw = &hw_model;
	struct nn_eval ev;
	struct wl_sparsity sp;
	memset(&sp, 0, sizeof sp);
	struct net_result en;
	memset(&en, 0, sizeof en);
	/* Activation bits: inference on the quantised grid (0 = float). */
	uint64_t calib = c->train.n < ACTIVATION_SAMPLES ? c->train.n : ACTIVATION_SAMPLES;
	int rc = nn_model_set_act_quant(m, p->abits, c->train.images, calib, err);
	if (!rc)
		rc = nn_evaluate(m, &r->test, &ev, err);
	if (!rc)
		rc = model_sparsity(m, &c->train, gran, simd_width, &sp, err);
	if (!rc)
		rc = sweep_simulate(hw, &sp, p->wbits, p->abits, &en, err);
	double storage = 0, nonzero = 0, weights = 0;
	for (int i = 0; !rc && i < m->n_layers; i++) {
		const struct nn_layer *L = &m->layers[i];
		if (!L->weight.n)
			continue;
		double bits = 0;
		rc = storage_bits(&m->net.layers[i], L->weight.mask, L->weight.n,
				  gran ? gran[i] : WL_GRAN_0D, simd_width, word_or(p->wbits, hw),
				  &bits, err);
		storage += bits;
		nonzero += (double)prune_mask_kept(L->weight.mask, L->weight.n);
	}
	/* Density is of the network the sweep started from, so a shrunk or
	 * factored network's density counts the weights it no longer has. */
	for (int i = 0; i < hw_in->net.n_layers; i++)
		weights += (double)wl_layer_weights(&hw_in->net.layers[i]);
	if (!rc && point == (size_t)-1)
		say_layer_orders(r, c, m, &en);
	if (!rc) {
		struct row_metrics rm = {
			.seed = c->seed,
			.accuracy = 100.0 * ev.accuracy,
			.accuracy_floor = c->baseline_test_acc - p->accuracy_bound,
			.weights_nonzero = nonzero, .weights = weights, .storage_bits = storage,
			.en = &en, .hw = hw,
		};
		rc = sweep_row_append(r, id, point, &rm, err);
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

/* A step of the pruning procedure, in the log (prefixed with the point's
 * group, since groups run in parallel). */
static void on_log(void *ctx, const char *line)
{
	struct eap_status *s = ctx;
	if (s->r->o->quiet)
		return;
	pthread_mutex_lock(&s->r->lock);
	if (s->r->o->progress_tty)
		fputs("\r\033[K", stderr);
	fprintf(stderr, "%s: %s: %s\n", s->r->e->name, s->group, line);
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

/* Layer decisions of low-rank factorisation, in the log like pruning's. */
static void on_rank(void *ctx, uint32_t round, const char *layer, double fraction, double acc)
{
	char line[200];
	(void)round;
	if (isnan(acc))
		snprintf(line, sizeof line, "%s stays as it is (no useful rank keeps the floor)",
			 layer);
	else
		snprintf(line, sizeof line, "%s factorised to %.4f of its weights, decision "
			 "accuracy %.2f%%", layer, fraction, acc);
	on_log(ctx, line);
}

/* The fine-tuning after each pruning round (and after factorisation). */
static void finetune_opts(const struct sweep_point *p, struct nn_train_opts *ft)
{
	ft->epochs = p->finetune_epochs;
	ft->batch = p->train_batch;
	ft->lr = p->train_lr * 0.1;
	ft->seed = p->seed;
}

/* After a rewrite that built next from *m with status rc: *m becomes next. */
static int replace_model(struct nn_model *m, struct nn_model *next, int rc)
{
	if (rc) {
		nn_model_deinit(next);
		return rc;
	}
	nn_model_deinit(m);
	nn_model_move(m, next);
	return 0;
}

/* Prunes m in place for group point p0 with per-layer structure gran. */
static int prune_group(const struct cohort *c, struct nn_model *m, const struct sweep_hw *hw,
		       const struct sweep_point *p0, const enum wl_granularity *gran,
		       uint32_t simd_width, struct eap_status *st, struct sim_err *err)
{
	struct eap_opts o;
	eap_opts_default(&o);
	o.method = p0->method == SWEEP_ENERGY_AWARE ? EAP_ENERGY_AWARE : EAP_MAGNITUDE;
	o.granularity = gran[0];
	o.layer_granularity = gran;
	o.simd_width = simd_width;
	o.accuracy_bound = p0->accuracy_bound;
	o.decision_margin = p0->decision_margin;
	o.fixed_density = p0->target_density < 1 ? p0->target_density : 0;
	o.rounds = p0->rounds;
	o.seed = p0->seed;
	finetune_opts(p0, &o.finetune);
	struct energy_ctx ec = {hw, gran, simd_width};
	o.energy = layer_energy_cb;
	o.energy_ctx = &ec;
	o.log = on_log;
	o.log_ctx = st;
	struct nn_dataset ft = c->train;
	if (ft.n > p0->finetune_images)
		ft.n = p0->finetune_images;
	struct eap_result res;
	return eap_prune(m, &ft, &c->val, c->check.n ? &c->check : NULL, &o, &res, err);
}

/* Factorises m for group point p0; *m becomes the factored model. */
static int factor_group(const struct cohort *c, struct nn_model *m, const struct sweep_point *p0,
			struct eap_status *st, struct sim_err *err)
{
	struct eap_lowrank_opts o;
	eap_lowrank_opts_default(&o);
	o.accuracy_bound = p0->accuracy_bound;
	o.target_weights = p0->target_density < 1 ? p0->target_density : 0;
	finetune_opts(p0, &o.finetune);
	o.progress = on_rank;
	o.progress_ctx = st;
	struct nn_dataset ft = c->train;
	if (ft.n > p0->finetune_images)
		ft.n = p0->finetune_images;
	uint32_t *rank = sim_calloc((size_t)m->n_layers, sizeof *rank, err);
	if (!rank)
		return SIM_ERR_NOMEM;
	struct nn_model f;
	int rc = eap_lowrank(m, &ft, &c->val, &o, &f, rank, err);
	free(rank);
	return replace_model(m, &f, rc);
}

/* Rewrites m without its pruned nodes in the layers whose structure is node. */
static int shrink_group(struct nn_model *m, const enum wl_granularity *gran, struct sim_err *err)
{
	bool *select = sim_calloc((size_t)m->n_layers, sizeof *select, err);
	if (!select)
		return SIM_ERR_NOMEM;
	bool any = false;
	for (int i = 0; i < m->n_layers; i++)
		any |= select[i] = gran[i] == WL_GRAN_NODE;
	int rc = 0;
	if (any) {
		struct nn_model s;
		rc = replace_model(m, &s, cmp_node_shrink(m, select, m->max_batch, m->n_threads, &s,
							  NULL, err));
	}
	free(select);
	return rc;
}

/* Keeps a model whose network changed as <results dir>/models/<id>.ckpt. */
static int save_group_model(const struct run *r, const struct nn_model *m,
			    const struct nn_ckpt_meta *baseline, const char *id, struct sim_err *err)
{
	char dir[460], path[500];
	snprintf(dir, sizeof dir, "%s/models", r->dir);
	if (mkdir(dir, 0755) != 0 && errno != EEXIST)
		return sim_err_set(err, SIM_ERR_IO, dir, 0, 0, "cannot create: %s", strerror(errno));
	snprintf(path, sizeof path, "%s/%s.ckpt", dir, id);
	struct nn_ckpt_meta meta = *baseline;
	meta.test_accuracy = -1;
	meta.test_loss = -1;
	return nn_checkpoint_save(m, &meta, path, err);
}

/* Prunes once for the group of points (they differ only in bits), then
 * finishes each of them. */
static int group_run(struct run *r, const size_t *points, size_t n, struct sim_err *err)
{
	const struct sweep_experiment *e = r->e;
	size_t first = points[0];
	const struct sweep_point *p0 = &e->points[first];
	const struct cohort *c = sweep_cohort_of(r, p0->seed);
	struct sweep_hw hw;
	struct nn_model m;
	memset(&m, 0, sizeof m);
	float **saved = NULL;
	enum wl_granularity *gran = NULL;
	uint32_t simd_width = 0;
	int rc = sweep_hw_load(&hw, p0, e->path, e->ids[first], err);
	if (rc)
		return rc;
	uint32_t max_batch = p0->train_batch > 256 ? p0->train_batch : 256;
	struct nn_ckpt_meta meta;
	if ((rc = nn_checkpoint_load(&m, &meta, c->ckpt, max_batch, 1, err)))
		goto done;
	if (!(gran = sim_calloc((size_t)m.n_layers, sizeof *gran, err))) {
		rc = SIM_ERR_NOMEM;
		goto done;
	}
	if (p0->method != SWEEP_NONE && p0->method != SWEEP_SVD &&
	    (rc = sweep_layer_granularity(p0, &hw.arch, &m.net, gran, &simd_width, e->path,
					  e->ids[first], err)))
		goto done;
	char label[160];
	snprintf(label, sizeof label, "seed %llu %s/%s bound %g", (unsigned long long)p0->seed,
		 sweep_method_names[p0->method], sweep_granularity_names[p0->granularity],
		 p0->accuracy_bound);
	struct eap_status st = {r, label};
	bool reshaped = false;
	if (p0->method == SWEEP_SVD) {
		rc = factor_group(c, &m, p0, &st, err);
		/* The factors are dense layers of a new network. */
		free(gran);
		if (!rc && !(gran = sim_calloc((size_t)m.n_layers, sizeof *gran, err)))
			rc = SIM_ERR_NOMEM;
		reshaped = true;
	} else if (p0->method != SWEEP_NONE) {
		rc = prune_group(c, &m, &hw, p0, gran, simd_width, &st, err);
		for (int i = 0; i < m.n_layers; i++)
			reshaped |= gran[i] == WL_GRAN_NODE;
		if (!rc)
			rc = shrink_group(&m, gran, err);
	}
	if (!rc && reshaped)
		rc = save_group_model(r, &m, &meta, e->ids[first], err);
	if (rc)
		goto done;
	if (!(saved = save_weights(&m, err))) {
		rc = SIM_ERR_NOMEM;
		goto done;
	}
	for (size_t k = 0; k < n && rc == 0; k++) {
		size_t p = points[k];
		for (int i = 0; i < m.n_layers; i++)
			if (saved[i])
				memcpy(m.layers[i].weight.value, saved[i], m.layers[i].weight.n * sizeof(float));
		quantise_weights(&m, e->points[p].wbits);
		rc = sweep_point_finish(r, c, &m, &hw, &e->points[p], gran, simd_width, p, e->ids[p],
					err);
	}
done:
	free_weights(saved, m.n_layers);
	free(gran);
	nn_model_deinit(&m);
	sweep_hw_deinit(&hw);
	return rc;
}

/* ---- energy-only sweeps -------------------------------------------------- */

/* Node layers of a profile keep round(density * channels) of their output
 * channels (at least one): into *out the network with them shrunk (left empty
 * when the profile has no node layer), their densities set to 1. */
static int node_shrink_profile(const struct wl_network *net, struct wl_sparsity *sp,
			       struct wl_network *out, struct sim_err *err)
{
	uint32_t *channels = sim_calloc((size_t)net->n_layers, sizeof *channels, err);
	if (!channels)
		return SIM_ERR_NOMEM;
	bool any = false;
	for (int i = 0; i < net->n_layers; i++) {
		if (!wl_layer_has_weights(&net->layers[i]) ||
		    sp->layers[i].granularity != WL_GRAN_NODE)
			continue;
		long c = lround(sp->layers[i].weight_density * net->layers[i].out.c);
		channels[i] = c < 1 ? 1 : (uint32_t)c;
		sp->layers[i].weight_density = 1.0;
		any = true;
	}
	int rc = any ? wl_network_shrink(net, channels, out, err) : 0;
	free(channels);
	return rc;
}

/* Simulates energy-only point p and appends its row. */
static int point_run_energy(struct run *r, size_t p, struct sim_err *err)
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
	struct wl_network shrunk;
	memset(&shrunk, 0, sizeof shrunk);
	rc = pt->sparsity[0] ? wl_sparsity_load(&sp, &hw.net, pt->sparsity, err)
			     : wl_sparsity_dense(&sp, &hw.net, err);
	/* The hardware runs the network as the profile leaves it: node layers
	 * shrunk (and dense), the rest at their densities. */
	struct sweep_hw hw_run = hw;
	if (!rc && !(rc = node_shrink_profile(&hw.net, &sp, &shrunk, err)) && shrunk.layers)
		hw_run.net = shrunk;
	if (!rc)
		rc = sweep_simulate(&hw_run, &sp, pt->wbits, pt->abits, &en, err);
	/* Storage of a random mask at the profile's density and granularity. */
	const struct mask_counts *mc = NULL;
	if (!rc)
		rc = mask_cache_get(&r->masks, pt->network, pt->sparsity, pt->seed, &hw_run.net, &sp,
				    index_bits, &mc, err);
	double nonzero = 0, weights = 0, storage = 0;
	for (int i = 0; !rc && i < mc->n; i++) {
		nonzero += (double)mc->layers[i].kept;
		weights += (double)mc->layers[i].weights;
		storage += mask_layer_storage_bits(&mc->layers[i], word_or(pt->wbits, &hw));
	}
	if (!rc) {
		struct row_metrics rm = {pt->seed, NAN, NAN, nonzero, weights, storage, &en, &hw_run};
		rc = sweep_row_append(r, r->e->ids[p], p, &rm, err);
	}
	net_result_deinit(&en);
	wl_sparsity_deinit(&sp);
	wl_network_deinit(&shrunk);
	sweep_hw_deinit(&hw);
	return rc;
}


int sweep_points_run(struct run *r, const size_t *points, size_t n, struct sim_err *err)
{
	if (r->accuracy_sweep)
		return group_run(r, points, n, err);
	int rc = 0;
	for (size_t k = 0; k < n && rc == 0; k++)
		rc = point_run_energy(r, points[k], err);
	return rc;
}
