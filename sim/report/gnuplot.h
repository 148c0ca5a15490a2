/* The gnuplot side of esim's figures: a staging directory in which a set of
 * data files and scripts is written and run, then moved into place file by
 * file with rename(), so an interrupted or failed plot never leaves a
 * truncated image, script or data file in place of a good one; the running of
 * gnuplot; and the parts every script shares (terminal, output names,
 * labelled log-axis tics). */
#ifndef SIM_REPORT_GNUPLOT_H
#define SIM_REPORT_GNUPLOT_H

#include <stddef.h>
#include <stdio.h>

#include "core/err.h"

/* A staging directory inside the output directory. */
struct gp_stage {
	char out_dir[512]; /* where the files end up */
	char dir[600];     /* the staging directory, "" when none */
};

/* Creates out_dir (and its parents) if needed, and a fresh staging directory
 * in it. */
int gp_stage_open(struct gp_stage *s, const char *out_dir, struct sim_err *err);
/* Moves every staged file into out_dir (each rename atomic) and removes the
 * staging directory. */
int gp_stage_commit(struct gp_stage *s, struct sim_err *err);
/* Removes the staging directory and everything in it (after an error). */
void gp_stage_abort(struct gp_stage *s);

/* Opens name in the staging directory for writing. */
FILE *gp_file_open(const struct gp_stage *s, const char *name, struct sim_err *err);
/* Closes a file from gp_file_open, reporting any write error. */
int gp_file_close(FILE *f, const struct gp_stage *s, const char *name, struct sim_err *err);

/* Runs gnuplot on the staged script from inside the staging directory (the
 * scripts name their data and outputs relatively), then checks that it made
 * a complete NAME.png and NAME.svg. */
int gp_run(const struct gp_stage *s, const char *script, const char *name, struct sim_err *err);

/* The first lines of every script: PNG terminal of the given size, output
 * NAME.png, grid, key. */
void gp_script_head(FILE *g, const char *name, const char *size);
/* The last lines: the same plot again as NAME.svg. */
void gp_script_tail(FILE *g, const char *name, const char *size);
/* Labelled tics for a log axis ("x", "y2", ...) over [lo, hi]. */
void gp_log_tics(FILE *g, const char *axis, double lo, double hi);

#endif
