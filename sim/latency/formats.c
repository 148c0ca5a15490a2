/* Storage formats of a layer and their batch-1 kernels (see formats.h).
 *
 * The hot loops are compiled twice, for the x86-64 baseline and for AVX2
 * (GCC target_clones picks one when the program loads), as a library would
 * ship them. The dense GEMV and the SIMD-group kernel hold partial sums in
 * GCC vectors of 8 (or simd_width) floats; the CONV kernels are axpys over
 * the output positions, which the compiler vectorises. None of this is on a
 * path whose result esim records: latency is measured, never fed back. */
#include "latency/formats.h"

#include <assert.h>
#include <gsl/gsl_cblas.h>
#include <stdlib.h>
#include <string.h>

#include "compress/kmeans.h"
#include "core/mem.h"

const char *const lat_format_names[LAT_FORMAT_COUNT] = {"dense", "blas", "csr",
							"simd", "node", "dc"};
static_assert(LAT_FORMAT_COUNT == 6, "one name per format");

#define HOT __attribute__((target_clones("avx2", "default")))

typedef float v8 __attribute__((vector_size(8 * sizeof(float))));

void lat_layer_init(struct lat_layer *l, const struct wl_layer *wl)
{
	memset(l, 0, sizeof *l);
	l->s = wl_layer_conv_shape(wl);
	l->conv = wl->type == WL_CONV;
	l->pad = l->conv ? wl->padding : 0;
	l->rows = l->s.G * l->s.M;
	l->cols = l->s.C * l->s.R * l->s.S;
	l->positions = l->s.E * l->s.F;
	l->in_floats = l->conv ? (uint64_t)l->s.G * l->s.C * (l->s.H - 2 * l->pad) *
					 (l->s.W - 2 * l->pad)
			       : l->cols;
}

int lat_work_init(struct lat_work *ws, const struct lat_layer *l, struct sim_err *err)
{
	memset(ws, 0, sizeof *ws);
	uint64_t n = l->conv ? (uint64_t)l->s.G * l->cols * l->positions : 1;
	if (!(ws->col = sim_malloc(n * sizeof *ws->col, err)))
		return SIM_ERR_NOMEM;
	return nn_gemm_init(&ws->gemm, NN_GEMM_FIXED, sim_isa_detect(), err);
}

void lat_work_deinit(struct lat_work *ws)
{
	free(ws->col);
	nn_gemm_deinit(&ws->gemm);
	memset(ws, 0, sizeof *ws);
}

void lat_weights_deinit(struct lat_weights *f)
{
	free(f->w);
	free(f->bias);
	free(f->row_of);
	free(f->ptr);
	free(f->idx);
	free(f->val);
	free(f->gap);
	free(f->code);
	free(f->codebook);
	memset(f, 0, sizeof *f);
}

static float masked(const float *w, const uint8_t *mask, uint64_t i)
{
	return !mask || mask[i] ? w[i] : 0.0f;
}

static bool row_kept(const uint8_t *mask, uint64_t row, uint32_t cols)
{
	for (uint32_t k = 0; k < cols; k++)
		if (!mask || mask[row * cols + k])
			return true;
	return false;
}

/* ---- building the formats ------------------------------------------------ */

static int build_dense(struct lat_weights *f, const float *w, const uint8_t *mask,
		       struct sim_err *err)
{
	const struct lat_layer *l = &f->l;
	f->w = sim_malloc((uint64_t)l->rows * l->cols * sizeof *f->w, err);
	f->row_of = sim_malloc(l->rows * sizeof *f->row_of, err);
	if (!f->w || !f->row_of)
		return SIM_ERR_NOMEM;
	uint32_t r = 0;
	for (uint32_t m = 0; m < l->rows; m++) {
		if (f->format == LAT_NODE && !row_kept(mask, m, l->cols))
			continue;
		for (uint32_t k = 0; k < l->cols; k++)
			f->w[(uint64_t)r * l->cols + k] = masked(w, mask, (uint64_t)m * l->cols + k);
		f->row_of[r++] = m;
	}
	if (r == 0) { /* a node-pruned layer keeps one node, as pruning keeps one group */
		memset(f->w, 0, l->cols * sizeof *f->w);
		f->row_of[r++] = 0;
	}
	f->out_rows = r;
	f->entries = (uint64_t)r * l->cols;
	f->bytes = f->entries * sizeof(float);
	return 0;
}

static int build_csr(struct lat_weights *f, const float *w, const uint8_t *mask,
		     struct sim_err *err)
{
	const struct lat_layer *l = &f->l;
	uint64_t nnz = 0, n = (uint64_t)l->rows * l->cols;
	for (uint64_t i = 0; i < n; i++)
		nnz += !mask || mask[i];
	f->ptr = sim_malloc((l->rows + 1) * sizeof *f->ptr, err);
	f->idx = sim_malloc((nnz ? nnz : 1) * sizeof *f->idx, err);
	f->val = sim_malloc((nnz ? nnz : 1) * sizeof *f->val, err);
	if (!f->ptr || !f->idx || !f->val)
		return SIM_ERR_NOMEM;
	uint32_t e = 0;
	for (uint32_t m = 0; m < l->rows; m++) {
		f->ptr[m] = e;
		for (uint32_t k = 0; k < l->cols; k++) {
			uint64_t i = (uint64_t)m * l->cols + k;
			if (!mask || mask[i]) {
				f->idx[e] = k;
				f->val[e++] = w[i];
			}
		}
	}
	f->ptr[l->rows] = e;
	f->entries = nnz;
	f->bytes = nnz * (sizeof(float) + sizeof(uint32_t)) + (l->rows + 1) * sizeof(uint32_t);
	return 0;
}

static int build_simd(struct lat_weights *f, const float *w, const uint8_t *mask,
		      uint32_t width, struct sim_err *err)
{
	const struct lat_layer *l = &f->l;
	f->simd_width = width;
	uint64_t groups = 0;
	for (uint32_t m = 0; m < l->rows; m++)
		for (uint32_t c0 = 0; c0 < l->cols; c0 += width)
			for (uint32_t k = c0; k < c0 + width && k < l->cols; k++)
				if (!mask || mask[(uint64_t)m * l->cols + k]) {
					groups++;
					break;
				}
	f->ptr = sim_malloc((l->rows + 1) * sizeof *f->ptr, err);
	f->idx = sim_malloc((groups ? groups : 1) * sizeof *f->idx, err);
	f->val = sim_calloc((groups ? groups : 1) * width, sizeof *f->val, err);
	if (!f->ptr || !f->idx || !f->val)
		return SIM_ERR_NOMEM;
	uint32_t g = 0;
	for (uint32_t m = 0; m < l->rows; m++) {
		f->ptr[m] = g;
		for (uint32_t c0 = 0; c0 < l->cols; c0 += width) {
			uint32_t c1 = c0 + width < l->cols ? c0 + width : l->cols;
			bool any = false;
			for (uint32_t k = c0; k < c1; k++)
				any |= !mask || mask[(uint64_t)m * l->cols + k];
			if (!any)
				continue;
			f->idx[g] = c0;
			for (uint32_t k = c0; k < c1; k++)
				f->val[(uint64_t)g * width + (k - c0)] =
					masked(w, mask, (uint64_t)m * l->cols + k);
			g++;
		}
	}
	f->ptr[l->rows] = g;
	f->entries = groups;
	f->bytes = groups * (sizeof(uint32_t) + width * sizeof(float)) +
		   (l->rows + 1) * sizeof(uint32_t);
	return 0;
}

static int cmp_float(const void *a, const void *b)
{
	float x = *(const float *)a, y = *(const float *)b;
	return (x > y) - (x < y);
}

/* The codebook of the kept weights and each kept weight's code. */
static int dc_codebook(struct lat_weights *f, const float *kept, uint64_t n, unsigned wbits,
		       uint32_t *assign, struct sim_err *err)
{
	uint32_t cap = 1u << wbits, exact_cap = LAT_DC_MAX_EXACT;
	float *sorted = sim_malloc((n ? n : 1) * sizeof *sorted, err);
	if (!sorted)
		return SIM_ERR_NOMEM;
	memcpy(sorted, kept, n * sizeof *sorted);
	qsort(sorted, n, sizeof *sorted, cmp_float);
	uint32_t distinct = 0;
	for (uint64_t i = 0; i < n && distinct <= exact_cap; i++)
		distinct += i == 0 || sorted[i] != sorted[i - 1];
	bool exact = distinct <= exact_cap;
	int rc = 0;
	f->k = exact ? distinct : cap;
	if (!(f->codebook = sim_calloc(f->k + 1, sizeof *f->codebook, err))) {
		rc = SIM_ERR_NOMEM;
	} else if (exact) {
		/* Already shared (a decoded .esz): the values themselves, exactly. */
		uint32_t j = 0;
		for (uint64_t i = 0; i < n; i++)
			if (i == 0 || sorted[i] != sorted[i - 1])
				f->codebook[j++] = sorted[i];
		for (uint64_t i = 0; i < n; i++)
			assign[i] = km_nearest(f->codebook, f->k, kept[i]);
	} else {
		rc = km_cluster(kept, n, f->k, KM_INIT_LINEAR, NULL, 100, f->codebook, assign, NULL,
				err);
	}
	free(sorted);
	return rc;
}

static int build_dc(struct lat_weights *f, const float *w, const uint8_t *mask,
		    const struct lat_format_opts *o, struct sim_err *err)
{
	const struct lat_layer *l = &f->l;
	uint64_t n = (uint64_t)l->rows * l->cols, nnz = 0;
	for (uint64_t i = 0; i < n; i++)
		nnz += !mask || mask[i];
	float *kept = sim_malloc((nnz ? nnz : 1) * sizeof *kept, err);
	uint32_t *assign = sim_malloc((nnz ? nnz : 1) * sizeof *assign, err);
	int rc = kept && assign ? 0 : SIM_ERR_NOMEM;
	uint64_t j = 0;
	for (uint64_t i = 0; !rc && i < n; i++)
		if (!mask || mask[i])
			kept[j++] = w[i];
	if (!rc)
		rc = dc_codebook(f, kept, nnz, o->dc_wbits, assign, err);
	/* Entries: each kept weight, plus a filler per 2^ibits zeros it skips
	 * beyond what one index can say. */
	uint32_t span = 1u << o->dc_ibits;
	uint64_t entries = 0;
	for (uint32_t m = 0; !rc && m < l->rows; m++) {
		uint32_t next = 0;
		for (uint32_t k = 0; k < l->cols; k++)
			if (!mask || mask[(uint64_t)m * l->cols + k]) {
				entries += 1 + (k - next) / span;
				next = k + 1;
			}
	}
	if (!rc) {
		f->ptr = sim_malloc((l->rows + 1) * sizeof *f->ptr, err);
		f->gap = sim_malloc((entries ? entries : 1) * sizeof *f->gap, err);
		f->code = sim_malloc((entries ? entries : 1) * sizeof *f->code, err);
		if (!f->ptr || !f->gap || !f->code)
			rc = SIM_ERR_NOMEM;
	}
	uint64_t e = 0;
	j = 0;
	for (uint32_t m = 0; !rc && m < l->rows; m++) {
		f->ptr[m] = (uint32_t)e;
		uint32_t next = 0;
		for (uint32_t k = 0; k < l->cols; k++) {
			if (mask && !mask[(uint64_t)m * l->cols + k])
				continue;
			uint32_t z = k - next;
			for (; z >= span; z -= span) { /* a filler: a zero at next + span - 1 */
				f->gap[e] = (uint8_t)(span - 1);
				f->code[e++] = (uint16_t)f->k;
			}
			f->gap[e] = (uint8_t)z;
			f->code[e++] = (uint16_t)assign[j++];
			next = k + 1;
		}
	}
	if (!rc) {
		f->ptr[l->rows] = (uint32_t)e;
		f->entries = entries;
		f->bytes = entries * (sizeof *f->gap + sizeof *f->code) +
			   (l->rows + 1) * sizeof(uint32_t) + (f->k + 1) * sizeof(float);
	}
	free(kept);
	free(assign);
	return rc;
}

int lat_weights_init(struct lat_weights *f, enum lat_format fmt, const struct lat_layer *l,
		     const float *w, const uint8_t *mask, const float *bias,
		     const struct lat_format_opts *o, struct sim_err *err)
{
	memset(f, 0, sizeof *f);
	f->format = fmt;
	f->l = *l;
	f->out_rows = l->rows;
	int rc;
	switch (fmt) {
	case LAT_DENSE:
	case LAT_BLAS:
	case LAT_NODE:
		rc = build_dense(f, w, mask, err);
		break;
	case LAT_CSR:
		rc = build_csr(f, w, mask, err);
		break;
	case LAT_SIMD:
		rc = build_simd(f, w, mask, o->simd_width, err);
		break;
	default:
		rc = build_dc(f, w, mask, o, err);
		break;
	}
	if (rc || !bias)
		return rc;
	if (!(f->bias = sim_malloc(f->out_rows * sizeof *f->bias, err)))
		return SIM_ERR_NOMEM;
	for (uint32_t r = 0; r < f->out_rows; r++)
		f->bias[r] = bias[f->row_of ? f->row_of[r] : r];
	f->bytes += f->out_rows * sizeof(float);
	return 0;
}

void lat_weights_effective(const struct lat_weights *f, float *w)
{
	const struct lat_layer *l = &f->l;
	memset(w, 0, (uint64_t)l->rows * l->cols * sizeof *w);
	switch (f->format) {
	case LAT_DENSE:
	case LAT_BLAS:
	case LAT_NODE:
		for (uint32_t r = 0; r < f->out_rows; r++)
			memcpy(w + (uint64_t)f->row_of[r] * l->cols, f->w + (uint64_t)r * l->cols,
			       l->cols * sizeof *w);
		break;
	case LAT_CSR:
		for (uint32_t m = 0; m < l->rows; m++)
			for (uint32_t e = f->ptr[m]; e < f->ptr[m + 1]; e++)
				w[(uint64_t)m * l->cols + f->idx[e]] = f->val[e];
		break;
	case LAT_SIMD:
		for (uint32_t m = 0; m < l->rows; m++)
			for (uint32_t g = f->ptr[m]; g < f->ptr[m + 1]; g++)
				for (uint32_t j = 0; j < f->simd_width && f->idx[g] + j < l->cols; j++)
					w[(uint64_t)m * l->cols + f->idx[g] + j] =
						f->val[(uint64_t)g * f->simd_width + j];
		break;
	default:
		for (uint32_t m = 0; m < l->rows; m++) {
			uint32_t col = 0;
			for (uint32_t e = f->ptr[m]; e < f->ptr[m + 1]; e++) {
				col += f->gap[e];
				w[(uint64_t)m * l->cols + col] += f->codebook[f->code[e]];
				col++;
			}
		}
		break;
	}
}

/* ---- kernels ------------------------------------------------------------- */

/* The unrolled input of every group: col[g][c*R*S + r*S + s][e*F + f]. */
static void im2col(const struct lat_layer *l, const float *x, float *col)
{
	const struct wl_conv_shape *s = &l->s;
	uint32_t h_in = s->H - 2 * l->pad, w_in = s->W - 2 * l->pad;
	float *out = col;
	for (uint32_t c = 0; c < s->G * s->C; c++)
		for (uint32_t r = 0; r < s->R; r++)
			for (uint32_t q = 0; q < s->S; q++)
				for (uint32_t e = 0; e < s->E; e++) {
					long h = (long)(e * s->U + r) - (long)l->pad;
					for (uint32_t f = 0; f < s->F; f++) {
						long v = (long)(f * s->U + q) - (long)l->pad;
						*out++ = h < 0 || v < 0 || h >= (long)h_in || v >= (long)w_in
								 ? 0.0f
								 : x[((uint64_t)c * h_in + (uint64_t)h) * w_in +
								     (uint64_t)v];
					}
				}
}

static float hsum8(v8 a)
{
	return ((a[0] + a[4]) + (a[1] + a[5])) + ((a[2] + a[6]) + (a[3] + a[7]));
}

HOT static void gemv_dense(uint32_t rows, uint32_t cols, const float *w, const float *x,
			   float *y)
{
	for (uint32_t m = 0; m < rows; m++) {
		const float *row = w + (uint64_t)m * cols;
		v8 acc = {0};
		uint32_t k = 0;
		for (; k + 8 <= cols; k += 8) {
			v8 a, b;
			memcpy(&a, row + k, sizeof a);
			memcpy(&b, x + k, sizeof b);
			acc += a * b;
		}
		float tail = 0;
		for (; k < cols; k++)
			tail += row[k] * x[k];
		y[m] = hsum8(acc) + tail;
	}
}

HOT static void axpy(uint32_t n, float a, const float *x, float *y)
{
	for (uint32_t i = 0; i < n; i++)
		y[i] += a * x[i];
}

HOT static void csr_fc(uint32_t rows, const uint32_t *ptr, const uint32_t *idx, const float *val,
		       const float *x, float *y)
{
	for (uint32_t m = 0; m < rows; m++) {
		float a0 = 0, a1 = 0;
		uint32_t e = ptr[m], end = ptr[m + 1];
		for (; e + 2 <= end; e += 2) {
			a0 += val[e] * x[idx[e]];
			a1 += val[e + 1] * x[idx[e + 1]];
		}
		if (e < end)
			a0 += val[e] * x[idx[e]];
		y[m] = a0 + a1;
	}
}

/* One SIMD group of width W against x[c0..): a vector multiply-add. */
#define SIMD_FC(W)                                                                    \
	HOT static void simd_fc_##W(uint32_t rows, uint32_t cols, const uint32_t *ptr,   \
				    const uint32_t *idx, const float *val, const float *x,  \
				    float *y)                                               \
	{                                                                             \
		typedef float vw __attribute__((vector_size(W * sizeof(float))));    \
		for (uint32_t m = 0; m < rows; m++) {                                 \
			vw acc = {0};                                                 \
			float tail = 0;                                               \
			for (uint32_t g = ptr[m]; g < ptr[m + 1]; g++) {              \
				const float *v = val + (uint64_t)g * W;               \
				if (idx[g] + W <= cols) {                             \
					vw a, b;                                      \
					memcpy(&a, v, sizeof a);                      \
					memcpy(&b, x + idx[g], sizeof b);             \
					acc += a * b;                                 \
				} else {                                              \
					for (uint32_t j = 0; idx[g] + j < cols; j++) \
						tail += v[j] * x[idx[g] + j];         \
				}                                                     \
			}                                                             \
			float s = tail;                                               \
			for (uint32_t j = 0; j < W; j++)                              \
				s += acc[j];                                          \
			y[m] = s;                                                     \
		}                                                                     \
	}
SIMD_FC(2)
SIMD_FC(4)
SIMD_FC(8)
SIMD_FC(16)

static void simd_fc_any(uint32_t rows, uint32_t cols, uint32_t width, const uint32_t *ptr,
			const uint32_t *idx, const float *val, const float *x, float *y)
{
	for (uint32_t m = 0; m < rows; m++) {
		float s = 0;
		for (uint32_t g = ptr[m]; g < ptr[m + 1]; g++)
			for (uint32_t j = 0; j < width && idx[g] + j < cols; j++)
				s += val[(uint64_t)g * width + j] * x[idx[g] + j];
		y[m] = s;
	}
}

HOT static void dc_fc(uint32_t rows, const uint32_t *ptr, const uint8_t *gap,
		      const uint16_t *code, const float *codebook, const float *x, float *y)
{
	for (uint32_t m = 0; m < rows; m++) {
		/* Two partial sums, as csr_fc: the decode is the same work either way. */
		float a0 = 0, a1 = 0;
		uint32_t col = 0, e = ptr[m], end = ptr[m + 1];
		for (; e + 2 <= end; e += 2) {
			uint32_t c0 = col + gap[e], c1 = c0 + 1 + gap[e + 1];
			a0 += codebook[code[e]] * x[c0];
			a1 += codebook[code[e + 1]] * x[c1];
			col = c1 + 1;
		}
		if (e < end)
			a0 += codebook[code[e]] * x[col + gap[e]];
		y[m] = a0 + a1;
	}
}

/* FC: y = W x, one output per row. */
static void run_fc(const struct lat_weights *f, const float *x, float *y)
{
	const struct lat_layer *l = &f->l;
	switch (f->format) {
	case LAT_DENSE:
	case LAT_NODE:
		gemv_dense(f->out_rows, l->cols, f->w, x, y);
		break;
	case LAT_BLAS:
		cblas_sgemv(CblasRowMajor, CblasNoTrans, (int)f->out_rows, (int)l->cols, 1.0f, f->w,
			    (int)l->cols, x, 1, 0.0f, y, 1);
		break;
	case LAT_CSR:
		csr_fc(l->rows, f->ptr, f->idx, f->val, x, y);
		break;
	case LAT_SIMD:
		switch (f->simd_width) {
		case 2: simd_fc_2(l->rows, l->cols, f->ptr, f->idx, f->val, x, y); break;
		case 4: simd_fc_4(l->rows, l->cols, f->ptr, f->idx, f->val, x, y); break;
		case 8: simd_fc_8(l->rows, l->cols, f->ptr, f->idx, f->val, x, y); break;
		case 16: simd_fc_16(l->rows, l->cols, f->ptr, f->idx, f->val, x, y); break;
		default:
			simd_fc_any(l->rows, l->cols, f->simd_width, f->ptr, f->idx, f->val, x, y);
			break;
		}
		break;
	default:
		dc_fc(l->rows, f->ptr, f->gap, f->code, f->codebook, x, y);
		break;
	}
}

/* CONV: per group, Y_g[M][P] = W_g[M][K] col_g[K][P]. */
static void run_conv(const struct lat_weights *f, struct lat_work *ws, const float *x, float *y)
{
	const struct lat_layer *l = &f->l;
	uint32_t M = l->s.M, K = l->cols, P = l->positions;
	im2col(l, x, ws->col);
	if (f->format == LAT_DENSE || f->format == LAT_BLAS || f->format == LAT_NODE) {
		/* node: the kept rows of all groups, each against its own group */
		for (uint32_t g = 0; g < l->s.G; g++) {
			uint32_t r0 = 0, r1 = 0;
			while (r0 < f->out_rows && f->row_of[r0] < g * M)
				r0++;
			r1 = r0;
			while (r1 < f->out_rows && f->row_of[r1] < (g + 1) * M)
				r1++;
			if (r1 == r0)
				continue;
			const float *wg = f->w + (uint64_t)r0 * K, *cg = ws->col + (uint64_t)g * K * P;
			float *yg = y + (uint64_t)r0 * P;
			if (f->format == LAT_BLAS)
				cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)(r1 - r0),
					    (int)P, (int)K, 1.0f, wg, (int)K, cg, (int)P, 0.0f, yg,
					    (int)P);
			else
				nn_gemm(&ws->gemm, r1 - r0, P, K, (struct nn_mat){wg, K, false},
					(struct nn_mat){cg, P, false}, yg, P, false);
		}
		return;
	}
	memset(y, 0, (uint64_t)l->rows * P * sizeof *y);
	for (uint32_t m = 0; m < l->rows; m++) {
		const float *cg = ws->col + (uint64_t)(m / M) * K * P;
		float *ym = y + (uint64_t)m * P;
		if (f->format == LAT_CSR) {
			for (uint32_t e = f->ptr[m]; e < f->ptr[m + 1]; e++)
				axpy(P, f->val[e], cg + (uint64_t)f->idx[e] * P, ym);
		} else if (f->format == LAT_SIMD) {
			for (uint32_t g = f->ptr[m]; g < f->ptr[m + 1]; g++)
				for (uint32_t j = 0; j < f->simd_width && f->idx[g] + j < K; j++)
					axpy(P, f->val[(uint64_t)g * f->simd_width + j],
					     cg + (uint64_t)(f->idx[g] + j) * P, ym);
		} else {
			/* dc: fillers advance the column and are skipped */
			uint32_t col = 0;
			for (uint32_t e = f->ptr[m]; e < f->ptr[m + 1]; e++) {
				col += f->gap[e];
				if (f->code[e] != f->k)
					axpy(P, f->codebook[f->code[e]], cg + (uint64_t)col * P, ym);
				col++;
			}
		}
	}
}

void lat_run(const struct lat_weights *f, struct lat_work *ws, const float *x, float *y)
{
	if (f->l.conv)
		run_conv(f, ws, x, y);
	else
		run_fc(f, x, y);
	if (!f->bias)
		return;
	uint32_t P = f->l.positions;
	for (uint32_t r = 0; r < f->out_rows; r++)
		for (uint32_t p = 0; p < P; p++)
			y[(uint64_t)r * P + p] += f->bias[r];
}
