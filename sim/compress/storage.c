/* Storage accounting after Deep Compression (Han, Mao, Dally, ICLR 2016,
 * Table 2). For a layer with n dense weights, the compressed size is
 *
 *   bits_P+Q   = weight_entries * wbits + index_entries * ibits + codebook + biases
 *   bits_P+Q+H = Huffman(weight codes) + Huffman(indices) + code tables
 *                + codebook + biases
 *   rate       = bits / (32 n),   compression factor = 1 / rate
 *
 * where every stored entry, including the filler zeros that bridge index gaps
 * longer than the index can express, costs one weight code and one relative
 * index. The codebook is k = 2^wbits 32-bit floats per layer (weight sharing),
 * which is why the paper's rate for a 1000-weight layer is well above
 * (wbits + ibits) * density / 32. Averages in the total row are weighted by
 * entries (so the total's bits per weight is the mean code length over the
 * whole stream). Biases are counted only when the caller sets bias_bits. */
#include "compress/storage.h"

#include <gsl/gsl_randist.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "compress/relidx.h"
#include "core/mem.h"
#include "core/outfile.h"

static double ratio(double a, double b)
{
	return b > 0 ? a / b : 0.0;
}

/* Bit and entry sums over one or more layers. */
struct sums {
	uint64_t weights, kept, fillers, weight_entries, index_entries;
	uint64_t wbits, ibits, other_bits; /* other: codebooks + biases */
	uint64_t huff_bits[3];             /* weights, indices, tables */
	bool has_huffman;
};

static void sums_add(struct sums *s, const struct storage_layer *l)
{
	s->weights += l->weights;
	s->kept += l->kept;
	s->fillers += l->fillers;
	s->weight_entries += l->weight_entries;
	s->index_entries += l->index_entries;
	s->wbits += l->weight_entries * l->wbits;
	s->ibits += l->index_entries * l->ibits;
	s->other_bits += l->codebook_bits + l->bias_bits;
	s->huff_bits[0] += l->huff_weight_bits;
	s->huff_bits[1] += l->huff_index_bits;
	s->huff_bits[2] += l->huff_table_bits;
	s->has_huffman &= l->has_huffman;
}

static void row_fill(const char *name, const struct sums *s, struct storage_row *row)
{
	memset(row, 0, sizeof *row);
	snprintf(row->name, sizeof row->name, "%s", name);
	row->weights = s->weights;
	row->kept = s->kept;
	row->fillers = s->fillers;
	row->density = ratio((double)s->kept, (double)s->weights);
	row->bits_pq = s->wbits + s->ibits + s->other_bits;
	row->wbits_pq = ratio((double)s->wbits, (double)s->weight_entries);
	row->ibits_pq = ratio((double)s->ibits, (double)s->index_entries);
	row->rate_pq = ratio((double)row->bits_pq, 32.0 * (double)s->weights);
	row->has_huffman = s->has_huffman;
	row->wbits_pqh = ratio((double)s->huff_bits[0], (double)s->weight_entries);
	row->ibits_pqh = ratio((double)s->huff_bits[1], (double)s->index_entries);
	row->bits_pqh = s->huff_bits[0] + s->huff_bits[1] + s->huff_bits[2] + s->other_bits;
	row->rate_pqh = ratio((double)row->bits_pqh, 32.0 * (double)s->weights);
}

void storage_row_of_layer(const struct storage_layer *l, struct storage_row *row)
{
	struct sums s = {.has_huffman = true};
	sums_add(&s, l);
	row_fill(l->name, &s, row);
}

void storage_row_total(const struct storage_layer *layers, int n, struct storage_row *row)
{
	struct sums s = {.has_huffman = n > 0};
	for (int i = 0; i < n; i++)
		sums_add(&s, &layers[i]);
	row_fill("total", &s, row);
}

int storage_layer_from_mask(const struct wl_layer *layer, const struct prune_groups *g,
			    const uint8_t *mask, unsigned wbits, unsigned ibits,
			    struct storage_layer *out, struct sim_err *err)
{
	uint64_t n_groups = prune_groups_count(g), per_row = (g->row_len + g->width - 1) / g->width;
	uint8_t *gmask = sim_malloc(n_groups ? n_groups : 1, err);
	if (!gmask)
		return SIM_ERR_NOMEM;
	memset(out, 0, sizeof *out);
	snprintf(out->name, sizeof out->name, "%s", layer->name);
	out->weights = g->rows * g->row_len;
	uint64_t kept_groups = 0;
	for (uint64_t k = 0; k < n_groups; k++) {
		uint64_t first = (k / per_row) * g->row_len + (k % per_row) * g->width;
		gmask[k] = mask[first] != 0;
		kept_groups += gmask[k];
	}
	out->kept = prune_mask_kept(mask, out->weights);
	out->fillers = relidx_fillers(gmask, n_groups, ibits);
	out->index_entries = kept_groups + out->fillers;
	out->weight_entries = out->kept + out->fillers * g->width;
	out->wbits = wbits;
	out->ibits = ibits;
	out->codebook_bits = ((uint64_t)1 << wbits) * 32;
	free(gmask);
	return 0;
}

int storage_mask_random(const struct prune_groups *g, double density, gsl_rng *rng,
			uint8_t *mask, struct sim_err *err)
{
	(void)err;
	uint64_t n_groups = prune_groups_count(g);
	uint64_t keep = (uint64_t)llround(density * (double)n_groups);
	keep = keep < 1 ? 1 : (keep > n_groups ? n_groups : keep);
	memset(mask, 0, g->rows * g->row_len);
	uint64_t per_row = (g->row_len + g->width - 1) / g->width;
	/* Selection sampling (Knuth's algorithm S): group i is kept with
	 * probability (still to keep) / (groups left), with the same draws and
	 * tests as gsl_ran_choose, so the same groups; written out here because
	 * gsl_ran_choose needs an index array as large as the layer (8 bytes a
	 * weight for VGG-16's fc6). tests/compress checks the two agree. */
	for (uint64_t i = 0, j = 0; i < n_groups && j < keep; i++) {
		if ((double)(n_groups - i) * gsl_rng_uniform(rng) >= (double)(keep - j))
			continue;
		j++;
		uint64_t r = i / per_row, c0 = (i % per_row) * g->width;
		for (uint64_t c = c0; c < c0 + g->width && c < g->row_len; c++)
			mask[r * g->row_len + c] = 1;
	}
	return 0;
}

int storage_network_random(const struct wl_network *net, const struct wl_sparsity *sp,
			   unsigned wbits_conv, unsigned wbits_fc, unsigned ibits, uint64_t fc_block,
			   gsl_rng *rng, struct storage_layer *layers, int *n, struct sim_err *err)
{
	int rc = 0;
	*n = 0;
	for (int i = 0; !rc && i < net->n_layers; i++) {
		const struct wl_layer *l = &net->layers[i];
		if (!wl_layer_has_weights(l))
			continue;
		struct prune_groups g;
		uint8_t *mask = sim_malloc(wl_layer_weights(l), err);
		if (!mask)
			return SIM_ERR_NOMEM;
		unsigned wbits = l->type == WL_CONV ? wbits_conv : wbits_fc;
		if (sp->layers[i].granularity == WL_GRAN_NODE)
			rc = sim_err_set(err, SIM_ERR_USAGE, NULL, 0, 0,
					 "layer '%s': node pruning leaves a smaller dense network, "
					 "which has no sparse storage to account", l->name);
		if (!rc &&
		    !(rc = prune_groups_for_layer(l, sp->layers[i].granularity, fc_block,
						  sp->layers[i].simd_width, &g, err)) &&
		    !(rc = storage_mask_random(&g, sp->layers[i].weight_density, rng, mask, err)))
			rc = storage_layer_from_mask(l, &g, mask, wbits, ibits, &layers[*n], err);
		*n += !rc;
		free(mask);
	}
	return rc;
}

static void print_row(const struct storage_row *r, FILE *out)
{
	fprintf(out, "%-10s %10" PRIu64 " %7.2f%% %6.2f %6.2f %8" PRIu64 " %7.2f%% (%5.1fx)",
		r->name, r->weights, 100 * r->density, r->wbits_pq, r->ibits_pq, r->fillers,
		100 * r->rate_pq, ratio(1, r->rate_pq));
	if (r->has_huffman)
		fprintf(out, " %6.2f %6.2f %7.2f%% (%5.1fx)", r->wbits_pqh, r->ibits_pqh,
			100 * r->rate_pqh, ratio(1, r->rate_pqh));
	fputc('\n', out);
}

void storage_table_print(const struct storage_layer *layers, int n, FILE *out)
{
	struct storage_row row;
	storage_row_total(layers, n, &row);
	fprintf(out, "%-10s %10s %8s %6s %6s %8s %17s", "layer", "weights", "kept", "wbits",
		"ibits", "fillers", "rate P+Q");
	if (row.has_huffman)
		fprintf(out, " %6s %6s %17s", "wb+H", "ib+H", "rate P+Q+H");
	fputc('\n', out);
	for (int i = 0; i < n; i++) {
		struct storage_row r;
		storage_row_of_layer(&layers[i], &r);
		print_row(&r, out);
	}
	print_row(&row, out);
}

static void csv_row(const struct storage_row *r, FILE *f)
{
	fprintf(f, "%s,%" PRIu64 ",%" PRIu64 ",%.6f,%.4f,%.4f,%" PRIu64 ",%" PRIu64 ",%.6f", r->name,
		r->weights, r->kept, r->density, r->wbits_pq, r->ibits_pq, r->fillers, r->bits_pq,
		r->rate_pq);
	if (r->has_huffman)
		fprintf(f, ",%.4f,%.4f,%" PRIu64 ",%.6f", r->wbits_pqh, r->ibits_pqh, r->bits_pqh,
			r->rate_pqh);
	fputc('\n', f);
}

int storage_table_write_csv(const struct storage_layer *layers, int n, const char *path,
			    struct sim_err *err)
{
	struct sim_out out;
	int rc = sim_out_open(&out, path, err);
	if (rc)
		return rc;
	FILE *f = out.f;
	struct storage_row total;
	storage_row_total(layers, n, &total);
	fprintf(f, "layer,weights,kept,density,wbits,ibits,fillers,bits_pq,rate_pq");
	if (total.has_huffman)
		fprintf(f, ",wbits_h,ibits_h,bits_pqh,rate_pqh");
	fputc('\n', f);
	for (int i = 0; i < n; i++) {
		struct storage_row r;
		storage_row_of_layer(&layers[i], &r);
		r.has_huffman = total.has_huffman;
		csv_row(&r, f);
	}
	csv_row(&total, f);
	return sim_out_commit(&out, err);
}
