/* Low-rank factorisation as a compression method beside pruning, decided in
 * the same way as eap.h's pruning so the two compare at equal accuracy: the
 * CONV/FC layers are taken in descending order of weight count; for each, a
 * bisection over the rank finds the lowest rank whose truncated-SVD
 * approximation (compress/lowrank.h) keeps the validation accuracy within
 * accuracy_bound of the starting accuracy (or, with target_weights, the rank
 * whose two factors hold that fraction of the layer's weights); the chosen
 * approximation stays in place while later layers are decided. Then every
 * chosen layer is replaced by its two factors and the whole network is
 * fine-tuned once. A layer whose factors would not hold fewer weights, or
 * whose every useful rank loses too much accuracy, is left as it is. */
#ifndef SIM_EAP_LOWRANK_H
#define SIM_EAP_LOWRANK_H

#include <stdint.h>

#include "core/err.h"
#include "eap/eap.h"
#include "nn/dataset.h"
#include "nn/model.h"
#include "nn/train.h"

struct eap_lowrank_opts {
	double accuracy_bound;  /* accuracy points (%) below the starting validation accuracy */
	double target_weights;  /* > 0: each layer's factors keep this fraction of its weights */
	struct nn_train_opts finetune; /* epochs 0: no fine-tuning */
	eap_progress_fn progress;      /* per layer decision (the density is the layer's
					* weight fraction after factorisation); may be NULL */
	void *progress_ctx;
};

/* Defaults: bound 1 point, search mode, one fine-tuning epoch at lr 0.005. */
void eap_lowrank_opts_default(struct eap_lowrank_opts *o);

/* Decides ranks on m (whose factorised layers are left holding their
 * approximations), then builds the factored, fine-tuned model in out
 * (max_batch and thread count of m; caller releases it, also after failure).
 * rank[i] (m->n_layers entries) receives layer i's rank, 0 = not factorised. */
int eap_lowrank(struct nn_model *m, const struct nn_dataset *train, const struct nn_dataset *val,
		const struct eap_lowrank_opts *o, struct nn_model *out, uint32_t *rank,
		struct sim_err *err);

#endif
