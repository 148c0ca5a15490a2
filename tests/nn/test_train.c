/* Training: a short run on a 2,000-image subset of Fashion-MNIST must learn
 * well above chance (10%), runs with the same seed and thread count must give
 * bit-identical weights, hooks see every step, and the learning-rate
 * schedules follow their formulas. */
#include <math.h>
#include <string.h>

#include "nn/train.h"
#include "test.h"

struct counts {
	uint64_t grad, step, progress, epochs_done;
};

static int on_grad(struct nn_model *m, uint64_t step, void *ctx, struct sim_err *err)
{
	(void)m;
	(void)err;
	struct counts *c = ctx;
	CU_ASSERT_EQUAL(step, c->grad);
	c->grad++;
	return 0;
}

static int on_step(struct nn_model *m, uint64_t step, void *ctx, struct sim_err *err)
{
	(void)m;
	(void)step;
	(void)err;
	((struct counts *)ctx)->step++;
	return 0;
}

static int on_progress(struct nn_model *m, const struct nn_progress *p, void *ctx,
		       struct sim_err *err)
{
	(void)m;
	(void)err;
	struct counts *c = ctx;
	c->progress++;
	c->epochs_done += p->epoch_done;
	CU_ASSERT(p->batch <= p->batches && p->loss > 0 && p->accuracy >= 0 && p->accuracy <= 1);
	return 0;
}

/* Trains LeNet-300-100 for 2 epochs on 2,000 images; returns test accuracy
 * on 1,000 test images and copies the first layer's weights to w (if set). */
static double run(const struct nn_dataset *train, const struct nn_dataset *test, float *w,
		  struct counts *c)
{
	struct wl_network net;
	struct nn_model m;
	struct sim_err err;
	CU_ASSERT_EQUAL_FATAL(wl_network_load(&net, "configs/networks/lenet-300-100.yaml", &err),
			      0);
	CU_ASSERT_EQUAL_FATAL(nn_model_init(&m, &net, 32, 2, &err), 0);
	gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
	gsl_rng_set(rng, 3);
	nn_model_init_weights(&m, NN_INIT_HE, rng);
	gsl_rng_free(rng);
	struct nn_train_opts o;
	nn_train_opts_default(&o);
	o.epochs = 2;
	o.batch = 32;
	o.lr = 0.05;
	o.seed = 3;
	o.grad_hook = on_grad;
	o.step_hook = on_step;
	o.progress = on_progress;
	o.progress_every = 20;
	o.ctx = c;
	struct nn_eval ev = {0};
	CU_ASSERT_EQUAL(nn_train(&m, train, &o, &err), 0);
	CU_ASSERT_EQUAL(nn_evaluate(&m, test, &ev, &err), 0);
	CU_ASSERT_EQUAL(ev.n, test->n);
	if (w)
		memcpy(w, m.layers[0].weight.value, m.layers[0].weight.n * sizeof *w);
	nn_model_deinit(&m);
	wl_network_deinit(&net);
	return ev.accuracy;
}

static void test_learns_and_is_reproducible(void)
{
	struct nn_dataset train, test;
	struct sim_err err;
	if (nn_dataset_load_dir(&train, NN_DEFAULT_DATA_DIR, "train", &err) ||
	    nn_dataset_load_dir(&test, NN_DEFAULT_DATA_DIR, "t10k", &err)) {
		sim_err_print(&err, stderr);
		CU_FAIL_FATAL("Fashion-MNIST is a dependency (make deps)");
	}
	nn_dataset_truncate(&train, 2000);
	nn_dataset_truncate(&test, 1000);
	double mean, std;
	nn_dataset_stats(&train, &mean, &std);
	nn_dataset_normalize(&train, mean, std);
	nn_dataset_normalize(&test, mean, std);
	static float w1[784 * 300], w2[784 * 300];
	struct counts c1 = {0}, c2 = {0};
	double a1 = run(&train, &test, w1, &c1);
	double a2 = run(&train, &test, w2, &c2);
	fprintf(stderr, "\n  2 epochs on 2,000 images: test accuracy %.1f%% ", 100 * a1);
	CU_ASSERT(a1 >= 0.70);
	CU_ASSERT_EQUAL(a1, a2);
	CU_ASSERT_EQUAL(memcmp(w1, w2, sizeof w1), 0);
	/* 2000 / 32 = 62.5: 63 steps per epoch, progress every 20 and at the end. */
	CU_ASSERT_EQUAL(c1.grad, 126);
	CU_ASSERT_EQUAL(c1.step, 126);
	CU_ASSERT_EQUAL(c1.epochs_done, 2);
	CU_ASSERT_EQUAL(c1.progress, 2 * 4);
	nn_dataset_deinit(&train);
	nn_dataset_deinit(&test);
}

static void test_schedules(void)
{
	struct nn_train_opts o;
	nn_train_opts_default(&o);
	o.lr = 0.1;
	o.epochs = 10;
	o.schedule = NN_SCHEDULE_CONSTANT;
	CU_ASSERT_DOUBLE_EQUAL(nn_train_lr(&o, 7), 0.1, 1e-15);
	o.schedule = NN_SCHEDULE_STEP;
	o.step_epochs = 3;
	o.step_gamma = 0.5;
	CU_ASSERT_DOUBLE_EQUAL(nn_train_lr(&o, 2), 0.1, 1e-15);
	CU_ASSERT_DOUBLE_EQUAL(nn_train_lr(&o, 3), 0.05, 1e-15);
	CU_ASSERT_DOUBLE_EQUAL(nn_train_lr(&o, 9), 0.0125, 1e-15);
	o.schedule = NN_SCHEDULE_COSINE;
	CU_ASSERT_DOUBLE_EQUAL(nn_train_lr(&o, 0), 0.1, 1e-15);
	CU_ASSERT_DOUBLE_EQUAL(nn_train_lr(&o, 5), 0.05, 1e-12);
	CU_ASSERT(nn_train_lr(&o, 9) > 0 && nn_train_lr(&o, 9) < 0.003);
}

static const struct test_case cases[] = {
	{"learns, reproducible", test_learns_and_is_reproducible},
	{"learning-rate schedules", test_schedules},
};
TEST_SUITE(nn_train, cases);
