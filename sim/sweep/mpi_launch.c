/* Is this process one rank of an MPI job? Open MPI's mpirun sets
 * OMPI_COMM_WORLD_SIZE, PMIx launchers (srun --mpi=pmix, prterun) PMIX_RANK,
 * PMI-2 launchers (srun --mpi=pmi2, MPICH's Hydra) PMI_RANK and PMI_SIZE.
 * Built with and without MPI, so an esim without MPI can refuse to run
 * under a launcher instead of running the whole sweep on every rank. */
#include <stdlib.h>

#include "sweep/run_mpi.h"

bool sweep_mpi_launched(void)
{
	static const char *const vars[] = {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK",
					   "PMI_SIZE"};
	for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++)
		if (getenv(vars[i]))
			return true;
	return false;
}
