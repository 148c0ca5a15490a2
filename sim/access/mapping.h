/* Mappings: how one group of a CONV/FC layer is laid onto the accelerator, as a
 * loop nest over the seven dimensions of the Eyeriss notation (ISCA 2016
 * Table I): N batch, M output channels, C input channels, E x F output rows x
 * columns, R x S filter rows x columns.
 *
 * Each dimension is split into factors at five levels, from outermost to
 * innermost: DRAM (temporal loops whose every step refills the GLB), GLB
 * (temporal loops whose every step refills the PEs), ROW and COL (spatial: the
 * PE array), RF (temporal loops inside a PE). The RF factor r divides the
 * dimension's size X; the spatial factors need not: the array covers
 * T = rows x cols x r indices per step and the DRAM x GLB factors are
 * ceil(X / T), the last tile being partial (PEs past X idle). When T divides
 * X the factors multiply to X. The DRAM and GLB levels also carry a loop order; the
 * order inside the RF does not change any count (an RF tile is the footprint
 * of all RF loops). The index of a dimension is a mixed-radix number whose
 * digits are, from most to least significant, the DRAM, GLB, ROW, COL and RF
 * loop indices.
 *
 * The analytical model (access.c) and the reference walker (walker.c) share
 * this description and nothing else. */
#ifndef SIM_ACCESS_MAPPING_H
#define SIM_ACCESS_MAPPING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arch/arch.h"
#include "workload/network.h"

enum map_dim { DIM_N, DIM_M, DIM_C, DIM_E, DIM_F, DIM_R, DIM_S, DIM_COUNT };
extern const char *const map_dim_names[DIM_COUNT]; /* "N", "M", "C", "E", "F", "R", "S" */

enum map_level { LV_DRAM, LV_GLB, LV_ROW, LV_COL, LV_RF, LV_COUNT };
extern const char *const map_level_names[LV_COUNT]; /* "dram", "glb", "rows", "cols", "rf" */

/* Data types moved by the accelerator. */
enum map_type { TY_IFMAP, TY_WEIGHT, TY_PSUM, TY_COUNT };
extern const char *const map_type_names[TY_COUNT]; /* "ifmap", "weight", "psum" */

/* One group of a layer for one batch, in Eyeriss notation. */
struct map_layer {
	uint32_t size[DIM_COUNT];
	uint32_t U; /* stride */
};

struct mapping {
	enum arch_dataflow dataflow;
	uint32_t factor[LV_COUNT][DIM_COUNT];
	/* Loop order (outermost first) of the DRAM and GLB levels: a permutation of the dims. */
	uint8_t order[2][DIM_COUNT];
};

/* A mapping of dataflow df with every factor 1 and both loop orders N M C E F R S. */
void mapping_init(struct mapping *m, enum arch_dataflow df);

/* The layer shape of one group of l at batch n. An FC layer is a CONV layer
 * whose filter covers its input map (ISCA 2016 III-A): C = input channels,
 * R x S = the input's height x width, E = F = 1. */
struct map_layer map_layer_from(const struct wl_layer *l, uint32_t batch);

/* Number of PEs a mapping uses (ROW x COL factors). */
uint64_t mapping_pes(const struct mapping *m);

/* Which levels a dataflow lets each dimension use (ISCA 2016 section V):
 * bit LV_x set in map_dataflow_levels(df, d) means dim d may have a factor
 * > 1 at level x. */
uint32_t map_dataflow_levels(enum arch_dataflow df, enum map_dim d);
/* True when data type t lives in the RF under dataflow df (RS: all three; WS:
 * weights; OS: psums; NLR: none). Types that do not are read from the array
 * by every MAC (no local reuse). */
bool map_dataflow_keeps(enum arch_dataflow df, enum map_type t);

/* Checks that m maps layer l under its dataflow's rules: RF factors divide
 * the layer's sizes, array tiles fit in them, DRAM x GLB factors count the
 * array tiles, orders are permutations, and only allowed levels carry factors
 * (RS also keeps S whole in the RF). On failure writes a reason (ending
 * without a period) into why and returns false. */
bool mapping_is_legal(const struct mapping *m, const struct map_layer *l, char *why, size_t n);

/* Writes a one-line form of m, e.g. "rs dram[M2 C4] glb[...] rows[R3] ...". */
void mapping_format(const struct mapping *m, char *buf, size_t n);

/* The Eyeriss chip's mapping parameters of an RS mapping (JSSC 2017 Table
 * III): m ofmap channels and n images in the GLB, e PE-set width, p filters
 * and q channels per PE, r and t PE sets on different channels and filters. */
struct map_rs_params {
	uint32_t m, n, e, p, q, r, t;
};
struct map_rs_params mapping_rs_params(const struct mapping *m);

#endif
