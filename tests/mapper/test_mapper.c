/* The mapper against sampled mappings of the same space, thread-count
 * independence, infeasible layers, mapping files (Eyeriss parameters, replay
 * of a saved run), and whole-network totals with and without sparsity. */
#include <gsl/gsl_rng.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "arch/arch.h"
#include "arch/energy.h"
#include "mapper/mapper.h"
#include "mapper/mapping_file.h"
#include "mapper/network_eval.h"
#include "core/mem.h"
#include "access/walker.h"
#include "test.h"
#include "workload/network.h"
#include "workload/sparsity.h"

static struct arch small_arch(enum arch_dataflow df)
{
	struct arch a;
	memset(&a, 0, sizeof a);
	snprintf(a.name, sizeof a.name, "small");
	a.dataflow = df;
	a.word_bits = 16;
	a.pe_rows = 4;
	a.pe_cols = 4;
	a.glb_bytes = 2048;
	a.rf_bytes = 64;
	return a;
}

static struct energy_table eyeriss_table(void)
{
	struct energy_table t;
	struct sim_err err;
	CU_ASSERT_EQUAL_FATAL(energy_table_load(&t, "energy-tables/eyeriss-65nm.yaml", &err), 0);
	return t;
}

static const uint8_t templates[3][DIM_COUNT] = {
	{DIM_M, DIM_C, DIM_R, DIM_S, DIM_N, DIM_E, DIM_F},
	{DIM_N, DIM_C, DIM_E, DIM_F, DIM_R, DIM_S, DIM_M},
	{DIM_N, DIM_M, DIM_E, DIM_F, DIM_C, DIM_R, DIM_S},
};

/* A random mapping from the mapper's space: divisors at allowed levels (R, S
 * temporal parts in the GLB), template orders (F last in RS GLB orders). */
static struct mapping sample(gsl_rng *r, const struct map_layer *l, enum arch_dataflow df)
{
	struct mapping m;
	memset(&m, 0, sizeof m);
	m.dataflow = df;
	for (int d = 0; d < DIM_COUNT; d++) {
		uint32_t mask = map_dataflow_levels(df, (enum map_dim)d);
		if (d == DIM_R || d == DIM_S)
			mask &= ~(1u << LV_DRAM);
		if (df == ARCH_DF_RS && d == DIM_S)
			mask = 1u << LV_RF;
		uint32_t left = l->size[d];
		int outer = -1;
		for (int lv = 0; lv < LV_COUNT && outer < 0; lv++)
			if (mask & (1u << lv))
				outer = lv;
		for (int lv = LV_COUNT - 1; lv >= 0; lv--) {
			m.factor[lv][d] = 1;
			if (!(mask & (1u << lv)))
				continue;
			if (lv == outer) {
				m.factor[lv][d] = left;
				continue;
			}
			uint32_t f;
			do
				f = 1 + (uint32_t)gsl_rng_uniform_int(r, left);
			while (left % f);
			m.factor[lv][d] = f;
			left /= f;
		}
	}
	for (int k = 0; k < 2; k++) {
		memcpy(m.order[k], templates[gsl_rng_uniform_int(r, 3)], DIM_COUNT);
		if (k == LV_GLB && df == ARCH_DF_RS) {
			int p = 0;
			uint8_t o[DIM_COUNT];
			for (int i = 0; i < DIM_COUNT; i++)
				if (m.order[k][i] != DIM_F)
					o[p++] = m.order[k][i];
			o[DIM_COUNT - 1] = DIM_F;
			memcpy(m.order[k], o, sizeof o);
		}
	}
	return m;
}

static void test_mapper_beats_samples(void)
{
	struct energy_table t = eyeriss_table();
	gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
	gsl_rng_set(r, 5);
	struct access_layer_in in = {
		.shape = {.size = {2, 8, 6, 4, 4, 3, 3}, .U = 1},
		.groups = 1, .weight_density = 1, .ifmap_density = 1, .ofmap_density = 1,
	};
	for (int df = 0; df < ARCH_DF_COUNT; df++) {
		struct arch a = small_arch((enum arch_dataflow)df);
		struct access_bits bits = access_bits_default(&a);
		struct mapper_opts o = {OBJ_ENERGY, 2, false};
		struct access_layer_result best, again, x;
		struct sim_err err;
		CU_ASSERT_EQUAL_FATAL(mapper_search_layer(&a, &t, &bits, &in, a.dataflow, &o, &best,
							  NULL, &err), 0);
		CU_ASSERT_FATAL(best.ok);
		/* the full checked path agrees with the search's fast path */
		access_layer_eval(&a, &t, &bits, &in, &best.map, &again);
		CU_ASSERT(again.ok);
		CU_ASSERT_DOUBLE_EQUAL(again.energy_total, best.energy_total,
				       1e-9 * best.energy_total);
		int feasible = 0;
		for (int i = 0; i < 3000; i++) {
			struct mapping m = sample(r, &in.shape, (enum arch_dataflow)df);
			access_layer_eval(&a, &t, &bits, &in, &m, &x);
			if (!x.ok)
				continue;
			feasible++;
			CU_ASSERT(x.energy_total >= best.energy_total * (1 - 1e-12));
		}
		CU_ASSERT(feasible > 50);
	}
	gsl_rng_free(r);
}

/* One layer, dataflow and objective searched with and without the bound:
 * the same answer over the same space. Adds to the space and full-evaluation
 * counts of the bounded search. */
static void compare_bounded(const struct energy_table *t, const struct access_layer_in *in,
			    enum arch_dataflow df, enum access_objective ob, double dram_bw,
			    uint64_t *searched, uint64_t *evaluated)
{
	struct arch a = small_arch(df);
	a.dram_bytes_per_cycle = dram_bw;
	struct access_bits bits = access_bits_default(&a);
	struct mapper_opts full = {ob, 2, true}, cut = {ob, 2, false};
	struct access_layer_result x, y;
	struct mapper_stats sx = {0}, sy = {0};
	struct sim_err err;
	CU_ASSERT_EQUAL_FATAL(mapper_search_layer(&a, t, &bits, in, df, &full, &x, &sx, &err), 0);
	CU_ASSERT_EQUAL_FATAL(mapper_search_layer(&a, t, &bits, in, df, &cut, &y, &sy, &err), 0);
	CU_ASSERT_EQUAL(x.ok, y.ok);
	CU_ASSERT_EQUAL(memcmp(&x.map, &y.map, sizeof x.map), 0);
	CU_ASSERT_EQUAL(x.energy_total, y.energy_total);
	CU_ASSERT_EQUAL(x.cycles, y.cycles);
	/* the exhaustive search reaches every GLB tiling and counts more */
	CU_ASSERT(sy.tilings <= sx.tilings);
	CU_ASSERT(sy.evaluated <= sx.evaluated);
	*searched += sx.evaluated;
	*evaluated += sy.evaluated;
}

/* The bounds only skip mappings that cannot win: on random small layers
 * (sizes that leave partial tiles included), for every dataflow and
 * objective, the bounded search returns the exhaustive search's mapping,
 * energy and cycles, over the same space. */
static void test_bound_is_exact(void)
{
	struct energy_table t = eyeriss_table();
	gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
	gsl_rng_set(r, 11);
	uint64_t searched = 0, evaluated = 0;
	for (int trial = 0; trial < 6; trial++) {
		static const uint32_t sizes[] = {1, 2, 3, 4, 5, 6, 7, 8, 12};
		struct access_layer_in in = {.groups = 1, .weight_density = 1, .ifmap_density = 1,
					    .ofmap_density = 1};
		for (int d = 0; d < DIM_COUNT; d++)
			in.shape.size[d] = sizes[gsl_rng_uniform_int(r, 9)];
		uint32_t rs = 1 + (uint32_t)gsl_rng_uniform_int(r, 3);
		in.shape.size[DIM_R] = in.shape.size[DIM_S] = rs;
		in.shape.U = 1 + (uint32_t)gsl_rng_uniform_int(r, 2);
		for (int k = 0; k < ARCH_DF_COUNT * OBJ_COUNT; k++)
			compare_bounded(&t, &in, (enum arch_dataflow)(k / OBJ_COUNT),
					(enum access_objective)(k % OBJ_COUNT), trial % 2 ? 2.0 : 0.0,
					&searched, &evaluated);
	}
	/* and it does cut: it counts in full under half of what the exhaustive
	 * search counts */
	CU_ASSERT(evaluated < searched / 2);
	gsl_rng_free(r);
}

static void test_threads_and_infeasible(void)
{
	struct energy_table t = eyeriss_table();
	struct arch a = small_arch(ARCH_DF_RS);
	struct access_bits bits = access_bits_default(&a);
	struct access_layer_in in = {
		.shape = {.size = {4, 16, 8, 6, 6, 3, 3}, .U = 1},
		.groups = 2, .weight_density = 1, .ifmap_density = 1, .ofmap_density = 1,
	};
	struct access_layer_result one, two;
	struct mapper_stats s1 = {0}, s2 = {0};
	struct sim_err err;
	struct mapper_opts o1 = {OBJ_EDP, 1, false}, o2 = {OBJ_EDP, 2, false};
	CU_ASSERT_EQUAL_FATAL(mapper_search_layer(&a, &t, &bits, &in, ARCH_DF_RS, &o1, &one, &s1, &err), 0);
	CU_ASSERT_EQUAL_FATAL(mapper_search_layer(&a, &t, &bits, &in, ARCH_DF_RS, &o2, &two, &s2, &err), 0);
	CU_ASSERT(one.ok && two.ok);
	CU_ASSERT_EQUAL(memcmp(&one.map, &two.map, sizeof one.map), 0);
	/* (how much of the space the bounds cut depends on the schedule) */
	CU_ASSERT(s1.evaluated > 0 && s2.evaluated > 0);
	/* A 2-byte GLB holds nothing: the layer is a result with its reason. */
	a.glb_bytes = 2;
	CU_ASSERT_EQUAL_FATAL(mapper_search_layer(&a, &t, &bits, &in, ARCH_DF_RS, &o1, &one, NULL, &err), 0);
	CU_ASSERT_FALSE(one.ok);
	CU_ASSERT_PTR_NOT_NULL(strstr(one.why, "no mapping fits"));
}

static void load_alexnet(struct wl_network *net)
{
	struct sim_err err;
	CU_ASSERT_EQUAL_FATAL(wl_network_load(net, "configs/networks/alexnet.yaml", &err), 0);
}

/* The Eyeriss parameters become the factors JSSC 2017 describes. */
static void test_rs_parameters(void)
{
	struct wl_network net;
	load_alexnet(&net);
	const char *text = "dataflow: rs\nbatch: 4\nlayers:\n"
			   "  - layer: conv1\n"
			   "    rs: {m: 96, n: 2, e: 11, p: 8, q: 3, r: 1, t: 1, strips: 5}\n";
	struct mapper_fixed f;
	struct sim_err err;
	CU_ASSERT_EQUAL_FATAL(mapper_fixed_load_string(&f, "m.yaml", text, &net, 4, ARCH_DF_RS,
						       &err), 0);
	const struct mapping *m = &f.map[0];
	CU_ASSERT(f.given[0]);
	CU_ASSERT_EQUAL(m->factor[LV_RF][DIM_M], 8);
	CU_ASSERT_EQUAL(m->factor[LV_GLB][DIM_M], 12);
	CU_ASSERT_EQUAL(m->factor[LV_DRAM][DIM_M], 1);
	CU_ASSERT_EQUAL(m->factor[LV_RF][DIM_C], 3);
	CU_ASSERT_EQUAL(m->factor[LV_ROW][DIM_R], 11);
	CU_ASSERT_EQUAL(m->factor[LV_RF][DIM_S], 11);
	CU_ASSERT_EQUAL(m->factor[LV_COL][DIM_E], 11);
	CU_ASSERT_EQUAL(m->factor[LV_GLB][DIM_E], 5);
	CU_ASSERT_EQUAL(m->factor[LV_GLB][DIM_N], 2);
	CU_ASSERT_EQUAL(m->factor[LV_DRAM][DIM_N], 2);
	struct map_rs_params p = mapping_rs_params(m);
	CU_ASSERT(p.m == 96 && p.n == 2 && p.e == 11 && p.p == 8 && p.q == 3 && p.r == 1 &&
		  p.t == 1);
	mapper_fixed_deinit(&f);
	wl_network_deinit(&net);
}

/* A saved run replays to the same mappings and energies; AlexNet totals. */
static void test_network_replay_and_totals(void)
{
	struct wl_network net;
	load_alexnet(&net);
	struct arch a;
	struct sim_err err;
	struct energy_table t = eyeriss_table();
	CU_ASSERT_EQUAL_FATAL(arch_load(&a, "configs/arch/eyeriss-chip.yaml", &err), 0);
	struct net_eval_opts o = {OBJ_ENERGY, 2, NULL};
	struct net_result r, replay;
	CU_ASSERT_EQUAL_FATAL(mapper_network_eval(&a, &t, &net, NULL, NULL, 1, &o, &r, &err), 0);
	CU_ASSERT(r.ok);
	CU_ASSERT_EQUAL(r.n, 8);
	CU_ASSERT(r.macs >= 724350000 && r.macs < 724450000);
	CU_ASSERT(r.weights >= 60945000 && r.weights < 60955000);
	double sum = 0;
	for (int i = 0; i < r.n; i++)
		sum += r.layers[i].r.energy_total;
	CU_ASSERT_DOUBLE_EQUAL(sum, r.energy_total, 1e-9 * sum);

	char *buf = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&buf, &len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(mem);
	mapper_fixed_write(mem, &r, &net);
	fclose(mem);
	struct mapper_fixed f;
	CU_ASSERT_EQUAL_FATAL(mapper_fixed_load_string(&f, "saved.yaml", buf, &net, 1, ARCH_DF_RS,
						       &err), 0);
	o.fixed = &f;
	CU_ASSERT_EQUAL_FATAL(mapper_network_eval(&a, &t, &net, NULL, NULL, 1, &o, &replay, &err), 0);
	CU_ASSERT_EQUAL(replay.stats.evaluated, 0);
	for (int i = 0; i < r.n; i++) {
		CU_ASSERT(replay.layers[i].fixed);
		CU_ASSERT_EQUAL(memcmp(&r.layers[i].r.map, &replay.layers[i].r.map,
				       sizeof r.layers[i].r.map), 0);
		CU_ASSERT_DOUBLE_EQUAL(r.layers[i].r.energy_total, replay.layers[i].r.energy_total,
				       1e-9 * r.layers[i].r.energy_total);
	}
	net_result_deinit(&replay);
	mapper_fixed_deinit(&f);
	free(buf);

	/* With Han 2015 densities the weights column follows the profile. */
	struct wl_sparsity sp;
	CU_ASSERT_EQUAL_FATAL(wl_sparsity_load(&sp, &net, "configs/sparsity/alexnet-han2015.yaml",
					       &err), 0);
	struct net_result s;
	o.fixed = NULL;
	CU_ASSERT_EQUAL_FATAL(mapper_network_eval(&a, &t, &net, &sp, NULL, 1, &o, &s, &err), 0);
	double want = wl_sparsity_weight_density(&sp, &net) * (double)r.weights;
	CU_ASSERT_DOUBLE_EQUAL(s.weights_nonzero, want, 1.0);
	CU_ASSERT_DOUBLE_EQUAL(s.layers[0].weights_nonzero, 0.84 * 34848, 1e-6);
	net_result_deinit(&s);
	wl_sparsity_deinit(&sp);
	net_result_deinit(&r);
	wl_network_deinit(&net);
}

/* Sparsity, coding and bitwidth effects on one fixed mapping. */
static void test_sparsity_effects(void)
{
	struct energy_table t = eyeriss_table();
	struct arch a = small_arch(ARCH_DF_RS);
	struct access_bits bits = access_bits_default(&a);
	struct access_layer_in in = {
		.shape = {.size = {2, 8, 6, 4, 4, 3, 3}, .U = 1},
		.groups = 1, .weight_density = 1, .ifmap_density = 1, .ofmap_density = 1,
	};
	struct mapper_opts o = {OBJ_ENERGY, 1, false};
	struct access_layer_result dense, x;
	struct sim_err err;
	CU_ASSERT_EQUAL_FATAL(mapper_search_layer(&a, &t, &bits, &in, ARCH_DF_RS, &o, &dense, NULL,
						  &err), 0);
	const struct mapping *m = &dense.map;

	/* skipping zero weights (RS keeps every type in the RF): the MACs, their
	 * cycles, the ifmap reads, the psum updates and the weight reads
	 * themselves (only nonzeros are stored) scale with the density */
	struct access_layer_in sparse = in;
	sparse.weight_density = 0.25;
	a.weight_zeros = ARCH_ZERO_SKIP;
	access_layer_eval(&a, &t, &bits, &sparse, m, &x);
	CU_ASSERT_DOUBLE_EQUAL(x.cycles, 0.25 * dense.cycles, 1e-9);
	CU_ASSERT_DOUBLE_EQUAL(x.energy_mac, 0.25 * dense.energy_mac, 1e-9);
	CU_ASSERT_DOUBLE_EQUAL(x.acc[TY_IFMAP][EN_RF], 0.25 * dense.acc[TY_IFMAP][EN_RF], 1e-6);
	CU_ASSERT_DOUBLE_EQUAL(x.acc[TY_PSUM][EN_RF], 0.25 * dense.acc[TY_PSUM][EN_RF], 1e-6);
	CU_ASSERT_DOUBLE_EQUAL(x.acc[TY_WEIGHT][EN_RF], 0.25 * dense.acc[TY_WEIGHT][EN_RF], 1e-6);
	CU_ASSERT_DOUBLE_EQUAL(x.acc[TY_WEIGHT][EN_ARRAY], dense.acc[TY_WEIGHT][EN_ARRAY], 1e-6);
	double skipped = x.energy_total;
	/* gating saves the same but the zero weights are still read, and no cycle */
	a.weight_zeros = ARCH_ZERO_GATE;
	access_layer_eval(&a, &t, &bits, &sparse, m, &x);
	CU_ASSERT_DOUBLE_EQUAL(x.cycles, dense.cycles, 1e-9);
	CU_ASSERT_DOUBLE_EQUAL(x.energy_mac, 0.25 * dense.energy_mac, 1e-9);
	CU_ASSERT_DOUBLE_EQUAL(x.acc[TY_PSUM][EN_RF], 0.25 * dense.acc[TY_PSUM][EN_RF], 1e-6);
	CU_ASSERT_DOUBLE_EQUAL(x.acc[TY_WEIGHT][EN_RF], dense.acc[TY_WEIGHT][EN_RF], 1e-6);
	CU_ASSERT_DOUBLE_EQUAL(x.energy_total - skipped,
			       0.75 * dense.energy[TY_WEIGHT][EN_RF], 1e-9 * x.energy_total);
	/* zero ifmaps and weights together: the MACs with both nonzero remain */
	sparse.ifmap_density = 0.5;
	a.ifmap_zeros = ARCH_ZERO_GATE;
	access_layer_eval(&a, &t, &bits, &sparse, m, &x);
	CU_ASSERT_DOUBLE_EQUAL(x.energy_mac, 0.125 * dense.energy_mac, 1e-9);
	CU_ASSERT_DOUBLE_EQUAL(x.acc[TY_PSUM][EN_RF], 0.125 * dense.acc[TY_PSUM][EN_RF], 1e-6);
	CU_ASSERT_DOUBLE_EQUAL(x.acc[TY_WEIGHT][EN_RF], 0.5 * dense.acc[TY_WEIGHT][EN_RF], 1e-6);
	CU_ASSERT_DOUBLE_EQUAL(x.acc[TY_IFMAP][EN_RF], 0.25 * dense.acc[TY_IFMAP][EN_RF], 1e-6);
	a.ifmap_zeros = ARCH_ZERO_NONE;
	sparse.ifmap_density = 1;
	/* WS keeps only weights in the RF: a gated zero weight saves the ifmap
	 * and psum deliveries over the array for its MACs */
	struct arch ws = small_arch(ARCH_DF_WS);
	struct access_layer_result wdense, wx;
	CU_ASSERT_EQUAL_FATAL(mapper_search_layer(&ws, &t, &bits, &in, ARCH_DF_WS, &o, &wdense,
						  NULL, &err), 0);
	ws.weight_zeros = ARCH_ZERO_GATE;
	access_layer_eval(&ws, &t, &bits, &sparse, &wdense.map, &wx);
	CU_ASSERT_DOUBLE_EQUAL(wx.acc[TY_IFMAP][EN_ARRAY], 0.25 * wdense.acc[TY_IFMAP][EN_ARRAY],
			       1e-6);
	CU_ASSERT_DOUBLE_EQUAL(wx.acc[TY_PSUM][EN_ARRAY], 0.25 * wdense.acc[TY_PSUM][EN_ARRAY],
			       1e-6);
	CU_ASSERT_DOUBLE_EQUAL(wx.acc[TY_WEIGHT][EN_RF], wdense.acc[TY_WEIGHT][EN_RF], 1e-6);
	/* relative-index weights: DRAM weight traffic per Deep Compression storage */
	a.weight_zeros = ARCH_ZERO_NONE;
	a.weight_format = ARCH_WFMT_RELATIVE_INDEX;
	a.weight_index_bits = 4;
	access_layer_eval(&a, &t, &bits, &sparse, m, &x);
	double entries = 0.25 / (1 - pow(0.75, 16));
	CU_ASSERT_DOUBLE_EQUAL(x.acc[TY_WEIGHT][EN_DRAM],
			       dense.acc[TY_WEIGHT][EN_DRAM] * entries * 20 / 16, 1e-6);
	/* SIMD groups of 2 share an index: per weight, entries / 2 groups of two
	 * 16-bit values and one 4-bit index */
	struct access_layer_in grouped = sparse;
	grouped.weight_group = 2;
	access_layer_eval(&a, &t, &bits, &grouped, m, &x);
	CU_ASSERT_DOUBLE_EQUAL(x.acc[TY_WEIGHT][EN_DRAM],
			       dense.acc[TY_WEIGHT][EN_DRAM] * entries / 2 * 36 / 16, 1e-6);
	/* auto: the sparse layer as relative_index, a dense one dense (no index) */
	a.weight_format = ARCH_WFMT_AUTO;
	access_layer_eval(&a, &t, &bits, &sparse, m, &x);
	CU_ASSERT_DOUBLE_EQUAL(x.acc[TY_WEIGHT][EN_DRAM],
			       dense.acc[TY_WEIGHT][EN_DRAM] * entries * 20 / 16, 1e-6);
	access_layer_eval(&a, &t, &bits, &in, m, &x);
	CU_ASSERT_DOUBLE_EQUAL(x.acc[TY_WEIGHT][EN_DRAM], dense.acc[TY_WEIGHT][EN_DRAM], 1e-6);
	a.weight_format = ARCH_WFMT_DENSE;
	/* run-length coded feature maps: ifmap reads and the final ofmap writes */
	a.fmap_format = ARCH_FFMT_RLC;
	a.rlc_run_bits = 5;
	a.rlc_value_bits = 16;
	a.rlc_word_bits = 64;
	struct access_layer_in act = in;
	act.ifmap_density = 0.4;
	act.ofmap_density = 0.5;
	access_layer_eval(&a, &t, &bits, &act, m, &x);
	double outputs = 2.0 * 8 * 4 * 4;
	CU_ASSERT_DOUBLE_EQUAL(x.acc[TY_IFMAP][EN_DRAM],
			       dense.acc[TY_IFMAP][EN_DRAM] * access_rlc_bits_per_value(&a, 0.4) / 16,
			       1e-6);
	CU_ASSERT_DOUBLE_EQUAL(x.acc[TY_PSUM][EN_DRAM],
			       dense.acc[TY_PSUM][EN_DRAM] - outputs +
				       outputs * access_rlc_bits_per_value(&a, 0.5) / 16, 1e-6);
	a.fmap_format = ARCH_FFMT_DENSE;
	/* a slow DRAM makes the layer bandwidth-bound: cycles = bytes / (bytes/cycle) */
	a.dram_bytes_per_cycle = 0.001;
	access_layer_eval(&a, &t, &bits, &in, m, &x);
	double bytes = 0;
	for (int ty = 0; ty < TY_COUNT; ty++)
		bytes += dense.acc[ty][EN_DRAM] * 2;
	CU_ASSERT_DOUBLE_EQUAL(x.cycles, bytes / 0.001, 1e-6 * x.cycles);
	CU_ASSERT_DOUBLE_EQUAL(x.energy_total, dense.energy_total, 1e-9 * dense.energy_total);
	a.dram_bytes_per_cycle = 0;
	/* so do a slow GLB (words read and written) and a slow NoC (words
	 * delivered over the array) */
	a.glb_words_per_cycle = 0.01;
	access_layer_eval(&a, &t, &bits, &in, m, &x);
	double glb = 0, noc = 0;
	for (int ty = 0; ty < TY_COUNT; ty++) {
		glb += dense.acc[ty][EN_GLB];
		noc += dense.acc[ty][EN_ARRAY];
	}
	CU_ASSERT_DOUBLE_EQUAL(x.cycles, glb / 0.01, 1e-6 * x.cycles);
	a.glb_words_per_cycle = 0;
	a.noc_words_per_cycle = 0.01;
	access_layer_eval(&a, &t, &bits, &in, m, &x);
	CU_ASSERT_DOUBLE_EQUAL(x.cycles, noc / 0.01, 1e-6 * x.cycles);
	/* ample bandwidth leaves the compute steps */
	a.noc_words_per_cycle = 1e6;
	access_layer_eval(&a, &t, &bits, &in, m, &x);
	CU_ASSERT_DOUBLE_EQUAL(x.cycles, dense.cycles, 1e-9);
	a.noc_words_per_cycle = 0;
	/* 8-bit weights halve the weight access energy at every level */
	struct access_bits b8 = bits;
	b8.weight = 8;
	access_layer_eval(&a, &t, &b8, &in, m, &x);
	for (int lv = 0; lv < EN_LEVEL_COUNT; lv++)
		CU_ASSERT_DOUBLE_EQUAL(x.energy[TY_WEIGHT][lv], 0.5 * dense.energy[TY_WEIGHT][lv],
				       1e-9 * (1 + dense.energy[TY_WEIGHT][lv]));
}

/* Every allocation in the walker, the mapping-file loader and the network
 * evaluation can fail: each failure is SIM_ERR_NOMEM, never a crash or a leak
 * (the suite runs under ASan in make check). */
static void test_allocation_failures(void)
{
	struct wl_network net;
	struct sim_err err;
	CU_ASSERT_EQUAL_FATAL(wl_network_load(&net, "configs/networks/lenet-300-100.yaml", &err), 0);
	struct arch a;
	struct energy_table t = eyeriss_table();
	CU_ASSERT_EQUAL_FATAL(arch_load(&a, "configs/arch/eyeriss-chip.yaml", &err), 0);
	const char *text = "dataflow: rs\nlayers:\n  - layer: ip1\n    factors: {rows: {R: 4}, rf: {S: 28}}\n";
	struct map_layer l = {.size = {2, 2, 2, 2, 2, 2, 2}, .U = 1};
	struct mapping m;
	mapping_init(&m, ARCH_DF_RS);
	m.factor[LV_DRAM][DIM_N] = m.factor[LV_GLB][DIM_M] = m.factor[LV_ROW][DIM_C] = 2;
	m.factor[LV_COL][DIM_E] = m.factor[LV_GLB][DIM_F] = m.factor[LV_ROW][DIM_R] = 2;
	m.factor[LV_RF][DIM_S] = 2;
	int done = 0;
	for (long n = 0; n < 64 && done < 3; n++) {
		done = 0;
		struct mapper_fixed f;
		struct net_result r;
		struct access_counts c;
		struct net_eval_opts o = {OBJ_ENERGY, 1, NULL};
		sim_mem_fail_after(n);
		int rc = mapper_fixed_load_string(&f, "m.yaml", text, &net, 1, ARCH_DF_RS, &err);
		sim_mem_fail_after(-1);
		CU_ASSERT(rc == 0 || rc == SIM_ERR_NOMEM);
		if (rc == 0) {
			mapper_fixed_deinit(&f);
			done++;
		}
		sim_mem_fail_after(n);
		rc = mapper_network_eval(&a, &t, &net, NULL, NULL, 1, &o, &r, &err);
		sim_mem_fail_after(-1);
		CU_ASSERT(rc == 0 || rc == SIM_ERR_NOMEM);
		if (rc == 0) {
			net_result_deinit(&r);
			done++;
		}
		sim_mem_fail_after(n);
		rc = access_walk(&m, &l, &c, &err);
		sim_mem_fail_after(-1);
		CU_ASSERT(rc == 0 || rc == SIM_ERR_NOMEM);
		done += rc == 0;
	}
	CU_ASSERT_EQUAL(done, 3);
	wl_network_deinit(&net);
}

/* FC layers are CONV layers whose filter covers the input map (ISCA 2016
 * III-A): AlexNet's fc6 is 4096 filters of 256 x 6 x 6 over a 6 x 6 map. Under
 * RS a PE holds a whole filter row, so LeNet-300-100's ip1, whose filter rows
 * are 28 wide (the 28 x 28 input), does not fit the Eyeriss chip's 12-word
 * ifmap scratchpad: the layer is infeasible, with that reason. */
static void test_fc_as_conv(void)
{
	struct wl_network net;
	struct sim_err err;
	load_alexnet(&net);
	struct map_layer l = map_layer_from(&net.layers[wl_network_find(&net, "fc6")], 16);
	const uint32_t want[DIM_COUNT] = {16, 4096, 256, 1, 1, 6, 6};
	CU_ASSERT_EQUAL(memcmp(l.size, want, sizeof want), 0);
	CU_ASSERT_EQUAL(l.U, 1);
	wl_network_deinit(&net);

	CU_ASSERT_EQUAL_FATAL(wl_network_load(&net, "configs/networks/lenet-300-100.yaml", &err), 0);
	struct arch a;
	CU_ASSERT_EQUAL_FATAL(arch_load(&a, "configs/arch/eyeriss-chip.yaml", &err), 0);
	struct energy_table t = eyeriss_table();
	struct access_bits bits = access_bits_default(&a);
	struct access_layer_in in = mapper_layer_in(&net, NULL, wl_network_find(&net, "ip1"), 1);
	struct mapper_opts o = {OBJ_ENERGY, 1, false};
	struct access_layer_result r;
	CU_ASSERT_EQUAL_FATAL(mapper_search_layer(&a, &t, &bits, &in, ARCH_DF_RS, &o, &r, NULL, &err),
			      0);
	CU_ASSERT_FALSE(r.ok);
	CU_ASSERT_PTR_NOT_NULL(strstr(r.why, "ifmap tile of 28 values exceeds the 12-word"));
	wl_network_deinit(&net);
}

/* Layers with the same shape and costs are searched once: the network's
 * answer for the repeated layer equals a search of that layer alone, and the
 * search statistics count one search. */
static void test_repeated_layers(void)
{
	const char *text = "name: twice\ninput: {channels: 8, height: 6, width: 6}\nlayers:\n"
			   "  - {name: a, type: conv, out_channels: 8, kernel: 3, padding: 1}\n"
			   "  - {name: b, type: conv, out_channels: 8, kernel: 3, padding: 1}\n";
	struct wl_network net;
	struct sim_err err;
	CU_ASSERT_EQUAL_FATAL(wl_network_load_string(&net, "twice.yaml", text, &err), 0);
	struct energy_table t = eyeriss_table();
	struct arch a = small_arch(ARCH_DF_RS);
	struct net_eval_opts o = {OBJ_ENERGY, 1, NULL};
	struct net_result r;
	CU_ASSERT_EQUAL_FATAL(mapper_network_eval(&a, &t, &net, NULL, NULL, 2, &o, &r, &err), 0);
	CU_ASSERT_FATAL(r.ok && r.n == 2);
	struct access_bits bits = access_bits_default(&a);
	struct access_layer_in in = mapper_layer_in(&net, NULL, 1, 2);
	struct mapper_opts mo = {OBJ_ENERGY, 1, false};
	struct access_layer_result alone;
	struct mapper_stats st = {0};
	CU_ASSERT_EQUAL_FATAL(mapper_search_layer(&a, &t, &bits, &in, ARCH_DF_RS, &mo, &alone, &st,
						  &err), 0);
	CU_ASSERT_EQUAL(memcmp(&alone.map, &r.layers[1].r.map, sizeof alone.map), 0);
	CU_ASSERT_EQUAL(alone.energy_total, r.layers[1].r.energy_total);
	CU_ASSERT_EQUAL(alone.cycles, r.layers[1].r.cycles);
	CU_ASSERT_EQUAL(r.layers[0].r.energy_total, r.layers[1].r.energy_total);
	CU_ASSERT_EQUAL(r.stats.evaluated, st.evaluated); /* one search, not two */
	net_result_deinit(&r);
	wl_network_deinit(&net);
}

static const struct test_case cases[] = {
	{"layers with the same shape and costs are searched once", test_repeated_layers},
	{"FC layers are CONV layers over their input map", test_fc_as_conv},
	{"mapper best <= 3000 sampled mappings, every dataflow", test_mapper_beats_samples},
	{"the DRAM bound returns the exhaustive answer", test_bound_is_exact},
	{"1 and 2 threads agree; infeasible layers are results", test_threads_and_infeasible},
	{"Eyeriss m n e p q r t become factors", test_rs_parameters},
	{"AlexNet totals, replay of saved mappings, Han 2015 weights", test_network_replay_and_totals},
	{"allocation failures give SIM_ERR_NOMEM", test_allocation_failures},
	{"gating, skipping, relative index, RLC, DRAM bandwidth, bitwidth", test_sparsity_effects},
};
TEST_SUITE(mapper_search, cases);
