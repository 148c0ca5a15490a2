/* Rank search and fine-tuning of low-rank factorisation (see lowrank.h).
 * The bisection keeps the lowest rank known to meet the floor (hi) and the
 * highest known to miss it (lo); it starts from rank 1 and the largest useful
 * rank, so a layer takes about log2(max rank) + 2 evaluations. */
#include "eap/lowrank.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "compress/lowrank.h"
#include "core/mem.h"

void eap_lowrank_opts_default(struct eap_lowrank_opts *o)
{
	memset(o, 0, sizeof *o);
	o->accuracy_bound = 1.0;
	nn_train_opts_default(&o->finetune);
	o->finetune.epochs = 1;
	o->finetune.lr = 0.005;
	o->finetune.schedule = NN_SCHEDULE_CONSTANT;
}

static int val_accuracy(struct nn_model *m, const struct nn_dataset *val, double *acc,
			struct sim_err *err)
{
	struct nn_eval ev;
	int rc = nn_evaluate(m, val, &ev, err);
	*acc = 100.0 * ev.accuracy;
	return rc;
}

/* Fraction of a layer's weights its two factors at rank r hold. */
static double factor_fraction(const struct wl_layer *l, uint32_t r)
{
	struct wl_conv_shape s = wl_layer_conv_shape(l);
	double rows = s.M, cols = (double)s.C * s.R * s.S;
	return r * (rows + cols) / (rows * cols);
}

/* Decides layer li's rank, leaving its weights at the chosen approximation
 * (or as they were, rank 0). */
static int decide_layer(struct nn_model *m, int li, const struct nn_dataset *val,
			double floor_acc, const struct eap_lowrank_opts *o, uint32_t *rank_out,
			double *acc_out, struct sim_err *err)
{
	struct nn_layer *L = &m->layers[li];
	const struct wl_layer *l = &m->net.layers[li];
	uint32_t max_rank = cmp_lowrank_max_rank(l);
	*rank_out = 0;
	*acc_out = NAN;
	if (max_rank == 0)
		return 0;
	struct cmp_svd d = {0};
	float *w0 = sim_malloc(L->weight.n * sizeof *w0, err);
	int rc = w0 ? cmp_svd_init(&d, L, err) : SIM_ERR_NOMEM;
	if (rc)
		goto done;
	memcpy(w0, L->weight.value, L->weight.n * sizeof *w0);
	double acc;
	if (o->target_weights > 0) {
		struct wl_conv_shape s = wl_layer_conv_shape(l);
		double r = floor(o->target_weights * s.M * ((double)s.C * s.R * s.S) /
				 (s.M + (double)s.C * s.R * s.S));
		uint32_t rank = r < 1 ? 1 : r > max_rank ? max_rank : (uint32_t)r;
		cmp_svd_approx(&d, rank, L->weight.value);
		if (!(rc = val_accuracy(m, val, &acc, err))) {
			*rank_out = rank;
			*acc_out = acc;
		}
		goto done;
	}
	/* lo: highest rank known to miss the floor; hi: lowest known to meet it. */
	uint32_t lo = 0, hi = 0;
	double hi_acc = NAN;
	for (uint32_t trial = 0; rc == 0; trial++) {
		uint32_t r = trial == 0 ? 1 : trial == 1 ? max_rank : lo + (hi - lo) / 2;
		if ((trial == 1 && lo >= max_rank) || (trial > 1 && (hi == 0 || hi - lo <= 1)))
			break;
		cmp_svd_approx(&d, r, L->weight.value);
		if ((rc = val_accuracy(m, val, &acc, err)))
			break;
		if (acc >= floor_acc) {
			hi = r;
			hi_acc = acc;
			if (trial == 0)
				break;
		} else {
			lo = r;
		}
		if (trial == 1 && hi == 0)
			break; /* even the largest useful rank misses the floor */
	}
	if (!rc && hi > 0) {
		cmp_svd_approx(&d, hi, L->weight.value);
		*rank_out = hi;
		*acc_out = hi_acc;
	} else {
		memcpy(L->weight.value, w0, L->weight.n * sizeof *w0);
	}
done:
	cmp_svd_deinit(&d);
	free(w0);
	return rc;
}

int eap_lowrank(struct nn_model *m, const struct nn_dataset *train, const struct nn_dataset *val,
		const struct eap_lowrank_opts *o, struct nn_model *out, uint32_t *rank,
		struct sim_err *err)
{
	memset(out, 0, sizeof *out);
	int n = m->n_layers, rc = 0;
	int *done = sim_calloc((size_t)n, sizeof *done, err);
	if (!done)
		return SIM_ERR_NOMEM;
	for (int i = 0; i < n; i++)
		rank[i] = 0;
	double start, acc;
	if ((rc = val_accuracy(m, val, &start, err)))
		goto out;
	double floor_acc = start - o->accuracy_bound;
	for (;;) {
		int best = -1;
		for (int i = 0; i < n; i++)
			if (!done[i] && m->layers[i].weight.n &&
			    (best < 0 || m->layers[i].weight.n > m->layers[best].weight.n))
				best = i;
		if (best < 0)
			break;
		done[best] = 1;
		if ((rc = decide_layer(m, best, val, floor_acc, o, &rank[best], &acc, err)))
			goto out;
		if (o->progress)
			o->progress(o->progress_ctx, 0, m->net.layers[best].name,
				    rank[best] ? factor_fraction(&m->net.layers[best], rank[best]) : 1.0,
				    acc);
	}
	if ((rc = cmp_lowrank_factor(m, rank, m->max_batch, m->n_threads, out, err)))
		goto out;
	if (o->finetune.epochs)
		rc = nn_train(out, train, &o->finetune, err);
out:
	free(done);
	return rc;
}
