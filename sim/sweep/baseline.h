/* The baseline of an accuracy sweep (baseline.c): the checks, the data, the
 * one trained network and its row, in the order run.c calls them. */
#ifndef SIM_SWEEP_BASELINE_H
#define SIM_SWEEP_BASELINE_H

#include "core/err.h"
#include "sweep/experiment.h"
#include "sweep/run_state.h"

int sweep_baseline_check(const struct sweep_experiment *e, struct sim_err *err);
int sweep_data_load(struct run *r, struct sim_err *err);
int sweep_baseline_train(struct run *r, int jobs, struct sim_err *err);
int sweep_baseline_row(struct run *r, struct sim_err *err);

#endif
