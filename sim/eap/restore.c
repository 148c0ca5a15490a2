/* Greedy restoration (see restore.h). */
#include "eap/restore.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"

/* Greedy restoration state of one output row: u = the original weights of
 * its removed groups (0 elsewhere), q = X^T (Y - X a0) (a0 = the row's
 * original weights and bias, so q is the residual's correlation with each
 * input) and v = G u, over the row's inputs. */
struct restore_row {
	double best_gain;  /* error reduction of restoring best_group; -inf: none left */
	uint64_t best_group;
};

/* Error reduction of restoring group [c0, c1) of a row: with the error
 * e(u) = ||r + X u||^2 = r^T r + 2 u^T q + u^T G u, setting u_g to 0 lowers
 * it by 2 u_g.q_g + 2 u_g.v_g - u_g^T G_gg u_g. */
static double restore_gain(const double *u, const double *q, const double *v, const double *gram,
			   size_t p, uint64_t c0, uint64_t c1)
{
	double lin = 0, quad = 0;
	for (uint64_t a = c0; a < c1; a++) {
		lin += u[a] * (q[a] + v[a]);
		for (uint64_t b = c0; b < c1; b++)
			quad += u[a] * u[b] * gram[a * p + b];
	}
	return 2.0 * lin - quad;
}

/* The best group of a row to restore next (the removed group of largest
 * gain; ties: the lower group). */
static void restore_best(struct restore_row *rr, const uint8_t *mask, const uint8_t *mask0,
			 const struct prune_groups *pg, uint64_t base, const double *u,
			 const double *q, const double *v, const double *gram, size_t p)
{
	rr->best_gain = -INFINITY;
	for (uint64_t c0 = 0; c0 < pg->row_len; c0 += pg->width) {
		if (mask[base + c0] || !mask0[base + c0])
			continue;
		uint64_t c1 = c0 + pg->width < pg->row_len ? c0 + pg->width : pg->row_len;
		double gain = restore_gain(u, q, v, gram, p, c0, c1);
		if (gain > rr->best_gain) {
			rr->best_gain = gain;
			rr->best_group = c0 / pg->width;
		}
	}
}

void eap_restore_prep_deinit(struct eap_restore_prep *prep)
{
	free(prep->q);
	free(prep->gw0);
	memset(prep, 0, sizeof *prep);
}

int eap_restore_prepare(struct eap_restore_prep *prep, const struct eap_stats *st_all,
			uint32_t n_stats, const float *w0, const float *b0,
			const struct prune_groups *pg, struct sim_err *err)
{
	const uint64_t rows_per_group = pg->rows / n_stats, len = pg->row_len;
	const size_t p = st_all[0].n_in + 1;
	prep->q = sim_malloc(pg->rows * len * sizeof *prep->q, err);
	prep->gw0 = sim_malloc(pg->rows * len * sizeof *prep->gw0, err);
	if (!prep->q || !prep->gw0) {
		eap_restore_prep_deinit(prep);
		return SIM_ERR_NOMEM;
	}
	for (uint64_t r = 0; r < pg->rows; r++) {
		const struct eap_stats *st = &st_all[r / rows_per_group];
		const uint64_t o = r % rows_per_group, base = r * len;
		for (uint64_t a = 0; a < len; a++) {
			/* G w0 and q = c - G a0 (a0 = [w0; b0]), sums in index order. */
			double gw = 0.0;
			for (uint64_t b = 0; b < len; b++)
				gw += st->gram[a * p + b] * (double)w0[base + b];
			prep->gw0[base + a] = gw;
			double ga0 = gw + (b0 ? st->gram[a * p + len] * (double)b0[r] : 0.0);
			prep->q[base + a] = st->cross[a * st->n_out + o] - ga0;
		}
	}
	return 0;
}

/* Outputs have separate errors, so each row keeps its own state and only the
 * restored row's candidates change after a step (see eap.h). v = G u starts
 * from whichever of the removed or the kept weights are fewer: G u directly,
 * or G w0 - G w_kept (G is symmetric, so its rows serve as columns). */
int eap_restore_greedy(const struct eap_stats *st_all, uint32_t n_stats,
		       const struct eap_restore_prep *prep, const float *w0,
		       const uint8_t *mask0, uint8_t *mask, const struct prune_groups *pg,
		       uint64_t target, uint64_t *restored, struct sim_err *err)
{
	uint64_t n = pg->rows * pg->row_len, kept = prune_mask_kept(mask, n);
	*restored = 0;
	if (kept >= target)
		return 0;
	const uint64_t rows_per_group = pg->rows / n_stats, len = pg->row_len;
	const size_t p = st_all[0].n_in + 1;
	double *u = sim_malloc(pg->rows * len * sizeof *u, err);
	double *v = sim_malloc(pg->rows * len * sizeof *v, err);
	struct restore_row *rr = sim_malloc(pg->rows * sizeof *rr, err);
	int rc = u && v && rr ? 0 : SIM_ERR_NOMEM;
	for (uint64_t r = 0; !rc && r < pg->rows; r++) {
		const struct eap_stats *st = &st_all[r / rows_per_group];
		const uint64_t base = r * len;
		double *ur = u + base, *vr = v + base;
		uint64_t n_kept = 0;
		for (uint64_t b = 0; b < len; b++) {
			ur[b] = mask[base + b] ? 0.0 : (double)w0[base + b];
			n_kept += mask[base + b];
		}
		const bool from_kept = n_kept < len - n_kept;
		if (from_kept)
			memcpy(vr, prep->gw0 + base, len * sizeof *vr);
		else
			memset(vr, 0, len * sizeof *vr);
		for (uint64_t b = 0; b < len; b++) {
			const double x = from_kept ? (mask[base + b] ? -(double)w0[base + b] : 0.0) : ur[b];
			if (x == 0.0)
				continue;
			const double *gb = st->gram + b * p;
			for (uint64_t a = 0; a < len; a++)
				vr[a] += gb[a] * x;
		}
		restore_best(&rr[r], mask, mask0, pg, base, ur, prep->q + base, vr, st->gram, p);
	}
	while (!rc && kept < target) {
		uint64_t r = pg->rows;
		for (uint64_t k = 0; k < pg->rows; k++)
			if (rr[k].best_gain > -INFINITY && (r == pg->rows || rr[k].best_gain > rr[r].best_gain))
				r = k;
		if (r == pg->rows)
			break; /* nothing left to restore */
		const struct eap_stats *st = &st_all[r / rows_per_group];
		const uint64_t base = r * len, c0 = rr[r].best_group * pg->width;
		const uint64_t c1 = c0 + pg->width < len ? c0 + pg->width : len;
		double *ur = u + base, *vr = v + base;
		for (uint64_t c = c0; c < c1; c++) {
			kept += mask0[base + c] && !mask[base + c];
			mask[base + c] = mask0[base + c];
			const double *gc = st->gram + c * p;
			for (uint64_t a = 0; a < len; a++)
				vr[a] -= gc[a] * ur[c];
			ur[c] = 0.0;
		}
		(*restored)++;
		restore_best(&rr[r], mask, mask0, pg, base, ur, prep->q + base, vr, st->gram, p);
	}
	free(u);
	free(v);
	free(rr);
	return rc;
}
