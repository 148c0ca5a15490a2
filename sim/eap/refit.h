/* Least-squares refit of a pruned layer (Yang, Chen, Sze, CVPR 2017, step 3 of
 * energy-aware pruning): after weights are removed, the surviving weights of
 * each output are re-solved in closed form so that the layer's outputs on
 * sample inputs match those of the unpruned layer as closely as possible.
 *
 * Layout: a layer is Y = X W^T + b with X n_samples x n_in (row-major; for a
 * CONV layer, im2col patches of one group), W n_out x n_in (row-major), b n_out. */
#ifndef SIM_EAP_REFIT_H
#define SIM_EAP_REFIT_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

struct eap_layer_data {
	const float *x;   /* n_samples x n_in sample inputs (borrowed) */
	const float *y;   /* n_samples x n_out outputs of the unpruned layer (borrowed) */
	size_t n_samples, n_in, n_out;
};

/* The sufficient statistics of a layer's samples: with A = [X 1],
 * gram = A^T A ((n_in+1)^2) and cross = A^T Y ((n_in+1) x n_out), in double.
 * Computed once per layer; every refit and every error estimate then costs
 * nothing proportional to the number of samples. Caller owns; deinit frees. */
struct eap_stats {
	size_t n_in, n_out;
	double *gram;
	double *cross;
	double yy;        /* sum of Y^2, for absolute errors */
};

int eap_stats_init(struct eap_stats *s, const struct eap_layer_data *d, struct sim_err *err);
void eap_stats_deinit(struct eap_stats *s);

/* For every output o, solves min over (w_S, b_o) of || X[:,S] w_S + b_o - Y[:,o] ||^2
 * where S is the set of inputs with keep[o*n_in + i] != 0, and writes the
 * solution into w (pruned entries are set to exactly 0). bias may be NULL for a
 * layer without bias (then b_o stays 0). */
int eap_refit(const struct eap_stats *s, float *w, const uint8_t *keep, float *bias,
	      struct sim_err *err);

/* Sum over samples and outputs of the squared difference between X W^T + b and
 * Y, from the statistics: sum_o (a_o^T G a_o - 2 a_o^T c_o) + sum Y^2 with
 * a_o = [w_o; b_o]. */
int eap_output_sq_error(const struct eap_stats *s, const float *w, const float *bias, double *out,
			struct sim_err *err);

#endif
