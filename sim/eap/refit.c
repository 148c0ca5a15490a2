/* Closed-form least-squares refit of surviving weights (see refit.h).
 * Each output is an independent linear regression on its support; GSL's
 * gsl_multifit_linear solves it by SVD, which also handles inputs that are
 * collinear on the sample set. The bias enters as a column of ones. */
#include "eap/refit.h"

#include <gsl/gsl_cblas.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_multifit.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"

int eap_refit(const struct eap_layer_data *d, float *w, const uint8_t *keep, float *bias,
	      struct sim_err *err)
{
	int rc = 0;
	size_t *support = sim_calloc(d->n_in, sizeof *support, err);
	if (!support)
		return SIM_ERR_NOMEM;
	gsl_error_handler_t *old = gsl_set_error_handler_off();
	for (size_t o = 0; o < d->n_out && rc == 0; o++) {
		size_t k = 0;
		for (size_t i = 0; i < d->n_in; i++)
			if (keep[o * d->n_in + i])
				support[k++] = i;
		size_t p = k + (bias ? 1 : 0);
		float *row = w + o * d->n_in;
		if (p == 0) {
			memset(row, 0, d->n_in * sizeof *row);
			continue;
		}
		gsl_matrix *a = gsl_matrix_alloc(d->n_samples, p);
		gsl_vector *t = gsl_vector_alloc(d->n_samples);
		gsl_vector *c = gsl_vector_alloc(p);
		gsl_matrix *cov = gsl_matrix_alloc(p, p);
		gsl_multifit_linear_workspace *ws = gsl_multifit_linear_alloc(d->n_samples, p);
		if (!a || !t || !c || !cov || !ws) {
			rc = sim_err_set(err, SIM_ERR_NOMEM, NULL, 0, 0,
					 "out of memory in least-squares refit (%zu x %zu)",
					 d->n_samples, p);
		} else {
			for (size_t s = 0; s < d->n_samples; s++) {
				const float *xs = d->x + s * d->n_in;
				for (size_t j = 0; j < k; j++)
					gsl_matrix_set(a, s, j, xs[support[j]]);
				if (bias)
					gsl_matrix_set(a, s, k, 1.0);
				gsl_vector_set(t, s, d->y[s * d->n_out + o]);
			}
			double chisq;
			if (gsl_multifit_linear(a, t, c, cov, &chisq, ws) != GSL_SUCCESS) {
				rc = sim_err_set(err, SIM_ERR_INTERNAL, NULL, 0, 0,
						 "least-squares refit failed for output %zu", o);
			} else {
				memset(row, 0, d->n_in * sizeof *row);
				for (size_t j = 0; j < k; j++)
					row[support[j]] = (float)gsl_vector_get(c, j);
				if (bias)
					bias[o] = (float)gsl_vector_get(c, k);
			}
		}
		gsl_multifit_linear_free(ws);
		gsl_matrix_free(cov);
		gsl_vector_free(c);
		gsl_vector_free(t);
		gsl_matrix_free(a);
	}
	gsl_set_error_handler(old);
	free(support);
	return rc;
}

double eap_output_sq_error(const struct eap_layer_data *d, const float *w, const float *bias)
{
	double total = 0;
	for (size_t s = 0; s < d->n_samples; s++) {
		const float *xs = d->x + s * d->n_in;
		for (size_t o = 0; o < d->n_out; o++) {
			double v = cblas_sdot((int)d->n_in, xs, 1, w + o * d->n_in, 1);
			if (bias)
				v += bias[o];
			double e = v - d->y[s * d->n_out + o];
			total += e * e;
		}
	}
	return total;
}
