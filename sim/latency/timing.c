/* Latency measurement of one layer (see timing.h). */
#include "latency/timing.h"

#include <gsl/gsl_rng.h>
#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>
#include <stdlib.h>
#include <string.h>

#include "compress/prune.h"
#include "core/clock.h"
#include "core/detmath.h"
#include "core/mem.h"

void lat_layer_result_deinit(struct lat_layer_result *r)
{
	free(r->points);
	memset(r, 0, sizeof *r);
}

/* Everything one layer's measurement holds. */
struct bench {
	const struct nn_layer *L;
	const struct wl_layer *wl;
	struct lat_layer l;
	const struct lat_opts *o;
	struct lat_work ws;
	float *x, *y, *w;
	uint8_t *mask[LAT_FORMAT_COUNT];
	double *samples;
};

/* Masks of each format's structure at density d (own: the layer's masks). */
static int make_masks(struct bench *b, double d, bool own, struct sim_err *err)
{
	static const enum wl_granularity structure[LAT_FORMAT_COUNT] = {
		WL_GRAN_0D, WL_GRAN_0D, WL_GRAN_0D, WL_GRAN_SIMD, WL_GRAN_NODE, WL_GRAN_0D,
	};
	uint64_t n = b->L->weight.n;
	for (int f = 0; f < LAT_FORMAT_COUNT; f++) {
		if (own) {
			memcpy(b->mask[f], b->L->weight.mask, n);
			continue;
		}
		struct prune_groups g;
		int rc = prune_groups_for_layer(b->wl, structure[f], 0, b->o->fmt.simd_width, &g, err);
		if (!rc)
			rc = d < 1 ? prune_mask_density(b->w, &g, PRUNE_L2, d, b->mask[f], err) : 0;
		if (rc)
			return rc;
		if (d >= 1)
			memset(b->mask[f], 1, n);
	}
	return 0;
}

/* Per-call time of the kernel, one sample. */
static double sample(const struct lat_weights *f, struct bench *b, uint64_t calls)
{
	double t0 = sim_clock_s(CLOCK_THREAD_CPUTIME_ID);
	for (uint64_t i = 0; i < calls; i++)
		lat_run(f, &b->ws, b->x, b->y);
	return (sim_clock_s(CLOCK_THREAD_CPUTIME_ID) - t0) / (double)calls;
}

static int measure_point(struct bench *b, double d, bool own, struct lat_point *pt,
			 struct sim_err *err)
{
	const struct lat_opts *o = b->o;
	struct lat_weights f[LAT_FORMAT_COUNT];
	memset(f, 0, sizeof f);
	int rc = make_masks(b, d, own, err);
	for (int k = 0; !rc && k < LAT_FORMAT_COUNT; k++)
		rc = lat_weights_init(&f[k], (enum lat_format)k, &b->l, b->w, b->mask[k],
				      b->L->bias.n ? b->L->bias.value : NULL, &o->fmt, err);
	memset(pt, 0, sizeof *pt);
	pt->density = own ? (double)prune_mask_kept(b->L->weight.mask, b->L->weight.n) /
				    (double)b->L->weight.n
			  : d;
	uint32_t total = o->warmup + o->repeats;
	for (int k = 0; !rc && k < LAT_FORMAT_COUNT; k++) {
		/* Calls per sample: enough to last min_sample_s, from one timed call. */
		double one = sample(&f[k], b, 1);
		double want = one > 0 ? o->min_sample_s / one : 1e6;
		pt->t[k].calls = want < 1 ? 1 : want > 1e6 ? 1000000 : (uint64_t)want + 1;
		pt->t[k].bytes = f[k].bytes;
		uint64_t n = (uint64_t)b->l.rows * b->l.cols, kept = 0;
		for (uint64_t i = 0; i < n; i++)
			kept += b->mask[k][i];
		pt->t[k].kept = (double)(k == LAT_NODE ? (uint64_t)f[k].out_rows * b->l.cols : kept) /
				(double)n;
	}
	for (uint32_t s = 0; !rc && s < total; s++)
		for (int k = 0; k < LAT_FORMAT_COUNT; k++) {
			double t = sample(&f[k], b, pt->t[k].calls);
			if (s >= o->warmup)
				b->samples[k * o->repeats + (s - o->warmup)] = t;
		}
	for (int k = 0; !rc && k < LAT_FORMAT_COUNT; k++) {
		double *v = b->samples + k * o->repeats;
		gsl_sort(v, 1, o->repeats);
		pt->t[k].median_s = gsl_stats_median_from_sorted_data(v, 1, o->repeats);
		pt->t[k].q1_s = gsl_stats_quantile_from_sorted_data(v, 1, o->repeats, 0.25);
		pt->t[k].q3_s = gsl_stats_quantile_from_sorted_data(v, 1, o->repeats, 0.75);
	}
	for (int k = 0; k < LAT_FORMAT_COUNT; k++)
		lat_weights_deinit(&f[k]);
	return rc;
}

int lat_measure_layer(const struct nn_model *m, int li, const struct lat_opts *o, bool own,
		      struct lat_layer_result *out, struct sim_err *err)
{
	memset(out, 0, sizeof *out);
	struct bench b = {.L = &m->layers[li], .wl = &m->net.layers[li], .o = o};
	lat_layer_init(&b.l, b.wl);
	snprintf(out->name, sizeof out->name, "%s", b.wl->name);
	out->l = b.l;
	out->weights = b.L->weight.n;
	uint64_t n = b.L->weight.n, outs = (uint64_t)b.l.rows * b.l.positions;
	int rc = lat_work_init(&b.ws, &b.l, err);
	b.x = sim_malloc(b.l.in_floats * sizeof *b.x, err);
	b.y = sim_malloc(outs * sizeof *b.y, err);
	b.w = sim_malloc(n * sizeof *b.w, err);
	b.samples = sim_malloc((size_t)LAT_FORMAT_COUNT * (o->repeats ? o->repeats : 1) *
				       sizeof *b.samples, err);
	out->points = sim_calloc(o->n_densities ? o->n_densities : 1, sizeof *out->points, err);
	for (int k = 0; k < LAT_FORMAT_COUNT; k++)
		b.mask[k] = sim_malloc(n, err);
	gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
	if (!rc && (!b.x || !b.y || !b.w || !b.samples || !out->points || !rng))
		rc = SIM_ERR_NOMEM;
	for (int k = 0; !rc && k < LAT_FORMAT_COUNT; k++)
		if (!b.mask[k])
			rc = SIM_ERR_NOMEM;
	if (!rc) {
		/* Inputs as after a ReLU: non-negative (their values change no time). */
		gsl_rng_set(rng, o->seed);
		for (uint64_t i = 0; i < b.l.in_floats; i++)
			b.x[i] = (float)gsl_rng_uniform(rng);
		memcpy(b.w, b.L->weight.value, n * sizeof *b.w);
	}
	for (size_t i = 0; !rc && i < o->n_densities; i++) {
		rc = measure_point(&b, o->densities[i], false, &out->points[i], err);
		out->n_points += !rc;
	}
	if (!rc && own) {
		rc = measure_point(&b, 1.0, true, &out->own, err);
		out->has_own = !rc;
	}
	gsl_rng_free(rng);
	for (int k = 0; k < LAT_FORMAT_COUNT; k++)
		free(b.mask[k]);
	free(b.x);
	free(b.y);
	free(b.w);
	free(b.samples);
	lat_work_deinit(&b.ws);
	if (rc)
		lat_layer_result_deinit(out);
	return rc;
}

struct lat_break_even lat_break_even(const struct lat_point *pts, size_t n, enum lat_format f,
				     enum lat_format ref)
{
	struct lat_break_even be = {n ? pts[0].density : 0, -1};
	for (size_t i = 0; i < n; i++) {
		double q = pts[i].t[f].median_s / pts[i].t[ref].median_s;
		if (q >= 1)
			continue;
		if (i == 0)
			return (struct lat_break_even){pts[0].density, 1};
		double x0 = det_log(pts[i - 1].density), x1 = det_log(pts[i].density);
		double y0 = det_log(pts[i - 1].t[f].median_s / pts[i - 1].t[ref].median_s);
		double y1 = det_log(q);
		return (struct lat_break_even){det_exp(x0 + (0 - y0) * (x1 - x0) / (y1 - y0)), 0};
	}
	be.density = n ? pts[n - 1].density : 0;
	return be;
}
