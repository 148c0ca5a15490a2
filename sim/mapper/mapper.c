/* Exhaustive mapping search (the "mapper" of ISCA 2016 section VI-A: for each
 * layer, the mapping that minimises energy under the RF, GLB and PE-array
 * sizes).
 *
 * The space. Every dimension's size is split into factors over the levels its
 * dataflow allows (mapping.c): every ordered factorisation into divisors is
 * tried, except that the temporal part of the filter dimensions R and S stays
 * in the GLB loops (filters are small; splitting their taps between DRAM and
 * GLB loops is left out to keep the space small). The DRAM and GLB loop
 * orders are each one of three
 * templates that keep one data type stationary across the innermost loops:
 *     weights  M C R S | N E F      ifmaps  N C E F R S | M
 *     psums    N M E F | C R S
 * (RS keeps F, its sliding loop, innermost in the GLB order), so each
 * factorisation is evaluated under up to 9 order pairs: templates that step
 * the same loops in the same sequence give the same counts and are evaluated
 * once, and each level's share of the array counts is computed once per
 * order of that level (access_nest_array_part).
 *
 * The search. Dimensions are chosen one at a time; after each choice the
 * partial mapping (unchosen dimensions at 1) is checked against the PE array,
 * RF and GLB: footprints only grow as factors are added, so a partial mapping
 * that does not fit prunes its whole subtree. At a complete factorisation, each
 * DRAM order's GLB fill counts give the DRAM energy, which with the other
 * counts known at that point is a lower bound on the total: an order whose
 * bound is already worse than the best so far is not counted further
 * (dram_bound_loses). Both cuts are exact: the answer is the one the full
 * enumeration gives (tests compare the two). Threads take the choices of the
 * first dimension from a shared counter; each keeps its own best result, and
 * the results are merged with a total order (objective, then energy, then cycles,
 * then the mapping's bytes), so the answer does not depend on the thread count. The
 * choice lists are built before the threads start: the inner loop allocates
 * nothing. */
#include "mapper/mapper.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"

struct choice {
	uint32_t f[LV_COUNT];
};

/* Dims in the order they are chosen: large, constraining ones first. */
static const enum map_dim search_order[DIM_COUNT] = {DIM_C, DIM_M, DIM_R, DIM_S,
						      DIM_E, DIM_F, DIM_N};

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
	struct choice *list[DIM_COUNT];
	size_t n[DIM_COUNT];
	atomic_size_t next;
};

struct worker {
	struct search *s;
	struct mapping m;
	struct access_layer_result best, cur;
	struct mapper_stats stats;
	char why[192];
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

/* Appends every split of x over the levels in mask[from..] to list. */
static size_t splits(uint32_t x, uint32_t mask, int lv, struct choice *cur, struct choice *list,
		     size_t n)
{
	while (lv >= 0 && !(mask & (1u << lv)))
		lv--;
	if (lv < 0) {
		if (x == 1) {
			if (list)
				list[n] = *cur;
			n++;
		}
		return n;
	}
	bool last = !(mask & ((1u << lv) - 1));
	for (uint32_t f = 1; f <= x; f++) {
		if (x % f || (last && f != x))
			continue;
		cur->f[lv] = f;
		n = splits(x / f, mask, lv - 1, cur, list, n);
	}
	cur->f[lv] = 1;
	return n;
}

static uint32_t search_levels(enum arch_dataflow df, enum map_dim d)
{
	uint32_t mask = map_dataflow_levels(df, d);
	if ((d == DIM_R || d == DIM_S) && (mask & (1u << LV_GLB)))
		mask &= ~(1u << LV_DRAM);
	return mask;
}

static int build_lists(struct search *s, struct sim_err *err)
{
	for (int d = 0; d < DIM_COUNT; d++) {
		uint32_t x = s->in->shape.size[d];
		uint32_t mask = search_levels(s->df, (enum map_dim)d);
		if (s->df == ARCH_DF_RS && d == DIM_S)
			mask = 1u << LV_RF;
		struct choice cur;
		for (int lv = 0; lv < LV_COUNT; lv++)
			cur.f[lv] = 1;
		/* The highest level takes what the others leave: walk from RF up. */
		size_t n = splits(x, mask, LV_COUNT - 1, &cur, NULL, 0);
		s->list[d] = sim_calloc(n ? n : 1, sizeof **s->list, err);
		if (!s->list[d])
			return SIM_ERR_NOMEM;
		s->n[d] = splits(x, mask, LV_COUNT - 1, &cur, s->list[d], 0);
	}
	return 0;
}

/* True when order template i of level lv sequences the loops of w's mapping
 * that step (bound > 1) like an earlier template: the counts are the same. */
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

/* True when no completion of DRAM counts f_d can beat w's best: the energy
 * of the counts known from f_d alone (access_nest_fixed_counts: DRAM, MACs,
 * RF reads of kept ifmaps and weights, all of a type the RF does not keep)
 * is a lower bound on the total, since every other access adds energy >= 0
 * (and floating-point sums of non-negative terms are monotone, so the bound
 * holds exactly as computed), and the cycles are exact already. Only a
 * strictly worse bound prunes, so ties are decided as without it. */
static bool dram_bound_loses(const struct worker *w, const struct access_nest *nest,
			     const uint64_t f_d[TY_COUNT], uint64_t pes)
{
	const struct search *s = w->s;
	if (!w->best.ok || s->exhaustive)
		return false;
	struct access_counts n;
	access_nest_fixed_counts(nest, f_d, &n);
	double e, cyc;
	access_costs_score(&s->costs, &n, pes, &e, &cyc);
	return access_objective(s->obj, e, cyc) >
	       access_objective(s->obj, w->best.energy_total, w->best.cycles);
}

static void evaluate_leaf(struct worker *w)
{
	struct search *s = w->s;
	w->stats.considered++;
	uint64_t pes = mapping_pes(&w->m);
	struct access_nest nest;
	access_nest_init(&nest, &w->m, &s->in->shape);
	/* Each level's share of the counts depends on its own order only. DRAM
	 * orders come first: their GLB fill counts alone may rule them out. */
	uint64_t f_d[ORD_COUNT][TY_COUNT], part[2][ORD_COUNT][2 * TY_COUNT];
	bool dup[2][ORD_COUNT], live[ORD_COUNT];
	int n_glb = 0, n_live = 0;
	for (int j = 0; j < ORD_COUNT; j++) {
		dup[LV_GLB][j] = same_as_earlier(w, LV_GLB, j);
		n_glb += !dup[LV_GLB][j];
	}
	for (int i = 0; i < ORD_COUNT; i++) {
		dup[LV_DRAM][i] = same_as_earlier(w, LV_DRAM, i);
		live[i] = false;
		if (dup[LV_DRAM][i])
			continue;
		w->stats.mappings += (uint64_t)n_glb;
		memcpy(w->m.order[LV_DRAM], s->orders[LV_DRAM][i], DIM_COUNT);
		access_nest_count_glb(&nest, &w->m, f_d[i]);
		if (dram_bound_loses(w, &nest, f_d[i], pes))
			continue;
		access_nest_array_part(&nest, &w->m, LV_DRAM, part[LV_DRAM][i]);
		live[i] = true;
		n_live++;
	}
	if (!n_live)
		return;
	for (int j = 0; j < ORD_COUNT; j++) {
		if (dup[LV_GLB][j])
			continue;
		memcpy(w->m.order[LV_GLB], s->orders[LV_GLB][j], DIM_COUNT);
		access_nest_array_part(&nest, &w->m, LV_GLB, part[LV_GLB][j]);
	}
	for (int i = 0; i < ORD_COUNT; i++) {
		if (!live[i])
			continue;
		for (int j = 0; j < ORD_COUNT; j++) {
			if (dup[LV_GLB][j])
				continue;
			uint64_t f_p[TY_COUNT], f_s[TY_COUNT];
			struct access_counts n;
			access_nest_array_finish(&nest, part[LV_DRAM][i], part[LV_GLB][j], f_p, f_s);
			access_nest_combine(&nest, f_d[i], f_p, f_s, &n);
			w->stats.evaluated++;
			double e, cyc;
			access_costs_score(&s->costs, &n, pes, &e, &cyc);
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

static void descend(struct worker *w, int k)
{
	if (k == DIM_COUNT) {
		evaluate_leaf(w);
		return;
	}
	struct search *s = w->s;
	enum map_dim d = search_order[k];
	for (size_t i = 0; i < s->n[d]; i++) {
		for (int lv = 0; lv < LV_COUNT; lv++)
			w->m.factor[lv][d] = s->list[d][i].f[lv];
		/* a reason is only worth formatting while nothing fits yet */
		if (access_mapping_fits(s->a, s->bits, &w->m, &s->in->shape,
				       w->best.ok ? NULL : w->why, sizeof w->why))
			descend(w, k + 1);
	}
	for (int lv = 0; lv < LV_COUNT; lv++)
		w->m.factor[lv][d] = 1;
}

static void *work(void *arg)
{
	struct worker *w = arg;
	struct search *s = w->s;
	enum map_dim d0 = search_order[0];
	for (;;) {
		size_t i = atomic_fetch_add(&s->next, 1);
		if (i >= s->n[d0])
			break;
		for (int lv = 0; lv < LV_COUNT; lv++)
			w->m.factor[lv][d0] = s->list[d0][i].f[lv];
		if (access_mapping_fits(s->a, s->bits, &w->m, &s->in->shape, w->why, sizeof w->why))
			descend(w, 1);
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
	access_costs_init(&s.costs, a, t, bits, in);
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
		snprintf(w[i].why, sizeof w[i].why, "the dataflow allows no mapping");
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
		snprintf(best->why, sizeof best->why, "no mapping fits (last: %.160s)", w[0].why);
	if (stats)
		for (int i = 0; i < nthreads; i++) {
			stats->considered += w[i].stats.considered;
			stats->mappings += w[i].stats.mappings;
			stats->evaluated += w[i].stats.evaluated;
		}
	rc = 0;
fail:
	free(w);
	for (int d = 0; d < DIM_COUNT; d++)
		free(s.list[d]);
	return rc;
}
