/* IDX data sets (LeCun, Cortes & Burges, "The MNIST database"; the same
 * format ships Fashion-MNIST, Xiao, Rasul & Vollgraf 2017).
 *
 * An IDX file is: two zero bytes, a type byte (0x08: unsigned byte), a byte
 * NDIM, NDIM big-endian u32 sizes, then the product of the sizes in bytes.
 * Files are read through zlib (gzread reads plain files unchanged): the
 * header first (magic, element type, dimension count, sizes), then exactly
 * the payload it announces (a truncated or over-long file is an error), and
 * for labels the range.
 * Normalisation uses the training set's pixel mean and standard deviation,
 * x = (byte/255 - mean) / std, applied to training and test sets alike. */
#include "nn/dataset.h"

#include <errno.h>
#include <gsl/gsl_randist.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "core/mem.h"

#define IDX_MAX_BYTES (1u << 30)
#define IDX_MAX_SIDE 4096u

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* zlib's message for the last error on f, without the path it prefixes. */
static const char *gz_message(gzFile f, const char *path, int *zerr)
{
	const char *msg = gzerror(f, zerr);
	size_t n = strlen(path);
	if (strncmp(msg, path, n) == 0 && strncmp(msg + n, ": ", 2) == 0)
		msg += n + 2;
	return msg;
}

/* Reads up to want bytes into buf; returns how many, or -1 with err set when
 * the compressed stream is corrupt. A short count means end of file. */
static long gz_read_full(gzFile f, const char *path, uint8_t *buf, size_t want,
			 struct sim_err *err)
{
	size_t got = 0;
	while (got < want) {
		unsigned chunk = want - got > (1u << 30) ? 1u << 30 : (unsigned)(want - got);
		int n = gzread(f, buf + got, chunk);
		int zerr;
		if (n < 0 || (n == 0 && (gz_message(f, path, &zerr), zerr != Z_OK))) {
			const char *msg = gz_message(f, path, &zerr);
			sim_err_set(err, SIM_ERR_DATA, path, 0, 0, "corrupt or truncated compressed "
				    "data: %s", msg);
			return -1;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	return (long)got;
}

/* Reads the IDX file at path (gzip-compressed or plain) of ndim dimensions:
 * checks the magic (two zero bytes), the element type (0x08, unsigned
 * bytes) and the dimension count, reads the sizes into dims, and reads
 * exactly the payload they announce into a new buffer (*out, caller owns),
 * refusing a shorter or a longer file. The buffer grows with the data
 * actually read, so a header announcing more than the file holds costs no
 * more memory than the file. */
static int idx_read(const char *path, uint32_t ndim, uint32_t *dims, uint8_t **out,
		    struct sim_err *err)
{
	*out = NULL;
	gzFile f = gzopen(path, "rb");
	if (!f)
		return sim_err_set(err, SIM_ERR_IO, path, 0, 0, "cannot open: %s",
				   errno ? strerror(errno) : "out of memory");
	uint8_t head[4 + 4 * 3], *buf = NULL;
	const size_t head_len = 4 + 4 * (size_t)ndim;
	long got = gz_read_full(f, path, head, 4, err);
	if (got < 0)
		goto fail;
	if (got < 4) {
		sim_err_set(err, SIM_ERR_DATA, path, 0, 0,
			    "truncated: %ld bytes, an IDX header needs at least 4", got);
		goto fail;
	}
	if (head[0] != 0 || head[1] != 0) {
		sim_err_set(err, SIM_ERR_DATA, path, 0, 0, "bad magic: not an IDX file (it starts "
			    "%02x %02x, an IDX file 00 00)", head[0], head[1]);
		goto fail;
	}
	if (head[2] != 0x08) {
		sim_err_set(err, SIM_ERR_DATA, path, 0, 0, "element type 0x%02x: only unsigned "
			    "bytes (0x08) are supported", head[2]);
		goto fail;
	}
	if (head[3] != ndim) {
		sim_err_set(err, SIM_ERR_DATA, path, 0, 0, "%u dimensions: %s file has %u",
			    head[3], ndim == 3 ? "an image" : "a label", ndim);
		goto fail;
	}
	if ((got = gz_read_full(f, path, head + 4, head_len - 4, err)) < 0)
		goto fail;
	if ((size_t)got < head_len - 4) {
		sim_err_set(err, SIM_ERR_DATA, path, 0, 0,
			    "truncated: the header needs %zu bytes, the file has %zu", head_len,
			    4 + (size_t)got);
		goto fail;
	}
	uint64_t payload = 1;
	for (uint32_t i = 0; i < ndim; i++) {
		dims[i] = be32(head + 4 + 4 * i);
		if (dims[i] == 0 || (i > 0 && dims[i] > IDX_MAX_SIDE)) {
			sim_err_set(err, SIM_ERR_DATA, path, 0, 0, "dimension %u is %u: must be in "
				    "[1, %u]", i, dims[i], i > 0 ? IDX_MAX_SIDE : UINT32_MAX);
			goto fail;
		}
		payload *= dims[i]; /* at most 2^32 * 4096^2: no overflow */
	}
	if (payload > IDX_MAX_BYTES) {
		sim_err_set(err, SIM_ERR_DATA, path, 0, 0, "the header announces %llu data bytes, "
			    "more than the %u esim reads", (unsigned long long)payload, IDX_MAX_BYTES);
		goto fail;
	}
	size_t cap = 0, len = 0;
	while (len < payload) {
		size_t next = cap ? 2 * cap : 1u << 16;
		if (next > payload)
			next = (size_t)payload;
		uint8_t *nb = sim_realloc(buf, next, err);
		if (!nb)
			goto fail;
		buf = nb;
		cap = next;
		if ((got = gz_read_full(f, path, buf + len, cap - len, err)) < 0)
			goto fail;
		len += (size_t)got;
		if (len < cap)
			break;
	}
	/* Count what follows the payload, in a scratch buffer. */
	uint64_t extra = 0;
	uint8_t scratch[4096];
	while ((got = gz_read_full(f, path, scratch, sizeof scratch, err)) > 0)
		extra += (uint64_t)got;
	if (got < 0)
		goto fail;
	if (len < payload || extra) {
		sim_err_set(err, SIM_ERR_DATA, path, 0, 0,
			    "%s: the header announces %llu data bytes, the file holds %llu",
			    extra ? "trailing data" : "truncated", (unsigned long long)payload,
			    (unsigned long long)(len + extra));
		goto fail;
	}
	gzclose(f);
	*out = buf;
	return 0;
fail:
	free(buf);
	gzclose(f);
	return err->code;
}

int nn_dataset_load_idx(struct nn_dataset *ds, const char *images_path, const char *labels_path,
			uint32_t max_classes, struct sim_err *err)
{
	memset(ds, 0, sizeof *ds);
	snprintf(ds->source, sizeof ds->source, "%s", images_path);
	snprintf(ds->labels_source, sizeof ds->labels_source, "%s", labels_path);
	uint8_t *img = NULL, *lab = NULL;
	uint32_t idims[3], ldims[1];
	if (idx_read(images_path, 3, idims, &img, err) || idx_read(labels_path, 1, ldims, &lab, err))
		goto fail;
	if (idims[0] != ldims[0]) {
		sim_err_set(err, SIM_ERR_DATA, labels_path, 0, 0,
			    "holds %u labels but %s holds %u images", ldims[0], images_path, idims[0]);
		goto fail;
	}
	ds->n = idims[0];
	ds->c = 1;
	ds->h = idims[1];
	ds->w = idims[2];
	for (uint64_t i = 0; i < ds->n; i++) {
		uint8_t l = lab[i];
		if (l >= max_classes) {
			sim_err_set(err, SIM_ERR_DATA, labels_path, 0, 0,
				    "label %llu is %u: must be below %u", (unsigned long long)i, l,
				    max_classes);
			goto fail;
		}
		if (l + 1u > ds->n_classes)
			ds->n_classes = l + 1u;
	}
	const uint64_t pixels = ds->n * ds->h * ds->w;
	ds->images = sim_malloc(pixels * sizeof *ds->images, err);
	ds->labels = ds->images ? sim_malloc(ds->n, err) : NULL;
	if (!ds->labels)
		goto fail;
	for (uint64_t i = 0; i < pixels; i++)
		ds->images[i] = img[i] / 255.0f;
	memcpy(ds->labels, lab, ds->n);
	free(img);
	free(lab);
	return 0;
fail:
	free(img);
	free(lab);
	return err->code;
}

/* DIR/NAME.gz if it exists, else DIR/NAME. */
static void data_file(char *out, size_t size, const char *dir, const char *name)
{
	snprintf(out, size, "%s/%s.gz", dir, name);
	if (access(out, F_OK) != 0)
		snprintf(out, size, "%s/%s", dir, name);
}

int nn_dataset_load_dir(struct nn_dataset *ds, const char *dir, const char *prefix,
			struct sim_err *err)
{
	char img[512], lab[512], name[64];
	snprintf(name, sizeof name, "%s-images-idx3-ubyte", prefix);
	data_file(img, sizeof img, dir, name);
	snprintf(name, sizeof name, "%s-labels-idx1-ubyte", prefix);
	data_file(lab, sizeof lab, dir, name);
	return nn_dataset_load_idx(ds, img, lab, NN_MAX_CLASSES, err);
}

void nn_dataset_stats(const struct nn_dataset *ds, double *mean, double *std)
{
	const uint64_t n = ds->n * ds->c * ds->h * ds->w;
	double sum = 0.0, sq = 0.0;
	for (uint64_t i = 0; i < n; i++) {
		sum += ds->images[i];
		sq += (double)ds->images[i] * ds->images[i];
	}
	*mean = n ? sum / (double)n : 0.0;
	double var = n ? sq / (double)n - *mean * *mean : 0.0;
	*std = var > 0.0 ? sqrt(var) : 0.0;
}

void nn_dataset_normalize(struct nn_dataset *ds, double mean, double std)
{
	const uint64_t n = ds->n * ds->c * ds->h * ds->w;
	for (uint64_t i = 0; i < n; i++)
		ds->images[i] = (float)((ds->images[i] - mean) / std);
}

int nn_dataset_split(struct nn_dataset *train, struct nn_dataset *val, uint64_t n_val,
		     gsl_rng *rng, struct sim_err *err)
{
	memset(val, 0, sizeof *val);
	if (n_val >= train->n)
		return sim_err_set(err, SIM_ERR_USAGE, NULL, 0, 0,
				   "validation split of %llu images leaves no training images "
				   "(the set has %llu)", (unsigned long long)n_val,
				   (unsigned long long)train->n);
	const uint64_t img = (uint64_t)train->c * train->h * train->w;
	*val = *train;
	val->n = n_val;
	val->images = NULL;
	val->labels = NULL;
	uint64_t *perm = sim_malloc(train->n * sizeof *perm, err);
	uint8_t *is_val = perm ? sim_calloc(train->n, 1, err) : NULL;
	val->images = is_val ? sim_malloc((n_val ? n_val : 1) * img * sizeof(float), err) : NULL;
	val->labels = val->images ? sim_malloc(n_val ? n_val : 1, err) : NULL;
	if (!val->labels) {
		free(perm);
		free(is_val);
		return err->code;
	}
	for (uint64_t i = 0; i < train->n; i++)
		perm[i] = i;
	gsl_ran_shuffle(rng, perm, train->n, sizeof *perm);
	for (uint64_t i = 0; i < n_val; i++) {
		is_val[perm[i]] = 1;
		memcpy(val->images + i * img, train->images + perm[i] * img, img * sizeof(float));
		val->labels[i] = train->labels[perm[i]];
	}
	uint64_t kept = 0;
	for (uint64_t i = 0; i < train->n; i++) {
		if (is_val[i])
			continue;
		memmove(train->images + kept * img, train->images + i * img, img * sizeof(float));
		train->labels[kept++] = train->labels[i];
	}
	train->n = kept;
	free(perm);
	free(is_val);
	return 0;
}

int nn_dataset_copy(struct nn_dataset *dst, const struct nn_dataset *src, struct sim_err *err)
{
	const uint64_t floats = src->n * src->c * src->h * src->w;
	*dst = *src;
	dst->images = sim_malloc((floats ? floats : 1) * sizeof *dst->images, err);
	dst->labels = dst->images ? sim_malloc(src->n ? src->n : 1, err) : NULL;
	if (!dst->labels)
		return err->code;
	memcpy(dst->images, src->images, floats * sizeof *dst->images);
	memcpy(dst->labels, src->labels, src->n);
	return 0;
}

void nn_dataset_truncate(struct nn_dataset *ds, uint64_t n)
{
	if (n < ds->n)
		ds->n = n;
}

void nn_dataset_deinit(struct nn_dataset *ds)
{
	free(ds->images);
	free(ds->labels);
	memset(ds, 0, sizeof *ds);
}
