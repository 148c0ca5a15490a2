/* Low-rank factorisation of CONV/FC layers by truncated SVD (Denton et al.,
 * NIPS 2014; Jaderberg et al., BMVC 2014; the low-rank baseline of the
 * compression surveys). A layer's weight matrix per group, W[M][K] (M outputs,
 * K = C*R*S inputs in the trainer's order), is W = U S V^T; keeping the r
 * largest singular values gives the best rank-r approximation in the
 * Frobenius norm (Eckart-Young), and the layer becomes two:
 *     first  W1 = sqrt(S_r) V_r^T   [r][K]   (same kernel, stride, padding)
 *     second W2 = U_r sqrt(S_r)     [M][r]   (FC, or a 1x1 CONV, with the bias)
 * For a CONV layer this is the "channel" factorisation: the first factor is
 * an R x S convolution with r output maps per group, the second mixes them
 * back to M maps. (Jaderberg's vertical R x 1 / horizontal 1 x S split needs
 * non-square kernels, which the network format does not have.) The pair stores
 * r (M + K) weights instead of M K, so only r < M K / (M + K) saves any.
 *
 * The SVD comes from GSL's cyclic Jacobi eigensolver (gsl_eigen_jacobi, Golub
 * and Van Loan's Algorithm 8.4.3) applied to the smaller Gram matrix, W W^T or
 * W^T W, whose eigenvalues are the squared singular values and eigenvectors
 * one side's singular vectors; the other side follows as W^T u / s (or
 * W v / s). Not gsl_linalg_SV_decomp: that routine goes through CBLAS, which
 * is OpenBLAS here and chooses its kernels by CPU, and the factors it gave
 * differed in sign and last bits between OpenBLAS's Haswell and Prescott
 * kernels (OPENBLAS_CORETYPE), while the sweep's numbers must be the same on
 * every x86-64 CPU. gsl_eigen_jacobi is plain C (its only libm call, hypot,
 * has no CPU-specific variant in glibc), and the Gram products are summed
 * in a fixed order. Squaring the matrix costs the small singular values
 * relative precision, which a truncation to the largest ones does not use.
 * Each singular vector's sign is fixed (its largest entry positive). Cost:
 * 12 Jacobi sweeps of 1.5 n^3 each, n = min(M, K); about 4 s for LeNet-5's
 * ip1 (n = 500) on this machine, too slow for AlexNet's FC layers. */
#ifndef SIM_COMPRESS_LOWRANK_H
#define SIM_COMPRESS_LOWRANK_H

#include <stdint.h>

#include "core/err.h"
#include "nn/model.h"

/* The SVD of one layer, per group g: W_g = left_g diag(s_g) right_g^T. */
struct cmp_svd {
	uint32_t groups;
	uint32_t rows, cols; /* M and K of one group */
	uint32_t n;          /* min(rows, cols): singular values per group */
	double *left;        /* owned: [groups][rows][n] */
	double *s;           /* owned: [groups][n], descending */
	double *right;       /* owned: [groups][cols][n] */
};

/* Decomposes the weights of CONV/FC layer L (masked weights count as 0).
 * Caller releases d with cmp_svd_deinit, also after failure. */
int cmp_svd_init(struct cmp_svd *d, const struct nn_layer *L, struct sim_err *err);
void cmp_svd_deinit(struct cmp_svd *d);

/* Writes the rank-r approximation (1 <= r <= n) into w, in the layer's
 * weight layout. */
void cmp_svd_approx(const struct cmp_svd *d, uint32_t r, float *w);

/* Largest rank whose two factors hold fewer weights than the layer (0 when
 * none does): the largest r with r (M + K) < M K per group. */
uint32_t cmp_lowrank_max_rank(const struct wl_layer *l);

/* Builds in out (nn_model_init with max_batch and n_threads; caller releases
 * it, also after failure) m with every CONV/FC layer i whose rank[i] > 0
 * replaced by its two factors at that rank (wl_network_factor names them
 * "<name>_v" and "<name>_u"); other layers are copied with their masks. */
int cmp_lowrank_factor(const struct nn_model *m, const uint32_t *rank, uint32_t max_batch,
		       uint32_t n_threads, struct nn_model *out, struct sim_err *err);

#endif
