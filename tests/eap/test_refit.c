/* Least-squares refit: on a random layer it lowers the output error compared
 * with magnitude pruning alone; it matches an independent solver (GSL's SVD
 * regression on the raw samples, not the Gram matrix); it recovers an exactly
 * sparse layer; pruned weights stay zero; and the Gram-form error equals the
 * error summed directly over the samples. */
#include <gsl/gsl_multifit.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <math.h>
#include <stdlib.h>

#include "eap/refit.h"
#include "test.h"

enum { NS = 300, NI = 24, NO = 6 };

struct fixture {
	float x[NS * NI], y[NS * NO], w_true[NO * NI], b_true[NO];
	float w[NO * NI], b[NO];
	uint8_t keep[NO * NI];
};

/* Y = X W^T + b + noise; then keep the largest-magnitude half of each row.
 * Inputs are correlated (four latent factors plus noise), as neighbouring
 * pixels of an image patch are; that is what gives the refit something to do. */
static void make_layer(struct fixture *f, gsl_rng *r, double noise, int sparse_truth)
{
	double mix[4][NI];
	for (size_t l = 0; l < 4; l++)
		for (size_t i = 0; i < NI; i++)
			mix[l][i] = gsl_ran_gaussian(r, 1.0);
	for (size_t s = 0; s < NS; s++) {
		double z[4];
		for (size_t l = 0; l < 4; l++)
			z[l] = gsl_ran_gaussian(r, 1.0);
		for (size_t i = 0; i < NI; i++) {
			double v = 0.3 * gsl_ran_gaussian(r, 1.0);
			for (size_t l = 0; l < 4; l++)
				v += z[l] * mix[l][i];
			f->x[s * NI + i] = (float)v;
		}
	}
	for (size_t i = 0; i < NO * NI; i++) {
		f->w_true[i] = (float)gsl_ran_gaussian(r, 1.0);
		if (sparse_truth && (i % NI) >= NI / 2)
			f->w_true[i] = 0;
	}
	for (size_t o = 0; o < NO; o++)
		f->b_true[o] = (float)gsl_ran_gaussian(r, 1.0);
	for (size_t s = 0; s < NS; s++)
		for (size_t o = 0; o < NO; o++) {
			double v = f->b_true[o];
			for (size_t i = 0; i < NI; i++)
				v += (double)f->x[s * NI + i] * f->w_true[o * NI + i];
			f->y[s * NO + o] = (float)(v + gsl_ran_gaussian(r, noise));
		}
	for (size_t o = 0; o < NO; o++) {
		for (size_t i = 0; i < NI; i++) {
			float m = fabsf(f->w_true[o * NI + i]);
			size_t bigger = 0;
			for (size_t j = 0; j < NI; j++)
				bigger += fabsf(f->w_true[o * NI + j]) > m;
			f->keep[o * NI + i] = bigger < NI / 2;
			f->w[o * NI + i] = f->keep[o * NI + i] ? f->w_true[o * NI + i] : 0;
		}
		f->b[o] = f->b_true[o];
	}
}

/* The error summed over the samples, straight from the definition. */
static double direct_error(const struct fixture *f)
{
	double total = 0;
	for (size_t s = 0; s < NS; s++)
		for (size_t o = 0; o < NO; o++) {
			double v = f->b[o];
			for (size_t i = 0; i < NI; i++)
				v += (double)f->x[s * NI + i] * f->w[o * NI + i];
			total += (v - f->y[s * NO + o]) * (v - f->y[s * NO + o]);
		}
	return total;
}

static void test_refit_lowers_error(void)
{
	gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
	gsl_rng_set(r, 11);
	static struct fixture f;
	make_layer(&f, r, 0.1, 0);
	struct eap_layer_data d = {f.x, f.y, NS, NI, NO};
	struct eap_stats st;
	struct sim_err err;
	CU_ASSERT_EQUAL_FATAL(eap_stats_init(&st, &d, &err), 0);
	double before, after;
	CU_ASSERT_EQUAL_FATAL(eap_output_sq_error(&st, f.w, f.b, &before, &err), 0);
	CU_ASSERT_DOUBLE_EQUAL(before, direct_error(&f), 1e-6 * before);
	CU_ASSERT_EQUAL_FATAL(eap_refit(&st, f.w, f.keep, f.b, &err), 0);
	CU_ASSERT_EQUAL_FATAL(eap_output_sq_error(&st, f.w, f.b, &after, &err), 0);
	CU_ASSERT_DOUBLE_EQUAL(after, direct_error(&f), 1e-6 * before);
	CU_ASSERT(after < 0.8 * before);
	for (size_t i = 0; i < NO * NI; i++)
		if (!f.keep[i])
			CU_ASSERT_EQUAL(f.w[i], 0.0f);

	/* Independent solver: SVD regression on the raw samples, every output. */
	for (size_t o = 0; o < NO; o++) {
		size_t k = 0, idx[NI];
		for (size_t i = 0; i < NI; i++)
			if (f.keep[o * NI + i])
				idx[k++] = i;
		gsl_matrix *a = gsl_matrix_alloc(NS, k + 1);
		gsl_vector *t = gsl_vector_alloc(NS), *c = gsl_vector_alloc(k + 1);
		gsl_matrix *cov = gsl_matrix_alloc(k + 1, k + 1);
		gsl_multifit_linear_workspace *ws = gsl_multifit_linear_alloc(NS, k + 1);
		for (size_t s = 0; s < NS; s++) {
			for (size_t j = 0; j < k; j++)
				gsl_matrix_set(a, s, j, f.x[s * NI + idx[j]]);
			gsl_matrix_set(a, s, k, 1.0);
			gsl_vector_set(t, s, f.y[s * NO + o]);
		}
		double chisq;
		CU_ASSERT_EQUAL(gsl_multifit_linear(a, t, c, cov, &chisq, ws), 0);
		for (size_t j = 0; j < k; j++)
			CU_ASSERT_DOUBLE_EQUAL(f.w[o * NI + idx[j]], gsl_vector_get(c, j), 1e-4);
		CU_ASSERT_DOUBLE_EQUAL(f.b[o], gsl_vector_get(c, k), 1e-4);
		gsl_multifit_linear_free(ws);
		gsl_matrix_free(cov);
		gsl_vector_free(c);
		gsl_vector_free(t);
		gsl_matrix_free(a);
	}
	eap_stats_deinit(&st);
	gsl_rng_free(r);
}

static void test_recovers_sparse_truth(void)
{
	gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
	gsl_rng_set(r, 5);
	static struct fixture f;
	make_layer(&f, r, 0.0, 1);
	/* Keep exactly the true support, but start from perturbed weights. */
	for (size_t i = 0; i < NO * NI; i++) {
		f.keep[i] = (i % NI) < NI / 2;
		f.w[i] = f.keep[i] ? f.w_true[i] * 0.5f : 0;
	}
	struct eap_layer_data d = {f.x, f.y, NS, NI, NO};
	struct eap_stats st;
	struct sim_err err;
	CU_ASSERT_EQUAL_FATAL(eap_stats_init(&st, &d, &err), 0);
	CU_ASSERT_EQUAL_FATAL(eap_refit(&st, f.w, f.keep, f.b, &err), 0);
	for (size_t i = 0; i < NO * NI; i++)
		CU_ASSERT_DOUBLE_EQUAL(f.w[i], f.w_true[i], 1e-3);
	CU_ASSERT(direct_error(&f) < 1e-6);
	eap_stats_deinit(&st);
	gsl_rng_free(r);
}

static const struct test_case cases[] = {
	{"refit lowers output error and agrees with an SVD solver", test_refit_lowers_error},
	{"refit recovers an exactly sparse layer", test_recovers_sparse_truth},
};
TEST_SUITE(eap_refit, cases);
