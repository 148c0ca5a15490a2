/* Deterministic exp, log, cos and a normal sampler (see detmath.h).
 *
 * The methods are the textbook ones of Cody & Waite (1980), as in fdlibm:
 * - exp: x = k ln2 + r with |r| <= ln2/2, ln2 split in a high part with
 *   trailing zero bits (k * LN2_HI is exact) and a low part; e^r by its Taylor
 *   series to degree 13 (truncation below 5e-18 relative); then e^x = 2^k e^r.
 * - log: x = 2^e m with m in [sqrt(1/2), sqrt(2)); with f = m - 1 and
 *   s = f / (2 + f), log(1 + f) = 2 atanh(s) = 2s + s R(s^2), written as
 *   f - (f^2/2 - s (f^2/2 + R)) to keep the leading term exact; R to z^12
 *   (|s| <= 0.172, truncation below 1e-19).
 * - cos: x = n pi/2 + r with |r| <= pi/4, pi/2 in three 33-bit parts (each
 *   n * part exact for n < 2^20); cos r or sin r by Taylor series to degree
 *   18 or 19 as n mod 4 says.
 * Every step is one IEEE double operation, so the result is the same on every
 * CPU. Constants 1/k! are exact factorials (k <= 22 fits a double) divided
 * once, folded by the compiler. */
#include "core/detmath.h"

#include <assert.h>
#include <math.h>

static const double LN2_HI = 6.93147180369123816490e-01; /* ln 2, top 32 bits */
static const double LN2_LO = 1.90821492927058770002e-10; /* ln 2 - LN2_HI */
static const double INV_LN2 = 1.44269504088896338700e+00;
static const double PIO2_1 = 1.57079632673412561417e+00; /* pi/2, first 33 bits */
static const double PIO2_2 = 6.07710050630396597660e-11; /* next 33 bits */
static const double PIO2_3 = 2.02226624871116645580e-21; /* next 33 bits */
static const double INV_PIO2 = 6.36619772367581382433e-01;

/* Horner evaluation of c[0] + z c[1] + ... + z^(n-1) c[n-1]. */
static double horner(const double *c, int n, double z)
{
	double p = c[n - 1];
	for (int i = n - 2; i >= 0; i--)
		p = p * z + c[i];
	return p;
}

double det_exp(double x)
{
	if (isnan(x))
		return x;
	if (x > 709.782712893384)
		return HUGE_VAL;
	if (x < -745.1332191019412)
		return 0.0;
	static const double inv_fact[14] = {
		1.0, 1.0, 1.0 / 2, 1.0 / 6, 1.0 / 24, 1.0 / 120, 1.0 / 720, 1.0 / 5040,
		1.0 / 40320, 1.0 / 362880, 1.0 / 3628800, 1.0 / 39916800, 1.0 / 479001600,
		1.0 / 6227020800.0,
	};
	const double k = floor(x * INV_LN2 + 0.5);
	const double r = (x - k * LN2_HI) - k * LN2_LO;
	/* ldexp scales exactly (one rounding when the result is subnormal); the
	 * scaling is split in two so that 2^k itself never overflows. */
	const int ki = (int)k;
	return ldexp(ldexp(horner(inv_fact, 14, r), ki / 2), ki - ki / 2);
}

double det_log(double x)
{
	if (isnan(x) || x < 0.0)
		return NAN;
	if (x == 0.0)
		return -HUGE_VAL;
	if (isinf(x))
		return x;
	int e;
	double m = frexp(x, &e); /* exact: m in [0.5, 1), subnormals included */
	if (m < 0.70710678118654752440) {
		m *= 2.0;
		e--;
	}
	/* R(z) = sum_{j>=1} 2 z^j / (2j + 1), z = s^2. */
	static const double r_coef[12] = {
		2.0 / 3, 2.0 / 5, 2.0 / 7, 2.0 / 9, 2.0 / 11, 2.0 / 13,
		2.0 / 15, 2.0 / 17, 2.0 / 19, 2.0 / 21, 2.0 / 23, 2.0 / 25,
	};
	const double f = m - 1.0; /* exact (Sterbenz) */
	const double s = f / (2.0 + f), z = s * s;
	const double r = z * horner(r_coef, 12, z);
	const double hfsq = 0.5 * f * f;
	const double log1p_f = f - (hfsq - s * (hfsq + r));
	return (double)e * LN2_HI + (log1p_f + (double)e * LN2_LO);
}

double det_cos(double x)
{
	assert(fabs(x) <= 1048576.0);
	static const double cos_coef[10] = {
		1.0, -1.0 / 2, 1.0 / 24, -1.0 / 720, 1.0 / 40320, -1.0 / 3628800,
		1.0 / 479001600, -1.0 / 87178291200.0, 1.0 / 20922789888000.0,
		-1.0 / 6402373705728000.0,
	};
	static const double sin_coef[10] = {
		1.0, -1.0 / 6, 1.0 / 120, -1.0 / 5040, 1.0 / 362880, -1.0 / 39916800,
		1.0 / 6227020800.0, -1.0 / 1307674368000.0, 1.0 / 355687428096000.0,
		-1.0 / 121645100408832000.0,
	};
	const double n = floor(x * INV_PIO2 + 0.5);
	const double r = ((x - n * PIO2_1) - n * PIO2_2) - n * PIO2_3, z = r * r;
	const double c = horner(cos_coef, 10, z), s = r * horner(sin_coef, 10, z);
	switch ((long)n & 3) { /* two's complement: -1 & 3 == 3 */
	case 0:
		return c;
	case 1:
		return -s;
	case 2:
		return -c;
	default:
		return s;
	}
}

double det_pow(double x, double y)
{
	return y == 0.0 ? 1.0 : det_exp(y * det_log(x));
}

double det_powi(double x, uint32_t n)
{
	double result = 1.0;
	for (; n; n >>= 1, x *= x)
		if (n & 1)
			result *= x;
	return result;
}

double det_gaussian(gsl_rng *rng, double sigma)
{
	double x, y, r2;
	do {
		x = -1.0 + 2.0 * gsl_rng_uniform_pos(rng);
		y = -1.0 + 2.0 * gsl_rng_uniform_pos(rng);
		r2 = x * x + y * y;
	} while (r2 > 1.0 || r2 == 0.0);
	return sigma * y * sqrt(-2.0 * det_log(r2) / r2);
}
