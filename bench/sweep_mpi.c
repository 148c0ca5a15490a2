/* Benchmark: an energy-only sweep over MPI ranks. 24 AlexNet points on the
 * Eyeriss chip (3 batches x 4 dataflows x 2 weight widths, with Han et al.'s
 * densities; most of a second each on an idle core, differing about 2x in
 * cost; LeNet-5's points take milliseconds since the bounded search and would
 * time MPI's start-up only) are
 * run by `esim sweep --jobs 1` in one process without MPI (the reference)
 * and by `mpirun -np N esim sweep` for N = 1, 2 and 4, three times each,
 * the runs of one repeat interleaved so that load from other users falls on
 * all of them alike. Prints the median wall time of each, the speed-up over
 * the reference, the efficiency per rank and per core (ranks beyond the
 * machine's cores share them), the fixed cost of starting (the same
 * command once more, with every point already done), and rank 0's
 * coordinator time per row received from another rank, which bounds how
 * many ranks one coordinator can serve. CPU seconds of all processes over
 * the reference's show the cost of MPI itself (start-up, waiting, messages)
 * apart from the load of other users. Needs mpirun (Open MPI); the esim
 * binary is found beside the benchmark's folder (build/bench/.. = build). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>

#include "core/clock.h"

#define REPEATS 3
#define POINTS 24

static const char experiment[] =
	"name: bench-mpi\n"
	"base: {network: configs/networks/alexnet.yaml, arch: configs/arch/eyeriss-chip.yaml,\n"
	"       energy: energy-tables/eyeriss-65nm.yaml,\n"
	"       sparsity: configs/sparsity/alexnet-han2015.yaml}\n"
	"axes:\n  batch: [1, 2, 4]\n  dataflow: [rs, ws, os, nlr]\n  wbits: [16, 8]\n";

/* CPU seconds (user + system) of every finished child process and its
 * descendants (mpirun waits for its ranks, so theirs are counted). */
static double children_cpu_s(void)
{
	struct rusage ru;
	getrusage(RUSAGE_CHILDREN, &ru);
	return (double)ru.ru_utime.tv_sec + 1e-6 * (double)ru.ru_utime.tv_usec +
	       (double)ru.ru_stime.tv_sec + 1e-6 * (double)ru.ru_stime.tv_usec;
}

/* Runs cmd (output to log); wall seconds, or -1 when it failed; *cpu gets
 * the CPU seconds it used. */
static double timed(const char *cmd, double *cpu)
{
	double t0 = sim_now_s(), c0 = children_cpu_s();
	int rc = system(cmd);
	double t = sim_now_s() - t0;
	*cpu = children_cpu_s() - c0;
	if (rc != 0) {
		fprintf(stderr, "sweep_mpi: failed (%d): %s\n", rc, cmd);
		return -1;
	}
	return t;
}

/* Rank 0's report: coordinator seconds and rows received from other ranks. */
static int coordinator_stats(const char *log, double *s, double *rows)
{
	FILE *f = fopen(log, "r");
	char line[512];
	int found = 0;
	while (f && fgets(line, sizeof line, f))
		if (sscanf(line, "ranks: %*u; coordinator busy %lf s for %lf rows", s, rows) == 2)
			found = 1;
	if (f)
		fclose(f);
	return found;
}

int main(int argc, char **argv)
{
	(void)argc;
	if (system("command -v mpirun >/dev/null 2>&1") != 0) {
		printf("skipped: mpirun not found (Open MPI; scripts/deps.sh installs it)\n");
		return 0;
	}
	char esim[512], dir[] = "/tmp/esim-bench-mpi-XXXXXX", yaml[600], cmd[2048], log[600];
	const char *slash = strrchr(argv[0], '/');
	int len = slash ? (int)(slash - argv[0]) : 0;
	snprintf(esim, sizeof esim, "%.*s/../esim", len, argv[0]);
	if (!mkdtemp(dir))
		return 1;
	snprintf(yaml, sizeof yaml, "%s/bench.yaml", dir);
	snprintf(log, sizeof log, "%s/log", dir);
	FILE *f = fopen(yaml, "w");
	if (!f)
		return 1;
	fputs(experiment, f);
	fclose(f);

	enum { N_CONF = 4 };
	static const int ranks[N_CONF] = {0, 1, 2, 4}; /* 0: the reference, no MPI */
	double wall[N_CONF][REPEATS], cpu[N_CONF][REPEATS], start[N_CONF][REPEATS],
		coord_ms[REPEATS * N_CONF], ignored;
	size_t n_coord = 0;
	for (int rep = 0; rep < REPEATS; rep++) {
		for (int c = 0; c < N_CONF; c++) {
			char launcher[128] = "";
			if (ranks[c])
				snprintf(launcher, sizeof launcher,
					 "mpirun --allow-run-as-root --oversubscribe -np %d ", ranks[c]);
			snprintf(cmd, sizeof cmd,
				 "rm -rf %s/out && %s%s sweep %s --results %s/out --no-plots --quiet "
				 "--jobs 1 > %s 2>&1",
				 dir, launcher, esim, yaml, dir, log);
			wall[c][rep] = timed(cmd, &cpu[c][rep]);
			double cs, rows;
			if (ranks[c] > 1 && coordinator_stats(log, &cs, &rows) && rows > 0)
				coord_ms[n_coord++] = 1e3 * cs / rows;
			/* Again with all points done: the cost of starting alone. */
			snprintf(cmd, sizeof cmd,
				 "%s%s sweep %s --results %s/out --no-plots --quiet --jobs 1 > %s 2>&1",
				 launcher, esim, yaml, dir, log);
			start[c][rep] = timed(cmd, &ignored);
			if (wall[c][rep] < 0 || start[c][rep] < 0)
				return 1;
		}
	}
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	gsl_sort(wall[0], 1, REPEATS);
	gsl_sort(cpu[0], 1, REPEATS);
	double ref = gsl_stats_median_from_sorted_data(wall[0], 1, REPEATS);
	double ref_cpu = gsl_stats_median_from_sorted_data(cpu[0], 1, REPEATS);
	printf("energy-only sweep, %d AlexNet points, median of %d, machine with %ld cores "
	       "(shared: other users' load is in every figure)\n"
	       "CPU x: CPU seconds of all processes (mpirun and every rank) over the reference's\n",
	       POINTS, REPEATS, cores);
	printf("%-24s %8s %8s %8s %9s %9s %8s %8s\n", "run", "wall s", "range", "start s",
	       "speed-up", "eff/rank", "eff/core", "CPU x");
	for (int c = 0; c < N_CONF; c++) {
		gsl_sort(wall[c], 1, REPEATS);
		gsl_sort(cpu[c], 1, REPEATS);
		gsl_sort(start[c], 1, REPEATS);
		double t = gsl_stats_median_from_sorted_data(wall[c], 1, REPEATS);
		double tc = gsl_stats_median_from_sorted_data(cpu[c], 1, REPEATS);
		double st = gsl_stats_median_from_sorted_data(start[c], 1, REPEATS);
		char name[64];
		if (ranks[c])
			snprintf(name, sizeof name, "mpirun -np %d", ranks[c]);
		else
			snprintf(name, sizeof name, "one process, --jobs 1");
		int n = ranks[c] ? ranks[c] : 1;
		int used = n < cores ? n : (int)cores;
		char range[32];
		snprintf(range, sizeof range, "%.1f-%.1f", wall[c][0], wall[c][REPEATS - 1]);
		printf("%-24s %8.2f %8s %8.2f %9.2f %9.2f %8.2f %8.2f\n", name, t, range, st, ref / t,
		       ref / t / n, ref / t / used, tc / ref_cpu);
	}
	if (n_coord) {
		gsl_sort(coord_ms, 1, n_coord);
		double c = gsl_stats_median_from_sorted_data(coord_ms, 1, n_coord);
		double point_s = ref / POINTS;
		printf("coordinator: %.3f ms per row from another rank (median of %zu runs, range "
		       "%.3f-%.3f; receive, append with fsync, reply); with points of %.3f s one rank 0 "
		       "serves up to about %.0f busy ranks, with 60 s points about %.0f\n",
		       c, n_coord, coord_ms[0], coord_ms[n_coord - 1], point_s, point_s / (c * 1e-3),
		       60.0 / (c * 1e-3));
	}
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : 1;
}
