/* Networks: one description read by both the simulator and the trainer.
 *
 * A network is a list of layers in execution order. Each layer reads the
 * previous layer's output unless it names its inputs with `from` (a list of
 * earlier layer names, or "input"), which is enough for branching networks such
 * as SqueezeNet (concat) and ResNet (add). Shapes are inferred at load time.
 *
 * For the simulator, CONV and FC layers are described in the Eyeriss notation
 * (ISCA 2016 Table I): G groups, M output and C input channels per group,
 * H x W padded input, R x S filter, E x F output, stride U. An FC layer is a
 * 1x1 convolution over a 1x1 map with C = flattened input size. */
#ifndef SIM_WORKLOAD_NETWORK_H
#define SIM_WORKLOAD_NETWORK_H

#include <stdbool.h>
#include <stdint.h>

#include "core/err.h"

enum wl_layer_type {
	WL_CONV,
	WL_FC,
	WL_MAXPOOL,
	WL_AVGPOOL,
	WL_RELU,
	WL_CONCAT, /* channel concatenation of its inputs */
	WL_ADD,    /* element-wise sum of its inputs */
	WL_LAYER_TYPE_COUNT
};
extern const char *const wl_layer_type_names[WL_LAYER_TYPE_COUNT];

#define WL_NAME_MAX 48
#define WL_MAX_INPUTS 8
#define WL_INPUT (-1) /* index used in `from` for the network input */

struct wl_tensor_shape {
	uint32_t c, h, w;
};

/* Values in a tensor of shape s (one image). */
static inline uint64_t wl_shape_size(struct wl_tensor_shape s)
{
	return (uint64_t)s.c * s.h * s.w;
}

struct wl_layer {
	char name[WL_NAME_MAX];
	enum wl_layer_type type;
	int from[WL_MAX_INPUTS]; /* producer layer indices, or WL_INPUT */
	int n_from;
	struct wl_tensor_shape in;  /* input shape (for concat/add: of the first input) */
	struct wl_tensor_shape out;
	uint32_t kernel;    /* conv, pools: square kernel side */
	uint32_t stride;
	uint32_t padding;
	uint32_t groups;    /* conv */
	bool bias;          /* conv, fc */
	int line, col;      /* where the layer is defined, for later errors */
};

struct wl_network {
	char name[64];
	char path[256];
	struct wl_tensor_shape input;
	int n_layers;
	struct wl_layer *layers; /* owned */
};

/* Eyeriss shape of a CONV or FC layer (per image). */
struct wl_conv_shape {
	uint32_t G, M, C, H, W, R, S, E, F, U;
};

/* Loads and shape-checks a network file. net is caller-allocated; on success
 * the caller owns its contents and releases them with wl_network_deinit. */
int wl_network_load(struct wl_network *net, const char *path, struct sim_err *err);
/* The same from the YAML text (name is the file name in errors); text NULL
 * reads the file called name. */
int wl_network_load_string(struct wl_network *net, const char *name, const char *text,
			   struct sim_err *err);
void wl_network_deinit(struct wl_network *net);
/* The keys of this kind of file, for the configuration reference (cfg/cfg.h). */
struct cfg_schema;
extern const struct cfg_schema wl_network_schema;


/* True for layers with weights (CONV and FC), the ones the simulator models. */
bool wl_layer_has_weights(const struct wl_layer *layer);
/* Eyeriss shape of a CONV/FC layer; must only be called when it has weights. */
struct wl_conv_shape wl_layer_conv_shape(const struct wl_layer *layer);
/* Weights (without biases) and MACs per image of a CONV/FC layer; 0 otherwise. */
uint64_t wl_layer_weights(const struct wl_layer *layer);
uint64_t wl_layer_macs(const struct wl_layer *layer);
/* Index of the layer called name, or -1. */
int wl_network_find(const struct wl_network *net, const char *name);
/* True when every layer reads only its predecessor (what the trainer supports). */
bool wl_network_is_chain(const struct wl_network *net);

#endif
