/* Bit streams for the compressed weight formats: MSB-first bit writer into a
 * growing byte buffer, and a bounds-checked reader that reports truncation as
 * SIM_ERR_DATA instead of reading past the end. */
#ifndef SIM_COMPRESS_BITIO_H
#define SIM_COMPRESS_BITIO_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

/* Caller-allocated writer; bitw_init starts empty, bitw_deinit frees the buffer. */
struct bitw {
	uint8_t *buf;     /* owned */
	size_t cap_bytes;
	uint64_t n_bits;  /* bits written so far */
};

void bitw_init(struct bitw *w);
void bitw_deinit(struct bitw *w);
/* Appends the low `bits` bits of value, most significant first; bits <= 64. */
int bitw_put(struct bitw *w, uint64_t value, unsigned bits, struct sim_err *err);
/* Bytes used (the last byte zero-padded). */
size_t bitw_bytes(const struct bitw *w);

/* Reader over borrowed bytes holding n_bits meaningful bits. */
struct bitr {
	const uint8_t *buf;
	uint64_t n_bits;
	uint64_t pos_bits;
};

void bitr_init(struct bitr *r, const uint8_t *buf, uint64_t n_bits);
/* Reads `bits` (<= 64) bits MSB-first into *value; SIM_ERR_DATA past the end. */
int bitr_get(struct bitr *r, unsigned bits, uint64_t *value, struct sim_err *err);

#endif
