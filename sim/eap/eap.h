/* Energy-aware pruning (Yang, Chen, Sze, CVPR 2017) and, in the same framework
 * so the two compare on equal terms, magnitude pruning (Han et al. 2015).
 *
 * One round:
 *   1. Estimate every CONV/FC layer's energy with the hardware model for the
 *      model as it is now (weight density from the masks, input-activation
 *      density measured on sample images) through the caller's callback.
 *   2. Take the layers in descending order of energy (energy-aware; the energy
 *      is re-estimated after each layer) or of weight count (magnitude).
 *   3. In a layer, search the lowest density that keeps the accuracy on the
 *      decision set at or above the floor (its starting accuracy minus the
 *      bound, plus an optional margin): a bisection on log-density. Each
 *      trial prunes groups (at the chosen granularity) by magnitude;
 *      energy-aware then greedily restores, one group at a time, the removed
 *      group whose return lowers the layer's output-feature-map error most,
 *      and refits the survivors by least squares against the unpruned
 *      network's outputs of the layer (refit.h).
 *   4. Fine-tune the whole network with the masks fixed.
 *   5. Check the round on a second held-out set that took no decision: if its
 *      accuracy fell more than the bound below its starting value, the round
 *      is undone and pruning stops.
 * Rounds repeat while they still remove weights and pass the check. Every
 * step is reported through the log callback.
 *
 * The same framework prunes at Scalpel's structures (Yu et al., ISCA 2017):
 * SIMD-width groups, and whole nodes whose biases are held at 0 so that the
 * pruned network can be rewritten as a smaller dense one (compress/node.h). */
#ifndef SIM_EAP_EAP_H
#define SIM_EAP_EAP_H

#include <stdbool.h>
#include <stdint.h>

#include "core/err.h"
#include "nn/dataset.h"
#include "nn/model.h"
#include "compress/prune.h"
#include "eap/refit.h"
#include "nn/train.h"
#include "workload/sparsity.h"

enum eap_method {
	EAP_MAGNITUDE,
	EAP_ENERGY_AWARE,
	EAP_METHOD_COUNT
};

/* Energy of each layer of the model (indexed like m->net.layers; 0 for layers
 * without weights) given each layer's input-activation density. */
typedef int (*eap_energy_fn)(void *ctx, const struct nn_model *m, const double *ifmap_density,
			     double *layer_energy, struct sim_err *err);

/* Called after each layer decision, for progress display; may be NULL. */
typedef void (*eap_progress_fn)(void *ctx, uint32_t round, const char *layer, double density,
				double val_accuracy);
/* One line describing a step of the procedure (no newline); may be NULL. */
typedef void (*eap_log_fn)(void *ctx, const char *line);

struct eap_opts {
	enum eap_method method;
	enum wl_granularity granularity;
	double accuracy_bound;     /* accuracy points (%) below the starting validation accuracy */
	double decision_margin;    /* points kept above the floor in layer decisions */
	double fixed_density;      /* > 0: prune every layer to this density, no search */
	uint32_t rounds;           /* at most this many prune + fine-tune rounds */
	uint32_t trials;           /* bisection steps per layer */
	double min_density;        /* lowest density a layer may be pruned to */
	double restore_fraction;   /* energy-aware: share of the kept groups chosen by impact */
	uint32_t sample_images;    /* images whose activations feed the refit statistics */
	uint32_t max_sample_rows;  /* (image, position) rows per CONV group ... */
	uint32_t samples_per_unknown; /* ... but at least this many per unknown of an output */
	uint32_t fc_block;         /* FC row-block length at 1-D (2-D uses its square) */
	uint32_t simd_width;       /* group width at granularity simd */
	/* Granularity of each layer (indexed like m->net.layers), or NULL: every
	 * layer at `granularity`. A node layer whose nodes cannot leave the
	 * network (wl_node_prunable) is left dense. */
	const enum wl_granularity *layer_granularity;
	struct nn_train_opts finetune; /* epochs 0: no fine-tuning */
	uint64_t seed;
	eap_energy_fn energy;
	void *energy_ctx;
	eap_progress_fn progress;
	void *progress_ctx;
	eap_log_fn log;
	void *log_ctx;
};

/* Sensible defaults (documented in eap.c); energy callback left NULL. */
void eap_opts_default(struct eap_opts *o);

struct eap_result {
	double val_accuracy_start; /* %, before pruning */
	double val_accuracy_end;   /* %, after the last kept round */
	double check_accuracy_start, check_accuracy_end; /* %, NAN without a check set */
	uint32_t rounds_done;      /* rounds kept */
	bool rolled_back;          /* the last round tried failed the check and was undone */
	uint64_t weights, weights_kept;
};

/* Prunes m in place (masks and weights). train feeds the statistics and the
 * fine-tuning, val the layer decisions, check (may be NULL) the end-of-round
 * check; never the test set. */
int eap_prune(struct nn_model *m, const struct nn_dataset *train, const struct nn_dataset *val,
	      const struct nn_dataset *check, const struct eap_opts *o, struct eap_result *r,
	      struct sim_err *err);

/* Measures, on n images, the fraction of nonzero input activations of every
 * layer (density[i] for m->net.layers[i]; 1 for the first layer's raw input
 * only when it has no zeros). */
int eap_ifmap_density(struct nn_model *m, const float *images, uint64_t n, double *density,
		      struct sim_err *err);

/* The pruning groups of a CONV/FC layer at granularity g for the trainer's
 * weight layout (FC 2-D uses row blocks of fc_block^2; simd groups of
 * simd_width; node whole rows). */
int eap_layer_groups(const struct wl_layer *l, enum wl_granularity g, uint32_t fc_block,
		     uint32_t simd_width, struct prune_groups *out, struct sim_err *err);

/* Node pruning keeps a removed node's output at exactly 0, so that removing
 * it (compress/node.h) changes nothing: zeroes the bias (and its momentum) of
 * every output whose weights are all masked, in the layers whose granularity
 * (o->layer_granularity or o->granularity) is node. */
void eap_zero_dead_nodes(struct nn_model *m, const struct eap_opts *o);

#endif
