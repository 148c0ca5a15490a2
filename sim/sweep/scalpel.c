/* Per-layer pruning structure of a point (see scalpel.h). */
#include "sweep/scalpel.h"

#include <assert.h>

int sweep_layer_granularity(const struct sweep_point *p, const struct arch *a,
			    const struct wl_network *net, enum wl_granularity *gran,
			    uint32_t *simd_width, const char *experiment, const char *point_id,
			    struct sim_err *err)
{
	*simd_width = p->simd_width ? p->simd_width : a->has_target ? a->simd_width : 0;
	bool arch_rule = p->granularity == SWEEP_GRAN_ARCH;
	if (arch_rule && !a->has_target)
		return sim_err_set(err, SIM_ERR_CONFIG, experiment, 0, 0,
				   "point %s: granularity arch needs a 'target' section "
				   "{parallelism, simd_width} in %s", point_id, a->path);
	static_assert(ARCH_PAR_COUNT == 3, "a rule per parallelism class");
	bool uses_simd = p->granularity == WL_GRAN_SIMD;
	for (int i = 0; i < net->n_layers; i++) {
		const struct wl_layer *l = &net->layers[i];
		if (!arch_rule) {
			gran[i] = (enum wl_granularity)p->granularity;
			continue;
		}
		switch (a->parallelism) {
		case ARCH_PAR_LOW:
			gran[i] = WL_GRAN_SIMD;
			break;
		case ARCH_PAR_MODERATE:
			gran[i] = l->type == WL_CONV ? WL_GRAN_NODE : WL_GRAN_SIMD;
			break;
		default:
			gran[i] = WL_GRAN_NODE;
			break;
		}
		uses_simd |= wl_layer_has_weights(l) && gran[i] == WL_GRAN_SIMD;
	}
	if (uses_simd && *simd_width == 0)
		return sim_err_set(err, SIM_ERR_CONFIG, experiment, 0, 0,
				   "point %s: granularity simd needs simd_width (the point's, or the "
				   "target section of %s)", point_id, a->path);
	return 0;
}
