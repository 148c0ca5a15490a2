/* Coding of one layer of a .esz file (see esz_layer.h): Deep Compression's
 * relative-index sparse format with filler entries (Han, Mao, Dally, ICLR
 * 2016, section 2), weight codes from a k-means codebook or a linear grid,
 * and canonical Huffman coding of each stream (section 4). */
#include "compress/esz_layer.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "compress/huffman.h"
#include "compress/kmeans.h"
#include "core/mem.h"

static unsigned bits_for(uint32_t symbols)
{
	unsigned b = 1;
	while (((uint64_t)1 << b) < symbols)
		b++;
	return b;
}

/* Weight-code alphabet of a layer: codebook entries plus the filler code. */
static uint32_t alphabet(const struct esz_layer_spec *sp)
{
	return sp->kind == ESZ_KMEANS ? sp->k + 1 : (1u << sp->wbits);
}

static int code_of(const struct esz_layer_spec *sp, float v, uint32_t *sym)
{
	if (sp->kind == ESZ_KMEANS) {
		*sym = km_nearest(sp->codebook, sp->k, v);
		return sp->codebook[*sym] == v ? 0 : -1;
	}
	int32_t top = (int32_t)(1u << (sp->wbits - 1)) - 1;
	double q = sp->scale > 0 ? nearbyint((double)v / sp->scale) : 0;
	if (q < -top || q > top || (float)(q * (double)sp->scale) != v)
		return -1;
	*sym = (uint32_t)((int32_t)q + top);
	return 0;
}

static float value_of(const struct esz_layer_spec *sp, uint32_t sym)
{
	if (sp->kind == ESZ_KMEANS)
		return sp->codebook[sym];
	int32_t top = (int32_t)(1u << (sp->wbits - 1)) - 1;
	return (float)((double)((int32_t)sym - top) * (double)sp->scale);
}

/* Writes syms[0..n) over an alphabet of a symbols, Huffman coded (table then
 * codes) or at fixed width; returns the code and table bits. */
static int stream_write(const uint32_t *syms, uint64_t n, uint32_t a, bool huffman,
			struct bitw *out, uint64_t *code_bits, uint64_t *table_bits,
			struct sim_err *err)
{
	struct bitw s;
	bitw_init(&s);
	int rc = 0;
	*table_bits = 0;
	if (huffman) {
		uint64_t *counts = sim_calloc(a, sizeof *counts, err);
		struct huf_code h = {0};
		if (!counts)
			return SIM_ERR_NOMEM;
		for (uint64_t i = 0; i < n; i++)
			counts[syms[i]]++;
		rc = huf_code_build(&h, counts, a, HUF_MAX_BITS, err);
		if (!rc)
			rc = huf_table_write(&h, &s, err);
		*table_bits = s.n_bits;
		if (!rc)
			rc = huf_encode(&h, syms, n, &s, err);
		huf_code_deinit(&h);
		free(counts);
	} else {
		unsigned b = bits_for(a);
		for (uint64_t i = 0; !rc && i < n; i++)
			rc = bitw_put(&s, syms[i], b, err);
	}
	*code_bits = s.n_bits - *table_bits;
	if (!rc)
		rc = bitw_put_stream(out, &s, err);
	bitw_deinit(&s);
	return rc;
}

static int stream_read(struct bitr *r, uint32_t *syms, uint64_t n, uint32_t a, bool huffman,
		       struct sim_err *err)
{
	struct bitr s;
	int rc = bitr_get_stream(r, &s, err);
	if (rc)
		return rc;
	if (huffman) {
		struct huf_code h;
		rc = huf_table_read(&h, &s, err);
		if (rc)
			return rc;
		if (h.n_symbols != a)
			rc = sim_err_set(err, SIM_ERR_DATA, NULL, 0, 0,
					 "Huffman table has %u symbols, expected %u", h.n_symbols, a);
		if (!rc)
			rc = huf_decode(&h, &s, syms, n, err);
		huf_code_deinit(&h);
		return rc;
	}
	unsigned b = bits_for(a);
	for (uint64_t i = 0; i < n; i++) {
		uint64_t v;
		if ((rc = bitr_get(&s, b, &v, err)))
			return rc;
		if (v >= a)
			return sim_err_set(err, SIM_ERR_DATA, NULL, 0, 0, "code %llu out of range",
					   (unsigned long long)v);
		syms[i] = (uint32_t)v;
	}
	return 0;
}

static int check_spec(const struct nn_layer *L, const struct esz_layer_spec *sp,
		      struct sim_err *err)
{
	bool ok = sp->kind < ESZ_KIND_COUNT && sp->wbits >= 1 && sp->wbits <= 16 &&
		  sp->ibits >= 1 && sp->ibits <= 16;
	if (ok && sp->kind == ESZ_KMEANS)
		ok = sp->k >= 1 && sp->k <= (1u << sp->wbits) && sp->codebook;
	if (ok && sp->kind == ESZ_LINEAR)
		ok = sp->wbits >= 2 && sp->scale >= 0;
	return ok ? 0 : sim_err_set(err, SIM_ERR_INTERNAL, NULL, 0, 0,
				    "bad coding parameters for layer '%s'", L->wl->name);
}

int esz_layer_write(const struct nn_layer *L, int index, const struct esz_layer_spec *sp,
		       struct bitw *w, struct storage_layer *acct, struct sim_err *err)
{
	int rc = check_spec(L, sp, err);
	if (rc)
		return rc;
	const struct nn_param *p = &L->weight;
	uint32_t *syms = sim_malloc((p->n ? p->n : 1) * sizeof *syms, err);
	uint32_t *gaps = sim_malloc((p->n ? p->n : 1) * sizeof *gaps, err);
	if (!syms || !gaps) {
		rc = SIM_ERR_NOMEM;
		goto fail;
	}
	uint32_t a = alphabet(sp), filler = a - 1;
	uint64_t span = (uint64_t)1 << sp->ibits, run = 0, e = 0, kept = 0, fillers = 0;
	for (uint64_t i = 0; i < p->n; i++) {
		if (!p->mask[i]) {
			run++;
			continue;
		}
		uint32_t sym;
		if (code_of(sp, p->value[i], &sym)) {
			rc = sim_err_set(err, SIM_ERR_INTERNAL, NULL, 0, 0,
					 "weight %llu of layer '%s' (%.9g) is not a %s code value",
					 (unsigned long long)i, L->wl->name, p->value[i],
					 esz_kind_names[sp->kind]);
			goto fail;
		}
		for (; run >= span; run -= span, fillers++) {
			gaps[e] = (uint32_t)(span - 1);
			syms[e++] = filler;
		}
		gaps[e] = (uint32_t)run;
		syms[e++] = sym;
		run = 0;
		kept++;
	}
	const uint8_t head[4] = {(uint8_t)sp->kind, (uint8_t)sp->wbits, (uint8_t)sp->ibits,
				 (uint8_t)sp->huffman};
	if ((rc = bitw_put_le(w, (uint64_t)index, 4, err)) || (rc = bitw_put_bytes(w, head, 4, err)) ||
	    (rc = bitw_put_le(w, p->n, 8, err)) || (rc = bitw_put_le(w, e, 8, err)))
		goto fail;
	if (sp->kind == ESZ_KMEANS) {
		rc = bitw_put_le(w, sp->k, 4, err);
		for (uint32_t j = 0; !rc && j < sp->k; j++)
			rc = bitw_put_f32(w, sp->codebook[j], err);
	} else {
		rc = bitw_put_f32(w, sp->scale, err);
	}
	uint64_t wbits_code, wbits_table, ibits_code, ibits_table;
	if (rc || (rc = stream_write(syms, e, a, sp->huffman, w, &wbits_code, &wbits_table, err)) ||
	    (rc = stream_write(gaps, e, (uint32_t)span, sp->huffman, w, &ibits_code, &ibits_table,
			       err)) ||
	    (rc = bitw_put_le(w, L->bias.n, 4, err)))
		goto fail;
	for (uint64_t j = 0; !rc && j < L->bias.n; j++)
		rc = bitw_put_f32(w, L->bias.value[j], err);
	if (!rc && acct) {
		*acct = (struct storage_layer){
			.weights = p->n, .kept = kept, .index_entries = e, .fillers = fillers,
			.weight_entries = e, .wbits = sp->wbits, .ibits = sp->ibits,
			.codebook_bits = sp->kind == ESZ_KMEANS ? 32ull * sp->k : 32,
			.bias_bits = 32 * L->bias.n, .has_huffman = sp->huffman,
			.huff_weight_bits = wbits_code, .huff_index_bits = ibits_code,
			.huff_table_bits = wbits_table + ibits_table};
		snprintf(acct->name, sizeof acct->name, "%s", L->wl->name);
	}
fail:
	free(syms);
	free(gaps);
	return rc;
}

int esz_layer_read(struct nn_model *m, struct bitr *r, int expect, struct sim_err *err)
{
	uint64_t index, head, n, e, v;
	int rc;
	if ((rc = bitr_get_le(r, 4, &index, err)) || (rc = bitr_get_le(r, 4, &head, err)) ||
	    (rc = bitr_get_le(r, 8, &n, err)) || (rc = bitr_get_le(r, 8, &e, err)))
		return rc;
	struct esz_layer_spec sp = {.kind = (enum esz_kind)(head & 0xff),
				    .wbits = (head >> 8) & 0xff, .ibits = (head >> 16) & 0xff,
				    .huffman = (head >> 24) != 0};
	if ((int)index != expect || m->layers[expect].weight.n != n || e > n)
		return sim_err_set(err, SIM_ERR_DATA, NULL, 0, 0,
				   "layer record %llu (%llu weights, %llu entries) does not match "
				   "layer %d of the network", (unsigned long long)index,
				   (unsigned long long)n, (unsigned long long)e, expect);
	struct nn_layer *L = &m->layers[expect];
	float *cb = NULL;
	uint32_t *syms = NULL, *gaps = NULL;
	if (sp.kind == ESZ_KMEANS && sp.wbits <= 16) {
		if ((rc = bitr_get_le(r, 4, &v, err)))
			return rc;
		if (v < 1 || v > (1u << sp.wbits))
			return sim_err_set(err, SIM_ERR_DATA, NULL, 0, 0,
					   "codebook size %llu for %u-bit codes",
					   (unsigned long long)v, sp.wbits);
		sp.k = (uint32_t)v;
		cb = sim_malloc(sp.k * sizeof *cb, err);
		if (!cb)
			return SIM_ERR_NOMEM;
		for (uint32_t j = 0; !rc && j < sp.k; j++)
			rc = bitr_get_f32(r, &cb[j], err);
		sp.codebook = cb;
	} else {
		rc = bitr_get_f32(r, &sp.scale, err);
	}
	if (rc || (rc = check_spec(L, &sp, err))) {
		if (rc == SIM_ERR_INTERNAL)
			rc = err->code = SIM_ERR_DATA;
		goto fail;
	}
	syms = sim_malloc((e ? e : 1) * sizeof *syms, err);
	gaps = sim_malloc((e ? e : 1) * sizeof *gaps, err);
	if (!syms || !gaps) {
		rc = SIM_ERR_NOMEM;
		goto fail;
	}
	uint32_t a = alphabet(&sp);
	if ((rc = stream_read(r, syms, e, a, sp.huffman, err)) ||
	    (rc = stream_read(r, gaps, e, 1u << sp.ibits, sp.huffman, err)))
		goto fail;
	memset(L->weight.value, 0, n * sizeof *L->weight.value);
	memset(L->weight.mask, 0, n);
	uint64_t pos = 0;
	for (uint64_t i = 0; i < e; i++, pos++) {
		pos += gaps[i];
		if (pos >= n) {
			rc = sim_err_set(err, SIM_ERR_DATA, NULL, 0, 0,
					 "entry %llu of layer '%s' lies past its %llu weights",
					 (unsigned long long)i, L->wl->name, (unsigned long long)n);
			goto fail;
		}
		if (syms[i] != a - 1) {
			L->weight.value[pos] = value_of(&sp, syms[i]);
			L->weight.mask[pos] = 1;
		}
	}
	if ((rc = bitr_get_le(r, 4, &v, err)))
		goto fail;
	if (v != L->bias.n) {
		rc = sim_err_set(err, SIM_ERR_DATA, NULL, 0, 0, "layer '%s' has %llu biases, not %llu",
				 L->wl->name, (unsigned long long)v, (unsigned long long)L->bias.n);
		goto fail;
	}
	for (uint64_t j = 0; !rc && j < v; j++)
		rc = bitr_get_f32(r, &L->bias.value[j], err);
fail:
	free(cb);
	free(syms);
	free(gaps);
	return rc;
}
