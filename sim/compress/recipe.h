/* Compression recipes: a YAML file naming the Deep Compression stages to run
 * on a trained model (pruning method, granularity, targets and schedule,
 * retraining, quantisation kind and bits, Huffman coding). Decoded with the
 * cfg field tables, so every error has a file, line and column. */
#ifndef SIM_COMPRESS_RECIPE_H
#define SIM_COMPRESS_RECIPE_H

#include <stdbool.h>
#include <stdint.h>

#include "compress/kmeans.h"
#include "compress/prune.h"
#include "core/err.h"

enum cmp_method {
	CMP_PRUNE_NONE,
	CMP_PRUNE_DENSITY,   /* per-layer densities from a sparsity profile */
	CMP_PRUNE_THRESHOLD, /* Han's quality * std-dev rule */
	CMP_PRUNE_METHOD_COUNT
};
extern const char *const cmp_method_names[CMP_PRUNE_METHOD_COUNT];

enum cmp_schedule {
	CMP_SCHED_ONESHOT,   /* prune once, then retrain */
	CMP_SCHED_ITERATIVE, /* `steps` rounds of prune + retrain, densities geometric */
	CMP_SCHED_GRADUAL,   /* Zhu & Gupta: cubic density decay during retraining */
	CMP_SCHED_COUNT
};
extern const char *const cmp_schedule_names[CMP_SCHED_COUNT];

enum cmp_quant {
	CMP_QUANT_NONE,
	CMP_QUANT_KMEANS,
	CMP_QUANT_LINEAR,
	CMP_QUANT_COUNT
};
extern const char *const cmp_quant_names[CMP_QUANT_COUNT];

#define CMP_GRAN_PROFILE 0 /* index 0 of cmp_granularity_names; else 1 + wl_granularity */
/* conv_granularity: "profile" or 0d-3d (simd and node only through a profile) */
#define CMP_GRAN_COUNT 5
extern const char *const cmp_granularity_names[CMP_GRAN_COUNT];

struct cmp_prune_recipe {
	int method;          /* enum cmp_method */
	char profile[256];   /* sparsity profile (density method) */
	double quality;      /* threshold method */
	int norm;            /* enum prune_norm */
	int conv_granularity; /* CMP_GRAN_PROFILE, or 1 + enum wl_granularity for CONV layers */
	uint64_t fc_block;
	int schedule;        /* enum cmp_schedule */
	uint32_t steps;
	uint32_t epochs;     /* retraining epochs per step (gradual: in total) */
	double lr;
	bool remove_dead;    /* mask neurons left without inputs or outputs */
};

struct cmp_quant_recipe {
	int kind;            /* enum cmp_quant */
	uint32_t bits_conv, bits_fc;
	int init;            /* enum km_init */
	uint32_t epochs;     /* centroid fine-tuning epochs (k-means) */
	double lr;
	uint32_t act_bits;   /* simulated activation bits at inference; 0 = float */
};

struct cmp_recipe {
	char name[64];
	struct cmp_prune_recipe prune;
	struct cmp_quant_recipe quant;
	bool huffman;
	uint32_t index_bits;
	uint32_t batch;
	double weight_decay;
	uint64_t seed;
};

/* Loads a recipe; caller-allocated r needs no deinit. */
int cmp_recipe_load(struct cmp_recipe *r, const char *path, struct sim_err *err);
int cmp_recipe_load_string(struct cmp_recipe *r, const char *name, const char *text,
			   struct sim_err *err);
/* The keys of this kind of file, for the configuration reference (cfg/cfg.h). */
struct cfg_schema;
extern const struct cfg_schema cmp_recipe_schema;


#endif
