/* Compressed model files: decode(encode(model)) gives back exactly the
 * quantised weights, masks and biases (k-means and linear layers, Huffman on
 * and off); the measured accounting agrees with the file size; corrupt and
 * truncated files are errors. Also the removal of dead neurons. */
#include <gsl/gsl_rng.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "compress/esz.h"
#include "compress/kmeans.h"
#include "compress/pipeline.h"
#include "compress/quant.h"
#include "test.h"

static const char *net_text = "name: tiny\ninput: {channels: 1, height: 8, width: 8}\nlayers:\n"
			      "  - {name: c1, type: conv, out_channels: 4, kernel: 3}\n"
			      "  - {name: r1, type: relu}\n"
			      "  - {name: p1, type: maxpool, kernel: 2}\n"
			      "  - {name: f1, type: fc, out_features: 12}\n"
			      "  - {name: r2, type: relu}\n"
			      "  - {name: f2, type: fc, out_features: 3, bias: false}\n";

/* A model with random masks (density ~30%, long zero runs in f1) whose kept
 * weights are k-means-shared (c1, f1: codebooks in cb) or linear (f2). */
static void make_model(struct nn_model *m, struct esz_layer_spec *spec, float cb[][16],
		       gsl_rng *rng)
{
	struct wl_network net;
	struct sim_err err;
	CU_ASSERT_EQUAL_FATAL(wl_network_load_string(&net, "tiny.yaml", net_text, &err), 0);
	CU_ASSERT_EQUAL_FATAL(nn_model_init(m, &net, 4, 1, &err), 0);
	wl_network_deinit(&net);
	nn_model_init_weights(m, NN_INIT_HE, rng);
	for (int i = 0; i < m->n_layers; i++) {
		struct nn_param *w = &m->layers[i].weight;
		for (uint64_t j = 0; j < w->n; j++)
			w->mask[j] = (j / 40) % 3 == 1 || gsl_rng_uniform(rng) < 0.2;
		for (uint64_t j = 0; j < m->layers[i].bias.n; j++)
			m->layers[i].bias.value[j] = (float)gsl_rng_uniform(rng);
	}
	nn_model_apply_masks(m);
	for (int i = 0; i < m->n_layers; i++) {
		struct nn_param *w = &m->layers[i].weight;
		if (!w->n)
			continue;
		if (m->net.layers[i].type == WL_FC && m->layers[i].bias.n == 0) {
			spec[i] = (struct esz_layer_spec){ESZ_LINEAR, 6, 3, true, 0, NULL, 0};
			spec[i].scale = (float)quant_scale(w->value, w->n, 6);
			quant_linear(w->value, w->n, 6, (double)spec[i].scale, NULL, w->value);
			continue;
		}
		float *x = malloc(w->n * sizeof *x);
		uint32_t *a = malloc(w->n * sizeof *a);
		uint64_t n = 0;
		for (uint64_t j = 0; j < w->n; j++)
			if (w->mask[j])
				x[n++] = w->value[j];
		struct sim_err e2;
		CU_ASSERT_EQUAL_FATAL(km_cluster(x, n, 16, KM_INIT_LINEAR, NULL, 50, cb[i], a, NULL,
						 &e2), 0);
		for (uint64_t j = 0, t = 0; j < w->n; j++)
			if (w->mask[j])
				w->value[j] = cb[i][a[t++]];
		spec[i] = (struct esz_layer_spec){ESZ_KMEANS, 4, 3, true, 16, cb[i], 0};
		free(x);
		free(a);
	}
}

static void assert_same(const struct nn_model *a, const struct nn_model *b)
{
	CU_ASSERT_EQUAL_FATAL(a->n_layers, b->n_layers);
	for (int i = 0; i < a->n_layers; i++) {
		const struct nn_layer *x = &a->layers[i], *y = &b->layers[i];
		CU_ASSERT_EQUAL_FATAL(x->weight.n, y->weight.n);
		CU_ASSERT_EQUAL_FATAL(x->bias.n, y->bias.n);
		if (x->weight.n) {
			CU_ASSERT(memcmp(x->weight.value, y->weight.value, 4 * x->weight.n) == 0);
			CU_ASSERT(memcmp(x->weight.mask, y->weight.mask, x->weight.n) == 0);
		}
		if (x->bias.n)
			CU_ASSERT(memcmp(x->bias.value, y->bias.value, 4 * x->bias.n) == 0);
	}
}

static void test_round_trip(void)
{
	gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
	gsl_rng_set(rng, 4);
	char path[] = "/tmp/esim-esz-XXXXXX";
	int fd = mkstemp(path);
	CU_ASSERT_FATAL(fd >= 0);
	close(fd);
	for (int huff = 0; huff < 2; huff++) {
		struct nn_model m, back;
		struct esz_layer_spec spec[6];
		float cb[6][16];
		memset(spec, 0, sizeof spec);
		make_model(&m, spec, cb, rng);
		for (int i = 0; i < 6; i++)
			spec[i].huffman = huff;
		struct esz_meta meta = {0.28, 0.35, 0.9}, got;
		struct storage_layer acct[6];
		int n_acct;
		uint64_t bytes;
		struct sim_err err;
		CU_ASSERT_EQUAL_FATAL(esz_save(&m, spec, &meta, path, acct, &n_acct, &bytes, &err), 0);
		CU_ASSERT_EQUAL(n_acct, 3);
		CU_ASSERT(esz_is_esz(path));
		struct stat st;
		CU_ASSERT_EQUAL(stat(path, &st), 0);
		CU_ASSERT_EQUAL((uint64_t)st.st_size, bytes);
		CU_ASSERT_EQUAL_FATAL(esz_load(&back, &got, path, 4, 1, &err), 0);
		assert_same(&m, &back);
		CU_ASSERT_EQUAL(got.data_std, 0.35);
		/* fillers: f1 has runs of 80 zeros, far beyond 3-bit gaps */
		CU_ASSERT(acct[1].fillers > 0);
		if (huff) {
			struct storage_row t;
			storage_row_total(acct, n_acct, &t);
			/* everything but headers, lengths and the network text is counted */
			CU_ASSERT(t.bits_pqh <= 8 * bytes);
			CU_ASSERT(8 * bytes - t.bits_pqh < 8 * 900);
		}
		nn_model_deinit(&back);
		/* via the dispatcher used by esim eval */
		struct nn_ckpt_meta cm;
		CU_ASSERT_EQUAL(cmp_model_load_any(&back, &cm, path, 4, 1, &err), 0);
		assert_same(&m, &back);
		CU_ASSERT_EQUAL(cm.data_mean, 0.28);
		nn_model_deinit(&back);
		nn_model_deinit(&m);
	}
	unlink(path);
	gsl_rng_free(rng);
}

static void test_corrupt(void)
{
	gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
	gsl_rng_set(rng, 8);
	char path[] = "/tmp/esim-esz-XXXXXX";
	int fd = mkstemp(path);
	CU_ASSERT_FATAL(fd >= 0);
	close(fd);
	struct nn_model m, back;
	struct esz_layer_spec spec[6];
	float cb[6][16];
	memset(spec, 0, sizeof spec);
	make_model(&m, spec, cb, rng);
	struct esz_meta meta = {0, 1, -1};
	struct sim_err err;
	uint64_t bytes;
	CU_ASSERT_EQUAL_FATAL(esz_save(&m, spec, &meta, path, NULL, NULL, &bytes, &err), 0);
	FILE *f = fopen(path, "rb");
	uint8_t *buf = malloc(bytes);
	CU_ASSERT_EQUAL_FATAL(fread(buf, 1, bytes, f), bytes);
	fclose(f);
	/* a flipped bit in the middle, then a truncated file */
	buf[bytes / 2] ^= 0x10;
	f = fopen(path, "wb");
	fwrite(buf, 1, bytes, f);
	fclose(f);
	CU_ASSERT_EQUAL(esz_load(&back, NULL, path, 4, 1, &err), SIM_ERR_DATA);
	CU_ASSERT(strstr(err.msg, "CRC") != NULL);
	CU_ASSERT_STRING_EQUAL(err.file, path);
	nn_model_deinit(&back);
	buf[bytes / 2] ^= 0x10;
	f = fopen(path, "wb");
	fwrite(buf, 1, bytes - 7, f);
	fclose(f);
	CU_ASSERT_EQUAL(esz_load(&back, NULL, path, 4, 1, &err), SIM_ERR_DATA);
	nn_model_deinit(&back);
	/* a weight that is not in its codebook cannot be stored */
	m.layers[0].weight.value[0] = 123.0f;
	m.layers[0].weight.mask[0] = 1;
	CU_ASSERT_NOT_EQUAL(esz_save(&m, spec, &meta, path, NULL, NULL, NULL, &err), 0);
	free(buf);
	unlink(path);
	nn_model_deinit(&m);
	gsl_rng_free(rng);
}

static void test_dead_neurons(void)
{
	const char *text = "name: fc\ninput: {channels: 1, height: 2, width: 2}\nlayers:\n"
			   "  - {name: a, type: fc, out_features: 3}\n"
			   "  - {name: r, type: relu}\n"
			   "  - {name: b, type: fc, out_features: 2}\n";
	struct wl_network net;
	struct sim_err err;
	struct nn_model m;
	CU_ASSERT_EQUAL_FATAL(wl_network_load_string(&net, "fc.yaml", text, &err), 0);
	CU_ASSERT_EQUAL_FATAL(nn_model_init(&m, &net, 2, 1, &err), 0);
	wl_network_deinit(&net);
	uint8_t *ma = m.layers[0].weight.mask, *mb = m.layers[2].weight.mask; /* a: 3x4, b: 2x3 */
	memset(ma + 4, 0, 4); /* neuron 1 of a has no inputs */
	mb[0] = mb[3] = 0;    /* neuron 0 of a feeds nothing */
	CU_ASSERT_EQUAL(cmp_remove_dead_neurons(&m), 4 + 2);
	for (int k = 0; k < 4; k++)
		CU_ASSERT_EQUAL(ma[k], 0);
	CU_ASSERT(mb[1] == 0 && mb[4] == 0 && mb[2] == 1 && mb[5] == 1);
	CU_ASSERT_EQUAL(cmp_remove_dead_neurons(&m), 0);
	nn_model_deinit(&m);
}

static const struct test_case cases[] = {
	{"decode(encode(model)) is exact; accounting vs file size", test_round_trip},
	{"corrupt, truncated and unencodable models are errors", test_corrupt},
	{"neurons without inputs or outputs are removed", test_dead_neurons},
};
TEST_SUITE(compress_esz, cases);
