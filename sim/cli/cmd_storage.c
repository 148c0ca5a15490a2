/* `esim storage`: Deep Compression's storage accounting (P+Q: pruning plus
 * quantisation) for a network and a sparsity profile, without training: each
 * CONV/FC layer gets a random mask of whole groups (at the profile's
 * granularity) with the profile's weight density, drawn from a seeded gsl_rng,
 * and is costed as relative-index entries with fixed-width weight codes and a
 * 2^wbits-entry 32-bit codebook (compress/storage.h). Biases are not counted,
 * as in the paper's Table 2, whose rates cover weights, indices and codebooks. */
#include <getopt.h>
#include <gsl/gsl_rng.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli/cli.h"
#include "compress/storage.h"
#include "core/mem.h"
#include "workload/sparsity.h"

static void usage(FILE *out)
{
	fprintf(out,
		"usage: esim storage --net FILE --sparsity FILE --wbits-conv B --wbits-fc B\n"
		"                    --ibits B [--seed S] [--fc-block N] [--csv FILE]\n"
		"  Deep Compression P+Q storage of a pruned, weight-shared network (random masks\n"
		"  at the profile's densities). --fc-block is the row-block length of FC layers\n"
		"  pruned at 1d granularity (default 4). --csv - writes the CSV to stdout\n"
		"  instead of the table.\n");
}

struct storage_opts {
	const char *net, *sparsity, *csv;
	uint64_t wbits_conv, wbits_fc, ibits, seed, fc_block;
};

static int parse(int argc, char **argv, struct storage_opts *o, struct sim_err *err)
{
	static const struct option opts[] = {
		{"net", required_argument, NULL, 'n'},
		{"sparsity", required_argument, NULL, 's'},
		{"wbits-conv", required_argument, NULL, 'c'},
		{"wbits-fc", required_argument, NULL, 'f'},
		{"ibits", required_argument, NULL, 'i'},
		{"seed", required_argument, NULL, 'S'},
		{"fc-block", required_argument, NULL, 'b'},
		{"csv", required_argument, NULL, 'o'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	*o = (struct storage_opts){.seed = 1, .fc_block = 4};
	int c, rc = 0;
	optind = 1;
	while (!rc && (c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'n': o->net = optarg; break;
		case 's': o->sparsity = optarg; break;
		case 'o': o->csv = optarg; break;
		case 'c': rc = cli_parse_u64("--wbits-conv", optarg, 1, 16, &o->wbits_conv, err); break;
		case 'f': rc = cli_parse_u64("--wbits-fc", optarg, 1, 16, &o->wbits_fc, err); break;
		case 'i': rc = cli_parse_u64("--ibits", optarg, 1, 16, &o->ibits, err); break;
		case 'S': rc = cli_parse_u64("--seed", optarg, 0, UINT32_MAX, &o->seed, err); break;
		case 'b': rc = cli_parse_u64("--fc-block", optarg, 1, 1u << 20, &o->fc_block, err); break;
		case 'h': return -1;
		default: return sim_err_set(err, SIM_ERR_USAGE, NULL, 0, 0, "unknown option");
		}
	}
	if (!rc && (!o->net || !o->sparsity || !o->wbits_conv || !o->wbits_fc || !o->ibits ||
		    optind != argc))
		rc = sim_err_set(err, SIM_ERR_USAGE, NULL, 0, 0,
				 "--net, --sparsity, --wbits-conv, --wbits-fc and --ibits are required");
	return rc;
}

int cmd_storage(int argc, char **argv)
{
	struct sim_err err;
	struct storage_opts o;
	int rc = parse(argc, argv, &o, &err);
	if (rc < 0) {
		usage(stdout);
		return 0;
	}
	if (rc) {
		usage(stderr);
		return cli_fail(&err);
	}
	const char *const out_opts[] = {"--csv"};
	const char *const out_paths[] = {o.csv};
	if ((rc = cli_check_outputs(out_opts, out_paths, 1, &err)))
		return cli_fail(&err);
	struct wl_network net = {0};
	struct wl_sparsity sp = {0};
	struct storage_layer *layers = NULL;
	gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
	if (!rng) {
		rc = sim_err_set(&err, SIM_ERR_NOMEM, NULL, 0, 0, "cannot allocate the rng");
		goto fail;
	}
	gsl_rng_set(rng, o.seed);
	if ((rc = wl_network_load(&net, o.net, &err)) ||
	    (rc = wl_sparsity_load(&sp, &net, o.sparsity, &err)))
		goto fail;
	layers = sim_calloc((size_t)net.n_layers, sizeof *layers, &err);
	if (!layers) {
		rc = SIM_ERR_NOMEM;
		goto fail;
	}
	int n;
	if ((rc = storage_network_random(&net, &sp, (unsigned)o.wbits_conv, (unsigned)o.wbits_fc,
					 (unsigned)o.ibits, o.fc_block, rng, layers, &n, &err)))
		goto fail;
	if (!cli_stdout_taken(o.csv)) {
		printf("# %s, profile %s, seed %llu; rates are of the 32-bit dense weights "
		       "(indices, fillers and codebooks included, biases not)\n",
		       net.name, sp.name, (unsigned long long)o.seed);
		storage_table_print(layers, n, stdout);
	}
	if (o.csv)
		rc = storage_table_write_csv(layers, n, o.csv, &err);
fail:
	free(layers);
	gsl_rng_free(rng);
	wl_sparsity_deinit(&sp);
	wl_network_deinit(&net);
	return rc ? cli_fail(&err) : 0;
}
