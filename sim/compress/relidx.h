/* Deep Compression's relative-index sparse format: each stored entry carries
 * the number of zeros since the previous entry in `ibits` bits; a zero run
 * longer than 2^ibits - 1 is bridged by filler entries whose value is zero. */
#ifndef SIM_COMPRESS_RELIDX_H
#define SIM_COMPRESS_RELIDX_H

#include <stdint.h>

#include "core/err.h"

#define RELIDX_MAX_BITS 16

/* An encoded vector. Caller-allocated; relidx_encode fills it, relidx_deinit
 * frees it. Entry i sits gap[i] positions after entry i-1's position + 1
 * (the first after position -1). Filler entries have value 0. */
struct relidx {
	uint64_t n;          /* dense length */
	unsigned ibits;
	uint64_t n_entries;  /* nonzeros + fillers */
	uint64_t n_fillers;
	uint32_t *gap;       /* owned, n_entries values in [0, 2^ibits - 1] */
	float *value;        /* owned, n_entries */
};

/* Encodes the nonzeros of x[0..n) with ibits (1..RELIDX_MAX_BITS) index bits. */
int relidx_encode(const float *x, uint64_t n, unsigned ibits, struct relidx *out,
		  struct sim_err *err);
/* Writes the dense vector to x[0..r->n); entries running past n are SIM_ERR_DATA. */
int relidx_decode(const struct relidx *r, float *x, struct sim_err *err);
void relidx_deinit(struct relidx *r);

/* Fillers needed for the kept positions of mask[0..n) (nonzero = kept), without
 * building the stream: the sum over zero runs z before each kept entry of
 * floor(z / 2^ibits). */
uint64_t relidx_fillers(const uint8_t *mask, uint64_t n, unsigned ibits);

#endif
