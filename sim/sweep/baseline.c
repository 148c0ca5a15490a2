/* The baselines of an accuracy sweep, one per seed (a cohort): the data (a
 * decision set and a check set split off the training set, both drawn from
 * the seed, normalised with the whole training set's statistics, as esim
 * train does), the network trained once per seed on the rest and kept as
 * <results_dir>/baseline-s<seed>-val<V>-chk<C>-n<N>.ckpt (the split is in
 * the name; reused while the network hash and training settings
 * in the file match), and its row. */
#include <gsl/gsl_rng.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "core/mem.h"
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

/* Does the checkpoint at path hold the baseline of this seed? (The split is
 * in the file name.) */
static bool baseline_matches(const char *path, const struct sweep_point *p, uint64_t seed,
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
		  meta.seed == seed && meta.lr == p->train_lr;
	nn_model_deinit(&m);
	return ok;
}

int sweep_baseline_train(struct run *r, struct cohort *c, int jobs, struct sim_err *err)
{
	const struct sweep_point *p = &r->e->base;
	struct wl_network net;
	int rc = wl_network_load(&net, p->network, err);
	if (rc)
		return rc;
	if (baseline_matches(c->ckpt, p, c->seed, &net)) {
		sweep_progress_line(r, "baseline seed %llu: reusing %s", (unsigned long long)c->seed,
				    c->ckpt);
		wl_network_deinit(&net);
		return 0;
	}
	struct nn_model m;
	gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
	rc = nn_model_init(&m, &net, p->train_batch > 256 ? p->train_batch : 256, (uint32_t)jobs, err);
	if (!rc) {
		gsl_rng_set(rng, c->seed);
		nn_model_init_weights(&m, NN_INIT_HE, rng);
		struct nn_train_opts t;
		nn_train_opts_default(&t);
		t.epochs = p->train_epochs;
		t.batch = p->train_batch;
		t.lr = p->train_lr;
		t.seed = c->seed;
		struct train_status st = {r};
		t.progress = on_epoch;
		t.ctx = &st;
		t.progress_every = r->o->progress_tty ? 50 : 0;
		sweep_progress_line(r, "training the baseline %s, seed %llu (%u epochs, %llu images)",
				    net.name, (unsigned long long)c->seed, t.epochs,
				    (unsigned long long)c->train.n);
		rc = nn_train(&m, &c->train, &t, err);
	}
	struct nn_eval ev;
	if (!rc)
		rc = nn_evaluate(&m, &r->test, &ev, err);
	if (!rc) {
		struct nn_ckpt_meta meta = {
			.epochs = p->train_epochs, .batch = p->train_batch,
			.seed = c->seed, .lr = p->train_lr, .test_accuracy = ev.accuracy,
			.test_loss = ev.loss, .data_mean = r->data_mean, .data_std = r->data_std,
		};
		rc = nn_checkpoint_save(&m, &meta, c->ckpt, err);
		sweep_progress_line(r, "baseline seed %llu test accuracy %.2f%%, saved %s",
				    (unsigned long long)c->seed, 100.0 * ev.accuracy, c->ckpt);
	}
	nn_model_deinit(&m);
	gsl_rng_free(rng);
	wl_network_deinit(&net);
	return rc;
}

/* The unpruned baseline of cohort c at the base point's hardware, as row
 * c->row_id; reads its test accuracy into c. */
int sweep_baseline_row(struct run *r, struct cohort *c, struct sim_err *err)
{
	const struct sweep_point *p = &r->e->base;
	struct nn_model m;
	struct nn_ckpt_meta meta;
	memset(&m, 0, sizeof m);
	int rc = nn_checkpoint_load(&m, &meta, c->ckpt, 256, 1, err);
	if (rc) {
		nn_model_deinit(&m);
		return rc;
	}
	c->baseline_test_acc = 100.0 * meta.test_accuracy;
	if (sweep_results_find(&r->res, c->row_id) >= 0) {
		nn_model_deinit(&m);
		return 0;
	}
	struct sweep_hw hw;
	if (!(rc = sweep_hw_load(&hw, p, r->e->path, c->row_id, err))) {
		struct sweep_point dense = *p;
		dense.seed = c->seed;
		dense.wbits = dense.abits = 0;
		dense.method = SWEEP_NONE;
		dense.accuracy_bound = 0;
		rc = sweep_point_finish(r, c, &m, &hw, &dense, (size_t)-1, c->row_id, err);
		sweep_hw_deinit(&hw);
	}
	nn_model_deinit(&m);
	return rc;
}

/* Fields that must be the same for every point of an accuracy sweep: with
 * the seed, they define the baselines. */
int sweep_baseline_check(const struct sweep_experiment *e, struct sim_err *err)
{
	static const char *const fixed[] = {"network", "dataset", "train_epochs", "train_batch",
					    "train_lr", "val_images", "check_images",
					    "train_images"};
	for (size_t a = 0; a < e->n_axes; a++)
		for (size_t k = 0; k < sizeof fixed / sizeof fixed[0]; k++)
			if (strcmp(sweep_experiment_axis_name(e, a), fixed[k]) == 0)
				return sim_err_set(err, SIM_ERR_CONFIG, e->path, 0, 0,
						   "'%s' cannot be an axis of an accuracy sweep: the "
						   "points of a seed share one trained baseline", fixed[k]);
	for (size_t p = 0; p < e->n_points; p++)
		if (strcmp(e->points[p].dataset, e->base.dataset) != 0)
			return sim_err_set(err, SIM_ERR_CONFIG, e->path, 0, 0,
					   "every point of an accuracy sweep needs the base's dataset");
	return 0;
}

int sweep_cohorts_init(struct run *r, struct sim_err *err)
{
	const struct sweep_experiment *e = r->e;
	bool seed_axis = false;
	for (size_t a = 0; a < e->n_axes; a++)
		seed_axis |= strcmp(sweep_experiment_axis_name(e, a), "seed") == 0;
	r->cohorts = sim_calloc(e->n_points ? e->n_points : 1, sizeof *r->cohorts, err);
	if (!r->cohorts)
		return SIM_ERR_NOMEM;
	for (size_t p = 0; p < e->n_points; p++) {
		uint64_t seed = e->points[p].seed;
		size_t k = 0;
		while (k < r->n_cohorts && r->cohorts[k].seed != seed)
			k++;
		struct cohort *c = &r->cohorts[k];
		if (k == r->n_cohorts) {
			r->n_cohorts++;
			c->seed = seed;
			const struct sweep_point *b = &e->base;
			snprintf(c->ckpt, sizeof c->ckpt, "%s/baseline-s%llu-val%u-chk%u-n%u.ckpt",
				 r->dir, (unsigned long long)seed, b->val_images, b->check_images,
				 b->train_images);
			if (seed_axis)
				snprintf(c->row_id, sizeof c->row_id, "baseline-%llu",
					 (unsigned long long)seed);
			else
				snprintf(c->row_id, sizeof c->row_id, "baseline");
			c->needed = sweep_results_find(&r->res, c->row_id) < 0;
		}
		c->needed |= sweep_results_find(&r->res, e->ids[p]) < 0;
	}
	return 0;
}

int sweep_data_load(struct run *r, struct sim_err *err)
{
	const struct sweep_point *p = &r->e->base;
	struct nn_dataset full;
	int rc = nn_dataset_load_dir(&full, p->dataset, "train", err);
	if (!rc)
		rc = nn_dataset_load_dir(&r->test, p->dataset, "t10k", err);
	if (!rc) {
		/* Normalised with the whole training set's statistics, as esim train does. */
		nn_dataset_stats(&full, &r->data_mean, &r->data_std);
		nn_dataset_normalize(&full, r->data_mean, r->data_std);
		nn_dataset_normalize(&r->test, r->data_mean, r->data_std);
	}
	gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
	for (size_t k = 0; !rc && k < r->n_cohorts; k++) {
		struct cohort *c = &r->cohorts[k];
		if (!c->needed)
			continue;
		gsl_rng_set(rng, c->seed);
		rc = nn_dataset_copy(&c->train, &full, err);
		if (!rc)
			rc = nn_dataset_split(&c->train, &c->val, p->val_images, rng, err);
		if (!rc && p->check_images)
			rc = nn_dataset_split(&c->train, &c->check, p->check_images, rng, err);
		if (!rc && p->train_images)
			nn_dataset_truncate(&c->train, p->train_images);
	}
	gsl_rng_free(rng);
	nn_dataset_deinit(&full);
	return rc;
}
