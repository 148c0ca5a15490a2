/* The Deep Compression pipeline (Han, Mao, Dally, ICLR 2016, Fig. 1):
 *
 * 1. Pruning (Han et al., NIPS 2015): masks from weight magnitudes, group
 *    norms at the chosen granularity (Mao et al., NIPS 2017), with per-layer
 *    densities from a sparsity profile or Han's threshold quality * std(W).
 *    Schedules: one-shot then retrain; iterative (S rounds reaching densities
 *    d^(s/S), each followed by retraining); gradual (Zhu & Gupta 2017: during
 *    retraining, n pruning events spread over the first 3/4 of the steps set
 *    the density to d_f + (1 - d_f)(1 - k/n)^3 after event k). Retraining is
 *    masked: pruned weights stay exactly zero. Neurons left without inputs or
 *    outputs are removed after each pruning.
 * 2. Weight sharing: per layer, k-means with k = 2^bits over the kept weights
 *    (conv and FC bits separate), then fine-tuning in which each shared
 *    weight moves by the sum of its members' gradients. Because all members
 *    of a cluster start equal, receive the same gradient and (with momentum
 *    buffers zeroed) the same update, they stay equal, so the trainer's
 *    ordinary SGD step updates the centroids. Linear quantisation rounds to a
 *    per-layer fixed-point grid instead (no fine-tuning).
 * 3. Huffman coding of both streams and the .esz file (esz.h); the file is
 *    decoded again and the decoded model evaluated, so the reported accuracy
 *    is that of the stored model. */
#include "compress/pipeline.h"

#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "compress/esz.h"
#include "compress/quant.h"
#include "compress/storage.h"
#include "core/detmath.h"
#include "core/mem.h"
#include "core/outfile.h"
#include "nn/checkpoint.h"
#include "nn/train.h"
#include "workload/sparsity.h"

/* Per-layer pruning target and groups. */
struct target {
	bool has_weights;
	double density;
	struct prune_groups groups;
};

/* Per-layer weight-sharing state (k-means). */
struct share {
	uint32_t k;
	float *codebook; /* owned, k */
	uint32_t *assign; /* owned, per weight; UINT32_MAX when pruned */
	double *sum;      /* owned, k: gradient sums (preallocated for the hook) */
};

struct ctx {
	const struct cmp_io *io;
	struct target *t;
	const struct cmp_recipe *r;
	struct share *sh;
	/* gradual pruning */
	uint64_t every, events, done;
};

static void logf_(const struct cmp_io *io, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void logf_(const struct cmp_io *io, const char *fmt, ...)
{
	if (!io->log)
		return;
	va_list ap;
	va_start(ap, fmt);
	vfprintf(io->log, fmt, ap);
	va_end(ap);
	fflush(io->log);
}

static int evaluate(struct nn_model *m, const struct cmp_io *io, double *acc, struct sim_err *err)
{
	struct nn_eval ev;
	int rc = nn_evaluate(m, io->test, &ev, err);
	*acc = ev.accuracy;
	return rc;
}

/* ---- pruning ---- */

static int targets_init(struct target *t, const struct nn_model *m, const struct cmp_recipe *r,
			struct sim_err *err)
{
	struct wl_sparsity sp = {0};
	int rc = 0;
	if (r->prune.method == CMP_PRUNE_DENSITY)
		rc = wl_sparsity_load(&sp, &m->net, r->prune.profile, err);
	else
		rc = wl_sparsity_dense(&sp, &m->net, err);
	for (int i = 0; !rc && i < m->n_layers; i++) {
		const struct wl_layer *l = &m->net.layers[i];
		t[i].has_weights = wl_layer_has_weights(l);
		if (!t[i].has_weights)
			continue;
		t[i].density = sp.layers[i].weight_density;
		enum wl_granularity g = sp.layers[i].granularity;
		if (l->type == WL_CONV && r->prune.conv_granularity != CMP_GRAN_PROFILE)
			g = (enum wl_granularity)(r->prune.conv_granularity - 1);
		if (g == WL_GRAN_NODE)
			rc = sim_err_set(err, SIM_ERR_USAGE, r->prune.profile, 0, 0,
					 "layer '%s': a recipe prunes with masks and keeps the "
					 "network's shape, so it cannot take granularity node", l->name);
		else
			rc = prune_groups_for_layer(l, g, r->prune.fc_block,
						    sp.layers[i].simd_width, &t[i].groups, err);
	}
	wl_sparsity_deinit(&sp);
	return rc;
}

/* Prunes every weighted layer to density^frac (density method) or by the
 * threshold; the new mask never revives a pruned weight. */
static int prune_all(struct nn_model *m, const struct ctx *c, double frac, struct sim_err *err)
{
	const struct cmp_prune_recipe *p = &c->r->prune;
	for (int i = 0; i < m->n_layers; i++) {
		if (!c->t[i].has_weights)
			continue;
		struct nn_param *w = &m->layers[i].weight;
		uint8_t *mask = sim_malloc(w->n, err);
		if (!mask)
			return SIM_ERR_NOMEM;
		int rc = p->method == CMP_PRUNE_THRESHOLD
				 ? prune_mask_threshold(w->value, &c->t[i].groups, p->norm,
							p->quality, mask, err)
				 : prune_mask_density(w->value, &c->t[i].groups, p->norm,
						      c->t[i].density < 1 ? det_pow(c->t[i].density, frac) : 1,
						      mask, err);
		for (uint64_t j = 0; !rc && j < w->n; j++)
			w->mask[j] &= mask[j];
		free(mask);
		if (rc)
			return rc;
	}
	uint64_t dead = p->remove_dead ? cmp_remove_dead_neurons(m) : 0;
	nn_model_apply_masks(m);
	if (dead)
		logf_(c->io, "  removed %llu weights of dead neurons\n", (unsigned long long)dead);
	return 0;
}

/* Rows (output neurons/filters) of weighted layer i, and the contiguous block
 * of each row of the next weighted layer that reads one input channel. */
static bool next_weighted(const struct nn_model *m, int i, int *j)
{
	for (int k = i + 1; k < m->n_layers; k++) {
		enum wl_layer_type t = m->net.layers[k].type;
		if (t == WL_CONV || t == WL_FC) {
			*j = k;
			return true;
		}
		if (t != WL_RELU && t != WL_MAXPOOL && t != WL_AVGPOOL)
			return false;
	}
	return false;
}

uint64_t cmp_remove_dead_neurons(struct nn_model *m)
{
	uint64_t newly = 0;
	for (int i = 0; i < m->n_layers; i++) {
		int j;
		const struct wl_layer *li = &m->net.layers[i], *lj;
		if (!m->layers[i].weight.n || !next_weighted(m, i, &j))
			continue;
		lj = &m->net.layers[j];
		if ((li->type == WL_CONV && li->groups != 1) || (lj->type == WL_CONV && lj->groups != 1))
			continue;
		struct nn_param *wi = &m->layers[i].weight, *wj = &m->layers[j].weight;
		uint64_t rows_i = li->out.c, len_i = wi->n / rows_i;
		uint64_t rows_j = lj->out.c, len_j = wj->n / rows_j, block = len_j / rows_i;
		if (lj->in.c != rows_i || block * rows_i != len_j)
			continue;
		for (uint64_t c = 0; c < rows_i; c++) {
			bool in_alive = false, out_alive = false;
			for (uint64_t k = 0; k < len_i && !in_alive; k++)
				in_alive = wi->mask[c * len_i + k];
			for (uint64_t r = 0; r < rows_j && !out_alive; r++)
				for (uint64_t k = 0; k < block && !out_alive; k++)
					out_alive = wj->mask[r * len_j + c * block + k];
			if (in_alive == out_alive)
				continue;
			/* one side is gone: the other side's weights are useless */
			if (!in_alive)
				for (uint64_t r = 0; r < rows_j; r++)
					for (uint64_t k = 0; k < block; k++) {
						newly += wj->mask[r * len_j + c * block + k];
						wj->mask[r * len_j + c * block + k] = 0;
					}
			else
				for (uint64_t k = 0; k < len_i; k++) {
					newly += wi->mask[c * len_i + k];
					wi->mask[c * len_i + k] = 0;
				}
		}
	}
	return newly;
}

static int progress(struct nn_model *m, const struct nn_progress *p, void *vctx,
		    struct sim_err *err)
{
	(void)m;
	(void)err;
	const struct ctx *c = vctx;
	if (p->epoch_done)
		logf_(c->io, "    epoch %u/%u  lr %.5f  loss %.4f  train %.2f%%  %.1f s\n",
		      p->epoch + 1, p->epochs, p->lr, p->loss, 100 * p->accuracy, p->elapsed_s);
	return 0;
}

/* Zhu & Gupta's gradual schedule, run after each update. */
static int gradual_hook(struct nn_model *m, uint64_t step, void *vctx, struct sim_err *err)
{
	struct ctx *c = vctx;
	if (c->done >= c->events || step % c->every != 0)
		return 0;
	c->done++;
	/* each layer's density after event k: d_f + (1 - d_f) (1 - k/n)^3 */
	double x = 1.0 - (double)c->done / (double)c->events;
	int rc = 0;
	struct target *tt = c->t;
	double *keep = sim_malloc((size_t)m->n_layers * sizeof *keep, err);
	if (!keep)
		return SIM_ERR_NOMEM;
	for (int i = 0; i < m->n_layers; i++) {
		keep[i] = tt[i].density;
		if (tt[i].has_weights)
			tt[i].density = tt[i].density + (1 - tt[i].density) * x * x * x;
	}
	rc = prune_all(m, c, 1.0, err);
	for (int i = 0; i < m->n_layers; i++)
		tt[i].density = keep[i];
	free(keep);
	return rc;
}

static void train_opts(struct nn_train_opts *o, const struct cmp_recipe *r, uint32_t epochs,
		       double lr, struct ctx *c)
{
	nn_train_opts_default(o);
	o->epochs = epochs;
	o->batch = r->batch;
	o->lr = lr;
	o->weight_decay = r->weight_decay;
	o->seed = r->seed;
	o->schedule = NN_SCHEDULE_COSINE;
	o->progress = progress;
	o->ctx = c;
}

static int run_pruning(struct nn_model *m, struct ctx *c, struct sim_err *err)
{
	const struct cmp_prune_recipe *p = &c->r->prune;
	struct nn_train_opts o;
	int rc = 0;
	if (p->schedule == CMP_SCHED_GRADUAL) {
		uint64_t batches = (c->io->train->n + c->r->batch - 1) / c->r->batch;
		uint64_t total = batches * p->epochs;
		c->events = p->steps;
		c->every = (3 * total / 4) / p->steps;
		c->every = c->every ? c->every : 1;
		c->done = 0;
		train_opts(&o, c->r, p->epochs, p->lr, c);
		o.step_hook = gradual_hook;
		logf_(c->io, "  gradual pruning: %u events every %llu steps over %u epochs\n", p->steps,
		      (unsigned long long)c->every, p->epochs);
		return nn_train(m, c->io->train, &o, err);
	}
	for (uint32_t s = 1; !rc && s <= p->steps; s++) {
		double frac = (double)s / p->steps;
		if ((rc = prune_all(m, c, frac, err)))
			break;
		double acc;
		if ((rc = evaluate(m, c->io, &acc, err)))
			break;
		logf_(c->io, "  prune step %u/%u: %llu of %llu weights kept, test %.2f%%\n", s,
		      p->steps, (unsigned long long)nn_model_weights_kept(m),
		      (unsigned long long)nn_model_weights(m), 100 * acc);
		if (p->epochs) {
			train_opts(&o, c->r, p->epochs, p->lr, c);
			rc = nn_train(m, c->io->train, &o, err);
		}
	}
	return rc;
}

/* ---- quantisation ---- */

static void shares_free(struct share *sh, int n)
{
	for (int i = 0; sh && i < n; i++) {
		free(sh[i].codebook);
		free(sh[i].assign);
		free(sh[i].sum);
	}
	free(sh);
}

static int share_grad_hook(struct nn_model *m, uint64_t step, void *vctx, struct sim_err *err)
{
	(void)step;
	(void)err;
	struct ctx *c = vctx;
	for (int i = 0; i < m->n_layers; i++) {
		struct share *s = &c->sh[i];
		struct nn_param *w = &m->layers[i].weight;
		if (!s->k)
			continue;
		memset(s->sum, 0, s->k * sizeof *s->sum);
		for (uint64_t j = 0; j < w->n; j++)
			if (s->assign[j] != UINT32_MAX)
				s->sum[s->assign[j]] += w->grad[j];
		for (uint64_t j = 0; j < w->n; j++)
			if (s->assign[j] != UINT32_MAX)
				w->grad[j] = (float)s->sum[s->assign[j]];
	}
	return 0;
}

static int float_cmp(const void *a, const void *b)
{
	float x = *(const float *)a, y = *(const float *)b;
	return (x > y) - (x < y);
}

static int quantize_kmeans(struct nn_model *m, struct ctx *c, gsl_rng *rng, struct sim_err *err)
{
	const struct cmp_quant_recipe *q = &c->r->quant;
	int rc = 0;
	for (int i = 0; !rc && i < m->n_layers; i++) {
		struct nn_param *w = &m->layers[i].weight;
		struct share *s = &c->sh[i];
		uint64_t kept = 0;
		for (uint64_t j = 0; j < w->n; j++)
			kept += w->mask[j];
		if (!w->n || !kept)
			continue;
		unsigned bits = m->net.layers[i].type == WL_CONV ? q->bits_conv : q->bits_fc;
		s->k = 1u << bits;
		float *x = sim_malloc(kept * sizeof *x, err);
		uint32_t *a = sim_malloc(kept * sizeof *a, err);
		s->codebook = sim_malloc(s->k * sizeof *s->codebook, err);
		s->assign = sim_malloc(w->n * sizeof *s->assign, err);
		s->sum = sim_malloc(s->k * sizeof *s->sum, err);
		if (!x || !a || !s->codebook || !s->assign || !s->sum)
			rc = SIM_ERR_NOMEM;
		uint64_t n = 0;
		for (uint64_t j = 0; !rc && j < w->n; j++)
			if (w->mask[j])
				x[n++] = w->value[j];
		if (!rc)
			rc = km_cluster(x, n, s->k, (enum km_init)q->init, rng, 100, s->codebook, a,
					NULL, err);
		for (uint64_t j = 0, t = 0; !rc && j < w->n; j++) {
			s->assign[j] = w->mask[j] ? a[t++] : UINT32_MAX;
			if (w->mask[j])
				w->value[j] = s->codebook[s->assign[j]];
		}
		free(x);
		free(a);
	}
	return rc;
}

/* After fine-tuning: the codebook is the (sorted, distinct) set of the
 * members' values; members of a cluster are equal by construction, which is
 * checked (a mismatch is an internal error, not silently averaged). */
static int codebook_finish(struct nn_model *m, struct share *s, int layer, struct sim_err *err)
{
	struct nn_param *w = &m->layers[layer].weight;
	bool *seen = sim_calloc(s->k, sizeof *seen, err);
	if (!seen)
		return SIM_ERR_NOMEM;
	for (uint64_t j = 0; j < w->n; j++) {
		uint32_t a = s->assign[j];
		if (a == UINT32_MAX)
			continue;
		if (!seen[a]) {
			s->codebook[a] = w->value[j];
			seen[a] = true;
		} else if (s->codebook[a] != w->value[j]) {
			free(seen);
			return sim_err_set(err, SIM_ERR_INTERNAL, NULL, 0, 0,
					   "layer '%s': members of cluster %u diverged",
					   m->net.layers[layer].name, a);
		}
	}
	uint32_t k = 0;
	for (uint32_t a = 0; a < s->k; a++)
		if (seen[a])
			s->codebook[k++] = s->codebook[a];
	free(seen);
	qsort(s->codebook, k, sizeof *s->codebook, float_cmp);
	uint32_t d = 0;
	for (uint32_t a = 0; a < k; a++)
		if (!d || s->codebook[a] != s->codebook[d - 1])
			s->codebook[d++] = s->codebook[a];
	s->k = d;
	return 0;
}

static int run_quant(struct nn_model *m, struct ctx *c, struct esz_layer_spec *spec,
		     struct sim_err *err)
{
	const struct cmp_quant_recipe *q = &c->r->quant;
	int rc = 0;
	if (q->kind == CMP_QUANT_KMEANS) {
		gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
		if (!rng)
			return sim_err_set(err, SIM_ERR_NOMEM, NULL, 0, 0, "cannot allocate an rng");
		gsl_rng_set(rng, c->r->seed);
		rc = quantize_kmeans(m, c, rng, err);
		gsl_rng_free(rng);
		if (!rc && q->epochs) {
			double acc;
			if ((rc = evaluate(m, c->io, &acc, err)))
				return rc;
			logf_(c->io, "  k-means weight sharing: test %.2f%% before fine-tuning\n",
			      100 * acc);
			for (int i = 0; i < m->n_layers; i++)
				if (m->layers[i].weight.n)
					memset(m->layers[i].weight.velocity, 0,
					       m->layers[i].weight.n * sizeof(float));
			struct nn_train_opts o;
			train_opts(&o, c->r, q->epochs, q->lr, c);
			o.grad_hook = share_grad_hook;
			rc = nn_train(m, c->io->train, &o, err);
		}
		for (int i = 0; !rc && i < m->n_layers; i++)
			if (c->sh[i].k)
				rc = codebook_finish(m, &c->sh[i], i, err);
	}
	for (int i = 0; !rc && i < m->n_layers; i++) {
		struct nn_param *w = &m->layers[i].weight;
		if (!w->n)
			continue;
		unsigned bits = m->net.layers[i].type == WL_CONV ? q->bits_conv : q->bits_fc;
		spec[i] = (struct esz_layer_spec){.wbits = bits, .ibits = c->r->index_bits,
						  .huffman = c->r->huffman};
		if (q->kind == CMP_QUANT_KMEANS && c->sh[i].k) {
			spec[i].kind = ESZ_KMEANS;
			spec[i].k = c->sh[i].k;
			spec[i].codebook = c->sh[i].codebook;
		} else {
			/* kind none still needs a code in the file: 16-bit linear */
			unsigned lb = q->kind == CMP_QUANT_LINEAR ? bits : 16;
			spec[i].kind = ESZ_LINEAR;
			spec[i].wbits = lb;
			spec[i].scale = (float)quant_scale(w->value, w->n, lb);
			quant_linear(w->value, w->n, lb, (double)spec[i].scale, NULL, w->value);
		}
	}
	return rc;
}

/* ---- the whole run ---- */

static bool models_equal(const struct nn_model *a, const struct nn_model *b)
{
	for (int i = 0; i < a->n_layers; i++) {
		const struct nn_layer *x = &a->layers[i], *y = &b->layers[i];
		if (x->weight.n != y->weight.n || x->bias.n != y->bias.n)
			return false;
		if (x->weight.n && (memcmp(x->weight.value, y->weight.value, x->weight.n * 4) ||
				    memcmp(x->weight.mask, y->weight.mask, x->weight.n)))
			return false;
		if (x->bias.n && memcmp(x->bias.value, y->bias.value, x->bias.n * 4))
			return false;
	}
	return true;
}

int cmp_pipeline_run(struct nn_model *m, const struct cmp_recipe *r, const struct cmp_io *io,
		     const char *out_path, struct cmp_result *res, struct sim_err *err)
{
	memset(res, 0, sizeof *res);
	int n = m->n_layers, rc, n_acct = 0;
	struct target *t = sim_calloc((size_t)n, sizeof *t, err);
	struct share *sh = sim_calloc((size_t)n, sizeof *sh, err);
	struct esz_layer_spec *spec = sim_calloc((size_t)n, sizeof *spec, err);
	struct storage_layer *acct = sim_calloc((size_t)n, sizeof *acct, err);
	struct nn_model back = {0};
	if (!t || !sh || !spec || !acct) {
		rc = SIM_ERR_NOMEM;
		goto fail;
	}
	struct ctx c = {.io = io, .t = t, .r = r, .sh = sh};
	if ((rc = targets_init(t, m, r, err)) || (rc = evaluate(m, io, &res->acc_base, err)))
		goto fail;
	logf_(io, "baseline: %llu weights, test %.2f%%\n", (unsigned long long)nn_model_weights(m),
	      100 * res->acc_base);
	if (r->prune.method != CMP_PRUNE_NONE) {
		logf_(io, "pruning (%s, %s schedule, %u step(s), %u epoch(s) retraining each)\n",
		      cmp_method_names[r->prune.method], cmp_schedule_names[r->prune.schedule],
		      r->prune.steps, r->prune.epochs);
		if ((rc = run_pruning(m, &c, err)))
			goto fail;
	}
	if ((rc = evaluate(m, io, &res->acc_pruned, err)))
		goto fail;
	res->weights = nn_model_weights(m);
	res->kept = nn_model_weights_kept(m);
	logf_(io, "after pruning: %llu of %llu weights kept (%.2f%%), test %.2f%%\n",
	      (unsigned long long)res->kept, (unsigned long long)res->weights,
	      100.0 * (double)res->kept / (double)res->weights, 100 * res->acc_pruned);
	logf_(io, "quantisation: %s, %u bits CONV, %u bits FC\n", cmp_quant_names[r->quant.kind],
	      r->quant.bits_conv, r->quant.bits_fc);
	if ((rc = run_quant(m, &c, spec, err)))
		goto fail;
	/* Activations quantised at inference, calibrated on 256 training images. */
	uint64_t calib = io->train->n < 256 ? io->train->n : 256;
	if (r->quant.act_bits) {
		logf_(io, "activations: %u bits at inference\n", r->quant.act_bits);
		if ((rc = nn_model_set_act_quant(m, r->quant.act_bits, io->train->images, calib, err)))
			goto fail;
	}
	if ((rc = evaluate(m, io, &res->acc_quant, err)))
		goto fail;
	logf_(io, "after quantisation: test %.2f%%\n", 100 * res->acc_quant);
	for (int i = 0; i < n; i++) {
		if (!t[i].has_weights)
			continue;
		unsigned bits = m->net.layers[i].type == WL_CONV ? r->quant.bits_conv : r->quant.bits_fc;
		struct storage_layer gl;
		if ((rc = storage_layer_from_mask(&m->net.layers[i], &t[i].groups,
						  m->layers[i].weight.mask, bits, r->index_bits, &gl,
						  err)))
			goto fail;
		struct storage_row row;
		storage_row_of_layer(&gl, &row);
		res->bits_pq_grouped += row.bits_pq;
		res->index_entries_grouped += gl.index_entries;
	}
	struct esz_meta meta = {io->data_mean, io->data_std, res->acc_quant};
	if ((rc = esz_save(m, spec, &meta, out_path, acct, &n_acct, &res->file_bytes, err)))
		goto fail;
	struct storage_row total;
	storage_row_total(acct, n_acct, &total);
	res->bits_pq = total.bits_pq;
	res->bits_pqh = total.bits_pqh;
	res->ratio_file = 32.0 * (double)res->weights / (8.0 * (double)res->file_bytes);
	if (io->log) {
		fprintf(io->log, "storage (biases included as 32-bit floats):\n");
		storage_table_print(acct, n_acct, io->log);
	}
	if (io->csv && (rc = storage_table_write_csv(acct, n_acct, io->csv, err)))
		goto fail;
	struct esz_meta back_meta;
	if ((rc = esz_load(&back, &back_meta, out_path, m->max_batch, io->threads, err)))
		goto fail;
	res->decoded_identical = models_equal(m, &back);
	if (r->quant.act_bits &&
	    (rc = nn_model_set_act_quant(&back, r->quant.act_bits, io->train->images, calib, err)))
		goto fail;
	if ((rc = evaluate(&back, io, &res->acc_decoded, err)))
		goto fail;
	logf_(io, "wrote %s: %llu bytes, %.1fx smaller than the 32-bit dense weights; accounting "
		  "%llu bytes (%+.2f%%); decoded model %s, test %.2f%%\n",
	      out_path, (unsigned long long)res->file_bytes, res->ratio_file,
	      (unsigned long long)((res->bits_pqh + 7) / 8),
	      100.0 * ((double)res->file_bytes * 8.0 / (double)res->bits_pqh - 1.0),
	      res->decoded_identical ? "identical" : "DIFFERS", 100 * res->acc_decoded);
fail:
	nn_model_deinit(&back);
	shares_free(sh, n);
	free(t);
	free(spec);
	free(acct);
	return rc;
}

int cmp_result_append_csv(const struct cmp_result *res, const struct cmp_recipe *r,
			  const char *model, const char *path, struct sim_err *err)
{
	struct sim_out out;
	int rc = sim_out_open_append(&out, path, err);
	if (rc)
		return rc;
	FILE *f = out.f;
	if (out.kept_bytes == 0)
		fprintf(f, "recipe,model,conv_granularity,weights,kept,density,acc_base,acc_pruned,"
			   "acc_quant,acc_decoded,file_bytes,ratio_file,bits_pq,bits_pqh,"
			   "bits_pq_grouped,index_entries_grouped\n");
	fprintf(f, "%s,%s,%s,%llu,%llu,%.6f,%.4f,%.4f,%.4f,%.4f,%llu,%.2f,%llu,%llu,%llu,%llu\n",
		r->name, model, cmp_granularity_names[r->prune.conv_granularity],
		(unsigned long long)res->weights, (unsigned long long)res->kept,
		(double)res->kept / (double)res->weights, 100 * res->acc_base,
		100 * res->acc_pruned, 100 * res->acc_quant, 100 * res->acc_decoded,
		(unsigned long long)res->file_bytes, res->ratio_file,
		(unsigned long long)res->bits_pq, (unsigned long long)res->bits_pqh,
		(unsigned long long)res->bits_pq_grouped,
		(unsigned long long)res->index_entries_grouped);
	return sim_out_commit(&out, err);
}

int cmp_model_load_any(struct nn_model *m, struct nn_ckpt_meta *meta, const char *path,
		       uint32_t max_batch, uint32_t n_threads, struct sim_err *err)
{
	if (!esz_is_esz(path))
		return nn_checkpoint_load(m, meta, path, max_batch, n_threads, err);
	struct esz_meta em = {0};
	int rc = esz_load(m, &em, path, max_batch, n_threads, err);
	if (meta)
		*meta = (struct nn_ckpt_meta){.test_accuracy = em.test_accuracy, .test_loss = -1,
					      .data_mean = em.data_mean, .data_std = em.data_std};
	return rc;
}
