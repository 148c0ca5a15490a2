/* `esim config [KIND]`: the configuration reference, every key of every kind
 * of YAML file with its type, allowed values, default and meaning, written
 * in Markdown from the same field tables that decode the files (cfg_schema).
 * docs/configuration.md holds this output; a test keeps the two equal. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "arch/arch.h"
#include "arch/energy.h"
#include "cfg/cfg.h"
#include "cli/cli.h"
#include "compress/recipe.h"
#include "mapper/mapping_file.h"
#include "sweep/experiment.h"
#include "workload/network.h"
#include "workload/sparsity.h"

const struct cfg_schema *const cli_config_schemas[] = {
	&arch_schema,         &energy_table_schema, &wl_network_schema,  &wl_sparsity_schema,
	&mapper_fixed_schema, &sweep_experiment_schema, &cmp_recipe_schema,
};
const int cli_config_schema_count =
	(int)(sizeof cli_config_schemas / sizeof cli_config_schemas[0]);

static void usage(FILE *out)
{
	fprintf(out, "usage: esim config [KIND]\n"
		     "  Print the configuration reference in Markdown: every key of a kind of\n"
		     "  YAML file (or of all kinds) with its type, allowed values, default and\n"
		     "  meaning. KIND is one of:");
	for (int i = 0; i < cli_config_schema_count; i++)
		fprintf(out, " %s", cli_config_schemas[i]->kind);
	fprintf(out, ".\n");
}

int cmd_config(int argc, char **argv)
{
	static const struct option opts[] = {
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'h') {
			usage(stdout);
			return 0;
		}
		usage(stderr);
		return 2;
	}
	if (argc - optind > 1) {
		usage(stderr);
		return 2;
	}
	const char *kind = optind < argc ? argv[optind] : NULL;
	int shown = 0;
	for (int i = 0; i < cli_config_schema_count; i++) {
		if (kind && strcmp(kind, cli_config_schemas[i]->kind) != 0)
			continue;
		if (shown++)
			printf("\n");
		cfg_schema_write_markdown(cli_config_schemas[i], stdout);
	}
	if (!shown) {
		fprintf(stderr, "esim: error: unknown kind '%s'\n", kind);
		usage(stderr);
		return 2;
	}
	return fflush(stdout) == 0 ? 0 : 1;
}
