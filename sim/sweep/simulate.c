/* A point's hardware and its whole-network simulation (see simulate.h).
 * Partial sums stay at the architecture's word width whatever the weight and
 * activation bits: accumulators are not narrowed by quantising operands. */
#include "sweep/simulate.h"

#include <assert.h>

#include <stdio.h>
#include <string.h>

static_assert(ARCH_ZERO_COUNT == SWEEP_ZEROS_COUNT - 1, "sweep_zeros is arch_zero_policy + arch");
static_assert(ARCH_WFMT_COUNT == SWEEP_WFMT_COUNT - 1, "sweep_wfmt is arch_weight_format + arch");

int sweep_hw_load(struct sweep_hw *hw, const struct sweep_point *p, const char *experiment,
		  const char *point_id, struct sim_err *err)
{
	memset(hw, 0, sizeof *hw);
	hw->batch = p->batch;
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
	if (p->weight_format != SWEEP_WFMT_ARCH)
		a->weight_format = (enum arch_weight_format)(p->weight_format - 1);
	if (p->weight_index_bits)
		a->weight_index_bits = p->weight_index_bits;
	if (a->weight_format != ARCH_WFMT_DENSE && a->weight_index_bits == 0) {
		rc = sim_err_set(err, SIM_ERR_CONFIG, experiment, 0, 0,
				 "point %s: weight_format %s needs weight_index_bits (%s gives none)",
				 point_id, arch_weight_format_names[a->weight_format], a->path);
		goto fail;
	}
	if (p->weight_zeros != SWEEP_ZEROS_ARCH)
		a->weight_zeros = (enum arch_zero_policy)(p->weight_zeros - 1);
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

int sweep_simulate(const struct sweep_hw *hw, const struct wl_sparsity *sp, uint32_t wbits,
		   uint32_t abits, struct net_result *out, struct sim_err *err)
{
	struct access_bits bits = access_bits_default(&hw->arch);
	if (wbits)
		bits.weight = wbits;
	if (abits)
		bits.ifmap = abits;
	struct net_eval_opts o = {.objective = OBJ_ENERGY, .threads = 1, .fixed = NULL};
	return mapper_network_eval(&hw->arch, &hw->table, &hw->net, sp, &bits, hw->batch, &o, out,
				   err);
}

void sweep_pack_layers(const struct sweep_hw *hw, const struct net_result *e, char *buf,
		       size_t size)
{
	size_t used = 0;
	buf[0] = '\0';
	for (int k = 0; k < e->n && used < size; k++) {
		const struct access_layer_result *r = &e->layers[k].r;
		double lv[EN_LEVEL_COUNT] = {0}, ty[TY_COUNT] = {0};
		for (int t = 0; t < TY_COUNT; t++)
			for (int v = 0; v < EN_LEVEL_COUNT; v++) {
				lv[v] += r->energy[t][v];
				ty[t] += r->energy[t][v];
			}
		used += (size_t)snprintf(buf + used, size - used,
					 "%s%s %.6g %.6g %.6g %.6g %.6g %.6g %.6g %.6g", used ? ";" : "",
					 hw->net.layers[e->layers[k].layer].name, lv[EN_DRAM], lv[EN_GLB],
					 lv[EN_ARRAY], lv[EN_RF], r->energy_mac, ty[TY_IFMAP],
					 ty[TY_WEIGHT], ty[TY_PSUM]);
	}
}
