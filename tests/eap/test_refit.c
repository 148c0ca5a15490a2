/* Least-squares refit: on a random layer it lowers the output error compared
 * with magnitude pruning alone, matches the normal-equation solution computed
 * independently by Cholesky, recovers an exactly sparse layer, and keeps
 * pruned weights at zero. */
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_rng.h>
#include <gsl/gsl_randist.h>
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

static void test_refit_lowers_error(void)
{
	gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
	gsl_rng_set(r, 11);
	static struct fixture f;
	make_layer(&f, r, 0.1, 0);
	struct eap_layer_data d = {f.x, f.y, NS, NI, NO};
	struct sim_err err;
	double before = eap_output_sq_error(&d, f.w, f.b);
	CU_ASSERT_EQUAL_FATAL(eap_refit(&d, f.w, f.keep, f.b, &err), 0);
	double after = eap_output_sq_error(&d, f.w, f.b);
	CU_ASSERT(after < 0.8 * before);
	for (size_t i = 0; i < NO * NI; i++)
		if (!f.keep[i])
			CU_ASSERT_EQUAL(f.w[i], 0.0f);

	/* Independent check: normal equations (A^T A) c = A^T y by Cholesky, row 0. */
	size_t k = 0, idx[NI + 1];
	for (size_t i = 0; i < NI; i++)
		if (f.keep[i])
			idx[k++] = i;
	size_t p = k + 1;
	gsl_matrix *ata = gsl_matrix_calloc(p, p);
	gsl_vector *aty = gsl_vector_calloc(p);
	for (size_t s = 0; s < NS; s++) {
		double row[NI + 1];
		for (size_t j = 0; j < k; j++)
			row[j] = f.x[s * NI + idx[j]];
		row[k] = 1.0;
		for (size_t a = 0; a < p; a++) {
			*gsl_vector_ptr(aty, a) += row[a] * f.y[s * NO + 0];
			for (size_t b = 0; b < p; b++)
				*gsl_matrix_ptr(ata, a, b) += row[a] * row[b];
		}
	}
	CU_ASSERT_EQUAL_FATAL(gsl_linalg_cholesky_decomp1(ata), 0);
	gsl_vector *c = gsl_vector_alloc(p);
	gsl_linalg_cholesky_solve(ata, aty, c);
	for (size_t j = 0; j < k; j++)
		CU_ASSERT_DOUBLE_EQUAL(f.w[idx[j]], gsl_vector_get(c, j), 1e-4);
	CU_ASSERT_DOUBLE_EQUAL(f.b[0], gsl_vector_get(c, k), 1e-4);
	gsl_vector_free(c);
	gsl_vector_free(aty);
	gsl_matrix_free(ata);
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
	struct sim_err err;
	CU_ASSERT_EQUAL_FATAL(eap_refit(&d, f.w, f.keep, f.b, &err), 0);
	for (size_t i = 0; i < NO * NI; i++)
		CU_ASSERT_DOUBLE_EQUAL(f.w[i], f.w_true[i], 1e-3);
	CU_ASSERT(eap_output_sq_error(&d, f.w, f.b) < 1e-6);
	gsl_rng_free(r);
}

static const struct test_case cases[] = {
	{"refit lowers output error and solves the normal equations", test_refit_lowers_error},
	{"refit recovers an exactly sparse layer", test_recovers_sparse_truth},
};
TEST_SUITE(eap_refit, cases);
