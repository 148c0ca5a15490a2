/* Closed-form least-squares refit of surviving weights (see refit.h).
 *
 * Each output is an independent linear regression on its support S. With the
 * Gram matrix G = A^T A and cross products c_o = A^T y_o (A = [X 1]) computed
 * once per layer, the normal equations of output o are G[S,S] a = c_o[S],
 * solved by Cholesky. A ridge of 1e-9 times the mean diagonal of G[S,S] keeps
 * the system positive definite when inputs are collinear on the samples (a
 * constant input column, a dead channel); it moves the solution by a relative
 * amount of that order. */
#include "eap/refit.h"

#include <gsl/gsl_cblas.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_linalg.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"

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
	int n = (int)d->n_samples, pi = (int)p, no = (int)d->n_out;
	/* G = A^T A (upper triangle, mirrored below), C = A^T Y. */
	cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, pi, n, 1.0, a, pi, 0.0, s->gram, pi);
	for (size_t i = 0; i < p; i++)
		for (size_t j = 0; j < i; j++)
			s->gram[i * p + j] = s->gram[j * p + i];
	cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, pi, no, n, 1.0, a, pi, y, no, 0.0,
		    s->cross, no);
	s->yy = cblas_ddot(n * no, y, 1, y, 1);
	free(a);
	free(y);
	return 0;
}

int eap_refit(const struct eap_stats *s, float *w, const uint8_t *keep, float *bias,
	      struct sim_err *err)
{
	size_t p = s->n_in + 1;
	size_t *idx = sim_malloc(p * sizeof *idx, err);
	gsl_matrix *g = gsl_matrix_alloc(p, p);
	gsl_vector *c = gsl_vector_alloc(p);
	gsl_vector *sol = gsl_vector_alloc(p);
	int rc = 0;
	if (!idx || !g || !c || !sol) {
		rc = sim_err_set(err, SIM_ERR_NOMEM, NULL, 0, 0, "out of memory in refit");
		goto done;
	}
	gsl_error_handler_t *old = gsl_set_error_handler_off();
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
		gsl_matrix_view gs = gsl_matrix_submatrix(g, 0, 0, k, k);
		gsl_vector_view cs = gsl_vector_subvector(c, 0, k);
		gsl_vector_view xs = gsl_vector_subvector(sol, 0, k);
		double diag = 0;
		for (size_t a = 0; a < k; a++) {
			for (size_t b = 0; b < k; b++)
				gsl_matrix_set(&gs.matrix, a, b, s->gram[idx[a] * p + idx[b]]);
			gsl_vector_set(&cs.vector, a, s->cross[idx[a] * s->n_out + o]);
			diag += s->gram[idx[a] * p + idx[a]];
		}
		double ridge = 1e-9 * (diag > 0 ? diag / (double)k : 1.0);
		for (size_t a = 0; a < k; a++)
			*gsl_matrix_ptr(&gs.matrix, a, a) += ridge;
		if (gsl_linalg_cholesky_decomp1(&gs.matrix) != GSL_SUCCESS ||
		    gsl_linalg_cholesky_solve(&gs.matrix, &cs.vector, &xs.vector) != GSL_SUCCESS) {
			rc = sim_err_set(err, SIM_ERR_INTERNAL, NULL, 0, 0,
					 "least-squares refit: singular system for output %zu", o);
			break;
		}
		for (size_t a = 0; a < k; a++) {
			double v = gsl_vector_get(&xs.vector, a);
			if (idx[a] == s->n_in)
				bias[o] = (float)v;
			else
				row[idx[a]] = (float)v;
		}
	}
	gsl_set_error_handler(old);
done:
	gsl_vector_free(sol);
	gsl_vector_free(c);
	gsl_matrix_free(g);
	free(idx);
	return rc;
}

int eap_output_sq_error(const struct eap_stats *s, const float *w, const float *bias, double *out,
			struct sim_err *err)
{
	size_t p = s->n_in + 1;
	double total = s->yy;
	double *a = sim_malloc(p * sizeof *a, err);
	double *ga = a ? sim_malloc(p * sizeof *ga, err) : NULL;
	if (!a || !ga) {
		free(a);
		return SIM_ERR_NOMEM;
	}
	for (size_t o = 0; o < s->n_out; o++) {
		for (size_t i = 0; i < s->n_in; i++)
			a[i] = w[o * s->n_in + i];
		a[s->n_in] = bias ? bias[o] : 0.0;
		cblas_dsymv(CblasRowMajor, CblasUpper, (int)p, 1.0, s->gram, (int)p, a, 1, 0.0, ga, 1);
		total += cblas_ddot((int)p, a, 1, ga, 1) -
			 2.0 * cblas_ddot((int)p, a, 1, s->cross + o, (int)s->n_out);
	}
	free(a);
	free(ga);
	*out = total;
	return 0;
}
