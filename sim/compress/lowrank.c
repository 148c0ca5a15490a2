/* Truncated-SVD factorisation of layers (see lowrank.h). GSL's SVD needs a
 * matrix with at least as many rows as columns, so a wide W (K > M) is
 * decomposed as W^T = U' S V'^T, whose V' holds W's left vectors and U' its
 * right ones. The approximation and the factors are summed in double in a
 * fixed order and rounded once to float. */
#include "compress/lowrank.h"

#include <gsl/gsl_linalg.h>
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

/* One group: w[rows][cols] into left[rows][n], s[n], right[cols][n]. */
static int svd_group(const float *w, uint32_t rows, uint32_t cols, double *left, double *s,
		     double *right, struct sim_err *err)
{
	int wide = cols > rows;
	size_t a_rows = wide ? cols : rows, n = wide ? rows : cols;
	gsl_matrix *a = gsl_matrix_alloc(a_rows, n), *v = gsl_matrix_alloc(n, n);
	gsl_vector *sv = gsl_vector_alloc(n), *work = gsl_vector_alloc(n);
	int rc = 0;
	if (!a || !v || !sv || !work) {
		rc = sim_err_set(err, SIM_ERR_NOMEM, NULL, 0, 0, "out of memory for an SVD");
		goto done;
	}
	for (uint32_t i = 0; i < rows; i++)
		for (uint32_t k = 0; k < cols; k++)
			gsl_matrix_set(a, wide ? k : i, wide ? i : k, w[(size_t)i * cols + k]);
	if (gsl_linalg_SV_decomp(a, v, sv, work) != 0) {
		rc = sim_err_set(err, SIM_ERR_INTERNAL, NULL, 0, 0, "the SVD did not converge");
		goto done;
	}
	/* Not wide: left = U (in a), right = V. Wide: left = V, right = U. */
	for (size_t j = 0; j < n; j++) {
		s[j] = gsl_vector_get(sv, j);
		for (uint32_t i = 0; i < rows; i++)
			left[(size_t)i * n + j] = wide ? gsl_matrix_get(v, i, j) : gsl_matrix_get(a, i, j);
		for (uint32_t k = 0; k < cols; k++)
			right[(size_t)k * n + j] = wide ? gsl_matrix_get(a, k, j) : gsl_matrix_get(v, k, j);
	}
done:
	gsl_matrix_free(a);
	gsl_matrix_free(v);
	gsl_vector_free(sv);
	gsl_vector_free(work);
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
