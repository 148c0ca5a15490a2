/* `esim latency`: measured batch-1 inference time of each CONV/FC layer of a
 * network on this CPU in every storage format (latency/formats.h), over
 * weight densities, with the break-even densities where the sparse formats
 * beat the dense ones, and a figure (report/latency_plot.h).
 *
 * The measuring thread is pinned to one core and OpenBLAS runs on that one
 * thread, so every format gets the same single core; times are that thread's
 * CPU time (CLOCK_THREAD_CPUTIME_ID), which on a shared machine leaves out
 * the turns other processes take on the core (on an idle machine it is the
 * wall-clock latency). With --model the
 * model's own masks are measured too ("own"), and the network totals give
 * the measured speed-up of a pruned (or Deep Compression) model over its
 * dense version. Times are medians over the repeats, with the interquartile
 * range; they vary between runs and machines and are never recorded as
 * results of a sweep. */
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_rng.h>

#include "cli/cli.h"
#include "compress/pipeline.h"
#include "core/mem.h"
#include "latency/timing.h"
#include "nn/checkpoint.h"
#include "report/latency_plot.h"

void openblas_set_num_threads(int num_threads);

#define MAX_DENSITIES 32
#define MAX_LAYERS 64

static void usage(FILE *out)
{
	fprintf(out,
		"usage: esim latency (--net FILE | --model FILE.ckpt|.esz) [--density D]...\n"
		"                    [--layer NAME]... [--repeats N] [--warmup N] [--min-sample-ms T]\n"
		"                    [--simd-width W] [--dc-wbits B] [--dc-ibits B] [--seed S]\n"
		"                    [--cpu N] [--csv FILE] [--plot DIR]\n"
		"  Times one batch-1 inference of each CONV/FC layer in the formats dense (esim's\n"
		"  kernels), blas (OpenBLAS), csr, simd (Scalpel's groups of W weights), node\n"
		"  (rows removed) and dc (Deep Compression's relative indices and codebook,\n"
		"  decoded on the fly), at each density (default 1 0.5 0.3 0.2 0.1 0.05 0.03\n"
		"  0.02 0.01), and prints the median per call [interquartile range] in\n"
		"  microseconds and the break-even densities. --net uses random weights (He,\n"
		"  --seed); --model the model's weights, and also times its own masks.\n"
		"  Times are the thread's CPU time (other processes' turns on the core left\n"
		"  out). Defaults: 21 repeats after 5 warm-up samples of at least 0.5 ms,\n"
		"  W 8, dc codebooks of 2^5 (k-means, unless the layer has at most 256 distinct\n"
		"  weights) and 5-bit indices, the current CPU, plots in plots/latency-NAME/.\n");
}

struct cli_opts {
	const char *net, *model, *csv, *plot;
	double densities[MAX_DENSITIES];
	size_t n_densities;
	const char *layers[MAX_LAYERS];
	size_t n_layers;
	uint64_t repeats, warmup, simd_width, dc_wbits, dc_ibits, seed, cpu;
	double min_sample_ms;
	bool cpu_given;
};

static int cmp_desc(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x < y) - (x > y);
}

static int parse(int argc, char **argv, struct cli_opts *c, struct sim_err *err)
{
	enum { O_NET = 1, O_MODEL, O_DENSITY, O_LAYER, O_REPEATS, O_WARMUP, O_MIN, O_SIMD,
	       O_DCW, O_DCI, O_SEED, O_CPU, O_CSV, O_PLOT, O_HELP };
	static const struct option opts[] = {
		{"net", required_argument, NULL, O_NET},
		{"model", required_argument, NULL, O_MODEL},
		{"density", required_argument, NULL, O_DENSITY},
		{"layer", required_argument, NULL, O_LAYER},
		{"repeats", required_argument, NULL, O_REPEATS},
		{"warmup", required_argument, NULL, O_WARMUP},
		{"min-sample-ms", required_argument, NULL, O_MIN},
		{"simd-width", required_argument, NULL, O_SIMD},
		{"dc-wbits", required_argument, NULL, O_DCW},
		{"dc-ibits", required_argument, NULL, O_DCI},
		{"seed", required_argument, NULL, O_SEED},
		{"cpu", required_argument, NULL, O_CPU},
		{"csv", required_argument, NULL, O_CSV},
		{"plot", required_argument, NULL, O_PLOT},
		{"help", no_argument, NULL, O_HELP},
		{NULL, 0, NULL, 0},
	};
	memset(c, 0, sizeof *c);
	c->repeats = 21;
	c->warmup = 5;
	c->min_sample_ms = 0.5;
	c->simd_width = 8;
	c->dc_wbits = 5;
	c->dc_ibits = 5;
	c->seed = 1;
	int o;
	optind = 1;
	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		int rc = 0;
		switch (o) {
		case O_NET: c->net = optarg; break;
		case O_MODEL: c->model = optarg; break;
		case O_CSV: c->csv = optarg; break;
		case O_PLOT: c->plot = optarg; break;
		case O_DENSITY:
			if (c->n_densities == MAX_DENSITIES)
				return sim_err_set(err, SIM_ERR_USAGE, NULL, 0, 0,
						   "at most %d --density values", MAX_DENSITIES);
			rc = cli_parse_double("--density", optarg, 1e-6, 1, &c->densities[c->n_densities++],
					      err);
			break;
		case O_LAYER:
			if (c->n_layers == MAX_LAYERS)
				return sim_err_set(err, SIM_ERR_USAGE, NULL, 0, 0,
						   "at most %d --layer names", MAX_LAYERS);
			c->layers[c->n_layers++] = optarg;
			break;
		case O_REPEATS: rc = cli_parse_u64("--repeats", optarg, 1, 10000, &c->repeats, err); break;
		case O_WARMUP: rc = cli_parse_u64("--warmup", optarg, 0, 1000, &c->warmup, err); break;
		case O_MIN:
			rc = cli_parse_double("--min-sample-ms", optarg, 0, 10000, &c->min_sample_ms, err);
			break;
		case O_SIMD: rc = cli_parse_u64("--simd-width", optarg, 1, 64, &c->simd_width, err); break;
		case O_DCW: rc = cli_parse_u64("--dc-wbits", optarg, 1, 8, &c->dc_wbits, err); break;
		case O_DCI: rc = cli_parse_u64("--dc-ibits", optarg, 1, 8, &c->dc_ibits, err); break;
		case O_SEED: rc = cli_parse_u64("--seed", optarg, 0, UINT64_MAX, &c->seed, err); break;
		case O_CPU:
			rc = cli_parse_u64("--cpu", optarg, 0, CPU_SETSIZE - 1, &c->cpu, err);
			c->cpu_given = true;
			break;
		case O_HELP: usage(stdout); return -1;
		default: usage(stderr); return SIM_ERR_USAGE;
		}
		if (rc)
			return rc;
	}
	if ((!c->net == !c->model) || optind != argc) {
		usage(stderr);
		return SIM_ERR_USAGE;
	}
	if (c->n_densities == 0) {
		static const double def[] = {1, 0.5, 0.3, 0.2, 0.1, 0.05, 0.03, 0.02, 0.01};
		memcpy(c->densities, def, sizeof def);
		c->n_densities = sizeof def / sizeof def[0];
	}
	qsort(c->densities, c->n_densities, sizeof *c->densities, cmp_desc);
	return 0;
}

/* The model to time: a checkpoint or .esz, or the network with He weights. */
static int load_model(const struct cli_opts *c, struct nn_model *m, struct sim_err *err)
{
	if (c->model)
		return cmp_model_load_any(m, NULL, c->model, 1, 1, err);
	struct wl_network net;
	int rc = wl_network_load(&net, c->net, err);
	if (!rc)
		rc = nn_model_init(m, &net, 1, 1, err);
	if (!rc) {
		gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
		gsl_rng_set(rng, c->seed);
		nn_model_init_weights(m, NN_INIT_HE, rng);
		gsl_rng_free(rng);
	}
	wl_network_deinit(&net);
	return rc;
}

static void print_point(const char *label, const struct lat_point *p)
{
	printf("%-10s", label);
	for (int k = 0; k < LAT_FORMAT_COUNT; k++) {
		const struct lat_stat *t = &p->t[k];
		char cell[48];
		snprintf(cell, sizeof cell, "%.3g [%.3g-%.3g]", 1e6 * t->median_s, 1e6 * t->q1_s,
			 1e6 * t->q3_s);
		printf(" %21s", cell);
	}
	putchar('\n');
}

static void print_break_even(const struct lat_layer_result *r)
{
	static const enum lat_format sparse[] = {LAT_CSR, LAT_SIMD, LAT_DC};
	static const enum lat_format refs[] = {LAT_DENSE, LAT_BLAS};
	printf("break-even density (sparse faster below it):");
	for (size_t j = 0; j < 2; j++) {
		printf("%s vs %s:", j ? ";" : "", lat_format_names[refs[j]]);
		for (size_t i = 0; i < 3; i++) {
			struct lat_break_even b = lat_break_even(r->points, r->n_points, sparse[i], refs[j]);
			printf(" %s %s%.3g", lat_format_names[sparse[i]],
			       b.kind > 0 ? ">=" : b.kind < 0 ? "<" : "", b.density);
		}
	}
	putchar('\n');
}

static void print_header(uint32_t simd_width)
{
	printf("%-10s", "density");
	for (int k = 0; k < LAT_FORMAT_COUNT; k++) {
		char name[16];
		if (k == LAT_SIMD)
			snprintf(name, sizeof name, "simd%u", simd_width);
		else
			snprintf(name, sizeof name, "%s", lat_format_names[k]);
		printf(" %21s", name);
	}
	putchar('\n');
}

/* Sum over layers of one point's medians and quartiles (quartiles of a sum
 * are not sums of quartiles: the total's range is only indicative). */
static void add_point(struct lat_point *sum, const struct lat_point *p)
{
	for (int k = 0; k < LAT_FORMAT_COUNT; k++) {
		sum->t[k].median_s += p->t[k].median_s;
		sum->t[k].q1_s += p->t[k].q1_s;
		sum->t[k].q3_s += p->t[k].q3_s;
	}
}

static int write_csv(const char *path, const struct lat_layer_result *res, size_t n,
		     struct sim_err *err)
{
	FILE *f = fopen(path, "w");
	if (!f)
		return sim_err_set(err, SIM_ERR_IO, path, 0, 0, "cannot write: %m");
	fprintf(f, "layer,masks,density,format,median_us,q1_us,q3_us,calls,bytes,kept\n");
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j <= res[i].n_points; j++) {
			const struct lat_point *p = j < res[i].n_points ? &res[i].points[j] : &res[i].own;
			if (j == res[i].n_points && !res[i].has_own)
				continue;
			for (int k = 0; k < LAT_FORMAT_COUNT; k++)
				fprintf(f, "%s,%s,%.6g,%s,%.4f,%.4f,%.4f,%" PRIu64 ",%" PRIu64 ",%.6f\n",
					res[i].name, j < res[i].n_points ? "swept" : "own", p->density,
					lat_format_names[k], 1e6 * p->t[k].median_s, 1e6 * p->t[k].q1_s,
					1e6 * p->t[k].q3_s, p->t[k].calls, p->t[k].bytes, p->t[k].kept);
		}
	if (fclose(f) != 0)
		return sim_err_set(err, SIM_ERR_IO, path, 0, 0, "write failed: %m");
	return 0;
}

static int pin(const struct cli_opts *c, int *cpu_out, struct sim_err *err)
{
	int cpu = c->cpu_given ? (int)c->cpu : sched_getcpu();
	cpu_set_t set;
	CPU_ZERO(&set);
	CPU_SET(cpu < 0 ? 0 : cpu, &set);
	if (sched_setaffinity(0, sizeof set, &set) != 0)
		return sim_err_set(err, SIM_ERR_USAGE, NULL, 0, 0, "cannot pin to CPU %d: %m", cpu);
	openblas_set_num_threads(1);
	*cpu_out = cpu;
	return 0;
}

int cmd_latency(int argc, char **argv)
{
	struct cli_opts c;
	struct sim_err err;
	sim_err_clear(&err);
	int rc = parse(argc, argv, &c, &err);
	if (rc == -1)
		return 0;
	if (rc)
		return err.code ? cli_fail(&err) : 2;
	struct nn_model m;
	memset(&m, 0, sizeof m);
	struct lat_layer_result *res = NULL;
	size_t n_res = 0;
	int cpu = 0;
	if ((rc = load_model(&c, &m, &err)) || (rc = pin(&c, &cpu, &err)))
		goto fail;
	for (size_t i = 0; i < c.n_layers; i++) {
		int li = wl_network_find(&m.net, c.layers[i]);
		if (li < 0 || !wl_layer_has_weights(&m.net.layers[li])) {
			rc = sim_err_set(&err, SIM_ERR_USAGE, NULL, 0, 0,
					 "--layer %s: %s has no CONV/FC layer of that name", c.layers[i],
					 m.net.name);
			goto fail;
		}
	}
	if (!(res = sim_calloc((size_t)m.n_layers, sizeof *res, &err))) {
		rc = SIM_ERR_NOMEM;
		goto fail;
	}
	struct lat_opts o = {
		.densities = c.densities, .n_densities = c.n_densities,
		.warmup = (uint32_t)c.warmup, .repeats = (uint32_t)c.repeats,
		.min_sample_s = 1e-3 * c.min_sample_ms,
		.fmt = {(uint32_t)c.simd_width, (unsigned)c.dc_wbits, (unsigned)c.dc_ibits},
		.seed = c.seed,
	};
	printf("%s (%s), batch 1, one thread pinned to CPU %d; time per inference in microseconds:\n"
	       "median [interquartile range] over %" PRIu64 " samples of >= %g ms after %" PRIu64
	       " warm-up\n",
	       m.net.name, c.model ? c.model : c.net, cpu, c.repeats, c.min_sample_ms, c.warmup);
	for (int li = 0; li < m.n_layers; li++) {
		if (!wl_layer_has_weights(&m.net.layers[li]))
			continue;
		bool wanted = c.n_layers == 0;
		for (size_t i = 0; i < c.n_layers; i++)
			wanted |= strcmp(c.layers[i], m.net.layers[li].name) == 0;
		if (!wanted)
			continue;
		if (cli_is_tty(2))
			fprintf(stderr, "\rtiming %s ...", m.net.layers[li].name);
		struct lat_layer_result *r = &res[n_res];
		if ((rc = lat_measure_layer(&m, li, &o, c.model != NULL, r, &err)))
			goto fail;
		n_res++;
		if (cli_is_tty(2))
			fprintf(stderr, "\r%*s\r", 40, "");
		printf("\n%s: %s, %u x %u weights%s, %u output position%s\n", r->name,
		       r->l.conv ? "CONV" : "FC", r->l.rows, r->l.cols,
		       r->l.s.G > 1 ? " per group" : "", r->l.positions, r->l.positions > 1 ? "s" : "");
		print_header((uint32_t)c.simd_width);
		for (size_t i = 0; i < r->n_points; i++) {
			char label[16];
			snprintf(label, sizeof label, "%.3g", r->points[i].density);
			print_point(label, &r->points[i]);
		}
		if (r->has_own) {
			char label[24];
			snprintf(label, sizeof label, "own %.3f", r->own.density);
			print_point(label, &r->own);
		}
		print_break_even(r);
	}
	printf("\nnetwork (sum of the layers' medians):\n");
	print_header((uint32_t)c.simd_width);
	for (size_t i = 0; n_res && i < res[0].n_points; i++) {
		struct lat_point sum;
		memset(&sum, 0, sizeof sum);
		for (size_t j = 0; j < n_res; j++)
			add_point(&sum, &res[j].points[i]);
		char label[16];
		snprintf(label, sizeof label, "%.3g", res[0].points[i].density);
		print_point(label, &sum);
	}
	if (n_res && res[0].has_own) {
		struct lat_point sum;
		memset(&sum, 0, sizeof sum);
		for (size_t j = 0; j < n_res; j++)
			add_point(&sum, &res[j].own);
		print_point("own", &sum);
		printf("own masks: speed-up over dense %.2fx (csr), %.2fx (simd), %.2fx (dc); over "
		       "blas %.2fx (csr), %.2fx (dc)\n",
		       sum.t[LAT_DENSE].median_s / sum.t[LAT_CSR].median_s,
		       sum.t[LAT_DENSE].median_s / sum.t[LAT_SIMD].median_s,
		       sum.t[LAT_DENSE].median_s / sum.t[LAT_DC].median_s,
		       sum.t[LAT_BLAS].median_s / sum.t[LAT_CSR].median_s,
		       sum.t[LAT_BLAS].median_s / sum.t[LAT_DC].median_s);
	}
	if (c.csv && (rc = write_csv(c.csv, res, n_res, &err)))
		goto fail;
	char dir[512];
	if (c.plot)
		snprintf(dir, sizeof dir, "%s", c.plot);
	else
		snprintf(dir, sizeof dir, "plots/latency-%s", m.net.name);
	if ((rc = report_plot_latency(res, n_res, m.net.name, (uint32_t)c.simd_width, dir, &err)))
		goto fail;
	printf("plot: %s/latency.png and latency.svg\n", dir);
	goto done;
fail:
	rc = cli_fail(&err);
done:
	for (size_t i = 0; res && i < n_res; i++)
		lat_layer_result_deinit(&res[i]);
	free(res);
	nn_model_deinit(&m);
	return rc;
}
