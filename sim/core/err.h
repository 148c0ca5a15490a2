/* Errors with a position: every fallible function returns 0 on success or a
 * non-zero status and fills a caller-owned struct sim_err, which prints like a
 * compiler diagnostic: "file:line:col: error: message". */
#ifndef SIM_CORE_ERR_H
#define SIM_CORE_ERR_H

#include <stdio.h>

enum sim_err_code {
	SIM_OK = 0,
	SIM_ERR_USAGE,   /* bad command line */
	SIM_ERR_CONFIG,  /* a YAML file is wrong: has file, line, column */
	SIM_ERR_IO,      /* a file could not be read or written */
	SIM_ERR_DATA,    /* a data file (IDX, checkpoint, ...) is corrupt or truncated */
	SIM_ERR_NOMEM,   /* an allocation failed */
	SIM_ERR_INTERNAL,
	SIM_ERR_CODE_COUNT
};

struct sim_err {
	enum sim_err_code code;
	char file[256];  /* empty when the error has no file */
	int line;        /* 1-based; 0 when unknown */
	int col;         /* 1-based; 0 when unknown */
	char msg[768];
};

/* Clears err to "no error". */
void sim_err_clear(struct sim_err *err);

/* Sets err (if not NULL) and returns code, so callers can `return sim_err_set(...)`.
 * file may be NULL; line/col 0 mean "no position". */
int sim_err_set(struct sim_err *err, enum sim_err_code code, const char *file, int line,
		int col, const char *fmt, ...) __attribute__((format(printf, 6, 7)));

/* Prefixes the message with more context ("while loading X: ..."). */
void sim_err_prefix(struct sim_err *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Prints "file:line:col: error: msg" (parts that are unknown are left out). */
void sim_err_print(const struct sim_err *err, FILE *out);

/* Process exit status for an error: 2 for usage and config errors, 1 otherwise. */
int sim_err_exit_status(const struct sim_err *err);

/* Name of an error code ("config", "io", ...). */
const char *sim_err_code_name(enum sim_err_code code);

#endif
