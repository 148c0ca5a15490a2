/* Mapping search (the "mapper" of ISCA 2016 section VI-A: for each layer, the
 * mapping that minimises energy under the RF, GLB and PE-array sizes), by
 * branch and bound over an explicit space; the answer is the one the full
 * enumeration of that space gives (tests compare the two).
 *
 * The space. Each dimension of size X is split (access/mapping.h) into an RF
 * factor r that divides X (RS keeps S whole), spatial factors rows x cols =
 * sp with sp r <= X, and temporal DRAM x GLB factors = ceil(X / (sp r)); the
 * temporal part of R and S stays in the GLB loops. Spatial factors need not
 * divide X (the last tile is partial) but must be the smallest giving their
 * number of steps: sp = ceil(n / k) for some k, n = X / r (this keeps every
 * divisor and leaves out splits that only idle more PEs in the last step).
 * RS's PE set spans the ofmap height: its E factor across the array is E, or,
 * when E is wider than the array, the fewest strips that fit
 * (access_rs_set_width). The DRAM and GLB loop orders are each one of three
 * templates that keep one data type stationary innermost:
 *     weights  M C R S | N E F      ifmaps  N C E F R S | M
 *     psums    N M E F | C R S
 * (RS keeps F, its sliding loop, innermost in the GLB order); templates that
 * step the same loops in the same sequence count once.
 *
 * The search, in two phases. Phase 1 chooses every dimension's DRAM-level
 * tile TD (what the GLB holds): the GLB capacity is decided there, and so are
 * the words entering the GLB (F_D) under each DRAM order, hence the DRAM
 * energy. With it, a lower bound on any mapping inside that tiling: the DRAM
 * counts exactly, the MACs and the RF reads of kept inputs (one per MAC), the
 * words every kept input moves into the GLB and the array at least once per
 * DRAM fill, the array counts of types the RF does not keep at their least
 * over the tiling's inner splits, and the fewest temporal steps; an order
 * (or the whole tiling) whose bound is strictly worse than the best mapping
 * so far is not searched further. Phase 2 chooses, inside the tile, each
 * dimension's GLB, spatial and RF factors (pruned by the RF and PE-array
 * capacity) and counts the survivors in full; a mapping is again skipped
 * when the counts known before its array counts already lose. Every cut is
 * exact: energies are non-negative sums, and only a strictly worse bound
 * prunes, so ties are decided as without it. Phase-1 tiles are tried from
 * the largest, which finds good mappings early.
 *
 * Threads take the first dimension's tiles from a shared counter; each keeps
 * its own best, and the results are merged with a total order (objective,
 * energy, cycles, the mapping's bytes), so the answer does not depend on the
 * thread count. The choice lists are built before the threads start: the
 * inner loops allocate nothing. */
#include "mapper/mapper.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"

/* One way to split a dimension below DRAM: RF, spatial and GLB factors. */
struct inner {
	uint32_t rf, rows, cols, glb;
	uint64_t qr; /* temporal steps x RF factor: what the split costs in steps */
};

/* All the inner splits of a dimension with the same DRAM-level tile. */
struct tile {
	uint64_t td;          /* what the GLB holds of the dimension (<= its size) */
	uint32_t dram;        /* DRAM factor: ceil(X / td) */
	size_t first, count;  /* its splits: inners[first .. first + count) */
	uint64_t min_qr, max_qr;
};

/* Dims in the order they are chosen: large, constraining ones first. In
 * phase 2 the spatial ones first: their steps decide the bound most. */
static const enum map_dim search_order[DIM_COUNT] = {DIM_C, DIM_M, DIM_R, DIM_S,
						      DIM_E, DIM_F, DIM_N};
static const enum map_dim phase2_order[DIM_COUNT] = {DIM_M, DIM_E, DIM_F, DIM_C,
						      DIM_R, DIM_S, DIM_N};

enum { ORD_WEIGHT, ORD_IFMAP, ORD_PSUM, ORD_COUNT };
static const uint8_t order_templates[ORD_COUNT][DIM_COUNT] = {
	[ORD_WEIGHT] = {DIM_M, DIM_C, DIM_R, DIM_S, DIM_N, DIM_E, DIM_F},
	[ORD_IFMAP] = {DIM_N, DIM_C, DIM_E, DIM_F, DIM_R, DIM_S, DIM_M},
	[ORD_PSUM] = {DIM_N, DIM_M, DIM_E, DIM_F, DIM_C, DIM_R, DIM_S},
};

struct search {
	const struct arch *a;
	const struct energy_table *t;
	const struct access_bits *bits;
	const struct access_layer_in *in;
	enum arch_dataflow df;
	enum access_objective obj;
	bool exhaustive;
	struct access_costs costs;
	uint8_t orders[2][ORD_COUNT][DIM_COUNT];
	struct inner *inners[DIM_COUNT];
	struct tile *tiles[DIM_COUNT];
	size_t n_tiles[DIM_COUNT];
	uint64_t least_qr[DIM_COUNT], most_qr[DIM_COUNT]; /* over every split */
	uint64_t macs, outputs, sizes[TY_COUNT];          /* of the layer (one group) */
	bool kept[TY_COUNT];
	bool in_fp[TY_COUNT][DIM_COUNT];   /* access_in_footprint */
	bool plain[TY_COUNT][DIM_COUNT];   /* in the footprint as an interval axis */
	atomic_size_t next;
};

struct worker {
	struct search *s;
	struct mapping m;
	const struct tile *tile[DIM_COUNT];  /* phase 1 choices */
	uint64_t qr_lo[DIM_COUNT], qr_hi[DIM_COUNT]; /* steps x RF factor: range so far */
	uint64_t f_d[ORD_COUNT][TY_COUNT];   /* words entering the GLB per DRAM order */
	bool live[ORD_COUNT];                /* DRAM orders not yet ruled out */
	struct access_layer_result best, cur;
	struct mapper_stats stats;
	struct access_nest dram;             /* the phase-1 tiling, updated in place */
	struct access_nest full;             /* the phase-2 mapping, updated in place */
	pthread_t thread;
};

/* Orders (objective, energy, cycles) tuples: -1, 0 or 1. */
static int score_cmp(enum access_objective o, double ex, double cx, double ey, double cy)
{
	double vx = access_objective(o, ex, cx), vy = access_objective(o, ey, cy);
	if (vx != vy)
		return vx < vy ? -1 : 1;
	if (ex != ey)
		return ex < ey ? -1 : 1;
	if (cx != cy)
		return cx < cy ? -1 : 1;
	return 0;
}

bool mapper_better(const struct access_layer_result *x, const struct access_layer_result *y,
		   enum access_objective o)
{
	if (!x->ok || !y->ok)
		return x->ok && !y->ok;
	int c = score_cmp(o, x->energy_total, x->cycles, y->energy_total, y->cycles);
	return c != 0 ? c < 0 : memcmp(&x->map, &y->map, sizeof x->map) < 0;
}

/* True when a bound (energy, cycles) cannot beat w's best: strictly worse. */
static bool loses(const struct worker *w, double energy, double cycles)
{
	const struct search *s = w->s;
	if (!w->best.ok || s->exhaustive)
		return false;
	return access_objective(s->obj, energy, cycles) >
	       access_objective(s->obj, w->best.energy_total, w->best.cycles);
}

static uint32_t search_levels(enum arch_dataflow df, enum map_dim d)
{
	uint32_t mask = map_dataflow_levels(df, d);
	if ((d == DIM_R || d == DIM_S) && (mask & (1u << LV_GLB)))
		mask &= ~(1u << LV_DRAM);
	if (df == ARCH_DF_RS && d == DIM_S)
		mask = 1u << LV_RF;
	return mask;
}

static uint64_t ceil_div(uint64_t a, uint64_t b)
{
	return (a + b - 1) / b;
}

/* Appends to out (when not NULL) every inner split of dimension d; returns
 * how many there are. */
static size_t inner_splits(const struct search *s, enum map_dim d, struct inner *out)
{
	uint32_t x = s->in->shape.size[d], mask = search_levels(s->df, d);
	bool lv[LV_COUNT];
	for (int k = 0; k < LV_COUNT; k++)
		lv[k] = mask & (1u << k);
	uint32_t rs_e = s->df == ARCH_DF_RS && d == DIM_E
				? access_rs_set_width(s->a, &s->in->shape) : 0;
	size_t n = 0;
	for (uint32_t rf = 1; rf <= x; rf++) {
		if (x % rf || (rf > 1 && !lv[LV_RF]) || (s->df == ARCH_DF_RS && d == DIM_S && rf != x))
			continue;
		uint32_t per = x / rf; /* RF tiles along the dimension */
		uint32_t max_rows = lv[LV_ROW] ? (per < s->a->pe_rows ? per : s->a->pe_rows) : 1;
		for (uint32_t rows = 1; rows <= max_rows; rows++) {
			uint32_t room = per / rows;
			uint32_t max_cols = lv[LV_COL] ? (room < s->a->pe_cols ? room : s->a->pe_cols) : 1;
			for (uint32_t cols = 1; cols <= max_cols; cols++) {
				uint64_t sp = (uint64_t)rows * cols;
				if (rs_e && cols != rs_e)
					continue;
				/* the smallest spatial factor for its number of steps */
				if (sp > 1 && ceil_div(per, sp) == ceil_div(per, sp - 1))
					continue;
				uint64_t q = ceil_div(per, sp);
				for (uint64_t g = 1; g <= q; g++) {
					if (q % g || (g > 1 && !lv[LV_GLB]) || (q / g > 1 && !lv[LV_DRAM]))
						continue;
					if (out)
						out[n] = (struct inner){rf, rows, cols, (uint32_t)g,
									q * rf};
					n++;
				}
			}
		}
	}
	return n;
}

/* The DRAM-level tile of a split: fG sp r, or the whole dimension when the
 * DRAM loop does not step. */
static uint64_t tile_of(const struct inner *i, uint32_t x)
{
	uint64_t t = (uint64_t)i->glb * i->rows * i->cols * i->rf;
	return ceil_div(x, t) == 1 ? x : t;
}

/* Largest tiles first; inside a tile, the splits with the fewest steps (the
 * most PEs) first: both tend to find low energy early. */
static int by_tile_desc(const void *pa, const void *pb, void *arg)
{
	const uint32_t *x = arg;
	const struct inner *ia = pa, *ib = pb;
	uint64_t a = tile_of(ia, *x), b = tile_of(ib, *x);
	if (a != b)
		return a > b ? -1 : 1;
	if (ia->qr != ib->qr)
		return ia->qr < ib->qr ? -1 : 1;
	return memcmp(pa, pb, sizeof(struct inner));
}

/* Builds, per dimension, its inner splits grouped by tile, largest first. */
static int build_lists(struct search *s, struct sim_err *err)
{
	for (int d = 0; d < DIM_COUNT; d++) {
		uint32_t x = s->in->shape.size[d];
		size_t n = inner_splits(s, (enum map_dim)d, NULL);
		s->inners[d] = sim_calloc(n ? n : 1, sizeof **s->inners, err);
		s->tiles[d] = sim_calloc(n ? n : 1, sizeof **s->tiles, err);
		if (!s->inners[d] || !s->tiles[d])
			return SIM_ERR_NOMEM;
		inner_splits(s, (enum map_dim)d, s->inners[d]);
		qsort_r(s->inners[d], n, sizeof **s->inners, by_tile_desc, &x);
		size_t k = 0;
		for (size_t i = 0; i < n; i++) {
			const struct inner *in = &s->inners[d][i];
			uint64_t td = tile_of(in, x);
			struct tile *t = &s->tiles[d][k];
			if (i == 0 || td != s->tiles[d][k - 1].td) {
				t = &s->tiles[d][k++];
				*t = (struct tile){td, (uint32_t)ceil_div(x, td), i, 0, in->qr, in->qr};
			} else {
				t = &s->tiles[d][k - 1];
			}
			t->count++;
			t->min_qr = in->qr < t->min_qr ? in->qr : t->min_qr;
			t->max_qr = in->qr > t->max_qr ? in->qr : t->max_qr;
		}
		s->n_tiles[d] = k;
		s->least_qr[d] = UINT64_MAX;
		s->most_qr[d] = 0;
		for (size_t i = 0; i < k; i++) {
			if (s->tiles[d][i].min_qr < s->least_qr[d])
				s->least_qr[d] = s->tiles[d][i].min_qr;
			if (s->tiles[d][i].max_qr > s->most_qr[d])
				s->most_qr[d] = s->tiles[d][i].max_qr;
		}
		for (int t = 0; t < TY_COUNT; t++) {
			s->in_fp[t][d] = access_in_footprint((enum map_type)t, (enum map_dim)d);
			/* ifmap rows and columns slide: their tiles overlap */
			s->plain[t][d] = s->in_fp[t][d] &&
					 !(t == TY_IFMAP && d != DIM_N && d != DIM_C);
		}
	}
	return 0;
}

/* Capacity of the GLB for tiles ext (unchosen dimensions at 1: footprints
 * only grow as dimensions are added, so a partial tiling that overflows
 * rules out all of its completions). */
static bool glb_fits(const struct search *s, const uint64_t ext[DIM_COUNT])
{
	const struct arch *a = s->a;
	uint64_t bits[TY_COUNT];
	for (int t = 0; t < TY_COUNT; t++)
		bits[t] = access_footprint((enum map_type)t, ext, s->in->shape.U) *
			  (t == TY_IFMAP ? s->bits->ifmap : t == TY_WEIGHT ? s->bits->weight
									  : s->bits->psum);
	uint64_t shared = bits[TY_IFMAP] + bits[TY_PSUM], cap = a->glb_bytes * 8;
	if (a->glb_weight_bytes > 0) {
		if (bits[TY_WEIGHT] > a->glb_weight_bytes * 8)
			return false;
		cap -= a->glb_weight_bytes * 8;
	} else {
		shared += bits[TY_WEIGHT];
	}
	return shared <= cap;
}

/* True when order template i of level lv sequences the loops of w's mapping
 * that step (factor > 1) like an earlier template: the counts are the same. */
static bool same_as_earlier(const struct worker *w, int lv, int i)
{
	const uint8_t(*ord)[DIM_COUNT] = w->s->orders[lv];
	for (int k = 0; k < i; k++) {
		int a = 0, b = 0;
		bool same = true;
		while (same) {
			while (a < DIM_COUNT && w->m.factor[lv][ord[i][a]] == 1)
				a++;
			while (b < DIM_COUNT && w->m.factor[lv][ord[k][b]] == 1)
				b++;
			if (a == DIM_COUNT || b == DIM_COUNT) {
				same = a == b;
				break;
			}
			same = ord[i][a++] == ord[k][b++];
		}
		if (same)
			return true;
	}
	return false;
}

/* The least energy of the GLB, array and RF counts of kept psums when the
 * words entering the GLB F_D lie in [fd_lo, fd_hi]: with F_P and F_S the
 * words entering the array and the PEs, F_D <= F_P <= F_S <= S_max, and the
 * counts are linear in them (GLB 2 (F_P - F_D), array F_S - F_P, RF
 * 2 (MACs - F_S)), so the minimum is at a vertex of that polytope, one of
 * the 8 points tried. A psum stays in its PE through every RF loop, so each
 * PE visit holds at least the product of the chosen RF factors of the
 * dimensions it accumulates over (C, R, S) MACs: S_max = MACs / that. */
static double psum_chain_min(const struct worker *w, uint64_t fd_lo, uint64_t fd_hi)
{
	const struct search *s = w->s;
	const double *pc = s->costs.per_count[TY_PSUM];
	uint64_t acc = 1;
	for (int d = 0; d < DIM_COUNT; d++)
		if (!s->in_fp[TY_PSUM][d])
			acc *= w->m.factor[LV_RF][d];
	double smax = (double)(s->macs / acc), m = (double)s->macs, best = 0;
	double fds[2] = {(double)fd_lo, fd_hi < s->macs / acc ? (double)fd_hi : smax};
	for (int k = 0; k < 8; k++) {
		double fd = fds[k & 1], fp = k & 2 ? smax : fd, fs = k & 4 ? smax : fp;
		double e = pc[EN_GLB] * 2 * (fp - fd) + pc[EN_ARRAY] * (fs - fp) +
			   pc[EN_RF] * 2 * (m - fs);
		best = k == 0 || e < best ? e : best;
	}
	return best;
}

/* Energy and cycles that no mapping can go below when the words entering the
 * GLB are f_d (exact: under a known DRAM order of a complete phase-1 tiling)
 * or at least f_d (not exact: the tensors' sizes, before the tiling is
 * complete), and each dimension's steps x RF factor lies in [qr_lo, qr_hi]
 * (see the file comment). */
/* What the bound takes from the steps alone: the least steps, and the least
 * and most words the types the RF does not keep move into the array. */
struct steps_bound {
	uint64_t steps, min_fp[TY_COUNT], max_fp[TY_COUNT];
};

static void steps_bound(const struct worker *w, struct steps_bound *b)
{
	const struct search *s = w->s;
	b->steps = 1;
	for (int t = 0; t < TY_COUNT; t++)
		b->min_fp[t] = b->max_fp[t] = 1;
	for (int d = 0; d < DIM_COUNT; d++) {
		b->steps *= w->qr_lo[d];
		for (int t = 0; t < TY_COUNT; t++) {
			bool in_fp = s->in_fp[t][d];
			b->min_fp[t] *= in_fp ? s->in->shape.size[d] : w->qr_lo[d];
			b->max_fp[t] *= in_fp ? s->in->shape.size[d] : w->qr_hi[d];
		}
	}
}

static void tiling_bound(const struct worker *w, const struct steps_bound *sb,
			 const uint64_t f_d[TY_COUNT], bool exact, double *energy, double *cycles)
{
	const struct search *s = w->s;
	struct access_counts n;
	memset(&n, 0, sizeof n);
	n.macs = s->macs;
	n.steps = sb->steps;
	const uint64_t *min_fp = sb->min_fp, *max_fp = sb->max_fp;
	for (int t = 0; t < TY_COUNT; t++) {
		uint64_t *acc = n.acc[t];
		acc[EN_DRAM] = t == TY_PSUM ? 2 * f_d[t] - s->outputs : f_d[t];
		if (s->kept[t]) {
			if (t != TY_PSUM) {
				/* every GLB fill goes to the array and a PE at least once */
				acc[EN_GLB] = acc[EN_ARRAY] = f_d[t];
				acc[EN_RF] = s->macs;
			}
			continue;
		}
		if (t != TY_PSUM) {
			acc[EN_GLB] = min_fp[t];
			acc[EN_ARRAY] = s->macs;
		} else {
			/* GLB 2 (F_P - F_D) needs F_D itself */
			acc[EN_GLB] = exact && min_fp[t] > f_d[t] ? 2 * (min_fp[t] - f_d[t]) : 0;
			acc[EN_ARRAY] = s->macs - max_fp[t];
		}
	}
	access_costs_score(&s->costs, &n, energy, cycles);
	if (s->kept[TY_PSUM])
		*energy += psum_chain_min(w, f_d[TY_PSUM], exact ? f_d[TY_PSUM] : s->macs);
}

static void evaluate_leaf(struct worker *w)
{
	struct search *s = w->s;
	struct access_nest *nest = &w->full;
	access_nest_refresh(nest);
	/* Each level's share of the array counts depends on its own order only;
	 * a DRAM order whose known counts already lose is not counted further. */
	uint64_t part[2][ORD_COUNT][2 * TY_COUNT];
	bool dup_glb[ORD_COUNT], live[ORD_COUNT];
	int n_live = 0;
	for (int j = 0; j < ORD_COUNT; j++)
		dup_glb[j] = same_as_earlier(w, LV_GLB, j);
	for (int i = 0; i < ORD_COUNT; i++) {
		live[i] = w->live[i];
		if (!live[i])
			continue;
		struct access_counts fixed;
		double e, cyc;
		access_nest_fixed_counts(nest, w->f_d[i], &fixed);
		access_costs_score(&s->costs, &fixed, &e, &cyc);
		if (loses(w, e, cyc)) {
			live[i] = false;
			continue;
		}
		memcpy(w->m.order[LV_DRAM], s->orders[LV_DRAM][i], DIM_COUNT);
		access_nest_array_part(nest, &w->m, LV_DRAM, part[LV_DRAM][i]);
		n_live++;
	}
	if (!n_live)
		return;
	for (int j = 0; j < ORD_COUNT; j++) {
		if (dup_glb[j])
			continue;
		memcpy(w->m.order[LV_GLB], s->orders[LV_GLB][j], DIM_COUNT);
		access_nest_array_part(nest, &w->m, LV_GLB, part[LV_GLB][j]);
	}
	for (int i = 0; i < ORD_COUNT; i++) {
		if (!live[i])
			continue;
		for (int j = 0; j < ORD_COUNT; j++) {
			if (dup_glb[j])
				continue;
			uint64_t f_p[TY_COUNT], f_s[TY_COUNT];
			struct access_counts n;
			access_nest_array_finish(nest, part[LV_DRAM][i], part[LV_GLB][j], f_p, f_s);
			access_nest_combine(nest, w->f_d[i], f_p, f_s, &n);
			w->stats.evaluated++;
			double e, cyc;
			access_costs_score(&s->costs, &n, &e, &cyc);
			if (w->best.ok && score_cmp(s->obj, e, cyc, w->best.energy_total,
						    w->best.cycles) > 0)
				continue;
			memcpy(w->m.order[LV_DRAM], s->orders[LV_DRAM][i], DIM_COUNT);
			memcpy(w->m.order[LV_GLB], s->orders[LV_GLB][j], DIM_COUNT);
			access_layer_eval_counts(&s->costs, &w->m, &n, &w->cur);
			if (mapper_better(&w->cur, &w->best, s->obj))
				w->best = w->cur;
		}
	}
}

/* RF and PE-array capacity of the inner splits chosen so far (unchosen
 * dimensions at 1, which only grow the tiles). */
static bool inner_fits(const struct worker *w)
{
	const struct search *s = w->s;
	const struct arch *a = s->a;
	uint64_t rows = 1, cols = 1, ext[DIM_COUNT], rf_bits = 0;
	for (int d = 0; d < DIM_COUNT; d++) {
		rows *= w->m.factor[LV_ROW][d];
		cols *= w->m.factor[LV_COL][d];
		ext[d] = w->m.factor[LV_RF][d];
	}
	if (rows > a->pe_rows || cols > a->pe_cols)
		return false;
	for (int t = 0; t < TY_COUNT; t++) {
		if (!map_dataflow_keeps(s->df, (enum map_type)t))
			continue;
		uint32_t b = t == TY_IFMAP ? s->bits->ifmap : t == TY_WEIGHT ? s->bits->weight
									      : s->bits->psum;
		uint64_t bits = access_footprint((enum map_type)t, ext, s->in->shape.U) * b;
		if (a->rf_split) {
			uint32_t words = t == TY_IFMAP ? a->rf_ifmap_words
				       : t == TY_WEIGHT ? a->rf_weight_words : a->rf_psum_words;
			if (bits > (uint64_t)words * a->word_bits)
				return false;
		}
		rf_bits += bits;
	}
	return a->rf_split || rf_bits <= (uint64_t)a->rf_bytes * 8;
}

/* True while some DRAM order of the tiling can still win with the inner
 * splits chosen so far. */
static bool any_order_live(const struct worker *w)
{
	struct steps_bound sb;
	steps_bound(w, &sb);
	for (int i = 0; i < ORD_COUNT; i++) {
		if (!w->live[i])
			continue;
		double e, cyc;
		tiling_bound(w, &sb, w->f_d[i], true, &e, &cyc);
		if (!loses(w, e, cyc))
			return true;
	}
	return false;
}

/* Phase 2: every dimension's split inside its phase-1 tile. */
static void descend_inner(struct worker *w, int k)
{
	if (k == DIM_COUNT) {
		evaluate_leaf(w);
		return;
	}
	enum map_dim d = phase2_order[k];
	const struct tile *t = w->tile[d];
	const struct inner *list = w->s->inners[d] + t->first;
	for (size_t i = 0; i < t->count; i++) {
		w->m.factor[LV_GLB][d] = list[i].glb;
		w->m.factor[LV_ROW][d] = list[i].rows;
		w->m.factor[LV_COL][d] = list[i].cols;
		w->m.factor[LV_RF][d] = list[i].rf;
		w->qr_lo[d] = w->qr_hi[d] = list[i].qr;
		if (inner_fits(w) && any_order_live(w)) {
			access_nest_update_dim(&w->full, &w->m, &w->s->in->shape, d);
			descend_inner(w, k + 1);
		}
	}
	for (int lv = LV_GLB; lv < LV_COUNT; lv++)
		w->m.factor[lv][d] = 1;
	w->qr_lo[d] = t->min_qr;
	w->qr_hi[d] = t->max_qr;
}

/* A complete phase-1 tiling: the DRAM counts per order, the bound, and
 * phase 2 unless every order already loses. */
static void tiling_leaf(struct worker *w)
{
	struct search *s = w->s;
	uint64_t inner = 1;
	for (int d = 0; d < DIM_COUNT; d++)
		inner *= w->tile[d]->count;
	w->stats.tilings++;
	struct steps_bound sb;
	steps_bound(w, &sb);
	int n_live = 0;
	for (int i = 0; i < ORD_COUNT; i++) {
		w->live[i] = false;
		if (same_as_earlier(w, LV_DRAM, i))
			continue;
		w->stats.mappings += inner * ORD_COUNT;
		memcpy(w->m.order[LV_DRAM], s->orders[LV_DRAM][i], DIM_COUNT);
		access_nest_count_glb(&w->dram, &w->m, w->f_d[i]);
		double e, cyc;
		tiling_bound(w, &sb, w->f_d[i], true, &e, &cyc);
		if (loses(w, e, cyc))
			continue;
		w->live[i] = true;
		n_live++;
	}
	if (n_live)
		descend_inner(w, 0);
}

static void descend_tiles(struct worker *w, int k, uint64_t ext[DIM_COUNT]);

/* The least words of each type any completion can move into the GLB under
 * DRAM order template i when only the first `chosen` dimensions of
 * search_order have their DRAM factors: every word is fetched at least once
 * per iteration of a loop u over a dimension outside the type's footprint
 * that encloses a stepping loop v over a plain axis of the footprint (at
 * each step of u, v wraps from its last tile to its first, and plain tiles
 * are disjoint), and so per iteration of every such loop at or outside the
 * innermost such u. */
static void dram_floor(const struct worker *w, int i, int chosen, uint64_t f_d[TY_COUNT])
{
	const struct search *s = w->s;
	bool known[DIM_COUNT] = {false};
	for (int k = 0; k < chosen; k++)
		known[search_order[k]] = true;
	const uint8_t *ord = s->orders[LV_DRAM][i];
	for (int t = 0; t < TY_COUNT; t++) {
		int inner_u = -1; /* position of the innermost u, in ord */
		bool plain_inside = false;
		for (int p = DIM_COUNT - 1; p >= 0 && inner_u < 0; p--) {
			int d = ord[p];
			if (!known[d] || w->m.factor[LV_DRAM][d] == 1)
				continue;
			if (!s->in_fp[t][d])
				inner_u = plain_inside ? p : -1;
			else if (s->plain[t][d])
				plain_inside = true;
		}
		f_d[t] = s->sizes[t];
		for (int p = 0; p <= inner_u; p++) {
			int d = ord[p];
			if (known[d] && !s->in_fp[t][d])
				f_d[t] *= w->m.factor[LV_DRAM][d];
		}
	}
}

/* True when no completion of the partial tiling (the first `chosen`
 * dimensions) can beat w's best under any DRAM order. */
static bool partial_loses(const struct worker *w, int chosen)
{
	struct steps_bound sb;
	steps_bound(w, &sb);
	for (int i = 0; i < ORD_COUNT; i++) {
		uint64_t f_d[TY_COUNT];
		double e, cyc;
		dram_floor(w, i, chosen, f_d);
		tiling_bound(w, &sb, f_d, false, &e, &cyc);
		if (!loses(w, e, cyc))
			return false;
	}
	return true;
}

/* Phase 1 at dimension k: tries its i-th tile if the GLB can hold it. */
static void try_tile(struct worker *w, int k, size_t i, uint64_t ext[DIM_COUNT])
{
	enum map_dim d = search_order[k];
	const struct tile *t = &w->s->tiles[d][i];
	ext[d] = t->td;
	if (!glb_fits(w->s, ext))
		return;
	/* the tile bounds the steps of the dimension's splits; with the least
	 * DRAM traffic the tiles chosen so far allow, a tiling that loses
	 * under every DRAM order already is not completed */
	w->qr_lo[d] = t->min_qr;
	w->qr_hi[d] = t->max_qr;
	w->m.factor[LV_DRAM][d] = t->dram;
	if (partial_loses(w, k + 1)) {
		w->m.factor[LV_DRAM][d] = 1;
		return;
	}
	w->tile[d] = t;
	access_nest_set_dram_tile(&w->dram, d, t->td);
	descend_tiles(w, k + 1, ext);
}

/* Phase 1: every dimension's DRAM-level tile, pruned by the GLB capacity. */
static void descend_tiles(struct worker *w, int k, uint64_t ext[DIM_COUNT])
{
	if (k == DIM_COUNT) {
		tiling_leaf(w);
		return;
	}
	enum map_dim d = search_order[k];
	for (size_t i = 0; i < w->s->n_tiles[d]; i++)
		try_tile(w, k, i, ext);
	ext[d] = 1;
	w->m.factor[LV_DRAM][d] = 1;
	w->qr_lo[d] = w->s->least_qr[d];
	w->qr_hi[d] = w->s->most_qr[d];
}

/* Why nothing fits: the smallest mapping of the space (one RF word, one PE
 * per dimension where the dataflow allows, everything else in temporal loops)
 * is checked against the hardware, and its first overflow is the reason. */
static void explain_infeasible(const struct search *s, struct access_layer_result *r)
{
	struct mapping m;
	mapping_init(&m, s->df);
	for (int d = 0; d < DIM_COUNT; d++) {
		/* the lists are sorted by tile, largest first: the last is smallest */
		size_t nt = s->n_tiles[d];
		if (!nt) {
			snprintf(r->why, sizeof r->why, "no mapping fits: %s has no split under %s",
				 map_dim_names[d], arch_dataflow_names[s->df]);
			return;
		}
		const struct tile *t = &s->tiles[d][nt - 1];
		const struct inner *in = &s->inners[d][t->first + t->count - 1];
		m.factor[LV_DRAM][d] = t->dram;
		m.factor[LV_GLB][d] = in->glb;
		m.factor[LV_ROW][d] = in->rows;
		m.factor[LV_COL][d] = in->cols;
		m.factor[LV_RF][d] = in->rf;
	}
	char why[160];
	if (access_mapping_fits(s->a, s->bits, &m, &s->in->shape, why, sizeof why))
		snprintf(why, sizeof why, "every mapping overflows the RF, GLB or PE array");
	snprintf(r->why, sizeof r->why, "no mapping fits (smallest: %s)", why);
}

static void *work(void *arg)
{
	struct worker *w = arg;
	struct search *s = w->s;
	enum map_dim d0 = search_order[0];
	uint64_t ext[DIM_COUNT], whole[DIM_COUNT];
	for (int d = 0; d < DIM_COUNT; d++) {
		ext[d] = 1;
		whole[d] = s->in->shape.size[d];
		w->qr_lo[d] = s->least_qr[d];
		w->qr_hi[d] = s->most_qr[d];
	}
	access_nest_init_dram(&w->dram, s->df, &s->in->shape, whole);
	access_nest_init(&w->full, &w->m, &s->in->shape);
	for (;;) {
		size_t i = atomic_fetch_add(&s->next, 1);
		if (i >= s->n_tiles[d0])
			break;
		try_tile(w, 0, i, ext);
	}
	return NULL;
}

int mapper_search_layer(const struct arch *a, const struct energy_table *t,
			const struct access_bits *bits, const struct access_layer_in *in,
			enum arch_dataflow df, const struct mapper_opts *o,
			struct access_layer_result *best, struct mapper_stats *stats,
			struct sim_err *err)
{
	struct search s;
	memset(&s, 0, sizeof s);
	s.a = a;
	s.t = t;
	s.bits = bits;
	s.in = in;
	s.df = df;
	s.obj = o->objective;
	s.exhaustive = o->exhaustive;
	atomic_init(&s.next, 0);
	access_costs_init(&s.costs, a, t, bits, in, df);
	for (int k = 0; k < 2; k++) {
		memcpy(s.orders[k], order_templates, sizeof order_templates);
		if (k == LV_GLB && df == ARCH_DF_RS) {
			/* F, the sliding loop, goes innermost in every GLB order. */
			for (int i = 0; i < ORD_COUNT; i++) {
				int p = 0;
				for (int j = 0; j < DIM_COUNT; j++)
					if (order_templates[i][j] != DIM_F)
						s.orders[k][i][p++] = order_templates[i][j];
				s.orders[k][i][DIM_COUNT - 1] = DIM_F;
			}
		}
	}
	int nthreads = o->threads < 1 ? 1 : o->threads;
	struct worker *w = NULL;
	uint64_t full[DIM_COUNT];
	s.macs = 1;
	for (int d = 0; d < DIM_COUNT; d++) {
		full[d] = in->shape.size[d];
		s.macs *= full[d];
	}
	for (int ti = 0; ti < TY_COUNT; ti++) {
		s.kept[ti] = map_dataflow_keeps(df, (enum map_type)ti);
		s.sizes[ti] = access_footprint((enum map_type)ti, full, in->shape.U);
	}
	s.outputs = s.sizes[TY_PSUM];
	int rc = build_lists(&s, err);
	if (rc)
		goto fail;
	rc = SIM_ERR_NOMEM;
	w = sim_calloc((size_t)nthreads, sizeof *w, err);
	if (!w)
		goto fail;
	int started = 0;
	for (int i = 0; i < nthreads; i++) {
		w[i].s = &s;
		mapping_init(&w[i].m, df);
		if (pthread_create(&w[i].thread, NULL, work, &w[i]) != 0)
			break;
		started++;
	}
	for (int i = 0; i < started; i++)
		pthread_join(w[i].thread, NULL);
	if (started < nthreads) {
		rc = sim_err_set(err, SIM_ERR_INTERNAL, NULL, 0, 0, "could not start %d threads",
				 nthreads);
		goto fail;
	}
	*best = w[0].best;
	for (int i = 1; i < nthreads; i++)
		if (mapper_better(&w[i].best, best, o->objective))
			*best = w[i].best;
	if (!best->ok)
		explain_infeasible(&s, best);
	if (stats)
		for (int i = 0; i < nthreads; i++) {
			stats->tilings += w[i].stats.tilings;
			stats->mappings += w[i].stats.mappings;
			stats->evaluated += w[i].stats.evaluated;
		}
	rc = 0;
fail:
	free(w);
	for (int d = 0; d < DIM_COUNT; d++) {
		free(s.inners[d]);
		free(s.tiles[d]);
	}
	return rc;
}
