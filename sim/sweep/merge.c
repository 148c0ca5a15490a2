/* Joining results files (see merge.h). Rows keep the order of their first
 * appearance: out_path's own rows first, then each input's new rows. */
#include "sweep/merge.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "sweep/pareto.h"
#include "sweep/results.h"

static bool same_file(const char *a, const char *b)
{
	struct stat sa, sb;
	return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev &&
	       sa.st_ino == sb.st_ino;
}

static int check_header(const struct sweep_results *into, const struct sweep_results *in,
			struct sim_err *err)
{
	bool same = in->n_cols == into->n_cols;
	for (size_t c = 0; same && c < in->n_cols; c++)
		same = strcmp(in->cols[c], into->cols[c]) == 0;
	if (!same)
		return sim_err_set(err, SIM_ERR_DATA, in->path, 1, 1,
				   "header differs from %s's: not the same experiment", into->path);
	return 0;
}

/* Moves row i of in (its cells) into into, or checks it against the row
 * already there. */
static int take_row(struct sweep_results *into, struct sweep_results *in, size_t i,
		    long pareto_col, struct sweep_merge_stats *st, struct sim_err *err)
{
	char **cells = in->rows[i].cells;
	long j = sweep_results_find(into, cells[0]);
	if (j >= 0) {
		char **have = into->rows[j].cells;
		for (size_t c = 0; c < in->n_cols; c++)
			if ((long)c != pareto_col && strcmp(cells[c], have[c]) != 0)
				return sim_err_set(err, SIM_ERR_DATA, in->path, (int)i + 2, 1,
						   "point %s has %s %s here but %s in %s", cells[0],
						   in->cols[c], cells[c], have[c], into->path);
		st->duplicates++;
		return 0;
	}
	int rc = sweep_results_add(into, cells, err);
	if (rc == 0)
		in->rows[i].cells = NULL; /* now owned by into */
	return rc;
}

/* An accuracy sweep's rows carry accuracies; an energy-only sweep's are NaN. */
static bool has_accuracy(const struct sweep_results *r)
{
	long c = sweep_results_col(r, "accuracy");
	for (size_t i = 0; c >= 0 && i < r->n_rows; i++)
		if (!isnan(strtod(r->rows[i].cells[c], NULL)))
			return true;
	return false;
}

int sweep_merge(const char *out_path, const char *const *in_paths, size_t n,
		struct sweep_merge_stats *st, struct sim_err *err)
{
	memset(st, 0, sizeof *st);
	struct sweep_results into, in;
	memset(&into, 0, sizeof into);
	memset(&in, 0, sizeof in);
	bool have_into = false;
	int rc = 0;
	struct stat sb;
	if (stat(out_path, &sb) == 0) {
		if ((rc = sweep_results_read(&into, out_path, err)))
			return rc;
		have_into = true;
		st->files++;
		st->rows_read += into.n_rows;
		st->partial += into.dropped_partial;
	} else if (errno != ENOENT) {
		return sim_err_set(err, SIM_ERR_IO, out_path, 0, 0, "cannot open: %s", strerror(errno));
	}
	for (size_t k = 0; rc == 0 && k < n; k++) {
		if (have_into && same_file(in_paths[k], out_path))
			continue;
		if ((rc = sweep_results_read(&in, in_paths[k], err)))
			break;
		st->files++;
		st->rows_read += in.n_rows;
		st->partial += in.dropped_partial;
		if (!have_into) {
			/* The first file read becomes the output, under the output's name. */
			into = in;
			memset(&in, 0, sizeof in);
			snprintf(into.path, sizeof into.path, "%s", out_path);
			have_into = true;
			continue;
		}
		rc = check_header(&into, &in, err);
		long pareto_col = sweep_results_col(&into, "pareto");
		for (size_t i = 0; rc == 0 && i < in.n_rows; i++)
			rc = take_row(&into, &in, i, pareto_col, st, err);
		sweep_results_deinit(&in); /* moved rows are NULL: not freed */
	}
	if (rc == 0 && !have_into)
		rc = sim_err_set(err, SIM_ERR_USAGE, NULL, 0, 0, "nothing to merge");
	if (rc == 0) {
		st->rows = into.n_rows;
		rc = pareto_mark_results(&into, has_accuracy(&into), err);
	}
	sweep_results_deinit(&into);
	return rc;
}
