/* Node pruning's smaller dense network (Scalpel, Yu et al., ISCA 2017): a
 * model whose pruned nodes (CONV output feature maps, FC neurons) have every
 * weight masked and a zero bias is rewritten without them. Such a node
 * outputs exactly 0 everywhere (also after ReLU and pooling), so its reader's
 * inputs from it contribute nothing; removing both leaves every output of the
 * network unchanged (the sums skip only exact zeros). */
#ifndef SIM_COMPRESS_NODE_H
#define SIM_COMPRESS_NODE_H

#include <stdbool.h>
#include <stdint.h>

#include "core/err.h"
#include "nn/model.h"

/* Builds in out (nn_model_init with max_batch and n_threads; caller releases
 * it with nn_model_deinit, also after failure) the model m without the dead
 * nodes of each CONV/FC layer i with select[i] (NULL: every layer) where
 * wl_node_prunable holds. A layer keeps at least one node. Masks of the
 * remaining weights are copied, so other pruning survives; activation
 * quantisation ranges too. *removed (may be NULL) receives the nodes removed. */
int cmp_node_shrink(const struct nn_model *m, const bool *select, uint32_t max_batch,
		    uint32_t n_threads, struct nn_model *out, uint64_t *removed,
		    struct sim_err *err);

#endif
