/* Deterministic elementary functions: the same bits on every x86-64 CPU.
 *
 * glibc picks FMA or non-FMA builds of exp, log, pow, sin and cos at run time
 * (by CPU features, and GLIBC_TUNABLES), and the two may round differently in
 * the last place. Everything esim derives from a seed (weights, learning
 * rates, pruning thresholds, energies) goes through these instead: each is a
 * fixed sequence of IEEE-754 double additions, multiplications and divisions
 * (no FMA contraction: -ffp-contract=off), plus exact operations (frexp,
 * ldexp, floor), so its result does not depend on the CPU. Accuracy: within a
 * few units in the last place of the correctly rounded value (tested against
 * libm in tests/core/test_detmath.c). */
#ifndef SIM_CORE_DETMATH_H
#define SIM_CORE_DETMATH_H

#include <stdint.h>

#include <gsl/gsl_rng.h>

/* e^x; +inf above ~709.78, 0 below ~-745.13, NaN for NaN. */
double det_exp(double x);
/* Natural logarithm; -inf at 0, NaN below 0 or for NaN, +inf at +inf. */
double det_log(double x);
/* cos(x) for |x| <= 2^20 (argument reduction by pi/2 in three parts). */
double det_cos(double x);
/* x^y = e^(y log x) for x > 0; 1 when y == 0. */
double det_pow(double x, double y);
/* x^n by repeated squaring, for an integer power n >= 0. */
double det_powi(double x, uint32_t n);
/* A normal deviate of mean 0 and standard deviation sigma, by Marsaglia's
 * polar method (two uniforms per try, from rng). */
double det_gaussian(gsl_rng *rng, double sigma);

#endif
