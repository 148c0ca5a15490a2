/* The figure of `esim latency`: per layer, the median time of a batch-1
 * inference against weight density (log-log), a line per storage format, so
 * the density where a sparse format's line crosses below the dense ones is
 * the break-even density. Written as latency.png and latency.svg, with the
 * data (one .dat per layer) and the gnuplot script beside them. */
#ifndef SIM_REPORT_LATENCY_PLOT_H
#define SIM_REPORT_LATENCY_PLOT_H

#include <stddef.h>

#include "core/err.h"
#include "latency/timing.h"

/* Draws layers[0..n) into dir (created if missing); title names the model. */
int report_plot_latency(const struct lat_layer_result *layers, size_t n, const char *title,
			uint32_t simd_width, const char *dir, struct sim_err *err);

#endif
