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

/* Byte-aligned fields (the writer or reader must be at a byte boundary):
 * unsigned integers of `bytes` bytes little-endian, IEEE floats by their bit
 * patterns, raw bytes, and sub-streams (a u64 bit length, then the bytes).
 * Readers give SIM_ERR_DATA when the data runs out. */
int bitw_put_le(struct bitw *w, uint64_t v, unsigned bytes, struct sim_err *err);
int bitw_put_f32(struct bitw *w, float f, struct sim_err *err);
int bitw_put_f64(struct bitw *w, double d, struct sim_err *err);
int bitw_put_bytes(struct bitw *w, const uint8_t *p, size_t n, struct sim_err *err);
int bitw_put_stream(struct bitw *w, const struct bitw *s, struct sim_err *err);
int bitr_get_le(struct bitr *r, unsigned bytes, uint64_t *v, struct sim_err *err);
int bitr_get_f32(struct bitr *r, float *f, struct sim_err *err);
int bitr_get_f64(struct bitr *r, double *d, struct sim_err *err);
/* Borrows the next sub-stream of r as the reader s. */
int bitr_get_stream(struct bitr *r, struct bitr *s, struct sim_err *err);

#endif
