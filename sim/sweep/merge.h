/* Joining results files of one experiment (the shards of `esim sweep --shard
 * K/N`, or copies from several machines) into one results.csv, with the
 * same de-duplication as a resumed sweep: a point appears once. The same
 * point in two files must have the same values in every column but
 * "pareto" (runs are bit-reproducible; a difference means the files come
 * from different experiments or esim versions, and is an error naming both
 * places). The Pareto column is recomputed over the joined rows. */
#ifndef SIM_SWEEP_MERGE_H
#define SIM_SWEEP_MERGE_H

#include <stddef.h>

#include "core/err.h"

struct sweep_merge_stats {
	size_t files;      /* files read (out_path counts when it existed) */
	size_t rows_read;
	size_t duplicates; /* rows already present in an earlier file */
	size_t rows;       /* rows written */
	size_t partial;    /* files whose half-written last line was ignored */
};

/* Writes out_path (atomically: temporary file + rename) with the rows of
 * in_paths[0..n) and of out_path itself when it exists, so merging never
 * loses rows already merged. All files must have one header. */
int sweep_merge(const char *out_path, const char *const *in_paths, size_t n,
		struct sweep_merge_stats *st, struct sim_err *err);

#endif
