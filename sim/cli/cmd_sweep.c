/* `esim sweep EXPERIMENT.yaml` (in one process, over MPI ranks when an MPI
 * launcher started it, or one shard of it), `esim merge` (joins shards) and
 * `esim plot RESULTS_DIR` (redraws the plots from results.csv alone). */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "report/plot.h"
#include "sweep/merge.h"
#include "sweep/run.h"
#include "sweep/run_mpi.h"

static void sweep_usage(FILE *out)
{
	fprintf(out,
		"usage: esim sweep EXPERIMENT.yaml [--jobs N] [--results DIR] [--plots DIR] [--no-plots]\n"
		"                  [--shard K/N] [--quiet]\n"
		"  Runs every point of the experiment in parallel, appending one row per finished\n"
		"  point to DIR/results.csv (default: <experiment folder>/<name>/); a sweep started\n"
		"  again skips the points already there. Plots go to plots/<name>/ by default.\n"
		"  Under mpirun or srun --mpi=pmix the ranks share the sweep: rank 0 writes the\n"
		"  results and runs groups too; --jobs is then the baseline's training threads\n"
		"  (default: the ranks on rank 0's node). See docs/cluster.md.\n"
		"  --shard K/N runs only shard K (0 <= K < N) into DIR/results.shard-K-of-N.csv,\n"
		"  for job arrays; esim merge joins the shards.\n");
}

/* "K/N" with 0 <= K < N. */
static int parse_shard(const char *s, unsigned *k, unsigned *n, struct sim_err *err)
{
	char buf[64];
	snprintf(buf, sizeof buf, "%s", s);
	char *slash = strchr(buf, '/');
	uint64_t kv, nv;
	if (!slash)
		return sim_err_set(err, SIM_ERR_USAGE, NULL, 0, 0, "--shard expects K/N, got '%s'", s);
	*slash = '\0';
	if (cli_parse_u64("--shard's N", slash + 1, 1, 1000000, &nv, err) ||
	    cli_parse_u64("--shard's K", buf, 0, nv - 1, &kv, err))
		return SIM_ERR_USAGE;
	*k = (unsigned)kv;
	*n = (unsigned)nv;
	return 0;
}

int cmd_sweep(int argc, char **argv)
{
	static const struct option opts[] = {
		{"jobs", required_argument, NULL, 'j'},     {"results", required_argument, NULL, 'r'},
		{"plots", required_argument, NULL, 'p'},    {"no-plots", no_argument, NULL, 'n'},
		{"quiet", no_argument, NULL, 'q'},          {"shard", required_argument, NULL, 's'},
		{"help", no_argument, NULL, 'h'},           {NULL, 0, NULL, 0},
	};
	struct sweep_run_opts o = {.progress_tty = cli_is_tty(STDERR_FILENO)};
	const char *plots_dir = NULL;
	bool plots = true;
	struct sim_err err;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		uint64_t v;
		switch (c) {
		case 'j':
			if (cli_parse_u64("--jobs", optarg, 1, 256, &v, &err))
				return cli_fail(&err);
			o.jobs = (int)v;
			break;
		case 'r': o.results_dir = optarg; break;
		case 'p': plots_dir = optarg; break;
		case 'n': plots = false; break;
		case 'q': o.quiet = true; break;
		case 's':
			if (parse_shard(optarg, &o.shard_index, &o.shard_count, &err))
				return cli_fail(&err);
			break;
		case 'h': sweep_usage(stdout); return 0;
		default: sweep_usage(stderr); return 2;
		}
	}
	if (optind != argc - 1) {
		sweep_usage(stderr);
		return 2;
	}
	struct sweep_summary s;
	bool root = true;
	int rc = sweep_mpi_launched() ? sweep_run_mpi(argv[optind], &o, &s, &root, &err)
				      : sweep_run(argv[optind], &o, &s, &err);
	if (!root) /* an MPI worker rank: rank 0 reports */
		return 0;
	if (rc)
		return cli_fail(&err);
	printf("%zu points (%zu run now, %zu from an earlier run", s.points, s.ran, s.skipped);
	if (s.outside_shard)
		printf(", %zu in other shards", s.outside_shard);
	printf(")\nresults: %s\n", s.results_csv);
	if (s.ranks)
		printf("ranks:   %zu; coordinator busy %.3f s for %zu rows from other ranks\n",
		       s.ranks, s.coordinator_s, s.coordinator_rows);
	if (!plots)
		return 0;
	if (o.shard_count > 1) {
		printf("plots:   none for a shard (esim merge the shards, then esim plot)\n");
		return 0;
	}
	char def_dir[600], made[1024];
	snprintf(def_dir, sizeof def_dir, "plots/%s", s.name);
	if (report_plot_sweep(s.results_csv, plots_dir ? plots_dir : def_dir, made, sizeof made,
			      &err))
		return cli_fail(&err);
	printf("plots:   %s/ (%s)\n", plots_dir ? plots_dir : def_dir, made);
	return 0;
}

static void merge_usage(FILE *out)
{
	fprintf(out, "usage: esim merge OUT.csv IN.csv [IN.csv ...]\n"
		     "  Joins results files of one experiment (the shards of esim sweep --shard)\n"
		     "  into OUT.csv: each point once (the same point in two files must agree in\n"
		     "  every column but pareto), Pareto marks recomputed, rows already in OUT.csv\n"
		     "  kept. OUT.csv is replaced atomically.\n");
}

int cmd_merge(int argc, char **argv)
{
	if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		merge_usage(stdout);
		return 0;
	}
	if (argc < 3 || argv[1][0] == '-') {
		merge_usage(stderr);
		return 2;
	}
	struct sweep_merge_stats st;
	struct sim_err err;
	if (sweep_merge(argv[1], (const char *const *)(argv + 2), (size_t)argc - 2, &st, &err))
		return cli_fail(&err);
	printf("%zu rows from %zu files (%zu duplicates dropped", st.rows, st.files, st.duplicates);
	if (st.partial)
		printf(", %zu half-written last lines ignored", st.partial);
	printf(")\nresults: %s\n", argv[1]);
	return 0;
}

static void plot_usage(FILE *out)
{
	fprintf(out, "usage: esim plot RESULTS_DIR [--out DIR]\n"
		     "  Redraws the plots of a sweep from RESULTS_DIR/results.csv alone\n"
		     "  (default output: plots/<basename of RESULTS_DIR>/).\n");
}

int cmd_plot(int argc, char **argv)
{
	static const struct option opts[] = {
		{"out", required_argument, NULL, 'o'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *out_dir = NULL;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'o') {
			out_dir = optarg;
		} else if (c == 'h') {
			plot_usage(stdout);
			return 0;
		} else {
			plot_usage(stderr);
			return 2;
		}
	}
	if (optind != argc - 1) {
		plot_usage(stderr);
		return 2;
	}
	char dir[512], csv[600], def_out[600], made[1024];
	snprintf(dir, sizeof dir, "%s", argv[optind]);
	size_t len = strlen(dir);
	while (len > 1 && dir[len - 1] == '/')
		dir[--len] = '\0';
	const char *base = strrchr(dir, '/') ? strrchr(dir, '/') + 1 : dir;
	snprintf(csv, sizeof csv, "%s/results.csv", dir);
	snprintf(def_out, sizeof def_out, "plots/%s", base);
	struct sim_err err;
	if (report_plot_sweep(csv, out_dir ? out_dir : def_out, made, sizeof made, &err))
		return cli_fail(&err);
	printf("plots: %s/ (%s)\n", out_dir ? out_dir : def_out, made);
	return 0;
}
