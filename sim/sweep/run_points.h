/* The points of a sweep (run_points.c): what run.c's workers and
 * baseline.c call to run and record one point or one pruning group. */
#ifndef SIM_SWEEP_RUN_POINTS_H
#define SIM_SWEEP_RUN_POINTS_H

#include <stddef.h>

#include "core/err.h"
#include "nn/model.h"
#include "sweep/run_state.h"

/* Test accuracy, simulation and storage of model m as point p of cohort c
 * (its training images calibrate and measure activations, its baseline sets
 * the accuracy floor); appends the row. */
int sweep_point_finish(struct run *r, const struct cohort *c, struct nn_model *m,
		       const struct sweep_hw *hw, const struct sweep_point *p, size_t point,
		       const char *id, struct sim_err *err);
/* Runs one group of points[0..n) (run.c's grouping) and appends their rows:
 * an accuracy sweep's group prunes once and finishes each point at its bits;
 * an energy-only group simulates each point. */
int sweep_points_run(struct run *r, const size_t *points, size_t n, struct sim_err *err);

#endif
