/* Linear fixed-point quantisation. A b-bit signed integer q in
 * [-(2^(b-1) - 1), 2^(b-1) - 1] (symmetric: the code -2^(b-1) is left unused
 * so that zero is exact and the range is sign-symmetric) stands for q * scale,
 * with one scale per layer chosen so the largest weight magnitude maps to the
 * top code. The rounding error of each weight is at most scale / 2. This is
 * the fixed-point baseline that Deep Compression's weight sharing is compared
 * with (Han et al. ICLR 2016, section 6 / Fig. 6), and what a 16-bit Eyeriss
 * datapath computes with. (Activations are quantised at inference by the
 * trainer itself: nn_model_set_act_quant.) */
#include "compress/quant.h"

#include <math.h>

double quant_scale(const float *w, uint64_t n, unsigned bits)
{
	double m = 0;
	for (uint64_t i = 0; i < n; i++)
		m = fabs(w[i]) > m ? fabs(w[i]) : m;
	return m / (double)((1u << (bits - 1)) - 1);
}

void quant_linear(const float *w, uint64_t n, unsigned bits, double scale, int32_t *q,
		  float *deq)
{
	double top = (double)((1u << (bits - 1)) - 1);
	for (uint64_t i = 0; i < n; i++) {
		double v = scale > 0 ? nearbyint((double)w[i] / scale) : 0;
		v = v > top ? top : (v < -top ? -top : v);
		if (q)
			q[i] = (int32_t)v;
		if (deq)
			deq[i] = (float)(v * scale);
	}
}
