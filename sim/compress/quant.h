/* Linear (uniform, symmetric) fixed-point quantisation of weights: the
 * alternative to k-means weight sharing. */
#ifndef SIM_COMPRESS_QUANT_H
#define SIM_COMPRESS_QUANT_H

#include <stdbool.h>
#include <stdint.h>

#include "core/err.h"

/* Per-layer step for b-bit signed weights (2 <= b <= 16): max|w| / (2^(b-1) - 1),
 * so the largest weight is representable; 0 for an all-zero layer. */
double quant_scale(const float *w, uint64_t n, unsigned bits);
/* q[i] = round(w[i] / scale) clamped to [-(2^(b-1)-1), 2^(b-1)-1]; q may be NULL.
 * deq[i] = q * scale (may alias w; may be NULL). scale 0 gives zeros. */
void quant_linear(const float *w, uint64_t n, unsigned bits, double scale, int32_t *q,
		  float *deq);

#endif
