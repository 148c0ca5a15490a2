/* Layer kernels: convolution by im2col + GEMM, fully connected layers by
 * GEMM (gemm.h: fixed summation order), max/average pooling, ReLU and
 * softmax cross-entropy, forward and backward, on CNHW activations (see
 * layers.h for the layouts).
 *
 * Convolution (Chellapilla et al. 2006, "High performance convolutional neural
 * networks for document processing"): the receptive fields of all N*E*F
 * output pixels of a group are unrolled into the columns of
 * col[(c,r,s)][(n,e,f)] = x[c][n][e*U + r - P][f*U + s - P] (0 outside the
 * image), so forward is Y_g = W_g col, and backward is dW_g = dY_g col^T and
 * dcol = W_g^T dY_g, which col2im scatters (adds) back into dx. Because the
 * batch is inside the columns, each GEMM is large even for small images.
 * Every other loop here runs in a fixed order, so a layer's outputs and
 * gradients depend only on its inputs, never on the CPU or thread count. */
#include "nn/layers.h"

#include <math.h>
#include <string.h>

#include "core/detmath.h"

uint64_t nn_conv_col_floats(const struct nn_conv_geom *g)
{
	return (uint64_t)g->c * g->k * g->k * g->n * g->e * g->f;
}

/* True when the convolution is a plain matrix product of x (no unrolling). */
static int conv_is_pointwise(const struct nn_conv_geom *g)
{
	return g->k == 1 && g->stride == 1 && g->pad == 0;
}

/* Output columns [*lo, *hi) whose tap at kernel offset s lands inside a row
 * of width w: 0 <= f*stride + s - pad < w. */
static void valid_range(uint32_t s, uint32_t pad, uint32_t stride, uint32_t w, uint32_t out,
			uint32_t *lo, uint32_t *hi)
{
	long a = (long)pad - (long)s; /* need f*stride >= a */
	long b = (long)w + pad - s;   /* need f*stride < b */
	long l = a > 0 ? (a + stride - 1) / stride : 0;
	long h = b > 0 ? (b + stride - 1) / stride : 0;
	if (h > (long)out)
		h = out;
	if (l > h)
		l = h;
	*lo = (uint32_t)l;
	*hi = (uint32_t)h;
}

/* dst[0..len) = src[0..len) for the short rows of im2col: four floats at a
 * time through fixed-size copies (vector moves), since a library memcpy call
 * or a scalar loop costs more than the copy itself on rows of 8 to 30 floats. */
static inline void copy_row(float *restrict dst, const float *restrict src, uint32_t len)
{
	uint32_t f = 0;
	for (; f + 4 <= len; f += 4)
		memcpy(dst + f, src + f, 4 * sizeof *dst);
	for (; f < len; f++)
		dst[f] = src[f];
}

/* The im2col walk over channels [c0, c0 + cg), in one of two directions:
 * unrolling (x -> col: x_in and col_out set) or its adjoint, col2im, which
 * adds every column entry back onto the pixel it came from (col_in and x_out
 * set). The valid column range of each kernel tap is computed once, so the
 * inner loops are branch-free; rows are short (tens of floats), where plain
 * loops beat memcpy/memset calls. */
static void im2col_walk(const struct nn_conv_geom *g, uint32_t c0, uint32_t cg,
			const float *x_in, float *x_out, const float *col_in, float *col_out)
{
	const uint64_t plane = (uint64_t)g->h * g->w;
	uint64_t at = 0; /* position in col */
	for (uint32_t c = 0; c < cg; c++)
		for (uint32_t r = 0; r < g->k; r++)
			for (uint32_t s = 0; s < g->k; s++) {
				uint32_t lo, hi;
				valid_range(s, g->pad, g->stride, g->w, g->f, &lo, &hi);
				const long off = (long)s - (long)g->pad, u = g->stride;
				for (uint32_t n = 0; n < g->n; n++) {
					const uint64_t p = ((uint64_t)(c0 + c) * g->n + n) * plane;
					for (uint32_t e = 0; e < g->e; e++, at += g->f) {
						long ih = (long)e * g->stride + r - g->pad;
						const uint32_t len = ih >= 0 && ih < (long)g->h ? hi - lo : 0;
						/* pixel of column lo, formed only when len > 0 */
						const uint64_t px = len ? p + (uint64_t)ih * g->w +
										  (uint64_t)((long)lo * u + off)
									: 0;
						if (x_out) {
							float *dst = x_out + px;
							const float *src = col_in + at + lo;
							if (u == 1)
								for (uint32_t f = 0; f < len; f++)
									dst[f] += src[f];
							else
								for (uint32_t f = 0; f < len; f++)
									dst[f * u] += src[f];
							continue;
						}
						float *col = col_out + at;
						const uint32_t z = len ? lo : g->f;
						for (uint32_t f = 0; f < z; f++)
							col[f] = 0.0f;
						const float *src = x_in + px;
						if (u == 1)
							copy_row(col + lo, src, len);
						else
							for (uint32_t f = 0; f < len; f++)
								col[lo + f] = src[f * u];
						for (uint32_t f = z + len; f < g->f; f++)
							col[f] = 0.0f;
					}
				}
			}
}

static void im2col(const struct nn_conv_geom *g, uint32_t c0, uint32_t cg, const float *x,
		   float *col)
{
	im2col_walk(g, c0, cg, x, NULL, NULL, col);
}

static void col2im(const struct nn_conv_geom *g, uint32_t c0, uint32_t cg, const float *col,
		   float *dx)
{
	im2col_walk(g, c0, cg, NULL, dx, col, NULL);
}

void nn_conv_forward(struct nn_gemm *gm, const struct nn_conv_geom *g, const float *x,
		     const float *wt, const float *bias, float *y, float *col)
{
	const uint32_t cg = g->c / g->groups, mg = g->m / g->groups;
	const uint32_t kk = cg * g->k * g->k;
	const uint64_t nef = (uint64_t)g->n * g->e * g->f;
	for (uint32_t gi = 0; gi < g->groups; gi++) {
		const float *b = x + (uint64_t)gi * cg * nef;
		if (!conv_is_pointwise(g)) {
			b = col + (uint64_t)gi * kk * nef;
			im2col(g, gi * cg, cg, x, col + (uint64_t)gi * kk * nef);
		}
		nn_gemm(gm, mg, (uint32_t)nef, kk,
			(struct nn_mat){wt + (uint64_t)gi * mg * kk, kk, false},
			(struct nn_mat){b, (uint32_t)nef, false}, y + (uint64_t)gi * mg * nef,
			(uint32_t)nef, false);
	}
	if (bias)
		for (uint32_t m = 0; m < g->m; m++)
			for (uint64_t i = 0; i < nef; i++)
				y[m * nef + i] += bias[m];
}

/* db[m] = sum over the row dy[m][0..len). */
static void bias_grad(uint32_t m, uint64_t len, const float *dy, float *db)
{
	for (uint32_t i = 0; i < m; i++) {
		float s = 0.0f;
		for (uint64_t j = 0; j < len; j++)
			s += dy[i * len + j];
		db[i] = s;
	}
}

void nn_conv_backward(struct nn_gemm *gm, const struct nn_conv_geom *g, const float *x,
		      const float *wt, const float *dy, float *dw, float *db, float *dx,
		      const float *col, float *dcol)
{
	const uint32_t cg = g->c / g->groups, mg = g->m / g->groups;
	const uint32_t kk = cg * g->k * g->k;
	const uint64_t nef = (uint64_t)g->n * g->e * g->f;
	if (db)
		bias_grad(g->m, nef, dy, db);
	if (dx && !conv_is_pointwise(g))
		memset(dx, 0, (uint64_t)g->c * g->n * g->h * g->w * sizeof *dx);
	for (uint32_t gi = 0; gi < g->groups; gi++) {
		const float *w_g = wt + (uint64_t)gi * mg * kk;
		const float *dy_g = dy + (uint64_t)gi * mg * nef;
		const float *b = conv_is_pointwise(g) ? x + (uint64_t)gi * cg * nef
						      : col + (uint64_t)gi * kk * nef;
		nn_gemm(gm, mg, kk, (uint32_t)nef, (struct nn_mat){dy_g, (uint32_t)nef, false},
			(struct nn_mat){b, (uint32_t)nef, true}, dw + (uint64_t)gi * mg * kk, kk,
			false);
		if (!dx)
			continue;
		float *d = conv_is_pointwise(g) ? dx + (uint64_t)gi * cg * nef : dcol;
		nn_gemm(gm, kk, (uint32_t)nef, mg, (struct nn_mat){w_g, kk, true},
			(struct nn_mat){dy_g, (uint32_t)nef, false}, d, (uint32_t)nef, false);
		if (!conv_is_pointwise(g))
			col2im(g, gi * cg, cg, dcol, dx);
	}
}

void nn_fc_forward(struct nn_gemm *gm, uint32_t n, uint32_t c, uint32_t hw, uint32_t m,
		   const float *x, const float *wt, const float *bias, float *y, float *xt)
{
	const uint32_t k = c * hw;
	if (hw > 1) {
		for (uint32_t ci = 0; ci < c; ci++)
			for (uint32_t ni = 0; ni < n; ni++)
				for (uint32_t p = 0; p < hw; p++)
					xt[((uint64_t)ci * hw + p) * n + ni] =
						x[((uint64_t)ci * n + ni) * hw + p];
		x = xt;
	}
	nn_gemm(gm, m, n, k, (struct nn_mat){wt, k, false}, (struct nn_mat){x, n, false}, y, n,
		false);
	if (bias)
		for (uint32_t i = 0; i < m; i++)
			for (uint32_t j = 0; j < n; j++)
				y[(uint64_t)i * n + j] += bias[i];
}

void nn_fc_backward(struct nn_gemm *gm, uint32_t n, uint32_t c, uint32_t hw, uint32_t m,
		    const float *x, const float *xt, const float *wt, const float *dy, float *dw,
		    float *db, float *dx, float *dxt)
{
	const uint32_t k = c * hw;
	const float *xk = hw > 1 ? xt : x;
	if (db)
		bias_grad(m, n, dy, db);
	nn_gemm(gm, m, k, n, (struct nn_mat){dy, n, false}, (struct nn_mat){xk, n, true}, dw, k,
		false);
	if (!dx)
		return;
	float *out = hw > 1 ? dxt : dx;
	nn_gemm(gm, k, n, m, (struct nn_mat){wt, k, true}, (struct nn_mat){dy, n, false}, out, n,
		false);
	if (hw > 1)
		for (uint32_t ci = 0; ci < c; ci++)
			for (uint32_t ni = 0; ni < n; ni++)
				for (uint32_t p = 0; p < hw; p++)
					dx[((uint64_t)ci * n + ni) * hw + p] =
						dxt[((uint64_t)ci * hw + p) * n + ni];
}

/* Input rows (or columns) [*lo, *hi) under the window of output index e. */
static void window(uint32_t e, const struct nn_conv_geom *g, uint32_t size, uint32_t *lo,
		   uint32_t *hi)
{
	long a = (long)e * g->stride - (long)g->pad, b = a + g->k;
	*lo = (uint32_t)(a > 0 ? a : 0);
	*hi = (uint32_t)(b < (long)size ? b : (long)size);
}

/* The common 2x2 window with stride 2 and no padding, unrolled. */
static void maxpool_2x2(const struct nn_conv_geom *g, const float *x, float *y, uint32_t *argmax)
{
	const uint64_t planes = (uint64_t)g->c * g->n;
	const uint32_t w = g->w;
	for (uint64_t p = 0; p < planes; p++) {
		const float *xp = x + p * g->h * w;
		for (uint32_t e = 0; e < g->e; e++)
			for (uint32_t f = 0; f < g->f; f++) {
				uint32_t at = 2 * e * w + 2 * f, b = at;
				if (xp[at + 1] > xp[b])
					b = at + 1;
				if (xp[at + w] > xp[b])
					b = at + w;
				if (xp[at + w + 1] > xp[b])
					b = at + w + 1;
				*y++ = xp[b];
				*argmax++ = b;
			}
	}
}

enum pool_op { POOL_MAX, POOL_AVG, POOL_AVG_BACKWARD };

/* Visits every pooling window of every plane. POOL_MAX and POOL_AVG read the
 * window from in (x) and write its max (and argmax) or mean to out (y);
 * POOL_AVG_BACKWARD reads the window's dy from in and spreads dy / (k*k) over
 * it in out (dx). */
static void pool_walk(const struct nn_conv_geom *g, enum pool_op op, const float *in, float *out,
		      uint32_t *argmax)
{
	const uint64_t planes = (uint64_t)g->c * g->n, hw = (uint64_t)g->h * g->w;
	const float scale = 1.0f / (float)(g->k * g->k);
	if (op == POOL_AVG_BACKWARD)
		memset(out, 0, planes * hw * sizeof *out);
	for (uint64_t p = 0; p < planes; p++)
		for (uint32_t e = 0; e < g->e; e++) {
			uint32_t r0, r1;
			window(e, g, g->h, &r0, &r1);
			for (uint32_t f = 0; f < g->f; f++) {
				uint32_t s0, s1;
				window(f, g, g->w, &s0, &s1);
				const uint64_t o = (p * g->e + e) * g->f + f;
				if (op == POOL_AVG_BACKWARD) {
					const float d = in[o] * scale;
					for (uint32_t r = r0; r < r1; r++)
						for (uint32_t q = s0; q < s1; q++)
							out[p * hw + r * g->w + q] += d;
					continue;
				}
				uint32_t at = r0 * g->w + s0;
				float best = in[p * hw + at], sum = 0.0f;
				for (uint32_t r = r0; r < r1; r++)
					for (uint32_t q = s0; q < s1; q++) {
						const float v = in[p * hw + r * g->w + q];
						sum += v;
						if (v > best) {
							best = v;
							at = r * g->w + q;
						}
					}
				out[o] = op == POOL_MAX ? best : sum * scale;
				if (op == POOL_MAX)
					argmax[o] = at;
			}
		}
}

void nn_maxpool_forward(const struct nn_conv_geom *g, const float *x, float *y, uint32_t *argmax)
{
	if (g->k == 2 && g->stride == 2 && g->pad == 0)
		maxpool_2x2(g, x, y, argmax);
	else
		pool_walk(g, POOL_MAX, x, y, argmax);
}

void nn_maxpool_backward(const struct nn_conv_geom *g, const uint32_t *argmax, const float *dy,
			 float *dx)
{
	const uint64_t planes = (uint64_t)g->c * g->n, in = (uint64_t)g->h * g->w;
	const uint64_t out = (uint64_t)g->e * g->f;
	memset(dx, 0, planes * in * sizeof *dx);
	for (uint64_t p = 0; p < planes; p++)
		for (uint64_t o = 0; o < out; o++)
			dx[p * in + argmax[p * out + o]] += dy[p * out + o];
}

void nn_avgpool_forward(const struct nn_conv_geom *g, const float *x, float *y)
{
	pool_walk(g, POOL_AVG, x, y, NULL);
}

void nn_avgpool_backward(const struct nn_conv_geom *g, const float *dy, float *dx)
{
	pool_walk(g, POOL_AVG_BACKWARD, dy, dx, NULL);
}

void nn_relu_forward(uint64_t count, const float *x, float *y)
{
	for (uint64_t i = 0; i < count; i++)
		y[i] = x[i] > 0.0f ? x[i] : 0.0f;
}

void nn_relu_backward(uint64_t count, const float *y, const float *dy, float *dx)
{
	for (uint64_t i = 0; i < count; i++)
		dx[i] = y[i] > 0.0f ? dy[i] : 0.0f;
}

void nn_softmax_xent(uint32_t n, uint32_t classes, const float *z, const uint8_t *labels,
		     float scale, float *dz, double *loss, uint64_t *correct)
{
	for (uint32_t i = 0; i < n; i++) {
		uint32_t best = 0;
		for (uint32_t k = 1; k < classes; k++)
			if (z[(uint64_t)k * n + i] > z[(uint64_t)best * n + i])
				best = k;
		const double zmax = z[(uint64_t)best * n + i];
		double sum = 0.0;
		for (uint32_t k = 0; k < classes; k++)
			sum += det_exp(z[(uint64_t)k * n + i] - zmax);
		const double log_sum = det_log(sum);
		if (loss)
			loss[i] = -(z[(uint64_t)labels[i] * n + i] - zmax - log_sum);
		if (correct && best == labels[i])
			(*correct)++;
		if (dz)
			for (uint32_t k = 0; k < classes; k++) {
				double p = det_exp(z[(uint64_t)k * n + i] - zmax - log_sum);
				dz[(uint64_t)k * n + i] = (float)(scale * (p - (k == labels[i])));
			}
	}
}

void nn_act_quantize(float *x, uint64_t count, uint32_t bits, float range, bool is_signed)
{
	double levels = is_signed ? (double)((1u << (bits - 1)) - 1) : (double)((1u << bits) - 1);
	double step = range / levels, lo = is_signed ? -(double)range : 0.0;
	for (uint64_t i = 0; i < count; i++) {
		double v = x[i] < lo ? lo : (x[i] > range ? range : x[i]);
		x[i] = step > 0 ? (float)(nearbyint(v / step) * step) : 0.0f;
	}
}
