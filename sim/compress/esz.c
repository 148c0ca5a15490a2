/* Compressed model files (see esz.h): Deep Compression's final format (Han,
 * Mao, Dally, ICLR 2016, sections 2-4). Per CONV/FC layer the kept weights,
 * in row-major order of the trainer's layout, become entries of a relative-
 * index stream: each entry holds the number of zeros skipped since the previous
 * entry in ibits bits and a weight code. A zero run of 2^ibits or more is
 * bridged by filler entries (gap 2^ibits - 1), which carry a reserved weight
 * code (one past the codebook) so that the decoder restores the mask exactly.
 * Both streams are Huffman coded with their own canonical tables, or written
 * at fixed width when Huffman coding is off. */
#include "compress/esz.h"

#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "compress/bitio.h"
#include "compress/huffman.h"
#include "compress/kmeans.h"
#include "core/mem.h"
#include "core/outfile.h"

const char *const esz_kind_names[ESZ_KIND_COUNT] = {"kmeans", "linear"};
static_assert(ESZ_KIND_COUNT == 2, "one name per kind");

static const char esz_magic[8] = {'E', 'S', 'I', 'M', 'C', 'M', 'P', 'Z'};

/* ---- little-endian byte output into a bit writer (always byte-aligned) ---- */

static int wr_le(struct bitw *w, uint64_t v, unsigned bytes, struct sim_err *err)
{
	int rc = 0;
	for (unsigned i = 0; !rc && i < bytes; i++)
		rc = bitw_put(w, (v >> (8 * i)) & 0xffu, 8, err);
	return rc;
}

static int wr_f32(struct bitw *w, float f, struct sim_err *err)
{
	uint32_t u;
	memcpy(&u, &f, sizeof u);
	return wr_le(w, u, 4, err);
}

static int wr_f64(struct bitw *w, double d, struct sim_err *err)
{
	uint64_t u;
	memcpy(&u, &d, sizeof u);
	return wr_le(w, u, 8, err);
}

static int wr_bytes(struct bitw *w, const uint8_t *p, size_t n, struct sim_err *err)
{
	int rc = 0;
	for (size_t i = 0; !rc && i < n; i++)
		rc = bitw_put(w, p[i], 8, err);
	return rc;
}

/* A sub-stream: its length in bits, then its bytes. */
static int wr_stream(struct bitw *w, const struct bitw *s, struct sim_err *err)
{
	int rc = wr_le(w, s->n_bits, 8, err);
	return rc ? rc : wr_bytes(w, s->buf, bitw_bytes(s), err);
}

static int rd_le(struct bitr *r, unsigned bytes, uint64_t *v, struct sim_err *err)
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

static int rd_f32(struct bitr *r, float *f, struct sim_err *err)
{
	uint64_t v;
	int rc = rd_le(r, 4, &v, err);
	uint32_t u = (uint32_t)v;
	memcpy(f, &u, sizeof *f);
	return rc;
}

static int rd_f64(struct bitr *r, double *d, struct sim_err *err)
{
	uint64_t v;
	int rc = rd_le(r, 8, &v, err);
	memcpy(d, &v, sizeof *d);
	return rc;
}

/* Borrows a sub-stream of r as its own reader. */
static int rd_stream(struct bitr *r, struct bitr *s, struct sim_err *err)
{
	uint64_t bits;
	int rc = rd_le(r, 8, &bits, err);
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

/* zlib-deflated bytes: u32 raw length, u32 deflated length, the data. */
static int wr_deflated(struct bitw *w, const uint8_t *p, size_t n, struct sim_err *err)
{
	uLongf len = compressBound((uLong)n);
	uint8_t *z = sim_malloc(len, err);
	if (!z)
		return SIM_ERR_NOMEM;
	int rc = compress2(z, &len, p, (uLong)n, Z_BEST_COMPRESSION) == Z_OK
			 ? 0
			 : sim_err_set(err, SIM_ERR_INTERNAL, NULL, 0, 0, "zlib compress failed");
	if (!rc && !(rc = wr_le(w, n, 4, err)) && !(rc = wr_le(w, len, 4, err)))
		rc = wr_bytes(w, z, len, err);
	free(z);
	return rc;
}

/* Reads wr_deflated's output into a NUL-terminated string; caller owns *out. */
static int rd_deflated(struct bitr *r, char **out, struct sim_err *err)
{
	uint64_t n, len;
	int rc;
	*out = NULL;
	if ((rc = rd_le(r, 4, &n, err)) || (rc = rd_le(r, 4, &len, err)))
		return rc;
	if (len > (r->n_bits - r->pos_bits) / 8 || n > (1u << 24))
		return sim_err_set(err, SIM_ERR_DATA, NULL, 0, 0, "bad network section");
	char *s = sim_malloc(n + 1, err);
	if (!s)
		return SIM_ERR_NOMEM;
	uLongf got = (uLongf)n;
	if (uncompress((Bytef *)s, &got, r->buf + r->pos_bits / 8, (uLong)len) != Z_OK ||
	    got != n) {
		free(s);
		return sim_err_set(err, SIM_ERR_DATA, NULL, 0, 0, "corrupt network section");
	}
	s[n] = '\0';
	r->pos_bits += 8 * len;
	*out = s;
	return 0;
}

/* ---- the network, as YAML that wl_network_load_string reads back ---- */

static int net_yaml(const struct wl_network *net, struct bitw *w, struct sim_err *err)
{
	if (!wl_network_is_chain(net))
		return sim_err_set(err, SIM_ERR_INTERNAL, NULL, 0, 0,
				   "only chain networks can be stored");
	char line[512];
	int rc = 0;
	snprintf(line, sizeof line, "name: \"%s\"\ninput: {channels: %u, height: %u, width: %u}\n"
		 "layers:\n", net->name, net->input.c, net->input.h, net->input.w);
	rc = wr_bytes(w, (const uint8_t *)line, strlen(line), err);
	for (int i = 0; !rc && i < net->n_layers; i++) {
		const struct wl_layer *l = &net->layers[i];
		int k = snprintf(line, sizeof line, "  - {name: \"%s\", type: %s", l->name,
				 wl_layer_type_names[l->type]);
		if (l->type == WL_CONV)
			k += snprintf(line + k, sizeof line - (size_t)k,
				      ", out_channels: %u, kernel: %u, stride: %u, padding: %u, "
				      "groups: %u, bias: %s", l->out.c, l->kernel, l->stride,
				      l->padding, l->groups, l->bias ? "true" : "false");
		else if (l->type == WL_FC)
			k += snprintf(line + k, sizeof line - (size_t)k,
				      ", out_features: %u, bias: %s", l->out.c,
				      l->bias ? "true" : "false");
		else if (l->type == WL_MAXPOOL || l->type == WL_AVGPOOL)
			k += snprintf(line + k, sizeof line - (size_t)k,
				      ", kernel: %u, stride: %u, padding: %u", l->kernel, l->stride,
				      l->padding);
		snprintf(line + k, sizeof line - (size_t)k, "}\n");
		rc = wr_bytes(w, (const uint8_t *)line, strlen(line), err);
	}
	return rc;
}

/* ---- one layer ---- */

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
		rc = wr_stream(out, &s, err);
	bitw_deinit(&s);
	return rc;
}

static int stream_read(struct bitr *r, uint32_t *syms, uint64_t n, uint32_t a, bool huffman,
		       struct sim_err *err)
{
	struct bitr s;
	int rc = rd_stream(r, &s, err);
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

static int layer_write(const struct nn_layer *L, int index, const struct esz_layer_spec *sp,
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
	if ((rc = wr_le(w, (uint64_t)index, 4, err)) || (rc = wr_bytes(w, head, 4, err)) ||
	    (rc = wr_le(w, p->n, 8, err)) || (rc = wr_le(w, e, 8, err)))
		goto fail;
	if (sp->kind == ESZ_KMEANS) {
		rc = wr_le(w, sp->k, 4, err);
		for (uint32_t j = 0; !rc && j < sp->k; j++)
			rc = wr_f32(w, sp->codebook[j], err);
	} else {
		rc = wr_f32(w, sp->scale, err);
	}
	uint64_t wbits_code, wbits_table, ibits_code, ibits_table;
	if (rc || (rc = stream_write(syms, e, a, sp->huffman, w, &wbits_code, &wbits_table, err)) ||
	    (rc = stream_write(gaps, e, (uint32_t)span, sp->huffman, w, &ibits_code, &ibits_table,
			       err)) ||
	    (rc = wr_le(w, L->bias.n, 4, err)))
		goto fail;
	for (uint64_t j = 0; !rc && j < L->bias.n; j++)
		rc = wr_f32(w, L->bias.value[j], err);
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

static int layer_read(struct nn_model *m, struct bitr *r, int expect, struct sim_err *err)
{
	uint64_t index, head, n, e, v;
	int rc;
	if ((rc = rd_le(r, 4, &index, err)) || (rc = rd_le(r, 4, &head, err)) ||
	    (rc = rd_le(r, 8, &n, err)) || (rc = rd_le(r, 8, &e, err)))
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
		if ((rc = rd_le(r, 4, &v, err)))
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
			rc = rd_f32(r, &cb[j], err);
		sp.codebook = cb;
	} else {
		rc = rd_f32(r, &sp.scale, err);
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
	if ((rc = rd_le(r, 4, &v, err)))
		goto fail;
	if (v != L->bias.n) {
		rc = sim_err_set(err, SIM_ERR_DATA, NULL, 0, 0, "layer '%s' has %llu biases, not %llu",
				 L->wl->name, (unsigned long long)v, (unsigned long long)L->bias.n);
		goto fail;
	}
	for (uint64_t j = 0; !rc && j < v; j++)
		rc = rd_f32(r, &L->bias.value[j], err);
fail:
	free(cb);
	free(syms);
	free(gaps);
	return rc;
}

/* ---- files ---- */

int esz_save(const struct nn_model *m, const struct esz_layer_spec *spec,
	     const struct esz_meta *meta, const char *path, struct storage_layer *acct,
	     int *n_acct, uint64_t *file_bytes, struct sim_err *err)
{
	struct bitw w, yaml;
	bitw_init(&w);
	bitw_init(&yaml);
	int rc, coded = 0;
	for (int i = 0; i < m->n_layers; i++)
		coded += m->layers[i].weight.n > 0;
	if ((rc = net_yaml(&m->net, &yaml, err)) ||
	    (rc = wr_bytes(&w, (const uint8_t *)esz_magic, sizeof esz_magic, err)) ||
	    (rc = wr_le(&w, ESZ_VERSION, 4, err)) ||
	    (rc = wr_le(&w, nn_network_hash(&m->net), 8, err)) ||
	    (rc = wr_deflated(&w, yaml.buf, bitw_bytes(&yaml), err)) ||
	    (rc = wr_f64(&w, meta->data_mean, err)) || (rc = wr_f64(&w, meta->data_std, err)) ||
	    (rc = wr_f64(&w, meta->test_accuracy, err)) || (rc = wr_le(&w, (uint64_t)coded, 4, err)))
		goto fail;
	int k = 0;
	for (int i = 0; i < m->n_layers; i++) {
		if (!m->layers[i].weight.n)
			continue;
		if ((rc = layer_write(&m->layers[i], i, &spec[i], &w, acct ? &acct[k] : NULL, err)))
			goto fail;
		k++;
	}
	uint32_t crc = (uint32_t)crc32(0L, w.buf, (uInt)bitw_bytes(&w));
	if ((rc = wr_le(&w, crc, 4, err)) || (rc = sim_out_write_file(path, w.buf, bitw_bytes(&w), err)))
		goto fail;
	if (n_acct)
		*n_acct = k;
	if (file_bytes)
		*file_bytes = bitw_bytes(&w);
fail:
	bitw_deinit(&w);
	bitw_deinit(&yaml);
	return rc;
}

bool esz_is_esz(const char *path)
{
	char head[sizeof esz_magic];
	FILE *f = fopen(path, "rb");
	if (!f)
		return false;
	bool yes = fread(head, 1, sizeof head, f) == sizeof head &&
		   memcmp(head, esz_magic, sizeof head) == 0;
	fclose(f);
	return yes;
}

static int read_all(const char *path, uint8_t **buf, size_t *len, struct sim_err *err)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return sim_err_set(err, SIM_ERR_IO, path, 0, 0, "cannot open: %m");
	size_t cap = 1 << 16, n = 0, got;
	uint8_t *b = sim_malloc(cap, err);
	while (b && (got = fread(b + n, 1, cap - n, f)) > 0) {
		n += got;
		if (n == cap) {
			uint8_t *nb = sim_realloc(b, cap *= 2, err);
			if (!nb) {
				free(b);
				b = NULL;
			}
			b = nb;
		}
	}
	int bad = ferror(f);
	fclose(f);
	if (!b)
		return SIM_ERR_NOMEM;
	if (bad) {
		free(b);
		return sim_err_set(err, SIM_ERR_IO, path, 0, 0, "read error");
	}
	*buf = b;
	*len = n;
	return 0;
}

int esz_load(struct nn_model *m, struct esz_meta *meta, const char *path, uint32_t max_batch,
	     uint32_t n_threads, struct sim_err *err)
{
	memset(m, 0, sizeof *m);
	uint8_t *buf = NULL;
	char *yaml = NULL;
	size_t len = 0;
	struct wl_network net = {0};
	int rc = read_all(path, &buf, &len, err);
	if (rc)
		return rc;
	struct bitr r;
	uint64_t version, hash, coded, crc = 0;
	if (len < sizeof esz_magic + 8 || memcmp(buf, esz_magic, sizeof esz_magic) != 0) {
		rc = sim_err_set(err, SIM_ERR_DATA, path, 0, 0, "not a compressed model (.esz) file");
		goto fail;
	}
	bitr_init(&r, buf + len - 4, 32);
	rd_le(&r, 4, &crc, err);
	if ((uint32_t)crc32(0L, buf, (uInt)(len - 4)) != crc) {
		rc = sim_err_set(err, SIM_ERR_DATA, path, 0, 0, "CRC mismatch: the file is corrupt");
		goto fail;
	}
	bitr_init(&r, buf, 8 * (uint64_t)(len - 4));
	r.pos_bits = 8 * sizeof esz_magic;
	if ((rc = rd_le(&r, 4, &version, err)) || (rc = rd_le(&r, 8, &hash, err)))
		goto fail;
	if (version != ESZ_VERSION) {
		rc = sim_err_set(err, SIM_ERR_DATA, path, 0, 0, "unsupported version %llu",
				 (unsigned long long)version);
		goto fail;
	}
	if ((rc = rd_deflated(&r, &yaml, err)) ||
	    (rc = wl_network_load_string(&net, path, yaml, err)))
		goto fail;
	if (nn_network_hash(&net) != hash) {
		rc = sim_err_set(err, SIM_ERR_DATA, path, 0, 0, "network hash mismatch");
		goto fail;
	}
	if ((rc = nn_model_init(m, &net, max_batch, n_threads, err)))
		goto fail;
	struct esz_meta mt;
	if ((rc = rd_f64(&r, &mt.data_mean, err)) || (rc = rd_f64(&r, &mt.data_std, err)) ||
	    (rc = rd_f64(&r, &mt.test_accuracy, err)) || (rc = rd_le(&r, 4, &coded, err)))
		goto fail;
	int k = 0;
	for (int i = 0; i < m->n_layers; i++) {
		if (!m->layers[i].weight.n)
			continue;
		if ((uint64_t)k++ >= coded) {
			rc = sim_err_set(err, SIM_ERR_DATA, NULL, 0, 0, "too few layer records");
			goto fail;
		}
		if ((rc = layer_read(m, &r, i, err)))
			goto fail;
	}
	if ((uint64_t)k != coded || r.pos_bits != r.n_bits) {
		rc = sim_err_set(err, SIM_ERR_DATA, NULL, 0, 0, "trailing data after the last layer");
		goto fail;
	}
	if (meta)
		*meta = mt;
fail:
	if (rc && err && !err->file[0])
		snprintf(err->file, sizeof err->file, "%s", path);
	if (rc == SIM_ERR_DATA && err)
		err->line = err->col = 0;
	free(buf);
	free(yaml);
	wl_network_deinit(&net);
	return rc;
}
