/* What an energy-only point stores: per weight layer the counts of a random
 * mask at its sparsity profile's density and granularity (run_points.c's
 * storage accounting). The counts depend on the network, the profile and the
 * seed only, not on the point's code width or hardware, so a sweep draws them
 * once per (network, profile, seed) and every point that shares the three
 * reuses them: drawing a mask is one uniform deviate per pruning group, 138 M
 * for VGG-16 at 0-D, which would otherwise be most of an energy-only sweep. */
#ifndef SIM_SWEEP_MASK_COUNTS_H
#define SIM_SWEEP_MASK_COUNTS_H

#include <pthread.h>
#include <stdint.h>

#include "core/err.h"
#include "workload/network.h"
#include "workload/sparsity.h"

/* Weights per 1-D pruning block of an FC layer, in sweeps. */
#define MASK_FC_BLOCK 4

/* One weight layer's mask: the entry counts of its relative-index form. */
struct mask_layer_counts {
	uint64_t weights;        /* dense weight count */
	uint64_t kept;           /* nonzero weights */
	uint64_t weight_entries; /* weight codes stored: kept + filler weights */
	uint64_t index_entries;  /* relative indices stored: kept groups + fillers */
	unsigned index_bits;     /* bits per relative index */
};

struct mask_counts {
	int n;                          /* weight layers, in network order */
	struct mask_layer_counts *layers;
};

/* Draws a random mask for every weight layer of net (in layer order, from one
 * MT19937 stream seeded with seed) at sp's density and granularity and counts
 * it; index_bits(layer) gives the relative-index width. */
int mask_counts_draw(const struct wl_network *net, const struct wl_sparsity *sp, uint64_t seed,
		     unsigned (*index_bits)(const struct wl_layer *), struct mask_counts *out,
		     struct sim_err *err);
void mask_counts_deinit(struct mask_counts *c);

/* Bits to store layer c with wbits-bit weight codes: the smaller of the dense
 * codes and the relative-index form (codes, indices and a 32-bit scale). */
double mask_layer_storage_bits(const struct mask_layer_counts *c, unsigned wbits);

/* Counts keyed by (network file, sparsity file, seed), shared by a sweep's
 * worker threads. Entries live until the cache is freed. */
struct mask_cache_entry;
struct mask_cache {
	pthread_mutex_t lock;
	struct mask_cache_entry *head;
};

void mask_cache_init(struct mask_cache *mc);
void mask_cache_deinit(struct mask_cache *mc);

/* The counts of (network, sparsity, seed) into *out (owned by the cache): from
 * the cache, or drawn over net and sp, which must be what the two files load
 * to. Two threads asking for a missing key at once may both draw it; the
 * counts are the same, and the first stored is kept. */
int mask_cache_get(struct mask_cache *mc, const char *network, const char *sparsity,
		   uint64_t seed, const struct wl_network *net, const struct wl_sparsity *sp,
		   unsigned (*index_bits)(const struct wl_layer *), const struct mask_counts **out,
		   struct sim_err *err);

#endif
