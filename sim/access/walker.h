/* Reference walker: executes a layer's loop nest under a mapping one MAC at a
 * time and counts every access at every level by tracking which words each
 * buffer (GLB, the PE array as a whole, each PE's RF) holds. Slow and meant
 * for small layers; it checks the analytical model (access.c). */
#ifndef SIM_ACCESS_WALKER_H
#define SIM_ACCESS_WALKER_H

#include "core/err.h"
#include "access/mapping.h"
#include "access/access.h"

/* Walks legal mapping m over layer l and fills out with the dense counts of
 * one group. SIM_ERR_NOMEM if the tracking arrays cannot be allocated. */
int access_walk(const struct mapping *m, const struct map_layer *l, struct access_counts *out,
	       struct sim_err *err);

#endif
