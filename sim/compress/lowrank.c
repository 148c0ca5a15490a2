/* Truncated-SVD factorisation of layers (see lowrank.h). The decomposition
 * comes from GSL's cyclic Jacobi eigensolver on the smaller Gram matrix,
 * whose products, like the approximation and the factors, are summed in
 * double in a fixed order and rounded once to float; every singular vector
 * gets a canonical sign. */
#include "compress/lowrank.h"

#include <gsl/gsl_eigen.h>
#include <gsl/gsl_errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "workload/network_edit.h"

/* Rows and columns of one group's weight matrix. */
static void layer_matrix(const struct wl_layer *l, uint32_t *groups, uint32_t *rows,
			 uint32_t *cols)
{
	struct wl_conv_shape s = wl_layer_conv_shape(l);
	*groups = s.G;
	*rows = s.M;
	*cols = s.C * s.R * s.S;
}

void cmp_svd_deinit(struct cmp_svd *d)
{
	free(d->left);
	free(d->s);
	free(d->right);
	memset(d, 0, sizeof *d);
}

/* Sweeps of GSL's cyclic Jacobi: it runs all of them (it has no convergence
 * test of its own), and converges quadratically; a 500 x 500 Gram matrix is
 * diagonal to rounding after about 8. */
enum { JACOBI_SWEEPS = 12 };

/* One group: w[rows][cols] into left[rows][n], s[n], right[cols][n], from the
 * eigen-decomposition of the smaller Gram matrix: W W^T = U S^2 U^T (rows <=
 * cols; then V = W^T U S^-1) or W^T W = V S^2 V^T (then U = W V S^-1). */
static int svd_group(const float *w, uint32_t rows, uint32_t cols, double *left, double *s,
		     double *right, struct sim_err *err)
{
	int wide = cols >= rows; /* the Gram matrix of the rows is the smaller */
	size_t n = wide ? rows : cols, len = wide ? cols : rows;
	gsl_matrix *gram = gsl_matrix_alloc(n, n), *vec = gsl_matrix_alloc(n, n);
	gsl_vector *val = gsl_vector_alloc(n);
	int rc = 0;
	if (!gram || !vec || !val) {
		rc = sim_err_set(err, SIM_ERR_NOMEM, NULL, 0, 0, "out of memory for an SVD");
		goto done;
	}
	/* w as a[i][t] with i over the Gram side (rows if wide, else columns). */
#define A(i, t) ((double)(wide ? w[(size_t)(i) * cols + (t)] : w[(size_t)(t) * cols + (i)]))
	for (size_t i = 0; i < n; i++)
		for (size_t j = i; j < n; j++) {
			double acc = 0;
			for (size_t t = 0; t < len; t++)
				acc += A(i, t) * A(j, t);
			gsl_matrix_set(gram, i, j, acc);
			gsl_matrix_set(gram, j, i, acc);
		}
	double total = 0;
	for (size_t i = 0; i < n; i++)
		total += gsl_matrix_get(gram, i, i);
	unsigned sweeps = 0;
	int st = gsl_eigen_jacobi(gram, val, vec, JACOBI_SWEEPS, &sweeps);
	double off = 0;
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < n; j++)
			if (i != j)
				off += fabs(gsl_matrix_get(gram, i, j));
	if ((st != GSL_SUCCESS && st != GSL_EMAXITER) || !(off <= 1e-10 * total + 1e-300)) {
		rc = sim_err_set(err, SIM_ERR_INTERNAL, NULL, 0, 0,
				 "the SVD did not converge (off-diagonal %g of %g)", off, total);
		goto done;
	}
	gsl_eigen_symmv_sort(val, vec, GSL_EIGEN_SORT_VAL_DESC);
	double *own = wide ? left : right, *other = wide ? right : left;
	size_t n_other = wide ? cols : rows;
	for (size_t j = 0; j < n; j++) {
		double ev = gsl_vector_get(val, j);
		s[j] = ev > 0 ? sqrt(ev) : 0;
		/* The sign is free: make the largest entry of the vector positive. */
		size_t big = 0;
		for (size_t i = 1; i < n; i++)
			if (fabs(gsl_matrix_get(vec, i, j)) > fabs(gsl_matrix_get(vec, big, j)))
				big = i;
		double sign = gsl_matrix_get(vec, big, j) < 0 ? -1.0 : 1.0;
		for (size_t i = 0; i < n; i++)
			own[i * n + j] = sign * gsl_matrix_get(vec, i, j);
		for (size_t t = 0; t < n_other; t++) {
			double acc = 0;
			for (size_t i = 0; s[j] > 0 && i < n; i++)
				acc += A(i, t) * own[i * n + j];
			other[t * n + j] = s[j] > 0 ? acc / s[j] : 0;
		}
	}
#undef A
done:
	gsl_matrix_free(gram);
	gsl_matrix_free(vec);
	gsl_vector_free(val);
	return rc;
}

int cmp_svd_init(struct cmp_svd *d, const struct nn_layer *L, struct sim_err *err)
{
	memset(d, 0, sizeof *d);
	layer_matrix(L->wl, &d->groups, &d->rows, &d->cols);
	d->n = d->rows < d->cols ? d->rows : d->cols;
	size_t g = d->groups, n = d->n;
	d->left = sim_malloc(g * d->rows * n * sizeof *d->left, err);
	d->s = sim_malloc(g * n * sizeof *d->s, err);
	d->right = sim_malloc(g * d->cols * n * sizeof *d->right, err);
	if (!d->left || !d->s || !d->right)
		return SIM_ERR_NOMEM;
	for (size_t k = 0; k < g; k++) {
		int rc = svd_group(L->weight.value + k * d->rows * d->cols, d->rows, d->cols,
				   d->left + k * d->rows * n, d->s + k * n,
				   d->right + k * d->cols * n, err);
		if (rc)
			return rc;
	}
	return 0;
}

void cmp_svd_approx(const struct cmp_svd *d, uint32_t r, float *w)
{
	size_t n = d->n;
	for (size_t g = 0; g < d->groups; g++) {
		const double *left = d->left + g * d->rows * n, *s = d->s + g * n;
		const double *right = d->right + g * d->cols * n;
		float *wg = w + g * d->rows * d->cols;
		for (size_t i = 0; i < d->rows; i++)
			for (size_t k = 0; k < d->cols; k++) {
				double acc = 0;
				for (size_t j = 0; j < r; j++)
					acc += left[i * n + j] * s[j] * right[k * n + j];
				wg[i * d->cols + k] = (float)acc;
			}
	}
}

uint32_t cmp_lowrank_max_rank(const struct wl_layer *l)
{
	uint32_t g, rows, cols;
	layer_matrix(l, &g, &rows, &cols);
	uint64_t mk = (uint64_t)rows * cols, sum = (uint64_t)rows + cols;
	uint64_t r = (mk - 1) / sum; /* largest r with r * sum < mk */
	uint32_t n = rows < cols ? rows : cols;
	return r < n ? (uint32_t)r : n;
}

/* Writes the two factors of one layer at rank r into v (first) and u (second). */
static void write_factors(const struct cmp_svd *d, uint32_t r, float *v, float *u)
{
	size_t n = d->n;
	for (size_t g = 0; g < d->groups; g++) {
		const double *left = d->left + g * d->rows * n, *s = d->s + g * n;
		const double *right = d->right + g * d->cols * n;
		float *vg = v + g * r * d->cols, *ug = u + g * d->rows * r;
		for (size_t j = 0; j < r; j++) {
			double root = sqrt(s[j]);
			for (size_t k = 0; k < d->cols; k++)
				vg[j * d->cols + k] = (float)(root * right[k * n + j]);
			for (size_t i = 0; i < d->rows; i++)
				ug[i * r + j] = (float)(left[i * n + j] * root);
		}
	}
}

static void copy_layer(const struct nn_layer *src, struct nn_layer *dst)
{
	if (src->weight.n) {
		memcpy(dst->weight.value, src->weight.value, src->weight.n * sizeof(float));
		memcpy(dst->weight.mask, src->weight.mask, src->weight.n);
	}
	if (src->bias.n)
		memcpy(dst->bias.value, src->bias.value, src->bias.n * sizeof(float));
	dst->act_range = src->act_range;
	dst->act_signed = src->act_signed;
}

int cmp_lowrank_factor(const struct nn_model *m, const uint32_t *rank, uint32_t max_batch,
		       uint32_t n_threads, struct nn_model *out, struct sim_err *err)
{
	memset(out, 0, sizeof *out);
	struct wl_network net = {0};
	int *first = sim_calloc((size_t)m->n_layers, sizeof *first, err);
	int rc = first ? 0 : SIM_ERR_NOMEM;
	for (int i = 0; !rc && i < m->n_layers; i++) {
		if (!rank[i])
			continue;
		uint32_t g = 0, rows = 0, cols = 0;
		if (m->layers[i].weight.n)
			layer_matrix(m->layers[i].wl, &g, &rows, &cols);
		if (rank[i] > rows || rank[i] > cols)
			rc = sim_err_set(err, SIM_ERR_INTERNAL, NULL, 0, 0,
					 "rank %u does not fit layer '%s' (%u x %u weights per group)",
					 rank[i], m->net.layers[i].name, rows, cols);
	}
	if (!rc)
		rc = wl_network_factor(&m->net, rank, &net, first, err);
	if (!rc)
		rc = nn_model_init(out, &net, max_batch, n_threads, err);
	for (int i = 0; !rc && i < m->n_layers; i++) {
		const struct nn_layer *L = &m->layers[i];
		struct nn_layer *D = &out->layers[first[i]];
		if (!rank[i]) {
			copy_layer(L, D);
			continue;
		}
		struct cmp_svd d;
		if (!(rc = cmp_svd_init(&d, L, err))) {
			struct nn_layer *U = &out->layers[first[i] + 1];
			write_factors(&d, rank[i], D->weight.value, U->weight.value);
			if (L->bias.n)
				memcpy(U->bias.value, L->bias.value, L->bias.n * sizeof(float));
			D->act_range = L->act_range;
			D->act_signed = L->act_signed;
		}
		cmp_svd_deinit(&d);
	}
	if (!rc)
		out->act_bits = m->act_bits;
	free(first);
	wl_network_deinit(&net);
	return rc;
}
