/* Sparsity profiles: per-layer weight density (with the pruning granularity it
 * came from) and input-activation density, for the simulator and for storage
 * accounting. Layers not listed are dense. Layer names are checked against the
 * network: a name that is not a CONV/FC layer of the network is an error. */
#ifndef SIM_WORKLOAD_SPARSITY_H
#define SIM_WORKLOAD_SPARSITY_H

#include "core/err.h"
#include "workload/network.h"

enum wl_granularity {
	WL_GRAN_0D, /* single weight */
	WL_GRAN_1D, /* kernel row W[m][c][r][:] (FC: block along a row) */
	WL_GRAN_2D, /* kernel W[m][c][:][:] */
	WL_GRAN_3D, /* filter W[m][:][:][:] (FC: whole row, i.e. an output neuron) */
	WL_GRAN_SIMD, /* Scalpel: simd_width consecutive weights along a row (the input
		       * dimension), aligned, one vector load per kept group */
	WL_GRAN_NODE, /* Scalpel: a whole output neuron / feature map, removed from the
		       * network (which shrinks and stays dense), with the next layer's inputs */
	WL_GRAN_COUNT
};
/* "0d", "1d", "2d", "3d", "simd", "node" */
extern const char *const wl_granularity_names[WL_GRAN_COUNT];

struct wl_layer_sparsity {
	double weight_density;  /* fraction of weights kept, (0, 1] */
	double ifmap_density;   /* fraction of nonzero input activations, (0, 1] */
	enum wl_granularity granularity;
	uint32_t simd_width;    /* weights per group at granularity simd; 0 otherwise */
};

struct wl_sparsity {
	char name[64];
	int n_layers;                      /* == the network's n_layers */
	struct wl_layer_sparsity *layers;  /* owned; indexed like the network's layers */
};

/* Fills s with a dense profile for net. */
int wl_sparsity_dense(struct wl_sparsity *s, const struct wl_network *net, struct sim_err *err);
/* Loads a profile for net (borrowed). Caller owns s's contents. */
int wl_sparsity_load(struct wl_sparsity *s, const struct wl_network *net, const char *path,
		     struct sim_err *err);
/* Added. Loads a profile from memory; name is used as the file name in errors. */
int wl_sparsity_load_string(struct wl_sparsity *s, const struct wl_network *net,
			    const char *name, const char *text, struct sim_err *err);
void wl_sparsity_deinit(struct wl_sparsity *s);
/* The keys of this kind of file, for the configuration reference (cfg/cfg.h). */
struct cfg_schema;
extern const struct cfg_schema wl_sparsity_schema;

/* Added. Kept weights over all weights of the network's CONV/FC layers:
 * sum(weights_l * weight_density_l) / sum(weights_l) (Han 2015's "total"). */
double wl_sparsity_weight_density(const struct wl_sparsity *s, const struct wl_network *net);

#endif
