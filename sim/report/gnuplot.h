/* Shared helpers of the gnuplot-drawn figures (plot.c, compare.c,
 * latency_plot.c): files in an output folder, gnuplot run inside it, and the
 * common script head and tail that make every figure a PNG and an SVG. */
#ifndef SIM_REPORT_GNUPLOT_H
#define SIM_REPORT_GNUPLOT_H

#include <stddef.h>
#include <stdio.h>

#include "core/err.h"

/* Opens dir/name for writing (caller closes with gnuplot_close). */
FILE *gnuplot_open(const char *dir, const char *name, struct sim_err *err);
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
