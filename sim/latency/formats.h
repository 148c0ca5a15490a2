/* One CONV/FC layer at batch 1 in the storage formats whose CPU latency
 * `esim latency` measures. Every format computes, for each output m and
 * output position p (one position for an FC layer),
 *     y[m][p] = bias[m] + sum_k W[m][k] X[k][p],
 * where W[m][k] is the layer's weight matrix per group (k = c*R*S + r*S + s
 * for a CONV layer, the flattened input for an FC layer) and X is the input
 * (an FC layer's input vector, or a CONV layer's unrolled input: im2col).
 *
 *   dense   every weight; esim's own kernels: a GEMV with eight partial sums
 *           per row (FC) and the trainer's fixed-order GEMM (nn/gemm.h) on
 *           the unrolled input (CONV)
 *   blas    every weight; OpenBLAS cblas_sgemv (FC) and cblas_sgemm (CONV)
 *   csr     compressed sparse rows: a float and a 32-bit column per kept
 *           weight, a 32-bit start per row; a gathered dot product per row
 *           (FC), an axpy of an input row per kept weight (CONV)
 *   simd    Scalpel's SIMD-aware format: per kept group of simd_width
 *           aligned weights one 32-bit column and simd_width floats, so a
 *           group is one vector load and one vector multiply-add
 *   node    node pruning: the dense kernel on the kept rows only (outputs of
 *           removed nodes are not computed: the network is smaller)
 *   dc      Deep Compression's format decoded while computing (the way EIE
 *           reads it): per row, entries of an ibits relative index (zeros
 *           skipped since the previous entry, a filler entry bridging longer
 *           runs) and a codebook code, the weight being codebook[code]
 *
 * The sparse formats keep what the mask keeps: csr and dc single weights,
 * simd every group with a kept weight (zeros inside a kept group are
 * stored), node every row with a kept weight. The dc codebook is the
 * layer's distinct kept values when there are at most LAT_DC_MAX_EXACT of
 * them (weights already shared, as in a decoded .esz), else 2^dc_wbits
 * k-means centroids (linear initialisation), so its outputs are those of the
 * weights as coded (lat_weights_effective). */
#ifndef SIM_LATENCY_FORMATS_H
#define SIM_LATENCY_FORMATS_H

#include <stdint.h>

#include "core/err.h"
#include "nn/gemm.h"
#include "workload/network.h"

enum lat_format {
	LAT_DENSE,
	LAT_BLAS,
	LAT_CSR,
	LAT_SIMD,
	LAT_NODE,
	LAT_DC,
	LAT_FORMAT_COUNT
};
extern const char *const lat_format_names[LAT_FORMAT_COUNT];

/* Largest codebook taken as it is (8-bit codes of a Deep Compression file). */
#define LAT_DC_MAX_EXACT 256

/* Geometry of a CONV/FC layer at batch 1. */
struct lat_layer {
	struct wl_conv_shape s; /* per group: M outputs, C inputs; padded H x W */
	uint32_t pad;
	int conv;               /* 0: FC */
	uint32_t rows;          /* G * M */
	uint32_t cols;          /* K = C * R * S per group */
	uint32_t positions;     /* P = E * F (1 for FC) */
	uint64_t in_floats;     /* the input: C*G * (H - 2 pad) * (W - 2 pad), or K for FC */
};

void lat_layer_init(struct lat_layer *l, const struct wl_layer *wl);

/* Parameters of the formats that take any. */
struct lat_format_opts {
	uint32_t simd_width; /* simd: weights per group, 1..64 */
	unsigned dc_wbits;   /* dc: k-means codebook of 2^dc_wbits entries, 1..8 */
	unsigned dc_ibits;   /* dc: relative-index bits, 1..8 */
};

/* A layer in one format; the members a format uses. */
struct lat_weights {
	enum lat_format format;
	struct lat_layer l;
	uint32_t simd_width;
	float *w;           /* dense, blas: [rows][cols]; node: [kept rows][cols] */
	float *bias;        /* [rows] (node: kept rows), or NULL */
	uint32_t out_rows;  /* rows of y: rows, or the kept rows for node */
	uint32_t *row_of;   /* node: the original row of each kept row */
	uint32_t *ptr;      /* csr, simd, dc: [rows + 1] entry starts */
	uint32_t *idx;      /* csr: column; simd: first column of the group */
	float *val;         /* csr: one per entry; simd: simd_width per group */
	uint8_t *gap;       /* dc: zeros skipped before the entry */
	uint16_t *code;     /* dc: codebook index; k = a filler (weight 0) */
	float *codebook;    /* dc: k + 1 floats, the last 0 */
	uint32_t k;
	uint64_t entries;   /* stored weights / groups / entries (fillers included) */
	uint64_t bytes;     /* the format's size: weights, indices, pointers, codebook */
};

/* Per-call buffers for one layer (caller-allocated, then lat_work_init). */
struct lat_work {
	float *col;         /* conv: the unrolled input [G][K][P] */
	struct nn_gemm gemm;
};

int lat_work_init(struct lat_work *ws, const struct lat_layer *l, struct sim_err *err);
void lat_work_deinit(struct lat_work *ws);

/* Builds layer l in format fmt from dense weights w ([rows][cols]), mask (1
 * kept; NULL: all kept) and bias (NULL: none). Caller releases f with
 * lat_weights_deinit, also after failure. */
int lat_weights_init(struct lat_weights *f, enum lat_format fmt, const struct lat_layer *l,
		     const float *w, const uint8_t *mask, const float *bias,
		     const struct lat_format_opts *o, struct sim_err *err);
void lat_weights_deinit(struct lat_weights *f);

/* The dense weights f computes with ([rows][cols], zeros where it stores
 * none; removed node rows are zero): the reference for its outputs. */
void lat_weights_effective(const struct lat_weights *f, float *w);

/* One batch-1 inference of the layer: x holds l.in_floats values (CONV: CHW
 * without padding), y receives out_rows x positions values. */
void lat_run(const struct lat_weights *f, struct lat_work *ws, const float *x, float *y);

#endif
