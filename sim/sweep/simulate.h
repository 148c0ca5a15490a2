/* The hardware side of a sweep point: the architecture with the point's
 * overrides applied (dataflow, PE array, GLB, RF), the energy table and the
 * network, simulated whole (mapper/network_eval.h) for given per-layer
 * densities and bitwidths. */
#ifndef SIM_SWEEP_SIMULATE_H
#define SIM_SWEEP_SIMULATE_H

#include <stddef.h>
#include <stdint.h>

#include "arch/arch.h"
#include "arch/energy.h"
#include "core/err.h"
#include "mapper/network_eval.h"
#include "sweep/experiment.h"
#include "workload/network.h"
#include "workload/sparsity.h"

struct sweep_hw {
	struct arch arch;
	struct energy_table table;
	struct wl_network net;
	uint32_t batch;
};

/* Loads the point's files and applies its hardware overrides. A combination
 * the hardware cannot have (e.g. a GLB smaller than its weight partition) is a
 * config error naming the experiment file and the point. Caller owns hw. */
int sweep_hw_load(struct sweep_hw *hw, const struct sweep_point *p, const char *experiment,
		  const char *point_id, struct sim_err *err);
void sweep_hw_deinit(struct sweep_hw *hw);

/* Simulates the network with per-layer densities sp at the given bits (0 = the
 * architecture's word; partial sums stay at the word width) on one thread.
 * Caller owns out (net_result_deinit). */
int sweep_simulate(const struct sweep_hw *hw, const struct wl_sparsity *sp, uint32_t wbits,
		   uint32_t abits, struct net_result *out, struct sim_err *err);

/* Per-layer energies packed for results.csv (see report/plot.h):
 * "name dram glb array rf mac ifmap weight psum;..." for CONV/FC layers. */
void sweep_pack_layers(const struct sweep_hw *hw, const struct net_result *e, char *buf,
		       size_t size);

#endif
