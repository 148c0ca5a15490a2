/* Helpers shared by the tests. Running the esim binary: a child process with its standard
 * output and error redirected, and optionally a file-size limit (a regular
 * file then fails to grow past it, as on a full disk) or an unprivileged
 * user (so a read-only directory is read-only even when the suite runs as
 * root). The binary is $ESIM_BIN (the Makefile sets it), else build/esim. */
#ifndef TESTS_UTIL_UTIL_H
#define TESTS_UTIL_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct tu_proc {
	const char *out_path; /* stdout goes here (NULL: /dev/null) */
	const char *err_path; /* stderr goes here (NULL: /dev/null) */
	const char *env;      /* one extra NAME=VALUE, or NULL */
	long fsize_limit;     /* bytes; 0 = no limit */
	bool unprivileged;    /* drop to user nobody when running as root */
};

/* The esim binary under test. */
const char *tu_esim(void);

/* Starts args (args[0] the program, NULL-terminated) without waiting;
 * returns the pid, or -1. */
pid_t tu_start(const char *const args[], const struct tu_proc *o);

/* Waits for pid; returns its exit status, or 128 + the signal that ended it,
 * or -1 when it could not be waited for. */
int tu_wait(pid_t pid);

/* tu_start + tu_wait. */
int tu_run(const char *const args[], const struct tu_proc *o);

/* Reads a whole file into a NUL-terminated buffer the caller frees; NULL if
 * it cannot be read. len (may be NULL) gets its length. */
char *tu_slurp(const char *path, size_t *len);

/* Removes a directory tree made by a test (rm -rf); true on success. */
bool tu_rm_tree(const char *dir);

/* Writes text as the whole of path; false when it cannot. */
bool tu_write_text(const char *path, const char *text);

#endif
