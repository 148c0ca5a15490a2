/* Image classification data sets in the IDX format of MNIST / Fashion-MNIST
 * (LeCun et al.): a big-endian header (magic 0x0000 08 NDIM, then NDIM u32
 * sizes) followed by unsigned bytes. Images are idx3 (count, rows, cols),
 * labels idx1 (count). Files may be gzip-compressed or plain (zlib's gzread
 * reads both). Every inconsistency (magic, dimensions, file size, label range,
 * image/label count mismatch) is a SIM_ERR_DATA error naming the file.
 *
 * Pixels are stored as floats in NCHW order with C = 1, first as byte / 255;
 * callers then normalise x = (x - mean) / std with the training set's mean and
 * std (nn_dataset_stats, nn_dataset_normalize), which checkpoints record. */
#ifndef SIM_NN_DATASET_H
#define SIM_NN_DATASET_H

#include <stdint.h>

#include <gsl/gsl_rng.h>

#include "core/err.h"

#define NN_MAX_CLASSES 256

struct nn_dataset {
	uint64_t n;          /* images */
	uint32_t c, h, w;    /* image shape (c == 1 for IDX) */
	uint32_t n_classes;  /* 1 + largest label seen */
	float *images;       /* owned: n * c*h*w floats, NCHW */
	uint8_t *labels;     /* owned: n labels */
	char source[256];    /* image file, for messages */
	char labels_source[256]; /* label file, for messages */
};

/* Loads an image file and a label file. Labels must be < max_classes. Caller
 * owns ds and releases it with nn_dataset_deinit (also after failure). Pixels
 * are scaled to [0, 1] (byte / 255), not yet normalised. */
int nn_dataset_load_idx(struct nn_dataset *ds, const char *images_path, const char *labels_path,
			uint32_t max_classes, struct sim_err *err);

/* Loads DIR/PREFIX-images-idx3-ubyte[.gz] and DIR/PREFIX-labels-idx1-ubyte[.gz]
 * (the .gz file when it exists), e.g. prefix "train" or "t10k", with pixels
 * in [0, 1]. Caller owns ds; deinit it even after failure. */
int nn_dataset_load_dir(struct nn_dataset *ds, const char *dir, const char *prefix,
			struct sim_err *err);

/* Mean and standard deviation of every pixel of ds. */
void nn_dataset_stats(const struct nn_dataset *ds, double *mean, double *std);
/* x = (x - mean) / std on every pixel. */
void nn_dataset_normalize(struct nn_dataset *ds, double mean, double std);

/* Moves n_val images, chosen by a permutation drawn from rng, from train into
 * val (caller-allocated, released with nn_dataset_deinit); the rest stay in
 * train in their original order. */
int nn_dataset_split(struct nn_dataset *train, struct nn_dataset *val, uint64_t n_val,
		     gsl_rng *rng, struct sim_err *err);

/* dst = a deep copy of src (caller releases dst with nn_dataset_deinit, also
 * after failure). */
int nn_dataset_copy(struct nn_dataset *dst, const struct nn_dataset *src, struct sim_err *err);

/* Keeps only the first n images (n <= ds->n); for quick runs and tests. */
void nn_dataset_truncate(struct nn_dataset *ds, uint64_t n);

void nn_dataset_deinit(struct nn_dataset *ds);

/* Default data directory (the Debian package dataset-fashion-mnist). */
#define NN_DEFAULT_DATA_DIR "/usr/share/datasets/fashion-mnist"

#endif
