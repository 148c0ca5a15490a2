/* Random-mask storage counts of energy-only points, drawn once per
 * (network, profile, seed) (mask_counts.h). */
#include "sweep/mask_counts.h"

#include <gsl/gsl_rng.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compress/prune.h"
#include "compress/storage.h"
#include "core/mem.h"
#include "eap/eap.h"
#include "sweep/experiment.h"

static int layer_counts(const struct wl_layer *l, const struct wl_layer_sparsity *ls,
			unsigned ibits, gsl_rng *rng, struct mask_layer_counts *c, struct sim_err *err)
{
	uint64_t n = wl_layer_weights(l);
	uint8_t *mask = sim_malloc(n, err);
	if (!mask)
		return SIM_ERR_NOMEM;
	struct prune_groups pg;
	struct storage_layer sl;
	int rc = eap_layer_groups(l, ls->granularity, MASK_FC_BLOCK, ls->simd_width, &pg, err);
	if (!rc)
		rc = storage_mask_random(&pg, ls->weight_density, rng, mask, err);
	/* The weight code width does not change the entry counts: 1 is a
	 * placeholder. */
	if (!rc)
		rc = storage_layer_from_mask(l, &pg, mask, 1, ibits, &sl, err);
	if (!rc)
		*c = (struct mask_layer_counts){n, sl.kept, sl.weight_entries, sl.index_entries,
						ibits};
	free(mask);
	return rc;
}

int mask_counts_draw(const struct wl_network *net, const struct wl_sparsity *sp, uint64_t seed,
		     unsigned (*index_bits)(const struct wl_layer *), struct mask_counts *out,
		     struct sim_err *err)
{
	memset(out, 0, sizeof *out);
	out->layers = sim_calloc(net->n_layers ? (size_t)net->n_layers : 1, sizeof *out->layers,
				 err);
	if (!out->layers)
		return SIM_ERR_NOMEM;
	gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
	if (!rng) {
		mask_counts_deinit(out);
		return sim_err_set(err, SIM_ERR_NOMEM, NULL, 0, 0, "out of memory (random generator)");
	}
	gsl_rng_set(rng, seed);
	int rc = 0;
	for (int i = 0; !rc && i < net->n_layers; i++) {
		const struct wl_layer *l = &net->layers[i];
		if (wl_layer_weights(l) == 0)
			continue;
		rc = layer_counts(l, &sp->layers[i], index_bits(l), rng, &out->layers[out->n], err);
		out->n += !rc;
	}
	gsl_rng_free(rng);
	if (rc)
		mask_counts_deinit(out);
	return rc;
}

void mask_counts_deinit(struct mask_counts *c)
{
	free(c->layers);
	memset(c, 0, sizeof *c);
}

double mask_layer_storage_bits(const struct mask_layer_counts *c, unsigned wbits)
{
	double dense = (double)c->weights * wbits;
	if (c->kept == c->weights)
		return dense;
	double sparse = (double)c->weight_entries * wbits + (double)c->index_entries * c->index_bits +
			32;
	return sparse < dense ? sparse : dense;
}

struct mask_cache_entry {
	char network[SWEEP_PATH_MAX], sparsity[SWEEP_PATH_MAX];
	uint64_t seed;
	struct mask_counts counts;
	struct mask_cache_entry *next;
};

void mask_cache_init(struct mask_cache *mc)
{
	pthread_mutex_init(&mc->lock, NULL);
	mc->head = NULL;
}

void mask_cache_deinit(struct mask_cache *mc)
{
	while (mc->head) {
		struct mask_cache_entry *next = mc->head->next;
		mask_counts_deinit(&mc->head->counts);
		free(mc->head);
		mc->head = next;
	}
	pthread_mutex_destroy(&mc->lock);
}

/* The entry of a key, or NULL; the caller holds the lock. */
static const struct mask_cache_entry *find(const struct mask_cache *mc, const char *network,
					   const char *sparsity, uint64_t seed)
{
	for (const struct mask_cache_entry *e = mc->head; e; e = e->next)
		if (e->seed == seed && !strcmp(e->network, network) && !strcmp(e->sparsity, sparsity))
			return e;
	return NULL;
}

int mask_cache_get(struct mask_cache *mc, const char *network, const char *sparsity,
		   uint64_t seed, const struct wl_network *net, const struct wl_sparsity *sp,
		   unsigned (*index_bits)(const struct wl_layer *), const struct mask_counts **out,
		   struct sim_err *err)
{
	pthread_mutex_lock(&mc->lock);
	const struct mask_cache_entry *hit = find(mc, network, sparsity, seed);
	pthread_mutex_unlock(&mc->lock);
	if (hit) {
		*out = &hit->counts;
		return 0;
	}
	/* Drawn outside the lock so that other keys' points go on meanwhile. */
	struct mask_cache_entry *e = sim_calloc(1, sizeof *e, err);
	if (!e)
		return SIM_ERR_NOMEM;
	int rc = mask_counts_draw(net, sp, seed, index_bits, &e->counts, err);
	if (rc) {
		free(e);
		return rc;
	}
	snprintf(e->network, sizeof e->network, "%s", network);
	snprintf(e->sparsity, sizeof e->sparsity, "%s", sparsity);
	e->seed = seed;
	pthread_mutex_lock(&mc->lock);
	hit = find(mc, network, sparsity, seed);
	if (!hit) {
		e->next = mc->head;
		mc->head = e;
		hit = e;
	}
	pthread_mutex_unlock(&mc->lock);
	if (hit != e) {
		mask_counts_deinit(&e->counts);
		free(e);
	}
	*out = &hit->counts;
	return 0;
}
