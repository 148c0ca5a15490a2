/* The Deep Compression pipeline on a trained model: prune (with a schedule
 * and masked retraining), quantise (k-means weight sharing with centroid
 * fine-tuning, or linear), Huffman-code and write a .esz file, reporting
 * accuracy after each stage and the storage table. */
#ifndef SIM_COMPRESS_PIPELINE_H
#define SIM_COMPRESS_PIPELINE_H

#include <stdint.h>
#include <stdio.h>

#include "compress/recipe.h"
#include "core/err.h"
#include "nn/checkpoint.h"
#include "nn/dataset.h"
#include "nn/model.h"

struct cmp_result {
	double acc_base, acc_pruned, acc_quant, acc_decoded; /* test accuracy, 0..1 */
	uint64_t weights, kept;
	uint64_t file_bytes;
	uint64_t bits_pq, bits_pqh;   /* accounting, biases included */
	double ratio_file;            /* 32-bit dense weights / file size */
	/* P+Q accounting with one relative index per kept group at the pruning
	 * granularity (what a group-aware format would store), biases excluded */
	uint64_t bits_pq_grouped, index_entries_grouped;
	bool decoded_identical;       /* weights and masks after decoding equal the model's */
};

struct cmp_io {
	const struct nn_dataset *train, *test; /* normalised like the model's training */
	double data_mean, data_std;
	uint32_t threads;
	FILE *log;                     /* progress and tables */
	const char *csv;               /* storage table CSV (may be NULL) */
};

/* Appends res as one CSV row (header first when the file is new or empty). */
int cmp_result_append_csv(const struct cmp_result *res, const struct cmp_recipe *r,
			  const char *model, const char *path, struct sim_err *err);

/* Runs recipe r on m (modified in place) and writes out_path. */
int cmp_pipeline_run(struct nn_model *m, const struct cmp_recipe *r, const struct cmp_io *io,
		     const char *out_path, struct cmp_result *res, struct sim_err *err);

/* Removes neurons / filters without connections: an output row of a CONV/FC
 * layer whose weights are all pruned makes the matching input columns of the
 * next weighted layer useless, and an input channel whose columns in the next
 * layer are all pruned makes the producing row useless; both are masked.
 * Only chains whose consecutive weighted layers are joined by ReLU/pooling
 * layers, with groups == 1, are handled; other layers are left alone.
 * Returns the number of weights newly masked. */
uint64_t cmp_remove_dead_neurons(struct nn_model *m);

/* Loads a checkpoint or a .esz file (chosen by the file's magic) into m, like
 * nn_checkpoint_load. For a .esz file, meta holds the data normalisation and
 * the test accuracy recorded at compression; the training fields are 0. */
int cmp_model_load_any(struct nn_model *m, struct nn_ckpt_meta *meta, const char *path,
		       uint32_t max_batch, uint32_t n_threads, struct sim_err *err);

#endif
