/* Training and evaluation: mini-batch SGD with momentum (the PyTorch form
 * v = mu*v + g, w -= lr*v), L2 weight decay (g += wd*w) and an optional L1
 * penalty (g += l1*sign(w)) on weights (not biases), and a learning-rate
 * schedule per epoch: constant, step (lr * gamma^floor(epoch / step)) or
 * cosine (lr/2 * (1 + cos(pi * epoch / epochs))), where epoch counts from 0.
 * Pruned weights (mask 0) never move. Shuffling draws one permutation per
 * epoch from a gsl_rng seeded with opts.seed, so a run is reproducible for a
 * given seed and thread count. No allocation happens inside the step loop. */
#ifndef SIM_NN_TRAIN_H
#define SIM_NN_TRAIN_H

#include <stdbool.h>
#include <stdint.h>

#include "core/err.h"
#include "nn/dataset.h"
#include "nn/model.h"

enum nn_schedule {
	NN_SCHEDULE_CONSTANT,
	NN_SCHEDULE_STEP,
	NN_SCHEDULE_COSINE,
	NN_SCHEDULE_COUNT
};
extern const char *const nn_schedule_names[NN_SCHEDULE_COUNT];

/* What a progress callback sees. */
struct nn_progress {
	uint32_t epoch;        /* 0-based */
	uint32_t epochs;
	uint64_t batch;        /* batches done in this epoch */
	uint64_t batches;      /* batches per epoch */
	double loss;           /* mean training loss over the batches done */
	double accuracy;       /* training accuracy over the batches done, 0..1 */
	double lr;             /* learning rate of this epoch */
	double images_per_s;   /* wall-clock throughput of this epoch */
	double elapsed_s;      /* wall-clock time of this epoch so far */
	bool epoch_done;       /* last call for this epoch */
};

struct nn_train_opts {
	uint32_t epochs;
	uint32_t batch;          /* <= model max_batch */
	double lr;
	double momentum;
	double weight_decay;     /* L2 coefficient */
	double l1;               /* L1 coefficient (0: off) */
	enum nn_schedule schedule;
	uint32_t step_epochs;    /* step schedule: epochs between decays */
	double step_gamma;       /* step schedule: decay factor */
	uint64_t seed;           /* shuffling */
	/* Called after every backward pass, before the update: grads are the
	 * batch-mean loss gradient (weight decay and L1 not yet added). May change
	 * grads, e.g. to share gradients inside weight-sharing clusters. Non-zero
	 * return stops training with that status (err should be set). */
	int (*grad_hook)(struct nn_model *m, uint64_t step, void *ctx, struct sim_err *err);
	/* Called after every update, e.g. to re-quantise shared weights. */
	int (*step_hook)(struct nn_model *m, uint64_t step, void *ctx, struct sim_err *err);
	/* Called every progress_every batches and at the end of each epoch (from
	 * the training thread, so it may evaluate m). Non-zero return stops. */
	int (*progress)(struct nn_model *m, const struct nn_progress *p, void *ctx,
			struct sim_err *err);
	uint64_t progress_every; /* 0: only at epoch ends */
	void *ctx;               /* passed to the hooks */
};

/* Defaults for LeNet on Fashion-MNIST: 10 epochs, batch 64, lr 0.01,
 * momentum 0.9, weight decay 5e-4, no L1, cosine schedule, seed 1. */
void nn_train_opts_default(struct nn_train_opts *o);

/* Learning rate of epoch e (0-based) under o's schedule. */
double nn_train_lr(const struct nn_train_opts *o, uint32_t epoch);

/* Trains m on data for o->epochs epochs. The last partial batch of an epoch
 * is used (it is smaller). Momentum buffers persist across calls (they live
 * in m); zero them with nn_model_init_weights or by hand to restart. */
int nn_train(struct nn_model *m, const struct nn_dataset *data, const struct nn_train_opts *o,
	     struct sim_err *err);

/* One SGD update of every parameter from its grad (adds weight decay and L1
 * to weights first), keeping masked weights at 0. Used by nn_train; public
 * for callers that run their own loops. */
void nn_sgd_step(struct nn_model *m, double lr, double momentum, double weight_decay, double l1);

struct nn_eval {
	double accuracy; /* top-1, 0..1 */
	double loss;     /* mean cross-entropy */
	uint64_t n;
};

/* Evaluates m on every image of data. Labels must be < m->n_classes. */
int nn_evaluate(struct nn_model *m, const struct nn_dataset *data, struct nn_eval *out,
		struct sim_err *err);

#endif
