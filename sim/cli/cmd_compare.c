/* `esim compare RESULTS`: the paired multi-seed comparison of two methods'
 * accuracy-energy fronts (report/compare.h), as a table, one summary line per
 * accuracy loss, and a plot of every seed's fronts with their mean. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/cli.h"
#include "report/compare.h"

static void usage(FILE *out)
{
	fprintf(out,
		"usage: esim compare RESULTS [--methods A,B] [--loss L]... [--where COLUMN=VALUE]...\n"
		"                    [--plots DIR] [--no-plots]\n"
		"  RESULTS is a sweep's results.csv or its folder. For every seed, reads each\n"
		"  method's accuracy-energy front at equal test-accuracy loss (default 0.5, 1 and\n"
		"  2 points), prints the per-seed ratio energy(B)/energy(A) and its geometric mean\n"
		"  with a 95%% confidence interval, and draws the fronts (default A energy-aware,\n"
		"  B magnitude; plots in plots/<folder name>/compare.png and .svg). --where\n"
		"  keeps only the points whose COLUMN (an axis such as granularity or wbits) is\n"
		"  VALUE; repeatable, all must hold.\n");
}

int cmd_compare(int argc, char **argv)
{
	static const struct option opts[] = {
		{"methods", required_argument, NULL, 'm'}, {"loss", required_argument, NULL, 'l'},
		{"plots", required_argument, NULL, 'p'},   {"no-plots", no_argument, NULL, 'n'},
		{"where", required_argument, NULL, 'w'},
		{"help", no_argument, NULL, 'h'},          {NULL, 0, NULL, 0},
	};
	struct compare_opts o;
	compare_opts_default(&o);
	const char *plots = NULL;
	bool no_plots = false, losses_given = false;
	char methods[256];
	struct sim_err err;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'm': {
			snprintf(methods, sizeof methods, "%s", optarg);
			char *comma = strchr(methods, ',');
			if (!comma || comma == methods || !comma[1] || strchr(comma + 1, ',')) {
				sim_err_set(&err, SIM_ERR_USAGE, NULL, 0, 0,
					    "--methods takes two method names, A,B (got '%s')", optarg);
				return cli_fail(&err);
			}
			*comma = '\0';
			o.method_a = methods;
			o.method_b = comma + 1;
			break;
		}
		case 'l': {
			if (!losses_given)
				o.n_losses = 0;
			losses_given = true;
			if (o.n_losses == COMPARE_MAX_LOSSES) {
				sim_err_set(&err, SIM_ERR_USAGE, NULL, 0, 0, "at most %d --loss values",
					    COMPARE_MAX_LOSSES);
				return cli_fail(&err);
			}
			double v;
			if (cli_parse_double("--loss", optarg, 0, 100, &v, &err))
				return cli_fail(&err);
			o.losses[o.n_losses++] = v;
			break;
		}
		case 'w': {
			/* optarg stays valid (it points into argv), so it is split in place. */
			char *eq = strchr(optarg, '=');
			if (!eq || eq == optarg || o.n_where == COMPARE_MAX_WHERE) {
				sim_err_set(&err, SIM_ERR_USAGE, NULL, 0, 0,
					    "--where takes COLUMN=VALUE, at most %d times (got '%s')",
					    COMPARE_MAX_WHERE, optarg);
				return cli_fail(&err);
			}
			*eq = '\0';
			o.where[o.n_where++] = (struct compare_where){optarg, eq + 1};
			break;
		}
		case 'p': plots = optarg; break;
		case 'n': no_plots = true; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc - 1) {
		usage(stderr);
		return 2;
	}
	for (size_t a = 1; a < o.n_losses; a++) /* ascending, for the table and the plot */
		for (size_t b = a; b > 0 && o.losses[b] < o.losses[b - 1]; b--) {
			double t = o.losses[b];
			o.losses[b] = o.losses[b - 1];
			o.losses[b - 1] = t;
		}
	/* RESULTS: a CSV file, or a folder holding results.csv. */
	char dir[512], csv[600], def_plots[600], made[512] = "";
	snprintf(dir, sizeof dir, "%s", argv[optind]);
	struct stat st;
	if (stat(dir, &st) == 0 && S_ISDIR(st.st_mode)) {
		size_t len = strlen(dir);
		while (len > 1 && dir[len - 1] == '/')
			dir[--len] = '\0';
		snprintf(csv, sizeof csv, "%s/results.csv", dir);
	} else {
		snprintf(csv, sizeof csv, "%s", dir);
		char *slash = strrchr(dir, '/');
		if (slash)
			*slash = '\0';
		else
			snprintf(dir, sizeof dir, ".");
	}
	const char *base = strrchr(dir, '/') ? strrchr(dir, '/') + 1 : dir;
	snprintf(def_plots, sizeof def_plots, "plots/%s", base);
	o.plot_dir = no_plots ? NULL : plots ? plots : def_plots;
	if (report_compare(csv, &o, stdout, made, sizeof made, &err))
		return cli_fail(&err);
	if (o.plot_dir)
		printf("plots: %s/ (%s)\n", o.plot_dir, made);
	return 0;
}
