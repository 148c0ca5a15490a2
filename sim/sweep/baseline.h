/* The baselines of an accuracy sweep (baseline.c), one per seed: the checks,
 * the cohorts, the data, the trained networks and their rows, in the order
 * run.c calls them. */
#ifndef SIM_SWEEP_BASELINE_H
#define SIM_SWEEP_BASELINE_H

#include "core/err.h"
#include "sweep/experiment.h"
#include "sweep/run_state.h"

int sweep_baseline_check(const struct sweep_experiment *e, struct sim_err *err);
/* One cohort per distinct seed of the points (r->res must be open: a cohort
 * is needed while one of its points or its baseline row is missing). */
int sweep_cohorts_init(struct run *r, struct sim_err *err);
/* Loads the data once and splits it for every needed cohort. */
int sweep_data_load(struct run *r, struct sim_err *err);
/* Trains cohort c's baseline on jobs threads, or reuses its checkpoint. */
int sweep_baseline_train(struct run *r, struct cohort *c, int jobs, struct sim_err *err);
/* Reads c's baseline accuracy and appends its row when missing. */
int sweep_baseline_row(struct run *r, struct cohort *c, struct sim_err *err);

#endif
