/* The steps of a sweep run (run.c), in the order a runner calls them: open
 * (experiment, results file, groups of the points still to run), prepare
 * (data, baseline and its row), run the groups (sweep_run_take hands them
 * out one at a time), close (Pareto marks), deinit. sweep_run drives them
 * with threads; sweep_run_mpi (run_mpi.c) with MPI ranks. */
#ifndef SIM_SWEEP_RUN_STEPS_H
#define SIM_SWEEP_RUN_STEPS_H

#include <stdbool.h>
#include <stddef.h>

#include "core/err.h"
#include "sweep/experiment.h"
#include "sweep/run.h"
#include "sweep/run_state.h"

/* Loads the experiment into e (caller owns it, also after failure: release
 * with sweep_experiment_deinit after sweep_run_deinit), opens or resumes the
 * results file and groups the points this run still has to do. Fills s's
 * names, points, skipped and outside_shard. */
int sweep_run_open(struct run *r, struct sweep_experiment *e, const char *experiment_path,
		   const struct sweep_run_opts *o, struct sweep_summary *s, struct sim_err *err);

/* Accuracy sweeps with work left: loads the data, trains the baseline on
 * train_threads threads (or reuses its checkpoint) and records its row.
 * Nothing for energy-only sweeps. */
int sweep_run_prepare(struct run *r, int train_threads, struct sim_err *err);

/* Takes the next group under the lock; false when none is left or a group
 * has failed. */
bool sweep_run_take(struct run *r, size_t *g);

/* Group g's points (indices into the experiment), n of them. */
const size_t *sweep_run_group(const struct run *r, size_t g, size_t *n);

/* Records the first failure (under the lock): later sweep_run_take calls
 * return false. */
void sweep_run_fail(struct run *r, int rc, const struct sim_err *err);

/* Thread body: takes and runs groups until none is left or one failed. */
void *sweep_run_worker(void *run);

/* After every group: the first failure if any, else the Pareto marks over
 * all rows (the file is rewritten atomically). Sets s->ran. */
int sweep_run_close(struct run *r, struct sweep_summary *s, struct sim_err *err);

void sweep_run_deinit(struct run *r);

#endif
