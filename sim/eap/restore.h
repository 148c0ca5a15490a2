/* Greedy restoration, step 3 of energy-aware pruning (Yang, Chen, Sze, CVPR
 * 2017): after a layer is pruned by magnitude below its target, removed groups
 * come back one at a time, each the one whose return lowers the layer's
 * output-feature-map error the most given those already back. The error is
 * taken through the sample statistics of refit.h (G = X^T X and X^T Y), so a
 * step costs a pass over one output's inputs rather than over the samples. */
#ifndef SIM_EAP_RESTORE_H
#define SIM_EAP_RESTORE_H

#include <stdint.h>

#include "compress/prune.h"
#include "core/err.h"
#include "eap/refit.h"

/* What greedy restoration needs from the weights before pruning, computed
 * once per layer search: per row, G w0 and q = X^T (Y - X a0) (a0 = the
 * row's weights and bias before pruning), over the row's inputs. */
struct eap_restore_prep {
	double *gw0, *q; /* owned, rows x row_len */
};
/* Fills prep for a layer whose rows (outputs) are split evenly over n_stats
 * sample statistics (one per CONV group); b0 may be NULL. Caller releases
 * with eap_restore_prep_deinit (also after failure). */
int eap_restore_prepare(struct eap_restore_prep *prep, const struct eap_stats *st,
			uint32_t n_stats, const float *w0, const float *b0,
			const struct prune_groups *pg, struct sim_err *err);
void eap_restore_prep_deinit(struct eap_restore_prep *prep);

/* Greedy restoration (Yang et al., step 3): adds back removed groups of pg
 * (allowed by mask0, missing from mask) one at a time, each time the group
 * whose return lowers its output's squared error against the reference
 * outputs the most, given the groups already restored and the weights at
 * their values w0 before pruning, until `target` weights are kept.
 * *restored counts the groups added. */
int eap_restore_greedy(const struct eap_stats *st, uint32_t n_stats,
		       const struct eap_restore_prep *prep, const float *w0,
		       const uint8_t *mask0, uint8_t *mask, const struct prune_groups *pg,
		       uint64_t target, uint64_t *restored, struct sim_err *err);

#endif
