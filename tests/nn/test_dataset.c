/* IDX parsing: a good file (plain and gzip), and every kind of bad file the
 * loader must refuse with a message naming the file: bad magic, wrong
 * dimension count, truncated payload, trailing data, truncated gzip stream,
 * image/label count mismatch, label out of range. Also the validation split
 * and normalisation. Files are generated in a temporary directory. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include <gsl/gsl_rng.h>

#include "nn/dataset.h"
#include "nn/model.h"
#include "nn/train.h"
#include "test.h"

static char dir[64];

static void make_dir(void)
{
	snprintf(dir, sizeof dir, "/tmp/esim-idx-XXXXXX");
	CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
}

static void remove_dir(void)
{
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	CU_ASSERT_EQUAL(system(cmd), 0);
}

static void be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* Builds an IDX file in buf: ndim sizes, then `payload` bytes of pattern. */
static size_t idx_build(uint8_t *buf, uint8_t ndim, const uint32_t *dims, size_t payload,
			uint8_t label_mod)
{
	buf[0] = buf[1] = 0;
	buf[2] = 0x08;
	buf[3] = ndim;
	for (int i = 0; i < ndim; i++)
		be32(buf + 4 + 4 * i, dims[i]);
	size_t off = 4 + 4 * (size_t)ndim;
	for (size_t i = 0; i < payload; i++)
		buf[off + i] = (uint8_t)(label_mod ? i % label_mod : (i * 37) % 256);
	return off + payload;
}

static void write_file(const char *name, const uint8_t *buf, size_t len, int gzip)
{
	char path[128];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	if (gzip) {
		gzFile f = gzopen(path, "wb");
		CU_ASSERT_PTR_NOT_NULL_FATAL(f);
		CU_ASSERT_EQUAL(gzwrite(f, buf, (unsigned)len), (int)len);
		gzclose(f);
	} else {
		FILE *f = fopen(path, "wb");
		CU_ASSERT_PTR_NOT_NULL_FATAL(f);
		CU_ASSERT_EQUAL(fwrite(buf, 1, len, f), len);
		fclose(f);
	}
}

static uint8_t buf[4096];

/* A good set of 6 images of 4x5 and 6 labels in [0, 3). */
static void write_good(const char *prefix, int gzip)
{
	char name[64];
	const uint32_t idims[3] = {6, 4, 5}, ldims[1] = {6};
	snprintf(name, sizeof name, "%s-images-idx3-ubyte%s", prefix, gzip ? ".gz" : "");
	write_file(name, buf, idx_build(buf, 3, idims, 6 * 20, 0), gzip);
	snprintf(name, sizeof name, "%s-labels-idx1-ubyte%s", prefix, gzip ? ".gz" : "");
	write_file(name, buf, idx_build(buf, 1, ldims, 6, 3), gzip);
}

static void test_good(void)
{
	make_dir();
	write_good("train", 1);
	write_good("t10k", 0);
	struct nn_dataset a, b;
	struct sim_err err;
	CU_ASSERT_EQUAL_FATAL(nn_dataset_load_dir(&a, dir, "train", &err), 0);
	CU_ASSERT_EQUAL_FATAL(nn_dataset_load_dir(&b, dir, "t10k", &err), 0);
	CU_ASSERT(a.n == 6 && a.c == 1 && a.h == 4 && a.w == 5 && a.n_classes == 3);
	CU_ASSERT(strstr(a.source, ".gz") != NULL && strstr(b.source, ".gz") == NULL);
	/* Same bytes either way; pixel i is (i*37 mod 256) / 255, label i is i mod 3. */
	CU_ASSERT_EQUAL(memcmp(a.images, b.images, 6 * 20 * sizeof(float)), 0);
	for (int i = 0; i < 6 * 20; i++)
		CU_ASSERT(a.images[i] == (float)((i * 37) % 256) / 255.0f);
	for (int i = 0; i < 6; i++)
		CU_ASSERT_EQUAL(a.labels[i], i % 3);
	double mean, std;
	nn_dataset_stats(&a, &mean, &std);
	nn_dataset_normalize(&a, mean, std);
	double m2, s2;
	nn_dataset_stats(&a, &m2, &s2);
	CU_ASSERT(fabs(m2) < 1e-6 && fabs(s2 - 1.0) < 1e-5);

	gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
	struct nn_dataset val;
	float first = b.images[0];
	CU_ASSERT_EQUAL(nn_dataset_split(&b, &val, 2, rng, &err), 0);
	CU_ASSERT(b.n == 4 && val.n == 2 && val.h == 4);
	/* Every image went to exactly one side: label counts add up. */
	int count[3] = {0};
	for (uint64_t i = 0; i < b.n; i++)
		count[b.labels[i]]++;
	for (uint64_t i = 0; i < val.n; i++)
		count[val.labels[i]]++;
	CU_ASSERT(count[0] == 2 && count[1] == 2 && count[2] == 2);
	CU_ASSERT(first == b.images[0] || first == val.images[0] || first == val.images[20]);
	struct nn_dataset none;
	CU_ASSERT_EQUAL(nn_dataset_split(&b, &none, 4, rng, &err), SIM_ERR_USAGE);
	nn_dataset_deinit(&none);
	nn_dataset_deinit(&val);
	gsl_rng_free(rng);
	nn_dataset_deinit(&a);
	nn_dataset_deinit(&b);
	remove_dir();
}

/* Loads DIR/img + DIR/lab and expects a data error naming `culprit`
 * containing `fragment`. */
static void expect_bad(const char *img, const char *lab, const char *culprit,
		       const char *fragment)
{
	char ip[128], lp[128];
	snprintf(ip, sizeof ip, "%s/%s", dir, img);
	snprintf(lp, sizeof lp, "%s/%s", dir, lab);
	struct nn_dataset d;
	struct sim_err err;
	int rc = nn_dataset_load_idx(&d, ip, lp, 10, &err);
	CU_ASSERT_EQUAL(rc, SIM_ERR_DATA);
	CU_ASSERT(strstr(err.file, culprit) != NULL);
	if (!strstr(err.msg, fragment))
		fprintf(stderr, "\n  expected '%s' in: %s", fragment, err.msg);
	CU_ASSERT(strstr(err.msg, fragment) != NULL);
	nn_dataset_deinit(&d);
}

static void test_bad(void)
{
	make_dir();
	write_good("ok", 0);
	const uint32_t idims[3] = {6, 4, 5}, ldims[1] = {6}, ldims7[1] = {7};
	size_t len = idx_build(buf, 3, idims, 120, 0);
	buf[2] = 0x09; /* not unsigned bytes */
	write_file("magic", buf, len, 0);
	len = idx_build(buf, 1, idims, 6, 3); /* labels where images belong */
	write_file("ndim", buf, len, 0);
	len = idx_build(buf, 3, idims, 100, 0);
	write_file("short", buf, len, 0);
	write_file("short.gz", buf, len, 1);
	len = idx_build(buf, 3, idims, 121, 0);
	write_file("long", buf, len, 0);
	write_file("tiny", buf, 2, 0);
	len = idx_build(buf, 1, ldims7, 7, 3);
	write_file("labels7", buf, len, 0);
	len = idx_build(buf, 1, ldims, 6, 3);
	buf[8 + 4] = 10; /* the fifth label, with max_classes 10 */
	write_file("label-range", buf, len, 0);
	/* A gzip stream cut in the middle. */
	len = idx_build(buf, 3, idims, 120, 0);
	write_file("cut.gz", buf, len, 1);
	char path[128];
	snprintf(path, sizeof path, "%s/cut.gz", dir);
	FILE *f = fopen(path, "rb");
	uint8_t gz[1024];
	size_t gzlen = fread(gz, 1, sizeof gz, f);
	fclose(f);
	write_file("cut.gz", gz, gzlen / 2, 0);

	expect_bad("magic", "ok-labels-idx1-ubyte", "magic", "element type 0x09");
	expect_bad("ndim", "ok-labels-idx1-ubyte", "ndim", "1 dimensions: an image file has 3");
	expect_bad("short", "ok-labels-idx1-ubyte", "short", "truncated");
	expect_bad("short.gz", "ok-labels-idx1-ubyte", "short.gz", "truncated");
	expect_bad("long", "ok-labels-idx1-ubyte", "long", "trailing data");
	expect_bad("tiny", "ok-labels-idx1-ubyte", "tiny", "truncated");
	expect_bad("ok-images-idx3-ubyte", "labels7", "labels7", "7 labels but");
	expect_bad("ok-images-idx3-ubyte", "label-range", "label-range", "label 4 is 10");
	expect_bad("cut.gz", "ok-labels-idx1-ubyte", "cut.gz", "truncated");

	struct nn_dataset d;
	struct sim_err err;
	CU_ASSERT_EQUAL(nn_dataset_load_dir(&d, dir, "missing", &err), SIM_ERR_IO);
	CU_ASSERT(strstr(err.file, "missing-images-idx3-ubyte") != NULL);
	nn_dataset_deinit(&d);
	remove_dir();
}

/* Data that does not fit the network is refused, naming the culprit file:
 * the label file when labels exceed the outputs, the image file when the
 * image shape differs. */
static void test_mismatch(void)
{
	make_dir();
	write_good("t10k", 0); /* 6 images 4x5, labels 0..2 */
	struct nn_dataset d;
	struct sim_err err;
	CU_ASSERT_EQUAL_FATAL(nn_dataset_load_dir(&d, dir, "t10k", &err), 0);
	static const char *const nets[2] = {
		"name: two\ninput: {channels: 1, height: 4, width: 5}\n"
		"layers: [{name: fc, type: fc, out_features: 2}]\n",
		"name: wide\ninput: {channels: 1, height: 4, width: 6}\n"
		"layers: [{name: fc, type: fc, out_features: 3}]\n",
	};
	static const char *const culprit[2] = {"t10k-labels-idx1-ubyte", "t10k-images-idx3-ubyte"};
	for (int i = 0; i < 2; i++) {
		struct wl_network net;
		struct nn_model m;
		CU_ASSERT_EQUAL_FATAL(wl_network_load_string(&net, "n.yaml", nets[i], &err), 0);
		CU_ASSERT_EQUAL_FATAL(nn_model_init(&m, &net, 4, 1, &err), 0);
		struct nn_eval ev;
		CU_ASSERT_EQUAL(nn_evaluate(&m, &d, &ev, &err), SIM_ERR_DATA);
		CU_ASSERT(strstr(err.file, culprit[i]) != NULL);
		nn_model_deinit(&m);
		wl_network_deinit(&net);
	}
	nn_dataset_deinit(&d);
	remove_dir();
}

static const struct test_case cases[] = {
	{"good files, split, normalisation", test_good},
	{"bad files", test_bad},
	{"data that does not fit the network names its file", test_mismatch},
};
TEST_SUITE(nn_dataset, cases);
