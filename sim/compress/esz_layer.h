/* One CONV/FC layer of a .esz file (see esz.h for the format): its kept
 * weights as relative-index entries with weight codes, filler entries for
 * zero runs of 2^ibits or more (carrying the code one past the codebook, so
 * the mask comes back exactly), the codebook or scale, both streams Huffman
 * coded with their own canonical tables or written at fixed width, and the
 * biases. Internal to the compress module (esz.c writes the file around it). */
#ifndef SIM_COMPRESS_ESZ_LAYER_H
#define SIM_COMPRESS_ESZ_LAYER_H

#include "compress/bitio.h"
#include "compress/esz.h"
#include "compress/storage.h"
#include "nn/model.h"

/* Appends layer L (number index in the model) coded by sp to w; fills acct
 * (may be NULL) with its storage accounting. */
int esz_layer_write(const struct nn_layer *L, int index, const struct esz_layer_spec *sp,
		    struct bitw *w, struct storage_layer *acct, struct sim_err *err);
/* Reads the next layer record from r into layer `expect` of m (weights,
 * masks, biases); SIM_ERR_DATA for anything that does not fit the model. */
int esz_layer_read(struct nn_model *m, struct bitr *r, int expect, struct sim_err *err);

#endif
