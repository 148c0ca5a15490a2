/* Accelerator architectures: a DRAM, a global buffer (GLB), a PE array with an
 * inter-PE network, and per-PE register files (RF), as in Eyeriss (ISCA 2016,
 * JSSC 2017). An architecture names its dataflow, sizes and word bits, how
 * zeros are handled, and how sparse data is stored in DRAM.
 *
 * Sizes are in bytes or words as their names say; a word is word_bits wide
 * unless a data type's bitwidth overrides it (see struct arch_bits). */
#ifndef SIM_ARCH_ARCH_H
#define SIM_ARCH_ARCH_H

#include <stdbool.h>
#include <stdint.h>

#include "core/err.h"

enum arch_dataflow {
	ARCH_DF_RS,  /* row-stationary */
	ARCH_DF_WS,  /* weight-stationary */
	ARCH_DF_OS,  /* output-stationary */
	ARCH_DF_NLR, /* no local reuse */
	ARCH_DF_COUNT
};
extern const char *const arch_dataflow_names[ARCH_DF_COUNT]; /* "rs", "ws", "os", "nlr" */

/* What the hardware does with a zero operand. */
enum arch_zero_policy {
	ARCH_ZERO_NONE, /* zeros are processed like any value */
	ARCH_ZERO_GATE, /* the MAC, the other operand's read and the psum update are
			   gated: energy saved, no cycle; the zero itself is read */
	ARCH_ZERO_SKIP, /* as gate, and the zero is neither stored nor read and its
			   cycle is saved (access.c) */
	ARCH_ZERO_COUNT
};
extern const char *const arch_zero_policy_names[ARCH_ZERO_COUNT]; /* "none", "gate", "skip" */

/* How weights are stored in DRAM. */
enum arch_weight_format {
	ARCH_WFMT_DENSE,
	ARCH_WFMT_RELATIVE_INDEX, /* nonzeros + index_bits gap each, filler zeros (Deep Compression) */
	ARCH_WFMT_AUTO,           /* per layer, the smaller of the two: a layer pruning left
				   * dense (or nearly) is stored dense, the others relative_index */
	ARCH_WFMT_COUNT
};
/* "dense", "relative_index", "auto" */
extern const char *const arch_weight_format_names[ARCH_WFMT_COUNT];

/* How feature maps are stored in DRAM. */
enum arch_fmap_format {
	ARCH_FFMT_DENSE,
	ARCH_FFMT_RLC, /* Eyeriss run-length coding: (run, value) pairs packed in words */
	ARCH_FFMT_COUNT
};
extern const char *const arch_fmap_format_names[ARCH_FFMT_COUNT]; /* "dense", "rlc" */

/* Hardware parallelism classes of Scalpel (Yu et al., ISCA 2017), which decide
 * the pruning structure that pays on a target (see sweep's granularity arch). */
enum arch_parallelism {
	ARCH_PAR_LOW,      /* micro-controller: one core, a narrow SIMD unit */
	ARCH_PAR_MODERATE, /* desktop CPU: a few cores with wide SIMD */
	ARCH_PAR_HIGH,     /* GPU or a large PE array */
	ARCH_PAR_COUNT
};
extern const char *const arch_parallelism_names[ARCH_PAR_COUNT]; /* "low", "moderate", "high" */

/* On-chip storage of one dataflow in an equal-area comparison (ISCA 2016
 * section VI-B: every dataflow gets the same storage area, split differently
 * between a shared per-PE RF and the GLB). Added for arch_set_dataflow. */
struct arch_storage {
	bool given;         /* the file (or the base description) defines it */
	uint32_t rf_bytes;  /* shared per-PE RF; 0 = no RF (only no-local-reuse) */
	uint64_t glb_bytes; /* shared GLB (no weight partition) */
};

struct arch {
	char name[64];
	char path[256];
	enum arch_dataflow dataflow;
	uint32_t word_bits;          /* default bits per value */
	double clock_mhz;

	uint32_t pe_rows, pe_cols;   /* physical PE array */

	uint64_t glb_bytes;          /* whole GLB */
	uint64_t glb_weight_bytes;   /* part reserved for weights; 0 = one shared GLB */

	/* Per-PE RF. Either separate scratchpads per data type (Eyeriss chip:
	 * 12 / 224 / 24 words) or one shared RF of rf_bytes (ISCA 2016: 512 B).
	 * rf_split tells which is in force. */
	bool rf_split;
	uint32_t rf_ifmap_words, rf_weight_words, rf_psum_words;
	uint32_t rf_bytes;

	/* Bandwidth of each level, 0 = not modelled: DRAM in bytes per cycle, the
	 * GLB (reads + writes) and the inter-PE network (deliveries) in words of
	 * word_bits per cycle. Cycles are the longest of the compute steps and
	 * each level's traffic over its bandwidth (access.c). */
	double dram_bytes_per_cycle;
	double glb_words_per_cycle;
	double noc_words_per_cycle;

	enum arch_zero_policy ifmap_zeros;
	enum arch_zero_policy weight_zeros;
	enum arch_weight_format weight_format;
	uint32_t weight_index_bits;  /* relative_index */
	enum arch_fmap_format fmap_format;
	uint32_t rlc_run_bits;       /* rlc: bits of a zero run (Eyeriss: 5) */
	uint32_t rlc_value_bits;     /* rlc: bits of a value (Eyeriss: 16) */
	uint32_t rlc_word_bits;      /* rlc: DRAM word holding pairs + a last bit (Eyeriss: 64) */

	/* Added: per-dataflow storage from the optional `per_dataflow` section.
	 * per_dataflow[dataflow] always holds the file's own rf/glb when the RF is
	 * the shared form; other entries only when the file gives them. */
	struct arch_storage per_dataflow[ARCH_DF_COUNT];

	/* Added: the optional `target` section, the class of hardware the
	 * accelerator stands for when pruning is fitted to it (Scalpel). */
	bool has_target;
	enum arch_parallelism parallelism;
	uint32_t simd_width;         /* weights one vector operation takes */
};

/* Loads an architecture file. a is caller-allocated and holds no heap memory. */
int arch_load(struct arch *a, const char *path, struct sim_err *err);
int arch_load_string(struct arch *a, const char *name, const char *text, struct sim_err *err);
/* The keys of this kind of file, for the configuration reference (cfg/cfg.h). */
struct cfg_schema;
extern const struct cfg_schema arch_schema;


/* Added. Switches a to dataflow df; if a->per_dataflow[df].given, the RF and
 * GLB sizes become that dataflow's (shared RF of rf_bytes, GLB of glb_bytes),
 * otherwise the storage is left as it is. SIM_ERR_USAGE for a bad df. */
int arch_set_dataflow(struct arch *a, enum arch_dataflow df, struct sim_err *err);
/* Added. Number of physical PEs (pe_rows * pe_cols). */
uint32_t arch_pe_count(const struct arch *a);
/* Added. Per-PE RF capacity in bits (split: sum of the three scratchpads in
 * word_bits words; shared: rf_bytes * 8). */
uint64_t arch_rf_bits(const struct arch *a);

#endif
