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
	uint64_t steps; /* temporal steps: each active PE does one MAC per step */
};

/* Size of the footprint of type t for per-dimension extents ext (ifmap rows
 * and columns are the sliding sets {e U + r}). */
uint64_t access_footprint(enum map_type t, const uint64_t *ext, uint32_t u);
/* True when dimension d indexes the footprint of type t (ifmaps: N C E F R S;
 * weights: M C R S; psums: N M E F). */
bool access_in_footprint(enum map_type t, enum map_dim d);

/* RS's PE set spans the ofmap height (ISCA 2016 V-B: a logical PE set is R x
 * E); when E is wider than the array's columns the set is strip-mined into
 * the fewest strips that fit (JSSC 2017: "strip-mined if necessary"). The
 * width of the set across the array: ceil(E / ceil(E / cols)). */
uint32_t access_rs_set_width(const struct arch *a, const struct map_layer *l);

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
	double utilization;       /* MACs / (steps x PEs): average share of busy PEs */
};

/* Evaluates mapping m for layer in (all groups). Illegal or oversized mappings
 * give r->ok = false with a reason; never an error. */
void access_layer_eval(const struct arch *a, const struct energy_table *t,
		      const struct access_bits *bits, const struct access_layer_in *in,
		      const struct mapping *m, struct access_layer_result *r);

/* How one dimension of size x is split (see count.c): RF factor r (divides
 * x), spatial factor sp, array tile t = sp r, q = ceil(x / t) GLB-level steps
 * of which the last covers `last` indices, DRAM and GLB factors fd fg = q,
 * DRAM-level tile td = fg t of which the last covers last_d. */
struct access_tiling {
	uint64_t x, r, sp, t, q, last, fd, fg, td, last_d;
};
void access_tiling_of(const struct mapping *m, const struct map_layer *l, enum map_dim d,
		      struct access_tiling *t);

/* The parts of a count that depend on a mapping's factors but not on its
 * loop orders, so that a caller (the mapper) can vary the orders cheaply:
 * access_nest_count_glb gives F_D (words entering the GLB) per type, which
 * depends on the DRAM order only; access_nest_count_array gives F_P (words
 * entering the array) and F_S (entering PEs); access_nest_combine turns them
 * into Eq. 3/4 counts. */
/* Sums over a dimension's classes of steps (count.c) for one buffer and one
 * role: as an interval axis (words new, words kept) and as a dimension
 * outside the footprint (steps, steps keeping the tile); for a sliding pair
 * of axes, pa and pb only. */
struct access_dim_sums {
	uint64_t pa, pb, oa, ob;
};

struct access_nest {
	enum arch_dataflow df;
	uint32_t u;
	uint64_t macs, steps, outputs;
	struct access_tiling dim[DIM_COUNT];
	bool kept[TY_COUNT];
	unsigned kept_mask;                       /* bit t: type t is kept in the RF */
	uint64_t glb_init[TY_COUNT];              /* the first fill of the GLB */
	uint64_t arr_init[TY_COUNT], pe_init[TY_COUNT]; /* ... of the array and PEs (kept types) */
	uint64_t f_p[TY_COUNT], f_s[TY_COUNT];    /* types the RF does not keep */
	uint64_t sums_ok[3], slides_ok[3][2];     /* which cache entries are valid */
	/* caches (count.c), last: clearing a nest clears only what precedes them */
	struct access_dim_sums sums[3][6][DIM_COUNT];   /* [buffer][role][dim] */
	struct access_dim_sums slides[3][2][6][6];      /* [buffer][pair][role][role] */
};
void access_nest_init(struct access_nest *nest, const struct mapping *m, const struct map_layer *l);
/* Re-reads dimension d's factors from m into a nest made by access_nest_init
 * for layer l, keeping what it computed for the other dimensions (the
 * mapper's phase 2 changes one dimension at a time); access_nest_refresh
 * then brings the nest up to date before it is counted. */
void access_nest_update_dim(struct access_nest *nest, const struct mapping *m,
			    const struct map_layer *l, enum map_dim d);
void access_nest_refresh(struct access_nest *nest);
void access_nest_count_glb(struct access_nest *nest, const struct mapping *m,
			  uint64_t f_d[TY_COUNT]);
/* A nest that knows only the DRAM-level tile td[d] of every dimension (what
 * the GLB holds, <= the size): enough for access_nest_count_glb, which needs
 * the DRAM factors ceil(size / td) in m. */
void access_nest_init_dram(struct access_nest *nest, enum arch_dataflow df,
			   const struct map_layer *l, const uint64_t td[DIM_COUNT]);
/* Changes one dimension's DRAM-level tile of such a nest, keeping what it
 * computed for the other dimensions (the mapper's phase 1 varies one
 * dimension at a time). */
void access_nest_set_dram_tile(struct access_nest *nest, enum map_dim d, uint64_t td);
void access_nest_count_array(struct access_nest *nest, const struct mapping *m,
			    uint64_t f_p[TY_COUNT], uint64_t f_s[TY_COUNT]);
/* The two halves of access_nest_count_array: the words the steps of level lv's
 * loops (LV_DRAM or LV_GLB) bring into the array and the PEs, which depend on
 * that level's order only (part[2t] the array, part[2t + 1] the PEs, for the
 * kept types t), and their sum. */
void access_nest_array_part(struct access_nest *nest, const struct mapping *m, int lv,
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
	double bits_per_cycle[EN_LEVEL_COUNT]; /* bandwidth of each level; 0 = unlimited */
	uint32_t bits[TY_COUNT];
	uint64_t macs;
};
void access_costs_init(struct access_costs *c, const struct arch *a, const struct energy_table *t,
		      const struct access_bits *bits, const struct access_layer_in *in,
		      enum arch_dataflow df);
/* Fills r from dense counts n of a legal, fitting mapping m. */
void access_layer_eval_counts(const struct access_costs *c, const struct mapping *m,
			     const struct access_counts *n, struct access_layer_result *r);

/* Energy and cycles of dense counts n under costs c (what
 * access_layer_eval_counts reports), without filling a result. */
void access_costs_score(const struct access_costs *c, const struct access_counts *n,
		       double *energy, double *cycles);

/* Value of objective o (lower is better). */
double access_objective(enum access_objective o, double energy, double cycles);

/* Expected stored entries per weight for the relative-index format with
 * index_bits and density d: d / (1 - (1-d)^(2^index_bits)) (see access.c). */
double access_relidx_entries_per_value(double density, uint32_t index_bits);
/* Expected DRAM bits per value of a run-length coded feature map of density d. */
double access_rlc_bits_per_value(const struct arch *a, double density);

#endif
