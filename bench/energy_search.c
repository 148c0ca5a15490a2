/* Benchmark: the whole AlexNet mapping search on eyeriss-isca16-256 (row
 * stationary, 256 PEs, 512 B RF, 128 kB GLB) at batch 16 with the Eyeriss
 * energy table, on 2 threads. Prints wall time, mappings searched per second
 * (and how many the DRAM bound left to evaluate in full) and peak memory
 * (ru_maxrss); CPU time (user + sys, including loading the files) shows the
 * work when the machine is shared. Run on an idle machine. */
#include <stdio.h>
#include <sys/resource.h>
#include <time.h>

#include "arch/arch.h"
#include "arch/energy.h"
#include "mapper/network_eval.h"
#include "workload/network.h"

int main(void)
{
	struct arch a;
	struct energy_table t;
	struct wl_network net;
	struct sim_err err;
	if (arch_load(&a, "configs/arch/eyeriss-isca16-256.yaml", &err) ||
	    energy_table_load(&t, "energy-tables/eyeriss-65nm.yaml", &err) ||
	    wl_network_load(&net, "configs/networks/alexnet.yaml", &err)) {
		sim_err_print(&err, stderr);
		return 1;
	}
	struct net_eval_opts o = {.objective = OBJ_ENERGY, .threads = 2};
	struct net_result r;
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	int rc = mapper_network_eval(&a, &t, &net, NULL, NULL, 16, &o, &r, &err);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (rc) {
		sim_err_print(&err, stderr);
		wl_network_deinit(&net);
		return 1;
	}
	double s = (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	double cpu = (double)ru.ru_utime.tv_sec + 1e-6 * (double)ru.ru_utime.tv_usec +
		     (double)ru.ru_stime.tv_sec + 1e-6 * (double)ru.ru_stime.tv_usec;
	printf("alexnet rs eyeriss-isca16-256 batch 16, 2 threads: %.3f s wall, %.3f s CPU, "
	       "%llu GLB tilings, %llu mappings searched (%.3g/s), %llu evaluated in full "
	       "(the rest lost on a bound), peak RSS %.1f MB, energy %.4g %s, "
	       "all layers feasible: %s\n",
	       s, cpu, (unsigned long long)r.stats.tilings, (unsigned long long)r.stats.mappings,
	       (double)r.stats.mappings / s, (unsigned long long)r.stats.evaluated,
	       (double)ru.ru_maxrss / 1024.0, r.energy_total, t.unit, r.ok ? "yes" : "no");
	net_result_deinit(&r);
	wl_network_deinit(&net);
	return 0;
}
