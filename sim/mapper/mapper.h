/* The mapper: searches a layer's legal mappings under a dataflow for the one
 * that minimises an objective (energy, energy-delay product or cycles), with
 * pthreads over the outer choices and no allocation in the inner loop. */
#ifndef SIM_MAPPER_MAPPER_H
#define SIM_MAPPER_MAPPER_H

#include <stdint.h>

#include "arch/arch.h"
#include "arch/energy.h"
#include "core/err.h"
#include "access/access.h"

struct mapper_opts {
	enum access_objective objective;
	int threads;     /* >= 1 */
	bool exhaustive; /* evaluate every mapping in full, without the bounds
			    (the same answer, slower: a reference for tests) */
};

/* How much of the space the search went through; all three depend on how
 * early good mappings are found, so on the thread schedule. */
struct mapper_stats {
	uint64_t tilings;   /* complete GLB tilings reached (fitting, not cut by a bound) */
	uint64_t mappings;  /* the mappings those tilings hold: their inner splits x
			       distinct DRAM orders x GLB orders */
	uint64_t evaluated; /* mappings counted in full; the rest lost on a bound or
			       did not fit the RF or the PE array */
};

/* Searches the mappings of layer in under dataflow df (the arch's storage as
 * given). best->ok is false, with the reason, when no mapping fits. Errors
 * only for allocation or thread failures. stats may be NULL; they add up. */
int mapper_search_layer(const struct arch *a, const struct energy_table *t,
			const struct access_bits *bits, const struct access_layer_in *in,
			enum arch_dataflow df, const struct mapper_opts *o,
			struct access_layer_result *best, struct mapper_stats *stats,
			struct sim_err *err);

/* True when result x is better than y under objective o (energy breaks ties). */
bool mapper_better(const struct access_layer_result *x, const struct access_layer_result *y,
		   enum access_objective o);

#endif
