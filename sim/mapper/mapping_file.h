/* Mapping files: fixed per-layer mappings to evaluate instead of searching,
 * and the writer that saves a run's chosen mappings in the same form so the
 * run can be replayed (esim energy --mapping FILE). */
#ifndef SIM_MAPPER_MAPPING_FILE_H
#define SIM_MAPPER_MAPPING_FILE_H

#include <stdio.h>

#include "core/err.h"
#include "mapper/network_eval.h"
#include "workload/network.h"

/* Loads path for net (borrowed) at batch under dataflow df. Errors (positioned)
 * for malformed files, unknown layers, factors that do not multiply to the
 * layer's sizes or break the dataflow's rules; a mapping too big for the
 * hardware is not an error (it is evaluated as infeasible). Caller owns f's
 * contents (mapper_fixed_deinit). */
int mapper_fixed_load(struct mapper_fixed *f, const char *path, const struct wl_network *net,
		      uint32_t batch, enum arch_dataflow df, struct sim_err *err);
int mapper_fixed_load_string(struct mapper_fixed *f, const char *name, const char *text,
			     const struct wl_network *net, uint32_t batch, enum arch_dataflow df,
			     struct sim_err *err);
void mapper_fixed_deinit(struct mapper_fixed *f);
/* The keys of this kind of file, for the configuration reference (cfg/cfg.h). */
struct cfg_schema;
extern const struct cfg_schema mapper_fixed_schema;


/* Writes the mappings of r's feasible layers as a mapping file. */
void mapper_fixed_write(FILE *out, const struct net_result *r, const struct wl_network *net);

#endif
