/* Closed-form least-squares refit of surviving weights (see refit.h).
 *
 * Each output is an independent linear regression on its support S. With the
 * Gram matrix G = A^T A and cross products c_o = A^T y_o (A = [X 1]) computed
 * once per layer, the normal equations of output o are G[S,S] a = c_o[S],
 * solved by Cholesky. A ridge of 1e-9 times the mean diagonal of G[S,S] keeps
 * the system positive definite when inputs are collinear on the samples (a
 * constant input column, a dead channel); it moves the solution by a relative
 * amount of that order.
 *
 * Every sum here runs in a fixed order (samples in order for G and c; j in
 * order for the Cholesky updates and the triangular solves), with separate
 * IEEE multiplications and additions, so the refit gives the same bits on
 * every CPU and thread count; BLAS/LAPACK-style libraries choose their
 * blocking and kernels by CPU and do not. Loops are blocked only so that the
 * block being updated stays in cache, which does not change any order. */
#include "eap/refit.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "core/isa.h"
#include "core/mem.h"

/* Rows of the output kept in cache while all samples stream past (48 rows of
 * up to ~1,000 doubles: under 400 kB). */
enum { ATB_ROWS = 48 };

/* out[i][j] (row stride ldo) = sum over r of a[r][i] b[r][j], for i in
 * [0, na) and j in [upper ? i : 0, nb), summed over r = 0, 1, ... in order.
 * a is n x na, b is n x nb, row-major. Zero a[r][i] are skipped: adding the
 * exact +-0 product changes no finite sum, and ReLU inputs are mostly 0. */
static inline __attribute__((always_inline)) void
atb_body(size_t n, size_t na, size_t nb, const double *a, const double *b, double *out, size_t ldo,
	 bool upper)
{
	for (size_t i = 0; i < na; i++)
		memset(out + i * ldo + (upper ? i : 0), 0, (nb - (upper ? i : 0)) * sizeof *out);
	for (size_t i0 = 0; i0 < na; i0 += ATB_ROWS) {
		const size_t i1 = i0 + ATB_ROWS < na ? i0 + ATB_ROWS : na;
		for (size_t r = 0; r < n; r++) {
			const double *ar = a + r * na, *br = b + r * nb;
			for (size_t i = i0; i < i1; i++) {
				const double ai = ar[i];
				if (ai == 0.0)
					continue;
				double *o = out + i * ldo;
				for (size_t j = upper ? i : 0; j < nb; j++)
					o[j] += ai * br[j];
			}
		}
	}
}

/* atb_body for the CPU's instruction set (below, with the Cholesky's). */
static void atb(size_t n, size_t na, size_t nb, const double *a, const double *b, double *out,
		size_t ldo, bool upper);

void eap_stats_deinit(struct eap_stats *s)
{
	free(s->gram);
	free(s->cross);
	memset(s, 0, sizeof *s);
}

int eap_stats_init(struct eap_stats *s, const struct eap_layer_data *d, struct sim_err *err)
{
	memset(s, 0, sizeof *s);
	size_t p = d->n_in + 1;
	s->n_in = d->n_in;
	s->n_out = d->n_out;
	double *a = sim_malloc(d->n_samples * p * sizeof *a, err);
	double *y = sim_malloc(d->n_samples * d->n_out * sizeof *y, err);
	s->gram = sim_calloc(p * p, sizeof *s->gram, err);
	s->cross = sim_calloc(p * d->n_out, sizeof *s->cross, err);
	if (!a || !y || !s->gram || !s->cross) {
		free(a);
		free(y);
		eap_stats_deinit(s);
		return SIM_ERR_NOMEM;
	}
	for (size_t r = 0; r < d->n_samples; r++) {
		for (size_t i = 0; i < d->n_in; i++)
			a[r * p + i] = d->x[r * d->n_in + i];
		a[r * p + d->n_in] = 1.0;
		for (size_t o = 0; o < d->n_out; o++)
			y[r * d->n_out + o] = d->y[r * d->n_out + o];
	}
	/* G = A^T A (upper triangle, mirrored below), C = A^T Y. */
	atb(d->n_samples, p, p, a, a, s->gram, p, true);
	for (size_t i = 0; i < p; i++)
		for (size_t j = 0; j < i; j++)
			s->gram[i * p + j] = s->gram[j * p + i];
	atb(d->n_samples, p, d->n_out, a, y, s->cross, d->n_out, false);
	s->yy = 0.0;
	for (size_t j = 0; j < d->n_samples * d->n_out; j++)
		s->yy += y[j] * y[j];
	free(a);
	free(y);
	return 0;
}

/* Rows of a Cholesky panel: the trailing rows are updated by a whole panel
 * while each stays in cache. */
enum { CHOL_PANEL = 32 };

/* Subtracts from row i of u (columns i..k-1) the products of rows j in
 * [j0, j1) of the factor, in order of j. */
static inline __attribute__((always_inline)) void chol_update_row(double *u, size_t k, size_t i,
								   size_t j0, size_t j1)
{
	double *ui = u + i * k;
	for (size_t j = j0; j < j1; j++) {
		const double *uj = u + j * k;
		const double f = uj[i];
		for (size_t l = i; l < k; l++)
			ui[l] -= f * uj[l];
	}
}

/* In-place Cholesky factorisation G = U^T U of the k x k symmetric matrix in
 * u (upper triangle read and overwritten with U). Right-looking: every entry
 * (i, l) receives its updates from rows j = 0, 1, ..., in order, whatever the
 * blocking. Returns false when G is not positive definite. */
static inline __attribute__((always_inline)) bool cholesky_body(double *u, size_t k)
{
	for (size_t j0 = 0; j0 < k; j0 += CHOL_PANEL) {
		const size_t j1 = j0 + CHOL_PANEL < k ? j0 + CHOL_PANEL : k;
		for (size_t j = j0; j < j1; j++) {
			double *uj = u + j * k;
			if (!(uj[j] > 0.0))
				return false;
			const double d = sqrt(uj[j]);
			uj[j] = d;
			for (size_t l = j + 1; l < k; l++)
				uj[l] /= d;
			for (size_t i = j + 1; i < j1; i++)
				chol_update_row(u, k, i, j, j + 1);
		}
		for (size_t i = j1; i < k; i++)
			chol_update_row(u, k, i, j0, j1);
	}
	return true;
}

/* The two kernels compiled for each instruction set (see core/isa.h). Their
 * inner loops are element-wise updates, o[j] += a * b[j], which the compiler
 * vectorises at the target's width; the order of the updates each element
 * receives is the loop order in every variant, so all of them give the same
 * bits. */
#define REFIT_VARIANT(suffix, target)                                                        \
	static target void atb_##suffix(size_t n, size_t na, size_t nb, const double *a,    \
					const double *b, double *out, size_t ldo, bool upper) \
	{                                                                                     \
		atb_body(n, na, nb, a, b, out, ldo, upper);                                   \
	}                                                                                     \
	static target bool cholesky_##suffix(double *u, size_t k)                             \
	{                                                                                     \
		return cholesky_body(u, k);                                                   \
	}
REFIT_VARIANT(sse2, )
REFIT_VARIANT(avx2, __attribute__((target("avx2"))))
REFIT_VARIANT(avx512, __attribute__((target("avx512f,prefer-vector-width=512"))))
#undef REFIT_VARIANT

static void atb(size_t n, size_t na, size_t nb, const double *a, const double *b, double *out,
		size_t ldo, bool upper)
{
	static void (*const f[SIM_ISA_COUNT])(size_t, size_t, size_t, const double *,
					      const double *, double *, size_t,
					      bool) = {atb_sse2, atb_avx2, atb_avx512};
	f[sim_isa_detect()](n, na, nb, a, b, out, ldo, upper);
}

static bool cholesky_upper(double *u, size_t k)
{
	static bool (*const f[SIM_ISA_COUNT])(double *, size_t) = {cholesky_sse2, cholesky_avx2,
								   cholesky_avx512};
	return f[sim_isa_detect()](u, k);
}

/* Solves U^T U x = c in place (x overwrites c) with the factor of
 * cholesky_upper: U^T z = c forward, then U x = z backward. */
static void cholesky_solve(const double *u, size_t k, double *c)
{
	for (size_t i = 0; i < k; i++) {
		double v = c[i];
		for (size_t j = 0; j < i; j++)
			v -= u[j * k + i] * c[j];
		c[i] = v / u[i * k + i];
	}
	for (size_t i = k; i-- > 0;) {
		double v = c[i];
		for (size_t j = i + 1; j < k; j++)
			v -= u[i * k + j] * c[j];
		c[i] = v / u[i * k + i];
	}
}

int eap_refit(const struct eap_stats *s, float *w, const uint8_t *keep, float *bias,
	      struct sim_err *err)
{
	size_t p = s->n_in + 1;
	size_t *idx = sim_malloc(p * sizeof *idx, err);
	double *g = idx ? sim_malloc(p * p * sizeof *g, err) : NULL;
	double *c = g ? sim_malloc(p * sizeof *c, err) : NULL;
	int rc = c ? 0 : err->code;
	for (size_t o = 0; o < s->n_out && rc == 0; o++) {
		size_t k = 0;
		for (size_t i = 0; i < s->n_in; i++)
			if (keep[o * s->n_in + i])
				idx[k++] = i;
		if (bias)
			idx[k++] = s->n_in;
		float *row = w + o * s->n_in;
		memset(row, 0, s->n_in * sizeof *row);
		if (k == 0)
			continue;
		double diag = 0;
		for (size_t a = 0; a < k; a++) {
			for (size_t b = a; b < k; b++)
				g[a * k + b] = s->gram[idx[a] * p + idx[b]];
			c[a] = s->cross[idx[a] * s->n_out + o];
			diag += s->gram[idx[a] * p + idx[a]];
		}
		double ridge = 1e-9 * (diag > 0 ? diag / (double)k : 1.0);
		for (size_t a = 0; a < k; a++)
			g[a * k + a] += ridge;
		if (!cholesky_upper(g, k)) {
			rc = sim_err_set(err, SIM_ERR_INTERNAL, NULL, 0, 0,
					 "least-squares refit: singular system for output %zu", o);
			break;
		}
		cholesky_solve(g, k, c);
		for (size_t a = 0; a < k; a++) {
			if (idx[a] == s->n_in)
				bias[o] = (float)c[a];
			else
				row[idx[a]] = (float)c[a];
		}
	}
	free(c);
	free(g);
	free(idx);
	return rc;
}

int eap_output_sq_error(const struct eap_stats *s, const float *w, const float *bias, double *out,
			struct sim_err *err)
{
	size_t p = s->n_in + 1;
	double total = s->yy;
	double *a = sim_malloc(p * sizeof *a, err);
	size_t *nz = a ? sim_malloc(p * sizeof *nz, err) : NULL;
	if (!nz) {
		free(a);
		return SIM_ERR_NOMEM;
	}
	for (size_t o = 0; o < s->n_out; o++) {
		for (size_t i = 0; i < s->n_in; i++)
			a[i] = w[o * s->n_in + i];
		a[s->n_in] = bias ? bias[o] : 0.0;
		/* a^T G a - 2 a^T c_o, every sum in index order over the nonzero
		 * entries of a (a pruned row is mostly zeros; skipping an exact
		 * zero term leaves a finite sum's bits unchanged). */
		size_t k = 0;
		for (size_t i = 0; i < p; i++)
			if (a[i] != 0.0)
				nz[k++] = i;
		double aga = 0.0, ac = 0.0;
		for (size_t x = 0; x < k; x++) {
			const size_t i = nz[x];
			double gi = 0.0;
			for (size_t y = 0; y < k; y++)
				gi += s->gram[i * p + nz[y]] * a[nz[y]];
			aga += a[i] * gi;
			ac += a[i] * s->cross[i * s->n_out + o];
		}
		total += aga - 2.0 * ac;
	}
	free(nz);
	free(a);
	*out = total;
	return 0;
}
