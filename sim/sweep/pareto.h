/* Pareto fronts over two objectives. A point dominates another when it is at
 * least as good in both objectives and strictly better in one; the front is
 * the set of points no other point dominates. Identical points do not dominate
 * each other, so duplicates on the front are all marked. */
#ifndef SIM_SWEEP_PARETO_H
#define SIM_SWEEP_PARETO_H

#include <stdbool.h>
#include <stddef.h>

#include "core/err.h"
#include "sweep/results.h"

enum pareto_sense { PARETO_MIN, PARETO_MAX };

/* Marks on_front[i] for the n points (x[i], y[i]). Points with a NaN
 * coordinate (failed points) are never on the front. O(n log n). */
int pareto_mark(const double *x, enum pareto_sense x_sense, const double *y,
		enum pareto_sense y_sense, size_t n, bool *on_front, struct sim_err *err);

/* Sets the "pareto" column of every row of a sweep's results ("1" on the
 * front of energy_total against accuracy for an accuracy sweep, against
 * cycles otherwise, "0" elsewhere) and rewrites the file atomically. */
int pareto_mark_results(struct sweep_results *res, bool accuracy_sweep, struct sim_err *err);

#endif
