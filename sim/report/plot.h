/* Plots of a sweep, made by gnuplot from results.csv alone.
 *
 * Reads the sweep's results.csv (its header names the axes: every column
 * between `point` and `accuracy`), writes data files and gnuplot scripts into
 * out_dir and runs gnuplot on them, each script producing a PNG and an SVG:
 *   pareto        accuracy vs energy (log x), every point coloured by one axis
 *                 and shaped by another (with more than two methods: coloured
 *                 by method, shaped by granularity), the Pareto front as a
 *                 line; for an energy-only sweep, cycles vs energy
 *   layers-level  per-layer energy, stacked by memory level, before (the
 *                 baseline row) and after pruning (the lowest-energy point
 *                 within its accuracy bound)
 *   layers-type   the same stacked by data type
 *   density       accuracy vs weight density, a line per granularity
 *   bitwidth      accuracy and energy vs weight bits
 * Plots whose columns the sweep lacks are skipped and said so in *summary. */
#ifndef SIM_REPORT_PLOT_H
#define SIM_REPORT_PLOT_H

#include <stddef.h>

#include "core/err.h"

/* Makes every plot the results allow. Writes the names of the images made
 * (space separated) into made. */
int report_plot_sweep(const char *results_csv, const char *out_dir, char *made, size_t made_size,
		      struct sim_err *err);

#endif
