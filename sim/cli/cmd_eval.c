/* `esim eval --model M.ckpt [--data DIR]`: loads a checkpoint (which carries
 * its network and the training set's normalisation) and prints the top-1
 * accuracy and mean cross-entropy on the test set of DIR. */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>

#include "cli/cli.h"
#include "compress/pipeline.h"
#include "nn/checkpoint.h"
#include "nn/dataset.h"
#include "nn/train.h"

static void usage(FILE *out)
{
	fprintf(out, "usage: esim eval --model FILE [--data DIR] [--threads T]\n"
		     "  Test accuracy and loss of a checkpoint on DIR/t10k-*-ubyte[.gz]\n"
		     "  (default " NN_DEFAULT_DATA_DIR ").\n");
}

int cmd_eval(int argc, char **argv)
{
	enum { O_MODEL = 1, O_DATA, O_THREADS, O_HELP };
	static const struct option opts[] = {
		{"model", required_argument, NULL, O_MODEL},
		{"data", required_argument, NULL, O_DATA},
		{"threads", required_argument, NULL, O_THREADS},
		{"help", no_argument, NULL, O_HELP},
		{NULL, 0, NULL, 0},
	};
	const char *model = NULL, *data_dir = NN_DEFAULT_DATA_DIR;
	uint64_t threads = 2;
	int c, rc = 0;
	struct sim_err err;
	sim_err_clear(&err);
	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == O_MODEL) {
			model = optarg;
		} else if (c == O_DATA) {
			data_dir = optarg;
		} else if (c == O_THREADS) {
			if (cli_parse_u64("--threads", optarg, 1, 64, &threads, &err))
				return cli_fail(&err);
		} else if (c == O_HELP) {
			usage(stdout);
			return 0;
		} else {
			usage(stderr);
			return 2;
		}
	}
	if (!model || optind != argc) {
		usage(stderr);
		return 2;
	}
	struct nn_model m;
	struct nn_ckpt_meta meta;
	struct nn_dataset test = {0};
	struct nn_eval ev;
	if (cmp_model_load_any(&m, &meta, model, 1000, (uint32_t)threads, &err) ||
	    nn_dataset_load_dir(&test, data_dir, "t10k", &err))
		goto fail;
	if (!(meta.data_std > 0)) {
		sim_err_set(&err, SIM_ERR_DATA, model, 0, 0, "recorded pixel std %g is not positive",
			    meta.data_std);
		goto fail;
	}
	nn_dataset_normalize(&test, meta.data_mean, meta.data_std);
	if (nn_evaluate(&m, &test, &ev, &err))
		goto fail;
	printf("%s: %s, %" PRIu64 " of %" PRIu64 " weights kept, trained %u epochs (seed %" PRIu64
	       ")\n", model, m.net.name, nn_model_weights_kept(&m), nn_model_weights(&m),
	       meta.epochs, meta.seed);
	printf("test accuracy %.2f%% (loss %.4f, %" PRIu64 " images)\n", 100 * ev.accuracy,
	       ev.loss, ev.n);
	goto done;
fail:
	rc = cli_fail(&err);
done:
	nn_dataset_deinit(&test);
	nn_model_deinit(&m);
	return rc;
}
