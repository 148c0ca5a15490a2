/* Linear (uniform, symmetric) fixed-point quantisation: the alternative to
 * k-means weight sharing, and simulated activation quantisation. */
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
/* Simulated activation quantisation in place: values clamped to [0, max] (unsigned,
 * after ReLU) or [-max, max] (signed) and rounded to 2^bits (unsigned) or
 * 2^(bits-1)-1 per side (signed) levels. */
void quant_act_simulate(float *x, uint64_t n, unsigned bits, float max, bool is_signed);

#endif
