/* 1-D k-means for weight sharing (Deep Compression, section 3): the nonzero
 * weights of a layer are clustered into k = 2^bits shared values. */
#ifndef SIM_COMPRESS_KMEANS_H
#define SIM_COMPRESS_KMEANS_H

#include <gsl/gsl_rng.h>
#include <stdint.h>

#include "core/err.h"

enum km_init {
	KM_INIT_RANDOM,  /* k distinct weights drawn at random (Forgy) */
	KM_INIT_DENSITY, /* quantiles of the weight CDF, (j + 1/2) / k */
	KM_INIT_LINEAR,  /* evenly spaced in [min, max] (Han's best) */
	KM_INIT_COUNT
};
extern const char *const km_init_names[KM_INIT_COUNT]; /* "random", "density", "linear" */

/* Clusters x[0..n) (n >= 1) into k centroids (k >= 1), sorted ascending on
 * return, and writes each value's cluster to assign[0..n) (may be NULL).
 * Lloyd iterations run until no assignment changes or max_iter; a cluster that
 * empties keeps its centroid. rng is used by KM_INIT_RANDOM only (may be NULL
 * otherwise). Returns the iterations run in *iters (may be NULL). */
int km_cluster(const float *x, uint64_t n, uint32_t k, enum km_init init, gsl_rng *rng,
	       unsigned max_iter, float *centroids, uint32_t *assign, unsigned *iters,
	       struct sim_err *err);

/* Nearest centroid of v among sorted centroids c[0..k) (ties go to the lower). */
uint32_t km_nearest(const float *c, uint32_t k, float v);

#endif
