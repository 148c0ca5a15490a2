/* Energy-aware and magnitude pruning in one framework (see eap.h).
 *
 * Restoration (step 3 of Yang et al.): energy-aware trials first keep
 * (1 - restore_fraction) of the target weights by magnitude, then restore
 * removed groups one at a time, each the group whose return lowers its
 * output's squared error on the samples the most given those already back
 * (restore.h), so groups that are small but fed by strong, correlated inputs
 * come back. The refit then solves every output's surviving weights in closed
 * form against the outputs of the unpruned (starting) network on the same
 * images (refit.h, samples.h), which also absorbs the error that pruning
 * earlier layers put into this layer's inputs.
 *
 * Defaults (eap_opts_default): 3 rounds, 6 bisection steps after a first trial
 * at min_density 0.01, restore_fraction 0.25, statistics from 256 images,
 * 4096 sampled positions per CONV group but never fewer than 10 sample rows
 * per unknown of an output (weights and bias), so the least-squares fit is
 * well overdetermined and does not just fit the sampled images; FC blocks of
 * 4 (1-D) and 16 (2-D); one fine-tuning epoch at lr 0.005 with momentum 0.9. */
#include "eap/eap.h"

#include <gsl/gsl_rng.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/detmath.h"
#include "core/mem.h"
#include "eap/refit.h"
#include "eap/restore.h"
#include "eap/samples.h"
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

/* Everything one layer's search needs. */
struct layer_search {
	struct nn_model *m;
	struct nn_layer *layer;
	const struct eap_opts *o;
	const struct nn_dataset *val;
	struct prune_groups pg;
	struct eap_layer_stats ls;
	struct eap_restore_prep prep; /* energy-aware: G w0 and the residual correlation */
	uint64_t n;
	float *w0, *b0;     /* weights and bias at the start of the search */
	uint8_t *mask0;
	float *w_best, *b_best;
	uint8_t *mask_best;
};

/* What one trial did, for the log. */
struct trial {
	double density, acc;     /* kept fraction, decision-set accuracy (%; NAN: not all counted) */
	bool pass;               /* the accuracy reaches the floor */
	double magnitude_density; /* kept by magnitude before restoration */
	uint64_t restored;       /* groups restored */
	double err_pruned, err_refit; /* output-map squared error before and after the refit */
};

/* Output-map squared error of the layer against the reference outputs, summed
 * over its CONV groups. */
static int layer_sq_error(const struct layer_search *ls, double *out, struct sim_err *err)
{
	const struct nn_layer *L = ls->layer;
	uint64_t rows_per_group = ls->pg.rows / ls->ls.groups;
	*out = 0;
	for (uint32_t g = 0; g < ls->ls.groups; g++) {
		uint64_t off = g * rows_per_group * ls->pg.row_len;
		double e;
		if (eap_output_sq_error(&ls->ls.st[g], L->weight.value + off,
					L->bias.n ? L->bias.value + g * rows_per_group : NULL, &e, err))
			return SIM_ERR_NOMEM;
		*out += e;
	}
	return 0;
}

/* Images per step of a decision. */
enum { DECIDE_CHUNK = 500 };

/* Whether the model's accuracy (%) on the decision set val reaches floor_acc,
 * found by counting correct images chunk by chunk and stopping as soon as the
 * answer is certain: enough correct images to reach the floor, or too few
 * images left to reach it. The answer is exactly that of a full evaluation
 * (the counts are integers). *acc is the accuracy when every image was
 * counted, else NAN; floor_acc NAN counts every image and passes. */
static int decide(struct nn_model *m, const struct nn_dataset *val, double floor_acc, bool *pass,
		  double *acc)
{
	const uint64_t n = val->n, img = (uint64_t)val->c * val->h * val->w;
	/* The fewest correct images whose accuracy, computed as below, is >= floor. */
	uint64_t need = 0;
	if (!isnan(floor_acc)) {
		double c = ceil(floor_acc * (double)n / 100.0);
		need = c < 0 ? 0 : c > (double)n + 1 ? n + 1 : (uint64_t)c;
		while (need > 0 && 100.0 * (double)(need - 1) / (double)n >= floor_acc)
			need--;
		while (need <= n && 100.0 * (double)need / (double)n < floor_acc)
			need++;
	}
	uint64_t seen = 0, correct = 0;
	while (seen < n) {
		if (!isnan(floor_acc) && (correct >= need || correct + (n - seen) < need))
			break;
		uint64_t k = n - seen < DECIDE_CHUNK ? n - seen : DECIDE_CHUNK, c;
		nn_model_forward(m, val->images + seen * img, val->labels + seen, k, NULL, &c, NULL);
		correct += c;
		seen += k;
	}
	*pass = isnan(floor_acc) || correct >= need;
	*acc = seen == n ? 100.0 * (double)correct / (double)n : NAN;
	return 0;
}

/* Applies a trial at density d to the model and decides it on the decision
 * set against floor_acc (NAN: measure only). */
static int try_density(struct layer_search *ls, double d, double floor_acc, struct trial *t,
		       struct sim_err *err)
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
	memset(t, 0, sizeof *t);
	t->magnitude_density = (double)prune_mask_kept(L->weight.mask, ls->n) / (double)ls->n;
	if (ea) {
		uint64_t target = (uint64_t)llround(d * (double)ls->n);
		if (eap_restore_greedy(ls->ls.st, ls->ls.groups, &ls->prep, ls->w0, ls->mask0,
				       L->weight.mask, &ls->pg, target, &t->restored, err))
			return SIM_ERR_NOMEM;
		nn_model_apply_masks(ls->m);
		if (layer_sq_error(ls, &t->err_pruned, err))
			return SIM_ERR_NOMEM;
		uint64_t rows_per_group = ls->pg.rows / ls->ls.groups;
		for (uint32_t g = 0; g < ls->ls.groups; g++) {
			uint64_t off = g * rows_per_group * ls->pg.row_len;
			if (eap_refit(&ls->ls.st[g], L->weight.value + off, L->weight.mask + off,
				      L->bias.n ? L->bias.value + g * rows_per_group : NULL, err))
				return SIM_ERR_INTERNAL;
		}
		if (layer_sq_error(ls, &t->err_refit, err))
			return SIM_ERR_NOMEM;
	}
	nn_model_apply_masks(ls->m);
	eap_zero_dead_nodes(ls->m, o);
	t->density = (double)prune_mask_kept(L->weight.mask, ls->n) / (double)ls->n;
	return decide(ls->m, ls->val, floor_acc, &t->pass, &t->acc);
}

static void keep_best(struct layer_search *ls)
{
	memcpy(ls->w_best, ls->layer->weight.value, ls->n * sizeof(float));
	memcpy(ls->mask_best, ls->layer->weight.mask, ls->n);
	if (ls->layer->bias.n)
		memcpy(ls->b_best, ls->layer->bias.value, ls->layer->bias.n * sizeof(float));
}

static void say(const struct eap_opts *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(const struct eap_opts *o, const char *fmt, ...)
{
	if (!o->log)
		return;
	char line[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	o->log(o->log_ctx, line);
}

/* The decision for one layer, in the log. */
static void say_layer(const struct eap_opts *o, const char *name, double start, const struct trial *t,
		      uint32_t trials, double floor_acc)
{
	if (!t) {
		say(o, "  %s: no density below %.4f keeps the floor %.2f%% (%u trials); layer unchanged",
		    name, start, floor_acc, trials);
		return;
	}
	if (o->method == EAP_ENERGY_AWARE)
		say(o, "  %s: density %.4f -> %.4f (magnitude kept %.4f, greedy restoration added "
		       "%llu groups; refit output-map error %.4g -> %.4g), decision accuracy %.2f%% "
		       "(floor %.2f%%, %u trials)",
		    name, start, t->density, t->magnitude_density, (unsigned long long)t->restored,
		    t->err_pruned, t->err_refit, t->acc, floor_acc, trials);
	else
		say(o, "  %s: density %.4f -> %.4f by magnitude, decision accuracy %.2f%% (floor "
		       "%.2f%%, %u trials)",
		    name, start, t->density, t->acc, floor_acc, trials);
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
	const char *name = m->net.layers[li].name;
	double cur = (double)prune_mask_kept(ls.mask0, ls.n) / (double)ls.n;
	*density_out = cur;
	*acc_out = NAN;
	if (cur <= o->min_density) {
		say(o, "  %s: already at density %.4f <= %.4f", name, cur, o->min_density);
		goto done;
	}
	if (o->method == EAP_ENERGY_AWARE &&
	    ((rc = eap_layer_stats_init(&ls.ls, m, ref, train, li, o, rng, err)) ||
	     (rc = eap_restore_prepare(&ls.prep, ls.ls.st, ls.ls.groups, ls.w0,
				       L->bias.n ? ls.b0 : NULL, &ls.pg, err))))
		goto done;
	double lo = det_log(o->min_density), hi = det_log(cur);
	struct trial t, best;
	bool found = false;
	uint32_t trials = 0;
	if (o->fixed_density > 0) {
		/* Density mode: one trial at the target, kept whatever its accuracy. */
		if (o->fixed_density < cur) {
			if ((rc = try_density(&ls, o->fixed_density, NAN, &t, err)))
				goto done;
			trials = 1;
			keep_best(&ls);
			best = t;
			found = true;
		}
	} else {
		for (uint32_t k = 0; k <= o->trials; k++) {
			double d = k == 0 ? o->min_density : det_exp(0.5 * (lo + hi));
			if ((rc = try_density(&ls, d, floor_acc, &t, err)))
				goto done;
			trials++;
			if (t.pass) {
				keep_best(&ls);
				best = t;
				found = true;
				hi = det_log(d);
				if (k == 0)
					break;
			} else {
				lo = det_log(d);
			}
		}
	}
	/* Leave the layer at the best trial (or as it was). */
	memcpy(L->weight.value, ls.w_best, ls.n * sizeof(float));
	memcpy(L->weight.mask, ls.mask_best, ls.n);
	if (L->bias.n)
		memcpy(L->bias.value, ls.b_best, L->bias.n * sizeof(float));
	nn_model_apply_masks(m);
	if (found && isnan(best.acc)) { /* decided early: measure it for the log */
		bool pass;
		decide(m, val, NAN, &pass, &best.acc);
	}
	if (found) {
		*density_out = best.density;
		*acc_out = best.acc;
	}
	say_layer(o, name, cur, found ? &best : NULL, trials, floor_acc);
done:
	eap_restore_prep_deinit(&ls.prep);
	eap_layer_stats_deinit(&ls.ls);
	free(ls.w0);
	free(ls.w_best);
	free(ls.b0);
	free(ls.b_best);
	free(ls.mask0);
	free(ls.mask_best);
	return rc;
}

/* Layers with weights not yet done, in descending order of key. */
static int order_layers(const struct nn_model *m, const int *done, const double *key, int *order)
{
	int n = 0;
	for (int i = 0; i < m->n_layers; i++)
		if (!done[i] && wl_layer_has_weights(&m->net.layers[i]))
			order[n++] = i;
	for (int a = 1; a < n; a++) /* insertion sort: a handful of layers, stable */
		for (int b = a; b > 0 && key[order[b]] > key[order[b - 1]]; b--) {
			int tmp = order[b];
			order[b] = order[b - 1];
			order[b - 1] = tmp;
		}
	return n;
}

/* The next layer to prune: highest energy (energy-aware, estimated now from
 * the model as it is) or most weights (magnitude) among those not yet done
 * this round; -1 when none is left. Logs the order. */
static int next_layer(struct nn_model *m, const struct nn_dataset *train, const struct eap_opts *o,
		      const int *done, double *density, double *key, int *order, struct sim_err *err,
		      int *rc)
{
	*rc = 0;
	if (o->method == EAP_ENERGY_AWARE) {
		uint64_t n = train->n < o->sample_images ? train->n : o->sample_images;
		if ((*rc = eap_ifmap_density(m, train->images, n, density, err)) ||
		    (*rc = o->energy(o->energy_ctx, m, density, key, err)))
			return -1;
	} else {
		for (int i = 0; i < m->n_layers; i++)
			key[i] = (double)m->layers[i].weight.n;
	}
	int n = order_layers(m, done, key, order);
	if (n == 0)
		return -1;
	double total = 0;
	for (int i = 0; i < m->n_layers; i++)
		if (wl_layer_has_weights(&m->net.layers[i]))
			total += key[i];
	char line[800];
	size_t at = 0;
	for (int k = 0; k < n && at < sizeof line; k++)
		at += (size_t)snprintf(line + at, sizeof line - at, "%s%s %.1f%%", k ? ", " : "",
				       m->net.layers[order[k]].name,
				       total > 0 ? 100.0 * key[order[k]] / total : 0.0);
	if (o->method == EAP_ENERGY_AWARE)
		say(o, " energy estimate (%.4g in all): layers left by energy: %s", total, line);
	else
		say(o, " layers left by weight count: %s", line);
	return order[0];
}

/* Parameters (values and masks) of every layer, to undo a round. */
struct snapshot {
	float **w, **b;
	uint8_t **mask;
	int n;
};

static void snapshot_free(struct snapshot *s)
{
	for (int i = 0; i < s->n; i++) {
		free(s->w ? s->w[i] : NULL);
		free(s->b ? s->b[i] : NULL);
		free(s->mask ? s->mask[i] : NULL);
	}
	free(s->w);
	free(s->b);
	free(s->mask);
	memset(s, 0, sizeof *s);
}

static int snapshot_take(struct snapshot *s, const struct nn_model *m, struct sim_err *err)
{
	s->n = m->n_layers;
	s->w = sim_calloc((size_t)s->n, sizeof *s->w, err);
	s->b = sim_calloc((size_t)s->n, sizeof *s->b, err);
	s->mask = sim_calloc((size_t)s->n, sizeof *s->mask, err);
	if (!s->w || !s->b || !s->mask)
		return SIM_ERR_NOMEM;
	for (int i = 0; i < s->n; i++) {
		const struct nn_layer *L = &m->layers[i];
		if (L->weight.n) {
			s->w[i] = sim_malloc(L->weight.n * sizeof(float), err);
			s->mask[i] = sim_malloc(L->weight.n, err);
			if (!s->w[i] || !s->mask[i])
				return SIM_ERR_NOMEM;
			memcpy(s->w[i], L->weight.value, L->weight.n * sizeof(float));
			memcpy(s->mask[i], L->weight.mask, L->weight.n);
		}
		if (L->bias.n) {
			if (!(s->b[i] = sim_malloc(L->bias.n * sizeof(float), err)))
				return SIM_ERR_NOMEM;
			memcpy(s->b[i], L->bias.value, L->bias.n * sizeof(float));
		}
	}
	return 0;
}

/* Puts the snapshot's values back; velocities are zeroed (fine-tuning starts
 * its momentum afresh each round). */
static void snapshot_restore(const struct snapshot *s, struct nn_model *m)
{
	for (int i = 0; i < s->n; i++) {
		struct nn_layer *L = &m->layers[i];
		if (L->weight.n) {
			memcpy(L->weight.value, s->w[i], L->weight.n * sizeof(float));
			memcpy(L->weight.mask, s->mask[i], L->weight.n);
			memset(L->weight.velocity, 0, L->weight.n * sizeof(float));
		}
		if (L->bias.n) {
			memcpy(L->bias.value, s->b[i], L->bias.n * sizeof(float));
			memset(L->bias.velocity, 0, L->bias.n * sizeof(float));
		}
	}
	nn_model_apply_masks(m);
}

static int accuracy_pct(struct nn_model *m, const struct nn_dataset *d, double *out,
			struct sim_err *err)
{
	struct nn_eval ev;
	int rc = nn_evaluate(m, d, &ev, err);
	*out = rc ? NAN : 100.0 * ev.accuracy;
	return rc;
}

int eap_prune(struct nn_model *m, const struct nn_dataset *train, const struct nn_dataset *val,
	      const struct nn_dataset *check, const struct eap_opts *o, struct eap_result *r,
	      struct sim_err *err)
{
	memset(r, 0, sizeof *r);
	r->check_accuracy_start = r->check_accuracy_end = NAN;
	if (o->method == EAP_ENERGY_AWARE && !o->energy)
		return sim_err_set(err, SIM_ERR_INTERNAL, NULL, 0, 0,
				   "energy-aware pruning needs an energy model");
	struct nn_model ref;
	memset(&ref, 0, sizeof ref);
	struct snapshot snap = {0};
	gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
	double *density = sim_calloc((size_t)m->n_layers, sizeof *density, err);
	double *key = sim_calloc((size_t)m->n_layers, sizeof *key, err);
	int *done = sim_calloc((size_t)m->n_layers, sizeof *done, err);
	int *order = sim_calloc((size_t)m->n_layers, sizeof *order, err);
	int rc = 0;
	if (!rng || !density || !key || !done || !order) {
		rc = SIM_ERR_NOMEM;
		goto out;
	}
	gsl_rng_set(rng, o->seed);
	if ((rc = clone_model(&ref, m, err)) ||
	    (rc = accuracy_pct(m, val, &r->val_accuracy_start, err)) ||
	    (check && (rc = accuracy_pct(m, check, &r->check_accuracy_start, err))))
		goto out;
	r->val_accuracy_end = r->val_accuracy_start;
	r->check_accuracy_end = r->check_accuracy_start;
	double floor_acc = r->val_accuracy_start - o->accuracy_bound + o->decision_margin;
	double check_floor = r->check_accuracy_start - o->accuracy_bound;
	say(o, "%s pruning, %s groups: decision set %llu images at %.2f%%, floor %.2f%% (bound %.2f, "
	       "margin %.2f)%s",
	    o->method == EAP_ENERGY_AWARE ? "energy-aware" : "magnitude",
	    o->layer_granularity ? "per-layer" : wl_granularity_names[o->granularity],
	    (unsigned long long)val->n,
	    r->val_accuracy_start, floor_acc, o->accuracy_bound, o->decision_margin,
	    check ? "" : "; no check set");
	if (check)
		say(o, "check set %llu images at %.2f%%, floor %.2f%%", (unsigned long long)check->n,
		    r->check_accuracy_start, check_floor);
	struct node_hook hook = {o, &o->finetune};
	struct nn_train_opts ft = o->finetune;
	ft.step_hook = node_step_hook;
	ft.grad_hook = o->finetune.grad_hook ? node_grad_hook : NULL;
	ft.progress = o->finetune.progress ? node_progress : NULL;
	ft.ctx = &hook;
	for (uint32_t round = 0; round < o->rounds; round++) {
		uint64_t kept_before = nn_model_weights_kept(m);
		snapshot_free(&snap);
		if ((rc = snapshot_take(&snap, m, err)))
			goto out;
		say(o, "round %u: %llu of %llu weights kept", round + 1,
		    (unsigned long long)kept_before, (unsigned long long)nn_model_weights(m));
		memset(done, 0, (size_t)m->n_layers * sizeof *done);
		/* A node layer whose nodes cannot leave the network stays dense. */
		for (int i = 0; i < m->n_layers; i++) {
			char why[160];
			if (wl_layer_has_weights(&m->net.layers[i]) &&
			    granularity_of(o, i) == WL_GRAN_NODE &&
			    !wl_node_prunable(&m->net, i, why, sizeof why)) {
				done[i] = 1;
				if (round == 0)
					say(o, "%s stays dense: %s", m->net.layers[i].name, why);
			}
		}
		for (;;) {
			int li = next_layer(m, train, o, done, density, key, order, err, &rc);
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
		double val_acc, check_acc = NAN;
		if (o->finetune.epochs && (rc = nn_train(m, train, &ft, err)))
			goto out;
		if ((rc = accuracy_pct(m, val, &val_acc, err)) ||
		    (check && (rc = accuracy_pct(m, check, &check_acc, err))))
			goto out;
		say(o, "round %u fine-tuned (%u epoch%s on %llu images): decision set %.2f%%%s",
		    round + 1, o->finetune.epochs, o->finetune.epochs == 1 ? "" : "s",
		    (unsigned long long)train->n, val_acc, check ? "" : "");
		if (check && check_acc < check_floor) {
			snapshot_restore(&snap, m);
			r->rolled_back = true;
			say(o, "round %u check: %.2f%% is below the check floor %.2f%%: round undone, "
			       "pruning stops", round + 1, check_acc, check_floor);
			break;
		}
		if (check)
			say(o, "round %u check: %.2f%% (floor %.2f%%): kept", round + 1, check_acc,
			    check_floor);
		r->val_accuracy_end = val_acc;
		r->check_accuracy_end = check_acc;
		r->rounds_done = round + 1;
		/* Another round only when this one still removed weights (a fixed
		 * density is reached in one). */
		if (o->fixed_density > 0 || nn_model_weights_kept(m) >= kept_before - kept_before / 200)
			break;
	}
	say(o, "done: %u round%s kept, %llu of %llu weights (%.2f%%)", r->rounds_done,
	    r->rounds_done == 1 ? "" : "s", (unsigned long long)nn_model_weights_kept(m),
	    (unsigned long long)nn_model_weights(m),
	    100.0 * (double)nn_model_weights_kept(m) / (double)nn_model_weights(m));
out:
	r->weights = nn_model_weights(m);
	r->weights_kept = nn_model_weights_kept(m);
	snapshot_free(&snap);
	nn_model_deinit(&ref);
	free(order);
	free(done);
	free(key);
	free(density);
	gsl_rng_free(rng);
	return rc;
}
