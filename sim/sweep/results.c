/* results.csv with append-only rows and crash-safe resume (see results.h). */
#include "sweep/results.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/mem.h"
#include "core/outfile.h"

static void free_cells(char **cells, size_t n)
{
	if (!cells)
		return;
	for (size_t i = 0; i < n; i++)
		free(cells[i]);
	free(cells);
}

void sweep_results_deinit(struct sweep_results *r)
{
	free_cells(r->cols, r->n_cols);
	for (size_t i = 0; i < r->n_rows; i++)
		free_cells(r->rows[i].cells, r->n_cols);
	free(r->rows);
	memset(r, 0, sizeof *r);
}

/* Splits a line (without its newline) at commas into exactly n cells. */
static int split_line(const char *line, size_t n, char ***out, struct sim_err *err)
{
	char **cells = sim_calloc(n, sizeof *cells, err);
	if (!cells)
		return SIM_ERR_NOMEM;
	const char *p = line;
	size_t i = 0;
	for (;;) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);
		if (i == n) {
			free_cells(cells, n);
			return SIM_ERR_DATA;
		}
		cells[i] = sim_malloc(len + 1, err);
		if (!cells[i]) {
			free_cells(cells, n);
			return SIM_ERR_NOMEM;
		}
		memcpy(cells[i], p, len);
		cells[i][len] = '\0';
		i++;
		if (!comma)
			break;
		p = comma + 1;
	}
	if (i != n) {
		free_cells(cells, n);
		return SIM_ERR_DATA;
	}
	*out = cells;
	return 0;
}

static int push_row(struct sweep_results *r, char **cells, struct sim_err *err)
{
	if (r->n_rows == r->cap_rows) {
		size_t cap = r->cap_rows ? 2 * r->cap_rows : 64;
		struct sweep_row *rows = sim_realloc(r->rows, cap * sizeof *rows, err);
		if (!rows)
			return SIM_ERR_NOMEM;
		r->rows = rows;
		r->cap_rows = cap;
	}
	r->rows[r->n_rows++].cells = cells;
	return 0;
}

static int write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t w = write(fd, buf, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		buf += w;
		len -= (size_t)w;
	}
	return 0;
}

/* Formats cells as one CSV line with its newline; caller frees. */
static char *join_line(char *const *cells, size_t n, struct sim_err *err)
{
	size_t len = 1;
	for (size_t i = 0; i < n; i++)
		len += strlen(cells[i]) + 1;
	char *line = sim_malloc(len, err);
	if (!line)
		return NULL;
	char *p = line;
	for (size_t i = 0; i < n; i++) {
		size_t l = strlen(cells[i]);
		memcpy(p, cells[i], l);
		p += l;
		*p++ = i + 1 < n ? ',' : '\n';
	}
	*p = '\0';
	return line;
}

int sweep_results_rewrite(struct sweep_results *r, struct sim_err *err)
{
	struct sim_out out;
	int rc = sim_out_open(&out, r->path, err);
	for (size_t i = 0; rc == 0 && i <= r->n_rows; i++) {
		char *line = join_line(i == 0 ? r->cols : r->rows[i - 1].cells, r->n_cols, err);
		if (!line)
			rc = SIM_ERR_NOMEM;
		else if (fputs(line, out.f) == EOF)
			rc = sim_err_set(err, SIM_ERR_IO, r->path, 0, 0, "write failed: %s",
					 strerror(errno));
		free(line);
	}
	if (rc == 0)
		return sim_out_commit(&out, err);
	sim_out_abort(&out);
	return rc;
}

static int check_cell(const struct sweep_results *r, const char *cell, struct sim_err *err)
{
	if (strpbrk(cell, ",\"\n\r"))
		return sim_err_set(err, SIM_ERR_USAGE, r->path, 0, 0,
				   "value '%s' cannot be written to CSV (comma, quote or newline)", cell);
	return 0;
}

/* Reads an existing file: header check, rows, and removal of a partial last line. */
static int adopt_header(struct sweep_results *r, const char *line, struct sim_err *err)
{
	size_t n = 1;
	for (const char *c = line; *c; c++)
		n += *c == ',';
	r->n_cols = n;
	return split_line(line, n, &r->cols, err) == SIM_ERR_NOMEM ? SIM_ERR_NOMEM : 0;
}

/* Reads rows from f. With r->cols NULL the file's header is adopted (read-only
 * use); otherwise it must match. A partial last line is dropped, and cut off
 * the file when truncate_partial is set. */
static int load_existing(struct sweep_results *r, FILE *f, bool truncate_partial, bool *empty,
			 struct sim_err *err)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	long lineno = 0;
	off_t good_end = 0;
	int rc = 0;
	while ((len = getline(&line, &cap, f)) > 0) {
		lineno++;
		if (line[len - 1] != '\n') {
			/* Killed mid-append: forget the fragment; the point runs again. */
			r->dropped_partial = true;
			break;
		}
		line[len - 1] = '\0';
		if (lineno == 1 && !r->cols) {
			rc = adopt_header(r, line, err);
			if (rc)
				break;
			good_end += len;
			continue;
		}
		char **cells;
		int src = split_line(line, r->n_cols, &cells, err);
		if (src == SIM_ERR_NOMEM) {
			rc = src;
			break;
		}
		if (lineno == 1) {
			if (src) {
				rc = sim_err_set(err, SIM_ERR_DATA, r->path, 1, 1,
						 "header has a different number of columns than this "
						 "experiment writes (%zu); move the file away to start afresh",
						 r->n_cols);
				break;
			}
			for (size_t i = 0; i < r->n_cols && rc == 0; i++)
				if (strcmp(cells[i], r->cols[i]) != 0)
					rc = sim_err_set(err, SIM_ERR_DATA, r->path, 1, 1,
							 "column %zu is '%s' but this experiment writes '%s'; "
							 "move the file away to start afresh",
							 i + 1, cells[i], r->cols[i]);
			free_cells(cells, r->n_cols);
		} else if (src) {
			rc = sim_err_set(err, SIM_ERR_DATA, r->path, (int)lineno, 1,
					 "row does not have %zu columns", r->n_cols);
		} else if (sweep_results_find(r, cells[0]) >= 0) {
			free_cells(cells, r->n_cols);
			rc = sim_err_set(err, SIM_ERR_DATA, r->path, (int)lineno, 1,
					 "point '%s' appears twice", line);
		} else {
			rc = push_row(r, cells, err);
			if (rc)
				free_cells(cells, r->n_cols);
		}
		if (rc)
			break;
		good_end += len;
	}
	free(line);
	*empty = lineno == 0 || (lineno == 1 && r->dropped_partial);
	if (rc == 0 && r->dropped_partial && truncate_partial && truncate(r->path, good_end))
		rc = sim_err_set(err, SIM_ERR_IO, r->path, 0, 0, "cannot truncate: %s", strerror(errno));
	return rc;
}

int sweep_results_open(struct sweep_results *r, const char *path, const char *const *cols,
		       size_t n_cols, struct sim_err *err)
{
	memset(r, 0, sizeof *r);
	snprintf(r->path, sizeof r->path, "%s", path);
	r->cols = sim_calloc(n_cols, sizeof *r->cols, err);
	if (!r->cols)
		return SIM_ERR_NOMEM;
	r->n_cols = n_cols;
	for (size_t i = 0; i < n_cols; i++) {
		if (check_cell(r, cols[i], err))
			goto fail;
		r->cols[i] = sim_strdup(cols[i], err);
		if (!r->cols[i])
			goto fail;
	}
	FILE *f = fopen(path, "r");
	if (f) {
		bool empty = false;
		int rc = load_existing(r, f, true, &empty, err);
		fclose(f);
		if (rc)
			goto fail;
		if (!empty)
			return 0;
	} else if (errno != ENOENT) {
		sim_err_set(err, SIM_ERR_IO, path, 0, 0, "cannot open: %s", strerror(errno));
		goto fail;
	}
	/* New (or empty) file: write the header atomically. */
	if (sweep_results_rewrite(r, err))
		goto fail;
	return 0;
fail:;
	int code = err ? (int)err->code : SIM_ERR_INTERNAL;
	sweep_results_deinit(r);
	return code ? code : SIM_ERR_INTERNAL;
}

long sweep_results_find(const struct sweep_results *r, const char *point_id)
{
	for (size_t i = 0; i < r->n_rows; i++)
		if (strcmp(r->rows[i].cells[0], point_id) == 0)
			return (long)i;
	return -1;
}

long sweep_results_col(const struct sweep_results *r, const char *name)
{
	for (size_t i = 0; i < r->n_cols; i++)
		if (strcmp(r->cols[i], name) == 0)
			return (long)i;
	return -1;
}

int sweep_results_append(struct sweep_results *r, const char *const *cells, struct sim_err *err)
{
	for (size_t i = 0; i < r->n_cols; i++)
		if (check_cell(r, cells[i], err))
			return SIM_ERR_USAGE;
	if (sweep_results_find(r, cells[0]) >= 0)
		return sim_err_set(err, SIM_ERR_INTERNAL, r->path, 0, 0, "point '%s' already recorded",
				   cells[0]);
	char **copy = sim_calloc(r->n_cols, sizeof *copy, err);
	if (!copy)
		return SIM_ERR_NOMEM;
	for (size_t i = 0; i < r->n_cols; i++) {
		copy[i] = sim_strdup(cells[i], err);
		if (!copy[i]) {
			free_cells(copy, r->n_cols);
			return SIM_ERR_NOMEM;
		}
	}
	char *line = join_line(copy, r->n_cols, err);
	if (!line) {
		free_cells(copy, r->n_cols);
		return SIM_ERR_NOMEM;
	}
	int rc = 0;
	int fd = open(r->path, O_WRONLY | O_APPEND);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) != 0) {
		rc = sim_err_set(err, SIM_ERR_IO, r->path, 0, 0, "cannot append: %s", strerror(errno));
	} else if (write_all(fd, line, strlen(line)) || fsync(fd)) {
		rc = sim_err_set(err, SIM_ERR_IO, r->path, 0, 0, "append failed: %s", strerror(errno));
		/* A full disk can take part of the line: cut it off, so the rows
		 * already there stay readable and a later append starts clean. */
		if (ftruncate(fd, st.st_size) != 0)
			sim_err_prefix(err, "cannot cut the partial row off (%s)", strerror(errno));
	}
	if (fd >= 0)
		close(fd);
	free(line);
	if (rc == 0)
		rc = push_row(r, copy, err);
	if (rc)
		free_cells(copy, r->n_cols);
	return rc;
}

int sweep_results_read(struct sweep_results *r, const char *path, struct sim_err *err)
{
	memset(r, 0, sizeof *r);
	snprintf(r->path, sizeof r->path, "%s", path);
	FILE *f = fopen(path, "r");
	if (!f)
		return sim_err_set(err, SIM_ERR_IO, path, 0, 0, "cannot open: %s", strerror(errno));
	bool empty = false;
	int rc = load_existing(r, f, false, &empty, err);
	fclose(f);
	if (rc == 0 && (empty || !r->cols))
		rc = sim_err_set(err, SIM_ERR_DATA, path, 1, 1, "no header line");
	if (rc)
		sweep_results_deinit(r);
	return rc;
}

int sweep_results_add(struct sweep_results *r, char **cells, struct sim_err *err)
{
	return push_row(r, cells, err);
}
