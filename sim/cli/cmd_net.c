/* `esim net --net FILE`: prints a network's layers with their inferred shapes,
 * weights and MACs per image, so a network file can be checked by eye. */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "workload/network.h"

static void usage(FILE *out)
{
	fprintf(out, "usage: esim net --net FILE\n"
		     "  Print the layers of a network with inferred shapes, weights and MACs.\n");
}

int cmd_net(int argc, char **argv)
{
	static const struct option opts[] = {
		{"net", required_argument, NULL, 'n'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *path = NULL;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'n') {
			path = optarg;
		} else if (c == 'h') {
			usage(stdout);
			return 0;
		} else {
			usage(stderr);
			return 2;
		}
	}
	if (!path || optind != argc) {
		usage(stderr);
		return 2;
	}
	struct sim_err err;
	struct wl_network net;
	if (wl_network_load(&net, path, &err))
		return cli_fail(&err);
	printf("%-14s %-8s %16s %16s %12s %14s\n", "layer", "type", "input", "output", "weights",
	       "MACs");
	uint64_t tw = 0, tm = 0;
	for (int i = 0; i < net.n_layers; i++) {
		const struct wl_layer *l = &net.layers[i];
		char in[32], out[32];
		snprintf(in, sizeof in, "%ux%ux%u", l->in.c, l->in.h, l->in.w);
		snprintf(out, sizeof out, "%ux%ux%u", l->out.c, l->out.h, l->out.w);
		uint64_t w = wl_layer_weights(l), m = wl_layer_macs(l);
		tw += w;
		tm += m;
		printf("%-14s %-8s %16s %16s %12" PRIu64 " %14" PRIu64 "\n", l->name,
		       wl_layer_type_names[l->type], in, out, w, m);
	}
	printf("%-14s %-8s %16s %16s %12" PRIu64 " %14" PRIu64 "\n", "total", "", "", "", tw, tm);
	wl_network_deinit(&net);
	return 0;
}
