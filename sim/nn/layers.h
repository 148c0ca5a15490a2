/* Layer kernels of the trainer: forward and backward passes on raw buffers.
 *
 * Activation layout is "CNHW": for a batch of N images an activation tensor
 * of C channels of H x W is stored as x[c][n][h][w]. In this layout a
 * convolution over the whole batch is one GEMM per group,
 *     Y_g[M/G][N*E*F] = W_g[M/G][C/G*R*S] * col_g[C/G*R*S][N*E*F],
 * and a fully connected layer is Y[M][N] = W[M][K] * X^T[K][N], so the output
 * of every weighted layer is already in CNHW order for the next layer.
 * Weight layouts are the Eyeriss ones: CONV W[g][m][c][r][s] (m, c per group),
 * FC W[m][k] with k = (c*H + h)*W + w, the flattening order of an NCHW image.
 *
 * All functions are pure on their arguments (no allocation, no globals; the
 * GEMM state gm is the calling thread's), so each trainer thread calls them
 * on its own shard of the batch. Every reduction runs in a fixed order
 * (gemm.h), so results do not depend on the CPU. Backward
 * functions OVERWRITE their dw/db outputs (the trainer reduces per-thread
 * gradients itself) and dx when it is not NULL. */
#ifndef SIM_NN_LAYERS_H
#define SIM_NN_LAYERS_H

#include <stdbool.h>
#include <stdint.h>

#include "nn/gemm.h"

/* Geometry of a convolution (or pooling) over a batch of n images. */
struct nn_conv_geom {
	uint32_t n;           /* images in the batch slice */
	uint32_t c, h, w;     /* input channels (all groups) and unpadded size */
	uint32_t m;           /* output channels (all groups); pools: m == c */
	uint32_t k;           /* square kernel side R = S */
	uint32_t stride, pad; /* stride U and zero padding on each side */
	uint32_t groups;      /* G; 1 for pools */
	uint32_t e, f;        /* output height and width */
};

/* Floats of the im2col workspace a convolution with geometry g needs (its
 * groups are unrolled side by side). */
uint64_t nn_conv_col_floats(const struct nn_conv_geom *g);

/* y = conv(x, wt) + bias (bias may be NULL). col is a workspace of
 * nn_conv_col_floats(g) floats. x: [c][n][h][w]; y: [m][n][e][f]. */
void nn_conv_forward(struct nn_gemm *gm, const struct nn_conv_geom *g, const float *x,
		     const float *wt, const float *bias, float *y, float *col);
/* Given dy, writes dw (same layout as wt), db (if not NULL) and dx (if not
 * NULL). col must still hold what nn_conv_forward left in it for this x (the
 * unrolled input, reused rather than recomputed); dcol is a second workspace
 * of the same size, for dx. */
void nn_conv_backward(struct nn_gemm *gm, const struct nn_conv_geom *g, const float *x,
		      const float *wt, const float *dy, float *dw, float *db, float *dx,
		      const float *col, float *dcol);

/* Fully connected layer over n images with k = c*h*w inputs and m outputs.
 * x: [c][n][h*w] (CNHW); y: [m][n]. xt is a workspace of k*n floats that holds
 * X^T[k][n] (unused when h*w == 1: x already is X^T). */
void nn_fc_forward(struct nn_gemm *gm, uint32_t n, uint32_t c, uint32_t hw, uint32_t m,
		   const float *x, const float *wt, const float *bias, float *y, float *xt);
/* Backward of nn_fc_forward; xt must still hold what forward put there (when
 * hw > 1); dx (if not NULL) is written in CNHW. dxt is a k*n workspace
 * (unused when hw == 1). */
void nn_fc_backward(struct nn_gemm *gm, uint32_t n, uint32_t c, uint32_t hw, uint32_t m,
		    const float *x, const float *xt, const float *wt, const float *dy, float *dw,
		    float *db, float *dx, float *dxt);

/* Max pooling on g->c * g->n independent planes. argmax ([c][n][e][f]) records
 * the winning input offset within its plane for the backward pass; padded
 * positions never win. */
void nn_maxpool_forward(const struct nn_conv_geom *g, const float *x, float *y, uint32_t *argmax);
void nn_maxpool_backward(const struct nn_conv_geom *g, const uint32_t *argmax, const float *dy,
			 float *dx);
/* Average pooling; the divisor is always k*k (padding counts as zeros). */
void nn_avgpool_forward(const struct nn_conv_geom *g, const float *x, float *y);
void nn_avgpool_backward(const struct nn_conv_geom *g, const float *dy, float *dx);

/* Uniform quantisation of count activations in place to `bits` bits over
 * [0, range] (unsigned: 2^bits - 1 steps) or [-range, range] (signed:
 * 2^(bits-1) - 1 steps per side); values outside are clamped. */
void nn_act_quantize(float *x, uint64_t count, uint32_t bits, float range, bool is_signed);

/* y = max(x, 0) over count values; backward passes dy where y > 0. */
void nn_relu_forward(uint64_t count, const float *x, float *y);
void nn_relu_backward(uint64_t count, const float *y, const float *dy, float *dx);

/* Softmax cross-entropy over n samples of `classes` logits stored z[class][n].
 * Writes each sample's loss -log softmax(z_i)[label_i] (natural log, by
 * det_exp/det_log) to loss[i] (if not NULL) and adds to *correct (if not
 * NULL) the samples whose arg-max logit is the label (ties: the lowest class
 * wins). When dz is not NULL it receives scale * (softmax(z) - onehot(label)),
 * scale usually 1 / batch size. */
void nn_softmax_xent(uint32_t n, uint32_t classes, const float *z, const uint8_t *labels,
		     float scale, float *dz, double *loss, uint64_t *correct);

#endif
