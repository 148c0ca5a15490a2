/* Sparsity profiles (see sparsity.h): per-layer fraction of weights kept after
 * pruning, the granularity of the pruned groups (Mao et al., NIPS 2017: 0-D
 * single weights, 1-D kernel rows, 2-D kernels, 3-D filters; Scalpel, Yu et
 * al., ISCA 2017: SIMD-width groups and whole nodes) and the fraction of
 * nonzero input activations. Published profiles such as Han et al.'s
 * magnitude pruning (NIPS 2015) are per-layer weight densities, which this
 * file format records directly.
 *
 * A profile names its network, and every layer name it lists must be a CONV or
 * FC layer of that network; unlisted layers take the `default` block (dense
 * when absent). Densities lie in (0, 1]: a layer with every weight pruned
 * would disconnect the network. */
#include "workload/sparsity.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "cfg/cfg.h"
#include "core/mem.h"
#include "workload/network_edit.h"

const char *const wl_granularity_names[WL_GRAN_COUNT] = {"0d", "1d", "2d", "3d", "simd", "node"};
static_assert(WL_GRAN_COUNT == 6, "one name per granularity");

struct sp_top {
	char name[64];
	char network[64];
	const yaml_node_t *def;
	const yaml_node_t *layers;
};

static const struct cfg_field top_fields[] = {
	CFG_S(struct sp_top, name, "name", NULL, true, "profile name"),
	CFG_S(struct sp_top, network, "network", NULL, true, "name of the network it applies to"),
	CFG_N(struct sp_top, def, "default", CFG_MAP, false, "densities of unlisted layers"),
	CFG_N(struct sp_top, layers, "layers", CFG_MAP, true, "{layer name: {weight_density, ...}}"),
};

/* Densities are range-checked after decoding so that the message can state the
 * half-open interval (0, 1]. */
enum { S_WD, S_ID, S_GRAN, S_SIMD, S_COUNT };
static const struct cfg_field layer_fields[] = {
	[S_WD] = CFG_D(struct wl_layer_sparsity, weight_density, "weight_density", -1e300, 1e300,
		       NULL, false, "fraction of weights kept, (0, 1]"),
	[S_ID] = CFG_D(struct wl_layer_sparsity, ifmap_density, "ifmap_density", -1e300, 1e300,
		       NULL, false, "fraction of nonzero input activations, (0, 1]"),
	[S_GRAN] = CFG_E(struct wl_layer_sparsity, granularity, "granularity", wl_granularity_names,
			 WL_GRAN_COUNT, NULL, false, "0d | 1d | 2d | 3d | simd | node"),
	[S_SIMD] = CFG_U(struct wl_layer_sparsity, simd_width, "simd_width", 1, 1024, NULL, false,
			 "weights per group at granularity simd"),
};
static_assert(sizeof layer_fields / sizeof layer_fields[0] == S_COUNT, "one row per key");

/* Where each value of an entry came from, for errors found after decoding. */
struct entry_src {
	const yaml_node_t *node[S_COUNT];
};

/* Decodes one {weight_density, ifmap_density, granularity} map over *ls (which
 * holds the inherited values) and checks the densities. */
static int decode_entry(struct cfg_doc *doc, const yaml_node_t *map, struct wl_layer_sparsity *ls,
			struct entry_src *src, struct sim_err *err)
{
	uint64_t present;
	if (cfg_decode(doc, map, layer_fields, S_COUNT, ls, &present, err))
		return SIM_ERR_CONFIG;
	for (int f = 0; f < S_COUNT; f++)
		if (present & (UINT64_C(1) << f))
			src->node[f] = cfg_map_get(doc, map, layer_fields[f].key);
	/* A layer that overrides an inherited simd granularity drops its width too. */
	if ((present & (UINT64_C(1) << S_GRAN)) && !(present & (UINT64_C(1) << S_SIMD)) &&
	    ls->granularity != WL_GRAN_SIMD) {
		ls->simd_width = 0;
		src->node[S_SIMD] = NULL;
	}
	const double d[2] = {ls->weight_density, ls->ifmap_density};
	for (int f = S_WD; f <= S_ID; f++)
		if (!(d[f] > 0 && d[f] <= 1))
			return cfg_err_at(err, doc, src->node[f], "'%s' must be in (0, 1], got %s",
					  layer_fields[f].key, cfg_scalar(src->node[f]));
	return 0;
}

/* FC weights W[m][c] have no kernel, so the 2-D (kernel) group does not exist;
 * 0-D, 1-D (block along a row) and 3-D (whole row) do (REFERENCE section 7).
 * simd needs its group width and no other granularity takes one; node needs a
 * layer whose output channels can leave the network (network_edit.h). */
static int check_granularity(struct cfg_doc *doc, const struct wl_network *net, int li,
			     const struct wl_layer_sparsity *ls, const struct entry_src *src,
			     struct sim_err *err)
{
	const struct wl_layer *l = &net->layers[li];
	if (l->type == WL_FC && ls->granularity == WL_GRAN_2D)
		return cfg_err_at(err, doc, src->node[S_GRAN],
				  "granularity 2d (whole kernels) does not apply to fc layer '%s'; "
				  "use 0d, 1d or 3d", l->name);
	if (ls->granularity == WL_GRAN_SIMD && ls->simd_width == 0)
		return cfg_err_at(err, doc, src->node[S_GRAN],
				  "granularity simd needs 'simd_width' (layer '%s')", l->name);
	if (ls->granularity != WL_GRAN_SIMD && ls->simd_width != 0)
		return cfg_err_at(err, doc, src->node[S_SIMD],
				  "'simd_width' applies only to granularity simd (layer '%s' is %s)",
				  l->name, wl_granularity_names[ls->granularity]);
	char why[160];
	if (ls->granularity == WL_GRAN_NODE && !wl_node_prunable(net, li, why, sizeof why))
		return cfg_err_at(err, doc, src->node[S_GRAN], "granularity node: %s", why);
	return 0;
}

static int unknown_layer(struct cfg_doc *doc, const yaml_node_t *key,
			 const struct wl_network *net, struct sim_err *err)
{
	const char *s = cfg_scalar(key);
	int idx = wl_network_find(net, s);
	if (idx >= 0)
		return cfg_err_at(err, doc, key, "layer '%s' of %s is a %s layer, which has no weights",
				  s, net->name, wl_layer_type_names[net->layers[idx].type]);
	/* "Did you mean" looks at the first 256 weight layers; it is only a hint. */
	const char *names[256];
	int n = 0;
	for (int i = 0; i < net->n_layers && n < 256; i++)
		if (wl_layer_has_weights(&net->layers[i]))
			names[n++] = net->layers[i].name;
	int near = cfg_closest(s, names, n);
	if (near >= 0)
		return cfg_err_at(err, doc, key, "network %s has no layer '%s' (did you mean '%s'?)",
				  net->name, s, names[near]);
	return cfg_err_at(err, doc, key, "network %s has no layer '%s'", net->name, s);
}

/* Per-layer decoding state: where each value came from and which key listed it. */
struct layer_src {
	struct entry_src src;
	const yaml_node_t *key;
};

static int decode_layers(struct cfg_doc *doc, const yaml_node_t *map, struct wl_sparsity *s,
			 const struct wl_network *net, struct layer_src *ls, struct sim_err *err)
{
	for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top;
	     p++) {
		yaml_node_t *key = yaml_document_get_node(&doc->doc, p->key);
		yaml_node_t *val = yaml_document_get_node(&doc->doc, p->value);
		const char *name = cfg_scalar(key);
		if (!name)
			return cfg_err_at(err, doc, key, "layer names must be plain names");
		int idx = wl_network_find(net, name);
		if (idx < 0 || !wl_layer_has_weights(&net->layers[idx]))
			return unknown_layer(doc, key, net, err);
		if (ls[idx].key)
			return cfg_err_at(err, doc, key, "layer '%s' is listed twice (first at line %d)",
					  name, (int)ls[idx].key->start_mark.line + 1);
		ls[idx].key = key;
		if (decode_entry(doc, val, &s->layers[idx], &ls[idx].src, err))
			return SIM_ERR_CONFIG;
	}
	for (int i = 0; i < net->n_layers; i++)
		if (wl_layer_has_weights(&net->layers[i]) &&
		    check_granularity(doc, net, i, &s->layers[i], &ls[i].src, err))
			return SIM_ERR_CONFIG;
	return 0;
}

/* What decode_profile fills, and from which network. */
struct sp_ctx {
	struct wl_sparsity *s;
	const struct wl_network *net;
};

static int decode_profile(struct cfg_doc *doc, void *ctx, struct sim_err *err)
{
	struct wl_sparsity *s = ((struct sp_ctx *)ctx)->s;
	const struct wl_network *net = ((struct sp_ctx *)ctx)->net;
	struct sp_top top;
	memset(&top, 0, sizeof top);
	const yaml_node_t *root = cfg_doc_root(doc);
	if (cfg_decode(doc, root, top_fields, sizeof top_fields / sizeof top_fields[0], &top, NULL,
		       err))
		return SIM_ERR_CONFIG;
	memcpy(s->name, top.name, sizeof s->name);
	if (strcmp(top.network, net->name) != 0)
		return cfg_err_at(err, doc, cfg_map_get(doc, root, "network"),
				  "profile is for network '%s', but the network is '%s'", top.network,
				  net->name);
	struct wl_layer_sparsity def = {1.0, 1.0, WL_GRAN_0D, 0};
	struct entry_src def_src;
	memset(&def_src, 0, sizeof def_src);
	if (top.def && decode_entry(doc, top.def, &def, &def_src, err))
		return SIM_ERR_CONFIG;

	s->layers = sim_calloc((size_t)net->n_layers, sizeof *s->layers, err);
	struct layer_src *ls = sim_calloc((size_t)net->n_layers, sizeof *ls, err);
	if (!s->layers || !ls) {
		free(ls);
		return SIM_ERR_NOMEM;
	}
	s->n_layers = net->n_layers;
	for (int i = 0; i < net->n_layers; i++) {
		s->layers[i] = def;
		ls[i].src = def_src;
	}
	int rc = decode_layers(doc, top.layers, s, net, ls, err);
	free(ls);
	return rc;
}

static int load(struct wl_sparsity *s, const struct wl_network *net, const char *path,
		const char *text, struct sim_err *err)
{
	memset(s, 0, sizeof *s);
	struct sp_ctx ctx = {s, net};
	int rc = cfg_doc_decode(path, text, decode_profile, &ctx, err);
	if (rc)
		wl_sparsity_deinit(s);
	return rc;
}

int wl_sparsity_load(struct wl_sparsity *s, const struct wl_network *net, const char *path,
		     struct sim_err *err)
{
	return load(s, net, path, NULL, err);
}

int wl_sparsity_load_string(struct wl_sparsity *s, const struct wl_network *net,
			    const char *name, const char *text, struct sim_err *err)
{
	return load(s, net, name, text, err);
}

int wl_sparsity_dense(struct wl_sparsity *s, const struct wl_network *net, struct sim_err *err)
{
	memset(s, 0, sizeof *s);
	snprintf(s->name, sizeof s->name, "dense");
	s->layers = sim_calloc((size_t)net->n_layers, sizeof *s->layers, err);
	if (!s->layers)
		return SIM_ERR_NOMEM;
	s->n_layers = net->n_layers;
	for (int i = 0; i < net->n_layers; i++)
		s->layers[i] = (struct wl_layer_sparsity){1.0, 1.0, WL_GRAN_0D, 0};
	return 0;
}

void wl_sparsity_deinit(struct wl_sparsity *s)
{
	free(s->layers);
	s->layers = NULL;
	s->n_layers = 0;
}

double wl_sparsity_weight_density(const struct wl_sparsity *s, const struct wl_network *net)
{
	assert(s->n_layers == net->n_layers);
	double kept = 0, all = 0;
	for (int i = 0; i < net->n_layers; i++) {
		double w = (double)wl_layer_weights(&net->layers[i]);
		kept += w * s->layers[i].weight_density;
		all += w;
	}
	return all > 0 ? kept / all : 1.0;
}

static const struct cfg_section sparsity_sections[] = {
	CFG_SECTION("", top_fields, NULL),
	CFG_SECTION("default", layer_fields, NULL),
	CFG_SECTION("layers.<layer name>", layer_fields,
		    "Every value defaults to dense (`weight_density: 1`, `ifmap_density: 1`, "
		    "`granularity: 0d`); `default` overrides that for every layer, a layer's "
		    "entry overrides `default` key by key. Densities lie in (0, 1]. Keys of "
		    "`layers` must name CONV/FC layers of the network, once each; `2d` does not "
		    "exist for an FC layer."),
};
const struct cfg_schema wl_sparsity_schema =
	CFG_SCHEMA("sparsity", "Sparsity profile (`configs/sparsity/*.yaml`, `--sparsity`)", sparsity_sections);
