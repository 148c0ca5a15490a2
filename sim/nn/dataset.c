/* IDX data sets (LeCun, Cortes & Burges, "The MNIST database"; the same
 * format ships Fashion-MNIST, Xiao, Rasul & Vollgraf 2017).
 *
 * An IDX file is: two zero bytes, a type byte (0x08: unsigned byte), a byte
 * NDIM, NDIM big-endian u32 sizes, then the product of the sizes in bytes.
 * The whole file is decompressed into memory through zlib (gzread reads plain
 * files unchanged), then checked: magic, dimensions, exact payload size (a
 * truncated or over-long file is an error), and for labels the range.
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

/* Reads all of path (decompressing gzip) into a new buffer; caller owns it. */
static int read_all(const char *path, uint8_t **out, size_t *size, struct sim_err *err)
{
	*out = NULL;
	*size = 0;
	gzFile f = gzopen(path, "rb");
	if (!f)
		return sim_err_set(err, SIM_ERR_IO, path, 0, 0, "cannot open: %s",
				   errno ? strerror(errno) : "out of memory");
	size_t cap = 1u << 20, len = 0;
	uint8_t *buf = sim_malloc(cap, err);
	if (!buf)
		goto fail;
	for (;;) {
		if (len == cap) {
			if (cap >= IDX_MAX_BYTES) {
				sim_err_set(err, SIM_ERR_DATA, path, 0, 0,
					    "file is larger than %u bytes", IDX_MAX_BYTES);
				goto fail;
			}
			uint8_t *nb = sim_realloc(buf, cap * 2, err);
			if (!nb)
				goto fail;
			buf = nb;
			cap *= 2;
		}
		int got = gzread(f, buf + len, (unsigned)(cap - len));
		if (got < 0) {
			int zerr;
			const char *msg = gzerror(f, &zerr);
			sim_err_set(err, SIM_ERR_DATA, path, 0, 0, "corrupt compressed data: %s", msg);
			goto fail;
		}
		if (got == 0)
			break;
		len += (size_t)got;
	}
	int zerr;
	const char *msg = gzerror(f, &zerr);
	if (zerr != Z_OK) {
		sim_err_set(err, SIM_ERR_DATA, path, 0, 0, "corrupt or truncated compressed data: %s",
			    msg);
		goto fail;
	}
	gzclose(f);
	*out = buf;
	*size = len;
	return 0;
fail:
	free(buf);
	gzclose(f);
	return err->code;
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Checks the header of an IDX file of ndim dimensions (sizes into dims) and
 * that exactly the payload follows; returns the payload offset in *off. */
static int idx_check(const char *path, const uint8_t *buf, size_t size, uint32_t ndim,
		     uint32_t *dims, size_t *off, struct sim_err *err)
{
	if (size < 4)
		return sim_err_set(err, SIM_ERR_DATA, path, 0, 0,
				   "truncated: %zu bytes, an IDX header needs at least 4", size);
	if (buf[0] != 0 || buf[1] != 0 || buf[2] != 0x08 || buf[3] != ndim)
		return sim_err_set(err, SIM_ERR_DATA, path, 0, 0,
				   "bad magic %02x%02x%02x%02x: expected 000008%02x (unsigned bytes, "
				   "%u dimensions)", buf[0], buf[1], buf[2], buf[3], ndim, ndim);
	*off = 4 + 4 * (size_t)ndim;
	if (size < *off)
		return sim_err_set(err, SIM_ERR_DATA, path, 0, 0,
				   "truncated: the header needs %zu bytes, the file has %zu", *off,
				   size);
	uint64_t payload = 1;
	for (uint32_t i = 0; i < ndim; i++) {
		dims[i] = be32(buf + 4 + 4 * i);
		if (dims[i] == 0 || (i > 0 && dims[i] > IDX_MAX_SIDE))
			return sim_err_set(err, SIM_ERR_DATA, path, 0, 0,
					   "dimension %u is %u: must be in [1, %u]", i, dims[i],
					   i > 0 ? IDX_MAX_SIDE : IDX_MAX_BYTES);
		payload *= dims[i];
	}
	if (payload != size - *off)
		return sim_err_set(err, SIM_ERR_DATA, path, 0, 0,
				   "%s: the header announces %llu data bytes, the file holds %zu",
				   payload > size - *off ? "truncated" : "trailing data",
				   (unsigned long long)payload, size - *off);
	return 0;
}

int nn_dataset_load_idx(struct nn_dataset *ds, const char *images_path, const char *labels_path,
			uint32_t max_classes, struct sim_err *err)
{
	memset(ds, 0, sizeof *ds);
	snprintf(ds->source, sizeof ds->source, "%s", images_path);
	snprintf(ds->labels_source, sizeof ds->labels_source, "%s", labels_path);
	uint8_t *img = NULL, *lab = NULL;
	size_t img_size, lab_size, img_off, lab_off;
	uint32_t idims[3], ldims[1];
	if (read_all(images_path, &img, &img_size, err) ||
	    idx_check(images_path, img, img_size, 3, idims, &img_off, err) ||
	    read_all(labels_path, &lab, &lab_size, err) ||
	    idx_check(labels_path, lab, lab_size, 1, ldims, &lab_off, err))
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
		uint8_t l = lab[lab_off + i];
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
		ds->images[i] = img[img_off + i] / 255.0f;
	memcpy(ds->labels, lab + lab_off, ds->n);
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
