/* esim built without MPI (no Open MPI development files at build time): a
 * sweep started by an MPI launcher is refused, since each rank would run the
 * whole sweep and append to the same results file. See run_mpi.h. */
#include "sweep/run_mpi.h"

int sweep_run_mpi(const char *experiment_path, const struct sweep_run_opts *o,
		  struct sweep_summary *s, bool *root, struct sim_err *err)
{
	(void)o;
	(void)s;
	*root = true;
	return sim_err_set(err, SIM_ERR_USAGE, experiment_path, 0, 0,
			   "started by an MPI launcher, but this esim was built without MPI; "
			   "install Open MPI (sh scripts/deps.sh) and rebuild, or run the sweep "
			   "without mpirun (--shard K/N splits it over separate jobs)");
}
