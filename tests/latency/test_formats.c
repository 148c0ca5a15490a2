/* The latency formats compute the layer: for FC and CONV layers (groups,
 * padding, stride), at several densities, every format's outputs match a
 * direct double-precision convolution of the weights it holds, and those
 * weights are the masked weights exactly (the codebook values for dc; the
 * weights themselves when they are already shared). Timing is not tested. */
#include <gsl/gsl_rng.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "latency/formats.h"
#include "test.h"

static const char net_yaml[] =
	"name: lat\ninput: {channels: 4, height: 9, width: 9}\nlayers:\n"
	"  - {name: c1, type: conv, out_channels: 6, kernel: 3, padding: 1, stride: 2, groups: 2}\n"
	"  - {name: c2, type: conv, out_channels: 5, kernel: 2}\n"
	"  - {name: f1, type: fc, out_features: 23}\n";

/* Direct convolution (or product) of weights w with input x, in double. */
static void reference(const struct wl_layer *wl, const struct lat_layer *l, const float *w,
		      const float *bias, const float *x, double *y, double *scale)
{
	const struct wl_conv_shape *s = &l->s;
	uint32_t h_in = s->H - 2 * l->pad, w_in = s->W - 2 * l->pad;
	for (uint32_t m = 0; m < l->rows; m++)
		for (uint32_t e = 0; e < s->E; e++)
			for (uint32_t f = 0; f < s->F; f++) {
				double acc = bias ? bias[m] : 0, mag = bias ? fabs(bias[m]) : 0;
				for (uint32_t c = 0; c < s->C; c++)
					for (uint32_t r = 0; r < s->R; r++)
						for (uint32_t q = 0; q < s->S; q++) {
							long h = (long)(e * s->U + r) - (long)l->pad;
							long v = (long)(f * s->U + q) - (long)l->pad;
							if (wl->type == WL_CONV &&
							    (h < 0 || v < 0 || h >= (long)h_in || v >= (long)w_in))
								continue;
							uint32_t cin = (m / s->M) * s->C + c;
							double xv = wl->type == WL_FC
									    ? x[c]
									    : x[((uint64_t)cin * h_in + (uint64_t)h) * w_in +
										(uint64_t)v];
							double wv = w[((uint64_t)m * s->C + c) * s->R * s->S + r * s->S + q];
							acc += wv * xv;
							mag += fabs(wv * xv);
						}
				y[(uint64_t)m * l->positions + e * s->F + f] = acc;
				scale[(uint64_t)m * l->positions + e * s->F + f] = mag;
			}
}

static void check_layer(const struct wl_layer *wl, gsl_rng *rng, int shared)
{
	struct lat_layer l;
	lat_layer_init(&l, wl);
	uint64_t n = (uint64_t)l.rows * l.cols, outs = (uint64_t)l.rows * l.positions;
	float *w = malloc(n * sizeof *w), *eff = malloc(n * sizeof *eff);
	float *bias = malloc(l.rows * sizeof *bias), *x = malloc(l.in_floats * sizeof *x);
	float *y = malloc(outs * sizeof *y);
	double *ref = malloc(outs * sizeof *ref), *scale = malloc(outs * sizeof *scale);
	uint8_t *mask = malloc(n);
	for (uint64_t i = 0; i < n; i++)
		w[i] = shared ? (float)(gsl_rng_uniform_int(rng, 7) - 3) * 0.125f
			      : (float)(gsl_rng_uniform(rng) - 0.5);
	for (uint32_t i = 0; i < l.rows; i++)
		bias[i] = (float)(gsl_rng_uniform(rng) - 0.5);
	for (uint64_t i = 0; i < l.in_floats; i++)
		x[i] = (float)gsl_rng_uniform(rng);
	const double densities[] = {1.0, 0.3, 0.05};
	const struct lat_format_opts o = {.simd_width = 4, .dc_wbits = 4, .dc_ibits = 2};
	struct lat_work ws;
	struct sim_err err;
	CU_ASSERT_EQUAL_FATAL(lat_work_init(&ws, &l, &err), 0);
	for (int d = 0; d < 3; d++) {
		for (uint64_t i = 0; i < n; i++)
			mask[i] = gsl_rng_uniform(rng) < densities[d];
		for (uint32_t m = 0; m < l.rows; m += 3) /* some whole rows go (node) */
			if (densities[d] < 1)
				memset(mask + (uint64_t)m * l.cols, 0, l.cols);
		for (int fmt = 0; fmt < LAT_FORMAT_COUNT; fmt++) {
			struct lat_weights f;
			CU_ASSERT_EQUAL_FATAL(lat_weights_init(&f, (enum lat_format)fmt, &l, w, mask, bias,
							       &o, &err), 0);
			lat_weights_effective(&f, eff);
			int same = 1;
			for (uint64_t i = 0; i < n; i++)
				if (fmt != LAT_DC || shared)
					same &= eff[i] == (mask[i] ? w[i] : 0.0f);
				else
					same &= (eff[i] == 0.0f) == !mask[i] || w[i] == 0.0f;
			CU_ASSERT(same);
			reference(wl, &l, eff, bias, x, ref, scale);
			lat_run(&f, &ws, x, y);
			int ok = 1;
			for (uint32_t r = 0; r < f.out_rows; r++) {
				uint32_t m = f.row_of ? f.row_of[r] : r;
				for (uint32_t p = 0; p < l.positions; p++) {
					uint64_t i = (uint64_t)m * l.positions + p;
					ok &= fabs(y[(uint64_t)r * l.positions + p] - ref[i]) <=
					      1e-6 * scale[i] + 1e-7;
				}
			}
			if (!ok)
				fprintf(stderr, "\n%s: format %s at density %g differs\n", wl->name,
					lat_format_names[fmt], densities[d]);
			CU_ASSERT(ok);
			if (fmt == LAT_NODE && densities[d] < 1)
				CU_ASSERT(f.out_rows < l.rows);
			lat_weights_deinit(&f);
		}
	}
	lat_work_deinit(&ws);
	free(w);
	free(eff);
	free(bias);
	free(x);
	free(y);
	free(ref);
	free(scale);
	free(mask);
}

static void test_formats(void)
{
	struct wl_network net;
	struct sim_err err;
	CU_ASSERT_EQUAL_FATAL(wl_network_load_string(&net, "lat", net_yaml, &err), 0);
	gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
	gsl_rng_set(rng, 21);
	for (int shared = 0; shared < 2; shared++)
		for (int i = 0; i < net.n_layers; i++)
			check_layer(&net.layers[i], rng, shared);
	gsl_rng_free(rng);
	wl_network_deinit(&net);
}

static const struct test_case cases[] = {
	{"every latency format computes the layer it holds", test_formats},
};
TEST_SUITE(latency_formats, cases);
