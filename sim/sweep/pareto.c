/* Two-objective Pareto marking by sorting (Kung, Luccio, Preparata 1975):
 * after turning both objectives into minimisation and sorting lexicographically
 * by (x, y), a point is dominated exactly when some earlier point has a smaller
 * y, or an equal y with a strictly smaller x. One scan decides it. */
#include "sweep/pareto.h"

#include <math.h>
#include <stdlib.h>

#include "core/mem.h"

struct keyed {
	double x, y; /* both to be minimised */
	size_t index;
};

static int cmp_keyed(const void *pa, const void *pb)
{
	const struct keyed *a = pa, *b = pb;
	if (a->x != b->x)
		return a->x < b->x ? -1 : 1;
	if (a->y != b->y)
		return a->y < b->y ? -1 : 1;
	return a->index < b->index ? -1 : a->index > b->index;
}

int pareto_mark(const double *x, enum pareto_sense x_sense, const double *y,
		enum pareto_sense y_sense, size_t n, bool *on_front, struct sim_err *err)
{
	struct keyed *k = sim_calloc(n, sizeof *k, err);
	if (!k)
		return SIM_ERR_NOMEM;
	size_t m = 0;
	for (size_t i = 0; i < n; i++) {
		on_front[i] = false;
		if (isnan(x[i]) || isnan(y[i]))
			continue;
		k[m++] = (struct keyed){
			.x = x_sense == PARETO_MIN ? x[i] : -x[i],
			.y = y_sense == PARETO_MIN ? y[i] : -y[i],
			.index = i,
		};
	}
	qsort(k, m, sizeof *k, cmp_keyed);
	/* best_y_before: the smallest y among points with strictly smaller x. */
	double best_y_before = INFINITY;
	size_t g = 0;
	while (g < m) {
		size_t end = g;
		while (end < m && k[end].x == k[g].x)
			end++;
		/* Within a group of equal x, the first has the group's smallest y. */
		double group_min_y = k[g].y;
		for (size_t i = g; i < end; i++)
			on_front[k[i].index] = k[i].y < best_y_before && k[i].y == group_min_y;
		if (group_min_y < best_y_before)
			best_y_before = group_min_y;
		g = end;
	}
	free(k);
	return 0;
}

int pareto_mark_results(struct sweep_results *res, bool accuracy_sweep, struct sim_err *err)
{
	size_t n = res->n_rows;
	long ce = sweep_results_col(res, "energy_total");
	long cy = sweep_results_col(res, accuracy_sweep ? "accuracy" : "cycles");
	long cp = sweep_results_col(res, "pareto");
	if (ce < 0 || cy < 0 || cp < 0)
		return sim_err_set(err, SIM_ERR_DATA, res->path, 1, 1,
				   "no energy_total, %s or pareto column",
				   accuracy_sweep ? "accuracy" : "cycles");
	double *x = sim_calloc(n + 1, sizeof *x, err), *y = sim_calloc(n + 1, sizeof *y, err);
	bool *front = sim_calloc(n + 1, sizeof *front, err);
	int rc = (!x || !y || !front) ? SIM_ERR_NOMEM : 0;
	for (size_t i = 0; !rc && i < n; i++) {
		x[i] = strtod(res->rows[i].cells[ce], NULL);
		y[i] = strtod(res->rows[i].cells[cy], NULL);
	}
	if (!rc)
		rc = pareto_mark(x, PARETO_MIN, y, accuracy_sweep ? PARETO_MAX : PARETO_MIN, n, front,
				 err);
	for (size_t i = 0; !rc && i < n; i++) {
		char *mark = sim_strdup(front[i] ? "1" : "0", err);
		if (!mark) {
			rc = SIM_ERR_NOMEM;
			break;
		}
		free(res->rows[i].cells[cp]);
		res->rows[i].cells[cp] = mark;
	}
	if (!rc)
		rc = sweep_results_rewrite(res, err);
	free(x);
	free(y);
	free(front);
	return rc;
}
