/* Mapping files (see mapping_file.h). Schema:
 *
 *   dataflow: rs                 # must be the run's dataflow
 *   batch: 16                    # optional; checked against the run
 *   layers:
 *     - layer: conv1
 *       rs: {m: 96, n: 1, e: 11, p: 6, q: 3, r: 1, t: 2}   # RS only
 *     - layer: fc6
 *       factors: {glb: {N: 16}, rows: {C: 16}, cols: {M: 16}, rf: {M: 64, C: 2}}
 *       orders: {dram: NMCEFRS, glb: NMCERSF}             # outermost first
 *
 * `factors` gives each level's loop factors (absent dims are 1); the DRAM
 * level takes what the others leave unless it is given too: with the array
 * tile T = rows x cols x rf of a dimension of size X, DRAM x GLB = ceil(X / T)
 * (the last tile may be partial, see access/mapping.h). `rs` uses the
 * mapping parameters of the Eyeriss chip (JSSC 2017 Table III): a PE runs p
 * filters x q channels of one filter row; a PE set is R rows x e columns
 * (e ofmap rows); r sets work on different channels (down the array) and t
 * sets on different filters (across); the GLB holds m ofmap channels (a
 * multiple of p t) and n images. Two optional keys complete the GLB tile:
 * c channels (a multiple of q r, default q r) and strips (ofmap row strips of
 * e rows, default 1; e need not divide E, the last strip may be shorter). F is the sliding loop in the GLB and S stays in the RF;
 * the rest of every dimension goes to DRAM loops. */
#include "mapper/mapping_file.h"

#include <assert.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "cfg/cfg.h"
#include "core/mem.h"

struct top_raw {
	int dataflow;
	uint32_t batch;
	const yaml_node_t *layers;
};
static const struct cfg_field top_fields[] = {
	CFG_E(struct top_raw, dataflow, "dataflow", arch_dataflow_names, ARCH_DF_COUNT, NULL, true,
	      "rs, ws, os or nlr"),
	CFG_U(struct top_raw, batch, "batch", 0, 1 << 20, "0", false, "batch the file was made for"),
	CFG_N(struct top_raw, layers, "layers", CFG_SEQ, true, "list of per-layer mappings"),
};

struct layer_raw {
	char layer[WL_NAME_MAX];
	const yaml_node_t *rs, *factors, *orders;
};
static const struct cfg_field layer_fields[] = {
	CFG_S(struct layer_raw, layer, "layer", NULL, true, "layer name"),
	CFG_N(struct layer_raw, rs, "rs", CFG_MAP, false, "Eyeriss parameters m n e p q r t"),
	CFG_N(struct layer_raw, factors, "factors", CFG_MAP, false, "loop factors per level"),
	CFG_N(struct layer_raw, orders, "orders", CFG_MAP, false, "{dram, glb} loop orders"),
};

struct dims_raw {
	uint32_t f[DIM_COUNT];
};
#define DIM_FIELD(d, name) \
	CFG_U(struct dims_raw, f[d], name, 1, 1 << 24, "1", false, "factor of this dimension")
static const struct cfg_field dims_fields[] = {
	DIM_FIELD(DIM_N, "N"), DIM_FIELD(DIM_M, "M"), DIM_FIELD(DIM_C, "C"), DIM_FIELD(DIM_E, "E"),
	DIM_FIELD(DIM_F, "F"), DIM_FIELD(DIM_R, "R"), DIM_FIELD(DIM_S, "S"),
};

struct levels_raw {
	const yaml_node_t *lv[LV_COUNT];
};
static const struct cfg_field levels_fields[] = {
	CFG_N(struct levels_raw, lv[LV_DRAM], "dram", CFG_MAP, false, "DRAM loops (temporal)"),
	CFG_N(struct levels_raw, lv[LV_GLB], "glb", CFG_MAP, false, "GLB loops (temporal)"),
	CFG_N(struct levels_raw, lv[LV_ROW], "rows", CFG_MAP, false, "down the PE array (spatial)"),
	CFG_N(struct levels_raw, lv[LV_COL], "cols", CFG_MAP, false, "across the PE array (spatial)"),
	CFG_N(struct levels_raw, lv[LV_RF], "rf", CFG_MAP, false, "loops inside a PE (temporal)"),
};

struct orders_raw {
	char o[2][16];
};
static const struct cfg_field orders_fields[] = {
	CFG_S(struct orders_raw, o[0], "dram", "NMCEFRS", false, "DRAM loops, outermost first"),
	CFG_S(struct orders_raw, o[1], "glb", "NMCERSF", false, "GLB loops, outermost first"),
};

struct rs_raw {
	uint32_t m, n, e, p, q, r, t, c, strips;
};
#define RS_FIELD(x, hlp) CFG_U(struct rs_raw, x, #x, 1, 1 << 24, NULL, true, hlp)
enum { RS_M, RS_N, RS_E, RS_P, RS_Q, RS_R, RS_T, RS_C, RS_STRIPS, RS_COUNT };
static const struct cfg_field rs_fields[] = {
	[RS_M] = RS_FIELD(m, "ofmap channels in the GLB"),
	[RS_N] = RS_FIELD(n, "images in the GLB"),
	[RS_E] = RS_FIELD(e, "PE set width (ofmap rows)"),
	[RS_P] = RS_FIELD(p, "filters per PE"),
	[RS_Q] = RS_FIELD(q, "channels per PE"),
	[RS_R] = RS_FIELD(r, "PE sets on different channels"),
	[RS_T] = RS_FIELD(t, "PE sets on different filters"),
	[RS_C] = CFG_U(struct rs_raw, c, "c", 0, 1 << 24, "0", false, "channels in the GLB"),
	[RS_STRIPS] = CFG_U(struct rs_raw, strips, "strips", 1, 1 << 24, "1", false,
			    "e-row strips in the GLB"),
};
static_assert(sizeof rs_fields / sizeof rs_fields[0] == RS_COUNT, "one row per key");

static int parse_order(struct cfg_doc *doc, const yaml_node_t *node, const char *s, uint8_t *out,
		       struct sim_err *err)
{
	unsigned seen = 0;
	size_t len = strlen(s);
	for (size_t i = 0; i < len && i < DIM_COUNT; i++) {
		const char *p = strchr("NMCEFRS", s[i]);
		if (!p || s[i] == '\0' || (seen & (1u << (p - "NMCEFRS"))))
			break;
		seen |= 1u << (p - "NMCEFRS");
		out[i] = (uint8_t)(p - "NMCEFRS");
	}
	if (len != DIM_COUNT || seen != (1u << DIM_COUNT) - 1)
		return cfg_err_at(err, doc, node,
				  "a loop order is the 7 letters NMCEFRS in some order, got '%s'", s);
	return 0;
}

/* RS parameters -> factors; divisibility errors point at the key. */
static int rs_factors(struct cfg_doc *doc, const yaml_node_t *node, const struct map_layer *l,
		      struct mapping *m, struct sim_err *err)
{
	struct rs_raw p;
	memset(&p, 0, sizeof p);
	if (cfg_decode(doc, node, rs_fields, RS_COUNT, &p, NULL, err))
		return SIM_ERR_CONFIG;
	if (p.c == 0)
		p.c = p.q * p.r;
	const struct {
		int key;
		uint64_t part, whole;
		const char *what;
	} checks[] = {
		{RS_M, (uint64_t)p.p * p.t, p.m, "p x t must divide m"},
		{RS_M, p.m, l->size[DIM_M], "m must divide the layer's M"},
		{RS_N, p.n, l->size[DIM_N], "n must divide the batch"},
		{RS_C, (uint64_t)p.q * p.r, p.c, "q x r must divide c"},
		{RS_C, p.c, l->size[DIM_C], "c must divide the layer's C"},
		{RS_STRIPS, p.strips, ((uint64_t)l->size[DIM_E] + p.e - 1) / p.e,
		 "strips must divide the e-row strips of the layer's E, ceil(E / e)"},
	};
	for (size_t i = 0; i < sizeof checks / sizeof checks[0]; i++) {
		if (checks[i].whole % checks[i].part == 0)
			continue;
		const yaml_node_t *at = cfg_map_get(doc, node, rs_fields[checks[i].key].key);
		return cfg_err_at(err, doc, at ? at : node, "%s (%llu vs %llu)", checks[i].what,
				  (unsigned long long)checks[i].part,
				  (unsigned long long)checks[i].whole);
	}
	const uint32_t *sz = l->size;
	m->factor[LV_RF][DIM_M] = p.p;
	m->factor[LV_COL][DIM_M] = p.t;
	m->factor[LV_GLB][DIM_M] = p.m / (p.p * p.t);
	m->factor[LV_DRAM][DIM_M] = sz[DIM_M] / p.m;
	m->factor[LV_RF][DIM_C] = p.q;
	m->factor[LV_ROW][DIM_C] = p.r;
	m->factor[LV_GLB][DIM_C] = p.c / (p.q * p.r);
	m->factor[LV_DRAM][DIM_C] = sz[DIM_C] / p.c;
	m->factor[LV_GLB][DIM_N] = p.n;
	m->factor[LV_DRAM][DIM_N] = sz[DIM_N] / p.n;
	m->factor[LV_COL][DIM_E] = p.e;
	m->factor[LV_GLB][DIM_E] = p.strips;
	m->factor[LV_DRAM][DIM_E] = (sz[DIM_E] + p.e - 1) / p.e / p.strips;
	m->factor[LV_ROW][DIM_R] = sz[DIM_R];
	m->factor[LV_RF][DIM_S] = sz[DIM_S];
	m->factor[LV_GLB][DIM_F] = sz[DIM_F];
	return 0;
}

static int generic_factors(struct cfg_doc *doc, const yaml_node_t *node,
			   const struct map_layer *l, struct mapping *m, struct sim_err *err)
{
	struct levels_raw lv;
	memset(&lv, 0, sizeof lv);
	if (cfg_decode(doc, node, levels_fields, LV_COUNT, &lv, NULL, err))
		return SIM_ERR_CONFIG;
	for (int k = 0; k < LV_COUNT; k++) {
		struct dims_raw d;
		if (!lv.lv[k]) {
			for (int i = 0; i < DIM_COUNT; i++)
				m->factor[k][i] = 1;
			continue;
		}
		if (cfg_decode(doc, lv.lv[k], dims_fields, DIM_COUNT, &d, NULL, err))
			return SIM_ERR_CONFIG;
		memcpy(m->factor[k], d.f, sizeof d.f);
	}
	if (!lv.lv[LV_DRAM]) {
		/* the DRAM loop counts the GLB steps the GLB loop leaves: with an
		 * array tile T, ceil(X / T) array steps in all */
		for (int i = 0; i < DIM_COUNT; i++) {
			uint64_t t = 1;
			for (int k = LV_ROW; k < LV_COUNT; k++)
				t *= m->factor[k][i];
			uint64_t q = (l->size[i] + t - 1) / t;
			if (q % m->factor[LV_GLB][i])
				return cfg_err_at(err, doc, node,
						  "the glb factor %u of %s does not divide its %llu "
						  "array steps (ceil(%u / %llu))", m->factor[LV_GLB][i],
						  map_dim_names[i], (unsigned long long)q, l->size[i],
						  (unsigned long long)t);
			m->factor[LV_DRAM][i] = (uint32_t)(q / m->factor[LV_GLB][i]);
		}
	}
	return 0;
}

static int load_layer(struct cfg_doc *doc, const yaml_node_t *node, struct mapper_fixed *f,
		      const struct wl_network *net, uint32_t batch, enum arch_dataflow df,
		      struct sim_err *err)
{
	struct layer_raw raw;
	memset(&raw, 0, sizeof raw);
	if (cfg_decode(doc, node, layer_fields, sizeof layer_fields / sizeof layer_fields[0], &raw,
		       NULL, err))
		return SIM_ERR_CONFIG;
	const yaml_node_t *name_node = cfg_map_get(doc, node, "layer");
	int li = wl_network_find(net, raw.layer);
	if (li < 0 || !wl_layer_has_weights(&net->layers[li]))
		return cfg_err_at(err, doc, name_node, "'%s' is not a CONV or FC layer of %s",
				  raw.layer, net->name);
	if (f->given[li])
		return cfg_err_at(err, doc, name_node, "layer '%s' is mapped twice", raw.layer);
	if (!!raw.rs == !!raw.factors)
		return cfg_err_at(err, doc, node, "give exactly one of 'rs' and 'factors'");
	if (raw.rs && df != ARCH_DF_RS)
		return cfg_err_at(err, doc, raw.rs, "'rs' parameters need the rs dataflow");
	struct map_layer l = map_layer_from(&net->layers[li], batch);
	struct mapping *m = &f->map[li];
	mapping_init(m, df);
	int rc = raw.rs ? rs_factors(doc, raw.rs, &l, m, err)
			: generic_factors(doc, raw.factors, &l, m, err);
	if (rc)
		return rc;
	struct orders_raw o;
	memset(&o, 0, sizeof o);
	if (raw.orders) {
		if (cfg_decode(doc, raw.orders, orders_fields, 2, &o, NULL, err))
			return SIM_ERR_CONFIG;
	} else {
		strcpy(o.o[0], "NMCEFRS");
		strcpy(o.o[1], "NMCERSF");
	}
	for (int k = 0; k < 2; k++) {
		const yaml_node_t *at = raw.orders ? cfg_map_get(doc, raw.orders, k ? "glb" : "dram")
						   : NULL;
		if (parse_order(doc, at ? at : node, o.o[k], m->order[k], err))
			return SIM_ERR_CONFIG;
	}
	char why[192];
	if (!mapping_is_legal(m, &l, why, sizeof why))
		return cfg_err_at(err, doc, node, "mapping of %s: %s", raw.layer, why);
	f->given[li] = true;
	return 0;
}

static int load_doc(struct mapper_fixed *f, struct cfg_doc *doc, const struct wl_network *net,
		    uint32_t batch, enum arch_dataflow df, struct sim_err *err)
{
	memset(f, 0, sizeof *f);
	const yaml_node_t *root = cfg_doc_root(doc);
	struct top_raw top;
	memset(&top, 0, sizeof top);
	if (cfg_decode(doc, root, top_fields, sizeof top_fields / sizeof top_fields[0], &top, NULL,
		       err))
		return SIM_ERR_CONFIG;
	if (top.dataflow != (int)df)
		return cfg_err_at(err, doc, cfg_map_get(doc, root, "dataflow"),
				  "mappings are for %s but the run uses %s",
				  arch_dataflow_names[top.dataflow], arch_dataflow_names[df]);
	if (top.batch != 0 && top.batch != batch)
		return cfg_err_at(err, doc, cfg_map_get(doc, root, "batch"),
				  "mappings are for batch %u but the run uses %u", top.batch, batch);
	int rc = SIM_ERR_NOMEM;
	f->n_layers = net->n_layers;
	f->given = sim_calloc((size_t)net->n_layers, sizeof *f->given, err);
	f->map = sim_calloc((size_t)net->n_layers, sizeof *f->map, err);
	if (!f->given || !f->map)
		goto fail;
	for (size_t i = 0; i < cfg_seq_len(top.layers); i++) {
		rc = load_layer(doc, cfg_seq_item(doc, top.layers, i), f, net, batch, df, err);
		if (rc)
			goto fail;
	}
	return 0;
fail:
	mapper_fixed_deinit(f);
	return rc;
}

int mapper_fixed_load(struct mapper_fixed *f, const char *path, const struct wl_network *net,
		      uint32_t batch, enum arch_dataflow df, struct sim_err *err)
{
	struct cfg_doc doc;
	memset(f, 0, sizeof *f);
	if (cfg_doc_load(&doc, path, err))
		return err->code;
	int rc = load_doc(f, &doc, net, batch, df, err);
	cfg_doc_deinit(&doc);
	return rc;
}

int mapper_fixed_load_string(struct mapper_fixed *f, const char *name, const char *text,
			     const struct wl_network *net, uint32_t batch, enum arch_dataflow df,
			     struct sim_err *err)
{
	struct cfg_doc doc;
	memset(f, 0, sizeof *f);
	if (cfg_doc_load_string(&doc, name, text, err))
		return err->code;
	int rc = load_doc(f, &doc, net, batch, df, err);
	cfg_doc_deinit(&doc);
	return rc;
}

void mapper_fixed_deinit(struct mapper_fixed *f)
{
	free(f->given);
	free(f->map);
	memset(f, 0, sizeof *f);
}

void mapper_fixed_write(FILE *out, const struct net_result *r, const struct wl_network *net)
{
	if (r->n == 0)
		return;
	fprintf(out, "# esim mappings: replay with esim energy --mapping FILE\n");
	fprintf(out, "dataflow: %s\nbatch: %u\nlayers:\n",
		arch_dataflow_names[r->layers[0].r.map.dataflow], r->batch);
	for (int i = 0; i < r->n; i++) {
		const struct net_layer_result *lr = &r->layers[i];
		if (!lr->r.ok)
			continue;
		const struct mapping *m = &lr->r.map;
		fprintf(out, "  - layer: %s\n    factors:\n", net->layers[lr->layer].name);
		for (int lv = 0; lv < LV_COUNT; lv++) {
			fprintf(out, "      %s: {", map_level_names[lv]);
			bool first = true;
			for (int d = 0; d < DIM_COUNT; d++) {
				if (m->factor[lv][d] == 1)
					continue;
				fprintf(out, "%s%s: %u", first ? "" : ", ", map_dim_names[d],
					m->factor[lv][d]);
				first = false;
			}
			fprintf(out, "}\n");
		}
		fprintf(out, "    orders: {dram: ");
		for (int k = 0; k < 2; k++) {
			for (int i2 = 0; i2 < DIM_COUNT; i2++)
				fputs(map_dim_names[m->order[k][i2]], out);
			fputs(k == 0 ? ", glb: " : "}\n", out);
		}
	}
}

static const struct cfg_section mapping_sections[] = {
	CFG_SECTION("", top_fields, "`batch` 0 means any; otherwise it must equal `--batch`."),
	CFG_SECTION("layers[]", layer_fields,
		    "A layer gives `rs` (row-stationary only) or `factors` (with optional "
		    "`orders`), not both; layers not listed are searched."),
	CFG_SECTION("layers[].rs", rs_fields,
		    "Eyeriss chip parameters (JSSC 2017, Table III): a PE runs p filters x q "
		    "channels of one filter row; a PE set is R rows x e columns; r sets work on "
		    "different channels, t on different filters; the GLB holds m output channels "
		    "(a multiple of p t) of n images, c channels (a multiple of q r; 0 = q r) and "
		    "`strips` strips of e rows. Everything else runs in DRAM loops."),
	CFG_SECTION("layers[].factors", levels_fields,
		    "Each level maps dimension letters to factors; absent factors are 1 and "
		    "`dram` takes what is left. The product of a dimension's factors must be its "
		    "size, and each dataflow allows only some levels per dimension."),
	CFG_SECTION("layers[].factors.<level>", dims_fields, NULL),
	CFG_SECTION("layers[].orders", orders_fields,
		    "A permutation of NMCEFRS, outermost loop first."),
};
const struct cfg_schema mapper_fixed_schema =
	CFG_SCHEMA("mapping", "Mapping file (`esim energy --mapping`, `--save-mapping`)",
		   mapping_sections);
