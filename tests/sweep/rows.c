/* Results-file comparison for the sweep tests (see rows.h). */
#include "sweep/rows.h"

#include <stdio.h>
#include <string.h>

#include "sweep/results.h"

bool test_same_rows(const char *a, const char *b)
{
	struct sweep_results ra, rb;
	struct sim_err err;
	if (sweep_results_read(&ra, a, &err)) {
		sim_err_print(&err, stderr);
		return false;
	}
	if (sweep_results_read(&rb, b, &err)) {
		sim_err_print(&err, stderr);
		sweep_results_deinit(&ra);
		return false;
	}
	bool same = ra.n_cols == rb.n_cols && ra.n_rows == rb.n_rows;
	if (!same)
		fprintf(stderr, "\n  %s: %zu rows x %zu columns, %s: %zu x %zu\n", a, ra.n_rows,
			ra.n_cols, b, rb.n_rows, rb.n_cols);
	for (size_t c = 0; same && c < ra.n_cols; c++)
		same = strcmp(ra.cols[c], rb.cols[c]) == 0;
	for (size_t i = 0; same && i < ra.n_rows; i++) {
		long j = sweep_results_find(&rb, ra.rows[i].cells[0]);
		same = j >= 0;
		for (size_t c = 0; same && c < ra.n_cols; c++) {
			same = strcmp(ra.rows[i].cells[c], rb.rows[j].cells[c]) == 0;
			if (!same)
				fprintf(stderr, "\n  point %s, %s: %s in %s, %s in %s\n",
					ra.rows[i].cells[0], ra.cols[c], ra.rows[i].cells[c], a,
					rb.rows[j].cells[c], b);
		}
		if (j < 0)
			fprintf(stderr, "\n  point %s of %s is not in %s\n", ra.rows[i].cells[0], a, b);
	}
	sweep_results_deinit(&ra);
	sweep_results_deinit(&rb);
	return same;
}

size_t test_count_rows(const char *csv)
{
	struct sweep_results r;
	struct sim_err err;
	if (sweep_results_read(&r, csv, &err))
		return 0;
	size_t n = r.n_rows;
	sweep_results_deinit(&r);
	return n;
}
