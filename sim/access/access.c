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
 * The steps of the GLB loops and of the DRAM loops add up separately, so the
 * mapper can vary one level's order without recounting the other. This
 * gives, per data type, F_D words entering the GLB, F_P words entering
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
 * E[fillers] = sum_{k>=1} (1-d)^(k 2^i). Weights pruned in groups of g that
 * share an index (Scalpel's SIMD groups) count the same per group: an entry
 * is g values plus one index, g w + i bits for g weights. The `auto` format
 * stores each layer in whichever of dense and relative-index moves fewer bits
 * (a compressor's per-layer choice), so an unpruned layer pays no index. Run-length coded feature maps (JSSC
 * 2017) store (run, value) pairs, floor((word - 1) / (run + value)) pairs per
 * DRAM word, a pair per nonzero plus a filler pair per 2^run zeros, hence
 * d / (1 - (1-d)^(2^run)) pairs per value. Coding scales DRAM reads of ifmaps
 * and the final ofmap writes; psum spills stay dense. Gating a zero operand
 * saves the MAC and the other operand's RF read; skipping also saves the
 * cycle. Access energy is counts x energy_access(level, bits of the type). */
#include "access/access.h"

#include <assert.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

const char *const access_objective_names[OBJ_COUNT] = {"energy", "edp", "cycles"};
static_assert(OBJ_COUNT == 3, "one name per objective");

struct access_bits access_bits_default(const struct arch *a)
{
	return (struct access_bits){a->word_bits, a->word_bits, a->word_bits};
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

/* |T & (T + delta)| for the footprint of type t; plain axes first, since a
 * shift past a plain axis's extent leaves no overlap at all. */
static uint64_t footprint_overlap(enum map_type t, const uint64_t *ext, uint32_t u,
				  const int64_t *dl)
{
	static const int plain[TY_COUNT][4] = {
		[TY_IFMAP] = {DIM_N, DIM_C, -1, -1},
		[TY_WEIGHT] = {DIM_M, DIM_C, DIM_R, DIM_S},
		[TY_PSUM] = {DIM_N, DIM_M, DIM_E, DIM_F},
	};
	uint64_t o = 1;
	for (int i = 0; i < 4 && plain[t][i] >= 0; i++) {
		int d = plain[t][i];
		o *= interval_overlap(ext[d], dl[d]);
		if (o == 0)
			return 0;
	}
	if (t != TY_IFMAP)
		return o;
	o *= slide_overlap(ext[DIM_E], ext[DIM_R], u, dl[DIM_E] * u + dl[DIM_R]);
	if (o == 0)
		return 0;
	return o * slide_overlap(ext[DIM_F], ext[DIM_S], u, dl[DIM_F] * u + dl[DIM_S]);
}

struct outer_loop {
	int dim;
	uint64_t bound, stride;
};

/* The loops of temporal level lv (DRAM or GLB) in order, outermost first;
 * loops of bound 1 never step and are left out. */
static int level_loops(const struct access_nest *nest, const struct mapping *m, int lv,
		       struct outer_loop *out)
{
	int n = 0;
	for (int i = 0; i < DIM_COUNT; i++) {
		int d = m->order[lv][i];
		if (m->factor[lv][d] > 1)
			out[n++] = (struct outer_loop){d, m->factor[lv][d], nest->stride[lv][d]};
	}
	return n;
}

/* Adds to out[k], for nb buffers at once (type t[k], extents ext[k],
 * footprint size[k]), the words fetched at the steps of the loops lp[0..n)
 * (outermost first):  sum_j count_j (|T_k| - |T_k & (T_k + delta_j)|).
 * Loops further in (already wrapped when one of these steps) contribute
 * dl0 to every shift; loops further out multiply every count by mult. The
 * shifts are built from the innermost loop outwards. */
static void fetched_add(int nb, const enum map_type *t, const uint64_t (*ext)[DIM_COUNT],
			const uint64_t *size, uint32_t u, const struct outer_loop *lp, int n,
			const int64_t *dl0, uint64_t mult, uint64_t *out)
{
	uint64_t outer[DIM_COUNT + 1];
	outer[0] = mult;
	for (int j = 0; j < n; j++)
		outer[j + 1] = outer[j] * lp[j].bound;
	int64_t dl[DIM_COUNT];
	memcpy(dl, dl0, sizeof dl);
	for (int j = n - 1; j >= 0; j--) {
		int d = lp[j].dim;
		dl[d] += (int64_t)lp[j].stride;
		uint64_t steps = outer[j] * (lp[j].bound - 1);
		for (int k = 0; k < nb; k++)
			out[k] += steps * (size[k] - footprint_overlap(t[k], ext[k], u, dl));
		/* from here on, loop j is an inner loop that wraps */
		dl[d] -= (int64_t)lp[j].stride + (int64_t)((lp[j].bound - 1) * lp[j].stride);
	}
}

static void extents(const struct mapping *m, int from_level, uint64_t *ext)
{
	for (int d = 0; d < DIM_COUNT; d++) {
		ext[d] = 1;
		for (int lv = from_level; lv < LV_COUNT; lv++)
			ext[d] *= m->factor[lv][d];
	}
}

void access_nest_init(struct access_nest *nest, const struct mapping *m, const struct map_layer *l)
{
	memset(nest, 0, sizeof *nest);
	nest->df = m->dataflow;
	nest->u = l->U;
	nest->macs = 1;
	for (int d = 0; d < DIM_COUNT; d++)
		nest->macs *= l->size[d];
	nest->pes = mapping_pes(m);
	nest->outputs = (uint64_t)l->size[DIM_N] * l->size[DIM_M] * l->size[DIM_E] * l->size[DIM_F];
	for (int d = 0; d < DIM_COUNT; d++)
		for (int lv = LV_DRAM; lv <= LV_GLB; lv++) {
			uint64_t stride = 1;
			for (int l2 = lv + 1; l2 < LV_COUNT; l2++)
				stride *= m->factor[l2][d];
			nest->stride[lv][d] = stride;
		}
	extents(m, LV_GLB, nest->glb_ext[0]);
	for (int t = 0; t < TY_COUNT; t++) {
		nest->glb_ty[t] = (enum map_type)t;
		if (t > 0)
			memcpy(nest->glb_ext[t], nest->glb_ext[0], sizeof nest->glb_ext[0]);
		nest->glb_size[t] = footprint((enum map_type)t, nest->glb_ext[t], l->U);
	}
	uint64_t ext_arr[DIM_COUNT], ext_pe[DIM_COUNT], ext_sp[DIM_COUNT];
	extents(m, LV_ROW, ext_arr);
	extents(m, LV_RF, ext_pe);
	for (int d = 0; d < DIM_COUNT; d++)
		ext_sp[d] = ext_arr[d] / ext_pe[d];
	/* Kept types: the array's union and one PE, behind the same loops. */
	for (int ti = 0; ti < TY_COUNT; ti++) {
		enum map_type t = (enum map_type)ti;
		if (map_dataflow_keeps(m->dataflow, t)) {
			int k = nest->nb;
			nest->ty[k] = nest->ty[k + 1] = t;
			memcpy(nest->ext[k], ext_arr, sizeof ext_arr);
			memcpy(nest->ext[k + 1], ext_pe, sizeof ext_pe);
			nest->size[k] = footprint(t, ext_arr, l->U);
			nest->size[k + 1] = footprint(t, ext_pe, l->U);
			nest->nb += 2;
		} else {
			nest->f_p[t] = nest->macs / nest->pes * footprint(t, ext_sp, l->U);
			nest->f_s[t] = nest->macs;
		}
	}
}

void access_nest_count_glb(const struct access_nest *nest, const struct mapping *m,
			  uint64_t f_d[TY_COUNT])
{
	struct outer_loop lp[DIM_COUNT];
	int n = level_loops(nest, m, LV_DRAM, lp);
	static const int64_t zero[DIM_COUNT];
	memcpy(f_d, nest->glb_size, sizeof nest->glb_size);
	fetched_add(TY_COUNT, nest->glb_ty, (const uint64_t(*)[DIM_COUNT])nest->glb_ext,
		    nest->glb_size, nest->u, lp, n, zero, 1, f_d);
}

/* At the array boundary the DRAM and GLB loops are outside. Steps of a GLB
 * loop are multiplied by every DRAM bound and see only GLB loops wrap; steps
 * of a DRAM loop see every GLB loop wrapped (a shift that does not depend on
 * the GLB order). So the sum splits into a part per level. */
void access_nest_array_part(const struct access_nest *nest, const struct mapping *m, int lv,
			   uint64_t part[2 * TY_COUNT])
{
	struct outer_loop lp[DIM_COUNT];
	int n = level_loops(nest, m, lv, lp);
	int64_t dl0[DIM_COUNT] = {0};
	uint64_t mult = 1;
	for (int d = 0; d < DIM_COUNT; d++) {
		if (lv == LV_DRAM)
			dl0[d] = -(int64_t)((m->factor[LV_GLB][d] - 1) * nest->stride[LV_GLB][d]);
		else
			mult *= m->factor[LV_DRAM][d];
	}
	memset(part, 0, 2 * TY_COUNT * sizeof *part);
	fetched_add(nest->nb, nest->ty, (const uint64_t(*)[DIM_COUNT])nest->ext, nest->size,
		    nest->u, lp, n, dl0, mult, part);
}

void access_nest_array_finish(const struct access_nest *nest, const uint64_t dram_part[2 * TY_COUNT],
			     const uint64_t glb_part[2 * TY_COUNT], uint64_t f_p[TY_COUNT],
			     uint64_t f_s[TY_COUNT])
{
	memcpy(f_p, nest->f_p, sizeof nest->f_p);
	memcpy(f_s, nest->f_s, sizeof nest->f_s);
	for (int k = 0; k < nest->nb; k += 2) {
		f_p[nest->ty[k]] = nest->size[k] + dram_part[k] + glb_part[k];
		f_s[nest->ty[k]] =
			nest->pes * (nest->size[k + 1] + dram_part[k + 1] + glb_part[k + 1]);
	}
}

void access_nest_count_array(const struct access_nest *nest, const struct mapping *m,
			    uint64_t f_p[TY_COUNT], uint64_t f_s[TY_COUNT])
{
	uint64_t dram_part[2 * TY_COUNT], glb_part[2 * TY_COUNT];
	access_nest_array_part(nest, m, LV_DRAM, dram_part);
	access_nest_array_part(nest, m, LV_GLB, glb_part);
	access_nest_array_finish(nest, dram_part, glb_part, f_p, f_s);
}

/* DRAM accesses of type ti: psums are written once per fetch and read back
 * on every fetch but the first of each output. */
static uint64_t dram_accesses(const struct access_nest *nest, const uint64_t f_d[TY_COUNT], int ti)
{
	return ti == TY_PSUM ? 2 * f_d[ti] - nest->outputs : f_d[ti];
}

/* Eq. 3/4 counts of type ti at every level from the words entering the GLB
 * (f_d), the array (f_p) and the PEs (f_s). */
static void type_counts(const struct access_nest *nest, int ti, const uint64_t f_d[TY_COUNT],
			uint64_t f_p, uint64_t f_s, uint64_t acc[EN_LEVEL_COUNT])
{
	bool kept = map_dataflow_keeps(nest->df, (enum map_type)ti);
	acc[EN_DRAM] = dram_accesses(nest, f_d, ti);
	if (ti == TY_PSUM) {
		acc[EN_GLB] = 2 * (f_p - f_d[ti]);
		acc[EN_ARRAY] = f_s - f_p;
		acc[EN_RF] = kept ? 2 * (nest->macs - f_s) : 0;
	} else {
		acc[EN_GLB] = f_p;
		acc[EN_ARRAY] = f_s;
		/* a kept ifmap or weight is read from the RF once per MAC */
		acc[EN_RF] = kept ? nest->macs : 0;
	}
}

void access_nest_fixed_counts(const struct access_nest *nest, const uint64_t f_d[TY_COUNT],
			     struct access_counts *out)
{
	memset(out, 0, sizeof *out);
	out->macs = nest->macs;
	for (int ti = 0; ti < TY_COUNT; ti++) {
		if (!map_dataflow_keeps(nest->df, (enum map_type)ti)) {
			/* the array counts of a type the RF does not keep are known */
			type_counts(nest, ti, f_d, nest->f_p[ti], nest->f_s[ti], out->acc[ti]);
			continue;
		}
		out->acc[ti][EN_DRAM] = dram_accesses(nest, f_d, ti);
		if (ti != TY_PSUM)
			out->acc[ti][EN_RF] = nest->macs;
	}
}

void access_nest_combine(const struct access_nest *nest, const uint64_t f_d[TY_COUNT],
			const uint64_t f_p[TY_COUNT], const uint64_t f_s[TY_COUNT],
			struct access_counts *out)
{
	out->macs = nest->macs;
	for (int ti = 0; ti < TY_COUNT; ti++)
		type_counts(nest, ti, f_d, f_p[ti], f_s[ti], out->acc[ti]);
}

void access_layer_count(const struct mapping *m, const struct map_layer *l,
		       struct access_counts *out)
{
	struct access_nest nest;
	uint64_t f_d[TY_COUNT], f_p[TY_COUNT], f_s[TY_COUNT];
	access_nest_init(&nest, m, l);
	access_nest_count_glb(&nest, m, f_d);
	access_nest_count_array(&nest, m, f_p, f_s);
	access_nest_combine(&nest, f_d, f_p, f_s, out);
}

static int rf_words_of(const struct arch *a, enum map_type t)
{
	return (int)(t == TY_IFMAP ? a->rf_ifmap_words
				   : t == TY_WEIGHT ? a->rf_weight_words : a->rf_psum_words);
}

static uint32_t bits_of(const struct access_bits *b, enum map_type t)
{
	return t == TY_IFMAP ? b->ifmap : t == TY_WEIGHT ? b->weight : b->psum;
}

/* Formats a reason unless the caller passed no buffer (the mapper's inner loop). */
__attribute__((format(printf, 3, 4))) static void reason(char *why, size_t n, const char *fmt, ...)
{
	if (!why)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, n, fmt, ap);
	va_end(ap);
}

bool access_mapping_fits(const struct arch *a, const struct access_bits *bits,
			const struct mapping *m, const struct map_layer *l, char *why, size_t n)
{
	uint64_t rows = 1, cols = 1;
	for (int d = 0; d < DIM_COUNT; d++) {
		rows *= m->factor[LV_ROW][d];
		cols *= m->factor[LV_COL][d];
	}
	if (rows > a->pe_rows || cols > a->pe_cols) {
		reason(why, n, "needs a %llux%llu PE array, arch has %ux%u",
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
			reason(why, n, "RF %s tile of %llu values exceeds the %d-word scratchpad",
				 map_type_names[t], (unsigned long long)tile[t],
				 rf_words_of(a, (enum map_type)t));
			return false;
		}
		rf_bits += b;
	}
	if (!a->rf_split && rf_bits > (uint64_t)a->rf_bytes * 8) {
		reason(why, n, "RF tiles need %llu bytes, RF has %u",
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
			reason(why, n, "GLB weight tile needs %llu bytes, partition has %llu",
				 (unsigned long long)(glb_bits[TY_WEIGHT] + 7) / 8,
				 (unsigned long long)a->glb_weight_bytes);
			return false;
		}
		cap -= a->glb_weight_bytes * 8;
	} else {
		shared += glb_bits[TY_WEIGHT];
	}
	if (shared > cap) {
		reason(why, n, "GLB tiles need %llu bytes, GLB has %llu",
			 (unsigned long long)(shared + 7) / 8, (unsigned long long)cap / 8);
		return false;
	}
	return true;
}

double access_relidx_entries_per_value(double density, uint32_t index_bits)
{
	/* q^(2^index_bits) by repeated squaring: exact IEEE products, so the
	 * same bits on every CPU (libm's pow is not). */
	double q = 1.0 - density;
	for (uint32_t b = 0; b < index_bits; b++)
		q *= q;
	return density / (1.0 - q);
}

double access_rlc_bits_per_value(const struct arch *a, double density)
{
	uint32_t pair = a->rlc_run_bits + a->rlc_value_bits;
	uint32_t per_word = (a->rlc_word_bits - 1) / pair;
	double pairs = access_relidx_entries_per_value(density, a->rlc_run_bits);
	return pairs * a->rlc_word_bits / per_word;
}

void access_costs_init(struct access_costs *c, const struct arch *a, const struct energy_table *t,
		      const struct access_bits *bits, const struct access_layer_in *in)
{
	memset(c, 0, sizeof *c);
	const struct map_layer *l = &in->shape;
	double g = in->groups, wd = in->weight_density, id = in->ifmap_density;
	for (int ty = 0; ty < TY_COUNT; ty++)
		for (int lv = 0; lv < EN_LEVEL_COUNT; lv++)
			c->scale[ty][lv] = g;
	/* DRAM coding: counts become bits moved / bits of the type. */
	if (a->weight_format != ARCH_WFMT_DENSE) {
		/* Groups of w weights share one index: per weight, the group
		 * entries (fillers included) / w, each w values plus an index. */
		double w = in->weight_group > 1 ? in->weight_group : 1;
		double coded = access_relidx_entries_per_value(wd, a->weight_index_bits) *
			       (w * bits->weight + a->weight_index_bits) / (w * bits->weight);
		/* auto: a layer is stored dense when that moves fewer bits. */
		if (a->weight_format == ARCH_WFMT_AUTO && coded > 1)
			coded = 1;
		c->scale[TY_WEIGHT][EN_DRAM] *= coded;
	}
	if (a->fmap_format == ARCH_FFMT_RLC) {
		c->scale[TY_IFMAP][EN_DRAM] *= access_rlc_bits_per_value(a, id) / bits->ifmap;
		double outputs = g * l->size[DIM_N] * l->size[DIM_M] * l->size[DIM_E] * l->size[DIM_F];
		c->psum_dram_extra = outputs *
			(access_rlc_bits_per_value(a, in->ofmap_density) / bits->psum - 1.0);
	}
	/* Zero operands: a gated or skipped MAC also saves the other operand's RF read. */
	double mac_share = 1.0;
	c->cycle_share = 1.0;
	if (a->ifmap_zeros != ARCH_ZERO_NONE) {
		mac_share *= id;
		c->scale[TY_WEIGHT][EN_RF] *= id;
		if (a->ifmap_zeros == ARCH_ZERO_SKIP)
			c->cycle_share *= id;
	}
	if (a->weight_zeros != ARCH_ZERO_NONE) {
		mac_share *= wd;
		c->scale[TY_IFMAP][EN_RF] *= wd;
		if (a->weight_zeros == ARCH_ZERO_SKIP)
			c->cycle_share *= wd;
	}
	uint64_t macs = 1;
	for (int d = 0; d < DIM_COUNT; d++)
		macs *= l->size[d];
	c->macs = macs * in->groups;
	c->macs_effective = (double)c->macs * wd * id;
	c->energy_mac = (double)c->macs * mac_share * energy_mac(t, bits->weight, bits->ifmap);
	for (int ty = 0; ty < TY_COUNT; ty++) {
		c->bits[ty] = bits_of(bits, (enum map_type)ty);
		for (int lv = 0; lv < EN_LEVEL_COUNT; lv++) {
			c->per_access[ty][lv] = energy_access(t, (enum energy_level)lv, c->bits[ty]);
			c->per_count[ty][lv] = c->scale[ty][lv] * c->per_access[ty][lv];
		}
	}
	c->groups = in->groups;
	c->pe_count = (double)a->pe_rows * a->pe_cols;
	c->dram_bytes_per_cycle = a->dram_bytes_per_cycle;
}

void access_costs_score(const struct access_costs *c, const struct access_counts *n, uint64_t pes,
		       double *energy, double *cycles)
{
	double e = c->energy_mac + c->psum_dram_extra * c->per_access[TY_PSUM][EN_DRAM];
	for (int ty = 0; ty < TY_COUNT; ty++)
		for (int lv = 0; lv < EN_LEVEL_COUNT; lv++)
			e += (double)n->acc[ty][lv] * c->per_count[ty][lv];
	*energy = e;
	*cycles = (double)(n->macs / pes) * c->groups * c->cycle_share;
	if (c->dram_bytes_per_cycle > 0) {
		double dram_bits = c->psum_dram_extra * c->bits[TY_PSUM];
		for (int ty = 0; ty < TY_COUNT; ty++)
			dram_bits += (double)n->acc[ty][EN_DRAM] * c->scale[ty][EN_DRAM] * c->bits[ty];
		*cycles = fmax(*cycles, dram_bits / 8.0 / c->dram_bytes_per_cycle);
	}
}

void access_layer_eval_counts(const struct access_costs *c, const struct mapping *m,
			     const struct access_counts *n, struct access_layer_result *r)
{
	r->ok = true;
	r->why[0] = '\0';
	r->map = *m;
	r->macs = c->macs;
	r->macs_effective = c->macs_effective;
	r->energy_mac = c->energy_mac;
	for (int ty = 0; ty < TY_COUNT; ty++) {
		for (int lv = 0; lv < EN_LEVEL_COUNT; lv++) {
			r->acc[ty][lv] = (double)n->acc[ty][lv] * c->scale[ty][lv];
			if (ty == TY_PSUM && lv == EN_DRAM)
				r->acc[ty][lv] += c->psum_dram_extra;
			r->energy[ty][lv] = r->acc[ty][lv] * c->per_access[ty][lv];
		}
	}
	uint64_t pes = mapping_pes(m);
	access_costs_score(c, n, pes, &r->energy_total, &r->cycles);
	r->utilization = (double)pes / c->pe_count;
}

void access_layer_eval(const struct arch *a, const struct energy_table *t,
		      const struct access_bits *bits, const struct access_layer_in *in,
		      const struct mapping *m, struct access_layer_result *r)
{
	struct access_costs c;
	access_costs_init(&c, a, t, bits, in);
	memset(r, 0, sizeof *r);
	r->map = *m;
	r->macs = c.macs;
	r->macs_effective = c.macs_effective;
	if (!mapping_is_legal(m, &in->shape, r->why, sizeof r->why) ||
	    !access_mapping_fits(a, bits, m, &in->shape, r->why, sizeof r->why))
		return;
	struct access_counts n;
	access_layer_count(m, &in->shape, &n);
	access_layer_eval_counts(&c, m, &n, r);
}

double access_objective(enum access_objective o, double energy, double cycles)
{
	switch (o) {
	case OBJ_EDP:
		return energy * cycles;
	case OBJ_CYCLES:
		return cycles;
	case OBJ_ENERGY:
	case OBJ_COUNT:
		break;
	}
	return energy;
}
