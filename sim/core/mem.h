/* Checked allocation. sim_malloc/sim_calloc/sim_realloc return NULL and fill err
 * on failure instead of aborting. Tests can make the Nth allocation fail
 * (sim_mem_fail_after) to exercise every error path, as Lua's test allocator does. */
#ifndef SIM_CORE_MEM_H
#define SIM_CORE_MEM_H

#include <stddef.h>

#include "core/err.h"

/* Caller owns the result; NULL (with err set) on failure or injected failure. */
void *sim_malloc(size_t size, struct sim_err *err);
void *sim_calloc(size_t count, size_t size, struct sim_err *err);
void *sim_realloc(void *ptr, size_t size, struct sim_err *err);
/* Copies s; caller owns the result. */
char *sim_strdup(const char *s, struct sim_err *err);

/* Test hook: the allocation after n more successful ones fails (n < 0 disables).
 * Per thread, so parallel code under test is unaffected. */
void sim_mem_fail_after(long n);

#endif
