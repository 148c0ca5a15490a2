/* A sweep's results.csv: one header line, then one row per finished point,
 * appended as it finishes. The first column is the point's id; a sweep started
 * again reads the file and skips the points already there.
 *
 * Crash safety: each row is appended with a single write() of the whole line
 * and fsync'd, so a kill leaves at worst one half-written last line (no final
 * newline). Opening drops such a line (the file is truncated back to its last
 * newline), so that point simply runs again: no row is lost or duplicated and
 * a half-written row never stays in the file. Whole-file rewrites (final
 * Pareto marks) go through a temporary file and rename(). */
#ifndef SIM_SWEEP_RESULTS_H
#define SIM_SWEEP_RESULTS_H

#include <stdbool.h>
#include <stddef.h>

#include "core/err.h"

struct sweep_row {
	char **cells; /* n_cols strings, owned */
};

struct sweep_results {
	char path[512];
	size_t n_cols;
	char **cols;          /* header, owned */
	size_t n_rows, cap_rows;
	struct sweep_row *rows; /* owned */
	bool dropped_partial; /* a half-written last line was removed on open */
};

/* Opens (creating with the header if absent) path for a sweep with columns
 * cols[0..n_cols), cols[0] being the point id. An existing file must have
 * exactly this header; its rows are loaded. Caller owns r's contents. */
int sweep_results_open(struct sweep_results *r, const char *path, const char *const *cols,
		       size_t n_cols, struct sim_err *err);
void sweep_results_deinit(struct sweep_results *r);

/* Reads path without changing it, adopting its header (for plotting). A
 * partial last line is ignored. */
int sweep_results_read(struct sweep_results *r, const char *path, struct sim_err *err);

/* Row index of the point with this id, or -1. */
long sweep_results_find(const struct sweep_results *r, const char *point_id);

/* Appends a row (n_cols cells, copied) to memory and to the file, durably.
 * Cells must not contain commas, quotes or newlines. */
int sweep_results_append(struct sweep_results *r, const char *const *cells, struct sim_err *err);

/* Adds a row (n_cols cells) in memory only, taking ownership of cells on
 * success (for sweep/merge.c, which writes the file whole at the end). */
int sweep_results_add(struct sweep_results *r, char **cells, struct sim_err *err);

/* Rewrites the whole file from memory atomically (temporary file + rename). */
int sweep_results_rewrite(struct sweep_results *r, struct sim_err *err);

/* Column index by name, or -1. */
long sweep_results_col(const struct sweep_results *r, const char *name);

#endif
