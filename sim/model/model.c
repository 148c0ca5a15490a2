/* Analytical access counting (ISCA 2016 section VI, Eq. 3 and 4).
 *
 * Buffers. The GLB holds the footprint of the loops inside the DRAM loops; the
 * PE array holds the footprint of the ROW, COL and RF loops and each PE's RF
 * the footprint of the RF loops. At every step of the loops outside a buffer
 * it fetches the words of its new footprint that its old footprint lacked
 * (new \ old): a footprint that does not change costs nothing (the data is
 * stationary) and a sliding window fetches only its new columns. A word that
 * some PE already holds is forwarded between PEs rather than re-read from the
 * GLB, so GLB reads count the array's union footprint and array accesses count
 * every PE's own footprint. A data type the dataflow does not keep in the RF
 * is delivered over the array for every MAC (no local reuse).
 *
 * Counting. With the loops outside a buffer listed outermost first, a step
 * where loop j advances (and every inner loop wraps) moves each dimension's
 * index by delta_d = stride_j [d = d_j] - sum_{i > j, d_i = d} (bound_i - 1)
 * stride_i, so the new footprint is the old one shifted by delta. Footprints
 * are Cartesian products of per-axis sets (ifmap rows are {e U + r}), so
 *     fetched = |T| + sum_j count_j (|T| - |T & (T + delta_j)|),
 *     count_j = (prod_{i < j} bound_i) (bound_j - 1).
 * This gives, per data type, F_D words entering the GLB, F_P words entering
 * the array (union) and F_S words entering PEs (sum over PEs). Summed over the
 * values of a tensor these are sum a, sum ab and sum abc of Eq. 3/4, and the
 * MAC count is sum abcd. Hence, for inputs (ifmaps, weights):
 *     DRAM = F_D, GLB = F_P, array = F_S, RF = MACs (if kept in the RF),
 * and for psums (Eq. 4, with |O| outputs; the first write at a level is free):
 *     DRAM = 2 F_D - |O|, GLB = 2 (F_P - F_D), array = F_S - F_P,
 *     RF = 2 (MACs - F_S) (if kept in the RF).
 * A type not kept in the RF has F_S = MACs and F_P = steps x |spatial union|.
 *
 * Sparsity and coding (applied to the dense counts): weights stored with
 * relative indices cost (w + i) bits per stored entry and a random mask of
 * density d needs d / (1 - (1-d)^(2^i)) entries per weight: a run of z zeros
 * before a nonzero needs floor(z / 2^i) filler entries and z is geometric, so
 * E[fillers] = sum_{k>=1} (1-d)^(k 2^i). Run-length coded feature maps (JSSC
 * 2017) store (run, value) pairs, floor((word - 1) / (run + value)) pairs per
 * DRAM word, a pair per nonzero plus a filler pair per 2^run zeros, hence
 * d / (1 - (1-d)^(2^run)) pairs per value. Coding scales DRAM reads of ifmaps
 * and the final ofmap writes; psum spills stay dense. Gating a zero operand
 * saves the MAC and the other operand's RF read; skipping also saves the
 * cycle. Access energy is counts x energy_access(level, bits of the type). */
#include "model/model.h"

#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

const char *const model_objective_names[OBJ_COUNT] = {"energy", "edp", "cycles"};
static_assert(OBJ_COUNT == 3, "one name per objective");

struct model_bits model_bits_default(const struct arch *a)
{
	return (struct model_bits){a->word_bits, a->word_bits, a->word_bits};
}

/* Size of {e U + r : 0 <= e < et, 0 <= r < rt}. */
static uint64_t slide_size(uint64_t et, uint64_t rt, uint64_t u)
{
	return rt >= u ? (et - 1) * u + rt : et * rt;
}

static uint64_t interval_overlap(uint64_t len, int64_t shift)
{
	uint64_t s = (uint64_t)(shift < 0 ? -shift : shift);
	return s >= len ? 0 : len - s;
}

/* |A & (A + s)| for A = {e U + r : e < et, r < rt}. When rt >= U the set is an
 * interval; otherwise it is et disjoint blocks of rt at period U and block
 * pairs e - e' = k overlap by rt - |kU - s|. */
static uint64_t slide_overlap(uint64_t et, uint64_t rt, uint64_t u, int64_t s)
{
	if (rt >= u || et == 1)
		return interval_overlap(slide_size(et, rt, u), s);
	int64_t k0 = s >= 0 ? s / (int64_t)u : -((-s + (int64_t)u - 1) / (int64_t)u);
	uint64_t sum = 0;
	for (int64_t k = k0; k <= k0 + 1; k++) {
		if (k <= -(int64_t)et || k >= (int64_t)et)
			continue;
		int64_t gap = k * (int64_t)u - s;
		uint64_t o = interval_overlap(rt, gap);
		sum += ((uint64_t)et - (uint64_t)(k < 0 ? -k : k)) * o;
	}
	return sum;
}

/* Footprint size of type t for per-dim extents ext. */
static uint64_t footprint(enum map_type t, const uint64_t *ext, uint32_t u)
{
	switch (t) {
	case TY_WEIGHT:
		return ext[DIM_M] * ext[DIM_C] * ext[DIM_R] * ext[DIM_S];
	case TY_IFMAP:
		return ext[DIM_N] * ext[DIM_C] * slide_size(ext[DIM_E], ext[DIM_R], u) *
		       slide_size(ext[DIM_F], ext[DIM_S], u);
	case TY_PSUM:
	case TY_COUNT:
		break;
	}
	return ext[DIM_N] * ext[DIM_M] * ext[DIM_E] * ext[DIM_F];
}

/* |T & (T + delta)| for the footprint of type t. */
static uint64_t footprint_overlap(enum map_type t, const uint64_t *ext, uint32_t u,
				  const int64_t *dl)
{
	switch (t) {
	case TY_WEIGHT:
		return interval_overlap(ext[DIM_M], dl[DIM_M]) *
		       interval_overlap(ext[DIM_C], dl[DIM_C]) *
		       interval_overlap(ext[DIM_R], dl[DIM_R]) *
		       interval_overlap(ext[DIM_S], dl[DIM_S]);
	case TY_IFMAP:
		return interval_overlap(ext[DIM_N], dl[DIM_N]) *
		       interval_overlap(ext[DIM_C], dl[DIM_C]) *
		       slide_overlap(ext[DIM_E], ext[DIM_R], u, dl[DIM_E] * u + dl[DIM_R]) *
		       slide_overlap(ext[DIM_F], ext[DIM_S], u, dl[DIM_F] * u + dl[DIM_S]);
	case TY_PSUM:
	case TY_COUNT:
		break;
	}
	return interval_overlap(ext[DIM_N], dl[DIM_N]) * interval_overlap(ext[DIM_M], dl[DIM_M]) *
	       interval_overlap(ext[DIM_E], dl[DIM_E]) * interval_overlap(ext[DIM_F], dl[DIM_F]);
}

struct outer_loop {
	int dim;
	uint64_t bound, stride;
};

/* The temporal loops outside a boundary: the DRAM loops, and the GLB loops too
 * when glb is set, outermost first; loops of bound 1 never step and are left out. */
static int outer_loops(const struct mapping *m, bool glb, struct outer_loop *out)
{
	int n = 0;
	for (int lv = LV_DRAM; lv <= (glb ? LV_GLB : LV_DRAM); lv++) {
		for (int i = 0; i < DIM_COUNT; i++) {
			int d = m->order[lv][i];
			if (m->factor[lv][d] == 1)
				continue;
			uint64_t stride = 1;
			for (int l2 = lv + 1; l2 < LV_COUNT; l2++)
				stride *= m->factor[l2][d];
			out[n++] = (struct outer_loop){d, m->factor[lv][d], stride};
		}
	}
	return n;
}

/* Words fetched by a buffer with extents ext behind the loops lp[0..n). */
static uint64_t fetched(enum map_type t, const uint64_t *ext, uint32_t u,
			const struct outer_loop *lp, int n)
{
	uint64_t size = footprint(t, ext, u);
	uint64_t total = size, outer = 1;
	for (int j = 0; j < n; j++) {
		int64_t dl[DIM_COUNT] = {0};
		dl[lp[j].dim] += (int64_t)lp[j].stride;
		for (int i = j + 1; i < n; i++)
			dl[lp[i].dim] -= (int64_t)((lp[i].bound - 1) * lp[i].stride);
		total += outer * (lp[j].bound - 1) * (size - footprint_overlap(t, ext, u, dl));
		outer *= lp[j].bound;
	}
	return total;
}

static void extents(const struct mapping *m, int from_level, uint64_t *ext)
{
	for (int d = 0; d < DIM_COUNT; d++) {
		ext[d] = 1;
		for (int lv = from_level; lv < LV_COUNT; lv++)
			ext[d] *= m->factor[lv][d];
	}
}

void model_layer_count(const struct mapping *m, const struct map_layer *l,
		       struct model_counts *out)
{
	memset(out, 0, sizeof *out);
	uint64_t macs = 1;
	for (int d = 0; d < DIM_COUNT; d++)
		macs *= l->size[d];
	out->macs = macs;
	uint64_t pes = mapping_pes(m), steps = macs / pes;

	struct outer_loop dram[DIM_COUNT], both[2 * DIM_COUNT];
	int n_dram = outer_loops(m, false, dram), n_both = outer_loops(m, true, both);
	uint64_t ext_glb[DIM_COUNT], ext_arr[DIM_COUNT], ext_pe[DIM_COUNT], ext_sp[DIM_COUNT];
	extents(m, LV_GLB, ext_glb);
	extents(m, LV_ROW, ext_arr);
	extents(m, LV_RF, ext_pe);
	for (int d = 0; d < DIM_COUNT; d++)
		ext_sp[d] = ext_arr[d] / ext_pe[d];

	for (int ti = 0; ti < TY_COUNT; ti++) {
		enum map_type t = (enum map_type)ti;
		bool kept = map_dataflow_keeps(m->dataflow, t);
		uint64_t f_d = fetched(t, ext_glb, l->U, dram, n_dram);
		uint64_t f_p, f_s;
		if (kept) {
			f_p = fetched(t, ext_arr, l->U, both, n_both);
			f_s = pes * fetched(t, ext_pe, l->U, both, n_both);
		} else {
			f_p = steps * footprint(t, ext_sp, l->U);
			f_s = macs;
		}
		uint64_t *acc = out->acc[t];
		if (t == TY_PSUM) {
			uint64_t outputs = (uint64_t)l->size[DIM_N] * l->size[DIM_M] *
					   l->size[DIM_E] * l->size[DIM_F];
			acc[EN_DRAM] = 2 * f_d - outputs;
			acc[EN_GLB] = 2 * (f_p - f_d);
			acc[EN_ARRAY] = f_s - f_p;
			acc[EN_RF] = kept ? 2 * (macs - f_s) : 0;
		} else {
			acc[EN_DRAM] = f_d;
			acc[EN_GLB] = f_p;
			acc[EN_ARRAY] = f_s;
			acc[EN_RF] = kept ? macs : 0;
		}
	}
}

static int rf_words_of(const struct arch *a, enum map_type t)
{
	return (int)(t == TY_IFMAP ? a->rf_ifmap_words
				   : t == TY_WEIGHT ? a->rf_weight_words : a->rf_psum_words);
}

static uint32_t bits_of(const struct model_bits *b, enum map_type t)
{
	return t == TY_IFMAP ? b->ifmap : t == TY_WEIGHT ? b->weight : b->psum;
}

bool model_mapping_fits(const struct arch *a, const struct model_bits *bits,
			const struct mapping *m, const struct map_layer *l, char *why, size_t n)
{
	uint64_t rows = 1, cols = 1;
	for (int d = 0; d < DIM_COUNT; d++) {
		rows *= m->factor[LV_ROW][d];
		cols *= m->factor[LV_COL][d];
	}
	if (rows > a->pe_rows || cols > a->pe_cols) {
		snprintf(why, n, "needs a %llux%llu PE array, arch has %ux%u",
			 (unsigned long long)rows, (unsigned long long)cols, a->pe_rows, a->pe_cols);
		return false;
	}
	uint64_t ext[DIM_COUNT], tile[TY_COUNT];
	extents(m, LV_RF, ext);
	uint64_t rf_bits = 0;
	for (int t = 0; t < TY_COUNT; t++) {
		if (!map_dataflow_keeps(m->dataflow, (enum map_type)t))
			continue;
		tile[t] = footprint((enum map_type)t, ext, l->U);
		uint64_t b = tile[t] * bits_of(bits, (enum map_type)t);
		if (a->rf_split && b > (uint64_t)rf_words_of(a, (enum map_type)t) * a->word_bits) {
			snprintf(why, n, "RF %s tile of %llu values exceeds the %d-word scratchpad",
				 map_type_names[t], (unsigned long long)tile[t],
				 rf_words_of(a, (enum map_type)t));
			return false;
		}
		rf_bits += b;
	}
	if (!a->rf_split && rf_bits > (uint64_t)a->rf_bytes * 8) {
		snprintf(why, n, "RF tiles need %llu bytes, RF has %u",
			 (unsigned long long)(rf_bits + 7) / 8, a->rf_bytes);
		return false;
	}
	extents(m, LV_GLB, ext);
	uint64_t glb_bits[TY_COUNT];
	for (int t = 0; t < TY_COUNT; t++)
		glb_bits[t] = footprint((enum map_type)t, ext, l->U) *
			      bits_of(bits, (enum map_type)t);
	uint64_t shared = glb_bits[TY_IFMAP] + glb_bits[TY_PSUM];
	uint64_t cap = a->glb_bytes * 8;
	if (a->glb_weight_bytes > 0) {
		if (glb_bits[TY_WEIGHT] > a->glb_weight_bytes * 8) {
			snprintf(why, n, "GLB weight tile needs %llu bytes, partition has %llu",
				 (unsigned long long)(glb_bits[TY_WEIGHT] + 7) / 8,
				 (unsigned long long)a->glb_weight_bytes);
			return false;
		}
		cap -= a->glb_weight_bytes * 8;
	} else {
		shared += glb_bits[TY_WEIGHT];
	}
	if (shared > cap) {
		snprintf(why, n, "GLB tiles need %llu bytes, GLB has %llu",
			 (unsigned long long)(shared + 7) / 8, (unsigned long long)cap / 8);
		return false;
	}
	return true;
}

double model_relidx_entries_per_value(double density, uint32_t index_bits)
{
	double q = 1.0 - density;
	return density / (1.0 - pow(q, ldexp(1.0, (int)index_bits)));
}

double model_rlc_bits_per_value(const struct arch *a, double density)
{
	uint32_t pair = a->rlc_run_bits + a->rlc_value_bits;
	uint32_t per_word = (a->rlc_word_bits - 1) / pair;
	double pairs = model_relidx_entries_per_value(density, a->rlc_run_bits);
	return pairs * a->rlc_word_bits / per_word;
}

void model_layer_eval(const struct arch *a, const struct energy_table *t,
		      const struct model_bits *bits, const struct model_layer_in *in,
		      const struct mapping *m, struct model_layer_result *r)
{
	memset(r, 0, sizeof *r);
	r->map = *m;
	const struct map_layer *l = &in->shape;
	if (!mapping_is_legal(m, l, r->why, sizeof r->why) ||
	    !model_mapping_fits(a, bits, m, l, r->why, sizeof r->why))
		return;
	struct model_counts c;
	model_layer_count(m, l, &c);
	double g = in->groups, wd = in->weight_density, id = in->ifmap_density;
	r->ok = true;
	r->macs = c.macs * in->groups;
	r->macs_effective = (double)r->macs * wd * id;
	for (int ty = 0; ty < TY_COUNT; ty++)
		for (int lv = 0; lv < EN_LEVEL_COUNT; lv++)
			r->acc[ty][lv] = (double)c.acc[ty][lv] * g;

	/* DRAM coding: counts become bits moved / bits of the type. */
	if (a->weight_format == ARCH_WFMT_RELATIVE_INDEX)
		r->acc[TY_WEIGHT][EN_DRAM] *= model_relidx_entries_per_value(wd, a->weight_index_bits) *
					      (bits->weight + a->weight_index_bits) / bits->weight;
	if (a->fmap_format == ARCH_FFMT_RLC) {
		r->acc[TY_IFMAP][EN_DRAM] *= model_rlc_bits_per_value(a, id) / bits->ifmap;
		double outputs = g * l->size[DIM_N] * l->size[DIM_M] * l->size[DIM_E] * l->size[DIM_F];
		r->acc[TY_PSUM][EN_DRAM] += outputs *
			(model_rlc_bits_per_value(a, in->ofmap_density) / bits->psum - 1.0);
	}
	/* Zero operands: a gated or skipped MAC also saves the other operand's RF read. */
	double mac_share = 1.0, cycle_share = 1.0;
	if (a->ifmap_zeros != ARCH_ZERO_NONE) {
		mac_share *= id;
		r->acc[TY_WEIGHT][EN_RF] *= id;
		if (a->ifmap_zeros == ARCH_ZERO_SKIP)
			cycle_share *= id;
	}
	if (a->weight_zeros != ARCH_ZERO_NONE) {
		mac_share *= wd;
		r->acc[TY_IFMAP][EN_RF] *= wd;
		if (a->weight_zeros == ARCH_ZERO_SKIP)
			cycle_share *= wd;
	}
	r->energy_mac = (double)r->macs * mac_share * energy_mac(t, bits->weight, bits->ifmap);
	r->energy_total = r->energy_mac;
	double dram_bits = 0;
	for (int ty = 0; ty < TY_COUNT; ty++) {
		uint32_t b = bits_of(bits, (enum map_type)ty);
		for (int lv = 0; lv < EN_LEVEL_COUNT; lv++) {
			r->energy[ty][lv] = r->acc[ty][lv] * energy_access(t, (enum energy_level)lv, b);
			r->energy_total += r->energy[ty][lv];
		}
		dram_bits += r->acc[ty][EN_DRAM] * b;
	}
	uint64_t pes = mapping_pes(m);
	r->cycles = (double)(c.macs / pes) * g * cycle_share;
	if (a->dram_bytes_per_cycle > 0)
		r->cycles = fmax(r->cycles, dram_bits / 8.0 / a->dram_bytes_per_cycle);
	r->utilization = (double)pes / ((double)a->pe_rows * a->pe_cols);
}

double model_objective_value(const struct model_layer_result *r, enum model_objective o)
{
	switch (o) {
	case OBJ_EDP:
		return r->energy_total * r->cycles;
	case OBJ_CYCLES:
		return r->cycles;
	case OBJ_ENERGY:
	case OBJ_COUNT:
		break;
	}
	return r->energy_total;
}
