/* Reference loop-nest walker (see walker.h).
 *
 * It shares nothing with the analytical model but the mapping. It runs the
 * DRAM loops in their order; at each step it enumerates every index the inner
 * loops will touch, marks the words of each tensor the GLB must hold, and
 * compares with what the GLB held before: new words are fetched (under RS
 * every level takes whole strips: a DRAM step to other output rows or
 * columns drops the ifmap words the GLB, array and PEs held). Inside, it
 * runs the GLB loops in their order and does the same for each PE's RF and
 * for the array as a whole (a word already held by some PE is passed between
 * PEs, not re-read from the GLB). A type the dataflow does not keep in the RF
 * is delivered afresh for every MAC. Psums follow ISCA 2016 Eq. 4 event by
 * event: a psum entering the GLB is read from DRAM only if it was written
 * there before; leaving the GLB it is written to DRAM; entering the array it
 * is read from the GLB unless it is its first visit in this GLB residency;
 * every exit from the array writes it to the GLB except the last one of the
 * residency, which goes straight to DRAM; in the RF every MAC reads and writes
 * the psum (the PE accumulates in its RF; see count.c for why the first MAC
 * of a residency is not free there, unlike Eq. 4's RF term).
 * Partial tiles: an index tuple past a dimension's size is no work; a PE
 * none of whose tuples is valid at a step is idle and holds nothing. */
#include "access/walker.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"

struct walk {
	const struct mapping *m;
	const struct map_layer *l;
	uint32_t idx[LV_COUNT][DIM_COUNT];
	uint64_t stride[LV_COUNT][DIM_COUNT];
	uint64_t hsz, wsz, tsize[TY_COUNT];
	uint64_t pes;
	uint8_t *glb[TY_COUNT], *glb_new[TY_COUNT];
	uint8_t *arr[TY_COUNT], *arr_new[TY_COUNT];
	uint8_t *pe[TY_COUNT], *pe_new[TY_COUNT]; /* pes x tsize: 1 = held */
	uint8_t *dram_written, *seen_in_glb;
	uint64_t array_entries, array_exits, glb_evictions, pe_entries;
	uint64_t active; /* PEs doing a MAC at the current RF step */
	uint32_t dram_e, dram_f; /* DRAM-level E and F indices of the last GLB fill */
	struct access_counts c;
};

static uint64_t dim_index(const struct walk *w, int d)
{
	uint64_t x = 0;
	for (int lv = 0; lv < LV_COUNT; lv++)
		x += w->idx[lv][d] * w->stride[lv][d];
	return x;
}

/* True when every dimension's index is inside the layer. */
static bool valid(const struct walk *w)
{
	for (int d = 0; d < DIM_COUNT; d++)
		if (dim_index(w, d) >= w->l->size[d])
			return false;
	return true;
}

static uint64_t address(const struct walk *w, enum map_type t)
{
	uint64_t n = dim_index(w, DIM_N), mm = dim_index(w, DIM_M), c = dim_index(w, DIM_C);
	uint64_t e = dim_index(w, DIM_E), f = dim_index(w, DIM_F);
	uint64_t r = dim_index(w, DIM_R), s = dim_index(w, DIM_S);
	const uint32_t *sz = w->l->size;
	if (t == TY_WEIGHT)
		return ((mm * sz[DIM_C] + c) * sz[DIM_R] + r) * sz[DIM_S] + s;
	if (t == TY_IFMAP)
		return ((n * sz[DIM_C] + c) * w->hsz + e * w->l->U + r) * w->wsz + f * w->l->U + s;
	return ((n * sz[DIM_M] + mm) * sz[DIM_E] + e) * sz[DIM_F] + f;
}

static uint64_t pe_id(const struct walk *w)
{
	uint64_t id = 0;
	for (int lv = LV_ROW; lv <= LV_COL; lv++)
		for (int d = 0; d < DIM_COUNT; d++)
			id = id * w->m->factor[lv][d] + w->idx[lv][d];
	return id;
}

typedef void (*visit_fn)(struct walk *w);

/* Calls fn for every combination of the indices of levels lo..hi. */
static void each(struct walk *w, int lo, int hi, int pos, visit_fn fn)
{
	if (pos == (hi - lo + 1) * DIM_COUNT) {
		fn(w);
		return;
	}
	int lv = lo + pos / DIM_COUNT, d = pos % DIM_COUNT;
	for (uint32_t i = 0; i < w->m->factor[lv][d]; i++) {
		w->idx[lv][d] = i;
		each(w, lo, hi, pos + 1, fn);
	}
	w->idx[lv][d] = 0;
}

static void mark_glb(struct walk *w)
{
	if (!valid(w))
		return;
	for (int t = 0; t < TY_COUNT; t++)
		w->glb_new[t][address(w, (enum map_type)t)] = 1;
}

static void mark_array(struct walk *w)
{
	if (!valid(w))
		return;
	uint64_t p = pe_id(w);
	for (int t = 0; t < TY_COUNT; t++) {
		if (!map_dataflow_keeps(w->m->dataflow, (enum map_type)t))
			continue;
		uint64_t a = address(w, (enum map_type)t);
		w->arr_new[t][a] = 1;
		w->pe_new[t][p * w->tsize[t] + a] = 1;
	}
}

static void update_glb(struct walk *w)
{
	for (int t = 0; t < TY_COUNT; t++) {
		for (uint64_t a = 0; a < w->tsize[t]; a++) {
			bool in = w->glb_new[t][a] && !w->glb[t][a];
			bool out = w->glb[t][a] && !w->glb_new[t][a];
			if (t != TY_PSUM) {
				w->c.acc[t][EN_DRAM] += in;
			} else {
				if (in) {
					w->c.acc[t][EN_DRAM] += w->dram_written[a];
					w->seen_in_glb[a] = 0;
				}
				if (out) {
					w->c.acc[t][EN_DRAM]++;
					w->dram_written[a] = 1;
					w->glb_evictions++;
				}
			}
			w->glb[t][a] = w->glb_new[t][a];
			w->glb_new[t][a] = 0;
		}
	}
}

/* A psum entering the array: read from the GLB unless first in this residency. */
static void psum_enters_array(struct walk *w, uint64_t a)
{
	w->c.acc[TY_PSUM][EN_GLB] += w->seen_in_glb[a];
	w->seen_in_glb[a] = 1;
}

static void update_array(struct walk *w)
{
	for (int t = 0; t < TY_COUNT; t++) {
		if (!map_dataflow_keeps(w->m->dataflow, (enum map_type)t))
			continue;
		for (uint64_t a = 0; a < w->tsize[t]; a++) {
			bool in = w->arr_new[t][a] && !w->arr[t][a];
			bool out = w->arr[t][a] && !w->arr_new[t][a];
			if (t != TY_PSUM) {
				w->c.acc[t][EN_GLB] += in;
			} else {
				if (in) {
					psum_enters_array(w, a);
					w->array_entries++;
				}
				w->array_exits += out;
			}
			w->arr[t][a] = w->arr_new[t][a];
			w->arr_new[t][a] = 0;
		}
		for (uint64_t k = 0; k < w->pes * w->tsize[t]; k++) {
			bool in = w->pe_new[t][k] && !w->pe[t][k];
			if (t != TY_PSUM)
				w->c.acc[t][EN_ARRAY] += in;
			else
				w->pe_entries += in;
			w->pe[t][k] = in ? 1 : w->pe_new[t][k] ? w->pe[t][k] : 0;
			w->pe_new[t][k] = 0;
		}
	}
}

/* Bypassing types: what every PE needs for one MAC step, marked here. */
static void mark_step(struct walk *w)
{
	if (!valid(w))
		return;
	w->active++;
	for (int t = 0; t < TY_COUNT; t++)
		if (!map_dataflow_keeps(w->m->dataflow, (enum map_type)t))
			w->arr_new[t][address(w, (enum map_type)t)] = 1;
}

static void mac(struct walk *w)
{
	if (!valid(w))
		return;
	w->c.macs++;
	/* one RF read of each kept input, a read and a write of a kept psum */
	for (int t = 0; t < TY_COUNT; t++)
		if (map_dataflow_keeps(w->m->dataflow, (enum map_type)t))
			w->c.acc[t][EN_RF] += t == TY_PSUM ? 2 : 1;
}

/* One step of the RF loops with every bypassing type delivered over the array. */
static void rf_step(struct walk *w)
{
	w->active = 0;
	each(w, LV_ROW, LV_COL, 0, mark_step);
	w->c.steps += w->active > 0;
	for (int t = 0; t < TY_COUNT; t++) {
		if (map_dataflow_keeps(w->m->dataflow, (enum map_type)t))
			continue;
		uint64_t uni = 0;
		for (uint64_t a = 0; a < w->tsize[t]; a++) {
			if (!w->arr_new[t][a])
				continue;
			uni++;
			w->arr_new[t][a] = 0;
			if (t == TY_PSUM)
				psum_enters_array(w, a);
		}
		if (t == TY_PSUM) {
			w->array_exits += uni;
			w->c.acc[t][EN_ARRAY] += w->active - uni;
		} else {
			w->c.acc[t][EN_GLB] += uni;
			w->c.acc[t][EN_ARRAY] += w->active;
		}
	}
	each(w, LV_ROW, LV_COL, 0, mac);
}

static void glb_step(struct walk *w)
{
	each(w, LV_ROW, LV_RF, 0, mark_array);
	update_array(w);
	each(w, LV_RF, LV_RF, 0, rf_step);
}

/* RS takes whole strips: when a DRAM step moves the output rows or columns,
 * the GLB, the array and the PEs let go of the ifmap words they held, so the
 * new strip's window is fetched whole at every level. */
static void strip_step(struct walk *w)
{
	uint32_t e = w->idx[LV_DRAM][DIM_E], f = w->idx[LV_DRAM][DIM_F];
	if (w->m->dataflow == ARCH_DF_RS && (e != w->dram_e || f != w->dram_f)) {
		memset(w->glb[TY_IFMAP], 0, w->tsize[TY_IFMAP]);
		memset(w->arr[TY_IFMAP], 0, w->tsize[TY_IFMAP]);
		memset(w->pe[TY_IFMAP], 0, w->pes * w->tsize[TY_IFMAP]);
	}
	w->dram_e = e;
	w->dram_f = f;
}

/* Runs the loops of temporal level lv in the mapping's order, outermost first. */
static void run_level(struct walk *w, int lv, int pos)
{
	if (pos == DIM_COUNT) {
		if (lv == LV_DRAM) {
			each(w, LV_GLB, LV_RF, 0, mark_glb);
			strip_step(w);
			update_glb(w);
			run_level(w, LV_GLB, 0);
		} else {
			glb_step(w);
		}
		return;
	}
	int d = w->m->order[lv][pos];
	for (uint32_t i = 0; i < w->m->factor[lv][d]; i++) {
		w->idx[lv][d] = i;
		run_level(w, lv, pos + 1);
	}
	w->idx[lv][d] = 0;
}

int access_walk(const struct mapping *m, const struct map_layer *l, struct access_counts *out,
	       struct sim_err *err)
{
	struct walk w;
	memset(&w, 0, sizeof w);
	w.m = m;
	w.l = l;
	for (int d = 0; d < DIM_COUNT; d++) {
		uint64_t s = 1;
		for (int lv = LV_COUNT - 1; lv >= 0; lv--) {
			w.stride[lv][d] = s;
			s *= m->factor[lv][d];
		}
	}
	const uint32_t *sz = l->size;
	w.hsz = (uint64_t)(sz[DIM_E] - 1) * l->U + sz[DIM_R];
	w.wsz = (uint64_t)(sz[DIM_F] - 1) * l->U + sz[DIM_S];
	w.tsize[TY_IFMAP] = (uint64_t)sz[DIM_N] * sz[DIM_C] * w.hsz * w.wsz;
	w.tsize[TY_WEIGHT] = (uint64_t)sz[DIM_M] * sz[DIM_C] * sz[DIM_R] * sz[DIM_S];
	w.tsize[TY_PSUM] = (uint64_t)sz[DIM_N] * sz[DIM_M] * sz[DIM_E] * sz[DIM_F];
	w.pes = mapping_pes(m);
	int rc = SIM_ERR_NOMEM;
	for (int t = 0; t < TY_COUNT; t++) {
		uint8_t **bufs[] = {&w.glb[t], &w.glb_new[t], &w.arr[t], &w.arr_new[t]};
		for (size_t k = 0; k < sizeof bufs / sizeof bufs[0]; k++)
			if (!(*bufs[k] = sim_calloc(w.tsize[t], 1, err)))
				goto fail;
		if (!(w.pe[t] = sim_calloc(w.pes * w.tsize[t], 1, err)) ||
		    !(w.pe_new[t] = sim_calloc(w.pes * w.tsize[t], 1, err)))
			goto fail;
	}
	if (!(w.dram_written = sim_calloc(w.tsize[TY_PSUM], 1, err)) ||
	    !(w.seen_in_glb = sim_calloc(w.tsize[TY_PSUM], 1, err)))
		goto fail;

	run_level(&w, LV_DRAM, 0);
	/* The end: the array and then the GLB give back every psum they hold. */
	update_array(&w);
	update_glb(&w);
	uint64_t *ps = w.c.acc[TY_PSUM];
	ps[EN_GLB] += w.array_exits - w.glb_evictions;
	/* Each PE residency of a psum beyond the first of its array residency is
	 * one transfer between PEs (the spatial accumulation). */
	if (map_dataflow_keeps(m->dataflow, TY_PSUM))
		ps[EN_ARRAY] += w.pe_entries - w.array_entries;
	*out = w.c;
	rc = 0;
fail:
	for (int t = 0; t < TY_COUNT; t++) {
		free(w.glb[t]);
		free(w.glb_new[t]);
		free(w.arr[t]);
		free(w.arr_new[t]);
		free(w.pe[t]);
		free(w.pe_new[t]);
	}
	free(w.dram_written);
	free(w.seen_in_glb);
	return rc;
}
