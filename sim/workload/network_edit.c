/* Structural edits of chain networks (see network_edit.h). Shapes are
 * recomputed along the chain with the same rules the loader uses: CONV
 * E = (H + 2P - R)/U + 1 (unchanged by an edit, since only channel counts
 * change), pooling and ReLU keep their input channels, FC flattens. */
#include "workload/network_edit.h"

#include <stdio.h>
#include <string.h>

#include "core/mem.h"

int wl_node_reader(const struct wl_network *net, int li)
{
	if (!wl_network_is_chain(net))
		return -1;
	for (int j = li + 1; j < net->n_layers; j++) {
		enum wl_layer_type t = net->layers[j].type;
		if (t == WL_CONV || t == WL_FC)
			return j;
		if (t != WL_RELU && t != WL_MAXPOOL && t != WL_AVGPOOL)
			return -1;
	}
	return -1;
}

bool wl_node_prunable(const struct wl_network *net, int li, char *why, size_t n)
{
	const struct wl_layer *l = &net->layers[li];
	if (!wl_network_is_chain(net)) {
		snprintf(why, n, "network %s is not a chain", net->name);
		return false;
	}
	int r = wl_node_reader(net, li);
	if (r < 0) {
		snprintf(why, n, "layer '%s' produces the network's outputs", l->name);
		return false;
	}
	if (l->type == WL_CONV && l->groups > 1) {
		snprintf(why, n, "layer '%s' has %u groups", l->name, l->groups);
		return false;
	}
	if (net->layers[r].type == WL_CONV && net->layers[r].groups > 1) {
		snprintf(why, n, "layer '%s', which reads '%s', has %u groups", net->layers[r].name,
			 l->name, net->layers[r].groups);
		return false;
	}
	return true;
}

/* A deep copy of net with room for `extra` more layers. */
static int copy_network(const struct wl_network *net, int extra, struct wl_network *out,
			struct sim_err *err)
{
	memset(out, 0, sizeof *out);
	out->layers = sim_calloc((size_t)(net->n_layers + extra), sizeof *out->layers, err);
	if (!out->layers)
		return SIM_ERR_NOMEM;
	memcpy(out->name, net->name, sizeof out->name);
	memcpy(out->path, net->path, sizeof out->path);
	out->input = net->input;
	return 0;
}

/* Recomputes the input and output shapes along a chain whose CONV/FC output
 * channel counts (out.c) are already set. */
static void reshape_chain(struct wl_network *net)
{
	struct wl_tensor_shape in = net->input;
	for (int i = 0; i < net->n_layers; i++) {
		struct wl_layer *l = &net->layers[i];
		l->n_from = 1;
		l->from[0] = i == 0 ? WL_INPUT : i - 1;
		l->in = in;
		if (l->type == WL_FC)
			l->out.h = l->out.w = 1;
		else if (l->type != WL_CONV)
			l->out.c = in.c;
		in = l->out;
	}
}

int wl_network_shrink(const struct wl_network *net, const uint32_t *out_channels,
		      struct wl_network *out, struct sim_err *err)
{
	if (copy_network(net, 0, out, err))
		return SIM_ERR_NOMEM;
	out->n_layers = net->n_layers;
	memcpy(out->layers, net->layers, (size_t)net->n_layers * sizeof *out->layers);
	for (int i = 0; i < net->n_layers; i++) {
		const struct wl_layer *l = &net->layers[i];
		uint32_t c = out_channels[i];
		if (c == 0 || c == l->out.c)
			continue;
		char why[160];
		if (!wl_layer_has_weights(l) || c > l->out.c)
			return sim_err_set(err, SIM_ERR_INTERNAL, NULL, 0, 0,
					   "cannot give layer '%s' %u output channels", l->name, c);
		if (!wl_node_prunable(net, i, why, sizeof why))
			return sim_err_set(err, SIM_ERR_USAGE, NULL, 0, 0,
					   "node pruning does not apply: %s", why);
		out->layers[i].out.c = c;
	}
	reshape_chain(out);
	return 0;
}

int wl_network_factor(const struct wl_network *net, const uint32_t *rank,
		      struct wl_network *out, int *first_of, struct sim_err *err)
{
	if (!wl_network_is_chain(net))
		return sim_err_set(err, SIM_ERR_USAGE, NULL, 0, 0,
				   "low-rank factorisation needs a chain network (%s is not)",
				   net->name);
	int extra = 0;
	for (int i = 0; i < net->n_layers; i++)
		extra += rank[i] > 0;
	if (copy_network(net, extra, out, err))
		return SIM_ERR_NOMEM;
	for (int i = 0; i < net->n_layers; i++) {
		const struct wl_layer *l = &net->layers[i];
		if (first_of)
			first_of[i] = out->n_layers;
		if (rank[i] == 0) {
			out->layers[out->n_layers++] = *l;
			continue;
		}
		if (!wl_layer_has_weights(l) || strlen(l->name) + 3 > WL_NAME_MAX - 1)
			return sim_err_set(err, SIM_ERR_USAGE, NULL, 0, 0,
					   "layer '%s' cannot be factorised (%s)", l->name,
					   wl_layer_has_weights(l) ? "name too long" : "no weights");
		struct wl_layer v = *l, u = *l;
		uint32_t g = l->type == WL_CONV ? l->groups : 1;
		snprintf(v.name, sizeof v.name, "%.*s_v", WL_NAME_MAX - 3, l->name);
		snprintf(u.name, sizeof u.name, "%.*s_u", WL_NAME_MAX - 3, l->name);
		v.out.c = rank[i] * g;
		v.bias = false;
		if (l->type == WL_CONV) {
			u.kernel = 1;
			u.stride = 1;
			u.padding = 0;
		}
		out->layers[out->n_layers++] = v;
		out->layers[out->n_layers++] = u;
	}
	reshape_chain(out);
	return 0;
}
