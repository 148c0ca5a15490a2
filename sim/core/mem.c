/* Checked allocation with optional failure injection (see mem.h). The counter is
 * thread-local: a test arms it for the calling thread only. */
#include "core/mem.h"

#include <stdlib.h>
#include <string.h>

static _Thread_local long fail_countdown = -1;

void sim_mem_fail_after(long n)
{
	fail_countdown = n;
}

static int injected_failure(void)
{
	if (fail_countdown < 0)
		return 0;
	if (fail_countdown == 0) {
		fail_countdown = -1;
		return 1;
	}
	fail_countdown--;
	return 0;
}

static void *nomem(size_t size, struct sim_err *err)
{
	sim_err_set(err, SIM_ERR_NOMEM, NULL, 0, 0, "out of memory (%zu bytes)", size);
	return NULL;
}

void *sim_malloc(size_t size, struct sim_err *err)
{
	void *p = injected_failure() ? NULL : malloc(size ? size : 1);
	return p ? p : nomem(size, err);
}

void *sim_calloc(size_t count, size_t size, struct sim_err *err)
{
	if (size && count > (size_t)-1 / size)
		return nomem((size_t)-1, err);
	void *p = injected_failure() ? NULL : calloc(count ? count : 1, size ? size : 1);
	return p ? p : nomem(count * size, err);
}

void *sim_realloc(void *ptr, size_t size, struct sim_err *err)
{
	void *p = injected_failure() ? NULL : realloc(ptr, size ? size : 1);
	return p ? p : nomem(size, err);
}

char *sim_strdup(const char *s, struct sim_err *err)
{
	size_t n = strlen(s) + 1;
	char *p = sim_malloc(n, err);
	if (p)
		memcpy(p, s, n);
	return p;
}
