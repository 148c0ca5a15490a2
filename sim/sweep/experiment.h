/* Experiments: a base configuration and axes over its fields, expanded into a
 * list of points. Every point has a stable id (a hash of its axis values), so
 * the same experiment enumerates the same ids on any machine: resuming and,
 * later, splitting a sweep across machines (point i goes to shard id % n) need
 * nothing else.
 *
 * YAML:
 *   name: default
 *   base: { network: ..., arch: ..., energy: ..., dataset: ..., wbits: 16, ... }
 *   axes:                    # cartesian product, first axis varies slowest
 *     method: [energy-aware, magnitude]
 *     granularity: [0d, 1d, 2d, 3d]
 * or, instead of axes, an explicit list:
 *   points:
 *     - {method: magnitude, wbits: 8}
 * Axis values are decoded with the same field table as base, so a bad value is
 * reported at its own line and column. */
#ifndef SIM_SWEEP_EXPERIMENT_H
#define SIM_SWEEP_EXPERIMENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "workload/sparsity.h"

enum sweep_method {
	SWEEP_MAGNITUDE,    /* Han et al. 2015: prune by magnitude, retrain */
	SWEEP_ENERGY_AWARE, /* Yang et al. 2017: energy-ordered, restore, refit */
	SWEEP_NONE,         /* no pruning (the baseline) */
	SWEEP_SCALPEL,      /* Yu et al. 2017: magnitude pruning at the structure the
			     * architecture's parallelism calls for (granularity arch) */
	SWEEP_SVD,          /* low-rank factorisation: each layer split in two by a
			     * truncated SVD, then fine-tuned */
	SWEEP_METHOD_COUNT
};
extern const char *const sweep_method_names[SWEEP_METHOD_COUNT];

/* Granularity of a point: one of the workload's, or `arch`: per layer, what
 * the architecture's target class calls for (Scalpel; see run_points.c). */
#define SWEEP_GRAN_ARCH WL_GRAN_COUNT
#define SWEEP_GRAN_COUNT (WL_GRAN_COUNT + 1)
extern const char *const sweep_granularity_names[SWEEP_GRAN_COUNT];

/* Dataflow choice for a point: the architecture file's own, or one of the four. */
enum sweep_dataflow { SWEEP_DF_ARCH, SWEEP_DF_RS, SWEEP_DF_WS, SWEEP_DF_OS, SWEEP_DF_NLR,
		      SWEEP_DF_COUNT };
extern const char *const sweep_dataflow_names[SWEEP_DF_COUNT];

/* DRAM weight format for a point: the architecture's own, or one of the two. */
enum sweep_wfmt { SWEEP_WFMT_ARCH, SWEEP_WFMT_DENSE, SWEEP_WFMT_RELATIVE_INDEX, SWEEP_WFMT_AUTO,
		  SWEEP_WFMT_COUNT };
extern const char *const sweep_wfmt_names[SWEEP_WFMT_COUNT];
/* Zero-weight handling for a point: the architecture's own, or one of the three. */
enum sweep_zeros { SWEEP_ZEROS_ARCH, SWEEP_ZEROS_NONE, SWEEP_ZEROS_GATE, SWEEP_ZEROS_SKIP,
		   SWEEP_ZEROS_COUNT };
extern const char *const sweep_zeros_names[SWEEP_ZEROS_COUNT];

#define SWEEP_PATH_MAX 256
/* Points an experiment may expand to: each holds its paths (about 1.4 kB),
 * so a few lines of axes must not ask for gigabytes. */
#define SWEEP_MAX_POINTS 100000

/* One point's complete configuration. Zero in a hardware field means "as the
 * architecture file says" (documented in the field table). */
struct sweep_point {
	char network[SWEEP_PATH_MAX];
	char dataset[SWEEP_PATH_MAX];  /* empty: energy-only point */
	char arch[SWEEP_PATH_MAX];
	char energy[SWEEP_PATH_MAX];
	char sparsity[SWEEP_PATH_MAX]; /* energy-only: fixed profile; empty = dense */
	uint64_t seed;
	uint32_t batch;                /* simulated batch */
	int dataflow;                  /* enum sweep_dataflow */
	uint32_t pe_rows, pe_cols;
	uint64_t glb_bytes;
	uint32_t rf_bytes;
	int weight_format;             /* enum sweep_wfmt */
	uint32_t weight_index_bits;    /* relative_index: 0 = the architecture's */
	int weight_zeros;              /* enum sweep_zeros */
	uint32_t wbits, abits;         /* 0 = the architecture's word bits */
	int method;                    /* enum sweep_method */
	int granularity;               /* enum wl_granularity, or SWEEP_GRAN_ARCH */
	uint32_t simd_width;           /* simd groups: 0 = the architecture's target width */
	double accuracy_bound;         /* accuracy points the pruning may lose */
	double target_density;         /* < 1: prune every layer to this density instead of
					* searching under accuracy_bound */
	uint32_t rounds;               /* prune + fine-tune rounds */
	uint32_t train_epochs, train_batch;
	uint32_t train_images;         /* 0 = every image left after the validation split */
	double train_lr;
	uint32_t finetune_epochs;
	uint32_t finetune_images;      /* training images per fine-tuning epoch */
	uint32_t val_images;           /* held-out training images for pruning decisions */
	uint32_t check_images;         /* further held-out images checking each round; 0 = none */
	double decision_margin;        /* points decisions keep above the floor */
};

struct sweep_experiment {
	char name[64];
	char path[SWEEP_PATH_MAX];
	struct sweep_point base;
	size_t n_axes;
	size_t axis_field[64];  /* indices into the point field table, in table order */
	size_t n_points;
	struct sweep_point *points; /* owned */
	char (*ids)[17];            /* owned: 16 hex digits per point */
	char **values;              /* owned: n_points x n_axes canonical value strings */
};

/* Loads and expands an experiment. Caller owns e's contents. */
int sweep_experiment_load(struct sweep_experiment *e, const char *path, struct sim_err *err);
/* The same from YAML text named name in errors; text NULL reads the file name. */
int sweep_experiment_load_string(struct sweep_experiment *e, const char *name, const char *text,
				 struct sim_err *err);
void sweep_experiment_deinit(struct sweep_experiment *e);
/* The keys of this kind of file, for the configuration reference (cfg/cfg.h). */
struct cfg_schema;
extern const struct cfg_schema sweep_experiment_schema;


/* Name of axis a (the YAML key), and point p's canonical value on it. */
const char *sweep_experiment_axis_name(const struct sweep_experiment *e, size_t a);
const char *sweep_experiment_value(const struct sweep_experiment *e, size_t p, size_t a);

#endif
