/* MSB-first bit streams (see bitio.h). Bit i of the stream is bit 7 - i % 8 of
 * byte i / 8, the order used by canonical Huffman decoders that compare codes
 * numerically as bits arrive. */
#include "compress/bitio.h"

#include <stdlib.h>
#include <string.h>

#include "core/mem.h"

void bitw_init(struct bitw *w)
{
	w->buf = NULL;
	w->cap_bytes = 0;
	w->n_bits = 0;
}

void bitw_deinit(struct bitw *w)
{
	free(w->buf);
	bitw_init(w);
}

size_t bitw_bytes(const struct bitw *w)
{
	return (size_t)((w->n_bits + 7) / 8);
}

int bitw_put(struct bitw *w, uint64_t value, unsigned bits, struct sim_err *err)
{
	size_t need = (size_t)((w->n_bits + bits + 7) / 8);
	if (need > w->cap_bytes) {
		size_t cap = w->cap_bytes ? w->cap_bytes : 64;
		while (cap < need)
			cap *= 2;
		uint8_t *nb = sim_realloc(w->buf, cap, err);
		if (!nb)
			return SIM_ERR_NOMEM;
		for (size_t i = w->cap_bytes; i < cap; i++)
			nb[i] = 0;
		w->buf = nb;
		w->cap_bytes = cap;
	}
	for (unsigned i = bits; i-- > 0;) {
		if ((value >> i) & 1u)
			w->buf[w->n_bits / 8] |= (uint8_t)(0x80u >> (w->n_bits % 8));
		w->n_bits++;
	}
	return 0;
}

void bitr_init(struct bitr *r, const uint8_t *buf, uint64_t n_bits)
{
	r->buf = buf;
	r->n_bits = n_bits;
	r->pos_bits = 0;
}

int bitr_get(struct bitr *r, unsigned bits, uint64_t *value, struct sim_err *err)
{
	if (bits > r->n_bits - r->pos_bits)
		return sim_err_set(err, SIM_ERR_DATA, NULL, 0, 0,
				   "bit stream truncated: need %u bits at bit %llu of %llu", bits,
				   (unsigned long long)r->pos_bits, (unsigned long long)r->n_bits);
	uint64_t v = 0;
	for (unsigned i = 0; i < bits; i++) {
		uint64_t p = r->pos_bits++;
		v = (v << 1) | ((r->buf[p / 8] >> (7 - p % 8)) & 1u);
	}
	*value = v;
	return 0;
}

/* ---- byte-aligned little-endian fields ---- */

int bitw_put_le(struct bitw *w, uint64_t v, unsigned bytes, struct sim_err *err)
{
	int rc = 0;
	for (unsigned i = 0; !rc && i < bytes; i++)
		rc = bitw_put(w, (v >> (8 * i)) & 0xffu, 8, err);
	return rc;
}

int bitw_put_f32(struct bitw *w, float f, struct sim_err *err)
{
	uint32_t u;
	memcpy(&u, &f, sizeof u);
	return bitw_put_le(w, u, 4, err);
}

int bitw_put_f64(struct bitw *w, double d, struct sim_err *err)
{
	uint64_t u;
	memcpy(&u, &d, sizeof u);
	return bitw_put_le(w, u, 8, err);
}

int bitw_put_bytes(struct bitw *w, const uint8_t *p, size_t n, struct sim_err *err)
{
	int rc = 0;
	for (size_t i = 0; !rc && i < n; i++)
		rc = bitw_put(w, p[i], 8, err);
	return rc;
}

/* A sub-stream: its length in bits, then its bytes. */
int bitw_put_stream(struct bitw *w, const struct bitw *s, struct sim_err *err)
{
	int rc = bitw_put_le(w, s->n_bits, 8, err);
	return rc ? rc : bitw_put_bytes(w, s->buf, bitw_bytes(s), err);
}

int bitr_get_le(struct bitr *r, unsigned bytes, uint64_t *v, struct sim_err *err)
{
	uint64_t out = 0, b;
	*v = 0;
	for (unsigned i = 0; i < bytes; i++) {
		int rc = bitr_get(r, 8, &b, err);
		if (rc)
			return rc;
		out |= b << (8 * i);
	}
	*v = out;
	return 0;
}

int bitr_get_f32(struct bitr *r, float *f, struct sim_err *err)
{
	uint64_t v;
	int rc = bitr_get_le(r, 4, &v, err);
	uint32_t u = (uint32_t)v;
	memcpy(f, &u, sizeof *f);
	return rc;
}

int bitr_get_f64(struct bitr *r, double *d, struct sim_err *err)
{
	uint64_t v;
	int rc = bitr_get_le(r, 8, &v, err);
	memcpy(d, &v, sizeof *d);
	return rc;
}

/* Borrows a sub-stream of r as its own reader. */
int bitr_get_stream(struct bitr *r, struct bitr *s, struct sim_err *err)
{
	uint64_t bits;
	int rc = bitr_get_le(r, 8, &bits, err);
	if (rc)
		return rc;
	uint64_t bytes = (bits + 7) / 8;
	if (bytes > (r->n_bits - r->pos_bits) / 8)
		return sim_err_set(err, SIM_ERR_DATA, NULL, 0, 0, "stream of %llu bits is truncated",
				   (unsigned long long)bits);
	bitr_init(s, r->buf + r->pos_bits / 8, bits);
	r->pos_bits += 8 * bytes;
	return 0;
}
