/* The trainer's workspace (internal to sim/nn): per-thread buffers and worker
 * threads that run a model's passes in shards of NN_SHARD_IMAGES images with
 * a summation order independent of the thread count (see workspace.c). */
#ifndef SIM_NN_WORKSPACE_H
#define SIM_NN_WORKSPACE_H

#include <stdint.h>

#include "core/err.h"
#include "core/isa.h"
#include "nn/gemm.h"
#include "nn/model.h"

/* Allocates m->ws for m's layers, max_batch and n_threads and starts the
 * workers; on failure the caller frees with nn_workspace_free. */
int nn_workspace_init(struct nn_model *m, struct sim_err *err);
void nn_workspace_free(struct nn_workspace *ws, int n_layers);
int nn_workspace_set_gemm(struct nn_workspace *ws, enum nn_gemm_backend backend, enum sim_isa isa,
			  struct sim_err *err);

/* One training step's forward and backward pass over n images (n <= the
 * model's max_batch); gradients (mean over the batch, masked) land in the
 * model's parameters. */
void nn_workspace_backprop(struct nn_workspace *ws, const float *images, const uint8_t *labels,
			   uint32_t n, double *loss_sum, uint64_t *correct);

/* A forward pass over n images in chunks of a fixed number of shards: loss
 * and correct count when labels are given, logits when logits is set, and
 * layer's input and output (NCHW per image) into in/out when layer >= 0. */
void nn_workspace_forward(struct nn_workspace *ws, const float *images, const uint8_t *labels,
			  uint64_t n, float *logits, int layer, float *in, float *out,
			  double *loss_sum, uint64_t *correct);

#endif
