/* The pruning structure of each layer of a point: the point's granularity for
 * every layer, or, with granularity arch, Scalpel's choice for the class of
 * hardware the architecture's `target` names (Yu et al., "Scalpel: Customizing
 * DNN Pruning to the Underlying Hardware Parallelism", ISCA 2017, section 4):
 *   low parallelism (micro-controller): SIMD-aware weight pruning everywhere;
 *   moderate (desktop CPU): node pruning in CONV layers, whose matrix-matrix
 *     products lose more to a sparse format than they gain, and SIMD-aware
 *     weight pruning in FC layers, whose matrix-vector products are bound by
 *     the weights' memory traffic;
 *   high (GPU, large arrays): node pruning everywhere (the output layer, whose
 *     nodes are the classes, stays dense).
 * The SIMD width is the point's simd_width, or else the target's. */
#ifndef SIM_SWEEP_SCALPEL_H
#define SIM_SWEEP_SCALPEL_H

#include <stdint.h>

#include "arch/arch.h"
#include "core/err.h"
#include "sweep/experiment.h"
#include "workload/network.h"
#include "workload/sparsity.h"

/* Fills gran[0..net->n_layers) and *simd_width for point p (id point_id of
 * the experiment file `experiment`, named in errors) on architecture a. */
int sweep_layer_granularity(const struct sweep_point *p, const struct arch *a,
			    const struct wl_network *net, enum wl_granularity *gran,
			    uint32_t *simd_width, const char *experiment, const char *point_id,
			    struct sim_err *err);

#endif
