/* The energy model on top of the access counts (count.c): capacity checks of
 * a mapping against the RF, GLB and PE array, and the energy and cycles of
 * dense counts after sparsity, DRAM coding and per-type bitwidths.
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
 * and the final ofmap writes; psum spills stay dense.
 *
 * Zero operands, per data type (Eyeriss JSSC 2017 data gating; Yang et al.
 * CVPR 2017, whose "skipped" MACs save the MAC, the other operand's read and
 * the psum update; Sparseloop's gating vs skipping): with a zero ifmap or
 * weight of density d handled by
 *   gate  the MAC, the other operand's per-MAC read and the psum's per-MAC
 *         read and write are not done (energy x d); the zero itself is still
 *         read (that is how it is found) and the cycle still passes;
 *   skip  the same, and the zero is not stored or read at all (its own
 *         per-MAC reads x d) and its cycle is saved (cycles x d).
 * The per-MAC accesses are the RF's for a type the dataflow keeps there and
 * the array's otherwise. With independent zeros, ifmap and weight factors
 * multiply. Access energy is counts x energy_access(level, bits of the type). */
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

/* Extents of the loops from level from_level inward, capped at the layer's
 * sizes (a partial last tile never reaches past them). */
static void extents(const struct mapping *m, const struct map_layer *l, int from_level,
		    uint64_t *ext)
{
	for (int d = 0; d < DIM_COUNT; d++) {
		ext[d] = 1;
		for (int lv = from_level; lv < LV_COUNT; lv++)
			ext[d] *= m->factor[lv][d];
		if (ext[d] > l->size[d])
			ext[d] = l->size[d];
	}
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

uint32_t access_rs_set_width(const struct arch *a, const struct map_layer *l)
{
	uint32_t e = l->size[DIM_E], strips = (e + a->pe_cols - 1) / a->pe_cols;
	return (e + strips - 1) / strips;
}

bool access_mapping_fits(const struct arch *a, const struct access_bits *bits,
			const struct mapping *m, const struct map_layer *l, char *why, size_t n)
{
	if (m->dataflow == ARCH_DF_RS && m->factor[LV_COL][DIM_E] != access_rs_set_width(a, l)) {
		reason(why, n, "rs: the PE set spans E = %u ofmap rows, %u wide on %u columns; "
			 "the mapping's set is %u wide", l->size[DIM_E], access_rs_set_width(a, l),
			 a->pe_cols, m->factor[LV_COL][DIM_E]);
		return false;
	}
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
	extents(m, l, LV_RF, ext);
	uint64_t rf_bits = 0;
	for (int t = 0; t < TY_COUNT; t++) {
		if (!map_dataflow_keeps(m->dataflow, (enum map_type)t))
			continue;
		tile[t] = access_footprint((enum map_type)t, ext, l->U);
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
	extents(m, l, LV_GLB, ext);
	uint64_t glb_bits[TY_COUNT];
	for (int t = 0; t < TY_COUNT; t++)
		glb_bits[t] = access_footprint((enum map_type)t, ext, l->U) *
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

/* Where a MAC reads its operands and updates its psum: the RF for a type the
 * dataflow keeps there, the array (delivered for the MAC) otherwise. */
static enum energy_level per_mac_level(enum arch_dataflow df, enum map_type t)
{
	return map_dataflow_keeps(df, t) ? EN_RF : EN_ARRAY;
}

void access_costs_init(struct access_costs *c, const struct arch *a, const struct energy_table *t,
		      const struct access_bits *bits, const struct access_layer_in *in,
		      enum arch_dataflow df)
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
	/* Zero operands (see the file comment): a MAC with a gated or skipped
	 * zero does no arithmetic, reads no other operand and updates no psum;
	 * a skipped zero is not read either (only nonzeros are stored) and
	 * takes no cycle. The per-MAC accesses are at the RF for a type the
	 * dataflow keeps there, over the array for one it does not. */
	double mac_share = 1.0;
	c->cycle_share = 1.0;
	const struct {
		enum arch_zero_policy policy;
		double density;
		enum map_type self, other;
	} zeros[2] = {{a->ifmap_zeros, id, TY_IFMAP, TY_WEIGHT},
		      {a->weight_zeros, wd, TY_WEIGHT, TY_IFMAP}};
	for (int z = 0; z < 2; z++) {
		if (zeros[z].policy == ARCH_ZERO_NONE)
			continue;
		double dz = zeros[z].density;
		mac_share *= dz;
		c->scale[zeros[z].other][per_mac_level(df, zeros[z].other)] *= dz;
		c->scale[TY_PSUM][per_mac_level(df, TY_PSUM)] *= dz;
		if (zeros[z].policy == ARCH_ZERO_SKIP) {
			c->scale[zeros[z].self][per_mac_level(df, zeros[z].self)] *= dz;
			c->cycle_share *= dz;
		}
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
	c->bits_per_cycle[EN_DRAM] = a->dram_bytes_per_cycle * 8;
	c->bits_per_cycle[EN_GLB] = a->glb_words_per_cycle * a->word_bits;
	c->bits_per_cycle[EN_ARRAY] = a->noc_words_per_cycle * a->word_bits;
}

void access_costs_score(const struct access_costs *c, const struct access_counts *n,
		       double *energy, double *cycles)
{
	double e = c->energy_mac + c->psum_dram_extra * c->per_access[TY_PSUM][EN_DRAM];
	for (int ty = 0; ty < TY_COUNT; ty++)
		for (int lv = 0; lv < EN_LEVEL_COUNT; lv++)
			e += (double)n->acc[ty][lv] * c->per_count[ty][lv];
	*energy = e;
	*cycles = (double)n->steps * c->groups * c->cycle_share;
	/* each level's traffic, spread evenly and overlapped with the compute
	 * (double buffering, as ISCA 2016 VI-B assumes), bounds the cycles from
	 * below; the layer takes the longest */
	for (int lv = EN_DRAM; lv <= EN_ARRAY; lv++) {
		if (c->bits_per_cycle[lv] <= 0)
			continue;
		double bits = lv == EN_DRAM ? c->psum_dram_extra * c->bits[TY_PSUM] : 0;
		for (int ty = 0; ty < TY_COUNT; ty++)
			bits += (double)n->acc[ty][lv] * c->scale[ty][lv] * c->bits[ty];
		*cycles = fmax(*cycles, bits / c->bits_per_cycle[lv]);
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
	access_costs_score(c, n, &r->energy_total, &r->cycles);
	r->utilization = (double)n->macs / ((double)n->steps * c->pe_count);
}

void access_layer_eval(const struct arch *a, const struct energy_table *t,
		      const struct access_bits *bits, const struct access_layer_in *in,
		      const struct mapping *m, struct access_layer_result *r)
{
	struct access_costs c;
	access_costs_init(&c, a, t, bits, in, m->dataflow);
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
