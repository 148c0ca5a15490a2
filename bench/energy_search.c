/* Benchmark of the mapping search (run from the repository root; the
 * machine is noisy, so every time is the median of three runs and the
 * search's speed-up is a ratio measured in the same run):
 *   1. the whole AlexNet search on eyeriss-isca16-256 (row stationary, 256
 *      PEs, batch 16, 2 threads): wall time, mappings counted in full per
 *      second, energy;
 *   2. the reference: one layer (AlexNet CONV3, RS, 1 thread) searched with
 *      the bounds and exhaustively over the same space; the ratio of the
 *      two times and the same answer;
 *   3. the VGG-16 dataflow sweep (experiments/vgg16-dataflows.yaml, 16
 *      points, energy only) as `esim sweep` runs it (the esim binary beside
 *      the bench folder), wall time.
 * CPU time (user + sys of this process, loading included) shows the work when
 * the machine is shared. */
#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "arch/arch.h"
#include "arch/energy.h"
#include "core/clock.h"
#include "mapper/network_eval.h"
#include "workload/network.h"

#define REPEATS 3

/* The median of x[0..REPEATS) (sorts x). */
static double median(double *x)
{
	gsl_sort(x, 1, REPEATS);
	return gsl_stats_median_from_sorted_data(x, 1, REPEATS);
}

static double cpu_seconds(int who)
{
	struct rusage ru;
	getrusage(who, &ru);
	return (double)ru.ru_utime.tv_sec + 1e-6 * (double)ru.ru_utime.tv_usec +
	       (double)ru.ru_stime.tv_sec + 1e-6 * (double)ru.ru_stime.tv_usec;
}

/* One layer searched with or without the bounds, 1 thread; seconds. */
static double layer_search(const struct arch *a, const struct energy_table *t,
			   const struct wl_network *net, int li, bool exhaustive,
			   struct access_layer_result *r)
{
	struct access_bits bits = access_bits_default(a);
	struct access_layer_in in = mapper_layer_in(net, NULL, li, 16);
	struct mapper_opts o = {.objective = OBJ_ENERGY, .threads = 1, .exhaustive = exhaustive};
	struct sim_err err;
	double t0 = sim_now_s();
	if (mapper_search_layer(a, t, &bits, &in, a->dataflow, &o, r, NULL, &err)) {
		sim_err_print(&err, stderr);
		exit(1);
	}
	return sim_now_s() - t0;
}

int main(int argc, char **argv)
{
	(void)argc;
	/* build/bench/energy_search -> build/esim */
	char esim[256];
	const char *b = strstr(argv[0], "bench/energy_search");
	snprintf(esim, sizeof esim, "%.*sesim", b ? (int)(b - argv[0]) : 0, argv[0]);
	if (!b)
		snprintf(esim, sizeof esim, "build/esim");
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

	double wall[REPEATS], cpu[REPEATS];
	struct net_result r = {0};
	for (int k = 0; k < REPEATS; k++) {
		struct net_eval_opts o = {.objective = OBJ_ENERGY, .threads = 2};
		net_result_deinit(&r);
		double t0 = sim_now_s(), c0 = cpu_seconds(RUSAGE_SELF);
		if (mapper_network_eval(&a, &t, &net, NULL, NULL, 16, &o, &r, &err)) {
			sim_err_print(&err, stderr);
			return 1;
		}
		wall[k] = sim_now_s() - t0;
		cpu[k] = cpu_seconds(RUSAGE_SELF) - c0;
	}
	double s = median(wall);
	printf("alexnet rs eyeriss-isca16-256 batch 16, 2 threads: %.3f s wall, %.3f CPU-s "
	       "(medians of %d), %llu GLB tilings, %llu mappings reached, %llu counted in full "
	       "(%.3g/s), energy %.4g %s, all layers feasible: %s\n",
	       s, median(cpu), REPEATS, (unsigned long long)r.stats.tilings,
	       (unsigned long long)r.stats.mappings, (unsigned long long)r.stats.evaluated,
	       (double)r.stats.evaluated / s, r.energy_total, t.unit, r.ok ? "yes" : "no");
	net_result_deinit(&r);

	int conv3 = wl_network_find(&net, "conv3");
	double cut[REPEATS], full[REPEATS];
	struct access_layer_result x, y;
	for (int k = 0; k < REPEATS; k++) {
		cut[k] = layer_search(&a, &t, &net, conv3, false, &x);
		full[k] = layer_search(&a, &t, &net, conv3, true, &y);
	}
	double mc = median(cut), mf = median(full);
	printf("alexnet conv3 rs, 1 thread: bounded %.3f s, exhaustive %.3f s (medians of %d): "
	       "%.1fx; same mapping and energy: %s\n",
	       mc, mf, REPEATS, mf / mc,
	       memcmp(&x.map, &y.map, sizeof x.map) == 0 && x.energy_total == y.energy_total ? "yes"
														   : "no");
	wl_network_deinit(&net);

	double sweep[REPEATS], runs[REPEATS], sweep_cpu[REPEATS];
	for (int k = 0; k < REPEATS; k++) {
		char dir[] = "/tmp/esim-bench-XXXXXX", cmd[1024];
		if (!mkdtemp(dir))
			return 1;
		snprintf(cmd, sizeof cmd,
			 "%s sweep experiments/vgg16-dataflows.yaml --results %s --no-plots "
			 ">/dev/null 2>&1", esim, dir);
		double t0 = sim_now_s(), c0 = cpu_seconds(RUSAGE_CHILDREN);
		int rc = system(cmd);
		sweep[k] = runs[k] = sim_now_s() - t0;
		sweep_cpu[k] = cpu_seconds(RUSAGE_CHILDREN) - c0;
		snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
		if (rc != 0 || system(cmd) != 0) {
			fprintf(stderr, "esim sweep failed\n");
			return 1;
		}
	}
	printf("vgg16-dataflows sweep (16 points, esim sweep, all cores): %.1f s wall, %.1f CPU-s "
	       "(medians of %d; walls %.1f %.1f %.1f s)\n",
	       median(sweep), median(sweep_cpu), REPEATS, runs[0], runs[1], runs[2]);
	return 0;
}
