/* Output files that never leave a truncated file in place of a good one.
 *
 * Every file esim writes goes through struct sim_out: the bytes go to a
 * temporary file created next to the target (same directory, so the same
 * file system), which is flushed, fsync()ed and rename()d over the target
 * only when everything was written. POSIX rename is atomic: a reader, a
 * crash or a full disk sees either the old file or the new one, never a
 * prefix. The path "-" means standard output; a target that exists and is
 * not a regular file (a device such as /dev/full, a FIFO) is written in
 * place, since it cannot be replaced, and a write error there is still an
 * error. A target that is a directory, or in a directory that is missing or
 * not writable, is an error naming the path. */
#ifndef SIM_CORE_OUTFILE_H
#define SIM_CORE_OUTFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "core/err.h"

struct sim_out {
	FILE *f;         /* write here between open and commit; NULL when closed */
	char path[1024]; /* the target (a symbolic link's target when path is one) */
	char tmp[1040];  /* the temporary file, "" when writing in place */
	bool is_stdout;
	size_t kept_bytes; /* sim_out_open_append: bytes of the old file copied first */
};

/* True when path is "-" (standard output). */
bool sim_out_is_stdout(const char *path);

/* Checks, before any long work, that path can be written: "-", or not a
 * directory and in an existing, writable directory. */
int sim_out_check(const char *path, struct sim_err *err);

/* Opens path for writing (see above). Caller-allocated o; on success the
 * caller must end with sim_out_commit or sim_out_abort. */
int sim_out_open(struct sim_out *o, const char *path, struct sim_err *err);

/* Like sim_out_open, but the new file starts with the old file's bytes
 * (o->kept_bytes of them; 0 when there was none), for files that grow by
 * rows: the old rows stay intact even if the appending run fails. */
int sim_out_open_append(struct sim_out *o, const char *path, struct sim_err *err);

/* Finishes the file: flush, fsync, close, rename. On failure the temporary is
 * removed, the old target is untouched, and err names the target. o is closed
 * either way. */
int sim_out_commit(struct sim_out *o, struct sim_err *err);

/* Abandons an open output (after another error): closes it and removes the
 * temporary. A no-op on a closed output. */
void sim_out_abort(struct sim_out *o);

/* Writes len bytes of buf as the whole of path (open + write + commit). */
int sim_out_write_file(const char *path, const void *buf, size_t len, struct sim_err *err);

#endif
