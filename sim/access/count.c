/* Analytical access counting (ISCA 2016 section VI, Eq. 3 and 4), with
 * partial tiles.
 *
 * Tiling. A dimension of size X is split, from the inside out, into an RF
 * factor r that divides X, a spatial factor sp = rows x cols (any value with
 * sp r <= X), and temporal DRAM and GLB factors whose product is
 * Q = ceil(X / T), T = sp r: the array covers T indices per GLB-level step,
 * and only the last of the Q steps may be shorter, L = X - (Q-1) T, leaving
 * the PEs past it idle (a PE's RF tile is always whole, as r divides L). A
 * DRAM step covers TD = fG T indices, the last one LD = X - (fD-1) TD. When
 * T divides X every tile is whole and the factors multiply to X.
 *
 * Buffers. The GLB holds the footprint of the loops inside the DRAM loops; the
 * PE array holds the footprint of the ROW, COL and RF loops and each PE's RF
 * the footprint of the RF loops. At every step of the loops outside a buffer
 * it fetches the words of its new footprint that its old footprint lacked
 * (new \ old): a footprint that does not change costs nothing (the data is
 * stationary) and a sliding window fetches only its new columns, except that
 * under RS every buffer takes whole strips: RS processing passes cover strips
 * of output rows and columns, and a DRAM step that moves to another strip
 * fetches its ifmap window whole (into the GLB, the array and the PEs, which
 * start the strip's passes afresh), as nn_dataflow's RS model does (a folded
 * strip is processed like another image), which reproduces ISCA 2016 Fig.
 * 10's CONV1 DRAM energy (docs/validation.md). A word that
 * some PE already holds is forwarded between PEs rather than re-read from the
 * GLB, so GLB reads count the array's union footprint and array accesses count
 * every PE's own footprint. An idle PE holds nothing. A data type the dataflow
 * does not keep in the RF is delivered over the array for every MAC.
 *
 * Counting. Footprints are Cartesian products of per-axis sets (ifmap rows are
 * {e U + r}), and the steps of a loop j form a Cartesian product of per-
 * dimension positions: the positions of the dimension's loops outside j, the
 * transitions of j itself, and one wrap (last position to first) of its loops
 * inside j. Each dimension therefore contributes a short list of classes
 * (count, old tile length, new tile length, shift) - one class when its tiles
 * are whole, up to four with a partial last tile - and
 *     fetched_j = prod_axes sum_classes count |new| - prod_axes sum_classes count |old & new|
 * where the sums over a sliding pair of axes run over pairs of classes. Steps
 * of DRAM loops and of GLB loops add up separately (DRAM steps see every GLB
 * loop wrap), so the mapper can vary one level's order without recounting the
 * other. Per data type this gives F_D words entering the GLB, F_P words
 * entering the array (union) and F_S words entering PEs (sum over PEs),
 * i.e. sum a, sum ab and sum abc of Eq. 3/4, and the MAC count is sum abcd:
 *     inputs:  DRAM = F_D, GLB = F_P, array = F_S, RF = MACs (if kept),
 *     psums:   DRAM = 2 F_D - |O|, GLB = 2 (F_P - F_D), array = F_S - F_P,
 *              RF = 2 MACs (if kept).
 * The first write of a level is free at DRAM, GLB and array, as in Eq. 4. At
 * the RF every MAC reads its psum and writes it back (the PE's accumulator
 * is the RF), so the RF term is 2abcd rather than Eq. 4's 2abc(d-1): ISCA
 * 2016 Fig. 10 shows RS at 4.0 RF accesses per MAC in every AlexNet layer,
 * conv1's 6.75 G included, which Eq. 4's form cannot reach for any RS mapping
 * of conv1 (d <= S C = 33 gives at most 3.94 per MAC); see docs/validation.md.
 * A type not kept in the RF has F_S = MACs, and F_P = the sum over RF steps of
 * the distinct words the active PEs need: X_d over the dimensions of its
 * footprint (each index is active once) and Q_d r_d over the others. */
#include "access/access.h"

#include <assert.h>
#include <stddef.h>
#include <string.h>

/* Size of {e U + r : 0 <= e < et, 0 <= r < rt}. */
static uint64_t slide_size(uint64_t et, uint64_t rt, uint64_t u)
{
	if (!et || !rt)
		return 0;
	return rt >= u ? (et - 1) * u + rt : et * rt;
}

/* |[0, lo) & [s, s + ln)|. */
static uint64_t interval_ov(uint64_t lo, uint64_t ln, int64_t s)
{
	int64_t a = s > 0 ? s : 0, b = (int64_t)lo < s + (int64_t)ln ? (int64_t)lo : s + (int64_t)ln;
	return b > a ? (uint64_t)(b - a) : 0;
}

/* |A & (A + s)| for A = {e U + r : e < et, r < rt}. When rt >= U the set is an
 * interval; otherwise it is et disjoint blocks of rt at period U and block
 * pairs e - e' = k overlap by rt - |kU - s|. */
static uint64_t slide_overlap(uint64_t et, uint64_t rt, uint64_t u, int64_t s)
{
	if (rt >= u || et == 1)
		return interval_ov(slide_size(et, rt, u), slide_size(et, rt, u), s);
	int64_t k0 = s >= 0 ? s / (int64_t)u : -((-s + (int64_t)u - 1) / (int64_t)u);
	uint64_t sum = 0;
	for (int64_t k = k0; k <= k0 + 1; k++) {
		if (k <= -(int64_t)et || k >= (int64_t)et)
			continue;
		int64_t gap = k * (int64_t)u - s;
		sum += ((uint64_t)et - (uint64_t)(k < 0 ? -k : k)) * interval_ov(rt, rt, gap);
	}
	return sum;
}

/* |(s + {e U + r : e < et, r < rt}) & (-inf, x)|. */
static uint64_t slide_below(uint64_t et, uint64_t rt, uint64_t u, int64_t s, int64_t x)
{
	int64_t y = x - s;
	if (y <= 0 || !et || !rt)
		return 0;
	if (rt >= u || et == 1) {
		uint64_t n = slide_size(et, rt, u);
		return (uint64_t)y < n ? (uint64_t)y : n;
	}
	uint64_t k = (uint64_t)y / u; /* blocks starting below y */
	if (k >= et)
		return et * rt;
	uint64_t part = (uint64_t)y - k * u;
	return k * rt + (part < rt ? part : rt);
}

/* |S(loe, lor) & (S(lne, lnr) + s)| for two sliding sets of possibly
 * different extents (partial tiles): block by block over the first. */
static uint64_t slide_overlap2(uint64_t loe, uint64_t lor, uint64_t lne, uint64_t lnr,
			       uint64_t u, int64_t s)
{
	if (loe == lne && lor == lnr)
		return slide_overlap(loe, lor, u, s);
	if (!loe || !lor || !lne || !lnr)
		return 0;
	if (lor >= u || loe == 1) {
		int64_t end = (int64_t)slide_size(loe, lor, u);
		return slide_below(lne, lnr, u, s, end) - slide_below(lne, lnr, u, s, 0);
	}
	uint64_t sum = 0;
	for (uint64_t e = 0; e < loe; e++) {
		int64_t a = (int64_t)(e * u);
		sum += slide_below(lne, lnr, u, s, a + (int64_t)lor) - slide_below(lne, lnr, u, s, a);
	}
	return sum;
}

uint64_t access_footprint(enum map_type t, const uint64_t *ext, uint32_t u)
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

void access_tiling_of(const struct mapping *m, const struct map_layer *l, enum map_dim d,
		      struct access_tiling *t)
{
	t->x = l->size[d];
	t->r = m->factor[LV_RF][d];
	t->sp = (uint64_t)m->factor[LV_ROW][d] * m->factor[LV_COL][d];
	t->t = t->sp * t->r;
	t->q = (t->x + t->t - 1) / t->t;
	t->last = t->x - (t->q - 1) * t->t;
	t->fd = m->factor[LV_DRAM][d];
	t->fg = m->factor[LV_GLB][d];
	t->td = t->fg * t->t;
	t->last_d = t->x - (t->fd - 1) * t->td;
}

/* Which buffer a count is for: the GLB (tiles of the DRAM steps), the array
 * (tiles of the GLB-level steps) or each PE (its RF tile). */
enum kind { K_GLB, K_ARR, K_PE };

/* What a dimension does at the steps of a loop j (see the file comment). */
enum role {
	R_INIT,      /* the first fill: nothing held before */
	R_STILL,     /* no loop of the dimension is inside j: its tile stays */
	R_STEP_DRAM, /* j is the dimension's DRAM loop (its GLB loop wraps) */
	R_STEP_GLB,  /* j is the dimension's GLB loop */
	R_WRAP_GLB,  /* its GLB loop is inside j, its DRAM loop is not */
	R_WRAP_ALL,  /* its DRAM (and GLB) loops are inside j */
};

struct cls {
	uint64_t n, lo, ln; /* how many (step, PE) pairs; old and new tile lengths */
	int64_t sh;         /* start of the new tile minus start of the old */
};

static int put(struct cls *c, int k, uint64_t n, uint64_t lo, uint64_t ln, int64_t sh)
{
	if (n)
		c[k++] = (struct cls){n, lo, ln, sh};
	return k;
}

/* Classes of the array tiles of dimension t for role r (positions o < Q of
 * the GLB-level steps, o = i fG + k; only o = Q - 1 is partial). */
static int arr_classes(const struct access_tiling *t, enum role r, struct cls *c)
{
	int64_t T = (int64_t)t->t;
	uint64_t L = t->last, first = t->q > 1 ? t->t : L;
	switch (r) {
	case R_INIT:
		return put(c, 0, 1, 0, first, 0);
	case R_STILL:
		return put(c, put(c, 0, t->q - 1, t->t, t->t, 0), 1, L, L, 0);
	case R_STEP_DRAM: /* (i+1) fG - 1 -> (i+1) fG; last only when fG = 1 */
		if (t->fg == 1)
			return put(c, put(c, 0, t->fd - 2, t->t, t->t, T), 1, t->t, L, T);
		return put(c, 0, t->fd - 1, t->t, t->t, T);
	case R_STEP_GLB: /* o -> o + 1 within a DRAM step; the very last is partial */
		return put(c, put(c, 0, t->fd * (t->fg - 1) - 1, t->t, t->t, T), 1, t->t, L, T);
	case R_WRAP_GLB: /* i fG + fG - 1 -> i fG */
		return put(c, put(c, 0, t->fd - 1, t->t, t->t, -((int64_t)t->fg - 1) * T), 1, L,
			   t->t, -((int64_t)t->fg - 1) * T);
	case R_WRAP_ALL:
		break;
	}
	return put(c, 0, 1, L, first, -((int64_t)t->q - 1) * T);
}

/* Classes of the GLB tiles (DRAM positions i < fD; only i = fD - 1 is partial). */
static int glb_classes(const struct access_tiling *t, enum role r, struct cls *c)
{
	int64_t TD = (int64_t)t->td;
	uint64_t LD = t->last_d, first = t->fd > 1 ? t->td : LD;
	switch (r) {
	case R_INIT:
		return put(c, 0, 1, 0, first, 0);
	case R_STILL:
		return put(c, put(c, 0, t->fd - 1, t->td, t->td, 0), 1, LD, LD, 0);
	case R_STEP_DRAM:
		return put(c, put(c, 0, t->fd - 2, t->td, t->td, TD), 1, t->td, LD, TD);
	case R_STEP_GLB:
	case R_WRAP_GLB:
	case R_WRAP_ALL:
		break;
	}
	return put(c, 0, 1, LD, first, -((int64_t)t->fd - 1) * TD);
}

/* Per-PE classes from the array classes: of the sp positions of a step whose
 * array tile is l long, l / r are active, each with a whole RF tile of r. */
static int pe_classes(const struct access_tiling *t, enum role r, struct cls *c)
{
	struct cls a[4];
	int na = arr_classes(t, r, a), k = 0;
	for (int i = 0; i < na; i++) {
		uint64_t ao = a[i].lo / t->r, an = a[i].ln / t->r;
		uint64_t both = ao < an ? ao : an, top = ao < an ? an : ao;
		k = put(c, k, a[i].n * both, t->r, t->r, a[i].sh);
		k = put(c, k, a[i].n * (ao - both), t->r, 0, a[i].sh);
		k = put(c, k, a[i].n * (an - both), 0, t->r, a[i].sh);
		k = put(c, k, a[i].n * (t->sp - top), 0, 0, a[i].sh);
	}
	return k;
}

/* A dimension whose array tile divides it has whole tiles at every level:
 * one class per role, in closed form (the common case, kept fast). */
static int whole_classes(const struct access_tiling *t, enum kind k, enum role r, struct cls *c)
{
	uint64_t len = k == K_GLB ? t->td : k == K_ARR ? t->t : t->r;
	uint64_t per = k == K_PE ? t->sp : 1; /* PEs per array position */
	int64_t step = (int64_t)(k == K_GLB ? t->td : t->t);
	uint64_t pos = k == K_GLB ? t->fd : t->q;
	switch (r) {
	case R_INIT:
		return put(c, 0, per, 0, len, 0);
	case R_STILL:
		return put(c, 0, pos * per, len, len, 0);
	case R_STEP_DRAM:
		return put(c, 0, (t->fd - 1) * per, len, len, step);
	case R_STEP_GLB:
		return put(c, 0, t->fd * (t->fg - 1) * per, len, len, step);
	case R_WRAP_GLB:
		return put(c, 0, t->fd * per, len, len, -((int64_t)t->fg - 1) * step);
	case R_WRAP_ALL:
		break;
	}
	return put(c, 0, per, len, len, -((int64_t)pos - 1) * step);
}

static int classes(const struct access_tiling *t, enum kind k, enum role r, struct cls *c)
{
	if (t->last == t->t)
		return whole_classes(t, k, r, c);
	return k == K_GLB ? glb_classes(t, r, c) : k == K_ARR ? arr_classes(t, r, c)
							     : pe_classes(t, r, c);
}

/* The axes of each type's footprint: plain dimensions (an interval of
 * indices), sliding pairs (E with R, F with S: rows {e U + r}) and the other
 * dimensions, which only multiply the steps. */
static const int8_t plain_dims[TY_COUNT][4] = {
	[TY_IFMAP] = {DIM_N, DIM_C, -1, -1},
	[TY_WEIGHT] = {DIM_M, DIM_C, DIM_R, DIM_S},
	[TY_PSUM] = {DIM_N, DIM_M, DIM_E, DIM_F},
};
static const int8_t other_dims[TY_COUNT][3] = {
	[TY_IFMAP] = {DIM_M, -1, -1},
	[TY_WEIGHT] = {DIM_N, DIM_E, DIM_F},
	[TY_PSUM] = {DIM_C, DIM_R, DIM_S},
};

/* A dimension's class sums for buffer k and role r (see fetched), computed
 * once per nest: the roles of a dimension are the same under every order. */
static const struct access_dim_sums *dim_sums(struct access_nest *n, enum kind k, enum role r,
					      int d)
{
	uint64_t bit = UINT64_C(1) << (r * DIM_COUNT + d);
	struct access_dim_sums *x = &n->sums[k][r][d];
	if (n->sums_ok[k] & bit)
		return x;
	n->sums_ok[k] |= bit;
	const struct access_tiling *t = &n->dim[d];
	if (t->last == t->t) {
		/* whole tiles: one class, in closed form (whole_classes) */
		uint64_t len = k == K_GLB ? t->td : k == K_ARR ? t->t : t->r;
		uint64_t cnt = k == K_PE ? t->sp : 1, pos = k == K_GLB ? t->fd : t->q;
		int64_t step = (int64_t)(k == K_GLB ? t->td : t->t), sh = 0;
		switch (r) {
		case R_INIT:
			*x = (struct access_dim_sums){cnt * len, 0, cnt, 0};
			return x;
		case R_STILL: cnt *= pos; break;
		case R_STEP_DRAM: cnt *= t->fd - 1; sh = step; break;
		case R_STEP_GLB: cnt *= t->fd * (t->fg - 1); sh = step; break;
		case R_WRAP_GLB: cnt *= t->fd; sh = -((int64_t)t->fg - 1) * step; break;
		case R_WRAP_ALL: sh = -((int64_t)pos - 1) * step; break;
		}
		uint64_t ash = (uint64_t)(sh < 0 ? -sh : sh);
		*x = (struct access_dim_sums){cnt * len, ash < len ? cnt * (len - ash) : 0, cnt, cnt};
		return x;
	}
	struct cls c[8];
	int nc = classes(t, k, r, c);
	*x = (struct access_dim_sums){0, 0, 0, 0};
	for (int j = 0; j < nc; j++) {
		/* as an interval axis; as a dimension outside the footprint, where
		 * only an idle PE (no tile) holds and needs nothing */
		x->pa += c[j].n * c[j].ln;
		x->pb += c[j].n * interval_ov(c[j].lo, c[j].ln, c[j].sh);
		x->oa += c[j].n * (k != K_PE || c[j].ln);
		x->ob += c[j].n * (k != K_PE || (c[j].ln && c[j].lo));
	}
	return x;
}

/* Sums over the class pairs of a sliding pair of axes p (E with R, F with S)
 * for buffer k and the two dimensions' roles, also computed once per nest. */
static const struct access_dim_sums *slide_sums(struct access_nest *n, enum kind k, int p,
						enum role re, enum role rr)
{
	static const int pairs[2][2] = {{DIM_E, DIM_R}, {DIM_F, DIM_S}};
	uint64_t bit = UINT64_C(1) << (re * 6 + rr);
	struct access_dim_sums *x = &n->slides[k][p][re][rr];
	if (n->slides_ok[k][p] & bit)
		return x;
	n->slides_ok[k][p] |= bit;
	struct cls ce[8], cr[8];
	int ne = classes(&n->dim[pairs[p][0]], k, re, ce);
	int nr = classes(&n->dim[pairs[p][1]], k, rr, cr);
	/* RS passes work on strips of output rows (and columns): a DRAM step
	 * that moves to another strip fetches its ifmap window whole into the
	 * GLB, the array and the PEs, the rows it shares with the last strip
	 * included (see the file comment) */
	bool new_strip = n->df == ARCH_DF_RS && (re == R_STEP_DRAM || re == R_WRAP_ALL);
	*x = (struct access_dim_sums){0, 0, 0, 0};
	for (int i = 0; i < ne; i++)
		for (int j = 0; j < nr; j++) {
			uint64_t w = ce[i].n * cr[j].n;
			x->pa += w * slide_size(ce[i].ln, cr[j].ln, n->u);
			if (new_strip)
				continue;
			x->pb += w * slide_overlap2(ce[i].lo, cr[j].lo, ce[i].ln, cr[j].ln, n->u,
						    ce[i].sh * (int64_t)n->u + cr[j].sh);
		}
	return x;
}

/* Words of each type in types (a bit mask) fetched over the steps whose
 * per-dimension roles are role[] (or at the first fill, when every role is
 * R_INIT), added to out[]. */
static void fetched(struct access_nest *n, enum kind k, unsigned types,
		    const enum role role[DIM_COUNT], uint64_t out[TY_COUNT])
{
	const struct access_dim_sums *x[DIM_COUNT];
	for (int d = 0; d < DIM_COUNT; d++)
		x[d] = dim_sums(n, k, role[d], d);
	for (int ty = 0; ty < TY_COUNT; ty++) {
		if (!(types & (1u << ty)))
			continue;
		uint64_t a = 1, b = 1;
		for (int i = 0; i < 4 && plain_dims[ty][i] >= 0; i++) {
			a *= x[plain_dims[ty][i]]->pa;
			b *= x[plain_dims[ty][i]]->pb;
		}
		for (int i = 0; i < 3 && other_dims[ty][i] >= 0; i++) {
			a *= x[other_dims[ty][i]]->oa;
			b *= x[other_dims[ty][i]]->ob;
		}
		if (ty == TY_IFMAP) {
			const struct access_dim_sums *er = slide_sums(n, k, 0, role[DIM_E], role[DIM_R]);
			const struct access_dim_sums *fs = slide_sums(n, k, 1, role[DIM_F], role[DIM_S]);
			a *= er->pa * fs->pa;
			b *= er->pb * fs->pb;
		}
		out[ty] += role[0] == R_INIT ? a : a - b;
	}
}

bool access_in_footprint(enum map_type t, enum map_dim d)
{
	for (int i = 0; i < 3 && other_dims[t][i] >= 0; i++)
		if (other_dims[t][i] == (int)d)
			return false;
	return true;
}

struct loop {
	int dim;
	int pos; /* position in the whole nest: DRAM loops first, then GLB loops */
};

/* The loops of temporal level lv (DRAM or GLB) that step (factor > 1), in
 * order, outermost first, and every dimension's loop positions. */
static int level_loops(const struct mapping *m, int lv, int first_pos, struct loop *out,
		       int pos[2][DIM_COUNT])
{
	int n = 0;
	for (int i = 0; i < DIM_COUNT; i++) {
		int d = m->order[lv][i];
		pos[lv][d] = -1;
		if (m->factor[lv][d] > 1) {
			pos[lv][d] = first_pos + n;
			out[n] = (struct loop){d, first_pos + n};
			n++;
		}
	}
	return n;
}

/* Roles of every dimension at the steps of loop j of level lv (the array and
 * the PEs share them). */
static void roles_at(const struct loop *j, int lv, enum kind k, const int pos[2][DIM_COUNT],
		     enum role role[DIM_COUNT])
{
	for (int d = 0; d < DIM_COUNT; d++) {
		if (d == j->dim)
			role[d] = lv == LV_DRAM ? R_STEP_DRAM : R_STEP_GLB;
		else if (pos[LV_DRAM][d] > j->pos)
			role[d] = R_WRAP_ALL;
		else if (k != K_GLB && pos[LV_GLB][d] > j->pos)
			role[d] = R_WRAP_GLB;
		else
			role[d] = R_STILL;
	}
}

/* Clears a nest but for its caches, which only their flags invalidate. */
static void nest_clear(struct access_nest *nest)
{
	memset(nest, 0, offsetof(struct access_nest, sums));
}

/* What a nest derives from its tilings: steps, first fills, and the array
 * counts of the types the RF does not keep. */
static void nest_derive(struct access_nest *nest)
{
	nest->steps = 1;
	for (int d = 0; d < DIM_COUNT; d++)
		nest->steps *= nest->dim[d].q * nest->dim[d].r;
	enum role init[DIM_COUNT];
	for (int d = 0; d < DIM_COUNT; d++)
		init[d] = R_INIT;
	memset(nest->glb_init, 0, sizeof nest->glb_init);
	memset(nest->arr_init, 0, sizeof nest->arr_init);
	memset(nest->pe_init, 0, sizeof nest->pe_init);
	fetched(nest, K_GLB, (1u << TY_COUNT) - 1, init, nest->glb_init);
	fetched(nest, K_ARR, nest->kept_mask, init, nest->arr_init);
	fetched(nest, K_PE, nest->kept_mask, init, nest->pe_init);
	for (int ti = 0; ti < TY_COUNT; ti++) {
		enum map_type t = (enum map_type)ti;
		if (nest->kept[t])
			continue;
		/* The dataflow tables never spread both axes of a sliding pair of
		 * an ifmap they do not keep, so the union is a product. */
		assert(t != TY_IFMAP || ((nest->dim[DIM_E].sp == 1 || nest->dim[DIM_R].sp == 1) &&
					 (nest->dim[DIM_F].sp == 1 || nest->dim[DIM_S].sp == 1)));
		uint64_t fp = 1;
		for (int d = 0; d < DIM_COUNT; d++) {
			const struct access_tiling *x = &nest->dim[d];
			fp *= access_in_footprint(t, (enum map_dim)d) ? x->x : x->q * x->r;
		}
		nest->f_p[t] = fp;
		nest->f_s[t] = nest->macs;
	}
}

void access_nest_init(struct access_nest *nest, const struct mapping *m, const struct map_layer *l)
{
	nest_clear(nest);
	nest->df = m->dataflow;
	nest->u = l->U;
	nest->macs = 1;
	for (int d = 0; d < DIM_COUNT; d++) {
		access_tiling_of(m, l, (enum map_dim)d, &nest->dim[d]);
		nest->macs *= l->size[d];
	}
	nest->outputs = (uint64_t)l->size[DIM_N] * l->size[DIM_M] * l->size[DIM_E] * l->size[DIM_F];
	for (int t = 0; t < TY_COUNT; t++) {
		nest->kept[t] = map_dataflow_keeps(m->dataflow, (enum map_type)t);
		nest->kept_mask |= (unsigned)nest->kept[t] << t;
	}
	nest_derive(nest);
}

/* Forgets what a nest cached for dimension d at buffer kinds [k0, k1]. */
static void forget_dim(struct access_nest *nest, enum map_dim d, int k0, int k1)
{
	uint64_t mask = 0;
	for (int r = R_INIT; r <= R_WRAP_ALL; r++)
		mask |= UINT64_C(1) << (r * DIM_COUNT + d);
	for (int k = k0; k <= k1; k++) {
		nest->sums_ok[k] &= ~mask;
		if (d == DIM_E || d == DIM_R)
			nest->slides_ok[k][0] = 0;
		if (d == DIM_F || d == DIM_S)
			nest->slides_ok[k][1] = 0;
	}
}

void access_nest_update_dim(struct access_nest *nest, const struct mapping *m,
			    const struct map_layer *l, enum map_dim d)
{
	struct access_tiling t;
	access_tiling_of(m, l, d, &t);
	if (memcmp(&t, &nest->dim[d], sizeof t) == 0)
		return;
	nest->dim[d] = t;
	forget_dim(nest, d, K_GLB, K_PE);
}

void access_nest_refresh(struct access_nest *nest)
{
	nest_derive(nest);
}

/* The DRAM-level tiling of dimension d for a tile td (count.c's GLB sees
 * no finer loop: the array tile is taken to be the DRAM tile). */
static void dram_tiling(struct access_tiling *t, uint64_t x, uint64_t td)
{
	t->x = x;
	t->td = t->t = td;
	t->fd = t->q = (x + td - 1) / td;
	t->last_d = t->last = x - (t->fd - 1) * td;
	t->fg = t->r = t->sp = 1;
}

static void dram_init_fill(struct access_nest *nest)
{
	enum role init[DIM_COUNT];
	for (int d = 0; d < DIM_COUNT; d++)
		init[d] = R_INIT;
	memset(nest->glb_init, 0, sizeof nest->glb_init);
	fetched(nest, K_GLB, (1u << TY_COUNT) - 1, init, nest->glb_init);
}

void access_nest_init_dram(struct access_nest *nest, enum arch_dataflow df,
			   const struct map_layer *l, const uint64_t td[DIM_COUNT])
{
	nest_clear(nest);
	nest->df = df;
	nest->u = l->U;
	nest->macs = 1;
	for (int d = 0; d < DIM_COUNT; d++) {
		dram_tiling(&nest->dim[d], l->size[d], td[d]);
		nest->macs *= l->size[d];
	}
	nest->outputs = (uint64_t)l->size[DIM_N] * l->size[DIM_M] * l->size[DIM_E] * l->size[DIM_F];
	for (int t = 0; t < TY_COUNT; t++) {
		nest->kept[t] = map_dataflow_keeps(df, (enum map_type)t);
		nest->kept_mask |= (unsigned)nest->kept[t] << t;
	}
	dram_init_fill(nest);
}

void access_nest_set_dram_tile(struct access_nest *nest, enum map_dim d, uint64_t td)
{
	if (nest->dim[d].td == td)
		return;
	dram_tiling(&nest->dim[d], nest->dim[d].x, td);
	forget_dim(nest, d, K_GLB, K_GLB);
	dram_init_fill(nest);
}

void access_nest_count_glb(struct access_nest *nest, const struct mapping *m,
			  uint64_t f_d[TY_COUNT])
{
	struct loop lp[DIM_COUNT];
	int pos[2][DIM_COUNT];
	int n = level_loops(m, LV_DRAM, 0, lp, pos);
	memset(pos[LV_GLB], -1, sizeof pos[LV_GLB]);
	memcpy(f_d, nest->glb_init, sizeof nest->glb_init);
	for (int j = 0; j < n; j++) {
		enum role role[DIM_COUNT];
		roles_at(&lp[j], LV_DRAM, K_GLB, pos, role);
		fetched(nest, K_GLB, (1u << TY_COUNT) - 1, role, f_d);
	}
}

/* At the array boundary the DRAM and GLB loops are outside. Steps of a DRAM
 * loop see every GLB loop wrap, whatever the GLB order; steps of a GLB loop
 * see every DRAM loop outside, whatever the DRAM order. So the sum splits
 * into a part per level, each depending on that level's order only. */
void access_nest_array_part(struct access_nest *nest, const struct mapping *m, int lv,
			   uint64_t part[2 * TY_COUNT])
{
	struct loop lp[DIM_COUNT];
	int pos[2][DIM_COUNT];
	memset(part, 0, 2 * TY_COUNT * sizeof *part);
	int n;
	if (lv == LV_DRAM) {
		n = level_loops(m, LV_DRAM, 0, lp, pos);
		/* every stepping GLB loop is inside every DRAM loop */
		for (int d = 0; d < DIM_COUNT; d++)
			pos[LV_GLB][d] = m->factor[LV_GLB][d] > 1 ? DIM_COUNT : -1;
	} else {
		/* every DRAM loop is outside every GLB loop */
		for (int d = 0; d < DIM_COUNT; d++)
			pos[LV_DRAM][d] = -1;
		n = level_loops(m, LV_GLB, DIM_COUNT, lp, pos);
	}
	uint64_t arr[TY_COUNT] = {0}, pe[TY_COUNT] = {0};
	for (int j = 0; j < n; j++) {
		enum role role[DIM_COUNT];
		roles_at(&lp[j], lv, K_ARR, pos, role);
		fetched(nest, K_ARR, nest->kept_mask, role, arr);
		fetched(nest, K_PE, nest->kept_mask, role, pe);
	}
	for (int t = 0; t < TY_COUNT; t++) {
		part[2 * t] = arr[t];
		part[2 * t + 1] = pe[t];
	}
}

void access_nest_array_finish(const struct access_nest *nest, const uint64_t dram_part[2 * TY_COUNT],
			     const uint64_t glb_part[2 * TY_COUNT], uint64_t f_p[TY_COUNT],
			     uint64_t f_s[TY_COUNT])
{
	for (int t = 0; t < TY_COUNT; t++) {
		if (!nest->kept[t]) {
			f_p[t] = nest->f_p[t];
			f_s[t] = nest->f_s[t];
			continue;
		}
		f_p[t] = nest->arr_init[t] + dram_part[2 * t] + glb_part[2 * t];
		f_s[t] = nest->pe_init[t] + dram_part[2 * t + 1] + glb_part[2 * t + 1];
	}
}

void access_nest_count_array(struct access_nest *nest, const struct mapping *m,
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
	bool kept = nest->kept[ti];
	acc[EN_DRAM] = dram_accesses(nest, f_d, ti);
	if (ti == TY_PSUM) {
		acc[EN_GLB] = 2 * (f_p - f_d[ti]);
		acc[EN_ARRAY] = f_s - f_p;
		/* a kept psum is read and written in the RF by every MAC */
		acc[EN_RF] = kept ? 2 * nest->macs : 0;
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
	out->steps = nest->steps;
	for (int ti = 0; ti < TY_COUNT; ti++) {
		if (!nest->kept[ti]) {
			/* the array counts of a type the RF does not keep are known */
			type_counts(nest, ti, f_d, nest->f_p[ti], nest->f_s[ti], out->acc[ti]);
			continue;
		}
		out->acc[ti][EN_DRAM] = dram_accesses(nest, f_d, ti);
		out->acc[ti][EN_RF] = ti == TY_PSUM ? 2 * nest->macs : nest->macs;
	}
}

void access_nest_combine(const struct access_nest *nest, const uint64_t f_d[TY_COUNT],
			const uint64_t f_p[TY_COUNT], const uint64_t f_s[TY_COUNT],
			struct access_counts *out)
{
	out->macs = nest->macs;
	out->steps = nest->steps;
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
