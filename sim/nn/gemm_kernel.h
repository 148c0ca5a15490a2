/* The fixed-order micro-kernel, instantiated once per instruction set by
 * gemm.c, which defines GEMM_KERNEL_NAME and GEMM_KERNEL_TARGET before each
 * inclusion (not a header of its own).
 *
 * It updates a 4 x 16 tile of C from a 4-row sliver of op(A) (row stride rs,
 * column stride cs) and a packed 16-column panel of B (kc rows of 16 floats):
 * for each k in order, c_ij = c_ij + a_ik * b_kj. The tile is held in GCC
 * vectors of GEMM_VEC_FLOATS floats (8 for AVX2, 4 for SSE2); each lane is one
 * IEEE float multiply and one add, so every instantiation produces the same
 * bits. Rows past mr read row 0 and columns past nr read the panel's zero
 * padding; neither is stored. */

static GEMM_KERNEL_TARGET void GEMM_KERNEL_NAME(uint32_t kc, const float *a, size_t rs, size_t cs,
						uint32_t mr, const float *restrict bp, float *c,
						size_t ldc, uint32_t nr, bool load)
{
	/* Columns are done in strips of two vectors (16 floats with AVX2, 8 with
	 * SSE2), eight accumulators each: what fits the 16 vector registers. */
	enum { VW = GEMM_VEC_FLOATS, STRIP = 2 * GEMM_VEC_FLOATS };
	typedef float vec __attribute__((vector_size(VW * sizeof(float))));
	const float *a0 = a, *a1 = a + (mr > 1 ? rs : 0);
	const float *a2 = a + (mr > 2 ? 2 * rs : 0), *a3 = a + (mr > 3 ? 3 * rs : 0);
	float tile[4][16];
	const bool full = mr == 4 && nr == 16;
	if (!full) {
		memset(tile, 0, sizeof tile);
		for (uint32_t i = 0; load && i < mr; i++)
			memcpy(tile[i], c + i * ldc, nr * sizeof(float));
	}
	float *t = full ? c : tile[0];
	const size_t ldt = full ? ldc : 16;
	for (uint32_t j = 0; j < 16; j += STRIP) {
		vec c00 = {0}, c01 = {0}, c10 = {0}, c11 = {0};
		vec c20 = {0}, c21 = {0}, c30 = {0}, c31 = {0};
		float *t0 = t + j, *t1 = t0 + ldt, *t2 = t1 + ldt, *t3 = t2 + ldt;
		if (load || !full) {
			memcpy(&c00, t0, sizeof c00);
			memcpy(&c01, t0 + VW, sizeof c01);
			memcpy(&c10, t1, sizeof c10);
			memcpy(&c11, t1 + VW, sizeof c11);
			memcpy(&c20, t2, sizeof c20);
			memcpy(&c21, t2 + VW, sizeof c21);
			memcpy(&c30, t3, sizeof c30);
			memcpy(&c31, t3 + VW, sizeof c31);
		}
		const float *b = bp + j;
		for (uint32_t k = 0; k < kc; k++, b += 16) {
			vec b0, b1;
			memcpy(&b0, b, sizeof b0);
			memcpy(&b1, b + VW, sizeof b1);
			const size_t o = k * cs;
			const float x0 = a0[o], x1 = a1[o], x2 = a2[o], x3 = a3[o];
			c00 += x0 * b0;
			c01 += x0 * b1;
			c10 += x1 * b0;
			c11 += x1 * b1;
			c20 += x2 * b0;
			c21 += x2 * b1;
			c30 += x3 * b0;
			c31 += x3 * b1;
		}
		memcpy(t0, &c00, sizeof c00);
		memcpy(t0 + VW, &c01, sizeof c01);
		memcpy(t1, &c10, sizeof c10);
		memcpy(t1 + VW, &c11, sizeof c11);
		memcpy(t2, &c20, sizeof c20);
		memcpy(t2 + VW, &c21, sizeof c21);
		memcpy(t3, &c30, sizeof c30);
		memcpy(t3 + VW, &c31, sizeof c31);
	}
	for (uint32_t i = 0; !full && i < mr; i++)
		memcpy(c + i * ldc, tile[i], nr * sizeof(float));
}
