/* Sample statistics of a layer for the refit and the restoration (see
 * samples.h). */
#include "eap/samples.h"

#include <gsl/gsl_randist.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"

void eap_layer_stats_deinit(struct eap_layer_stats *ls)
{
	for (uint32_t g = 0; ls->st && g < ls->groups; g++)
		eap_stats_deinit(&ls->st[g]);
	free(ls->st);
	memset(ls, 0, sizeof *ls);
}

/* Samples (input patch, target output) rows of layer li: inputs from the
 * current model, targets from the reference (unpruned) model. */
int eap_layer_stats_init(struct eap_layer_stats *ls, struct nn_model *cur, struct nn_model *ref,
			    const struct nn_dataset *train, int li, const struct eap_opts *o,
			    gsl_rng *rng, struct sim_err *err)
{
	memset(ls, 0, sizeof *ls);
	const struct wl_layer *l = &cur->net.layers[li];
	struct wl_conv_shape s = wl_layer_conv_shape(l);
	uint64_t n_in = (uint64_t)s.C * s.R * s.S, positions = (uint64_t)s.E * s.F;
	/* Enough images for samples_per_unknown rows per unknown (weights + bias)
	 * of a group, so the refit generalises beyond the sampled images. */
	uint64_t n_img = o->sample_images;
	uint64_t want = (uint64_t)o->samples_per_unknown * (n_in + 1);
	uint64_t need = (want + positions - 1) / positions;
	if (need > n_img)
		n_img = need;
	if (n_img > train->n)
		n_img = train->n;
	uint64_t in_size = wl_shape_size(l->in), out_size = wl_shape_size(l->out);
	uint64_t total_rows = n_img * positions;
	uint64_t rows = total_rows < o->max_sample_rows ? total_rows : o->max_sample_rows;
	if (rows < want)
		rows = want < total_rows ? want : total_rows;
	int rc = 0;
	const float *images = train->images;
	float *in = sim_malloc(n_img * in_size * sizeof *in, err);
	float *out = sim_malloc(n_img * out_size * sizeof *out, err);
	uint64_t *all = sim_malloc(total_rows * sizeof *all, err);
	uint64_t *pick = sim_malloc(rows * sizeof *pick, err);
	float *x = sim_malloc(rows * n_in * sizeof *x, err);
	float *y = sim_malloc(rows * s.M * sizeof *y, err);
	ls->st = sim_calloc(s.G, sizeof *ls->st, err);
	if (!in || !out || !all || !pick || !x || !y || !ls->st) {
		rc = SIM_ERR_NOMEM;
		goto done;
	}
	ls->groups = s.G;
	nn_model_layer_io(cur, images, n_img, li, in, NULL);
	nn_model_layer_io(ref, images, n_img, li, NULL, out);
	for (uint64_t k = 0; k < total_rows; k++)
		all[k] = k;
	if (rows < total_rows)
		gsl_ran_choose(rng, pick, rows, all, total_rows, sizeof *all);
	else
		memcpy(pick, all, rows * sizeof *pick);
	uint32_t pad = l->type == WL_CONV ? l->padding : 0;
	uint32_t stride = l->type == WL_CONV ? l->stride : 1;
	for (uint32_t g = 0; g < s.G && rc == 0; g++) {
		for (uint64_t r = 0; r < rows; r++) {
			uint64_t img = pick[r] / positions, pos = pick[r] % positions;
			uint32_t e = (uint32_t)(pos / s.F), f = (uint32_t)(pos % s.F);
			const float *xi = in + img * in_size;
			float *xr = x + r * n_in;
			if (l->type == WL_FC) {
				memcpy(xr, xi, n_in * sizeof *xr);
			} else {
				/* im2col row in the weight order W[c][r][s] of group g. */
				uint64_t k = 0;
				for (uint32_t c = 0; c < s.C; c++)
					for (uint32_t kr = 0; kr < s.R; kr++)
						for (uint32_t ks = 0; ks < s.S; ks++, k++) {
							long h = (long)e * stride + kr - pad;
							long w = (long)f * stride + ks - pad;
							xr[k] = (h < 0 || w < 0 || h >= (long)l->in.h ||
								 w >= (long)l->in.w)
									? 0.0f
									: xi[((uint64_t)(g * s.C + c) * l->in.h +
									      (uint64_t)h) * l->in.w + (uint64_t)w];
						}
			}
			const float *yi = out + img * out_size;
			for (uint32_t mm = 0; mm < s.M; mm++)
				y[r * s.M + mm] = yi[(uint64_t)(g * s.M + mm) * positions + pos];
		}
		struct eap_layer_data d = {x, y, rows, n_in, s.M};
		rc = eap_stats_init(&ls->st[g], &d, err);
	}
done:
	free(in);
	free(out);
	free(all);
	free(pick);
	free(x);
	free(y);
	if (rc)
		eap_layer_stats_deinit(ls);
	return rc;
}
