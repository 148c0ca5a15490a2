/* The fixed-order micro-kernel, instantiated once per instruction set by
 * gemm.c, which defines GEMM_KERNEL_NAME, GEMM_KERNEL_TARGET, GEMM_VEC_FLOATS
 * (floats per vector), GEMM_MR (rows of the tile) and GEMM_STRIP_VECS
 * (vectors per row held at once) before each inclusion (not a header of its
 * own).
 *
 * It updates a GEMM_MR x 16 tile of C from a GEMM_MR-row sliver of op(A) (row
 * stride rs, column stride cs) and a packed 16-column panel of B (kc rows of
 * 16 floats): for each k in order, c_ij = c_ij + a_ik * b_kj. Each lane of
 * each vector is one IEEE float multiply and one add, so every instantiation
 * produces the same bits; the shape of the tile (rows x vectors) is chosen
 * per instruction set only so that its accumulators fill the vector register
 * file. Rows past mr read row 0 and columns past nr read the panel's zero
 * padding; neither is stored. */

static GEMM_KERNEL_TARGET void GEMM_KERNEL_NAME(uint32_t kc, const float *a, size_t rs, size_t cs,
						uint32_t mr, const float *restrict bp, float *c,
						size_t ldc, uint32_t nr, bool load)
{
	enum { VW = GEMM_VEC_FLOATS, MRK = GEMM_MR, SV = GEMM_STRIP_VECS, STRIP = SV * VW };
	_Static_assert(16 % STRIP == 0, "a strip must divide the 16-column panel");
	typedef float vec __attribute__((vector_size(VW * sizeof(float))));
	const float *ar[MRK];
#pragma GCC unroll 16
	for (int i = 0; i < MRK; i++)
		ar[i] = a + ((uint32_t)i < mr ? (size_t)i * rs : 0);
	float tile[MRK][16];
	const bool full = mr == MRK && nr == 16;
	if (!full) {
		memset(tile, 0, sizeof tile);
		for (uint32_t i = 0; load && i < mr; i++)
			memcpy(tile[i], c + i * ldc, nr * sizeof(float));
	}
	float *t = full ? c : tile[0];
	const size_t ldt = full ? ldc : 16;
	for (uint32_t j = 0; j < 16; j += STRIP) {
		vec acc[MRK][SV];
#pragma GCC unroll 16
		for (int i = 0; i < MRK; i++)
#pragma GCC unroll 4
			for (int v = 0; v < SV; v++) {
				if (load || !full)
					memcpy(&acc[i][v], t + i * ldt + j + v * VW, sizeof(vec));
				else
					acc[i][v] = (vec){0};
			}
		const float *b = bp + j;
		for (uint32_t k = 0; k < kc; k++, b += 16) {
			vec bv[SV];
#pragma GCC unroll 4
			for (int v = 0; v < SV; v++)
				memcpy(&bv[v], b + v * VW, sizeof(vec));
			const size_t o = k * cs;
#pragma GCC unroll 16
			for (int i = 0; i < MRK; i++) {
				const float x = ar[i][o];
#pragma GCC unroll 4
				for (int v = 0; v < SV; v++)
					acc[i][v] += x * bv[v];
			}
		}
#pragma GCC unroll 16
		for (int i = 0; i < MRK; i++)
#pragma GCC unroll 4
			for (int v = 0; v < SV; v++)
				memcpy(t + i * ldt + j + v * VW, &acc[i][v], sizeof(vec));
	}
	for (uint32_t i = 0; !full && i < mr; i++)
		memcpy(c + i * ldc, tile[i], nr * sizeof(float));
}
