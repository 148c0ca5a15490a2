/* Validation against published figures: a YAML file lists checks, each a
 * published value (or range) with its source, and the computation that
 * reproduces it with esim; every check gives rows of published value, esim's
 * value, relative error, the goal and the tolerance past which it fails.
 *
 * Kinds of check:
 *   layer_energy    per-layer energy components (ALU, DRAM, buffer, array,
 *                   RF) of a network on an architecture (ISCA 2016 Fig. 10);
 *   dataflow_ratio  the energy of every other dataflow over RS on the CONV or
 *                   FC layers, against a published range (ISCA 2016 claims);
 *   energy_ratio    energy (or effective MACs) of one network and sparsity
 *                   over another (CVPR 2017 table);
 *   storage         Deep Compression P+Q storage rates per layer (ICLR 2016
 *                   Table 2). */
#ifndef SIM_VALIDATE_VALIDATE_H
#define SIM_VALIDATE_VALIDATE_H

#include <stdbool.h>
#include <stdio.h>

#include "core/err.h"

struct validate_row {
	char check[48];   /* the check's name */
	char item[64];    /* what the row compares, e.g. "conv1 dram" */
	bool range;       /* the publication gives a range, not a value */
	double value;     /* published value, or the lower end of a range */
	double resolution; /* step the published numbers are rounded to */
	double lo, hi;    /* what the published value stands for: the value +- half
			     the rounding step, or a range (hi may be +inf) */
	double esim;      /* esim's value */
	double goal;      /* relative error esim aims at */
	double tolerance; /* relative error past which the row fails */
	int line;         /* line of the published value in the file */
};

struct validate_report {
	char path[256];
	int n, cap;
	struct validate_row *rows; /* owned */
};

/* Runs every check of the file at path with `threads` search threads. On
 * success the caller owns rep's contents (validate_report_deinit). Errors for
 * bad files (with line and column), unreadable inputs and allocation. */
int validate_run(const char *path, int threads, struct validate_report *rep, struct sim_err *err);
void validate_report_deinit(struct validate_report *rep);

/* Relative distance of esim's value from the published value or range (0
 * inside the range). */
double validate_row_error(const struct validate_row *r);

/* Prints the table (check, item, published, esim, error, goal, tolerance,
 * status) and a summary line; returns the number of failed rows. */
int validate_report_print(const struct validate_report *rep, FILE *out);

#endif
