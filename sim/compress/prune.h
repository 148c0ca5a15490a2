/* Magnitude pruning masks at several granularities (Han et al. 2015; Mao et
 * al. 2017; Scalpel, Yu et al. 2017). A layer's weights are viewed as rows (one
 * per output channel / neuron) of row_len contiguous weights, each row split
 * into aligned groups of `width` weights (the last group of a row may be
 * shorter). Every granularity is such a split: for CONV W[m][c][r][s],
 * 0-D width 1, 1-D width S, 2-D width R*S, 3-D and node width C*R*S; for FC
 * W[m][c], single weights, row blocks of a given length, whole rows. SIMD
 * groups are simd_width consecutive weights of a row for both: the input
 * dimension of the layer's matrix (FC W[m][k], CONV lowered to
 * W[m][c*R*S + r*S + s]), so a kept group is one aligned vector load. */
#ifndef SIM_COMPRESS_PRUNE_H
#define SIM_COMPRESS_PRUNE_H

#include <stdint.h>

#include "core/err.h"
#include "workload/network.h"
#include "workload/sparsity.h"

enum prune_norm {
	PRUNE_L1, /* mean |w| over the group */
	PRUNE_L2, /* root mean square over the group */
	PRUNE_NORM_COUNT
};
extern const char *const prune_norm_names[PRUNE_NORM_COUNT]; /* "l1", "l2" */

struct prune_groups {
	uint64_t rows, row_len, width;
};

/* Groups of a CONV/FC layer at granularity g. fc_block is the row-block length
 * used for FC layers at 1-D, simd_width the group width at simd (each used
 * only there). 2-D has no FC analogue and is an error. */
int prune_groups_for_layer(const struct wl_layer *layer, enum wl_granularity g,
			   uint64_t fc_block, uint64_t simd_width, struct prune_groups *out,
			   struct sim_err *err);
uint64_t prune_groups_count(const struct prune_groups *g);

/* Per-group score (the norm divided by the group size, so short groups compare
 * fairly) into scores[0..prune_groups_count). Groups are numbered row-major. */
void prune_group_scores(const float *w, const struct prune_groups *g, enum prune_norm norm,
			double *scores);

/* Keeps the highest-scoring groups (ties: lower group number first) until the
 * kept weights are as close as group sizes allow to density * n, but at least
 * one group. mask[i] = 1 for kept weights, 0 for pruned. density in (0, 1]. */
int prune_mask_density(const float *w, const struct prune_groups *g, enum prune_norm norm,
		       double density, uint8_t *mask, struct sim_err *err);

/* Han et al.'s rule: keep groups whose score exceeds quality * (standard
 * deviation of the layer's weights). */
int prune_mask_threshold(const float *w, const struct prune_groups *g, enum prune_norm norm,
			 double quality, uint8_t *mask, struct sim_err *err);

/* Number of kept weights in mask[0..n). */
uint64_t prune_mask_kept(const uint8_t *mask, uint64_t n);

#endif
