/* Mini-batch stochastic gradient descent with momentum (Polyak 1964, in the
 * form used by Sutskever et al. 2013 and PyTorch: v = mu*v + g, w -= lr*v),
 * L2 weight decay (Krogh & Hertz 1992: g += wd*w) and an L1 penalty
 * (g += l1*sign(w)), which pushes weights that the loss does not need to
 * zero so that magnitude pruning (Han et al. 2015) removes them cheaply.
 * Learning-rate schedules: step decay and cosine annealing without restarts
 * (Loshchilov & Hutter 2017), evaluated once per epoch.
 *
 * Each epoch visits the training set in a fresh permutation drawn from a
 * gsl_rng seeded with opts.seed; the batch images are gathered into a buffer
 * allocated before the loop. */
#include "nn/train.h"

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/detmath.h"
#include "core/mem.h"

const char *const nn_schedule_names[NN_SCHEDULE_COUNT] = {"constant", "step", "cosine"};
_Static_assert(NN_SCHEDULE_COUNT == 3, "nn_schedule_names must list every schedule");

void nn_train_opts_default(struct nn_train_opts *o)
{
	memset(o, 0, sizeof *o);
	o->epochs = 10;
	o->batch = 64;
	o->lr = 0.01;
	o->momentum = 0.9;
	o->weight_decay = 5e-4;
	o->l1 = 0.0;
	o->schedule = NN_SCHEDULE_COSINE;
	o->step_epochs = 4;
	o->step_gamma = 0.1;
	o->seed = 1;
}

double nn_train_lr(const struct nn_train_opts *o, uint32_t epoch)
{
	switch (o->schedule) {
	case NN_SCHEDULE_STEP:
		return o->lr * det_powi(o->step_gamma, o->step_epochs ? epoch / o->step_epochs : 0);
	case NN_SCHEDULE_COSINE:
		return 0.5 * o->lr * (1.0 + det_cos(M_PI * epoch / (o->epochs ? o->epochs : 1)));
	default:
		return o->lr;
	}
}

/* Checks that data fits m: image shape and label range. */
static int data_check(const struct nn_model *m, const struct nn_dataset *data,
		      struct sim_err *err)
{
	const struct wl_tensor_shape in = m->net.input;
	if (data->c != in.c || data->h != in.h || data->w != in.w)
		return sim_err_set(err, SIM_ERR_DATA, data->source, 0, 0,
				   "images are %ux%ux%u but network '%s' expects %ux%ux%u", data->c,
				   data->h, data->w, m->net.name, in.c, in.h, in.w);
	if (data->n_classes > m->n_classes)
		return sim_err_set(err, SIM_ERR_DATA, data->labels_source, 0, 0,
				   "labels go up to %u but network '%s' has %u outputs",
				   data->n_classes - 1, m->net.name, m->n_classes);
	if (data->n == 0)
		return sim_err_set(err, SIM_ERR_DATA, data->source, 0, 0, "no images");
	return 0;
}

/* One tensor's update, written without branches so that it vectorises:
 * keep is 1.0 or 0.0, and "* keep + 0.0f" turns the update of a pruned entry
 * into exactly +0.0 (a -0.0 product plus +0.0 is +0.0) while leaving every
 * other value unchanged. */
static void sgd_param(struct nn_param *p, float lr, float mu, float wd, float l1)
{
	float *restrict w = p->value, *restrict v = p->velocity;
	const float *restrict g = p->grad;
	const uint8_t *restrict mask = p->mask;
	if (!mask) {
		for (uint64_t j = 0; j < p->n; j++) {
			v[j] = mu * v[j] + g[j];
			w[j] -= lr * v[j];
		}
		return;
	}
	for (uint64_t j = 0; j < p->n; j++) {
		const float x = w[j], keep = (float)mask[j];
		const float sign = (float)(x > 0.0f) - (float)(x < 0.0f);
		const float nv = mu * v[j] + (g[j] + wd * x + l1 * sign);
		v[j] = nv * keep + 0.0f;
		w[j] = (x - lr * nv) * keep + 0.0f;
	}
}

void nn_sgd_step(struct nn_model *m, double lr, double momentum, double weight_decay, double l1)
{
	for (int i = 0; i < m->n_layers; i++) {
		sgd_param(&m->layers[i].weight, (float)lr, (float)momentum, (float)weight_decay,
			  (float)l1);
		sgd_param(&m->layers[i].bias, (float)lr, (float)momentum, 0.0f, 0.0f);
	}
}

int nn_train(struct nn_model *m, const struct nn_dataset *data, const struct nn_train_opts *o,
	     struct sim_err *err)
{
	if (o->batch == 0 || o->batch > m->max_batch)
		return sim_err_set(err, SIM_ERR_USAGE, NULL, 0, 0,
				   "batch size %u must be in [1, %u] (the model's workspace)",
				   o->batch, m->max_batch);
	if (data_check(m, data, err))
		return err->code;
	const uint64_t img = (uint64_t)data->c * data->h * data->w;
	const uint64_t batches = (data->n + o->batch - 1) / o->batch;
	int rc = 0;
	gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
	uint64_t *perm = rng ? sim_malloc(data->n * sizeof *perm, err) : NULL;
	float *bx = perm ? sim_malloc(o->batch * img * sizeof *bx, err) : NULL;
	uint8_t *by = bx ? sim_malloc(o->batch, err) : NULL;
	if (!by) {
		rc = rng ? (int)err->code : sim_err_set(err, SIM_ERR_NOMEM, NULL, 0, 0, "out of memory");
		goto done;
	}
	gsl_rng_set(rng, (unsigned long)o->seed);
	for (uint64_t i = 0; i < data->n; i++)
		perm[i] = i;
	uint64_t step = 0;
	for (uint32_t epoch = 0; epoch < o->epochs; epoch++) {
		const double lr = nn_train_lr(o, epoch), t0 = sim_now_s();
		gsl_ran_shuffle(rng, perm, data->n, sizeof *perm);
		double loss = 0.0;
		uint64_t correct = 0, seen = 0;
		for (uint64_t b = 0; b < batches; b++, step++) {
			const uint64_t first = b * o->batch;
			const uint32_t n = (uint32_t)(data->n - first < o->batch ? data->n - first
										 : o->batch);
			for (uint32_t i = 0; i < n; i++) {
				memcpy(bx + i * img, data->images + perm[first + i] * img,
				       img * sizeof *bx);
				by[i] = data->labels[perm[first + i]];
			}
			double bl;
			uint64_t bc;
			nn_model_backprop(m, bx, by, n, &bl, &bc);
			loss += bl;
			correct += bc;
			seen += n;
			if (o->grad_hook && (rc = o->grad_hook(m, step, o->ctx, err)))
				goto done;
			nn_sgd_step(m, lr, o->momentum, o->weight_decay, o->l1);
			if (o->step_hook && (rc = o->step_hook(m, step, o->ctx, err)))
				goto done;
			const bool last = b + 1 == batches;
			if (!o->progress || !(last || (o->progress_every &&
							(b + 1) % o->progress_every == 0)))
				continue;
			const double el = sim_now_s() - t0;
			struct nn_progress p = {
				.epoch = epoch, .epochs = o->epochs, .batch = b + 1,
				.batches = batches, .loss = loss / (double)seen,
				.accuracy = (double)correct / (double)seen, .lr = lr,
				.images_per_s = el > 0 ? (double)seen / el : 0.0, .elapsed_s = el,
				.epoch_done = last,
			};
			if ((rc = o->progress(m, &p, o->ctx, err)))
				goto done;
		}
	}
done:
	free(by);
	free(bx);
	free(perm);
	if (rng)
		gsl_rng_free(rng);
	return rc;
}

int nn_evaluate(struct nn_model *m, const struct nn_dataset *data, struct nn_eval *out,
		struct sim_err *err)
{
	if (data_check(m, data, err))
		return err->code;
	double loss;
	uint64_t correct;
	nn_model_forward(m, data->images, data->labels, data->n, &loss, &correct, NULL);
	out->n = data->n;
	out->accuracy = (double)correct / (double)data->n;
	out->loss = loss / (double)data->n;
	return 0;
}
