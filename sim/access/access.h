/* The analytical energy model: access counts per data type and memory level for
 * one CONV/FC layer under a mapping (mapping.h), turned into energy, cycles and
 * utilisation with an architecture and an energy table, with the effects of
 * sparsity, compressed DRAM formats and per-type bitwidths.
 *
 * Counts follow ISCA 2016 Eq. 3 (inputs) and Eq. 4 (psums); access.c explains
 * how the reuse factors a, b, c, d arise from the loop nest. */
#ifndef SIM_ACCESS_ACCESS_H
#define SIM_ACCESS_ACCESS_H

#include <stdbool.h>
#include <stdint.h>

#include "arch/arch.h"
#include "arch/energy.h"
#include "core/err.h"
#include "access/mapping.h"
#include "workload/network.h"
#include "workload/sparsity.h"

/* Bits per value of each data type. */
struct access_bits {
	uint32_t weight, ifmap, psum;
};
/* All three types at arch->word_bits. */
struct access_bits access_bits_default(const struct arch *a);

enum access_objective { OBJ_ENERGY, OBJ_EDP, OBJ_CYCLES, OBJ_COUNT };
extern const char *const access_objective_names[OBJ_COUNT]; /* "energy", "edp", "cycles" */

/* Dense access counts of one group of a layer (words of each type's width).
 * acc[t][EN_ARRAY] counts values delivered to (or passed between) PEs. */
struct access_counts {
	uint64_t acc[TY_COUNT][EN_LEVEL_COUNT];
	uint64_t macs;
};

/* Analytical counts for a legal mapping m of layer l (no capacity check). */
void access_layer_count(const struct mapping *m, const struct map_layer *l,
		       struct access_counts *out);

/* True when m's tiles fit the arch's RF, GLB and PE array at these bitwidths;
 * otherwise writes the reason into why (unless why is NULL). */
bool access_mapping_fits(const struct arch *a, const struct access_bits *bits,
			const struct mapping *m, const struct map_layer *l, char *why, size_t n);

/* Per-layer inputs besides the shape: groups and densities. */
struct access_layer_in {
	struct map_layer shape; /* one group, batch included */
	uint32_t groups;
	double weight_density, ifmap_density;
	double ofmap_density;   /* density of the output as stored (RLC) */
	uint32_t weight_group;  /* weights per relative index (Scalpel's SIMD groups);
				 * 0 or 1: one index per weight */
};

struct access_layer_result {
	bool ok;                  /* false: no feasible mapping, see why */
	char why[192];
	struct mapping map;
	uint64_t macs;            /* all groups, whole batch */
	double macs_effective;    /* MACs with both operands nonzero (expected) */
	double acc[TY_COUNT][EN_LEVEL_COUNT];    /* accesses after sparsity and coding, words */
	double energy[TY_COUNT][EN_LEVEL_COUNT]; /* table unit */
	double energy_mac;
	double energy_total;
	double cycles;
	double utilization;       /* active PEs / PEs */
};

/* Evaluates mapping m for layer in (all groups). Illegal or oversized mappings
 * give r->ok = false with a reason; never an error. */
void access_layer_eval(const struct arch *a, const struct energy_table *t,
		      const struct access_bits *bits, const struct access_layer_in *in,
		      const struct mapping *m, struct access_layer_result *r);

/* The parts of a count that depend on a mapping's factors but not on its
 * loop orders, so that a caller (the mapper) can vary the orders cheaply:
 * access_nest_count_glb gives F_D (words entering the GLB) per type, which
 * depends on the DRAM order only; access_nest_count_array gives F_P (words
 * entering the array) and F_S (entering PEs); access_nest_combine turns them
 * into Eq. 3/4 counts. */
struct access_nest {
	enum arch_dataflow df;
	uint32_t u;
	uint64_t macs, pes, outputs;
	uint64_t stride[2][DIM_COUNT];            /* of each dim's DRAM and GLB loop */
	enum map_type glb_ty[TY_COUNT];
	uint64_t glb_ext[TY_COUNT][DIM_COUNT], glb_size[TY_COUNT];
	int nb;                                   /* array/PE buffers of kept types */
	enum map_type ty[2 * TY_COUNT];
	uint64_t ext[2 * TY_COUNT][DIM_COUNT], size[2 * TY_COUNT];
	uint64_t f_p[TY_COUNT], f_s[TY_COUNT];    /* types the RF does not keep */
};
void access_nest_init(struct access_nest *nest, const struct mapping *m, const struct map_layer *l);
void access_nest_count_glb(const struct access_nest *nest, const struct mapping *m,
			  uint64_t f_d[TY_COUNT]);
void access_nest_count_array(const struct access_nest *nest, const struct mapping *m,
			    uint64_t f_p[TY_COUNT], uint64_t f_s[TY_COUNT]);
/* The two halves of access_nest_count_array: the words the steps of level lv's
 * loops (LV_DRAM or LV_GLB) bring into the array and the PEs, which depend on
 * that level's order only, and their sum. */
void access_nest_array_part(const struct access_nest *nest, const struct mapping *m, int lv,
			   uint64_t part[2 * TY_COUNT]);
void access_nest_array_finish(const struct access_nest *nest, const uint64_t dram_part[2 * TY_COUNT],
			     const uint64_t glb_part[2 * TY_COUNT], uint64_t f_p[TY_COUNT],
			     uint64_t f_s[TY_COUNT]);
void access_nest_combine(const struct access_nest *nest, const uint64_t f_d[TY_COUNT],
			const uint64_t f_p[TY_COUNT], const uint64_t f_s[TY_COUNT],
			struct access_counts *out);
/* The counts of access_nest_combine that the array counts do not change: the
 * DRAM column, the RF reads of kept ifmaps and weights (one per MAC) and
 * every count of a type the RF does not keep; every other entry 0. They give
 * a lower bound on a mapping's energy (every access costs energy >= 0) and
 * its exact cycles (which see only DRAM). */
void access_nest_fixed_counts(const struct access_nest *nest, const uint64_t f_d[TY_COUNT],
			     struct access_counts *out);

/* Everything about a layer's energy that does not depend on the mapping:
 * per-access energies, the factors sparsity, coding and groups apply to the
 * dense counts, and the MAC energy. */
struct access_costs {
	double scale[TY_COUNT][EN_LEVEL_COUNT];      /* dense count (one group) -> accesses */
	double per_access[TY_COUNT][EN_LEVEL_COUNT]; /* energy per access */
	double per_count[TY_COUNT][EN_LEVEL_COUNT];  /* scale x per_access */
	double psum_dram_extra;                      /* RLC of the final ofmap writes */
	double energy_mac, macs_effective, cycle_share, groups, pe_count;
	double dram_bytes_per_cycle;
	uint32_t bits[TY_COUNT];
	uint64_t macs;
};
void access_costs_init(struct access_costs *c, const struct arch *a, const struct energy_table *t,
		      const struct access_bits *bits, const struct access_layer_in *in);
/* Fills r from dense counts n of a legal, fitting mapping m. */
void access_layer_eval_counts(const struct access_costs *c, const struct mapping *m,
			     const struct access_counts *n, struct access_layer_result *r);

/* Energy and cycles of dense counts n under costs c (what
 * access_layer_eval_counts reports), without filling a result. */
void access_costs_score(const struct access_costs *c, const struct access_counts *n, uint64_t pes,
		       double *energy, double *cycles);

/* Value of objective o (lower is better). */
double access_objective(enum access_objective o, double energy, double cycles);

/* Expected stored entries per weight for the relative-index format with
 * index_bits and density d: d / (1 - (1-d)^(2^index_bits)) (see access.c). */
double access_relidx_entries_per_value(double density, uint32_t index_bits);
/* Expected DRAM bits per value of a run-length coded feature map of density d. */
double access_rlc_bits_per_value(const struct arch *a, double density);

#endif
