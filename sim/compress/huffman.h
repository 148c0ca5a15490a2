/* Canonical Huffman coding of small alphabets (weight-cluster indices and
 * relative-index gaps in Deep Compression). Code lengths are optimal under a
 * length limit (package-merge); codes are canonical, so a table is just one
 * length per symbol. */
#ifndef SIM_COMPRESS_HUFFMAN_H
#define SIM_COMPRESS_HUFFMAN_H

#include <stdint.h>

#include "compress/bitio.h"
#include "core/err.h"

#define HUF_MAX_BITS 32     /* longest code the coder supports */
#define HUF_MAX_SYMBOLS 65536

/* A canonical code over symbols 0..n_symbols-1. Caller-allocated; huf_code_build
 * or huf_table_read fill it, huf_code_deinit frees it. len[s] == 0 means s
 * never occurs. */
struct huf_code {
	uint32_t n_symbols;
	uint8_t *len;      /* owned, n_symbols */
	uint32_t *code;    /* owned, n_symbols: the canonical code, right-aligned */
	/* decoding tables (canonical order) */
	uint32_t count[HUF_MAX_BITS + 1]; /* codes of each length */
	uint32_t *sorted;  /* owned: used symbols sorted by (length, symbol) */
	uint8_t max_len;
};

/* Builds an optimal prefix code with lengths <= max_bits (1..HUF_MAX_BITS) for
 * counts[0..n_symbols). A single used symbol gets a 1-bit code; no used symbol
 * gives an empty code. Errors when 2^max_bits < used symbols. */
int huf_code_build(struct huf_code *h, const uint64_t *counts, uint32_t n_symbols,
		   unsigned max_bits, struct sim_err *err);
void huf_code_deinit(struct huf_code *h);

/* Total encoded bits of a stream with these symbol counts. */
uint64_t huf_code_cost_bits(const struct huf_code *h, const uint64_t *counts);

/* Appends the codes of syms[0..n) to w; a symbol without a code is an error. */
int huf_encode(const struct huf_code *h, const uint32_t *syms, uint64_t n, struct bitw *w,
	       struct sim_err *err);
/* Reads n symbols into out; invalid or truncated input is SIM_ERR_DATA. */
int huf_decode(const struct huf_code *h, struct bitr *r, uint32_t *out, uint64_t n,
	       struct sim_err *err);

/* Code table serialisation: n_symbols in 17 bits, then one 6-bit length per
 * symbol. huf_table_read validates the lengths (prefix-free and complete). */
int huf_table_write(const struct huf_code *h, struct bitw *w, struct sim_err *err);
int huf_table_read(struct huf_code *h, struct bitr *r, struct sim_err *err);
/* Size of the serialised table in bits. */
uint64_t huf_table_bits(const struct huf_code *h);

#endif
