/* Models: a chain of layers (layers.c) with parameter tensors and masks, and
 * the passes over them; the threads, buffers and the order of every sum
 * that makes a pass bit-reproducible are the workspace's (workspace.c). */
#include "nn/model.h"

#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/detmath.h"
#include "core/mem.h"
#include "nn/workspace.h"

const char *const nn_init_names[NN_INIT_COUNT] = {"he", "xavier"};
_Static_assert(NN_INIT_COUNT == 2, "nn_init_names must list every scheme");

static int param_alloc(struct nn_param *p, uint64_t n, bool with_mask, struct sim_err *err)
{
	p->n = n;
	if (!n)
		return 0;
	p->value = sim_calloc(n, sizeof *p->value, err);
	p->grad = p->value ? sim_calloc(n, sizeof *p->grad, err) : NULL;
	p->velocity = p->grad ? sim_calloc(n, sizeof *p->velocity, err) : NULL;
	if (!p->velocity)
		return err->code;
	if (with_mask) {
		p->mask = sim_malloc(n, err);
		if (!p->mask)
			return err->code;
		memset(p->mask, 1, n);
	}
	return 0;
}

static void param_free(struct nn_param *p)
{
	free(p->value);
	free(p->grad);
	free(p->velocity);
	free(p->mask);
	memset(p, 0, sizeof *p);
}

int nn_model_init(struct nn_model *m, const struct wl_network *net, uint32_t max_batch,
		  uint32_t n_threads, struct sim_err *err)
{
	memset(m, 0, sizeof *m);
	if (max_batch == 0 || n_threads == 0)
		return sim_err_set(err, SIM_ERR_USAGE, NULL, 0, 0,
				   "batch size and thread count must be at least 1");
	if (net->n_layers == 0)
		return sim_err_set(err, SIM_ERR_CONFIG, net->path, 0, 0, "network has no layers");
	if (!wl_network_is_chain(net))
		return sim_err_set(err, SIM_ERR_CONFIG, net->path, 0, 0,
				   "network '%s' is not a chain (a layer reads something other "
				   "than its predecessor); the trainer supports chains only",
				   net->name);
	for (int i = 0; i < net->n_layers; i++) {
		const struct wl_layer *l = &net->layers[i];
		if (l->type != WL_CONV && l->type != WL_FC && l->type != WL_MAXPOOL &&
		    l->type != WL_AVGPOOL && l->type != WL_RELU)
			return sim_err_set(err, SIM_ERR_CONFIG, net->path, l->line, l->col,
					   "layer '%s': the trainer does not support %s layers",
					   l->name, wl_layer_type_names[l->type]);
	}
	const struct wl_layer *last = &net->layers[net->n_layers - 1];
	if (last->out.h != 1 || last->out.w != 1 || last->out.c < 2 ||
	    last->out.c > 256)
		return sim_err_set(err, SIM_ERR_CONFIG, net->path, last->line, last->col,
				   "last layer '%s' must produce 2 to 256 class scores (1x1 "
				   "outputs), got %ux%ux%u", last->name, last->out.c,
				   last->out.h, last->out.w);
	m->net = *net;
	m->net.layers = sim_malloc((size_t)net->n_layers * sizeof *net->layers, err);
	if (!m->net.layers) {
		m->net.n_layers = 0;
		return err->code;
	}
	memcpy(m->net.layers, net->layers, (size_t)net->n_layers * sizeof *net->layers);
	m->n_layers = net->n_layers;
	m->max_batch = max_batch;
	m->n_threads = n_threads;
	m->n_classes = last->out.c;
	m->gemm_backend = NN_GEMM_FIXED;
	m->gemm_isa = sim_isa_detect();
	m->layers = sim_calloc((size_t)m->n_layers, sizeof *m->layers, err);
	if (!m->layers)
		return err->code;
	for (int i = 0; i < m->n_layers; i++) {
		struct nn_layer *L = &m->layers[i];
		L->wl = &m->net.layers[i];
		if (!wl_layer_has_weights(L->wl))
			continue;
		if (param_alloc(&L->weight, wl_layer_weights(L->wl), true, err) ||
		    param_alloc(&L->bias, L->wl->bias ? L->wl->out.c : 0, false, err))
			return err->code;
	}
	return nn_workspace_init(m, err);
}

void nn_model_deinit(struct nn_model *m)
{
	nn_workspace_free(m->ws, m->n_layers);
	for (int i = 0; m->layers && i < m->n_layers; i++) {
		param_free(&m->layers[i].weight);
		param_free(&m->layers[i].bias);
	}
	free(m->layers);
	wl_network_deinit(&m->net);
	memset(m, 0, sizeof *m);
}

int nn_model_set_gemm(struct nn_model *m, enum nn_gemm_backend backend, enum sim_isa isa,
		      struct sim_err *err)
{
	m->gemm_backend = backend;
	m->gemm_isa = isa;
	return nn_workspace_set_gemm(m->ws, backend, isa, err);
}

void nn_model_init_weights(struct nn_model *m, enum nn_init scheme, gsl_rng *rng)
{
	for (int i = 0; i < m->n_layers; i++) {
		struct nn_layer *L = &m->layers[i];
		if (!L->weight.n)
			continue;
		struct wl_conv_shape s = wl_layer_conv_shape(L->wl);
		const double fan_in = (double)s.C * s.R * s.S, fan_out = (double)s.M * s.R * s.S;
		const double he_std = sqrt(2.0 / fan_in), xavier = sqrt(6.0 / (fan_in + fan_out));
		for (uint64_t j = 0; j < L->weight.n; j++)
			L->weight.value[j] = (float)(scheme == NN_INIT_HE
							     ? det_gaussian(rng, he_std)
							     : xavier * (2.0 * gsl_rng_uniform(rng) - 1.0));
		memset(L->weight.velocity, 0, L->weight.n * sizeof(float));
		if (L->bias.n) {
			memset(L->bias.value, 0, L->bias.n * sizeof(float));
			memset(L->bias.velocity, 0, L->bias.n * sizeof(float));
		}
	}
	nn_model_apply_masks(m);
}

void nn_model_apply_masks(struct nn_model *m)
{
	for (int i = 0; i < m->n_layers; i++) {
		struct nn_param *p = &m->layers[i].weight;
		for (uint64_t j = 0; j < p->n; j++)
			if (!p->mask[j]) {
				p->value[j] = 0.0f;
				p->velocity[j] = 0.0f;
			}
	}
}

void nn_model_backprop(struct nn_model *m, const float *images, const uint8_t *labels, uint32_t n,
		       double *loss_sum, uint64_t *correct)
{
	assert(n >= 1 && n <= m->max_batch);
	nn_workspace_backprop(m->ws, images, labels, n, loss_sum, correct);
}

void nn_model_forward(struct nn_model *m, const float *images, const uint8_t *labels, uint64_t n,
		      double *loss_sum, uint64_t *correct, float *logits)
{
	nn_workspace_forward(m->ws, images, labels, n, logits, -1, NULL, NULL, loss_sum, correct);
}

void nn_model_layer_io(struct nn_model *m, const float *images, uint64_t n, int layer, float *in,
		       float *out)
{
	assert(layer >= 0 && layer < m->n_layers);
	nn_workspace_forward(m->ws, images, NULL, n, NULL, layer, in, out, NULL, NULL);
}

int nn_model_visit_inputs(struct nn_model *m, const float *images, uint64_t n,
			  nn_input_visitor visit, void *ctx, struct sim_err *err)
{
	uint64_t biggest = 0;
	for (int i = 0; i < m->n_layers; i++)
		if (wl_shape_size(m->net.layers[i].in) > biggest)
			biggest = wl_shape_size(m->net.layers[i].in);
	float *in = sim_malloc(n * biggest * sizeof *in, err);
	if (!in)
		return SIM_ERR_NOMEM;
	for (int i = 0; i < m->n_layers; i++) {
		if (!m->layers[i].weight.n)
			continue;
		nn_model_layer_io(m, images, n, i, in, NULL);
		visit(ctx, i, in, n * wl_shape_size(m->net.layers[i].in));
	}
	free(in);
	return 0;
}

/* Records each CONV/FC layer's input range and sign for activation quantisation. */
static void calibrate_layer(void *ctx, int layer, const float *in, uint64_t count)
{
	struct nn_layer *L = &((struct nn_model *)ctx)->layers[layer];
	float hi = 0.0f;
	bool neg = false;
	for (uint64_t k = 0; k < count; k++) {
		hi = fabsf(in[k]) > hi ? fabsf(in[k]) : hi;
		neg |= in[k] < 0.0f;
	}
	L->act_range = hi;
	L->act_signed = neg;
}

int nn_model_set_act_quant(struct nn_model *m, uint32_t bits, const float *images, uint64_t n,
			   struct sim_err *err)
{
	if (bits > 16)
		return sim_err_set(err, SIM_ERR_USAGE, NULL, 0, 0,
				   "activation bits must be in [1, 16] (0 = off), got %u", bits);
	m->act_bits = 0; /* calibrate on float activations */
	if (bits == 0)
		return 0;
	int rc = nn_model_visit_inputs(m, images, n, calibrate_layer, m, err);
	if (rc == 0)
		m->act_bits = bits;
	return rc;
}

uint64_t nn_model_weights(const struct nn_model *m)
{
	uint64_t n = 0;
	for (int i = 0; i < m->n_layers; i++)
		n += m->layers[i].weight.n;
	return n;
}

uint64_t nn_model_weights_kept(const struct nn_model *m)
{
	uint64_t n = 0;
	for (int i = 0; i < m->n_layers; i++)
		for (uint64_t j = 0; j < m->layers[i].weight.n; j++)
			n += m->layers[i].weight.mask[j] != 0;
	return n;
}

static uint64_t fnv1a_u32(uint64_t h, uint32_t v)
{
	for (int i = 0; i < 4; i++) {
		h ^= (v >> (8 * i)) & 0xffu;
		h *= 0x100000001b3ull;
	}
	return h;
}

uint64_t nn_network_hash(const struct wl_network *net)
{
	uint64_t h = 0xcbf29ce484222325ull;
	h = fnv1a_u32(h, net->input.c);
	h = fnv1a_u32(h, net->input.h);
	h = fnv1a_u32(h, net->input.w);
	h = fnv1a_u32(h, (uint32_t)net->n_layers);
	for (int i = 0; i < net->n_layers; i++) {
		const struct wl_layer *l = &net->layers[i];
		const uint32_t v[] = {l->type, l->in.c, l->in.h, l->in.w, l->out.c, l->out.h,
				      l->out.w, l->kernel, l->stride, l->padding, l->groups, l->bias};
		for (size_t j = 0; j < sizeof v / sizeof v[0]; j++)
			h = fnv1a_u32(h, v[j]);
	}
	return h;
}
