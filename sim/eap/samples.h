/* The samples energy-aware pruning fits to: (input patch, output) rows of one
 * layer, inputs from the model being pruned and targets from the unpruned
 * reference model, reduced to one set of least-squares statistics (refit.h)
 * per CONV group. */
#ifndef SIM_EAP_SAMPLES_H
#define SIM_EAP_SAMPLES_H

#include <gsl/gsl_rng.h>
#include <stdint.h>

#include "core/err.h"
#include "eap/eap.h"
#include "eap/refit.h"
#include "nn/dataset.h"
#include "nn/model.h"

/* Statistics of one layer: one eap_stats per CONV group. */
struct eap_layer_stats {
	uint32_t groups;
	struct eap_stats *st;
};

/* Samples rows of layer li (at least o->sample_images images, enough for
 * o->samples_per_unknown rows per unknown of an output, at most
 * o->max_sample_rows, drawn with rng) and fills ls; on failure ls is empty. */
int eap_layer_stats_init(struct eap_layer_stats *ls, struct nn_model *cur, struct nn_model *ref,
			 const struct nn_dataset *train, int li, const struct eap_opts *o,
			 gsl_rng *rng, struct sim_err *err);
void eap_layer_stats_deinit(struct eap_layer_stats *ls);

#endif
