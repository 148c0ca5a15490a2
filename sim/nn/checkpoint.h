/* Checkpoints: a versioned, self-describing binary file holding a model.
 *
 * Layout (all integers little-endian, floats IEEE-754 binary32 LE):
 *   "ESIMCKPT" (8 bytes), u32 format version (NN_CKPT_VERSION),
 *   u64 network hash (nn_network_hash), u32 size + the network description
 *   (input shape and every layer's type, shapes and parameters, enough to
 *   rebuild the struct wl_network), the metadata (struct nn_ckpt_meta),
 *   u32 tensor count, then per tensor: u32 layer, u32 kind (0 weight,
 *   1 bias), u64 count, count floats, and for weights count mask bytes;
 *   finally the CRC-32 (zlib) of every byte before it.
 * Files are written to a temporary file in the same directory, flushed and
 * renamed over the target, so a crash never leaves a half-written checkpoint.
 * Loading checks the magic, version, sizes, hash, every tensor against the
 * network, mask bytes (0 or 1, masked values exactly 0) and the CRC; any
 * mismatch is a SIM_ERR_DATA error naming the file. */
#ifndef SIM_NN_CHECKPOINT_H
#define SIM_NN_CHECKPOINT_H

#include <stdint.h>

#include "core/err.h"
#include "nn/model.h"

/* 2: the thread count is no longer recorded (it no longer changes results). */
#define NN_CKPT_VERSION 2u

/* Training metadata stored with the tensors. */
struct nn_ckpt_meta {
	uint32_t epochs;       /* epochs trained */
	uint32_t batch;
	uint64_t seed;
	double lr;
	double test_accuracy;  /* 0..1, -1 when unknown */
	double test_loss;      /* -1 when unknown */
	double data_mean;      /* normalisation used in training */
	double data_std;
};

/* Writes m and meta to path atomically. */
int nn_checkpoint_save(const struct nn_model *m, const struct nn_ckpt_meta *meta,
		       const char *path, struct sim_err *err);

/* Reads path, rebuilds the network it describes and initialises m from it
 * (like nn_model_init with max_batch and n_threads), then fills every tensor
 * and mask; meta (may be NULL) receives the metadata. Caller releases m with
 * nn_model_deinit, also after failure. */
int nn_checkpoint_load(struct nn_model *m, struct nn_ckpt_meta *meta, const char *path,
		       uint32_t max_batch, uint32_t n_threads, struct sim_err *err);

#endif
