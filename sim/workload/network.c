/* Network description loading and shape inference (see network.h).
 * Output sizes follow the usual floor rule: E = (H + 2P - R) / U + 1. */
#include "workload/network.h"

#include <assert.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "cfg/cfg.h"
#include "core/mem.h"

const char *const wl_layer_type_names[WL_LAYER_TYPE_COUNT] = {
	"conv", "fc", "maxpool", "avgpool", "relu", "concat", "add",
};
static_assert(WL_LAYER_TYPE_COUNT == 7, "one name per layer type");

struct net_top {
	char name[64];
	const yaml_node_t *input;
	const yaml_node_t *layers;
};

static const struct cfg_field top_fields[] = {
	CFG_S(struct net_top, name, "name", NULL, true, "network name"),
	CFG_N(struct net_top, input, "input", CFG_MAP, true, "{channels, height, width}"),
	CFG_N(struct net_top, layers, "layers", CFG_SEQ, true, "list of layers"),
};

static const struct cfg_field input_fields[] = {
	CFG_U(struct wl_tensor_shape, c, "channels", 1, 1 << 20, NULL, true, "input channels"),
	CFG_U(struct wl_tensor_shape, h, "height", 1, 1 << 20, NULL, true, "input rows (pixels)"),
	CFG_U(struct wl_tensor_shape, w, "width", 1, 1 << 20, NULL, true, "input columns (pixels)"),
};

struct layer_raw {
	char name[WL_NAME_MAX];
	int type;
	const yaml_node_t *from;
	uint32_t out_channels, out_features, kernel, stride, padding, groups;
	bool bias;
};

/* Which keys apply to which layer types; a key given for a type it does not
 * apply to is an error rather than being ignored. */
enum { F_NAME, F_TYPE, F_FROM, F_OUTC, F_OUTF, F_KERNEL, F_STRIDE, F_PAD, F_GROUPS, F_BIAS,
       F_COUNT };
static const struct cfg_field layer_fields[] = {
	[F_NAME] = CFG_S(struct layer_raw, name, "name", NULL, true, "layer name"),
	[F_TYPE] = CFG_E(struct layer_raw, type, "type", wl_layer_type_names, WL_LAYER_TYPE_COUNT,
			 NULL, true, "layer type"),
	[F_FROM] = CFG_N(struct layer_raw, from, "from", CFG_ANY, false,
			 "input layer name(s); default: the previous layer"),
	[F_OUTC] = CFG_U(struct layer_raw, out_channels, "out_channels", 1, 1 << 20, NULL, false,
			 "conv output channels (all groups)"),
	[F_OUTF] = CFG_U(struct layer_raw, out_features, "out_features", 1, 1 << 24, NULL, false,
			 "fc outputs"),
	[F_KERNEL] = CFG_U(struct layer_raw, kernel, "kernel", 1, 1024, NULL, false, "square kernel side"),
	[F_STRIDE] = CFG_U(struct layer_raw, stride, "stride", 1, 1024, "1", false,
			   "step of the window (pixels)"),
	[F_PAD] = CFG_U(struct layer_raw, padding, "padding", 0, 1024, "0", false,
			"zero rows and columns added on each side"),
	[F_GROUPS] = CFG_U(struct layer_raw, groups, "groups", 1, 1 << 20, "1", false,
			   "conv groups (channels split evenly)"),
	[F_BIAS] = CFG_B(struct layer_raw, bias, "bias", "true", false, "one bias per output"),
};
static_assert(sizeof layer_fields / sizeof layer_fields[0] == F_COUNT, "one row per key");

#define BIT(f) (UINT64_C(1) << (f))
static const uint64_t allowed[WL_LAYER_TYPE_COUNT] = {
	[WL_CONV] = BIT(F_OUTC) | BIT(F_KERNEL) | BIT(F_STRIDE) | BIT(F_PAD) | BIT(F_GROUPS) | BIT(F_BIAS),
	[WL_FC] = BIT(F_OUTF) | BIT(F_BIAS),
	[WL_MAXPOOL] = BIT(F_KERNEL) | BIT(F_STRIDE) | BIT(F_PAD),
	[WL_AVGPOOL] = BIT(F_KERNEL) | BIT(F_STRIDE) | BIT(F_PAD),
	[WL_RELU] = 0,
	[WL_CONCAT] = 0,
	[WL_ADD] = 0,
};
static const uint64_t needed[WL_LAYER_TYPE_COUNT] = {
	[WL_CONV] = BIT(F_OUTC) | BIT(F_KERNEL),
	[WL_FC] = BIT(F_OUTF),
	[WL_MAXPOOL] = BIT(F_KERNEL),
	[WL_AVGPOOL] = BIT(F_KERNEL),
};

static const struct wl_tensor_shape *producer_shape(const struct wl_network *net, int idx)
{
	return idx == WL_INPUT ? &net->input : &net->layers[idx].out;
}

static int resolve_from(struct cfg_doc *doc, struct wl_network *net, int li,
			const yaml_node_t *from, struct wl_layer *l, struct sim_err *err)
{
	if (!from) {
		l->from[0] = li == 0 ? WL_INPUT : li - 1;
		l->n_from = 1;
		return 0;
	}
	size_t n = cfg_is_seq(from) ? cfg_seq_len(from) : 1;
	if (!cfg_is_seq(from) && !cfg_is_scalar(from))
		return cfg_err_at(err, doc, from, "'from' must be a layer name or a list of names");
	if (n == 0 || n > WL_MAX_INPUTS)
		return cfg_err_at(err, doc, from, "'from' must name 1 to %d layers", WL_MAX_INPUTS);
	for (size_t i = 0; i < n; i++) {
		const yaml_node_t *item = cfg_is_seq(from) ? cfg_seq_item(doc, from, i) : from;
		const char *s = cfg_scalar(item);
		if (!s)
			return cfg_err_at(err, doc, item, "'from' entries must be layer names");
		int idx = strcmp(s, "input") == 0 ? WL_INPUT : -2;
		for (int j = 0; j < li && idx == -2; j++)
			if (strcmp(net->layers[j].name, s) == 0)
				idx = j;
		if (idx == -2)
			return cfg_err_at(err, doc, item, "'from' names '%s', which is not an earlier layer",
					  s);
		l->from[i] = idx;
	}
	l->n_from = (int)n;
	return 0;
}

static uint32_t out_size(uint32_t in, uint32_t pad, uint32_t k, uint32_t stride)
{
	return (in + 2 * pad - k) / stride + 1;
}

/* Infers the output shape of layer l; errors point at the layer. */
static int infer_shape(struct cfg_doc *doc, const yaml_node_t *node, struct wl_network *net,
		       struct wl_layer *l, const struct layer_raw *raw, struct sim_err *err)
{
	l->in = *producer_shape(net, l->from[0]);
	if (l->type != WL_CONCAT && l->type != WL_ADD && l->n_from != 1)
		return cfg_err_at(err, doc, node, "a %s layer takes exactly one input",
				  wl_layer_type_names[l->type]);
	switch (l->type) {
	case WL_CONV:
	case WL_MAXPOOL:
	case WL_AVGPOOL:
		if (l->in.h + 2 * l->padding < l->kernel || l->in.w + 2 * l->padding < l->kernel)
			return cfg_err_at(err, doc, node,
					  "kernel %u is larger than the padded input %ux%u",
					  l->kernel, l->in.h + 2 * l->padding, l->in.w + 2 * l->padding);
		if (l->type == WL_CONV) {
			if (l->in.c % l->groups || raw->out_channels % l->groups)
				return cfg_err_at(err, doc, node,
						  "groups (%u) must divide input channels (%u) and "
						  "out_channels (%u)", l->groups, l->in.c, raw->out_channels);
			l->out.c = raw->out_channels;
		} else {
			l->out.c = l->in.c;
		}
		l->out.h = out_size(l->in.h, l->padding, l->kernel, l->stride);
		l->out.w = out_size(l->in.w, l->padding, l->kernel, l->stride);
		return 0;
	case WL_FC:
		l->out = (struct wl_tensor_shape){raw->out_features, 1, 1};
		return 0;
	case WL_RELU:
		l->out = l->in;
		return 0;
	case WL_CONCAT:
	case WL_ADD:
		if (l->n_from < 2)
			return cfg_err_at(err, doc, node, "a %s layer needs at least two inputs in 'from'",
					  wl_layer_type_names[l->type]);
		l->out = l->in;
		for (int i = 1; i < l->n_from; i++) {
			const struct wl_tensor_shape *s = producer_shape(net, l->from[i]);
			if (s->h != l->in.h || s->w != l->in.w ||
			    (l->type == WL_ADD && s->c != l->in.c))
				return cfg_err_at(err, doc, node,
						  "inputs of %s %s layer must have the same %s "
						  "(%ux%ux%u vs %ux%ux%u)", l->type == WL_ADD ? "an" : "a", wl_layer_type_names[l->type],
						  l->type == WL_ADD ? "shape" : "height and width",
						  l->in.c, l->in.h, l->in.w, s->c, s->h, s->w);
			if (l->type == WL_CONCAT)
				l->out.c += s->c;
		}
		return 0;
	case WL_LAYER_TYPE_COUNT:
		break;
	}
	assert(!"bad layer type");
	return SIM_ERR_INTERNAL;
}

static int decode_layer(struct cfg_doc *doc, const yaml_node_t *node, struct wl_network *net,
			int li, struct sim_err *err)
{
	struct layer_raw raw;
	memset(&raw, 0, sizeof raw);
	uint64_t present;
	if (cfg_decode(doc, node, layer_fields, F_COUNT, &raw, &present, err))
		return SIM_ERR_CONFIG;
	struct wl_layer *l = &net->layers[li];
	memset(l, 0, sizeof *l);
	memcpy(l->name, raw.name, sizeof l->name);
	l->type = (enum wl_layer_type)raw.type;
	l->line = (int)node->start_mark.line + 1;
	l->col = (int)node->start_mark.column + 1;
	uint64_t own = present & ~(BIT(F_NAME) | BIT(F_TYPE) | BIT(F_FROM));
	for (int f = 0; f < F_COUNT; f++) {
		if ((own & BIT(f)) && !(allowed[l->type] & BIT(f)))
			return cfg_err_at(err, doc, cfg_map_get(doc, node, layer_fields[f].key),
					  "'%s' does not apply to a %s layer", layer_fields[f].key,
					  wl_layer_type_names[l->type]);
		if ((needed[l->type] & BIT(f)) && !(present & BIT(f)))
			return cfg_err_at(err, doc, node, "a %s layer needs '%s'",
					  wl_layer_type_names[l->type], layer_fields[f].key);
	}
	for (int j = 0; j < li; j++)
		if (strcmp(net->layers[j].name, l->name) == 0)
			return cfg_err_at(err, doc, cfg_map_get(doc, node, "name"),
					  "duplicate layer name '%s' (first at line %d)", l->name,
					  net->layers[j].line);
	if (strcmp(l->name, "input") == 0)
		return cfg_err_at(err, doc, node, "'input' is reserved for the network input");
	l->kernel = raw.kernel;
	/* Pools default to non-overlapping windows (stride = kernel), as in Caffe/PyTorch. */
	l->stride = (l->type == WL_MAXPOOL || l->type == WL_AVGPOOL) && !(present & BIT(F_STRIDE))
			    ? raw.kernel : raw.stride;
	l->padding = raw.padding;
	l->groups = raw.groups;
	l->bias = (l->type == WL_CONV || l->type == WL_FC) && raw.bias;
	if (resolve_from(doc, net, li, raw.from, l, err))
		return SIM_ERR_CONFIG;
	return infer_shape(doc, node, net, l, &raw, err);
}

static int decode_network(struct cfg_doc *doc, struct wl_network *net, struct sim_err *err)
{
	struct net_top top;
	memset(&top, 0, sizeof top);
	if (cfg_decode(doc, cfg_doc_root(doc), top_fields, 3, &top, NULL, err))
		return SIM_ERR_CONFIG;
	memcpy(net->name, top.name, sizeof net->name);
	if (cfg_decode(doc, top.input, input_fields, 3, &net->input, NULL, err))
		return SIM_ERR_CONFIG;
	size_t n = cfg_seq_len(top.layers);
	if (n == 0)
		return cfg_err_at(err, doc, top.layers, "a network needs at least one layer");
	net->layers = sim_calloc(n, sizeof *net->layers, err);
	if (!net->layers)
		return SIM_ERR_NOMEM;
	net->n_layers = (int)n;
	for (size_t i = 0; i < n; i++)
		if (decode_layer(doc, cfg_seq_item(doc, top.layers, i), net, (int)i, err))
			return SIM_ERR_CONFIG;
	return 0;
}

/* cfg_doc_decode callback: decodes, and releases a half-built network on error. */
static int decode_cb(struct cfg_doc *doc, void *ctx, struct sim_err *err)
{
	struct wl_network *net = ctx;
	int rc = decode_network(doc, net, err);
	if (rc)
		wl_network_deinit(net);
	return rc;
}

int wl_network_load(struct wl_network *net, const char *path, struct sim_err *err)
{
	return wl_network_load_string(net, path, NULL, err);
}

int wl_network_load_string(struct wl_network *net, const char *name, const char *text,
			   struct sim_err *err)
{
	memset(net, 0, sizeof *net);
	snprintf(net->path, sizeof net->path, "%s", name);
	return cfg_doc_decode(name, text, decode_cb, net, err);
}

void wl_network_deinit(struct wl_network *net)
{
	free(net->layers);
	net->layers = NULL;
	net->n_layers = 0;
}

bool wl_layer_has_weights(const struct wl_layer *layer)
{
	return layer->type == WL_CONV || layer->type == WL_FC;
}

struct wl_conv_shape wl_layer_conv_shape(const struct wl_layer *l)
{
	assert(wl_layer_has_weights(l));
	if (l->type == WL_FC)
		return (struct wl_conv_shape){
			.G = 1, .M = l->out.c, .C = l->in.c * l->in.h * l->in.w,
			.H = 1, .W = 1, .R = 1, .S = 1, .E = 1, .F = 1, .U = 1,
		};
	return (struct wl_conv_shape){
		.G = l->groups, .M = l->out.c / l->groups, .C = l->in.c / l->groups,
		.H = l->in.h + 2 * l->padding, .W = l->in.w + 2 * l->padding,
		.R = l->kernel, .S = l->kernel, .E = l->out.h, .F = l->out.w, .U = l->stride,
	};
}

uint64_t wl_layer_weights(const struct wl_layer *l)
{
	if (!wl_layer_has_weights(l))
		return 0;
	struct wl_conv_shape s = wl_layer_conv_shape(l);
	return (uint64_t)s.G * s.M * s.C * s.R * s.S;
}

uint64_t wl_layer_macs(const struct wl_layer *l)
{
	if (!wl_layer_has_weights(l))
		return 0;
	struct wl_conv_shape s = wl_layer_conv_shape(l);
	return wl_layer_weights(l) * s.E * s.F;
}

int wl_network_find(const struct wl_network *net, const char *name)
{
	for (int i = 0; i < net->n_layers; i++)
		if (strcmp(net->layers[i].name, name) == 0)
			return i;
	return -1;
}

bool wl_network_is_chain(const struct wl_network *net)
{
	for (int i = 0; i < net->n_layers; i++)
		if (net->layers[i].n_from != 1 || net->layers[i].from[0] != (i == 0 ? WL_INPUT : i - 1))
			return false;
	return true;
}

static const struct cfg_section network_sections[] = {
	CFG_SECTION("", top_fields, NULL),
	CFG_SECTION("input", input_fields, NULL),
	CFG_SECTION("layers[]", layer_fields,
		    "Keys by layer type: `conv` takes `out_channels` and `kernel` (required), "
		    "`stride`, `padding`, `groups`, `bias`; `fc` takes `out_features` "
		    "(required) and `bias`; `maxpool` and `avgpool` take `kernel` (required), "
		    "`stride` (default: the kernel) and `padding`; `relu` takes none; `concat` "
		    "and `add` need two or more inputs in `from`. Any other key is an error. "
		    "Output sizes follow E = (H + 2P - R) / U + 1, rounded down."),
};
const struct cfg_schema wl_network_schema =
	CFG_SCHEMA("network", "Network (`configs/networks/*.yaml`, `--net`)", network_sections);
