/* Compressed model files (see esz.h): Deep Compression's final format (Han,
 * Mao, Dally, ICLR 2016, sections 2-4). This file writes and reads the
 * container: magic, version, the network's structural hash, the network as
 * deflated YAML, the data normalisation, one record per CONV/FC layer
 * (esz_layer.c: per layer the kept weights, in row-major order of the
 * trainer's layout, become relative-index entries with weight codes, zero
 * runs of 2^ibits or more are bridged by filler entries, and both streams are
 * Huffman or fixed-width coded) and a CRC-32 of everything before it. */
#include "compress/esz.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "compress/bitio.h"
#include "compress/esz_layer.h"
#include "core/mem.h"
#include "core/outfile.h"

const char *const esz_kind_names[ESZ_KIND_COUNT] = {"kmeans", "linear"};
static_assert(ESZ_KIND_COUNT == 2, "one name per kind");

static const char esz_magic[8] = {'E', 'S', 'I', 'M', 'C', 'M', 'P', 'Z'};

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
	if (!rc && !(rc = bitw_put_le(w, n, 4, err)) && !(rc = bitw_put_le(w, len, 4, err)))
		rc = bitw_put_bytes(w, z, len, err);
	free(z);
	return rc;
}

/* Reads wr_deflated's output into a NUL-terminated string; caller owns *out. */
static int rd_deflated(struct bitr *r, char **out, struct sim_err *err)
{
	uint64_t n, len;
	int rc;
	*out = NULL;
	if ((rc = bitr_get_le(r, 4, &n, err)) || (rc = bitr_get_le(r, 4, &len, err)))
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
	rc = bitw_put_bytes(w, (const uint8_t *)line, strlen(line), err);
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
		rc = bitw_put_bytes(w, (const uint8_t *)line, strlen(line), err);
	}
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
	    (rc = bitw_put_bytes(&w, (const uint8_t *)esz_magic, sizeof esz_magic, err)) ||
	    (rc = bitw_put_le(&w, ESZ_VERSION, 4, err)) ||
	    (rc = bitw_put_le(&w, nn_network_hash(&m->net), 8, err)) ||
	    (rc = wr_deflated(&w, yaml.buf, bitw_bytes(&yaml), err)) ||
	    (rc = bitw_put_f64(&w, meta->data_mean, err)) ||
	    (rc = bitw_put_f64(&w, meta->data_std, err)) ||
	    (rc = bitw_put_f64(&w, meta->test_accuracy, err)) ||
	    (rc = bitw_put_le(&w, (uint64_t)coded, 4, err)))
		goto fail;
	int k = 0;
	for (int i = 0; i < m->n_layers; i++) {
		if (!m->layers[i].weight.n)
			continue;
		if ((rc = esz_layer_write(&m->layers[i], i, &spec[i], &w, acct ? &acct[k] : NULL, err)))
			goto fail;
		k++;
	}
	uint32_t crc = (uint32_t)crc32(0L, w.buf, (uInt)bitw_bytes(&w));
	if ((rc = bitw_put_le(&w, crc, 4, err)) ||
	    (rc = sim_out_write_file(path, w.buf, bitw_bytes(&w), err)))
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
	bitr_get_le(&r, 4, &crc, err);
	if ((uint32_t)crc32(0L, buf, (uInt)(len - 4)) != crc) {
		rc = sim_err_set(err, SIM_ERR_DATA, path, 0, 0, "CRC mismatch: the file is corrupt");
		goto fail;
	}
	bitr_init(&r, buf, 8 * (uint64_t)(len - 4));
	r.pos_bits = 8 * sizeof esz_magic;
	if ((rc = bitr_get_le(&r, 4, &version, err)) || (rc = bitr_get_le(&r, 8, &hash, err)))
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
	if ((rc = bitr_get_f64(&r, &mt.data_mean, err)) || (rc = bitr_get_f64(&r, &mt.data_std, err)) ||
	    (rc = bitr_get_f64(&r, &mt.test_accuracy, err)) || (rc = bitr_get_le(&r, 4, &coded, err)))
		goto fail;
	int k = 0;
	for (int i = 0; i < m->n_layers; i++) {
		if (!m->layers[i].weight.n)
			continue;
		if ((uint64_t)k++ >= coded) {
			rc = sim_err_set(err, SIM_ERR_DATA, NULL, 0, 0, "too few layer records");
			goto fail;
		}
		if ((rc = esz_layer_read(m, &r, i, err)))
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
