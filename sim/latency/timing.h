/* Measured CPU latency of a layer's batch-1 inference in each storage format
 * (formats.h), over weight densities, and the break-even density below which
 * a sparse format beats a dense one.
 *
 * At each density the weights are pruned by magnitude (compress/prune.h) in
 * the structure each format keeps: single weights for csr and dc, groups of
 * simd_width for simd, whole rows for node; dense and blas hold the 0-D
 * pruned weights with their zeros. Timing, in the manner of a benchmark:
 * each sample runs the kernel enough calls to last min_sample_s and reports
 * the time per call; warm-up samples are dropped; the formats take turns
 * sample by sample, so a slow spell of the machine hits them alike; each
 * format's median and interquartile range over the repeats are kept. Times
 * are the thread's CPU time, so the turns other processes take on a shared
 * core are left out. The caller pins the thread (and OpenBLAS runs on one
 * thread). */
#ifndef SIM_LATENCY_TIMING_H
#define SIM_LATENCY_TIMING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "latency/formats.h"
#include "nn/model.h"

struct lat_opts {
	const double *densities; /* in (0, 1], descending */
	size_t n_densities;
	uint32_t warmup, repeats; /* samples per format */
	double min_sample_s;
	struct lat_format_opts fmt;
	uint64_t seed;            /* the input values */
};

/* Per-call time of one format at one density, seconds. */
struct lat_stat {
	double median_s, q1_s, q3_s;
	uint64_t calls;           /* kernel calls per sample */
	uint64_t bytes;           /* the format's size */
	double kept;              /* fraction of the layer's weights the format computes with */
};

struct lat_point {
	double density;           /* the density asked for (the model's own for own) */
	struct lat_stat t[LAT_FORMAT_COUNT];
};

struct lat_layer_result {
	char name[WL_NAME_MAX];
	struct lat_layer l;
	uint64_t weights;
	size_t n_points;
	struct lat_point *points; /* owned: one per density */
	bool has_own;
	struct lat_point own;     /* the model's own masks */
};

/* Measures model layer li (CONV/FC) at every density of o and, when own, at
 * the layer's own masks. Caller releases out with lat_layer_result_deinit. */
int lat_measure_layer(const struct nn_model *m, int li, const struct lat_opts *o, bool own,
		      struct lat_layer_result *out, struct sim_err *err);
void lat_layer_result_deinit(struct lat_layer_result *r);

/* Where format f's median time crosses below reference format ref's, over the
 * points (descending density): interpolated in log density and log time
 * ratio between the two densities that bracket the crossing. kind is 0 for
 * a crossing, 1 when f is already faster at the highest density, -1 when it
 * never is (density is then the highest or the lowest density measured). */
struct lat_break_even {
	double density;
	int kind;
};
struct lat_break_even lat_break_even(const struct lat_point *pts, size_t n, enum lat_format f,
				     enum lat_format ref);

#endif
