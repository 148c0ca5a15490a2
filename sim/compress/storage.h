/* Storage accounting of a compressed network in the manner of Deep
 * Compression's Table 2: per layer, the bits of the weight codes, the relative
 * indices (with fillers) and the codebook, before (P+Q) and after Huffman
 * coding (P+Q+H), as a rate of the 32-bit dense weights. */
#ifndef SIM_COMPRESS_STORAGE_H
#define SIM_COMPRESS_STORAGE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <gsl/gsl_rng.h>

#include "compress/prune.h"
#include "core/err.h"
#include "workload/network.h"
#include "workload/sparsity.h"

/* What one layer stores. Fine-grained (group width 1) layers store one entry
 * (index + weight code) per nonzero or filler; coarser groups store one index
 * per kept group or filler and one weight code per weight of the group. */
struct storage_layer {
	char name[WL_NAME_MAX];
	uint64_t weights;          /* dense weight count */
	uint64_t kept;             /* nonzero weights */
	uint64_t index_entries;    /* relative indices stored: kept groups + fillers */
	uint64_t fillers;          /* filler entries among them */
	uint64_t weight_entries;   /* weight codes stored: kept + filler weights */
	unsigned wbits, ibits;     /* fixed-width code sizes (P+Q) */
	uint64_t codebook_bits;    /* k 32-bit centroids, or a 32-bit scale */
	uint64_t bias_bits;        /* 0 when biases are left out of the accounting */
	bool has_huffman;          /* the three below are valid */
	uint64_t huff_weight_bits; /* Huffman-coded weight-code stream */
	uint64_t huff_index_bits;  /* Huffman-coded relative-index stream */
	uint64_t huff_table_bits;  /* both code tables */
};

/* Accounts a layer pruned with whole groups g (mask: 1 = kept weight) whose
 * weights are coded in wbits (codebook of 2^wbits 32-bit floats) and whose
 * kept groups carry ibits relative indices over the row-major group order.
 * Biases are left out. */
int storage_layer_from_mask(const struct wl_layer *layer, const struct prune_groups *g,
			    const uint8_t *mask, unsigned wbits, unsigned ibits,
			    struct storage_layer *out, struct sim_err *err);
/* A mask keeping round(density * groups) (at least one) whole groups chosen
 * uniformly at random with rng. */
int storage_mask_random(const struct prune_groups *g, double density, gsl_rng *rng,
			uint8_t *mask, struct sim_err *err);

/* Accounts every CONV/FC layer of net with a random mask (storage_mask_random)
 * at the profile's density and granularity (FC 1-D blocks of fc_block), CONV
 * weights in wbits_conv and FC weights in wbits_fc, ibits indices. layers has
 * room for net->n_layers entries; *n receives the number filled. */
int storage_network_random(const struct wl_network *net, const struct wl_sparsity *sp,
			   unsigned wbits_conv, unsigned wbits_fc, unsigned ibits, uint64_t fc_block,
			   gsl_rng *rng, struct storage_layer *layers, int *n, struct sim_err *err);

/* One row of the table (a layer, or the total). Bits per entry are averages
 * over stored entries; rates are fractions of weights * 32 bits. */
struct storage_row {
	char name[WL_NAME_MAX];
	uint64_t weights, kept, fillers;
	double density;
	double wbits_pq, ibits_pq, wbits_pqh, ibits_pqh;
	uint64_t bits_pq, bits_pqh;
	double rate_pq, rate_pqh;
	bool has_huffman;
};

void storage_row_of_layer(const struct storage_layer *l, struct storage_row *row);
/* Sums layers[0..n) into a "total" row. */
void storage_row_total(const struct storage_layer *layers, int n, struct storage_row *row);

/* Prints the Table-2-style table (layers then total, with the compression
 * factor 1 / rate) to out. */
void storage_table_print(const struct storage_layer *layers, int n, FILE *out);
/* Writes the same rows as CSV (columns documented in README, "Compression"). */
int storage_table_write_csv(const struct storage_layer *layers, int n, const char *path,
			    struct sim_err *err);

#endif
