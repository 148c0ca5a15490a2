/* Shared helpers of the gnuplot-drawn figures (plot.c, compare.c,
 * latency_plot.c): a staging folder in which one call's data files and
 * scripts are written and gnuplot is run, then moved into the output folder
 * file by file with rename(), so a failed or interrupted plot never leaves a
 * truncated image, script or data file in place of a good one; and the common
 * script head and tail that make every figure a PNG and an SVG. */
#ifndef SIM_REPORT_GNUPLOT_H
#define SIM_REPORT_GNUPLOT_H

#include <stddef.h>
#include <stdio.h>

#include "core/err.h"

/* A staging folder inside the output folder. */
struct gnuplot_stage {
	char out_dir[512]; /* where the files end up */
	char dir[600];     /* the staging folder (write and run here), "" when none */
};

/* Creates out_dir (and its parents) if needed, and a fresh staging folder in
 * it. Caller ends with gnuplot_stage_commit or gnuplot_stage_abort. */
int gnuplot_stage_open(struct gnuplot_stage *s, const char *out_dir, struct sim_err *err);
/* Checks that every staged PNG and SVG is complete (gnuplot does not report
 * a failed write), then moves every staged file into out_dir and removes the
 * staging folder. On failure nothing more is moved and the stage is removed. */
int gnuplot_stage_commit(struct gnuplot_stage *s, struct sim_err *err);
/* Removes the staging folder and everything in it (after an error). */
void gnuplot_stage_abort(struct gnuplot_stage *s);

/* Opens dir/name for writing (caller closes with gnuplot_close). */
FILE *gnuplot_open(const char *dir, const char *name, struct sim_err *err);
/* Closes a file from gnuplot_open, reporting any write error. */
int gnuplot_close(FILE *f, const char *dir, const char *name, struct sim_err *err);
/* Runs gnuplot on dir/script from inside dir; its output names are relative. */
int gnuplot_run(const char *dir, const char *script, struct sim_err *err);
/* Script head (PNG terminal, output name.png, grid, key) of size "W,H". */
void gnuplot_head(FILE *g, const char *name, const char *size);
/* Script tail: the same plot again as name.svg. */
void gnuplot_tail(FILE *g, const char *name, const char *size);
/* Appends "name.png name.svg" to the space-separated list made. */
void gnuplot_made(char *made, size_t size, const char *name);
/* Creates dir and its missing parents (mkdir -p). */
int gnuplot_mkdir(const char *dir, struct sim_err *err);
/* Labelled tics for a log axis ("x" or "y") over [lo, hi]. */
void gnuplot_log_tics(FILE *g, const char *axis, double lo, double hi);

#endif
