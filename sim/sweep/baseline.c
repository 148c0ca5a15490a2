/* The baseline of an accuracy sweep: the data (a seeded validation split,
 * normalised with the training set's statistics, as esim train does), the
 * network trained once and kept as <results_dir>/baseline.ckpt (reused while
 * its network hash and training settings match), and its row. */
#include <gsl/gsl_rng.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "nn/checkpoint.h"
#include "nn/train.h"
#include "sweep/baseline.h"
#include "sweep/run_points.h"

/* ---- baseline ------------------------------------------------------------ */

struct train_status {
	struct run *r;
};

static int on_epoch(struct nn_model *m, const struct nn_progress *p, void *ctx,
		    struct sim_err *err)
{
	(void)m;
	(void)err;
	struct train_status *s = ctx;
	if (s->r->o->quiet)
		return 0;
	if (s->r->o->progress_tty && !p->epoch_done) {
		fprintf(stderr, "\r\033[K[%s] baseline epoch %u/%u batch %llu/%llu loss %.4f acc %.2f%%",
			s->r->e->name, p->epoch + 1, p->epochs, (unsigned long long)p->batch,
			(unsigned long long)p->batches, p->loss, 100.0 * p->accuracy);
		return 0;
	}
	if (p->epoch_done)
		sweep_progress_line(s->r, "baseline epoch %u/%u loss %.4f training accuracy %.2f%% (%.0f images/s)",
			      p->epoch + 1, p->epochs, p->loss, 100.0 * p->accuracy, p->images_per_s);
	return 0;
}

/* Does the checkpoint at path hold this baseline? */
static bool baseline_matches(const char *path, const struct sweep_point *p,
			     const struct wl_network *net)
{
	struct nn_model m;
	struct nn_ckpt_meta meta;
	struct sim_err err;
	if (access(path, R_OK) != 0)
		return false;
	int rc = nn_checkpoint_load(&m, &meta, path, 64, 1, &err);
	bool ok = rc == 0 && nn_network_hash(&m.net) == nn_network_hash(net) &&
		  meta.epochs == p->train_epochs && meta.batch == p->train_batch &&
		  meta.seed == p->seed && meta.lr == p->train_lr;
	nn_model_deinit(&m);
	return ok;
}

int sweep_baseline_train(struct run *r, int jobs, struct sim_err *err)
{
	const struct sweep_point *p = &r->e->base;
	struct wl_network net;
	int rc = wl_network_load(&net, p->network, err);
	if (rc)
		return rc;
	if (baseline_matches(r->ckpt, p, &net)) {
		sweep_progress_line(r, "baseline: reusing %s", r->ckpt);
		wl_network_deinit(&net);
		return 0;
	}
	struct nn_model m;
	gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
	rc = nn_model_init(&m, &net, p->train_batch > 256 ? p->train_batch : 256, (uint32_t)jobs, err);
	if (!rc) {
		gsl_rng_set(rng, p->seed);
		nn_model_init_weights(&m, NN_INIT_HE, rng);
		struct nn_train_opts t;
		nn_train_opts_default(&t);
		t.epochs = p->train_epochs;
		t.batch = p->train_batch;
		t.lr = p->train_lr;
		t.seed = p->seed;
		struct train_status st = {r};
		t.progress = on_epoch;
		t.ctx = &st;
		t.progress_every = r->o->progress_tty ? 50 : 0;
		sweep_progress_line(r, "training the baseline %s (%u epochs)", net.name, t.epochs);
		rc = nn_train(&m, &r->train, &t, err);
	}
	struct nn_eval ev;
	if (!rc)
		rc = nn_evaluate(&m, &r->test, &ev, err);
	if (!rc) {
		struct nn_ckpt_meta meta = {
			.epochs = p->train_epochs, .batch = p->train_batch,
			.seed = p->seed, .lr = p->train_lr, .test_accuracy = ev.accuracy,
			.test_loss = ev.loss, .data_mean = r->data_mean, .data_std = r->data_std,
		};
		rc = nn_checkpoint_save(&m, &meta, r->ckpt, err);
		sweep_progress_line(r, "baseline test accuracy %.2f%%, saved %s", 100.0 * ev.accuracy, r->ckpt);
	}
	nn_model_deinit(&m);
	gsl_rng_free(rng);
	wl_network_deinit(&net);
	return rc;
}

/* The unpruned baseline at the base point's hardware, as row "baseline". */
int sweep_baseline_row(struct run *r, struct sim_err *err)
{
	if (sweep_results_find(&r->res, "baseline") >= 0)
		return 0;
	const struct sweep_point *p = &r->e->base;
	struct sweep_hw hw;
	struct nn_model m;
	memset(&m, 0, sizeof m);
	int rc = sweep_hw_load(&hw, p, r->e->path, "baseline", err);
	if (rc)
		return rc;
	if (!(rc = nn_checkpoint_load(&m, NULL, r->ckpt, 256, 1, err))) {
		struct sweep_point dense = *p;
		dense.wbits = dense.abits = 0;
		dense.method = SWEEP_NONE;
		dense.accuracy_bound = 0;
		rc = sweep_point_finish(r, &m, &hw, &dense, NULL, 0, (size_t)-1, "baseline", err);
	}
	nn_model_deinit(&m);
	sweep_hw_deinit(&hw);
	return rc;
}

/* Fields that must be the same for every point of an accuracy sweep: they
 * define the one baseline. */
int sweep_baseline_check(const struct sweep_experiment *e, struct sim_err *err)
{
	static const char *const fixed[] = {"network", "dataset", "train_epochs", "train_batch",
					    "train_lr", "seed", "val_images"};
	for (size_t a = 0; a < e->n_axes; a++)
		for (size_t k = 0; k < sizeof fixed / sizeof fixed[0]; k++)
			if (strcmp(sweep_experiment_axis_name(e, a), fixed[k]) == 0)
				return sim_err_set(err, SIM_ERR_CONFIG, e->path, 0, 0,
						   "'%s' cannot be an axis of an accuracy sweep: all "
						   "points share one trained baseline", fixed[k]);
	for (size_t p = 0; p < e->n_points; p++)
		if (strcmp(e->points[p].dataset, e->base.dataset) != 0)
			return sim_err_set(err, SIM_ERR_CONFIG, e->path, 0, 0,
					   "every point of an accuracy sweep needs the base's dataset");
	return 0;
}

int sweep_data_load(struct run *r, struct sim_err *err)
{
	const struct sweep_point *p = &r->e->base;
	int rc = nn_dataset_load_dir(&r->train, p->dataset, "train", err);
	if (!rc)
		rc = nn_dataset_load_dir(&r->test, p->dataset, "t10k", err);
	if (rc)
		return rc;
	/* Normalised with the whole training set's statistics, as esim train does. */
	nn_dataset_stats(&r->train, &r->data_mean, &r->data_std);
	nn_dataset_normalize(&r->train, r->data_mean, r->data_std);
	nn_dataset_normalize(&r->test, r->data_mean, r->data_std);
	gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
	gsl_rng_set(rng, p->seed);
	rc = nn_dataset_split(&r->train, &r->val, p->val_images, rng, err);
	gsl_rng_free(rng);
	return rc;
}

