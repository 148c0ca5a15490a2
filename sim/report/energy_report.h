/* Writers for network energy results: a readable table, CSV (one row per
 * CONV/FC layer and a final `total` row) and JSON (with each layer's mapping,
 * so a run can be replayed). */
#ifndef SIM_REPORT_ENERGY_REPORT_H
#define SIM_REPORT_ENERGY_REPORT_H

#include <stdio.h>

#include "arch/arch.h"
#include "arch/energy.h"
#include "mapper/network_eval.h"
#include "workload/network.h"

/* What the run was, for headers and JSON. */
struct energy_run_info {
	const struct arch *arch;
	const struct energy_table *table;
	const struct wl_network *net;
	const char *sparsity;   /* profile name or "dense" */
	enum access_objective objective;
	struct access_bits bits;
};

void report_energy_table(FILE *out, const struct energy_run_info *info, const struct net_result *r);
void report_energy_csv(FILE *out, const struct energy_run_info *info, const struct net_result *r);
void report_energy_json(FILE *out, const struct energy_run_info *info, const struct net_result *r);

#endif
