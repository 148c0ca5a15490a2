/* The state of one sweep run and the two services every step of the runner
 * uses: progress lines and the append of a finished row. run.c creates the
 * state; baseline.c and run_points.c fill it. Includes no other runner file,
 * so the runner's files depend on each other one way:
 * run.c -> baseline.c -> run_points.c -> run_state.c. */
#ifndef SIM_SWEEP_RUN_STATE_H
#define SIM_SWEEP_RUN_STATE_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

#include "core/clock.h"
#include "core/err.h"
#include "mapper/network_eval.h"
#include "nn/dataset.h"
#include "sweep/experiment.h"
#include "sweep/mask_counts.h"
#include "sweep/results.h"
#include "sweep/run.h"
#include "sweep/simulate.h"

/* Training images whose activations calibrate quantisation and give densities. */
#define ACTIVATION_SAMPLES 256

/* Metric columns after the axes; the plots and the README rely on the names. */
#define SWEEP_N_METRICS 19
extern const char *const sweep_metric_cols[SWEEP_N_METRICS];

/* One seed's data and baseline in an accuracy sweep. The seed decides the
 * validation split, the baseline's initialisation and shuffling, and the
 * pruning's samples; a sweep with a seed axis has one cohort per seed, each
 * baseline trained once and kept as its own checkpoint. */
struct cohort {
	uint64_t seed;
	bool needed;              /* a point of this seed still runs, or its row is missing */
	struct nn_dataset train, val, check; /* the split (owned; loaded only when needed) */
	char ckpt[700];           /* the baseline's checkpoint */
	char row_id[40];          /* "baseline", or "baseline-<seed>" with a seed axis */
	double baseline_test_acc; /* % */
};

/* Where a process that does not own results.csv (an MPI worker rank) sends
 * each finished row: send gets the row's cells (n of them), its point index
 * and, for the progress line, its accuracy and total energy. */
struct row_sink {
	int (*send)(void *ctx, size_t point, const char *const *cells, size_t n, double accuracy,
		    double energy, struct sim_err *err);
	void *ctx;
};

struct run {
	const struct sweep_experiment *e;
	const struct sweep_run_opts *o;
	struct sweep_results res;
	pthread_mutex_t lock;
	bool accuracy_sweep;
	char dir[400];            /* results folder */
	/* data and baselines (accuracy sweeps) */
	struct nn_dataset test;
	size_t n_cohorts;
	struct cohort *cohorts;   /* owned: one per distinct seed, in order of first use */
	double data_mean, data_std;
	/* groups of point indices that share a pruning run: group g's points are
	 * members[group_start[g] .. group_start[g + 1]), in experiment order */
	size_t n_groups;
	size_t *members, *group_start;
	size_t next_group;
	/* rows go to res, or to sink when sink.send is set (MPI worker ranks) */
	struct row_sink sink;
	/* progress and the first error */
	size_t total, done;
	size_t ranks, ranks_busy; /* MPI: ranks and those running a group (0: one process) */
	double t0;
	int rc;
	struct sim_err err;
	struct mask_cache masks; /* energy-only points' storage counts */
};

/* Initialises r's lock and mask cache (sweep_run_deinit frees them). */
void sweep_run_shared_init(struct run *r);

/* The cohort of a seed (one exists for every point's seed). */
struct cohort *sweep_cohort_of(struct run *r, uint64_t seed);

/* What one row reports besides the point's axis values. */
struct row_metrics {
	uint64_t seed; /* a baseline row shows it on a seed axis */
	double accuracy, accuracy_floor;
	double weights_nonzero, weights, storage_bits;
	const struct net_result *en;
	const struct sweep_hw *hw;
};

/* Progress: a status line on a terminal, a line per event in a log. */
void sweep_progress_line(struct run *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Formats the row of point ((size_t)-1 = a baseline) and hands it to
 * sweep_row_record, or to r->sink when set. */
int sweep_row_append(struct run *r, const char *id, size_t point, const struct row_metrics *m,
		     struct sim_err *err);

/* Appends a formatted row (cells as results.csv has them) under the lock and
 * reports progress; origin (may be NULL) names where it ran ("rank 2 on
 * node7"). */
int sweep_row_record(struct run *r, const char *const *cells, size_t point, const char *origin,
		     double accuracy, double energy, struct sim_err *err);

#endif
