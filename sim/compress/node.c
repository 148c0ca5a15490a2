/* Node pruning's rewrite (see node.h). A CONV/FC weight tensor is viewed as
 * W[m][c][b]: m the output (row), c an input channel, b the positions one
 * input channel contributes (R*S for a CONV layer, H*W of the flattened input
 * for an FC layer), so removing a reader's input channel removes one block of
 * b weights from every row. */
#include "compress/node.h"

#include <stdlib.h>
#include <string.h>

#include "compress/prune.h"
#include "core/mem.h"
#include "workload/network_edit.h"

/* Output m of layer L is dead: all its weights masked, no bias or bias 0. */
static bool dead_node(const struct nn_layer *L, uint64_t m)
{
	uint64_t len = L->weight.n / L->wl->out.c;
	return prune_mask_kept(L->weight.mask + m * len, len) == 0 &&
	       (!L->bias.n || L->bias.value[m] == 0.0f);
}

/* Input channels per row of a layer and the weights each contributes. */
static void channel_blocks(const struct wl_layer *l, uint64_t *channels, uint64_t *block)
{
	*channels = l->in.c;
	*block = l->type == WL_FC ? (uint64_t)l->in.h * l->in.w : (uint64_t)l->kernel * l->kernel;
}

int cmp_node_shrink(const struct nn_model *m, const bool *select, uint32_t max_batch,
		    uint32_t n_threads, struct nn_model *out, uint64_t *removed,
		    struct sim_err *err)
{
	memset(out, 0, sizeof *out);
	int n = m->n_layers, rc = 0;
	uint64_t gone = 0;
	/* keep[i][c]: output channel c of layer i survives (NULL: all of it). */
	uint8_t **keep = sim_calloc((size_t)n, sizeof *keep, err);
	uint32_t *channels = sim_calloc((size_t)n, sizeof *channels, err);
	struct wl_network net = {0};
	if (!keep || !channels) {
		rc = SIM_ERR_NOMEM;
		goto done;
	}
	for (int i = 0; i < n; i++) {
		const struct nn_layer *L = &m->layers[i];
		char why[160];
		if (!L->weight.n || (select && !select[i]) || !wl_node_prunable(&m->net, i, why, sizeof why))
			continue;
		uint32_t c = L->wl->out.c, kept = 0;
		if (!(keep[i] = sim_malloc(c, err))) {
			rc = SIM_ERR_NOMEM;
			goto done;
		}
		for (uint32_t o = 0; o < c; o++) {
			keep[i][o] = !dead_node(L, o);
			kept += keep[i][o];
		}
		if (kept == 0) /* a layer keeps one node, as pruning keeps one group */
			keep[i][0] = 1, kept = 1;
		channels[i] = kept;
		gone += c - kept;
	}
	if ((rc = wl_network_shrink(&m->net, channels, &net, err)) ||
	    (rc = nn_model_init(out, &net, max_batch, n_threads, err)))
		goto done;
	/* The kept input channels of each layer: its writer's kept outputs. */
	const uint8_t *in_keep = NULL;
	for (int i = 0; i < n; i++) {
		const struct nn_layer *S = &m->layers[i];
		struct nn_layer *D = &out->layers[i];
		D->act_range = S->act_range;
		D->act_signed = S->act_signed;
		if (!S->weight.n)
			continue;
		uint64_t rows = S->wl->out.c, ch, blk;
		channel_blocks(S->wl, &ch, &blk);
		uint64_t k = 0, kb = 0;
		for (uint64_t o = 0; o < rows; o++) {
			if (keep[i] && !keep[i][o])
				continue;
			for (uint64_t c = 0; c < ch; c++) {
				if (in_keep && !in_keep[c])
					continue;
				uint64_t src = (o * ch + c) * blk;
				memcpy(D->weight.value + k, S->weight.value + src, blk * sizeof(float));
				memcpy(D->weight.mask + k, S->weight.mask + src, blk);
				k += blk;
			}
			if (S->bias.n)
				D->bias.value[kb++] = S->bias.value[o];
		}
		in_keep = keep[i];
	}
	out->act_bits = m->act_bits;
	nn_model_apply_masks(out);
	if (removed)
		*removed = gone;
done:
	for (int i = 0; keep && i < n; i++)
		free(keep[i]);
	free(keep);
	free(channels);
	wl_network_deinit(&net);
	return rc;
}
