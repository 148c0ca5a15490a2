/* esim command line: dispatches to one subcommand per task. Only this file
 * chooses the process exit status. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

struct command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *help;
};

static const struct command commands[] = {
	{"net", cmd_net, "print a network's layers, shapes, weights and MACs"},
	{"train", cmd_train, "train a network on an IDX data set and write a checkpoint"},
	{"eval", cmd_eval, "test accuracy and loss of a checkpoint"},
	{"storage", cmd_storage, "Deep Compression storage accounting (P+Q) for a sparsity profile"},
	{"energy", cmd_energy, "per-layer energy of a network on an accelerator (best mappings)"},
	{"sweep", cmd_sweep, "run an experiment: pruning, quantisation and hardware sweeps"},
	{"plot", cmd_plot, "redraw a sweep's plots from its results.csv"},
	{"compare", cmd_compare, "two methods' energy at equal accuracy loss over seeds, with a CI"},
	{"merge", cmd_merge, "join the results files of a sweep's shards"},
	{"compress", cmd_compress, "prune, quantise and Huffman-code a trained model (.esz)"},
	{"validate", cmd_validate, "esim's values beside the published figures it reproduces"},
	{"latency", cmd_latency, "measured CPU time of each layer, dense and sparse, over densities"},
	{"config", cmd_config, "print the configuration reference (every YAML key)"},
};

static void usage(FILE *out)
{
	fprintf(out, "usage: esim COMMAND [options]   (esim COMMAND --help for details)\n\n");
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].help);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return 0;
	}
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		if (strcmp(argv[1], commands[i].name) == 0)
			return commands[i].run(argc - 1, argv + 1);
	fprintf(stderr, "esim: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return 2;
}
