/* Recipes (the shipped ones load with their documented values) and a whole
 * pipeline run on a tiny model: prune, share weights, fine-tune, write and
 * decode, with the decoded model identical to the compressed one. */
#include <gsl/gsl_rng.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "compress/pipeline.h"
#include "compress/recipe.h"
#include "test.h"

static void test_shipped(void)
{
	struct cmp_recipe r;
	struct sim_err err;
	CU_ASSERT_EQUAL_FATAL(
		cmp_recipe_load(&r, "experiments/recipes/deep-compression-lenet-5.yaml", &err), 0);
	CU_ASSERT_EQUAL(r.prune.method, CMP_PRUNE_DENSITY);
	CU_ASSERT_EQUAL(r.prune.schedule, CMP_SCHED_ITERATIVE);
	CU_ASSERT_EQUAL(r.quant.kind, CMP_QUANT_KMEANS);
	CU_ASSERT(r.quant.bits_conv == 8 && r.quant.bits_fc == 5 && r.huffman);
	CU_ASSERT_EQUAL(r.prune.conv_granularity, CMP_GRAN_PROFILE);
	CU_ASSERT_EQUAL_FATAL(
		cmp_recipe_load(&r, "experiments/recipes/deep-compression-lenet-300-100.yaml", &err),
		0);
	CU_ASSERT_STRING_EQUAL(r.prune.profile, "configs/sparsity/lenet-300-100-han2015.yaml");
	/* defaults */
	CU_ASSERT_EQUAL_FATAL(cmp_recipe_load_string(&r, "r.yaml",
						     "name: r\nprune: {method: none}\n"
						     "quantize: {kind: linear}\n", &err), 0);
	CU_ASSERT(r.index_bits == 5 && r.batch == 64 && r.prune.norm == PRUNE_L2 &&
		  r.quant.init == KM_INIT_LINEAR && r.prune.steps == 1 && r.prune.remove_dead);
}

static void run_tiny(const char *recipe_text, struct cmp_result *res)
{
	const char *text = "name: t\ninput: {channels: 1, height: 4, width: 4}\nlayers:\n"
			   "  - {name: a, type: fc, out_features: 24}\n"
			   "  - {name: r, type: relu}\n"
			   "  - {name: b, type: fc, out_features: 2}\n";
	struct wl_network net;
	struct sim_err err;
	struct nn_model m;
	CU_ASSERT_EQUAL_FATAL(wl_network_load_string(&net, "t.yaml", text, &err), 0);
	CU_ASSERT_EQUAL_FATAL(nn_model_init(&m, &net, 32, 1, &err), 0);
	wl_network_deinit(&net);
	gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
	gsl_rng_set(rng, 2);
	nn_model_init_weights(&m, NN_INIT_HE, rng);
	/* class = whether the first half of the image is brighter */
	struct nn_dataset ds = {.n = 128, .c = 1, .h = 4, .w = 4, .n_classes = 2};
	ds.images = malloc(128 * 16 * sizeof(float));
	ds.labels = malloc(128);
	for (int i = 0; i < 128; i++) {
		double s = 0;
		for (int j = 0; j < 16; j++) {
			float v = (float)gsl_rng_uniform(rng);
			ds.images[i * 16 + j] = v;
			s += j < 8 ? v : -v;
		}
		ds.labels[i] = s > 0;
	}
	struct cmp_recipe r;
	CU_ASSERT_EQUAL_FATAL(cmp_recipe_load_string(&r, "r.yaml", recipe_text, &err), 0);
	char path[] = "/tmp/esim-pipe-XXXXXX";
	int fd = mkstemp(path);
	CU_ASSERT_FATAL(fd >= 0);
	close(fd);
	struct cmp_io io = {.train = &ds, .test = &ds, .data_std = 1, .threads = 1};
	CU_ASSERT_EQUAL(cmp_pipeline_run(&m, &r, &io, path, res, &err), 0);
	unlink(path);
	free(ds.images);
	free(ds.labels);
	gsl_rng_free(rng);
	nn_model_deinit(&m);
}

static void test_pipeline(void)
{
	struct cmp_result res;
	run_tiny("name: t\nprune: {method: threshold, quality: 0.8, schedule: iterative, steps: 2,"
		 " epochs: 1}\nquantize: {kind: kmeans, bits_fc: 3, epochs: 1}\nbatch: 32\n", &res);
	CU_ASSERT(res.decoded_identical);
	CU_ASSERT_EQUAL(res.acc_decoded, res.acc_quant);
	CU_ASSERT(res.kept < res.weights / 2);
	CU_ASSERT(res.file_bytes > 0 && res.bits_pqh > 0);
	run_tiny("name: t\nprune: {method: threshold, quality: 0.5, schedule: gradual, steps: 3,"
		 " epochs: 2}\nquantize: {kind: linear, bits_fc: 6}\nhuffman: false\nbatch: 32\n",
		 &res);
	CU_ASSERT(res.decoded_identical);
	CU_ASSERT_EQUAL(res.acc_decoded, res.acc_quant);
	CU_ASSERT(res.kept < res.weights);
}

static const struct test_case cases[] = {
	{"shipped recipes and defaults", test_shipped},
	{"pipeline on a tiny model: decoded model identical", test_pipeline},
};
TEST_SUITE(compress_recipe, cases);
