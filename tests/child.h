/* Running programs from tests (the esim binary, mpirun) with posix_spawn. */
#ifndef TESTS_CHILD_H
#define TESTS_CHILD_H

#include <stdbool.h>
#include <sys/types.h>

/* Starts args (NULL-terminated; args[0] is looked up in PATH when it has no
 * slash) with this process's environment plus extra (NULL-terminated
 * "NAME=value" strings, which replace variables of the same name; may be
 * NULL). stdout goes to out_path (appended to when append, else truncated),
 * stderr to err_path, or to stdout's file when err_path is NULL. Returns the
 * pid, or -1 when it could not start. */
pid_t test_spawn(const char *const args[], const char *const extra[], const char *out_path,
		 bool append, const char *err_path);

/* Waits for pid: its exit status, 128 + the signal when a signal ended it,
 * -1 when it could not be waited for. */
int test_wait(pid_t pid);

#endif
