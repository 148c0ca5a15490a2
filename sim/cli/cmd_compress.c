/* `esim compress --model M.ckpt --recipe R.yaml --out M.esz`: runs a Deep
 * Compression recipe (sim/compress/pipeline.h) on a trained checkpoint and
 * writes the compressed model, printing accuracy after each stage and the
 * storage table. */
#include <getopt.h>
#include <stdio.h>

#include "cli/cli.h"
#include "compress/pipeline.h"
#include "nn/checkpoint.h"

static void usage(FILE *out)
{
	fprintf(out, "usage: esim compress --model M.ckpt --recipe R.yaml --out M.esz\n"
		     "                     [--data DIR] [--threads T] [--csv FILE] [--limit N]\n"
		     "                     [--summary FILE]\n"
		     "  Prune, quantise and Huffman-code a trained model. --csv writes the storage\n"
		     "  table, --summary appends one row of results, --limit retrains on the\n"
		     "  first N training images only (quick runs). '-' as the --csv or --summary\n"
		     "  file means stdout; the progress log then goes to stderr.\n");
}

int cmd_compress(int argc, char **argv)
{
	enum { O_MODEL = 1, O_RECIPE, O_OUT, O_DATA, O_THREADS, O_CSV, O_LIMIT, O_SUMMARY, O_HELP };
	static const struct option opts[] = {
		{"model", required_argument, NULL, O_MODEL},
		{"recipe", required_argument, NULL, O_RECIPE},
		{"out", required_argument, NULL, O_OUT},
		{"data", required_argument, NULL, O_DATA},
		{"threads", required_argument, NULL, O_THREADS},
		{"csv", required_argument, NULL, O_CSV},
		{"limit", required_argument, NULL, O_LIMIT},
		{"summary", required_argument, NULL, O_SUMMARY},
		{"help", no_argument, NULL, O_HELP},
		{NULL, 0, NULL, 0},
	};
	const char *model = NULL, *recipe = NULL, *out = NULL, *data = NN_DEFAULT_DATA_DIR;
	const char *summary = NULL;
	struct cmp_io io = {.threads = 2, .log = stdout};
	uint64_t threads = 2, limit = 0;
	struct sim_err err;
	sim_err_clear(&err);
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		int rc = 0;
		switch (c) {
		case O_MODEL: model = optarg; break;
		case O_RECIPE: recipe = optarg; break;
		case O_OUT: out = optarg; break;
		case O_DATA: data = optarg; break;
		case O_CSV: io.csv = optarg; break;
		case O_SUMMARY: summary = optarg; break;
		case O_THREADS: rc = cli_parse_u64("--threads", optarg, 1, 64, &threads, &err); break;
		case O_LIMIT: rc = cli_parse_u64("--limit", optarg, 1, UINT32_MAX, &limit, &err); break;
		case O_HELP: usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
		if (rc)
			return cli_fail(&err);
	}
	if (!model || !recipe || !out || optind != argc) {
		usage(stderr);
		return 2;
	}
	const char *const out_opts[] = {"--out", "--csv", "--summary"};
	const char *const out_paths[] = {out, io.csv, summary};
	if (cli_stdout_taken(out))
		sim_err_set(&err, SIM_ERR_USAGE, NULL, 0, 0, "--out needs a file, not '-'");
	if (err.code || cli_check_outputs(out_opts, out_paths, 3, &err))
		return cli_fail(&err);
	if (cli_stdout_taken(io.csv) || cli_stdout_taken(summary))
		io.log = stderr;
	struct cmp_recipe r;
	struct nn_model m = {0};
	struct nn_ckpt_meta meta;
	struct nn_dataset train = {0}, test = {0};
	struct cmp_result res;
	int rc = 0;
	if (cmp_recipe_load(&r, recipe, &err) ||
	    nn_checkpoint_load(&m, &meta, model, r.batch > 1000 ? r.batch : 1000,
			       (uint32_t)threads, &err) ||
	    nn_dataset_load_dir(&train, data, "train", &err) ||
	    nn_dataset_load_dir(&test, data, "t10k", &err))
		goto fail;
	if (!(meta.data_std > 0)) {
		sim_err_set(&err, SIM_ERR_DATA, model, 0, 0, "recorded pixel std %g is not positive",
			    meta.data_std);
		goto fail;
	}
	if (limit && limit < train.n)
		nn_dataset_truncate(&train, limit);
	nn_dataset_normalize(&train, meta.data_mean, meta.data_std);
	nn_dataset_normalize(&test, meta.data_mean, meta.data_std);
	io.train = &train;
	io.test = &test;
	io.data_mean = meta.data_mean;
	io.data_std = meta.data_std;
	io.threads = (uint32_t)threads;
	fprintf(io.log, "compressing %s (%s) with recipe %s\n", model, m.net.name, r.name);
	if (cmp_pipeline_run(&m, &r, &io, out, &res, &err) ||
	    (summary && cmp_result_append_csv(&res, &r, model, summary, &err)))
		goto fail;
	goto done;
fail:
	rc = cli_fail(&err);
done:
	nn_dataset_deinit(&train);
	nn_dataset_deinit(&test);
	nn_model_deinit(&m);
	return rc;
}
