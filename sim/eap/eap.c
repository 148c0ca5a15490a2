/* Energy-aware and magnitude pruning in one framework (see eap.h).
 *
 * Restoration (step 3 of Yang et al.): with G the Gram matrix of a layer's
 * sample inputs, removing group g of output o alone raises that output's
 * squared error on the samples by w_g^T G_gg w_g (the group's weights against
 * the block of G of its inputs). Energy-aware trials first keep
 * (1 - restore_fraction) of the target weights by magnitude, then fill the
 * rest with the removed groups of highest such impact, so groups that are
 * small but fed by strong, correlated inputs come back. The refit then solves
 * every output's surviving weights in closed form against the outputs of the
 * unpruned (starting) network on the same images, which also absorbs the
 * error that pruning earlier layers put into this layer's inputs.
 *
 * Defaults (eap_opts_default): 3 rounds, 6 bisection steps after a first trial
 * at min_density 0.01, restore_fraction 0.25, statistics from 256 images,
 * 4096 sampled positions per CONV group but never fewer than 10 sample rows
 * per unknown of an output (weights and bias), so the least-squares fit is
 * well overdetermined and does not just fit the sampled images; FC blocks of
 * 4 (1-D) and 16 (2-D); one fine-tuning epoch at lr 0.005 with momentum 0.9. */
#include "eap/eap.h"

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/detmath.h"
#include "core/mem.h"
#include "eap/refit.h"
#include "workload/network_edit.h"

void eap_opts_default(struct eap_opts *o)
{
	memset(o, 0, sizeof *o);
	o->method = EAP_ENERGY_AWARE;
	o->granularity = WL_GRAN_0D;
	o->accuracy_bound = 1.0;
	o->rounds = 3;
	o->trials = 6;
	o->min_density = 0.01;
	o->restore_fraction = 0.25;
	o->sample_images = 256;
	o->max_sample_rows = 4096;
	o->samples_per_unknown = 10;
	o->fc_block = 4;
	nn_train_opts_default(&o->finetune);
	o->finetune.epochs = 1;
	o->finetune.lr = 0.005;
	o->finetune.schedule = NN_SCHEDULE_CONSTANT;
	o->seed = 1;
}

int eap_layer_groups(const struct wl_layer *l, enum wl_granularity g, uint32_t fc_block,
		     uint32_t simd_width, struct prune_groups *out, struct sim_err *err)
{
	if (l->type == WL_FC && g == WL_GRAN_2D) {
		/* FC has no kernels: 2-D uses row blocks of fc_block^2, between
		 * 1-D blocks and whole rows. */
		int rc = prune_groups_for_layer(l, WL_GRAN_0D, fc_block, simd_width, out, err);
		out->width = (uint64_t)fc_block * fc_block;
		if (out->width > out->row_len)
			out->width = out->row_len;
		return rc;
	}
	return prune_groups_for_layer(l, g, fc_block, simd_width, out, err);
}

static enum wl_granularity granularity_of(const struct eap_opts *o, int li)
{
	return o->layer_granularity ? o->layer_granularity[li] : o->granularity;
}

void eap_zero_dead_nodes(struct nn_model *m, const struct eap_opts *o)
{
	for (int i = 0; i < m->n_layers; i++) {
		struct nn_layer *L = &m->layers[i];
		if (!L->weight.n || !L->bias.n || granularity_of(o, i) != WL_GRAN_NODE)
			continue;
		uint64_t rows = L->bias.n, len = L->weight.n / rows;
		for (uint64_t r = 0; r < rows; r++)
			if (prune_mask_kept(L->weight.mask + r * len, len) == 0) {
				L->bias.value[r] = 0.0f;
				L->bias.velocity[r] = 0.0f;
			}
	}
}

/* Fine-tuning keeps removed nodes silent after every step. The caller's own
 * hooks share one ctx, so all three are wrapped to receive theirs. */
struct node_hook {
	const struct eap_opts *o;
	const struct nn_train_opts *user;
};

static int node_step_hook(struct nn_model *m, uint64_t step, void *ctx, struct sim_err *err)
{
	const struct node_hook *h = ctx;
	eap_zero_dead_nodes(m, h->o);
	return h->user->step_hook ? h->user->step_hook(m, step, h->user->ctx, err) : 0;
}

static int node_grad_hook(struct nn_model *m, uint64_t step, void *ctx, struct sim_err *err)
{
	const struct node_hook *h = ctx;
	return h->user->grad_hook(m, step, h->user->ctx, err);
}

static int node_progress(struct nn_model *m, const struct nn_progress *p, void *ctx,
			 struct sim_err *err)
{
	const struct node_hook *h = ctx;
	return h->user->progress(m, p, h->user->ctx, err);
}

static uint64_t shape_size(struct wl_tensor_shape s)
{
	return (uint64_t)s.c * s.h * s.w;
}

/* Fraction of nonzero values of one layer's input. */
static void count_nonzero(void *ctx, int layer, const float *in, uint64_t count)
{
	uint64_t nz = 0;
	for (uint64_t k = 0; k < count; k++)
		nz += in[k] != 0.0f;
	((double *)ctx)[layer] = count ? (double)nz / (double)count : 1.0;
}

int eap_ifmap_density(struct nn_model *m, const float *images, uint64_t n, double *density,
		      struct sim_err *err)
{
	for (int i = 0; i < m->n_layers; i++)
		density[i] = 1.0;
	return nn_model_visit_inputs(m, images, n, count_nonzero, density, err);
}

/* A copy of a model's parameters (same network), for the refit targets and
 * for undoing trials. */
static int clone_model(struct nn_model *dst, const struct nn_model *src, struct sim_err *err)
{
	if (nn_model_init(dst, &src->net, src->max_batch, 1, err))
		return SIM_ERR_NOMEM;
	for (int i = 0; i < src->n_layers; i++) {
		const struct nn_layer *s = &src->layers[i];
		struct nn_layer *d = &dst->layers[i];
		if (s->weight.n) {
			memcpy(d->weight.value, s->weight.value, s->weight.n * sizeof(float));
			memcpy(d->weight.mask, s->weight.mask, s->weight.n);
		}
		if (s->bias.n)
			memcpy(d->bias.value, s->bias.value, s->bias.n * sizeof(float));
	}
	return 0;
}

/* Statistics of one layer: one eap_stats per CONV group. */
struct layer_stats {
	uint32_t groups;
	struct eap_stats *st;
};

static void layer_stats_deinit(struct layer_stats *ls)
{
	for (uint32_t g = 0; ls->st && g < ls->groups; g++)
		eap_stats_deinit(&ls->st[g]);
	free(ls->st);
	memset(ls, 0, sizeof *ls);
}

/* Samples (input patch, target output) rows of layer li: inputs from the
 * current model, targets from the reference (unpruned) model. */
static int layer_stats_init(struct layer_stats *ls, struct nn_model *cur, struct nn_model *ref,
			    const struct nn_dataset *train, int li, const struct eap_opts *o,
			    gsl_rng *rng, struct sim_err *err)
{
	memset(ls, 0, sizeof *ls);
	const struct wl_layer *l = &cur->net.layers[li];
	struct wl_conv_shape s = wl_layer_conv_shape(l);
	uint64_t n_in = (uint64_t)s.C * s.R * s.S, positions = (uint64_t)s.E * s.F;
	/* Enough images for samples_per_unknown rows per unknown (weights + bias)
	 * of a group, so the refit generalises beyond the sampled images. */
	uint64_t n_img = o->sample_images;
	uint64_t want = (uint64_t)o->samples_per_unknown * (n_in + 1);
	uint64_t need = (want + positions - 1) / positions;
	if (need > n_img)
		n_img = need;
	if (n_img > train->n)
		n_img = train->n;
	uint64_t in_size = shape_size(l->in), out_size = shape_size(l->out);
	uint64_t total_rows = n_img * positions;
	uint64_t rows = total_rows < o->max_sample_rows ? total_rows : o->max_sample_rows;
	if (rows < want)
		rows = want < total_rows ? want : total_rows;
	int rc = 0;
	const float *images = train->images;
	float *in = sim_malloc(n_img * in_size * sizeof *in, err);
	float *out = sim_malloc(n_img * out_size * sizeof *out, err);
	uint64_t *all = sim_malloc(total_rows * sizeof *all, err);
	uint64_t *pick = sim_malloc(rows * sizeof *pick, err);
	float *x = sim_malloc(rows * n_in * sizeof *x, err);
	float *y = sim_malloc(rows * s.M * sizeof *y, err);
	ls->st = sim_calloc(s.G, sizeof *ls->st, err);
	if (!in || !out || !all || !pick || !x || !y || !ls->st) {
		rc = SIM_ERR_NOMEM;
		goto done;
	}
	ls->groups = s.G;
	nn_model_layer_io(cur, images, n_img, li, in, NULL);
	nn_model_layer_io(ref, images, n_img, li, NULL, out);
	for (uint64_t k = 0; k < total_rows; k++)
		all[k] = k;
	if (rows < total_rows)
		gsl_ran_choose(rng, pick, rows, all, total_rows, sizeof *all);
	else
		memcpy(pick, all, rows * sizeof *pick);
	uint32_t pad = l->type == WL_CONV ? l->padding : 0;
	uint32_t stride = l->type == WL_CONV ? l->stride : 1;
	for (uint32_t g = 0; g < s.G && rc == 0; g++) {
		for (uint64_t r = 0; r < rows; r++) {
			uint64_t img = pick[r] / positions, pos = pick[r] % positions;
			uint32_t e = (uint32_t)(pos / s.F), f = (uint32_t)(pos % s.F);
			const float *xi = in + img * in_size;
			float *xr = x + r * n_in;
			if (l->type == WL_FC) {
				memcpy(xr, xi, n_in * sizeof *xr);
			} else {
				/* im2col row in the weight order W[c][r][s] of group g. */
				uint64_t k = 0;
				for (uint32_t c = 0; c < s.C; c++)
					for (uint32_t kr = 0; kr < s.R; kr++)
						for (uint32_t ks = 0; ks < s.S; ks++, k++) {
							long h = (long)e * stride + kr - pad;
							long w = (long)f * stride + ks - pad;
							xr[k] = (h < 0 || w < 0 || h >= (long)l->in.h ||
								 w >= (long)l->in.w)
									? 0.0f
									: xi[((uint64_t)(g * s.C + c) * l->in.h +
									      (uint64_t)h) * l->in.w + (uint64_t)w];
						}
			}
			const float *yi = out + img * out_size;
			for (uint32_t mm = 0; mm < s.M; mm++)
				y[r * s.M + mm] = yi[(uint64_t)(g * s.M + mm) * positions + pos];
		}
		struct eap_layer_data d = {x, y, rows, n_in, s.M};
		rc = eap_stats_init(&ls->st[g], &d, err);
	}
done:
	free(in);
	free(out);
	free(all);
	free(pick);
	free(x);
	free(y);
	if (rc)
		layer_stats_deinit(ls);
	return rc;
}

struct group_rank {
	double key;
	uint64_t group;
};

static int cmp_rank_desc(const void *pa, const void *pb)
{
	const struct group_rank *a = pa, *b = pb;
	if (a->key != b->key)
		return a->key < b->key ? 1 : -1;
	return (a->group > b->group) - (a->group < b->group);
}

/* Energy-aware restoration: adds back removed groups (allowed by mask0) in
 * descending order of their output-error impact until `target` weights are kept. */
static int restore_by_impact(const float *w0, const uint8_t *mask0, uint8_t *mask,
			     const struct prune_groups *pg, const struct layer_stats *ls,
			     uint64_t target, struct sim_err *err)
{
	uint64_t n = pg->rows * pg->row_len, kept = prune_mask_kept(mask, n);
	if (kept >= target)
		return 0;
	uint64_t per_row = (pg->row_len + pg->width - 1) / pg->width;
	struct group_rank *rank = sim_malloc(pg->rows * per_row * sizeof *rank, err);
	if (!rank)
		return SIM_ERR_NOMEM;
	uint64_t n_rank = 0, rows_per_group = pg->rows / ls->groups;
	for (uint64_t r = 0; r < pg->rows; r++) {
		const struct eap_stats *st = &ls->st[r / rows_per_group];
		size_t p = st->n_in + 1;
		for (uint64_t c0 = 0; c0 < pg->row_len; c0 += pg->width) {
			uint64_t c1 = c0 + pg->width < pg->row_len ? c0 + pg->width : pg->row_len;
			uint64_t base = r * pg->row_len;
			if (mask[base + c0] || !mask0[base + c0])
				continue;
			double impact = 0;
			for (uint64_t a = c0; a < c1; a++)
				for (uint64_t b = c0; b < c1; b++)
					impact += (double)w0[base + a] * w0[base + b] * st->gram[a * p + b];
			rank[n_rank++] = (struct group_rank){impact, r * per_row + c0 / pg->width};
		}
	}
	qsort(rank, n_rank, sizeof *rank, cmp_rank_desc);
	for (uint64_t i = 0; i < n_rank && kept < target; i++) {
		uint64_t r = rank[i].group / per_row, c0 = (rank[i].group % per_row) * pg->width;
		uint64_t c1 = c0 + pg->width < pg->row_len ? c0 + pg->width : pg->row_len;
		for (uint64_t c = c0; c < c1; c++) {
			uint64_t k = r * pg->row_len + c;
			kept += mask0[k] && !mask[k];
			mask[k] = mask0[k];
		}
	}
	free(rank);
	return 0;
}

/* Everything one layer's search needs. */
struct layer_search {
	struct nn_model *m;
	struct nn_layer *layer;
	const struct eap_opts *o;
	const struct nn_dataset *val;
	struct prune_groups pg;
	struct layer_stats ls;
	uint64_t n;
	float *w0, *b0;     /* weights and bias at the start of the search */
	uint8_t *mask0;
	float *w_best, *b_best;
	uint8_t *mask_best;
};

/* Applies a trial at density d to the model and returns its validation accuracy (%). */
static int try_density(struct layer_search *ls, double d, double *acc, struct sim_err *err)
{
	struct nn_layer *L = ls->layer;
	const struct eap_opts *o = ls->o;
	int ea = o->method == EAP_ENERGY_AWARE;
	double first = ea ? d * (1.0 - o->restore_fraction) : d;
	if (prune_mask_density(ls->w0, &ls->pg, PRUNE_L2, first, L->weight.mask, err))
		return SIM_ERR_INTERNAL;
	for (uint64_t k = 0; k < ls->n; k++)
		L->weight.mask[k] &= ls->mask0[k];
	memcpy(L->weight.value, ls->w0, ls->n * sizeof(float));
	if (L->bias.n)
		memcpy(L->bias.value, ls->b0, L->bias.n * sizeof(float));
	if (ea) {
		uint64_t target = (uint64_t)llround(d * (double)ls->n);
		if (restore_by_impact(ls->w0, ls->mask0, L->weight.mask, &ls->pg, &ls->ls, target, err))
			return SIM_ERR_NOMEM;
		uint64_t rows_per_group = ls->pg.rows / ls->ls.groups;
		for (uint32_t g = 0; g < ls->ls.groups; g++) {
			uint64_t off = g * rows_per_group * ls->pg.row_len;
			if (eap_refit(&ls->ls.st[g], L->weight.value + off, L->weight.mask + off,
				      L->bias.n ? L->bias.value + g * rows_per_group : NULL, err))
				return SIM_ERR_INTERNAL;
		}
	}
	nn_model_apply_masks(ls->m);
	eap_zero_dead_nodes(ls->m, o);
	struct nn_eval ev;
	if (nn_evaluate(ls->m, ls->val, &ev, err))
		return SIM_ERR_INTERNAL;
	*acc = 100.0 * ev.accuracy;
	return 0;
}

static void keep_best(struct layer_search *ls)
{
	memcpy(ls->w_best, ls->layer->weight.value, ls->n * sizeof(float));
	memcpy(ls->mask_best, ls->layer->weight.mask, ls->n);
	if (ls->layer->bias.n)
		memcpy(ls->b_best, ls->layer->bias.value, ls->layer->bias.n * sizeof(float));
}

/* Bisection on log-density between min_density (first tried) and the layer's
 * current density, keeping the lowest density that meets the floor. */
static int prune_layer(struct nn_model *m, struct nn_model *ref, const struct nn_dataset *train,
		       const struct nn_dataset *val, int li, double floor_acc,
		       const struct eap_opts *o, gsl_rng *rng, double *density_out,
		       double *acc_out, struct sim_err *err)
{
	struct layer_search ls = {.m = m, .layer = &m->layers[li], .o = o, .val = val};
	struct nn_layer *L = ls.layer;
	ls.n = L->weight.n;
	int rc = eap_layer_groups(&m->net.layers[li], granularity_of(o, li), o->fc_block,
				  o->simd_width, &ls.pg, err);
	if (rc)
		return rc;
	uint64_t nb = L->bias.n ? L->bias.n : 1;
	ls.w0 = sim_malloc(ls.n * sizeof(float), err);
	ls.w_best = sim_malloc(ls.n * sizeof(float), err);
	ls.b0 = sim_malloc(nb * sizeof(float), err);
	ls.b_best = sim_malloc(nb * sizeof(float), err);
	ls.mask0 = sim_malloc(ls.n, err);
	ls.mask_best = sim_malloc(ls.n, err);
	if (!ls.w0 || !ls.w_best || !ls.b0 || !ls.b_best || !ls.mask0 || !ls.mask_best) {
		rc = SIM_ERR_NOMEM;
		goto done;
	}
	memcpy(ls.w0, L->weight.value, ls.n * sizeof(float));
	memcpy(ls.mask0, L->weight.mask, ls.n);
	if (L->bias.n)
		memcpy(ls.b0, L->bias.value, L->bias.n * sizeof(float));
	keep_best(&ls);
	double cur = (double)prune_mask_kept(ls.mask0, ls.n) / (double)ls.n;
	*density_out = cur;
	*acc_out = NAN;
	if (cur <= o->min_density)
		goto done;
	if (o->method == EAP_ENERGY_AWARE &&
	    (rc = layer_stats_init(&ls.ls, m, ref, train, li, o, rng, err)))
		goto done;
	double lo = det_log(o->min_density), hi = det_log(cur), acc;
	if (o->fixed_density > 0) {
		/* Density mode: one trial at the target, kept whatever its accuracy. */
		if (o->fixed_density < cur) {
			if ((rc = try_density(&ls, o->fixed_density, &acc, err)))
				goto done;
			keep_best(&ls);
			*density_out = (double)prune_mask_kept(L->weight.mask, ls.n) / (double)ls.n;
			*acc_out = acc;
		}
		goto restore;
	}
	for (uint32_t t = 0; t <= o->trials; t++) {
		double d = t == 0 ? o->min_density : det_exp(0.5 * (lo + hi));
		if ((rc = try_density(&ls, d, &acc, err)))
			goto done;
		if (acc >= floor_acc) {
			keep_best(&ls);
			*density_out = (double)prune_mask_kept(L->weight.mask, ls.n) / (double)ls.n;
			*acc_out = acc;
			hi = det_log(d);
			if (t == 0)
				break;
		} else {
			lo = det_log(d);
		}
	}
restore:
	/* Leave the layer at the best trial (or as it was). */
	memcpy(L->weight.value, ls.w_best, ls.n * sizeof(float));
	memcpy(L->weight.mask, ls.mask_best, ls.n);
	if (L->bias.n)
		memcpy(L->bias.value, ls.b_best, L->bias.n * sizeof(float));
	nn_model_apply_masks(m);
done:
	layer_stats_deinit(&ls.ls);
	free(ls.w0);
	free(ls.w_best);
	free(ls.b0);
	free(ls.b_best);
	free(ls.mask0);
	free(ls.mask_best);
	return rc;
}

/* The next layer to prune: highest energy (energy-aware) or most weights
 * (magnitude) among those not yet done this round; -1 when none is left. */
static int next_layer(struct nn_model *m, const struct nn_dataset *train, const struct eap_opts *o,
		      const int *done, double *density, double *energy, struct sim_err *err,
		      int *rc)
{
	*rc = 0;
	if (o->method == EAP_ENERGY_AWARE) {
		uint64_t n = train->n < o->sample_images ? train->n : o->sample_images;
		if ((*rc = eap_ifmap_density(m, train->images, n, density, err)) ||
		    (*rc = o->energy(o->energy_ctx, m, density, energy, err)))
			return -1;
	}
	int best = -1;
	for (int i = 0; i < m->n_layers; i++) {
		if (done[i] || !wl_layer_has_weights(&m->net.layers[i]))
			continue;
		char why[160];
		if (granularity_of(o, i) == WL_GRAN_NODE &&
		    !wl_node_prunable(&m->net, i, why, sizeof why))
			continue;
		double key = o->method == EAP_ENERGY_AWARE ? energy[i] : (double)m->layers[i].weight.n;
		double best_key = best < 0 ? -1
					   : o->method == EAP_ENERGY_AWARE ? energy[best]
									   : (double)m->layers[best].weight.n;
		if (best < 0 || key > best_key)
			best = i;
	}
	return best;
}

int eap_prune(struct nn_model *m, const struct nn_dataset *train, const struct nn_dataset *val,
	      const struct eap_opts *o, struct eap_result *r, struct sim_err *err)
{
	memset(r, 0, sizeof *r);
	if (o->method == EAP_ENERGY_AWARE && !o->energy)
		return sim_err_set(err, SIM_ERR_INTERNAL, NULL, 0, 0,
				   "energy-aware pruning needs an energy model");
	struct nn_model ref;
	memset(&ref, 0, sizeof ref);
	gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
	double *density = sim_calloc((size_t)m->n_layers, sizeof *density, err);
	double *energy = sim_calloc((size_t)m->n_layers, sizeof *energy, err);
	int *done = sim_calloc((size_t)m->n_layers, sizeof *done, err);
	int rc = 0;
	if (!rng || !density || !energy || !done) {
		rc = SIM_ERR_NOMEM;
		goto out;
	}
	gsl_rng_set(rng, o->seed);
	if ((rc = clone_model(&ref, m, err)))
		goto out;
	struct nn_eval ev;
	if ((rc = nn_evaluate(m, val, &ev, err)))
		goto out;
	r->val_accuracy_start = 100.0 * ev.accuracy;
	r->val_accuracy_end = r->val_accuracy_start;
	double floor_acc = r->val_accuracy_start - o->accuracy_bound;
	struct node_hook hook = {o, &o->finetune};
	struct nn_train_opts ft = o->finetune;
	ft.step_hook = node_step_hook;
	ft.grad_hook = o->finetune.grad_hook ? node_grad_hook : NULL;
	ft.progress = o->finetune.progress ? node_progress : NULL;
	ft.ctx = &hook;
	for (uint32_t round = 0; round < o->rounds; round++) {
		uint64_t kept_before = nn_model_weights_kept(m);
		memset(done, 0, (size_t)m->n_layers * sizeof *done);
		for (;;) {
			int li = next_layer(m, train, o, done, density, energy, err, &rc);
			if (rc)
				goto out;
			if (li < 0)
				break;
			done[li] = 1;
			double d, acc;
			if ((rc = prune_layer(m, &ref, train, val, li, floor_acc, o, rng, &d, &acc, err)))
				goto out;
			if (o->progress)
				o->progress(o->progress_ctx, round, m->net.layers[li].name, d, acc);
		}
		if (o->finetune.epochs && (rc = nn_train(m, train, &ft, err)))
			goto out;
		if ((rc = nn_evaluate(m, val, &ev, err)))
			goto out;
		r->val_accuracy_end = 100.0 * ev.accuracy;
		r->rounds_done = round + 1;
		/* Another round only when this one still removed weights (a fixed
		 * density is reached in one). */
		if (o->fixed_density > 0 || nn_model_weights_kept(m) >= kept_before - kept_before / 200)
			break;
	}
out:
	r->weights = nn_model_weights(m);
	r->weights_kept = nn_model_weights_kept(m);
	nn_model_deinit(&ref);
	free(done);
	free(energy);
	free(density);
	gsl_rng_free(rng);
	return rc;
}
