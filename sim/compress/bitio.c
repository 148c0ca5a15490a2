/* MSB-first bit streams (see bitio.h). Bit i of the stream is bit 7 - i % 8 of
 * byte i / 8, the order used by canonical Huffman decoders that compare codes
 * numerically as bits arrive. */
#include "compress/bitio.h"

#include <stdlib.h>

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
