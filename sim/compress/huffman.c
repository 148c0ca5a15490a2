/* Canonical Huffman coding (Huffman 1952), as Deep Compression (Han, Mao,
 * Dally, ICLR 2016, section 4) applies it to the weight-index and the
 * relative-index streams of each layer.
 *
 * Code lengths come from the package-merge algorithm (Larmore and Hirschberg
 * 1990), which gives the optimal prefix code subject to a maximum length L:
 * with the n used symbols sorted by count, list 1 is the leaves; list j+1 is
 * the leaves merged (by weight) with the pairs ("packages") of consecutive
 * items of list j. Taking the 2n-2 cheapest items of list L, a symbol's code
 * length is the number of lists in which it is selected, where the selection
 * in list j is the prefix that the packages selected in list j+1 expand to.
 * Since leaves keep their order in every list, the leaves in a selected prefix
 * are always the cheapest ones, so only counts need tracking. Without a
 * binding limit the result equals ordinary Huffman lengths, so the average
 * length lies in [H, H + 1) for entropy H.
 *
 * Codes are canonical (sorted by length, then symbol, assigned by counting),
 * so the table is one length per symbol and the decoder needs only the number
 * of codes of each length. */
#include "compress/huffman.h"

#include <stdlib.h>
#include <string.h>

#include "core/mem.h"

struct leaf {
	uint64_t count;
	uint32_t sym;
};

static int leaf_cmp(const void *a, const void *b)
{
	const struct leaf *x = a, *y = b;
	if (x->count != y->count)
		return x->count < y->count ? -1 : 1;
	return x->sym < y->sym ? -1 : (x->sym > y->sym);
}

void huf_code_deinit(struct huf_code *h)
{
	free(h->len);
	free(h->code);
	free(h->sorted);
	memset(h, 0, sizeof *h);
}

/* Fills code[], count[], sorted[] and max_len from len[] (canonical order). */
static int huf_code_assign(struct huf_code *h, struct sim_err *err)
{
	memset(h->count, 0, sizeof h->count);
	h->max_len = 0;
	uint32_t used = 0;
	for (uint32_t s = 0; s < h->n_symbols; s++) {
		if (h->len[s] > HUF_MAX_BITS)
			return sim_err_set(err, SIM_ERR_DATA, NULL, 0, 0,
					   "Huffman length %u of symbol %u exceeds %d", h->len[s], s,
					   HUF_MAX_BITS);
		if (h->len[s]) {
			h->count[h->len[s]]++;
			used++;
			if (h->len[s] > h->max_len)
				h->max_len = h->len[s];
		}
	}
	h->sorted = sim_calloc(used ? used : 1, sizeof *h->sorted, err);
	if (!h->sorted)
		return SIM_ERR_NOMEM;
	uint32_t offset[HUF_MAX_BITS + 2];
	uint64_t next_code[HUF_MAX_BITS + 2];
	offset[1] = 0;
	next_code[1] = 0;
	for (unsigned l = 1; l <= HUF_MAX_BITS; l++) {
		offset[l + 1] = offset[l] + h->count[l];
		next_code[l + 1] = (next_code[l] + h->count[l]) << 1;
	}
	for (uint32_t s = 0; s < h->n_symbols; s++) {
		unsigned l = h->len[s];
		if (!l)
			continue;
		h->sorted[offset[l]++] = s;
		h->code[s] = (uint32_t)next_code[l]++;
	}
	return 0;
}

/* Package-merge lengths for the n >= 2 leaves (sorted by count) under limit L. */
static int package_merge(struct huf_code *h, const struct leaf *leaves, uint32_t n, unsigned L,
			 struct sim_err *err)
{
	int rc = SIM_ERR_NOMEM;
	size_t cap = 2 * (size_t)n;
	uint64_t *prev_w = sim_malloc(cap * sizeof *prev_w, err);
	uint64_t *cur_w = sim_malloc(cap * sizeof *cur_w, err);
	uint8_t *is_leaf = sim_malloc((size_t)L * cap, err); /* per list, per item */
	size_t *size = sim_malloc(L * sizeof *size, err);
	if (!prev_w || !cur_w || !is_leaf || !size)
		goto fail;
	for (uint32_t i = 0; i < n; i++) {
		prev_w[i] = leaves[i].count;
		is_leaf[i] = 1;
	}
	size[0] = n;
	for (unsigned j = 1; j < L; j++) {
		size_t n_pk = size[j - 1] / 2, a = 0, b = 0, k = 0;
		uint8_t *flags = is_leaf + (size_t)j * cap;
		while (a < n || b < n_pk) {
			uint64_t pw = b < n_pk ? prev_w[2 * b] + prev_w[2 * b + 1] : 0;
			if (a < n && (b >= n_pk || leaves[a].count <= pw)) {
				cur_w[k] = leaves[a++].count;
				flags[k++] = 1;
			} else {
				cur_w[k] = pw;
				flags[k++] = 0;
				b++;
			}
		}
		size[j] = k;
		uint64_t *t = prev_w;
		prev_w = cur_w;
		cur_w = t;
	}
	size_t take = 2 * (size_t)n - 2;
	for (unsigned j = L; j-- > 0;) {
		const uint8_t *flags = is_leaf + (size_t)j * cap;
		size_t n_leaf = 0, n_pk = 0;
		for (size_t i = 0; i < take && i < size[j]; i++) {
			if (flags[i])
				n_leaf++;
			else
				n_pk++;
		}
		for (size_t i = 0; i < n_leaf; i++)
			h->len[leaves[i].sym]++;
		take = 2 * n_pk;
	}
	rc = 0;
fail:
	free(prev_w);
	free(cur_w);
	free(is_leaf);
	free(size);
	return rc;
}

static int huf_code_alloc(struct huf_code *h, uint32_t n_symbols, struct sim_err *err)
{
	memset(h, 0, sizeof *h);
	if (n_symbols == 0 || n_symbols > HUF_MAX_SYMBOLS)
		return sim_err_set(err, SIM_ERR_DATA, NULL, 0, 0,
				   "Huffman alphabet size must be in [1, %d], got %u", HUF_MAX_SYMBOLS,
				   n_symbols);
	h->n_symbols = n_symbols;
	h->len = sim_calloc(n_symbols, 1, err);
	h->code = sim_calloc(n_symbols, sizeof *h->code, err);
	if (!h->len || !h->code) {
		huf_code_deinit(h);
		return SIM_ERR_NOMEM;
	}
	return 0;
}

int huf_code_build(struct huf_code *h, const uint64_t *counts, uint32_t n_symbols,
		   unsigned max_bits, struct sim_err *err)
{
	int rc = huf_code_alloc(h, n_symbols, err);
	if (rc)
		return rc;
	struct leaf *leaves = NULL;
	if (max_bits < 1 || max_bits > HUF_MAX_BITS) {
		rc = sim_err_set(err, SIM_ERR_INTERNAL, NULL, 0, 0,
				 "Huffman length limit must be in [1, %d], got %u", HUF_MAX_BITS,
				 max_bits);
		goto fail;
	}
	leaves = sim_malloc(n_symbols * sizeof *leaves, err);
	if (!leaves) {
		rc = SIM_ERR_NOMEM;
		goto fail;
	}
	uint32_t n = 0;
	for (uint32_t s = 0; s < n_symbols; s++)
		if (counts[s])
			leaves[n++] = (struct leaf){counts[s], s};
	if (n == 1) {
		h->len[leaves[0].sym] = 1;
	} else if (n > 1) {
		if (max_bits < 32 && ((uint64_t)1 << max_bits) < n) {
			rc = sim_err_set(err, SIM_ERR_INTERNAL, NULL, 0, 0,
					 "%u symbols do not fit codes of at most %u bits", n,
					 max_bits);
			goto fail;
		}
		qsort(leaves, n, sizeof *leaves, leaf_cmp);
		unsigned L = max_bits < n - 1 ? max_bits : n - 1;
		rc = package_merge(h, leaves, n, L, err);
		if (rc)
			goto fail;
	}
	rc = huf_code_assign(h, err);
	if (rc)
		goto fail;
	free(leaves);
	return 0;
fail:
	free(leaves);
	huf_code_deinit(h);
	return rc;
}

uint64_t huf_code_cost_bits(const struct huf_code *h, const uint64_t *counts)
{
	uint64_t bits = 0;
	for (uint32_t s = 0; s < h->n_symbols; s++)
		bits += counts[s] * h->len[s];
	return bits;
}

int huf_encode(const struct huf_code *h, const uint32_t *syms, uint64_t n, struct bitw *w,
	       struct sim_err *err)
{
	for (uint64_t i = 0; i < n; i++) {
		uint32_t s = syms[i];
		if (s >= h->n_symbols || !h->len[s])
			return sim_err_set(err, SIM_ERR_INTERNAL, NULL, 0, 0,
					   "symbol %u has no Huffman code", s);
		int rc = bitw_put(w, h->code[s], h->len[s], err);
		if (rc)
			return rc;
	}
	return 0;
}

int huf_decode(const struct huf_code *h, struct bitr *r, uint32_t *out, uint64_t n,
	       struct sim_err *err)
{
	for (uint64_t i = 0; i < n; i++) {
		/* Canonical decoding: codes of length l are the consecutive values
		 * first .. first + count[l] - 1. */
		uint64_t code = 0, first = 0, index = 0;
		unsigned l = 1;
		for (;; l++) {
			uint64_t bit;
			if (l > h->max_len)
				return sim_err_set(err, SIM_ERR_DATA, NULL, 0, 0,
						   "invalid Huffman code at symbol %llu",
						   (unsigned long long)i);
			int rc = bitr_get(r, 1, &bit, err);
			if (rc)
				return rc;
			code |= bit;
			if (code >= first && code - first < h->count[l]) {
				out[i] = h->sorted[index + code - first];
				break;
			}
			index += h->count[l];
			first = (first + h->count[l]) << 1;
			code <<= 1;
		}
	}
	return 0;
}

uint64_t huf_table_bits(const struct huf_code *h)
{
	return 17 + 6 * (uint64_t)h->n_symbols;
}

int huf_table_write(const struct huf_code *h, struct bitw *w, struct sim_err *err)
{
	int rc = bitw_put(w, h->n_symbols - 1, 17, err);
	for (uint32_t s = 0; !rc && s < h->n_symbols; s++)
		rc = bitw_put(w, h->len[s], 6, err);
	return rc;
}

int huf_table_read(struct huf_code *h, struct bitr *r, struct sim_err *err)
{
	uint64_t v;
	memset(h, 0, sizeof *h);
	int rc = bitr_get(r, 17, &v, err);
	if (rc)
		return rc;
	rc = huf_code_alloc(h, (uint32_t)v + 1, err);
	if (rc)
		return rc;
	/* Kraft sum in units of 2^-HUF_MAX_BITS. */
	uint64_t kraft = 0, used = 0;
	for (uint32_t s = 0; s < h->n_symbols; s++) {
		rc = bitr_get(r, 6, &v, err);
		if (rc)
			goto fail;
		if (v > HUF_MAX_BITS) {
			rc = sim_err_set(err, SIM_ERR_DATA, NULL, 0, 0,
					 "Huffman table: length %llu of symbol %u exceeds %d",
					 (unsigned long long)v, s, HUF_MAX_BITS);
			goto fail;
		}
		h->len[s] = (uint8_t)v;
		if (v) {
			kraft += (uint64_t)1 << (HUF_MAX_BITS - v);
			used++;
		}
	}
	/* A valid table is a complete prefix code, or one symbol with a 1-bit code. */
	uint64_t full = (uint64_t)1 << HUF_MAX_BITS;
	if (used == 1 ? kraft != full / 2 : (used > 1 && kraft != full)) {
		rc = sim_err_set(err, SIM_ERR_DATA, NULL, 0, 0,
				 "Huffman table is not a complete prefix code");
		goto fail;
	}
	rc = huf_code_assign(h, err);
	if (rc)
		goto fail;
	return 0;
fail:
	huf_code_deinit(h);
	return rc;
}
