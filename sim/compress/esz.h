/* The compressed model file (.esz): a pruned, weight-shared (or linearly
 * quantised) network in Deep Compression's storage format, holding everything
 * needed to rebuild the model: the network (as YAML), per CONV/FC layer the
 * codebook, the Huffman tables, the weight-code and relative-index streams,
 * and the biases. Decoding gives back exactly the quantised weights and masks.
 *
 * Layout (integers little-endian, floats IEEE-754 binary32/64 LE):
 *   "ESIMCMPZ", u32 version, u64 nn_network_hash, the network YAML (u32 length,
 *   u32 deflated length, zlib-deflated text),
 *   f64 data mean, f64 data std, f64 test accuracy at compression (-1 unknown),
 *   u32 coded layers, per layer:
 *     u32 layer index, u8 kind (0 k-means codebook, 1 linear), u8 wbits,
 *     u8 ibits, u8 huffman, u64 weights, u64 entries,
 *     codebook: u32 k + k f32 (k-means) or f32 scale (linear),
 *     weight-code stream, relative-index stream: each u64 bits + bytes
 *       (with Huffman: the code table, then the codes; without: fixed width),
 *     u32 biases + f32 values;
 *   u32 CRC-32 (zlib) of every byte before it.
 * The file is written to a temporary file next to the target, flushed and
 * renamed over it, so it is never seen half-written. */
#ifndef SIM_COMPRESS_ESZ_H
#define SIM_COMPRESS_ESZ_H

#include <stdbool.h>
#include <stdint.h>

#include "compress/storage.h"
#include "core/err.h"
#include "nn/model.h"

#define ESZ_VERSION 1u

enum esz_kind {
	ESZ_KMEANS, /* weights are entries of a k-entry codebook */
	ESZ_LINEAR, /* weights are q * scale, |q| <= 2^(wbits-1) - 1 */
	ESZ_KIND_COUNT
};
extern const char *const esz_kind_names[ESZ_KIND_COUNT]; /* "kmeans", "linear" */

/* How one CONV/FC layer is coded (borrowed by esz_save). Every kept weight of
 * the model must equal a codebook entry (k-means) or (float)(q * scale)
 * exactly (linear); anything else is an error. */
struct esz_layer_spec {
	enum esz_kind kind;
	unsigned wbits, ibits;
	bool huffman;
	uint32_t k;            /* codebook entries (k-means), <= 2^wbits */
	const float *codebook; /* k-means: sorted ascending */
	float scale;           /* linear */
};

struct esz_meta {
	double data_mean, data_std;
	double test_accuracy;
};

/* Writes m with spec[i] for each model layer i that has weights (other
 * entries ignored). When acct is not NULL it receives the measured storage of
 * each coded layer (n_acct of them, caller-allocated for m->n_layers) with
 * the real stream sizes as the P+Q+H figures and biases counted. The file's
 * size is returned in *file_bytes (may be NULL). */
int esz_save(const struct nn_model *m, const struct esz_layer_spec *spec,
	     const struct esz_meta *meta, const char *path, struct storage_layer *acct,
	     int *n_acct, uint64_t *file_bytes, struct sim_err *err);

/* Reads path, rebuilds its network and a model (as nn_model_init with
 * max_batch and n_threads) holding the decoded weights, masks and biases.
 * Corrupt or truncated files are SIM_ERR_DATA naming the file. Caller
 * releases m with nn_model_deinit, also after failure. */
int esz_load(struct nn_model *m, struct esz_meta *meta, const char *path, uint32_t max_batch,
	     uint32_t n_threads, struct sim_err *err);

/* True when the file at path starts with the .esz magic. */
bool esz_is_esz(const char *path);

#endif
