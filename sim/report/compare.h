/* Paired comparison of two pruning methods over seeds, from a sweep's
 * results.csv alone (esim compare).
 *
 * For every seed (the `seed` axis; a sweep without one is a single seed), a
 * method's points give its accuracy-energy front: each point's test accuracy
 * loss against its seed's baseline row (points) and its energy, plus the
 * baseline itself at loss 0; the front keeps the points no other point of the
 * method beats in both. The energy at a given loss is read off the front by
 * linear interpolation between its two neighbouring points; past the front's
 * largest loss it stays at the front's last (lowest) energy, which
 * understates what the method could save there (such readings are flagged).
 * The per-seed ratio is energy(method B) / energy(method A) at equal loss
 * (> 1: A uses less), and the summary is the geometric mean of the ratios
 * over seeds with a 95% confidence interval from Student's t on their
 * logarithms (GSL's t quantile): seeds pair the two methods on the same
 * baseline, split and samples, so the ratio is the paired quantity. */
#ifndef SIM_REPORT_COMPARE_H
#define SIM_REPORT_COMPARE_H

#include <stddef.h>
#include <stdio.h>

#include "core/err.h"

#define COMPARE_MAX_LOSSES 8
#define COMPARE_MAX_WHERE 8

/* A restriction of the compared points to one value of a column (an axis
 * such as granularity or wbits): the fronts are then those of that slice of
 * the sweep. Baseline rows are never filtered. */
struct compare_where {
	const char *column, *value;
};

struct compare_opts {
	const char *method_a;   /* the method whose advantage is measured ("energy-aware") */
	const char *method_b;   /* the reference ("magnitude") */
	double losses[COMPARE_MAX_LOSSES]; /* accuracy losses (points) to read the fronts at */
	size_t n_losses;
	struct compare_where where[COMPARE_MAX_WHERE]; /* all must hold */
	size_t n_where;
	const char *plot_dir;   /* where compare.png/.svg go; NULL: no plot */
};

/* Defaults: energy-aware against magnitude at 0.5, 1 and 2 points. */
void compare_opts_default(struct compare_opts *o);

/* Prints the per-seed table and one summary line per loss to out, in the
 * form "A/B at 1.0 pt: mean 1.42x, 95% CI [1.21, 1.63], 5 seeds"; draws the
 * fronts of every seed and the mean front of each method when plot_dir is
 * set (image names appended to made). A results file without the two
 * methods, a method axis or any baseline row, or a where-column it does not
 * have, is a usage error. */
int report_compare(const char *results_csv, const struct compare_opts *o, FILE *out, char *made,
		   size_t made_size, struct sim_err *err);

#endif
