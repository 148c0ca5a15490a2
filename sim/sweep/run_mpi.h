/* Sweeps over MPI ranks (`mpirun -np N esim sweep X.yaml`, or `srun
 * --mpi=pmix`). Rank 0 owns the point list and the results file; it trains
 * (or reuses) the baseline, then hands out groups of points one at a time to
 * whichever rank asks (itself included, on a thread beside the coordinator),
 * so a group that takes 100 times longer than another holds up no one. The
 * other ranks send each finished row to rank 0, which appends it as a
 * single-process sweep does: the same file, the same resume, the same rows.
 * See docs/cluster.md for what is sent between ranks.
 *
 * run_mpi.c implements this when esim is built with MPI; run_mpi_absent.c,
 * built otherwise, refuses to run under an MPI launcher (every rank would
 * run the whole sweep into the same file). */
#ifndef SIM_SWEEP_RUN_MPI_H
#define SIM_SWEEP_RUN_MPI_H

#include <stdbool.h>

#include "core/err.h"
#include "sweep/run.h"

/* True when an MPI launcher (mpirun/mpiexec of Open MPI, a PMIx or PMI-2
 * launcher such as srun --mpi=pmix) started this process, judged by the
 * variables those launchers set. */
bool sweep_mpi_launched(void);

/* Runs the experiment over all ranks of MPI_COMM_WORLD (initialising and
 * finalising MPI). On rank 0, *root is set and s and err describe the sweep
 * as sweep_run would; a failure on another rank is reported there, naming
 * the rank and its host. Other ranks return 0 with *root false. */
int sweep_run_mpi(const char *experiment_path, const struct sweep_run_opts *o,
		  struct sweep_summary *s, bool *root, struct sim_err *err);

#endif
