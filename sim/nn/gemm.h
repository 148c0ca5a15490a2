/* Single-precision matrix products for the trainer, with a fixed summation
 * order.
 *
 * nn_gemm computes C = op(A) op(B) (or C += op(A) op(B)) where op(X) is X or
 * X^T, all row-major. With the fixed-order backend every entry is
 *     c_ij = (...((c0 + a_i0 b_0j) + a_i1 b_1j) + ...) + a_i,k-1 b_k-1,j,
 * each product and each sum rounded to float, c0 = +0 or the old c_ij: the
 * order of the reduction is that of k, whatever the vector width, cache
 * blocking or thread count, so the result is the same bits on every x86-64
 * CPU (IEEE-754 rounds each operation exactly; no FMA is ever used). The
 * OpenBLAS backend (cblas_sgemm) is kept for comparison in the benchmark:
 * its order depends on the CPU's kernel. */
#ifndef SIM_NN_GEMM_H
#define SIM_NN_GEMM_H

#include <stdbool.h>
#include <stdint.h>

#include "core/err.h"
#include "core/isa.h"

enum nn_gemm_backend {
	NN_GEMM_FIXED,    /* esim's kernels: fixed reduction order, bit-reproducible */
	NN_GEMM_OPENBLAS, /* cblas_sgemm: the CPU decides the order */
	NN_GEMM_BACKEND_COUNT
};
extern const char *const nn_gemm_backend_names[NN_GEMM_BACKEND_COUNT];

/* Per-thread state of the products: the backend, the instruction set and a
 * packing buffer (owned). */
struct nn_gemm {
	enum nn_gemm_backend backend;
	enum sim_isa isa;
	float *pack;
};

/* Allocates the packing buffer; caller releases with nn_gemm_deinit. */
int nn_gemm_init(struct nn_gemm *g, enum nn_gemm_backend backend, enum sim_isa isa,
		 struct sim_err *err);
void nn_gemm_deinit(struct nn_gemm *g);

/* A row-major matrix operand: op(X)[i][j] = trans ? p[j * ld + i] : p[i * ld + j]. */
struct nn_mat {
	const float *p;
	uint32_t ld;
	bool trans;
};

/* C[m][n] (row stride ldc) = op(A)[m][k] op(B)[k][n], or C += ... when
 * accumulate. k == 0 leaves C (or zeroes it when not accumulating). */
void nn_gemm(struct nn_gemm *g, uint32_t m, uint32_t n, uint32_t k, struct nn_mat a,
	     struct nn_mat b, float *c, uint32_t ldc, bool accumulate);

/* The reference: the same order as NN_GEMM_FIXED, one entry at a time. For
 * tests. */
void nn_gemm_reference(uint32_t m, uint32_t n, uint32_t k, struct nn_mat a, struct nn_mat b,
		       float *c, uint32_t ldc, bool accumulate);

#endif
