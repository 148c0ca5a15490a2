/* Fixed-order single-precision GEMM (see gemm.h), in the BLIS layout (Van Zee
 * & van de Geijn 2015, "BLIS: a framework for rapidly instantiating BLAS
 * functionality"): C is cut into tiles of 16 columns (4 or 8 rows); for each
 * block of 256 columns and 256 k values, op(B) is packed into 16-column
 * panels (zero-padded), and a micro-kernel (gemm_kernel.h) updates each tile
 * from a sliver of op(A), read in place through its strides. Blocking only
 * decides when a partial sum is stored to C and read back, which is exact, so
 * every c_ij still sees its products in the order k = 0, 1, ..., k-1.
 *
 * The micro-kernel is compiled for the x86-64 baseline (SSE2), AVX2 and
 * AVX-512F; no variant uses FMA (the build passes -ffp-contract=off), so all
 * of them compute the same bits, and the choice only changes speed. */
#include "nn/gemm.h"

#include <stdlib.h>
#include <string.h>
#include <xmmintrin.h>

#include <gsl/gsl_cblas.h>

#include "core/mem.h"

const char *const nn_gemm_backend_names[NN_GEMM_BACKEND_COUNT] = {"fixed", "openblas"};
_Static_assert(NN_GEMM_BACKEND_COUNT == 2, "nn_gemm_backend_names must list every backend");
/* Tile rows per instruction set: 4 x 16 floats is 16 SSE2 registers (done in
 * two strips of 8 accumulators) or 8 AVX2 registers; with AVX-512's 32
 * registers, 8 rows of one 16-float vector. The panel width NR, hence the
 * packing, is the same for all. */
enum { NR = 16, KC = 256, NC = 256 };
static const uint32_t tile_rows[SIM_ISA_COUNT] = {4, 4, 8};

#define GEMM_KERNEL_NAME kernel_sse2
#define GEMM_KERNEL_TARGET
#define GEMM_VEC_FLOATS 4
#define GEMM_MR 4
#define GEMM_STRIP_VECS 2
#include "nn/gemm_kernel.h"
#undef GEMM_KERNEL_NAME
#undef GEMM_KERNEL_TARGET
#undef GEMM_VEC_FLOATS
#undef GEMM_MR
#undef GEMM_STRIP_VECS

#define GEMM_KERNEL_NAME kernel_avx2
#define GEMM_KERNEL_TARGET __attribute__((target("avx2")))
#define GEMM_VEC_FLOATS 8
#define GEMM_MR 4
#define GEMM_STRIP_VECS 2
#include "nn/gemm_kernel.h"
#undef GEMM_KERNEL_NAME
#undef GEMM_KERNEL_TARGET
#undef GEMM_VEC_FLOATS
#undef GEMM_MR
#undef GEMM_STRIP_VECS

#define GEMM_KERNEL_NAME kernel_avx512
#define GEMM_KERNEL_TARGET __attribute__((target("avx512f")))
#define GEMM_VEC_FLOATS 16
#define GEMM_MR 8
#define GEMM_STRIP_VECS 1
#include "nn/gemm_kernel.h"
#undef GEMM_KERNEL_NAME
#undef GEMM_KERNEL_TARGET
#undef GEMM_VEC_FLOATS
#undef GEMM_MR
#undef GEMM_STRIP_VECS

typedef void (*micro_kernel)(uint32_t kc, const float *a, size_t rs, size_t cs, uint32_t mr,
			     const float *restrict bp, float *c, size_t ldc, uint32_t nr,
			     bool load);
static const micro_kernel kernels[SIM_ISA_COUNT] = {kernel_sse2, kernel_avx2, kernel_avx512};

int nn_gemm_init(struct nn_gemm *g, enum nn_gemm_backend backend, enum sim_isa isa,
		 struct sim_err *err)
{
	g->backend = backend;
	g->isa = isa;
	g->pack = sim_malloc((size_t)KC * NC * sizeof *g->pack, err);
	return g->pack ? 0 : err->code;
}

void nn_gemm_deinit(struct nn_gemm *g)
{
	free(g->pack);
	g->pack = NULL;
}

static float mat_at(const struct nn_mat *x, uint32_t i, uint32_t j)
{
	return x->trans ? x->p[(size_t)j * x->ld + i] : x->p[(size_t)i * x->ld + j];
}

/* Packs a panel from a transposed op(B): panel row kk holds src_j[kk] for
 * the panel's w columns j, where src_j = p + j * ld. Whole 4 x 4 blocks go
 * through SSE registers (plain copies, so exact; SSE is the x86-64
 * baseline), the rest one value at a time. */
static void pack_panel_trans(const float *p, size_t ld, uint32_t kc, uint32_t w, float *panel)
{
	uint32_t j = 0;
	for (; j + 4 <= w; j += 4) {
		const float *s0 = p + j * ld, *s1 = s0 + ld, *s2 = s1 + ld, *s3 = s2 + ld;
		uint32_t kk = 0;
		for (; kk + 4 <= kc; kk += 4) {
			__m128 r0 = _mm_loadu_ps(s0 + kk), r1 = _mm_loadu_ps(s1 + kk);
			__m128 r2 = _mm_loadu_ps(s2 + kk), r3 = _mm_loadu_ps(s3 + kk);
			_MM_TRANSPOSE4_PS(r0, r1, r2, r3);
			float *d = panel + (size_t)kk * NR + j;
			_mm_storeu_ps(d, r0);
			_mm_storeu_ps(d + NR, r1);
			_mm_storeu_ps(d + 2 * NR, r2);
			_mm_storeu_ps(d + 3 * NR, r3);
		}
		for (; kk < kc; kk++) {
			float *d = panel + (size_t)kk * NR + j;
			d[0] = s0[kk];
			d[1] = s1[kk];
			d[2] = s2[kk];
			d[3] = s3[kk];
		}
	}
	for (; j < w; j++)
		for (uint32_t kk = 0; kk < kc; kk++)
			panel[(size_t)kk * NR + j] = p[j * ld + kk];
}

/* Packs rows [k0, k0 + kc) and columns [j0, j0 + nc) of op(B) into panels of
 * NR columns: panel q holds kc rows of NR floats, columns past nc zero. */
static void pack_b(const struct nn_mat *b, uint32_t k0, uint32_t kc, uint32_t j0, uint32_t nc,
		   float *dst)
{
	for (uint32_t q = 0; q < nc; q += NR) {
		const uint32_t w = nc - q < NR ? nc - q : NR;
		float *panel = dst + (size_t)q * kc;
		if (w < NR)
			memset(panel, 0, (size_t)kc * NR * sizeof *panel);
		if (b->trans)
			pack_panel_trans(b->p + (size_t)(j0 + q) * b->ld + k0, b->ld, kc, w, panel);
		else if (w == NR) /* a constant size: inline vector moves, not rep movs */
			for (uint32_t kk = 0; kk < kc; kk++)
				memcpy(panel + kk * NR, b->p + (size_t)(k0 + kk) * b->ld + j0 + q,
				       NR * sizeof *panel);
		else
			for (uint32_t kk = 0; kk < kc; kk++)
				memcpy(panel + kk * NR, b->p + (size_t)(k0 + kk) * b->ld + j0 + q,
				       w * sizeof *panel);
	}
}

void nn_gemm(struct nn_gemm *g, uint32_t m, uint32_t n, uint32_t k, struct nn_mat a,
	     struct nn_mat b, float *c, uint32_t ldc, bool accumulate)
{
	if (m == 0 || n == 0)
		return;
	if (g->backend == NN_GEMM_OPENBLAS) {
		cblas_sgemm(CblasRowMajor, a.trans ? CblasTrans : CblasNoTrans,
			    b.trans ? CblasTrans : CblasNoTrans, (int)m, (int)n, (int)k, 1.0f, a.p,
			    (int)a.ld, b.p, (int)b.ld, accumulate ? 1.0f : 0.0f, c, (int)ldc);
		return;
	}
	if (k == 0) {
		for (uint32_t i = 0; !accumulate && i < m; i++)
			memset(c + (size_t)i * ldc, 0, n * sizeof *c);
		return;
	}
	const micro_kernel kernel = kernels[g->isa];
	const uint32_t mr_tile = tile_rows[g->isa];
	const size_t rs = a.trans ? 1 : a.ld, cs = a.trans ? a.ld : 1;
	for (uint32_t j0 = 0; j0 < n; j0 += NC) {
		const uint32_t nc = n - j0 < NC ? n - j0 : NC;
		for (uint32_t k0 = 0; k0 < k; k0 += KC) {
			const uint32_t kc = k - k0 < KC ? k - k0 : KC;
			pack_b(&b, k0, kc, j0, nc, g->pack);
			for (uint32_t i0 = 0; i0 < m; i0 += mr_tile) {
				const uint32_t mr = m - i0 < mr_tile ? m - i0 : mr_tile;
				const float *ap = a.p + i0 * rs + k0 * cs;
				float *ci = c + (size_t)i0 * ldc + j0;
				for (uint32_t q = 0; q < nc; q += NR)
					kernel(kc, ap, rs, cs, mr, g->pack + (size_t)q * kc, ci + q,
					       ldc, nc - q < NR ? nc - q : NR, accumulate || k0 > 0);
			}
		}
	}
}

void nn_gemm_reference(uint32_t m, uint32_t n, uint32_t k, struct nn_mat a, struct nn_mat b,
		       float *c, uint32_t ldc, bool accumulate)
{
	for (uint32_t i = 0; i < m; i++)
		for (uint32_t j = 0; j < n; j++) {
			float s = accumulate ? c[(size_t)i * ldc + j] : 0.0f;
			for (uint32_t kk = 0; kk < k; kk++)
				s += mat_at(&a, i, kk) * mat_at(&b, kk, j);
			c[(size_t)i * ldc + j] = s;
		}
}
