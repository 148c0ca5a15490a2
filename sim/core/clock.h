/* Seconds on a POSIX clock, for progress lines and measurements (never for
 * results: nothing computed may depend on time). */
#ifndef SIM_CORE_CLOCK_H
#define SIM_CORE_CLOCK_H

#include <time.h>

/* Seconds on clock id (CLOCK_MONOTONIC, CLOCK_PROCESS_CPUTIME_ID, ...). */
static inline double sim_clock_s(clockid_t id)
{
	struct timespec ts;
	clock_gettime(id, &ts);
	return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Wall-clock seconds on the monotonic clock. */
static inline double sim_now_s(void)
{
	return sim_clock_s(CLOCK_MONOTONIC);
}

#endif
