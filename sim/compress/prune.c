/* Magnitude pruning (Han, Pool, Tran, Dally, NIPS 2015) generalised to groups
 * (Mao et al., "Exploring the Regularity of Sparse Structure in CNNs", NIPS
 * 2017; Yu et al., "Scalpel", ISCA 2017). A group is kept or removed as a
 * whole, ranked by its L1 or L2 norm divided by its size (mean magnitude or
 * RMS), so that a short group at the end of a row competes fairly.
 *
 * Two targets: a density (the fraction of weights kept, as in Mao's study at
 * equal density), or Han's threshold, quality * std(W), which sets each
 * layer's density from the spread of its weights. Ranking breaks ties by group
 * number so that masks are reproducible. */
#include "compress/prune.h"

#include <assert.h>
#include <gsl/gsl_statistics_float.h>
#include <math.h>
#include <stdlib.h>

#include "core/mem.h"

const char *const prune_norm_names[PRUNE_NORM_COUNT] = {"l1", "l2"};
static_assert(PRUNE_NORM_COUNT == 2, "one name per norm");

int prune_groups_for_layer(const struct wl_layer *layer, enum wl_granularity g,
			   uint64_t fc_block, uint64_t simd_width, struct prune_groups *out,
			   struct sim_err *err)
{
	if (!wl_layer_has_weights(layer))
		return sim_err_set(err, SIM_ERR_INTERNAL, NULL, 0, 0,
				   "layer '%s' has no weights to prune", layer->name);
	struct wl_conv_shape s = wl_layer_conv_shape(layer);
	out->rows = (uint64_t)s.G * s.M;
	out->row_len = (uint64_t)s.C * s.R * s.S;
	const uint64_t fc[WL_GRAN_COUNT] = {1, fc_block, 0, out->row_len, simd_width, out->row_len};
	const uint64_t conv[WL_GRAN_COUNT] = {1, s.S, (uint64_t)s.R * s.S, out->row_len,
					      simd_width, out->row_len};
	static_assert(WL_GRAN_COUNT == 6, "one group width per granularity");
	out->width = layer->type == WL_FC ? fc[g] : conv[g];
	if (out->width == 0)
		return sim_err_set(err, SIM_ERR_USAGE, NULL, 0, 0,
				   "granularity %s does not apply to %s layer '%s'%s",
				   wl_granularity_names[g], wl_layer_type_names[layer->type],
				   layer->name,
				   g == WL_GRAN_1D ? " without a block length"
				   : g == WL_GRAN_SIMD ? " without a SIMD width" : "");
	if (out->width > out->row_len)
		out->width = out->row_len;
	return 0;
}

uint64_t prune_groups_count(const struct prune_groups *g)
{
	return g->rows * ((g->row_len + g->width - 1) / g->width);
}

void prune_group_scores(const float *w, const struct prune_groups *g, enum prune_norm norm,
			double *scores)
{
	uint64_t k = 0;
	for (uint64_t r = 0; r < g->rows; r++) {
		const float *row = w + r * g->row_len;
		for (uint64_t c0 = 0; c0 < g->row_len; c0 += g->width) {
			uint64_t c1 = c0 + g->width < g->row_len ? c0 + g->width : g->row_len;
			double acc = 0;
			for (uint64_t c = c0; c < c1; c++)
				acc += norm == PRUNE_L1 ? fabs(row[c]) : (double)row[c] * row[c];
			acc /= (double)(c1 - c0);
			scores[k++] = norm == PRUNE_L1 ? acc : sqrt(acc);
		}
	}
}

/* First weight and size of group k (numbered row-major). */
static uint64_t group_range(const struct prune_groups *g, uint64_t k, uint64_t *size)
{
	uint64_t per_row = (g->row_len + g->width - 1) / g->width;
	uint64_t c0 = (k % per_row) * g->width;
	*size = c0 + g->width < g->row_len ? g->width : g->row_len - c0;
	return (k / per_row) * g->row_len + c0;
}

static void group_set(const struct prune_groups *g, uint64_t k, uint8_t *mask, uint8_t v)
{
	uint64_t size, first = group_range(g, k, &size);
	for (uint64_t i = 0; i < size; i++)
		mask[first + i] = v;
}

struct ranked {
	double score;
	uint64_t group;
};

static int ranked_cmp(const void *a, const void *b)
{
	const struct ranked *x = a, *y = b;
	if (x->score != y->score)
		return x->score > y->score ? -1 : 1;
	return x->group < y->group ? -1 : (x->group > y->group);
}

static int check_groups(const struct prune_groups *g, struct sim_err *err)
{
	if (!g->rows || !g->row_len || !g->width)
		return sim_err_set(err, SIM_ERR_INTERNAL, NULL, 0, 0,
				   "empty pruning groups (%llu rows of %llu, width %llu)",
				   (unsigned long long)g->rows, (unsigned long long)g->row_len,
				   (unsigned long long)g->width);
	return 0;
}

int prune_mask_density(const float *w, const struct prune_groups *g, enum prune_norm norm,
		       double density, uint8_t *mask, struct sim_err *err)
{
	if (check_groups(g, err))
		return SIM_ERR_INTERNAL;
	if (!(density > 0 && density <= 1))
		return sim_err_set(err, SIM_ERR_USAGE, NULL, 0, 0,
				   "pruning density must be in (0, 1], got %g", density);
	uint64_t n_groups = prune_groups_count(g), n = g->rows * g->row_len;
	double *scores = sim_malloc(n_groups * sizeof *scores, err);
	struct ranked *rk = sim_malloc(n_groups * sizeof *rk, err);
	if (!scores || !rk) {
		free(scores);
		free(rk);
		return SIM_ERR_NOMEM;
	}
	prune_group_scores(w, g, norm, scores);
	for (uint64_t k = 0; k < n_groups; k++)
		rk[k] = (struct ranked){scores[k], k};
	qsort(rk, n_groups, sizeof *rk, ranked_cmp);
	for (uint64_t i = 0; i < n; i++)
		mask[i] = 0;
	/* Add groups while doing so brings the count no further from the target:
	 * with equal groups this keeps round(target / width) of them. */
	double target = density * (double)n, kept = 0;
	for (uint64_t i = 0; i < n_groups; i++) {
		uint64_t size;
		group_range(g, rk[i].group, &size);
		if (i > 0 && kept + 0.5 * (double)size > target)
			break;
		group_set(g, rk[i].group, mask, 1);
		kept += (double)size;
	}
	free(scores);
	free(rk);
	return 0;
}

int prune_mask_threshold(const float *w, const struct prune_groups *g, enum prune_norm norm,
			 double quality, uint8_t *mask, struct sim_err *err)
{
	if (check_groups(g, err))
		return SIM_ERR_INTERNAL;
	uint64_t n_groups = prune_groups_count(g), n = g->rows * g->row_len;
	double *scores = sim_malloc(n_groups * sizeof *scores, err);
	if (!scores)
		return SIM_ERR_NOMEM;
	prune_group_scores(w, g, norm, scores);
	double thr = quality * gsl_stats_float_sd(w, 1, n);
	for (uint64_t k = 0; k < n_groups; k++)
		group_set(g, k, mask, scores[k] > thr);
	free(scores);
	return 0;
}

uint64_t prune_mask_kept(const uint8_t *mask, uint64_t n)
{
	uint64_t k = 0;
	for (uint64_t i = 0; i < n; i++)
		k += mask[i] != 0;
	return k;
}
