/* `esim train`: trains a network description on an IDX data set with SGD
 * (sim/nn/train.h), prints progress per epoch and the test accuracy last, and
 * writes a checkpoint. Pixels are normalised with the training set's mean and
 * std, which the checkpoint records for `esim eval`. */
#include <getopt.h>
#include <gsl/gsl_rng.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "nn/checkpoint.h"
#include "nn/dataset.h"
#include "nn/train.h"

static void usage(FILE *out)
{
	fprintf(out,
		"usage: esim train [options]\n"
		"  --net N           network file, or a name in configs/networks (lenet-300-100)\n"
		"  --data DIR        IDX data directory (" NN_DEFAULT_DATA_DIR ")\n"
		"  --epochs E        epochs (10)\n"
		"  --batch B         mini-batch size (64)\n"
		"  --lr LR           initial learning rate (0.01)\n"
		"  --momentum MU     SGD momentum (0.9)\n"
		"  --weight-decay WD L2 coefficient on weights (5e-4)\n"
		"  --l1 L1           L1 coefficient on weights (0)\n"
		"  --schedule S      constant, step or cosine (cosine)\n"
		"  --step-epochs N   step schedule: epochs between decays (4)\n"
		"  --gamma G         step schedule: decay factor (0.1)\n"
		"  --init I          he or xavier (he)\n"
		"  --seed S          seed of initialisation, split and shuffling (1)\n"
		"  --threads T       threads (2)\n"
		"  --val N           hold out N training images for validation (0)\n"
		"  --limit N         train on the first N training images only (all)\n"
		"  --out FILE        checkpoint to write (none)\n");
}

/* Resolves --net: a path when it names a file, else configs/networks/N.yaml. */
static void net_path(char *out, size_t size, const char *arg)
{
	if (strchr(arg, '/') || access(arg, F_OK) == 0)
		snprintf(out, size, "%s", arg);
	else
		snprintf(out, size, "configs/networks/%s.yaml", arg);
}

static int parse_enum(const char *opt, const char *s, const char *const *names, int count,
		      int *out, struct sim_err *err)
{
	for (int i = 0; i < count; i++)
		if (strcmp(s, names[i]) == 0) {
			*out = i;
			return 0;
		}
	return sim_err_set(err, SIM_ERR_USAGE, NULL, 0, 0, "%s: unknown value '%s'", opt, s);
}

struct progress_ctx {
	bool tty;
	struct nn_dataset *val;
};

static int progress(struct nn_model *m, const struct nn_progress *p, void *ctx,
		    struct sim_err *err)
{
	const struct progress_ctx *c = ctx;
	if (c->tty) {
		char bar[31];
		size_t done = (size_t)(30 * p->batch / p->batches);
		memset(bar, '#', done);
		memset(bar + done, '.', 30 - done);
		bar[30] = '\0';
		double left = p->batch ? p->elapsed_s * (double)(p->batches - p->batch) / p->batch : 0;
		printf("\repoch %2u/%u [%s] %5" PRIu64 "/%" PRIu64 " loss %.4f acc %6.2f%% "
		       "%7.0f img/s %4.0fs left ",
		       p->epoch + 1, p->epochs, bar, p->batch, p->batches, p->loss,
		       100 * p->accuracy, p->images_per_s, left);
		if (!p->epoch_done) {
			fflush(stdout);
			return 0;
		}
		printf("\n");
	}
	printf("epoch %2u/%u  lr %.5f  loss %.4f  train %6.2f%%", p->epoch + 1, p->epochs, p->lr,
	       p->loss, 100 * p->accuracy);
	if (c->val) {
		struct nn_eval ev;
		if (nn_evaluate(m, c->val, &ev, err))
			return err->code;
		printf("  val %6.2f%% (loss %.4f)", 100 * ev.accuracy, ev.loss);
	}
	printf("  %.0f img/s  %.1f s\n", p->images_per_s, p->elapsed_s);
	fflush(stdout);
	return 0;
}

int cmd_train(int argc, char **argv)
{
	enum { O_NET = 1, O_DATA, O_EPOCHS, O_BATCH, O_LR, O_MOM, O_WD, O_L1, O_SCHED, O_STEP,
	       O_GAMMA, O_INIT, O_SEED, O_THREADS, O_VAL, O_LIMIT, O_OUT, O_HELP };
	static const struct option opts[] = {
		{"net", required_argument, NULL, O_NET},
		{"data", required_argument, NULL, O_DATA},
		{"epochs", required_argument, NULL, O_EPOCHS},
		{"batch", required_argument, NULL, O_BATCH},
		{"lr", required_argument, NULL, O_LR},
		{"momentum", required_argument, NULL, O_MOM},
		{"weight-decay", required_argument, NULL, O_WD},
		{"l1", required_argument, NULL, O_L1},
		{"schedule", required_argument, NULL, O_SCHED},
		{"step-epochs", required_argument, NULL, O_STEP},
		{"gamma", required_argument, NULL, O_GAMMA},
		{"init", required_argument, NULL, O_INIT},
		{"seed", required_argument, NULL, O_SEED},
		{"threads", required_argument, NULL, O_THREADS},
		{"val", required_argument, NULL, O_VAL},
		{"limit", required_argument, NULL, O_LIMIT},
		{"out", required_argument, NULL, O_OUT},
		{"help", no_argument, NULL, O_HELP},
		{NULL, 0, NULL, 0},
	};
	struct nn_train_opts o;
	nn_train_opts_default(&o);
	const char *net_arg = "lenet-300-100", *data_dir = NN_DEFAULT_DATA_DIR, *out = NULL;
	uint64_t v, threads = 2, n_val = 0, limit = UINT64_MAX;
	int init = NN_INIT_HE, sched = (int)o.schedule, c, rc = 0;
	struct sim_err err;
	sim_err_clear(&err);
	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case O_NET: net_arg = optarg; break;
		case O_DATA: data_dir = optarg; break;
		case O_OUT: out = optarg; break;
		case O_EPOCHS: rc = cli_parse_u64("--epochs", optarg, 1, 100000, &v, &err); o.epochs = (uint32_t)v; break;
		case O_BATCH: rc = cli_parse_u64("--batch", optarg, 1, 65536, &v, &err); o.batch = (uint32_t)v; break;
		case O_STEP: rc = cli_parse_u64("--step-epochs", optarg, 1, 100000, &v, &err); o.step_epochs = (uint32_t)v; break;
		case O_SEED: rc = cli_parse_u64("--seed", optarg, 0, UINT32_MAX, &o.seed, &err); break;
		case O_THREADS: rc = cli_parse_u64("--threads", optarg, 1, 64, &threads, &err); break;
		case O_VAL: rc = cli_parse_u64("--val", optarg, 0, UINT32_MAX, &n_val, &err); break;
		case O_LIMIT: rc = cli_parse_u64("--limit", optarg, 1, UINT64_MAX, &limit, &err); break;
		case O_LR: rc = cli_parse_double("--lr", optarg, 1e-9, 100, &o.lr, &err); break;
		case O_MOM: rc = cli_parse_double("--momentum", optarg, 0, 0.999, &o.momentum, &err); break;
		case O_WD: rc = cli_parse_double("--weight-decay", optarg, 0, 1, &o.weight_decay, &err); break;
		case O_L1: rc = cli_parse_double("--l1", optarg, 0, 1, &o.l1, &err); break;
		case O_GAMMA: rc = cli_parse_double("--gamma", optarg, 0, 1, &o.step_gamma, &err); break;
		case O_SCHED: rc = parse_enum("--schedule", optarg, nn_schedule_names, NN_SCHEDULE_COUNT, &sched, &err); break;
		case O_INIT: rc = parse_enum("--init", optarg, nn_init_names, NN_INIT_COUNT, &init, &err); break;
		case O_HELP: usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
		if (rc)
			return cli_fail(&err);
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	o.schedule = (enum nn_schedule)sched;
	const char *const out_opts[] = {"--out"};
	const char *const out_paths[] = {out};
	if (cli_stdout_taken(out))
		sim_err_set(&err, SIM_ERR_USAGE, NULL, 0, 0, "--out needs a file, not '-'");
	if (err.code || cli_check_outputs(out_opts, out_paths, 1, &err))
		return cli_fail(&err);
	char path[1024];
	net_path(path, sizeof path, net_arg);
	struct wl_network net = {0};
	struct nn_model m = {0};
	struct nn_dataset train = {0}, test = {0}, val = {0};
	gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
	if (!rng) {
		sim_err_set(&err, SIM_ERR_NOMEM, NULL, 0, 0, "out of memory");
		goto fail;
	}
	gsl_rng_set(rng, (unsigned long)o.seed);
	if (wl_network_load(&net, path, &err) ||
	    nn_model_init(&m, &net, o.batch, (uint32_t)threads, &err) ||
	    nn_dataset_load_dir(&train, data_dir, "train", &err) ||
	    nn_dataset_load_dir(&test, data_dir, "t10k", &err))
		goto fail;
	nn_dataset_truncate(&train, limit);
	double mean, std;
	nn_dataset_stats(&train, &mean, &std);
	if (!(std > 0)) {
		sim_err_set(&err, SIM_ERR_DATA, train.source, 0, 0, "every pixel has the same value");
		goto fail;
	}
	nn_dataset_normalize(&train, mean, std);
	nn_dataset_normalize(&test, mean, std);
	if (n_val && nn_dataset_split(&train, &val, n_val, rng, &err))
		goto fail;
	nn_model_init_weights(&m, (enum nn_init)init, rng);
	struct progress_ctx pc = {.tty = cli_is_tty(STDOUT_FILENO), .val = n_val ? &val : NULL};
	o.progress = progress;
	o.progress_every = pc.tty ? 10 : 0;
	o.ctx = &pc;
	printf("training %s (%" PRIu64 " weights) on %" PRIu64 " images of %s: %u epochs, batch "
	       "%u, lr %g (%s), momentum %g, weight decay %g, l1 %g, seed %" PRIu64
	       ", %u threads, %s kernels\n",
	       m.net.name, nn_model_weights(&m), train.n, data_dir, o.epochs, o.batch, o.lr,
	       nn_schedule_names[o.schedule], o.momentum, o.weight_decay, o.l1, o.seed,
	       m.n_threads, sim_isa_names[m.gemm_isa]);
	struct nn_eval ev;
	if (nn_train(&m, &train, &o, &err) || nn_evaluate(&m, &test, &ev, &err))
		goto fail;
	if (out) {
		struct nn_ckpt_meta meta = {
			.epochs = o.epochs, .batch = o.batch, .seed = o.seed,
			.lr = o.lr, .test_accuracy = ev.accuracy, .test_loss = ev.loss,
			.data_mean = mean, .data_std = std,
		};
		if (nn_checkpoint_save(&m, &meta, out, &err))
			goto fail;
		printf("wrote %s\n", out);
	}
	printf("test accuracy %.2f%% (loss %.4f, %" PRIu64 " images)\n", 100 * ev.accuracy,
	       ev.loss, ev.n);
	goto done;
fail:
	rc = cli_fail(&err);
done:
	nn_dataset_deinit(&val);
	nn_dataset_deinit(&test);
	nn_dataset_deinit(&train);
	nn_model_deinit(&m);
	wl_network_deinit(&net);
	if (rng)
		gsl_rng_free(rng);
	return rc;
}
