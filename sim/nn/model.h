/* Trainable models built from a network description (sim/workload/network.h).
 *
 * The trainer runs chain networks (every layer reads its predecessor) made of
 * CONV, FC, MAXPOOL, AVGPOOL and RELU layers; the last layer's output is the
 * logits of a softmax cross-entropy loss. Every CONV/FC layer has a weight
 * tensor with a mask and an optional bias; the layouts are the Eyeriss ones
 * (CONV W[g][m][c][r][s], FC W[m][k], see layers.h), so the simulator and the
 * compression module index weights exactly as the trainer stores them.
 *
 * Masks: a weight whose mask byte is 0 is pruned. The model keeps it exactly
 * 0.0f: nn_model_apply_masks zeroes it, nn_model_backprop zeroes its
 * gradient, and the optimiser (train.h) never moves it.
 *
 * Threads and reproducibility: a model owns n_threads - 1 worker threads; a
 * batch is cut into shards of NN_SHARD_IMAGES images, a constant, which the
 * threads take in turn; each shard has its own gradients, summed in shard
 * order. Every product runs through the fixed-order GEMM (gemm.h) and every
 * exp/log through detmath.h, so for the same inputs the results are the same
 * bits at any thread count and on any x86-64 CPU. */
#ifndef SIM_NN_MODEL_H
#define SIM_NN_MODEL_H

#include <stdbool.h>
#include <stdint.h>

#include <gsl/gsl_rng.h>

#include "core/err.h"
#include "nn/gemm.h"
#include "workload/network.h"

/* Images per shard of a batch: the unit of work of a thread and of the
 * gradient summation order. */
enum { NN_SHARD_IMAGES = 16 };

/* One parameter tensor. */
struct nn_param {
	uint64_t n;      /* number of values; 0 when the layer has no such tensor */
	float *value;    /* owned */
	float *grad;     /* owned: dL/dvalue from the last nn_model_backprop (batch mean) */
	float *velocity; /* owned: SGD momentum buffer (train.h) */
	uint8_t *mask;   /* owned, weights only (NULL for biases): 1 keep, 0 pruned */
};

struct nn_layer {
	const struct wl_layer *wl; /* borrowed from nn_model.net */
	struct nn_param weight;    /* CONV/FC only */
	struct nn_param bias;      /* CONV/FC with bias only */
	float act_range;           /* CONV/FC input range for activation quantisation */
	bool act_signed;           /* the input has negative values (e.g. a normalised image) */
};

struct nn_workspace; /* per-thread activations, gradients and the worker pool */

struct nn_model {
	struct wl_network net; /* owned deep copy of the description */
	int n_layers;          /* == net.n_layers */
	struct nn_layer *layers; /* owned; layers[i] is net.layers[i] */
	uint32_t max_batch;    /* largest batch nn_model_backprop takes */
	uint32_t n_threads;
	uint32_t n_classes;    /* output channels of the last layer */
	uint32_t act_bits;     /* simulated activation bits at inference; 0 = float */
	enum nn_gemm_backend gemm_backend; /* NN_GEMM_FIXED unless nn_model_set_gemm */
	enum sim_isa gemm_isa;         /* sim_isa_detect() unless nn_model_set_gemm */
	struct nn_workspace *ws; /* owned */
};

enum nn_init {
	NN_INIT_HE,     /* He et al. 2015: normal, std = sqrt(2 / fan_in) */
	NN_INIT_XAVIER, /* Glorot & Bengio 2010: uniform +-sqrt(6 / (fan_in + fan_out)) */
	NN_INIT_COUNT
};
extern const char *const nn_init_names[NN_INIT_COUNT];

/* Builds a model of net (deep-copied: net stays the caller's) with a
 * workspace for training batches of up to max_batch images (forward passes
 * take any number) on n_threads threads (>= 1).
 * Weights are zero and masks all 1 until nn_model_init_weights. Fails with a
 * config error positioned at the offending layer when the network is not a
 * chain or has a layer type the trainer does not support. Caller releases
 * with nn_model_deinit (also after a failed init). */
int nn_model_init(struct nn_model *m, const struct wl_network *net, uint32_t max_batch,
		  uint32_t n_threads, struct sim_err *err);
void nn_model_deinit(struct nn_model *m);

/* Moves the model in src to dst (dst holds no model): the workspace's worker
 * threads refer to the model by address, so a struct copy alone would leave
 * them reading src. src is left empty. */
void nn_model_move(struct nn_model *dst, struct nn_model *src);

/* Switches the products to another backend or instruction set: the
 * benchmark's comparison with OpenBLAS, and the tests' check that every
 * instruction set gives the same bits. On failure the model is unusable
 * (release it). */
int nn_model_set_gemm(struct nn_model *m, enum nn_gemm_backend backend, enum sim_isa isa,
		      struct sim_err *err);

/* Draws every weight from the scheme (fan_in = C/G*R*S, fan_out = M/G*R*S),
 * sets biases to 0, zeroes velocities, then re-applies the masks. */
void nn_model_init_weights(struct nn_model *m, enum nn_init scheme, gsl_rng *rng);

/* Zeroes every masked weight (and its velocity). */
void nn_model_apply_masks(struct nn_model *m);

/* Forward and backward pass over n (1 to max_batch) images, NCHW floats
 * (n * net.input.c*h*w), with labels in [0, n_classes). Fills every param's
 * grad with the gradient of the MEAN loss over the n images (no weight decay:
 * that is the optimiser's), masked entries 0. Returns the summed loss in
 * *loss_sum and the number of correct arg-max predictions in *correct (either
 * may be NULL). */
void nn_model_backprop(struct nn_model *m, const float *images, const uint8_t *labels, uint32_t n,
		       double *loss_sum, uint64_t *correct);

/* Forward pass only over n images (any n).
 * Returns the summed loss and correct count as above (labels may be NULL:
 * then loss and correct are 0). When logits is not NULL it receives the
 * last layer's outputs as logits[i * n_classes + class]. */
void nn_model_forward(struct nn_model *m, const float *images, const uint8_t *labels, uint64_t n,
		      double *loss_sum, uint64_t *correct, float *logits);

/* Forward pass over n images (any n), copying the input and output
 * activations of layer `layer` (in [0, n_layers)), in NCHW order per image,
 * into in (n * in.c*in.h*in.w floats) and out (n * out.c*out.h*out.w
 * floats); either may be NULL. For energy-aware pruning (activation
 * densities) and for tests. */
void nn_model_layer_io(struct nn_model *m, const float *images, uint64_t n, int layer, float *in,
		       float *out);

/* Calls visit(ctx, i, in, count) for every CONV/FC layer i with its input
 * activations over the n images (count floats, NCHW per image, as
 * nn_model_layer_io gives them; the buffer is reused between calls). */
typedef void (*nn_input_visitor)(void *ctx, int layer, const float *in, uint64_t count);
int nn_model_visit_inputs(struct nn_model *m, const float *images, uint64_t n,
			  nn_input_visitor visit, void *ctx, struct sim_err *err);

/* Simulated activation quantisation at inference: from now on the input of
 * every CONV/FC layer is quantised to `bits` bits in forward-only passes
 * (nn_model_forward, nn_evaluate, nn_model_layer_io), never in training. Each
 * layer's range is the largest input magnitude over the n calibration images
 * (measured in float); inputs with negative values use a symmetric range.
 * bits 0 switches quantisation off. */
int nn_model_set_act_quant(struct nn_model *m, uint32_t bits, const float *images, uint64_t n,
			   struct sim_err *err);

/* Total values in weight tensors, and those with mask 1. */
uint64_t nn_model_weights(const struct nn_model *m);
uint64_t nn_model_weights_kept(const struct nn_model *m);

/* FNV-1a 64-bit hash of the network's structure (input shape; per layer:
 * type, shapes, kernel, stride, padding, groups, bias). Layer names, the file
 * name and its formatting do not count. Checkpoints record it. */
uint64_t nn_network_hash(const struct wl_network *net);

#endif
