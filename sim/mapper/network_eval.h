/* Whole-network evaluation: every CONV/FC layer of a network at a batch, under
 * the arch's dataflow, with a sparsity profile and bitwidths, each layer at
 * its best mapping (or a fixed one). The entry point other modules call, e.g.
 * energy-aware pruning re-simulating a network as its sparsity changes. */
#ifndef SIM_MAPPER_NETWORK_EVAL_H
#define SIM_MAPPER_NETWORK_EVAL_H

#include <stdbool.h>
#include <stdint.h>

#include "arch/arch.h"
#include "arch/energy.h"
#include "core/err.h"
#include "mapper/mapper.h"
#include "access/access.h"
#include "workload/network.h"
#include "workload/sparsity.h"

/* Fixed mappings by network layer index (see mapping_file.h). */
struct mapper_fixed {
	int n_layers;
	bool *given;          /* owned; given[i]: layer i has a fixed mapping */
	struct mapping *map;  /* owned */
};

struct net_layer_result {
	int layer;                 /* index in the network */
	uint64_t weights;          /* all weights of the layer */
	double weights_nonzero;    /* weights x density */
	bool fixed;                /* mapping came from a mapping file */
	struct access_layer_result r;
};

struct net_result {
	int n;                         /* CONV/FC layers */
	struct net_layer_result *layers; /* owned */
	bool ok;                       /* every layer has a feasible mapping */
	uint32_t batch;
	uint64_t macs, weights;
	double macs_effective, weights_nonzero;
	double energy_level[EN_LEVEL_COUNT], energy_type[TY_COUNT], energy_mac, energy_total;
	double cycles;
	struct mapper_stats stats;
};

struct net_eval_opts {
	enum access_objective objective;
	int threads;
	const struct mapper_fixed *fixed; /* NULL: search every layer */
};

/* Evaluates net (borrowed) on a with table t. sp NULL = dense, bits NULL =
 * arch word bits. On success the caller owns out's contents (net_result_deinit).
 * Infeasible layers are results (out->ok false), not errors. */
int mapper_network_eval(const struct arch *a, const struct energy_table *t,
			const struct wl_network *net, const struct wl_sparsity *sp,
			const struct access_bits *bits, uint32_t batch,
			const struct net_eval_opts *o, struct net_result *out, struct sim_err *err);
void net_result_deinit(struct net_result *r);

/* The layer input of network layer i: one group at batch, with its densities. */
struct access_layer_in mapper_layer_in(const struct wl_network *net, const struct wl_sparsity *sp,
				      int i, uint32_t batch);

#endif
