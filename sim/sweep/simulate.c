/* A point's hardware and the whole-network simulation (see simulate.h).
 * Partial sums stay at the architecture's word width whatever the weight and
 * activation bits: accumulators are not narrowed by quantising operands. The
 * density of a layer's output as stored (for run-length coding) is the input
 * density of the layer that reads it, or 1 when no CONV/FC layer does. */
#include "sweep/simulate.h"

#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "mapper/mapper.h"

int sweep_hw_load(struct sweep_hw *hw, const struct sweep_point *p, const char *experiment,
		  const char *point_id, struct sim_err *err)
{
	memset(hw, 0, sizeof *hw);
	hw->batch = p->batch;
	hw->threads = 1;
	int rc = arch_load(&hw->arch, p->arch, err);
	if (!rc)
		rc = energy_table_load(&hw->table, p->energy, err);
	if (!rc)
		rc = wl_network_load(&hw->net, p->network, err);
	if (rc)
		return rc;
	struct arch *a = &hw->arch;
	if (p->dataflow != SWEEP_DF_ARCH &&
	    (rc = arch_set_dataflow(a, (enum arch_dataflow)(p->dataflow - 1), err)))
		goto fail;
	if (p->pe_rows)
		a->pe_rows = p->pe_rows;
	if (p->pe_cols)
		a->pe_cols = p->pe_cols;
	if (p->glb_bytes) {
		if (a->glb_weight_bytes >= p->glb_bytes) {
			rc = sim_err_set(err, SIM_ERR_CONFIG, experiment, 0, 0,
					 "point %s: glb_bytes %llu leaves no room beside the %llu-byte "
					 "weight partition of %s", point_id,
					 (unsigned long long)p->glb_bytes,
					 (unsigned long long)a->glb_weight_bytes, a->path);
			goto fail;
		}
		a->glb_bytes = p->glb_bytes;
	}
	if (p->rf_bytes) {
		a->rf_split = false;
		a->rf_bytes = p->rf_bytes;
	}
	return 0;
fail:
	sweep_hw_deinit(hw);
	return rc;
}

void sweep_hw_deinit(struct sweep_hw *hw)
{
	wl_network_deinit(&hw->net);
	memset(hw, 0, sizeof *hw);
}

void sweep_energy_deinit(struct sweep_energy *e)
{
	free(e->layer);
	memset(e, 0, sizeof *e);
}

/* Input density of the first CONV/FC layer that reads layer i's output. */
static double consumer_density(const struct wl_network *net, const struct wl_sparsity *sp, int i)
{
	for (int j = i + 1; j < net->n_layers; j++) {
		for (int k = 0; k < net->layers[j].n_from; k++)
			if (net->layers[j].from[k] == i) {
				if (wl_layer_has_weights(&net->layers[j]))
					return sp->layers[j].ifmap_density;
				/* Through pools and ReLUs the zeros are the consumer's. */
				return consumer_density(net, sp, j);
			}
	}
	return 1.0;
}

int sweep_simulate(const struct sweep_hw *hw, const struct wl_sparsity *sp, uint32_t wbits,
		   uint32_t abits, struct sweep_energy *out, struct sim_err *err)
{
	memset(out, 0, sizeof *out);
	const struct wl_network *net = &hw->net;
	out->n_layers = net->n_layers;
	out->layer = sim_calloc((size_t)net->n_layers, sizeof *out->layer, err);
	if (!out->layer)
		return SIM_ERR_NOMEM;
	struct model_bits bits = model_bits_default(&hw->arch);
	if (wbits)
		bits.weight = wbits;
	if (abits)
		bits.ifmap = abits;
	struct mapper_opts mo = {.objective = OBJ_ENERGY, .threads = hw->threads};
	for (int i = 0; i < net->n_layers; i++) {
		const struct wl_layer *l = &net->layers[i];
		if (!wl_layer_has_weights(l))
			continue;
		struct model_layer_in in = {
			.shape = map_layer_from(l, hw->batch),
			.groups = l->type == WL_CONV ? l->groups : 1,
			.weight_density = sp->layers[i].weight_density,
			.ifmap_density = sp->layers[i].ifmap_density,
			.ofmap_density = consumer_density(net, sp, i),
		};
		struct model_layer_result *r = &out->layer[i];
		int rc = mapper_search_layer(&hw->arch, &hw->table, &bits, &in, hw->arch.dataflow, &mo,
					     r, NULL, err);
		if (rc) {
			sweep_energy_deinit(out);
			return rc;
		}
		if (!r->ok) {
			out->infeasible++;
			continue;
		}
		out->energy_total += r->energy_total;
		out->energy_mac += r->energy_mac;
		for (int t = 0; t < TY_COUNT; t++)
			for (int v = 0; v < EN_LEVEL_COUNT; v++) {
				out->energy_level[v] += r->energy[t][v];
				out->energy_type[t] += r->energy[t][v];
			}
		out->macs += r->macs;
		out->macs_effective += r->macs_effective;
		out->cycles += r->cycles;
	}
	return 0;
}

void sweep_energy_pack_layers(const struct sweep_hw *hw, const struct sweep_energy *e, char *buf,
			      size_t size)
{
	size_t used = 0;
	buf[0] = '\0';
	for (int i = 0; i < e->n_layers && used < size; i++) {
		const struct model_layer_result *r = &e->layer[i];
		if (!wl_layer_has_weights(&hw->net.layers[i]))
			continue;
		double lv[EN_LEVEL_COUNT] = {0}, ty[TY_COUNT] = {0};
		for (int t = 0; t < TY_COUNT; t++)
			for (int v = 0; v < EN_LEVEL_COUNT; v++) {
				lv[v] += r->energy[t][v];
				ty[t] += r->energy[t][v];
			}
		used += (size_t)snprintf(buf + used, size - used, "%s%s %.6g %.6g %.6g %.6g %.6g %.6g %.6g %.6g",
					 used ? ";" : "", hw->net.layers[i].name, lv[EN_DRAM], lv[EN_GLB],
					 lv[EN_ARRAY], lv[EN_RF], r->energy_mac, ty[TY_IFMAP],
					 ty[TY_WEIGHT], ty[TY_PSUM]);
	}
}
