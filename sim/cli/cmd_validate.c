/* `esim validate`: esim's values beside the published figures listed in a
 * validation file (default configs/validation/published.yaml), with the
 * relative error of each; exits 1 when a row is past its tolerance. */
#include <getopt.h>
#include <stdio.h>

#include "cli/cli.h"
#include "validate/validate.h"

static void usage(FILE *out)
{
	fprintf(out,
		"usage: esim validate [FILE] [--threads N]\n"
		"  Recomputes every published figure of FILE (default\n"
		"  configs/validation/published.yaml) and prints published value, esim's value,\n"
		"  relative error, goal and tolerance. Exit status 1 if a row fails.\n");
}

int cmd_validate(int argc, char **argv)
{
	static const struct option opts[] = {
		{"threads", required_argument, NULL, 't'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct sim_err err;
	uint64_t threads = 2;
	int c;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 't':
			if (cli_parse_u64("--threads", optarg, 1, 256, &threads, &err))
				return cli_fail(&err);
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			sim_err_set(&err, SIM_ERR_USAGE, NULL, 0, 0, "unknown or incomplete option '%s'",
				    argv[optind - 1]);
			return cli_fail(&err);
		}
	}
	if (argc - optind > 1) {
		usage(stderr);
		sim_err_set(&err, SIM_ERR_USAGE, NULL, 0, 0, "unexpected argument '%s'",
			    argv[optind + 1]);
		return cli_fail(&err);
	}
	const char *path = optind < argc ? argv[optind] : "configs/validation/published.yaml";
	struct validate_report rep;
	if (validate_run(path, (int)threads, &rep, &err))
		return cli_fail(&err);
	int failed = validate_report_print(&rep, stdout);
	validate_report_deinit(&rep);
	return failed ? 1 : 0;
}
