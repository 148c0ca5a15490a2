/* The trainer's workspace: per-thread buffers, the worker threads, and the
 * forward/backward pass of a mini-batch over a model's layers (model.c).
 *
 * Backpropagation (Rumelhart, Hinton & Williams 1986): the forward pass keeps
 * every layer's output; the backward pass starts from dL/dz of the softmax
 * cross-entropy and walks the chain backwards, each layer turning dL/dy into
 * dL/dx and its parameter gradients. Two ping-pong buffers hold dL/dy and
 * dL/dx, since only neighbouring layers meet.
 *
 * Data parallelism with a result independent of the thread count: a batch is
 * cut into shards of NN_SHARD_IMAGES consecutive images, a fixed size, and
 * thread t runs shards t, t + T, t + 2T, ... on its own buffers. Each shard
 * writes its own gradients (scaled by 1/batch, so their sum is the batch
 * mean; shard 0 writes straight into the model's); after a barrier every
 * thread sums a range of each parameter tensor over the shards in shard
 * order. The summation order per value thus depends only on the batch size,
 * and every kernel below it has a fixed order too (gemm.h, layers.h), so the
 * same inputs give the same bits at any thread count on any x86-64 CPU.
 * Losses are summed per shard in image order, then over shards in order;
 * forward-only passes run in chunks of NN_FORWARD_SHARDS shards, a constant,
 * for the same reason. Workers wait on a pthread barrier between jobs; all
 * buffers are allocated at init, none in the step loop. */
#include "nn/workspace.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "nn/layers.h"

/* Only the OpenBLAS backend (benchmark comparison) calls OpenBLAS; its own
 * threading is switched off, since the shards are ours. */
void openblas_set_num_threads(int num_threads);

/* Shards per forward-only chunk: fixes the loss summation order of
 * nn_model_forward for any n and thread count. */
enum { NN_FORWARD_SHARDS = 64 };

enum job_kind { JOB_BACKPROP, JOB_FORWARD, JOB_STOP };

/* One thread's buffers for one shard of up to NN_SHARD_IMAGES images. */
struct thread_ws {
	struct nn_gemm gemm;
	float *x0;         /* CNHW input of the shard */
	float **act;       /* act[i]: output of layer i, CNHW */
	float **xt;        /* FC layers with a spatial input: X^T kept for backward */
	uint32_t **argmax; /* max-pooling layers */
	float **col;       /* conv layers: the unrolled input, kept for backward */
	float *dcol;       /* conv backward workspace (shared) */
	float *dxt;        /* FC backward workspace */
	float *grad_a, *grad_b; /* dL/dy and dL/dx ping-pong */
	double loss[NN_SHARD_IMAGES]; /* per-image losses of the current shard */
};

/* Gradients and results of one shard of the current job. */
struct shard {
	float **wgrad, **bgrad; /* per layer; shard 0 points at the model's grads */
	float *block;           /* owned storage of wgrad/bgrad (NULL for shard 0) */
	double loss;            /* summed in image order */
	uint64_t correct;
};

struct nn_workspace {
	struct nn_model *m;
	uint32_t n_threads;
	struct thread_ws *t;
	uint32_t n_shards_max; /* shard slots: backprop batches and forward chunks */
	struct shard *shards;
	pthread_t *threads;
	uint32_t n_started;
	pthread_barrier_t start, mid, done; /* mid: shards done, reduction may start */
	bool barriers;
	pthread_mutex_t gate; /* held while workers are being started */
	bool abort_start;     /* set when not every worker could be started */
	/* the current job */
	enum job_kind kind;
	const float *images;   /* first image of the chunk */
	const uint8_t *labels; /* first label of the chunk, or NULL */
	uint32_t n;            /* images in the chunk */
	uint32_t n_shards;     /* shards in the chunk */
	float scale;           /* loss-gradient scale: 1 / batch */
	float *logits;         /* chunk's logits, or NULL */
	int io_layer;
	float *io_in, *io_out; /* chunk's activation copies, or NULL */
};

/* Geometry of layer l over a shard of n images. */
static struct nn_conv_geom layer_geom(const struct wl_layer *l, uint32_t n)
{
	return (struct nn_conv_geom){
		.n = n, .c = l->in.c, .h = l->in.h, .w = l->in.w,
		.m = l->out.c, .k = l->kernel, .stride = l->stride, .pad = l->padding,
		.groups = l->type == WL_CONV ? l->groups : 1, .e = l->out.h, .f = l->out.w,
	};
}

/* Forward pass of n images through layers 0..last. With quant (inference
 * only), the input of each CONV/FC layer is quantised in place first: the
 * buffer is the previous layer's output, which no backward pass will read. */
static void shard_forward(const struct nn_model *m, struct thread_ws *t, uint32_t n, int last,
			  bool quant)
{
	float *x = t->x0;
	for (int i = 0; i <= last; i++) {
		const struct nn_layer *L = &m->layers[i];
		const struct wl_layer *l = L->wl;
		struct nn_conv_geom g = layer_geom(l, n);
		if (quant && m->act_bits && L->weight.n)
			nn_act_quantize(x, wl_shape_size(l->in) * n, m->act_bits, L->act_range,
					L->act_signed);
		switch (l->type) {
		case WL_CONV:
			nn_conv_forward(&t->gemm, &g, x, L->weight.value, L->bias.value, t->act[i],
					t->col[i]);
			break;
		case WL_FC:
			nn_fc_forward(&t->gemm, n, l->in.c, l->in.h * l->in.w, l->out.c, x,
				      L->weight.value, L->bias.value, t->act[i], t->xt[i]);
			break;
		case WL_MAXPOOL:
			nn_maxpool_forward(&g, x, t->act[i], t->argmax[i]);
			break;
		case WL_AVGPOOL:
			nn_avgpool_forward(&g, x, t->act[i]);
			break;
		case WL_RELU:
			nn_relu_forward(wl_shape_size(l->out) * n, x, t->act[i]);
			break;
		default: /* rejected by nn_model_init */
			break;
		}
		x = t->act[i];
	}
}

/* Backward pass of n images into shard sh's gradients; t->grad_a holds
 * dL/dlogits on entry. */
static void shard_backward(const struct nn_model *m, struct thread_ws *t, uint32_t n,
			   const struct shard *sh)
{
	float *dy = t->grad_a, *dx = t->grad_b;
	for (int i = m->n_layers - 1; i >= 0; i--) {
		const struct nn_layer *L = &m->layers[i];
		const struct wl_layer *l = L->wl;
		struct nn_conv_geom g = layer_geom(l, n);
		const float *x = i > 0 ? t->act[i - 1] : t->x0;
		float *dxi = i > 0 ? dx : NULL;
		switch (l->type) {
		case WL_CONV:
			nn_conv_backward(&t->gemm, &g, x, L->weight.value, dy, sh->wgrad[i],
					 sh->bgrad[i], dxi, t->col[i], t->dcol);
			break;
		case WL_FC:
			nn_fc_backward(&t->gemm, n, l->in.c, l->in.h * l->in.w, l->out.c, x, t->xt[i],
				       L->weight.value, dy, sh->wgrad[i], sh->bgrad[i], dxi, t->dxt);
			break;
		case WL_MAXPOOL:
			if (dxi)
				nn_maxpool_backward(&g, t->argmax[i], dy, dxi);
			break;
		case WL_AVGPOOL:
			if (dxi)
				nn_avgpool_backward(&g, dy, dxi);
			break;
		case WL_RELU:
			if (dxi)
				nn_relu_backward(wl_shape_size(l->out) * n, t->act[i], dy, dxi);
			break;
		default:
			break;
		}
		float *tmp = dy;
		dy = dx;
		dx = tmp;
	}
}

/* Copies n images NCHW (c channels of hw) into CNHW, or back when to_cnhw is
 * false; dst/src of the NCHW side point at the shard's first image. */
static void permute(uint32_t n, uint32_t c, uint64_t hw, const float *src, float *dst,
		    bool to_cnhw)
{
	for (uint32_t ci = 0; ci < c; ci++)
		for (uint32_t ni = 0; ni < n; ni++) {
			uint64_t nchw = ((uint64_t)ni * c + ci) * hw, cnhw = ((uint64_t)ci * n + ni) * hw;
			if (to_cnhw)
				memcpy(dst + cnhw, src + nchw, hw * sizeof *dst);
			else
				memcpy(dst + nchw, src + cnhw, hw * sizeof *dst);
		}
}

/* Runs shard si of the current job on thread ti's buffers. */
static void run_shard(struct nn_workspace *ws, uint32_t ti, uint32_t si)
{
	struct nn_model *m = ws->m;
	struct thread_ws *t = &ws->t[ti];
	struct shard *sh = &ws->shards[si];
	const uint64_t n0 = (uint64_t)si * NN_SHARD_IMAGES;
	const uint32_t n = ws->n - n0 < NN_SHARD_IMAGES ? (uint32_t)(ws->n - n0) : NN_SHARD_IMAGES;
	sh->loss = 0.0;
	sh->correct = 0;
	const struct wl_tensor_shape in = m->net.input;
	permute(n, in.c, (uint64_t)in.h * in.w, ws->images + n0 * wl_shape_size(in), t->x0, true);
	const uint8_t *labels = ws->labels ? ws->labels + n0 : NULL;
	const int last = m->n_layers - 1;
	if (ws->kind == JOB_BACKPROP) {
		shard_forward(m, t, n, last, false);
		nn_softmax_xent(n, m->n_classes, t->act[last], labels, ws->scale, t->grad_a,
				t->loss, &sh->correct);
		shard_backward(m, t, n, sh);
	} else {
		const int upto = ws->logits || labels ? last : ws->io_layer;
		shard_forward(m, t, n, upto, true);
		if (labels)
			nn_softmax_xent(n, m->n_classes, t->act[last], labels, 0.0f, NULL, t->loss,
					&sh->correct);
		if (ws->logits)
			for (uint32_t k = 0; k < m->n_classes; k++)
				for (uint32_t i = 0; i < n; i++)
					ws->logits[(n0 + i) * m->n_classes + k] =
						t->act[last][(uint64_t)k * n + i];
		if (ws->io_layer >= 0) {
			const struct wl_layer *l = m->layers[ws->io_layer].wl;
			const float *x = ws->io_layer > 0 ? t->act[ws->io_layer - 1] : t->x0;
			if (ws->io_in)
				permute(n, l->in.c, (uint64_t)l->in.h * l->in.w, x,
					ws->io_in + n0 * wl_shape_size(l->in), false);
			if (ws->io_out)
				permute(n, l->out.c, (uint64_t)l->out.h * l->out.w,
					t->act[ws->io_layer], ws->io_out + n0 * wl_shape_size(l->out),
					false);
		}
	}
	for (uint32_t i = 0; labels && i < n; i++)
		sh->loss += t->loss[i];
}

/* Thread ti's share of the gradient reduction: for its range of every
 * parameter tensor, adds shards 1.. to shard 0's gradients (which are the
 * model's) in shard order, then zeroes masked entries. The order of additions
 * per value depends on neither the thread count nor the thread doing them. */
static void reduce_part(struct nn_workspace *ws, uint32_t ti)
{
	struct nn_model *m = ws->m;
	for (int i = 0; i < m->n_layers; i++) {
		struct nn_param *ps[2] = {&m->layers[i].weight, &m->layers[i].bias};
		for (int k = 0; k < 2; k++) {
			struct nn_param *p = ps[k];
			const uint64_t lo = p->n * ti / ws->n_threads;
			const uint64_t hi = p->n * (ti + 1) / ws->n_threads;
			for (uint32_t s = 1; s < ws->n_shards; s++) {
				const float *g = k ? ws->shards[s].bgrad[i] : ws->shards[s].wgrad[i];
				for (uint64_t j = lo; j < hi; j++)
					p->grad[j] += g[j];
			}
			/* grad * (0 or 1) + 0.0f: exactly +0.0 when pruned, and
			 * branch-free so that the loop vectorises. */
			for (uint64_t j = lo; p->mask && j < hi; j++)
				p->grad[j] = p->grad[j] * (float)p->mask[j] + 0.0f;
		}
	}
}

/* Runs thread ti's part of the current job (the caller synchronises). */
static void run_part(struct nn_workspace *ws, uint32_t ti)
{
	for (uint32_t si = ti; si < ws->n_shards; si += ws->n_threads)
		run_shard(ws, ti, si);
	if (ws->kind != JOB_BACKPROP)
		return;
	if (ws->n_threads > 1)
		pthread_barrier_wait(&ws->mid);
	reduce_part(ws, ti);
}

struct worker_arg {
	struct nn_workspace *ws;
	uint32_t index;
};

static void *worker_main(void *arg)
{
	struct nn_workspace *ws = ((struct worker_arg *)arg)->ws;
	uint32_t index = ((struct worker_arg *)arg)->index;
	free(arg);
	pthread_mutex_lock(&ws->gate);
	bool abort_start = ws->abort_start;
	pthread_mutex_unlock(&ws->gate);
	if (abort_start)
		return NULL;
	for (;;) {
		pthread_barrier_wait(&ws->start);
		if (ws->kind == JOB_STOP)
			return NULL;
		run_part(ws, index);
		pthread_barrier_wait(&ws->done);
	}
}

/* Runs the job described in ws on every thread and waits for all of them. */
static void run_job(struct nn_workspace *ws)
{
	if (ws->n_threads > 1)
		pthread_barrier_wait(&ws->start);
	if (ws->kind == JOB_STOP)
		return;
	run_part(ws, 0);
	if (ws->n_threads > 1)
		pthread_barrier_wait(&ws->done);
}

void nn_workspace_free(struct nn_workspace *ws, int n_layers)
{
	if (!ws)
		return;
	if (ws->n_started) {
		ws->kind = JOB_STOP;
		pthread_barrier_wait(&ws->start);
		for (uint32_t i = 0; i < ws->n_started; i++)
			pthread_join(ws->threads[i], NULL);
	}
	if (ws->barriers) {
		pthread_barrier_destroy(&ws->start);
		pthread_barrier_destroy(&ws->mid);
		pthread_barrier_destroy(&ws->done);
		pthread_mutex_destroy(&ws->gate);
	}
	for (uint32_t ti = 0; ws->t && ti < ws->n_threads; ti++) {
		struct thread_ws *t = &ws->t[ti];
		for (int i = 0; i < n_layers; i++) {
			if (t->act)
				free(t->act[i]);
			if (t->xt)
				free(t->xt[i]);
			if (t->argmax)
				free(t->argmax[i]);
			if (t->col)
				free(t->col[i]);
		}
		free(t->act);
		free(t->xt);
		free(t->argmax);
		free(t->x0);
		free(t->col);
		free(t->dcol);
		free(t->dxt);
		free(t->grad_a);
		free(t->grad_b);
		nn_gemm_deinit(&t->gemm);
	}
	for (uint32_t si = 0; ws->shards && si < ws->n_shards_max; si++) {
		free(ws->shards[si].wgrad);
		free(ws->shards[si].bgrad);
		free(ws->shards[si].block);
	}
	free(ws->shards);
	free(ws->t);
	free(ws->threads);
	free(ws);
}

/* Allocates thread ti's buffers for shards of up to NN_SHARD_IMAGES images. */
static int thread_ws_alloc(struct nn_model *m, struct nn_workspace *ws, uint32_t ti,
			   struct sim_err *err)
{
	struct thread_ws *t = &ws->t[ti];
	const uint64_t s = NN_SHARD_IMAGES;
	const int nl = m->n_layers;
	uint64_t col = 1, dxt = 1, grad = wl_shape_size(m->net.input) * s;
	if (nn_gemm_init(&t->gemm, m->gemm_backend, m->gemm_isa, err))
		return err->code;
	t->act = sim_calloc((size_t)nl, sizeof *t->act, err);
	t->xt = t->act ? sim_calloc((size_t)nl, sizeof *t->xt, err) : NULL;
	t->argmax = t->xt ? sim_calloc((size_t)nl, sizeof *t->argmax, err) : NULL;
	t->col = t->argmax ? sim_calloc((size_t)nl, sizeof *t->col, err) : NULL;
	t->x0 = t->col ? sim_malloc(wl_shape_size(m->net.input) * s * sizeof *t->x0, err) : NULL;
	if (!t->x0)
		return err->code;
	for (int i = 0; i < nl; i++) {
		const struct wl_layer *l = m->layers[i].wl;
		uint64_t out = wl_shape_size(l->out) * s;
		grad = out > grad ? out : grad;
		if (!(t->act[i] = sim_malloc(out * sizeof(float), err)))
			return err->code;
		if (l->type == WL_CONV) {
			struct nn_conv_geom g = layer_geom(l, (uint32_t)s);
			uint64_t c = nn_conv_col_floats(&g);
			col = c > col ? c : col;
			if (!(t->col[i] = sim_malloc(c * sizeof(float), err)))
				return err->code;
		}
		if (l->type == WL_FC && l->in.h * l->in.w > 1) {
			uint64_t k = wl_shape_size(l->in) * s;
			dxt = k > dxt ? k : dxt;
			if (!(t->xt[i] = sim_malloc(k * sizeof(float), err)))
				return err->code;
		}
		if (l->type == WL_MAXPOOL &&
		    !(t->argmax[i] = sim_malloc(out * sizeof(uint32_t), err)))
			return err->code;
	}
	t->dcol = sim_malloc(col * sizeof *t->dcol, err);
	t->dxt = t->dcol ? sim_malloc(dxt * sizeof *t->dxt, err) : NULL;
	t->grad_a = t->dxt ? sim_malloc(grad * sizeof *t->grad_a, err) : NULL;
	t->grad_b = t->grad_a ? sim_malloc(grad * sizeof *t->grad_b, err) : NULL;
	return t->grad_b ? 0 : err->code;
}

/* Points shard si's gradients at the model's (si == 0) or at a block of its
 * own; only shards a backprop batch can reach get a block. */
static int shard_alloc(struct nn_model *m, struct nn_workspace *ws, uint32_t si,
		       uint32_t backprop_shards, struct sim_err *err)
{
	struct shard *sh = &ws->shards[si];
	const int nl = m->n_layers;
	sh->wgrad = sim_calloc((size_t)nl, sizeof *sh->wgrad, err);
	sh->bgrad = sh->wgrad ? sim_calloc((size_t)nl, sizeof *sh->bgrad, err) : NULL;
	if (!sh->bgrad)
		return err->code;
	if (si >= backprop_shards)
		return 0;
	uint64_t total = 0;
	for (int i = 0; si > 0 && i < nl; i++)
		total += m->layers[i].weight.n + m->layers[i].bias.n;
	if (total && !(sh->block = sim_malloc(total * sizeof *sh->block, err)))
		return err->code;
	float *next = sh->block;
	for (int i = 0; i < nl; i++) {
		const struct nn_layer *L = &m->layers[i];
		if (si == 0) {
			sh->wgrad[i] = L->weight.grad;
			sh->bgrad[i] = L->bias.grad;
			continue;
		}
		sh->wgrad[i] = L->weight.n ? next : NULL;
		next += L->weight.n;
		sh->bgrad[i] = L->bias.n ? next : NULL;
		next += L->bias.n;
	}
	return 0;
}

int nn_workspace_init(struct nn_model *m, struct sim_err *err)
{
	struct nn_workspace *ws = sim_calloc(1, sizeof *ws, err);
	if (!ws)
		return err->code;
	m->ws = ws;
	ws->m = m;
	ws->n_threads = m->n_threads;
	ws->io_layer = -1;
	const uint32_t backprop_shards = (m->max_batch + NN_SHARD_IMAGES - 1) / NN_SHARD_IMAGES;
	ws->n_shards_max = backprop_shards > NN_FORWARD_SHARDS ? backprop_shards : NN_FORWARD_SHARDS;
	ws->t = sim_calloc(ws->n_threads, sizeof *ws->t, err);
	ws->shards = ws->t ? sim_calloc(ws->n_shards_max, sizeof *ws->shards, err) : NULL;
	if (!ws->shards)
		return err->code;
	for (uint32_t ti = 0; ti < ws->n_threads; ti++)
		if (thread_ws_alloc(m, ws, ti, err))
			return err->code;
	for (uint32_t si = 0; si < ws->n_shards_max; si++)
		if (shard_alloc(m, ws, si, backprop_shards, err))
			return err->code;
	if (m->gemm_backend == NN_GEMM_OPENBLAS)
		openblas_set_num_threads(1);
	if (ws->n_threads == 1)
		return 0;
	if (pthread_mutex_init(&ws->gate, NULL))
		return sim_err_set(err, SIM_ERR_INTERNAL, NULL, 0, 0, "cannot create a mutex");
	if (pthread_barrier_init(&ws->start, NULL, ws->n_threads)) {
		pthread_mutex_destroy(&ws->gate);
		return sim_err_set(err, SIM_ERR_INTERNAL, NULL, 0, 0, "cannot create a barrier");
	}
	if (pthread_barrier_init(&ws->mid, NULL, ws->n_threads)) {
		pthread_barrier_destroy(&ws->start);
		pthread_mutex_destroy(&ws->gate);
		return sim_err_set(err, SIM_ERR_INTERNAL, NULL, 0, 0, "cannot create a barrier");
	}
	if (pthread_barrier_init(&ws->done, NULL, ws->n_threads)) {
		pthread_barrier_destroy(&ws->mid);
		pthread_barrier_destroy(&ws->start);
		pthread_mutex_destroy(&ws->gate);
		return sim_err_set(err, SIM_ERR_INTERNAL, NULL, 0, 0, "cannot create a barrier");
	}
	ws->barriers = true;
	ws->threads = sim_calloc(ws->n_threads - 1, sizeof *ws->threads, err);
	if (!ws->threads)
		return err->code;
	/* Workers pass the gate only once all of them exist; if one cannot be
	 * started, the others see abort_start and exit instead of waiting on a
	 * barrier that would never fill. */
	pthread_mutex_lock(&ws->gate);
	uint32_t started = 0;
	for (uint32_t i = 1; i < ws->n_threads && !ws->abort_start; i++) {
		struct worker_arg *a = sim_malloc(sizeof *a, err);
		if (a) {
			a->ws = ws;
			a->index = i;
			if (pthread_create(&ws->threads[i - 1], NULL, worker_main, a) == 0) {
				started++;
				continue;
			}
			free(a);
			sim_err_set(err, SIM_ERR_INTERNAL, NULL, 0, 0, "cannot start thread %u", i);
		}
		ws->abort_start = true;
	}
	pthread_mutex_unlock(&ws->gate);
	if (ws->abort_start) {
		for (uint32_t i = 0; i < started; i++)
			pthread_join(ws->threads[i], NULL);
		return err->code;
	}
	ws->n_started = started;
	return 0;
}

int nn_workspace_set_gemm(struct nn_workspace *ws, enum nn_gemm_backend backend, enum sim_isa isa,
			  struct sim_err *err)
{
	for (uint32_t ti = 0; ti < ws->n_threads; ti++) {
		nn_gemm_deinit(&ws->t[ti].gemm);
		if (nn_gemm_init(&ws->t[ti].gemm, backend, isa, err))
			return err->code;
	}
	if (backend == NN_GEMM_OPENBLAS)
		openblas_set_num_threads(1);
	return 0;
}

/* Sums the shards' losses and correct counts of the last job, in shard order. */
static void sum_shards(const struct nn_workspace *ws, double *loss, uint64_t *correct)
{
	for (uint32_t si = 0; si < ws->n_shards; si++) {
		*loss += ws->shards[si].loss;
		*correct += ws->shards[si].correct;
	}
}

void nn_workspace_backprop(struct nn_workspace *ws, const float *images, const uint8_t *labels,
			   uint32_t n, double *loss_sum, uint64_t *correct)
{
	ws->kind = JOB_BACKPROP;
	ws->images = images;
	ws->labels = labels;
	ws->n = n;
	ws->n_shards = (n + NN_SHARD_IMAGES - 1) / NN_SHARD_IMAGES;
	ws->scale = 1.0f / (float)n;
	ws->logits = NULL;
	ws->io_layer = -1;
	run_job(ws);
	double loss = 0.0;
	uint64_t ok = 0;
	sum_shards(ws, &loss, &ok);
	if (loss_sum)
		*loss_sum = loss;
	if (correct)
		*correct = ok;
}

void nn_workspace_forward(struct nn_workspace *ws, const float *images, const uint8_t *labels,
			  uint64_t n, float *logits, int layer, float *in, float *out,
			  double *loss_sum, uint64_t *correct)
{
	const struct nn_model *m = ws->m;
	const uint64_t img = wl_shape_size(m->net.input);
	double loss = 0.0;
	uint64_t ok = 0;
	const uint64_t chunk = (uint64_t)NN_FORWARD_SHARDS * NN_SHARD_IMAGES;
	for (uint64_t s = 0; s < n; s += chunk) {
		uint32_t c = (uint32_t)(n - s < chunk ? n - s : chunk);
		ws->kind = JOB_FORWARD;
		ws->images = images + s * img;
		ws->labels = labels ? labels + s : NULL;
		ws->n = c;
		ws->n_shards = (c + NN_SHARD_IMAGES - 1) / NN_SHARD_IMAGES;
		ws->logits = logits ? logits + s * m->n_classes : NULL;
		ws->io_layer = layer;
		ws->io_in = in && layer >= 0 ? in + s * wl_shape_size(m->layers[layer].wl->in) : NULL;
		ws->io_out = out && layer >= 0 ? out + s * wl_shape_size(m->layers[layer].wl->out) : NULL;
		run_job(ws);
		sum_shards(ws, &loss, &ok);
	}
	ws->io_layer = -1;
	if (loss_sum)
		*loss_sum = loss;
	if (correct)
		*correct = ok;
}
