/* Checkpoint files (format in checkpoint.h).
 *
 * The file is assembled in memory with explicit little-endian encoding (so it
 * reads the same on any host), its CRC-32 appended, then written to a
 * temporary file next to the target, fsync()ed and rename()d over it
 * (core/outfile.h): readers see either the old or the new checkpoint.
 * Loading reads the whole file, checks magic, version and CRC first, then
 * parses with a bounds-checked cursor, rebuilds the network and re-derives
 * every layer's shapes (so a file with a valid CRC but an inconsistent
 * network is still refused), and compares its structure hash. */
#include "nn/checkpoint.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "core/mem.h"
#include "core/outfile.h"

static const char ckpt_magic[8] = {'E', 'S', 'I', 'M', 'C', 'K', 'P', 'T'};
#define CKPT_MAX_BYTES (1ull << 31)

/* A growable output buffer; on allocation failure it records the error once. */
struct wbuf {
	uint8_t *p;
	size_t len, cap;
	int failed;
	struct sim_err *err;
};

static void put(struct wbuf *b, const void *src, size_t n)
{
	if (b->failed)
		return;
	if (b->len + n > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		while (cap < b->len + n)
			cap *= 2;
		uint8_t *p = sim_realloc(b->p, cap, b->err);
		if (!p) {
			b->failed = 1;
			return;
		}
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, src, n);
	b->len += n;
}

static void put_u32(struct wbuf *b, uint32_t v)
{
	uint8_t x[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
	put(b, x, 4);
}

static void put_u64(struct wbuf *b, uint64_t v)
{
	put_u32(b, (uint32_t)v);
	put_u32(b, (uint32_t)(v >> 32));
}

static void put_f64(struct wbuf *b, double d)
{
	uint64_t v = 0;
	memcpy(&v, &d, sizeof v);
	put_u64(b, v);
}

static void put_str(struct wbuf *b, const char *s)
{
	put_u32(b, (uint32_t)strlen(s));
	put(b, s, strlen(s));
}

/* The per-layer fields of the network description, in file order. */
#define LAYER_FIELDS 12
static void layer_fields(const struct wl_layer *l, uint32_t v[LAYER_FIELDS])
{
	const uint32_t f[LAYER_FIELDS] = {l->type,  l->in.c,   l->in.h,  l->in.w,
					  l->out.c, l->out.h,  l->out.w, l->kernel,
					  l->stride, l->padding, l->groups, l->bias};
	memcpy(v, f, sizeof f);
}

static void put_param(struct wbuf *b, int layer, uint32_t kind, const struct nn_param *p)
{
	put_u32(b, (uint32_t)layer);
	put_u32(b, kind);
	put_u64(b, p->n);
	for (uint64_t j = 0; j < p->n; j++) {
		uint32_t v;
		memcpy(&v, &p->value[j], sizeof v);
		put_u32(b, v);
	}
	if (p->mask)
		put(b, p->mask, p->n);
}

int nn_checkpoint_save(const struct nn_model *m, const struct nn_ckpt_meta *meta,
		       const char *path, struct sim_err *err)
{
	struct wbuf b = {.err = err};
	put(&b, ckpt_magic, sizeof ckpt_magic);
	put_u32(&b, NN_CKPT_VERSION);
	put_u64(&b, nn_network_hash(&m->net));
	put_str(&b, m->net.name);
	put_u32(&b, m->net.input.c);
	put_u32(&b, m->net.input.h);
	put_u32(&b, m->net.input.w);
	put_u32(&b, (uint32_t)m->n_layers);
	for (int i = 0; i < m->n_layers; i++) {
		uint32_t v[LAYER_FIELDS];
		layer_fields(&m->net.layers[i], v);
		put_str(&b, m->net.layers[i].name);
		for (int j = 0; j < LAYER_FIELDS; j++)
			put_u32(&b, v[j]);
	}
	put_u32(&b, meta->epochs);
	put_u32(&b, meta->batch);
	put_u64(&b, meta->seed);
	put_f64(&b, meta->lr);
	put_f64(&b, meta->test_accuracy);
	put_f64(&b, meta->test_loss);
	put_f64(&b, meta->data_mean);
	put_f64(&b, meta->data_std);
	uint32_t n_tensors = 0;
	for (int i = 0; i < m->n_layers; i++)
		n_tensors += (m->layers[i].weight.n > 0) + (m->layers[i].bias.n > 0);
	put_u32(&b, n_tensors);
	for (int i = 0; i < m->n_layers; i++) {
		if (m->layers[i].weight.n)
			put_param(&b, i, 0, &m->layers[i].weight);
		if (m->layers[i].bias.n)
			put_param(&b, i, 1, &m->layers[i].bias);
	}
	if (!b.failed)
		put_u32(&b, (uint32_t)crc32(0L, b.p, (uInt)b.len));
	int rc = b.failed ? (int)err->code : sim_out_write_file(path, b.p, b.len, err);
	free(b.p);
	return rc;
}

/* A bounds-checked reader over the file's bytes. */
struct rbuf {
	const uint8_t *p;
	size_t len, pos;
	const char *path;
	struct sim_err *err;
};

static int get(struct rbuf *r, void *dst, size_t n)
{
	if (r->len - r->pos < n)
		return sim_err_set(r->err, SIM_ERR_DATA, r->path, 0, 0,
				   "truncated: needs %zu more bytes at offset %zu", n, r->pos);
	memcpy(dst, r->p + r->pos, n);
	r->pos += n;
	return 0;
}

static int get_u32(struct rbuf *r, uint32_t *v)
{
	uint8_t x[4] = {0};
	if (get(r, x, 4))
		return r->err->code;
	*v = (uint32_t)x[0] | (uint32_t)x[1] << 8 | (uint32_t)x[2] << 16 | (uint32_t)x[3] << 24;
	return 0;
}

static int get_u64(struct rbuf *r, uint64_t *v)
{
	uint32_t lo = 0, hi = 0;
	if (get_u32(r, &lo) || get_u32(r, &hi))
		return r->err->code;
	*v = (uint64_t)hi << 32 | lo;
	return 0;
}

static int get_f64(struct rbuf *r, double *d)
{
	uint64_t v = 0;
	if (get_u64(r, &v))
		return r->err->code;
	memcpy(d, &v, sizeof *d);
	return 0;
}

static int get_str(struct rbuf *r, char *dst, size_t cap)
{
	uint32_t n = 0;
	if (get_u32(r, &n))
		return r->err->code;
	if (n >= cap)
		return sim_err_set(r->err, SIM_ERR_DATA, r->path, 0, 0,
				   "name of %u bytes at offset %zu is too long (at most %zu)", n,
				   r->pos, cap - 1);
	if (get(r, dst, n))
		return r->err->code;
	dst[n] = '\0';
	return 0;
}

static int read_file(const char *path, uint8_t **out, size_t *len, struct sim_err *err)
{
	*out = NULL;
	FILE *f = fopen(path, "rb");
	if (!f)
		return sim_err_set(err, SIM_ERR_IO, path, 0, 0, "cannot open: %s", strerror(errno));
	uint8_t *buf = NULL;
	if (fseek(f, 0, SEEK_END) != 0)
		goto io_fail;
	long size = ftell(f);
	if (size < 0 || fseek(f, 0, SEEK_SET) != 0)
		goto io_fail;
	if ((unsigned long long)size > CKPT_MAX_BYTES) {
		sim_err_set(err, SIM_ERR_DATA, path, 0, 0, "file of %ld bytes is too large", size);
		goto fail;
	}
	buf = sim_malloc(size ? (size_t)size : 1, err);
	if (!buf)
		goto fail;
	if (fread(buf, 1, (size_t)size, f) != (size_t)size)
		goto io_fail;
	fclose(f);
	*out = buf;
	*len = (size_t)size;
	return 0;
io_fail:
	sim_err_set(err, SIM_ERR_IO, path, 0, 0, "cannot read: %s", strerror(errno));
fail:
	free(buf);
	fclose(f);
	return err->code;
}

/* Shape of a layer's output as nn_model and the network loader derive it. */
static int layer_consistent(const struct wl_layer *l, struct wl_tensor_shape in)
{
	if (l->in.c != in.c || l->in.h != in.h || l->in.w != in.w)
		return 0;
	switch (l->type) {
	case WL_CONV:
	case WL_MAXPOOL:
	case WL_AVGPOOL:
		if (l->kernel == 0 || l->stride == 0 || l->in.h + 2 * l->padding < l->kernel ||
		    l->in.w + 2 * l->padding < l->kernel || l->padding >= l->kernel)
			return 0;
		if (l->type == WL_CONV && (l->groups == 0 || l->in.c % l->groups ||
					   l->out.c % l->groups || l->out.c == 0))
			return 0;
		if (l->type != WL_CONV && l->out.c != l->in.c)
			return 0;
		return l->out.h == (l->in.h + 2 * l->padding - l->kernel) / l->stride + 1 &&
		       l->out.w == (l->in.w + 2 * l->padding - l->kernel) / l->stride + 1;
	case WL_FC:
		return l->out.c > 0 && l->out.h == 1 && l->out.w == 1;
	case WL_RELU:
		return l->out.c == in.c && l->out.h == in.h && l->out.w == in.w;
	default:
		return 0;
	}
}

/* Parses the network description into net (caller deinits it). */
static int read_network(struct rbuf *r, struct wl_network *net)
{
	uint32_t n_layers;
	memset(net, 0, sizeof *net);
	snprintf(net->path, sizeof net->path, "%s", r->path);
	if (get_str(r, net->name, sizeof net->name) || get_u32(r, &net->input.c) ||
	    get_u32(r, &net->input.h) || get_u32(r, &net->input.w) || get_u32(r, &n_layers))
		return r->err->code;
	if (n_layers == 0 || n_layers > 4096 || net->input.c == 0 || net->input.h == 0 ||
	    net->input.w == 0 || (uint64_t)net->input.c * net->input.h * net->input.w > (1u << 26))
		return sim_err_set(r->err, SIM_ERR_DATA, r->path, 0, 0,
				   "implausible network: %u layers, input %ux%ux%u", n_layers,
				   net->input.c, net->input.h, net->input.w);
	net->layers = sim_calloc(n_layers, sizeof *net->layers, r->err);
	if (!net->layers)
		return r->err->code;
	net->n_layers = (int)n_layers;
	struct wl_tensor_shape in = net->input;
	for (int i = 0; i < net->n_layers; i++) {
		struct wl_layer *l = &net->layers[i];
		uint32_t v[LAYER_FIELDS];
		if (get_str(r, l->name, sizeof l->name))
			return r->err->code;
		for (int j = 0; j < LAYER_FIELDS; j++)
			if (get_u32(r, &v[j]))
				return r->err->code;
		l->type = v[0] < WL_LAYER_TYPE_COUNT ? (enum wl_layer_type)v[0] : WL_LAYER_TYPE_COUNT;
		l->in = (struct wl_tensor_shape){v[1], v[2], v[3]};
		l->out = (struct wl_tensor_shape){v[4], v[5], v[6]};
		l->kernel = v[7];
		l->stride = v[8];
		l->padding = v[9];
		l->groups = v[10];
		l->bias = v[11] != 0;
		l->n_from = 1;
		l->from[0] = i - 1; /* WL_INPUT for the first layer */
		if (v[11] > 1 || !layer_consistent(l, in) ||
		    (uint64_t)l->out.c * l->out.h * l->out.w > (1u << 26))
			return sim_err_set(r->err, SIM_ERR_DATA, r->path, 0, 0,
					   "layer %d ('%s') has an inconsistent description", i,
					   l->name);
		in = l->out;
	}
	return 0;
}

/* Reads one tensor into p, checking it against the expected layer and kind. */
static int read_param(struct rbuf *r, int layer, uint32_t kind, struct nn_param *p)
{
	uint32_t got_layer = 0, got_kind = 0;
	uint64_t n = 0;
	if (get_u32(r, &got_layer) || get_u32(r, &got_kind) || get_u64(r, &n))
		return r->err->code;
	if (got_layer != (uint32_t)layer || got_kind != kind || n != p->n)
		return sim_err_set(r->err, SIM_ERR_DATA, r->path, 0, 0,
				   "tensor (layer %u, kind %u, %llu values) where layer %d's %s of "
				   "%llu values belongs", got_layer, got_kind, (unsigned long long)n,
				   layer, kind ? "bias" : "weights", (unsigned long long)p->n);
	for (uint64_t j = 0; j < n; j++) {
		uint32_t v;
		if (get_u32(r, &v))
			return r->err->code;
		memcpy(&p->value[j], &v, sizeof v);
		if (!isfinite(p->value[j]))
			return sim_err_set(r->err, SIM_ERR_DATA, r->path, 0, 0,
					   "layer %d %s value %llu is not finite", layer,
					   kind ? "bias" : "weight", (unsigned long long)j);
	}
	if (!p->mask)
		return 0;
	if (get(r, p->mask, n))
		return r->err->code;
	for (uint64_t j = 0; j < n; j++)
		if (p->mask[j] > 1 || (!p->mask[j] && p->value[j] != 0.0f))
			return sim_err_set(r->err, SIM_ERR_DATA, r->path, 0, 0,
					   "layer %d mask %llu is %u for weight %g (masks are 0 or "
					   "1 and masked weights 0)", layer, (unsigned long long)j,
					   p->mask[j], (double)p->value[j]);
	return 0;
}

int nn_checkpoint_load(struct nn_model *m, struct nn_ckpt_meta *meta, const char *path,
		       uint32_t max_batch, uint32_t n_threads, struct sim_err *err)
{
	memset(m, 0, sizeof *m);
	uint8_t *buf = NULL;
	size_t len = 0;
	struct wl_network net = {0};
	struct nn_ckpt_meta md;
	uint32_t version, n_tensors, crc_stored;
	uint64_t hash;
	char magic[8];
	int rc = read_file(path, &buf, &len, err);
	if (rc)
		return rc;
	struct rbuf r = {.p = buf, .len = len, .path = path, .err = err};
	if (len < sizeof magic || memcmp(buf, ckpt_magic, sizeof magic) != 0) {
		rc = sim_err_set(err, SIM_ERR_DATA, path, 0, 0, "not an esim checkpoint (bad magic)");
		goto done;
	}
	if ((rc = get(&r, magic, sizeof magic)) || (rc = get_u32(&r, &version)))
		goto done;
	if (version != NN_CKPT_VERSION) {
		rc = sim_err_set(err, SIM_ERR_DATA, path, 0, 0,
				 "checkpoint format version %u; this esim reads version %u", version,
				 NN_CKPT_VERSION);
		goto done;
	}
	if (len < r.pos + 4) {
		rc = sim_err_set(err, SIM_ERR_DATA, path, 0, 0, "truncated: %zu bytes", len);
		goto done;
	}
	crc_stored = (uint32_t)buf[len - 4] | (uint32_t)buf[len - 3] << 8 |
		     (uint32_t)buf[len - 2] << 16 | (uint32_t)buf[len - 1] << 24;
	if (crc_stored != (uint32_t)crc32(0L, buf, (uInt)(len - 4))) {
		rc = sim_err_set(err, SIM_ERR_DATA, path, 0, 0,
				 "CRC-32 mismatch: the file is corrupt or truncated");
		goto done;
	}
	r.len = len - 4;
	if ((rc = get_u64(&r, &hash)) || (rc = read_network(&r, &net)))
		goto done;
	if (hash != nn_network_hash(&net)) {
		rc = sim_err_set(err, SIM_ERR_DATA, path, 0, 0,
				 "network hash does not match the stored network description");
		goto done;
	}
	if ((rc = get_u32(&r, &md.epochs)) || (rc = get_u32(&r, &md.batch)) ||
	    (rc = get_u64(&r, &md.seed)) ||
	    (rc = get_f64(&r, &md.lr)) || (rc = get_f64(&r, &md.test_accuracy)) ||
	    (rc = get_f64(&r, &md.test_loss)) || (rc = get_f64(&r, &md.data_mean)) ||
	    (rc = get_f64(&r, &md.data_std)) || (rc = get_u32(&r, &n_tensors)))
		goto done;
	if ((rc = nn_model_init(m, &net, max_batch, n_threads, err))) {
		sim_err_prefix(err, "%s: ", path);
		goto done;
	}
	uint32_t expected = 0;
	for (int i = 0; i < m->n_layers; i++)
		expected += (m->layers[i].weight.n > 0) + (m->layers[i].bias.n > 0);
	if (n_tensors != expected) {
		rc = sim_err_set(err, SIM_ERR_DATA, path, 0, 0, "%u tensors, the network has %u",
				 n_tensors, expected);
		goto done;
	}
	for (int i = 0; i < m->n_layers; i++) {
		if (m->layers[i].weight.n && (rc = read_param(&r, i, 0, &m->layers[i].weight)))
			goto done;
		if (m->layers[i].bias.n && (rc = read_param(&r, i, 1, &m->layers[i].bias)))
			goto done;
	}
	if (r.pos != r.len) {
		rc = sim_err_set(err, SIM_ERR_DATA, path, 0, 0, "%zu unexpected bytes after the tensors",
				 r.len - r.pos);
		goto done;
	}
	if (meta)
		*meta = md;
done:
	wl_network_deinit(&net);
	free(buf);
	return rc;
}
