/* Checkpoints: save/load round trip (tensors, masks, metadata, identical
 * outputs), and refusal of damaged files: flipped byte (CRC), truncation, bad
 * magic, unknown version, and files whose CRC is valid but whose content is
 * inconsistent (network hash, mask of a non-zero weight). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include <gsl/gsl_rng.h>

#include "nn/checkpoint.h"
#include "test.h"

static const char net_text[] =
	"name: ck\ninput: {channels: 1, height: 6, width: 6}\nlayers:\n"
	"  - {name: c1, type: conv, out_channels: 3, kernel: 3}\n"
	"  - {name: r1, type: relu}\n"
	"  - {name: p1, type: maxpool, kernel: 2}\n"
	"  - {name: f1, type: fc, out_features: 5, bias: false}\n";

static char path[64];

static void make_model(struct wl_network *net, struct nn_model *m)
{
	struct sim_err err;
	CU_ASSERT_EQUAL_FATAL(wl_network_load_string(net, "ck", net_text, &err), 0);
	CU_ASSERT_EQUAL_FATAL(nn_model_init(m, net, 4, 2, &err), 0);
	gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
	nn_model_init_weights(m, NN_INIT_HE, rng);
	gsl_rng_free(rng);
	for (uint64_t j = 0; j < m->layers[0].bias.n; j++)
		m->layers[0].bias.value[j] = 0.25f * (float)j;
	m->layers[3].weight.mask[7] = 0;
	m->layers[3].weight.mask[11] = 0;
	nn_model_apply_masks(m);
}

static const struct nn_ckpt_meta meta = {
	.epochs = 3, .batch = 4, .seed = 99, .lr = 0.01,
	.test_accuracy = 0.875, .test_loss = 0.5, .data_mean = 0.3, .data_std = 0.35,
};

static uint8_t *slurp(size_t *len)
{
	FILE *f = fopen(path, "rb");
	static uint8_t data[16384];
	*len = fread(data, 1, sizeof data, f);
	fclose(f);
	return data;
}

static void spit(const uint8_t *data, size_t len)
{
	FILE *f = fopen(path, "wb");
	fwrite(data, 1, len, f);
	fclose(f);
}

/* Rewrites the trailing CRC so that only the content checks can object. */
static void fix_crc(uint8_t *data, size_t len)
{
	uint32_t c = (uint32_t)crc32(0L, data, (uInt)(len - 4));
	for (int i = 0; i < 4; i++)
		data[len - 4 + i] = (uint8_t)(c >> (8 * i));
}

static void expect_load_error(const char *fragment)
{
	struct nn_model m;
	struct sim_err err;
	CU_ASSERT_EQUAL(nn_checkpoint_load(&m, NULL, path, 4, 1, &err), SIM_ERR_DATA);
	CU_ASSERT_STRING_EQUAL(err.file, path);
	if (!strstr(err.msg, fragment))
		fprintf(stderr, "\n  expected '%s' in: %s", fragment, err.msg);
	CU_ASSERT(strstr(err.msg, fragment) != NULL);
	nn_model_deinit(&m);
}

static void test_round_trip_and_corruption(void)
{
	snprintf(path, sizeof path, "/tmp/esim-ckpt-%d.ckpt", (int)getpid());
	struct wl_network net;
	struct nn_model a, b;
	struct sim_err err;
	make_model(&net, &a);
	CU_ASSERT_EQUAL_FATAL(nn_checkpoint_save(&a, &meta, path, &err), 0);
	struct nn_ckpt_meta got;
	CU_ASSERT_EQUAL_FATAL(nn_checkpoint_load(&b, &got, path, 4, 1, &err), 0);
	CU_ASSERT(got.epochs == meta.epochs && got.batch == meta.batch &&
		  got.seed == meta.seed && got.lr == meta.lr &&
		  got.test_accuracy == meta.test_accuracy && got.test_loss == meta.test_loss &&
		  got.data_mean == meta.data_mean && got.data_std == meta.data_std);
	CU_ASSERT_EQUAL(nn_network_hash(&b.net), nn_network_hash(&net));
	CU_ASSERT_STRING_EQUAL(b.net.name, "ck");
	CU_ASSERT_STRING_EQUAL(b.net.layers[2].name, "p1");
	for (int i = 0; i < a.n_layers; i++) {
		struct nn_param *pa[2] = {&a.layers[i].weight, &a.layers[i].bias};
		struct nn_param *pb[2] = {&b.layers[i].weight, &b.layers[i].bias};
		for (int k = 0; k < 2; k++) {
			CU_ASSERT_EQUAL_FATAL(pa[k]->n, pb[k]->n);
			if (!pa[k]->n)
				continue;
			CU_ASSERT_EQUAL(memcmp(pa[k]->value, pb[k]->value, pa[k]->n * 4), 0);
			CU_ASSERT((pa[k]->mask == NULL) == (pb[k]->mask == NULL));
			if (pa[k]->mask)
				CU_ASSERT_EQUAL(memcmp(pa[k]->mask, pb[k]->mask, pa[k]->n), 0);
		}
	}
	CU_ASSERT_EQUAL(nn_model_weights_kept(&b), nn_model_weights(&b) - 2);
	float x[3 * 36], la[15], lb[15];
	for (int i = 0; i < 3 * 36; i++)
		x[i] = (float)((i * 7) % 11) / 5.0f - 1.0f;
	nn_model_forward(&a, x, NULL, 3, NULL, NULL, la);
	nn_model_forward(&b, x, NULL, 3, NULL, NULL, lb);
	CU_ASSERT_EQUAL(memcmp(la, lb, sizeof la), 0);
	nn_model_deinit(&b);

	size_t len;
	uint8_t *data = slurp(&len), saved[16384];
	memcpy(saved, data, len);
	data[len / 2] ^= 0x10;
	spit(data, len);
	expect_load_error("CRC-32 mismatch");
	spit(saved, len - 9);
	expect_load_error("CRC-32 mismatch");
	spit(saved, 10);
	expect_load_error("truncated");
	memcpy(data, saved, len);
	data[0] = 'X';
	spit(data, len);
	expect_load_error("bad magic");
	memcpy(data, saved, len);
	data[8] = NN_CKPT_VERSION + 1; /* version */
	spit(data, len);
	char want[32];
	snprintf(want, sizeof want, "version %u", NN_CKPT_VERSION + 1);
	expect_load_error(want);
	memcpy(data, saved, len);
	data[12] ^= 1; /* the network hash */
	fix_crc(data, len);
	spit(data, len);
	expect_load_error("hash");
	/* The last tensor is f1's weights (no bias): values, then mask bytes.
	 * Unmask the pruned weight 7: still 0, so that is legal; mask weight 8
	 * instead, which is not zero. */
	memcpy(data, saved, len);
	const uint64_t n_f1 = a.layers[3].weight.n;
	uint8_t *mask = data + len - 4 - n_f1;
	CU_ASSERT_EQUAL(mask[7], 0);
	mask[8] = 0;
	fix_crc(data, len);
	spit(data, len);
	expect_load_error("masked weights 0");
	memcpy(data, saved, len);
	mask[9] = 2;
	fix_crc(data, len);
	spit(data, len);
	expect_load_error("masks are 0 or 1");
	/* Loading a missing file is an I/O error. */
	unlink(path);
	CU_ASSERT_EQUAL(nn_checkpoint_load(&b, NULL, path, 4, 1, &err), SIM_ERR_IO);
	nn_model_deinit(&b);
	nn_model_deinit(&a);
	wl_network_deinit(&net);
}

static const struct test_case cases[] = {
	{"round trip and corruption", test_round_trip_and_corruption},
};
TEST_SUITE(nn_checkpoint, cases);
