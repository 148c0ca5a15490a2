/* Private to the sweep runner (run.c, run_points.c, baseline.c): the state of
 * one run and the steps its files share. */
#ifndef SIM_SWEEP_RUN_INTERNAL_H
#define SIM_SWEEP_RUN_INTERNAL_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "nn/dataset.h"
#include "nn/model.h"
#include "sweep/experiment.h"
#include "sweep/results.h"
#include "sweep/run.h"
#include "sweep/simulate.h"
#include "workload/sparsity.h"

/* Training images whose activations calibrate quantisation and give densities. */
#define ACTIVATION_SAMPLES 256

struct run {
	const struct sweep_experiment *e;
	const struct sweep_run_opts *o;
	struct sweep_results res;
	pthread_mutex_t lock;
	bool accuracy_sweep;
	/* data and baseline (accuracy sweeps) */
	struct nn_dataset train, val, test;
	char ckpt[600];
	double baseline_test_acc; /* % */
	double data_mean, data_std;
	/* groups of point indices that share a pruning run */
	size_t n_groups;
	size_t *group_of;     /* point -> group */
	size_t next_group;
	/* progress and the first error */
	size_t total, done;
	double t0;
	int rc;
	struct sim_err err;
};

/* What one row reports besides the point's axis values. */
struct row_metrics {
	double accuracy, accuracy_floor;
	double weights_nonzero, weights, storage_bits;
	const struct net_result *en;
	const struct sweep_hw *hw;
};

/* Progress: a status line on a terminal, a line per event in a log. */
void sweep_progress_line(struct run *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Appends a row for point (size_t)-1 = the baseline) under the lock. */
int sweep_row_append(struct run *r, const char *id, size_t point, const struct row_metrics *m,
		     struct sim_err *err);

/* Bits to store one layer: dense codes or the relative-index form. */
int sweep_storage_bits(const struct wl_layer *l, const uint8_t *mask, uint64_t n,
		       enum wl_granularity g, unsigned wbits, double *bits, struct sim_err *err);
/* bits, or the architecture's word when bits is 0. */
uint32_t sweep_word_or(uint32_t bits, const struct sweep_hw *hw);

/* Test accuracy, simulation and storage of model m as point p; appends the row. */
int sweep_point_finish(struct run *r, struct nn_model *m, const struct sweep_hw *hw,
		       const struct sweep_point *p, size_t point, const char *id,
		       struct sim_err *err);
/* Prunes once for group g, then finishes each of its points. */
int sweep_group_run(struct run *r, size_t g, struct sim_err *err);
/* Simulates energy-only point p and appends its row. */
int sweep_point_run_energy(struct run *r, size_t p, struct sim_err *err);

/* Accuracy sweeps: the data, the one baseline, and its row. */
int sweep_baseline_check(const struct sweep_experiment *e, struct sim_err *err);
int sweep_data_load(struct run *r, struct sim_err *err);
int sweep_baseline_train(struct run *r, int jobs, struct sim_err *err);
int sweep_baseline_row(struct run *r, struct sim_err *err);

#endif
