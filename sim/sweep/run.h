/* Running an experiment: the baseline is trained once (and reused from its
 * checkpoint on later runs), points sharing everything but their bitwidths
 * share one pruning run, groups run in parallel on the machine's cores (or on
 * MPI ranks, run_mpi.h), and every finished point is appended to
 * <results_dir>/results.csv at once, so a killed sweep resumes where it
 * stopped. At the end the Pareto column is
 * recomputed over all rows. Plots are the caller's (report/plot.h reads
 * results.csv), so the sweep never depends on the report module. */
#ifndef SIM_SWEEP_RUN_H
#define SIM_SWEEP_RUN_H

#include <stdbool.h>
#include <stddef.h>

#include "core/err.h"

struct sweep_run_opts {
	int jobs;                 /* worker threads; 0 = one per online core */
	const char *results_dir;  /* NULL: <experiment's folder>/<name> */
	bool progress_tty;        /* redraw one status line (else a line per point) */
	bool quiet;               /* no progress at all */
	/* Shard shard_index of shard_count (0 <= index < count; count 0 or 1:
	 * the whole sweep). A shard runs the groups whose first point's id is
	 * index modulo count and writes results.shard-K-of-N.csv instead of
	 * results.csv; `esim merge` joins the shards (sweep/merge.h). */
	unsigned shard_index, shard_count;
};

struct sweep_summary {
	size_t points, ran, skipped;
	size_t outside_shard;     /* points left to the other shards */
	char name[64];            /* the experiment's name */
	char results_csv[512];
	/* MPI runs (run_mpi.h): ranks, the rows rank 0 received from the other
	 * ranks, and the wall time its coordinator spent on the other ranks'
	 * messages (receiving, appending rows, replying) */
	size_t ranks, coordinator_rows;
	double coordinator_s;
};

/* Runs the experiment in this process (threads, no MPI). */
int sweep_run(const char *experiment_path, const struct sweep_run_opts *o,
	      struct sweep_summary *s, struct sim_err *err);

#endif
