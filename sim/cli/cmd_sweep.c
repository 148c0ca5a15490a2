/* `esim sweep EXPERIMENT.yaml` and `esim plot RESULTS_DIR`: run an experiment
 * (see sweep/run.h) and redraw its plots from results.csv alone. */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "report/plot.h"
#include "sweep/run.h"

static void sweep_usage(FILE *out)
{
	fprintf(out,
		"usage: esim sweep EXPERIMENT.yaml [--jobs N] [--results DIR] [--plots DIR] [--no-plots]\n"
		"                  [--quiet]\n"
		"  Runs every point of the experiment in parallel, appending one row per finished\n"
		"  point to DIR/results.csv (default: <experiment folder>/<name>/); a sweep started\n"
		"  again skips the points already there. Plots go to plots/<name>/ by default.\n"
		"  --quiet shows no progress.\n");
}

int cmd_sweep(int argc, char **argv)
{
	static const struct option opts[] = {
		{"jobs", required_argument, NULL, 'j'},     {"results", required_argument, NULL, 'r'},
		{"plots", required_argument, NULL, 'p'},    {"no-plots", no_argument, NULL, 'n'},
		{"quiet", no_argument, NULL, 'q'},          {"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
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
		case 'h': sweep_usage(stdout); return 0;
		default: sweep_usage(stderr); return 2;
		}
	}
	if (optind != argc - 1) {
		sweep_usage(stderr);
		return 2;
	}
	struct sweep_summary s;
	if (sweep_run(argv[optind], &o, &s, &err))
		return cli_fail(&err);
	printf("%zu points (%zu run now, %zu from an earlier run)\nresults: %s\n", s.points, s.ran,
	       s.skipped, s.results_csv);
	if (!plots)
		return 0;
	char def_dir[600], made[1024];
	snprintf(def_dir, sizeof def_dir, "plots/%s", s.name);
	if (report_plot_sweep(s.results_csv, plots_dir ? plots_dir : def_dir, made, sizeof made,
			      &err))
		return cli_fail(&err);
	printf("plots:   %s/ (%s)\n", plots_dir ? plots_dir : def_dir, made);
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
