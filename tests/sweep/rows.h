/* Comparing results files in tests: the same rows in any order, as a
 * resumed, sharded or MPI sweep must produce. */
#ifndef TESTS_SWEEP_ROWS_H
#define TESTS_SWEEP_ROWS_H

#include <stdbool.h>
#include <stddef.h>

/* True when a and b have the same header and the same rows, cell for cell,
 * in any order; prints the first difference to stderr otherwise. */
bool test_same_rows(const char *a, const char *b);

/* Complete rows in a results file (0 when it cannot be read). */
size_t test_count_rows(const char *csv);

#endif
