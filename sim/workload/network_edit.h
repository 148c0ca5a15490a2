/* Structural edits of chain networks that compression makes: node pruning
 * shrinks layers (Scalpel, Yu et al., ISCA 2017) and low-rank factorisation
 * splits a layer into two thinner ones. The edited network is a new, deep
 * description whose shapes the simulator and the trainer read like those of a
 * loaded file.
 *
 * Node pruning removes output channels (CONV feature maps, FC neurons) of a
 * layer. The ReLU and pooling layers after it carry the channel count through,
 * and the next CONV/FC layer loses the matching inputs: for a CONV reader the
 * input channels, for an FC reader every flattened input of those channels. */
#ifndef SIM_WORKLOAD_NETWORK_EDIT_H
#define SIM_WORKLOAD_NETWORK_EDIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "workload/network.h"

/* The CONV/FC layer that reads layer li's output channels through ReLU and
 * pooling layers only, or -1 (li's outputs are the network's outputs, or the
 * network is not a chain). */
int wl_node_reader(const struct wl_network *net, int li);

/* True when node pruning applies to CONV/FC layer li: a chain network, one
 * group in li and in its reader, and a reader at all (the last layer's outputs
 * are the network's outputs). Otherwise writes the reason into why. */
bool wl_node_prunable(const struct wl_network *net, int li, char *why, size_t n);

/* Copies net into out with CONV/FC layer i keeping out_channels[i] output
 * channels (0: all of them; otherwise in [1, its channels] and
 * wl_node_prunable), the layers after it reshaped to match. Caller owns out
 * (wl_network_deinit, also after failure). */
int wl_network_shrink(const struct wl_network *net, const uint32_t *out_channels,
		      struct wl_network *out, struct sim_err *err);

/* Copies net into out with every CONV/FC layer i whose rank[i] > 0 replaced by
 * two layers (low-rank factorisation, see compress/lowrank.h):
 *   FC:   "<name>_v" FC with rank outputs and no bias, then "<name>_u" FC with
 *         the original outputs and bias;
 *   CONV: "<name>_v" CONV with the original kernel, stride, padding and groups
 *         and rank outputs per group, no bias, then "<name>_u" 1x1 CONV with
 *         the original outputs, groups and bias.
 * first_of[i] (n_layers entries, may be NULL) receives the index in out of
 * layer i, or of its first factor. Chain networks only. Caller owns out. */
int wl_network_factor(const struct wl_network *net, const uint32_t *rank,
		      struct wl_network *out, int *first_of, struct sim_err *err);

#endif
