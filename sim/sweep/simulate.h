/* The hardware side of a sweep point: the architecture with the point's
 * overrides applied (dataflow, PE array, GLB, RF), the energy table and the
 * network, and a whole-network simulation for given per-layer densities and
 * bitwidths, each layer under its best mapping (mapper.h). */
#ifndef SIM_SWEEP_SIMULATE_H
#define SIM_SWEEP_SIMULATE_H

#include <stdint.h>

#include "arch/arch.h"
#include "arch/energy.h"
#include "core/err.h"
#include "model/model.h"
#include "sweep/experiment.h"
#include "workload/network.h"
#include "workload/sparsity.h"

struct sweep_hw {
	struct arch arch;
	struct energy_table table;
	struct wl_network net;
	uint32_t batch;
	int threads; /* mapper threads */
};

/* Loads the point's files and applies its hardware overrides. A combination
 * the hardware cannot have (e.g. a GLB smaller than its weight partition) is a
 * config error naming the experiment file and the point. Caller owns hw. */
int sweep_hw_load(struct sweep_hw *hw, const struct sweep_point *p, const char *experiment,
		  const char *point_id, struct sim_err *err);
void sweep_hw_deinit(struct sweep_hw *hw);

/* Network totals and the per-layer results (layer[i] for net.layers[i]; only
 * CONV/FC layers are filled, others have ok = false and zero energy). */
struct sweep_energy {
	int n_layers;
	struct model_layer_result *layer; /* owned */
	double energy_total, energy_mac;
	double energy_level[EN_LEVEL_COUNT];
	double energy_type[TY_COUNT];
	double macs_effective, cycles;
	uint64_t macs;
	int infeasible;                   /* layers without a feasible mapping */
};

/* Simulates the network with per-layer densities (sp) at the given bits
 * (0 = the architecture's word). Caller owns out (sweep_energy_deinit). */
int sweep_simulate(const struct sweep_hw *hw, const struct wl_sparsity *sp, uint32_t wbits,
		   uint32_t abits, struct sweep_energy *out, struct sim_err *err);
void sweep_energy_deinit(struct sweep_energy *e);

/* Per-layer energies packed for results.csv (see report/plot.h):
 * "name dram glb array rf mac ifmap weight psum;..." for CONV/FC layers. */
void sweep_energy_pack_layers(const struct sweep_hw *hw, const struct sweep_energy *e, char *buf,
			      size_t size);

#endif
