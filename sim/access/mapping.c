/* Mapping helpers and the dataflow rules of ISCA 2016 section V (see mapping.h).
 *
 * Which data type stays in the RF and which dimensions may be spread over the
 * PE array follow the paper's descriptions:
 *  RS  a PE runs a 1-D convolution of one filter row over one ifmap row: the
 *      RF holds S weights x p filters x q channels, a sliding window of q x S
 *      ifmap values and p psums. R filter rows go down the array (psums add up
 *      vertically), e ofmap rows across it, forming an R x e PE set; sets are
 *      replicated over channels (r, down) and filters (t, across). F is the
 *      sliding loop: it sits in the GLB loops so each step fetches only the
 *      new window column.
 *  WS  each PE keeps weights in its RF and runs through every MAC that uses
 *      them; ifmaps and psums stream through the array; channels and filter
 *      taps go down the array (psums accumulate spatially), filters across.
 *  OS  each PE keeps psums in its RF and accumulates them over C, R, S;
 *      ifmaps and weights stream; output rows/columns and channels are spread
 *      over the array (SOC-MOP, MOC-MOP and MOC-SOP are all in this space).
 *  NLR no RF: ifmaps are multicast to a column of PEs holding different
 *      filters, psums of different channels accumulate down the array. */
#include "access/mapping.h"

#include <assert.h>
#include <stdio.h>
#include <string.h>

const char *const map_dim_names[DIM_COUNT] = {"N", "M", "C", "E", "F", "R", "S"};
static_assert(DIM_COUNT == 7, "one name per dim");
const char *const map_level_names[LV_COUNT] = {"dram", "glb", "rows", "cols", "rf"};
static_assert(LV_COUNT == 5, "one name per level");
const char *const map_type_names[TY_COUNT] = {"ifmap", "weight", "psum"};
static_assert(TY_COUNT == 3, "one name per type");

#define B(l) (1u << (l))
#define TEMPORAL (B(LV_DRAM) | B(LV_GLB))
static const uint32_t levels[ARCH_DF_COUNT][DIM_COUNT] = {
	[ARCH_DF_RS] = {
		[DIM_N] = TEMPORAL, [DIM_M] = TEMPORAL | B(LV_COL) | B(LV_RF),
		[DIM_C] = TEMPORAL | B(LV_ROW) | B(LV_RF), [DIM_E] = TEMPORAL | B(LV_COL),
		[DIM_F] = B(LV_GLB), [DIM_R] = TEMPORAL | B(LV_ROW), [DIM_S] = B(LV_RF),
	},
	[ARCH_DF_WS] = {
		[DIM_N] = TEMPORAL, [DIM_M] = TEMPORAL | B(LV_COL) | B(LV_RF),
		[DIM_C] = TEMPORAL | B(LV_ROW) | B(LV_RF), [DIM_E] = TEMPORAL, [DIM_F] = TEMPORAL,
		[DIM_R] = TEMPORAL | B(LV_ROW) | B(LV_RF), [DIM_S] = TEMPORAL | B(LV_ROW) | B(LV_RF),
	},
	[ARCH_DF_OS] = {
		[DIM_N] = TEMPORAL, [DIM_M] = TEMPORAL | B(LV_ROW) | B(LV_COL) | B(LV_RF),
		[DIM_C] = TEMPORAL | B(LV_RF), [DIM_E] = TEMPORAL | B(LV_ROW) | B(LV_RF),
		[DIM_F] = TEMPORAL | B(LV_COL) | B(LV_RF), [DIM_R] = TEMPORAL | B(LV_RF),
		[DIM_S] = TEMPORAL | B(LV_RF),
	},
	[ARCH_DF_NLR] = {
		[DIM_N] = TEMPORAL, [DIM_M] = TEMPORAL | B(LV_COL), [DIM_C] = TEMPORAL | B(LV_ROW),
		[DIM_E] = TEMPORAL, [DIM_F] = TEMPORAL, [DIM_R] = TEMPORAL, [DIM_S] = TEMPORAL,
	},
};

static const bool keeps[ARCH_DF_COUNT][TY_COUNT] = {
	[ARCH_DF_RS] = {true, true, true},
	[ARCH_DF_WS] = {false, true, false},
	[ARCH_DF_OS] = {false, false, true},
	[ARCH_DF_NLR] = {false, false, false},
};

struct map_layer map_layer_from(const struct wl_layer *l, uint32_t batch)
{
	struct wl_conv_shape s = wl_layer_conv_shape(l);
	if (l->type == WL_FC) {
		/* ISCA 2016 III-A: an FC layer is a CONV layer whose filters are as
		 * large as its input map (H = R, E = 1, U = 1): C channels of an
		 * H x W map, so an RS PE can still run a 1-D primitive over a row */
		s.C = l->in.c;
		s.H = s.R = l->in.h;
		s.W = s.S = l->in.w;
	}
	struct map_layer ml = {.U = s.U};
	ml.size[DIM_N] = batch;
	ml.size[DIM_M] = s.M;
	ml.size[DIM_C] = s.C;
	ml.size[DIM_E] = s.E;
	ml.size[DIM_F] = s.F;
	ml.size[DIM_R] = s.R;
	ml.size[DIM_S] = s.S;
	return ml;
}

void mapping_init(struct mapping *m, enum arch_dataflow df)
{
	memset(m, 0, sizeof *m);
	m->dataflow = df;
	for (int lv = 0; lv < LV_COUNT; lv++)
		for (int d = 0; d < DIM_COUNT; d++)
			m->factor[lv][d] = 1;
	for (int k = 0; k < 2; k++)
		for (int i = 0; i < DIM_COUNT; i++)
			m->order[k][i] = (uint8_t)i;
}

uint64_t mapping_pes(const struct mapping *m)
{
	uint64_t p = 1;
	for (int d = 0; d < DIM_COUNT; d++)
		p *= (uint64_t)m->factor[LV_ROW][d] * m->factor[LV_COL][d];
	return p;
}

uint32_t map_dataflow_levels(enum arch_dataflow df, enum map_dim d)
{
	return levels[df][d];
}

bool map_dataflow_keeps(enum arch_dataflow df, enum map_type t)
{
	return keeps[df][t];
}

bool mapping_is_legal(const struct mapping *m, const struct map_layer *l, char *why, size_t n)
{
	if ((unsigned)m->dataflow >= ARCH_DF_COUNT) {
		snprintf(why, n, "unknown dataflow");
		return false;
	}
	for (int d = 0; d < DIM_COUNT; d++) {
		for (int lv = 0; lv < LV_COUNT; lv++) {
			if (m->factor[lv][d] == 0) {
				snprintf(why, n, "%s factor of %s is 0", map_level_names[lv],
					 map_dim_names[d]);
				return false;
			}
			if (m->factor[lv][d] > 1 && !(levels[m->dataflow][d] & B(lv))) {
				snprintf(why, n, "%s does not allow %s loops at level %s",
					 arch_dataflow_names[m->dataflow], map_dim_names[d],
					 map_level_names[lv]);
				return false;
			}
		}
		/* the RF tile divides the dimension; the array tile fits in it; the
		 * temporal factors step over the array tiles, the last maybe partial */
		uint64_t x = l->size[d], r = m->factor[LV_RF][d];
		uint64_t t = r * m->factor[LV_ROW][d] * m->factor[LV_COL][d];
		if (x % r) {
			snprintf(why, n, "rf factor %llu of %s does not divide the layer's %llu",
				 (unsigned long long)r, map_dim_names[d], (unsigned long long)x);
			return false;
		}
		if (t > x) {
			snprintf(why, n, "spatial and rf factors of %s cover %llu, layer has %llu",
				 map_dim_names[d], (unsigned long long)t, (unsigned long long)x);
			return false;
		}
		uint64_t q = (x + t - 1) / t, dg = (uint64_t)m->factor[LV_DRAM][d] * m->factor[LV_GLB][d];
		if (dg != q) {
			snprintf(why, n, "dram x glb factors of %s are %llu, need ceil(%llu / %llu) = %llu",
				 map_dim_names[d], (unsigned long long)dg, (unsigned long long)x,
				 (unsigned long long)t, (unsigned long long)q);
			return false;
		}
	}
	if (m->dataflow == ARCH_DF_RS && m->factor[LV_RF][DIM_S] != l->size[DIM_S]) {
		snprintf(why, n, "rs keeps a whole filter row (S) in the RF");
		return false;
	}
	for (int k = 0; k < 2; k++) {
		unsigned seen = 0;
		for (int i = 0; i < DIM_COUNT; i++)
			if (m->order[k][i] < DIM_COUNT)
				seen |= 1u << m->order[k][i];
		if (seen != (1u << DIM_COUNT) - 1) {
			snprintf(why, n, "%s loop order is not a permutation of the 7 dims",
				 map_level_names[k]);
			return false;
		}
	}
	return true;
}

void mapping_format(const struct mapping *m, char *buf, size_t n)
{
	size_t used = 0;
#define PUT(...)                                                                  \
	do {                                                                      \
		int w_ = snprintf(buf + used, used < n ? n - used : 0, __VA_ARGS__); \
		if (w_ > 0)                                                       \
			used += (size_t)w_;                                       \
	} while (0)
	PUT("%s", arch_dataflow_names[m->dataflow]);
	for (int lv = 0; lv < LV_COUNT; lv++) {
		PUT(" %s[", map_level_names[lv]);
		bool first = true;
		for (int i = 0; i < DIM_COUNT; i++) {
			int d = lv < 2 ? m->order[lv][i] : i;
			if (m->factor[lv][d] > 1) {
				PUT("%s%s%u", first ? "" : " ", map_dim_names[d], m->factor[lv][d]);
				first = false;
			}
		}
		PUT("]");
	}
#undef PUT
}

struct map_rs_params mapping_rs_params(const struct mapping *m)
{
	return (struct map_rs_params){
		.m = m->factor[LV_GLB][DIM_M] * m->factor[LV_COL][DIM_M] * m->factor[LV_RF][DIM_M],
		.n = m->factor[LV_GLB][DIM_N],
		.e = m->factor[LV_COL][DIM_E],
		.p = m->factor[LV_RF][DIM_M],
		.q = m->factor[LV_RF][DIM_C],
		.r = m->factor[LV_ROW][DIM_C],
		.t = m->factor[LV_COL][DIM_M],
	};
}
