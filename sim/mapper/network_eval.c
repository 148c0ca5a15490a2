/* Whole-network evaluation (see network_eval.h). Layers are independent: each
 * CONV/FC layer is searched (or taken from the fixed mappings) on its own and
 * the totals are sums; a layer whose shape and costs equal an earlier one's
 * reuses that layer's best mapping (the search depends on nothing else). A layer's output is stored run-length coded with the
 * input density of the next CONV/FC layer when the network is a chain (the
 * density the next layer will read; pooling in between is taken not to change
 * it), and as dense otherwise. */
#include "mapper/network_eval.h"

#include <stdlib.h>
#include <string.h>

#include "core/mem.h"

struct access_layer_in mapper_layer_in(const struct wl_network *net, const struct wl_sparsity *sp,
				      int i, uint32_t batch)
{
	const struct wl_layer *l = &net->layers[i];
	struct access_layer_in in = {
		.shape = map_layer_from(l, batch),
		.groups = wl_layer_conv_shape(l).G,
		.weight_density = sp ? sp->layers[i].weight_density : 1.0,
		.ifmap_density = sp ? sp->layers[i].ifmap_density : 1.0,
		.ofmap_density = 1.0,
		.weight_group = sp && sp->layers[i].granularity == WL_GRAN_SIMD
					? sp->layers[i].simd_width : 1,
	};
	if (sp && wl_network_is_chain(net))
		for (int j = i + 1; j < net->n_layers; j++)
			if (wl_layer_has_weights(&net->layers[j])) {
				in.ofmap_density = sp->layers[j].ifmap_density;
				break;
			}
	return in;
}

/* A searched layer: its shape and costs, which alone decide the search. */
struct searched {
	struct map_layer shape;
	struct access_costs costs;
	int result; /* index in out->layers */
};

/* The costs as the search sees them: macs_effective is only reported. */
static void search_costs(const struct arch *a, const struct energy_table *t,
			 const struct access_bits *b, const struct access_layer_in *in,
			 struct access_costs *c)
{
	access_costs_init(c, a, t, b, in, a->dataflow);
	c->macs_effective = 0;
}

int mapper_network_eval(const struct arch *a, const struct energy_table *t,
			const struct wl_network *net, const struct wl_sparsity *sp,
			const struct access_bits *bits, uint32_t batch,
			const struct net_eval_opts *o, struct net_result *out, struct sim_err *err)
{
	memset(out, 0, sizeof *out);
	struct access_bits b = bits ? *bits : access_bits_default(a);
	int n = 0;
	for (int i = 0; i < net->n_layers; i++)
		n += wl_layer_has_weights(&net->layers[i]);
	out->layers = sim_calloc(n ? (size_t)n : 1, sizeof *out->layers, err);
	struct searched *seen = sim_calloc(n ? (size_t)n : 1, sizeof *seen, err);
	int n_seen = 0;
	if (!out->layers || !seen) {
		free(seen);
		net_result_deinit(out);
		return SIM_ERR_NOMEM;
	}
	out->ok = true;
	out->batch = batch;
	struct mapper_opts mo = {o->objective, o->threads, false};
	for (int i = 0; i < net->n_layers; i++) {
		if (!wl_layer_has_weights(&net->layers[i]))
			continue;
		struct net_layer_result *lr = &out->layers[out->n++];
		struct access_layer_in in = mapper_layer_in(net, sp, i, batch);
		lr->layer = i;
		lr->weights = wl_layer_weights(&net->layers[i]);
		lr->weights_nonzero = (double)lr->weights * in.weight_density;
		if (o->fixed && i < o->fixed->n_layers && o->fixed->given[i]) {
			lr->fixed = true;
			access_layer_eval(a, t, &b, &in, &o->fixed->map[i], &lr->r);
		} else {
			/* a layer searched before with the same shape and costs (VGG's
			 * repeated blocks) has the same best mapping: evaluate it */
			struct searched *me = &seen[n_seen];
			me->shape = in.shape;
			search_costs(a, t, &b, &in, &me->costs);
			me->result = out->n - 1;
			int twin = -1;
			for (int k = 0; k < n_seen && twin < 0; k++)
				if (memcmp(&seen[k].shape, &me->shape, sizeof me->shape) == 0 &&
				    memcmp(&seen[k].costs, &me->costs, sizeof me->costs) == 0 &&
				    out->layers[seen[k].result].r.ok)
					twin = seen[k].result;
			if (twin >= 0) {
				access_layer_eval(a, t, &b, &in, &out->layers[twin].r.map, &lr->r);
			} else {
				int rc = mapper_search_layer(a, t, &b, &in, a->dataflow, &mo, &lr->r,
							     &out->stats, err);
				if (rc) {
					sim_err_prefix(err, "layer %s: ", net->layers[i].name);
					free(seen);
					net_result_deinit(out);
					return rc;
				}
				n_seen++;
			}
		}
		out->weights += lr->weights;
		out->weights_nonzero += lr->weights_nonzero;
		if (!lr->r.ok) {
			out->ok = false;
			continue;
		}
		out->macs += lr->r.macs;
		out->macs_effective += lr->r.macs_effective;
		for (int ty = 0; ty < TY_COUNT; ty++)
			for (int lv = 0; lv < EN_LEVEL_COUNT; lv++) {
				out->energy_level[lv] += lr->r.energy[ty][lv];
				out->energy_type[ty] += lr->r.energy[ty][lv];
			}
		out->energy_mac += lr->r.energy_mac;
		out->energy_total += lr->r.energy_total;
		out->cycles += lr->r.cycles;
	}
	free(seen);
	return 0;
}

void net_result_deinit(struct net_result *r)
{
	free(r->layers);
	r->layers = NULL;
	r->n = 0;
}
