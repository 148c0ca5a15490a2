/* gnuplot, run as a child process on a script the caller wrote, and the
 * folders the figures go to: shared by the figures of sweeps (plot.h) and of
 * latency measurements (latency_plot.h). */
#ifndef SIM_REPORT_GNUPLOT_H
#define SIM_REPORT_GNUPLOT_H

#include "core/err.h"

/* Runs `gnuplot script` inside dir, so the script's output names are relative
 * to dir. A missing gnuplot or a failing script is an SIM_ERR_IO error. */
int report_gnuplot_run(const char *dir, const char *script, struct sim_err *err);

/* Creates dir and its missing parents (mkdir -p). */
int report_mkdir(const char *dir, struct sim_err *err);

#endif
