/* Atomic output files (see outfile.h).
 *
 * The temporary is created with open(O_CREAT | O_EXCL, 0666) under a name
 * made of the target, the process id and a counter, so it gets the same
 * permissions (through the umask) as a file written directly, without
 * touching the process-wide umask, and two threads or processes never share
 * one. */
#include "core/outfile.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

bool sim_out_is_stdout(const char *path)
{
	return strcmp(path, "-") == 0;
}

/* The directory part of path ("." when it has none) into dir. */
static void dir_of(const char *path, char *dir, size_t size)
{
	const char *slash = strrchr(path, '/');
	if (!slash)
		snprintf(dir, size, ".");
	else if (slash == path)
		snprintf(dir, size, "/");
	else
		snprintf(dir, size, "%.*s", (int)(slash - path), path);
}

/* Resolves a symbolic link to the file it names, so the link survives the
 * rename; a dangling or unreadable link is left as it is. */
static int resolve(const char *path, char *out, size_t size, struct sim_err *err)
{
	struct stat st;
	char real[PATH_MAX];
	const char *use = path;
	if (lstat(path, &st) == 0 && S_ISLNK(st.st_mode) && realpath(path, real))
		use = real;
	if ((size_t)snprintf(out, size, "%s", use) >= size)
		return sim_err_set(err, SIM_ERR_IO, path, 0, 0, "cannot write: the path is too long");
	return 0;
}

int sim_out_check(const char *path, struct sim_err *err)
{
	if (sim_out_is_stdout(path))
		return 0;
	if (!path[0])
		return sim_err_set(err, SIM_ERR_USAGE, NULL, 0, 0, "an output path is empty");
	struct stat st;
	if (stat(path, &st) == 0) {
		if (S_ISDIR(st.st_mode))
			return sim_err_set(err, SIM_ERR_IO, path, 0, 0,
					   "cannot write: it is a directory");
		if (!S_ISREG(st.st_mode))
			return 0; /* a device or FIFO, written in place */
	}
	char dir[1024];
	dir_of(path, dir, sizeof dir);
	if (stat(dir, &st) != 0)
		return sim_err_set(err, SIM_ERR_IO, path, 0, 0, "cannot write: directory '%s': %s",
				   dir, strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return sim_err_set(err, SIM_ERR_IO, path, 0, 0, "cannot write: '%s' is not a directory",
				   dir);
	if (access(dir, W_OK | X_OK) != 0)
		return sim_err_set(err, SIM_ERR_IO, path, 0, 0, "cannot write: directory '%s': %s",
				   dir, strerror(errno));
	return 0;
}

static atomic_uint tmp_counter;

/* Creates the temporary next to o->path; returns its fd or -1 with err set. */
static int create_tmp(struct sim_out *o, struct sim_err *err)
{
	for (int attempt = 0; attempt < 100; attempt++) {
		unsigned n = atomic_fetch_add(&tmp_counter, 1);
		if ((size_t)snprintf(o->tmp, sizeof o->tmp, "%s.tmp-%ld-%u", o->path, (long)getpid(),
				     n) >= sizeof o->tmp) {
			sim_err_set(err, SIM_ERR_IO, o->path, 0, 0, "cannot write: the path is too long");
			return -1;
		}
		int fd = open(o->tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
		if (fd >= 0)
			return fd;
		if (errno != EEXIST)
			break;
	}
	int e = errno;
	o->tmp[0] = '\0';
	char dir[1024];
	dir_of(o->path, dir, sizeof dir);
	sim_err_set(err, SIM_ERR_IO, o->path, 0, 0, "cannot create a file in '%s': %s", dir,
		    strerror(e));
	return -1;
}

static int open_mode(struct sim_out *o, const char *path, bool append, struct sim_err *err)
{
	memset(o, 0, sizeof *o);
	if (sim_out_is_stdout(path)) {
		o->f = stdout;
		o->is_stdout = true;
		snprintf(o->path, sizeof o->path, "standard output");
		return 0;
	}
	int rc = sim_out_check(path, err);
	if (rc || (rc = resolve(path, o->path, sizeof o->path, err)))
		return rc;
	struct stat st;
	if (stat(o->path, &st) == 0 && !S_ISREG(st.st_mode)) {
		o->f = fopen(o->path, append ? "a" : "w");
		if (!o->f)
			return sim_err_set(err, SIM_ERR_IO, o->path, 0, 0, "cannot open for writing: %s",
					   strerror(errno));
		return 0;
	}
	int fd = create_tmp(o, err);
	if (fd < 0)
		return SIM_ERR_IO;
	o->f = fdopen(fd, "w");
	if (!o->f) {
		close(fd);
		sim_out_abort(o);
		return sim_err_set(err, SIM_ERR_IO, path, 0, 0, "cannot write: %s", strerror(errno));
	}
	if (!append)
		return 0;
	FILE *old = fopen(o->path, "rb");
	if (!old) {
		if (errno == ENOENT)
			return 0;
		int e = errno;
		sim_out_abort(o);
		return sim_err_set(err, SIM_ERR_IO, path, 0, 0, "cannot read: %s", strerror(e));
	}
	char buf[65536];
	size_t got;
	while ((got = fread(buf, 1, sizeof buf, old)) > 0) {
		if (fwrite(buf, 1, got, o->f) != got)
			break;
		o->kept_bytes += got;
	}
	bool ok = !ferror(old) && !ferror(o->f);
	int e = errno;
	fclose(old);
	if (!ok) {
		sim_out_abort(o);
		return sim_err_set(err, SIM_ERR_IO, path, 0, 0, "cannot copy the old rows: %s",
				   strerror(e));
	}
	return 0;
}

int sim_out_open(struct sim_out *o, const char *path, struct sim_err *err)
{
	return open_mode(o, path, false, err);
}

int sim_out_open_append(struct sim_out *o, const char *path, struct sim_err *err)
{
	return open_mode(o, path, true, err);
}

int sim_out_commit(struct sim_out *o, struct sim_err *err)
{
	if (!o->f)
		return sim_err_set(err, SIM_ERR_INTERNAL, o->path, 0, 0, "output is not open");
	FILE *f = o->f;
	o->f = NULL;
	if (o->is_stdout) {
		if (fflush(f) != 0 || ferror(f))
			return sim_err_set(err, SIM_ERR_IO, NULL, 0, 0, "cannot write standard output: %s",
					   strerror(errno));
		return 0;
	}
	bool ok = fflush(f) == 0 && !ferror(f);
	int e = errno;
	if (ok && o->tmp[0] && fsync(fileno(f)) != 0) {
		ok = false;
		e = errno;
	}
	if (fclose(f) != 0 && ok) {
		ok = false;
		e = errno;
	}
	if (ok && o->tmp[0] && rename(o->tmp, o->path) != 0) {
		ok = false;
		e = errno;
	}
	if (!ok) {
		if (o->tmp[0])
			unlink(o->tmp);
		o->tmp[0] = '\0';
		return sim_err_set(err, SIM_ERR_IO, o->path, 0, 0, "cannot write: %s", strerror(e));
	}
	o->tmp[0] = '\0';
	return 0;
}

void sim_out_abort(struct sim_out *o)
{
	if (o->f && !o->is_stdout)
		fclose(o->f);
	else if (o->f)
		fflush(o->f);
	o->f = NULL;
	if (o->tmp[0])
		unlink(o->tmp);
	o->tmp[0] = '\0';
}

int sim_out_write_file(const char *path, const void *buf, size_t len, struct sim_err *err)
{
	struct sim_out o;
	int rc = sim_out_open(&o, path, err);
	if (rc)
		return rc;
	if (len && fwrite(buf, 1, len, o.f) != len) {
		int e = errno;
		sim_out_abort(&o);
		return sim_err_set(err, SIM_ERR_IO, path, 0, 0, "cannot write: %s", strerror(e));
	}
	return sim_out_commit(&o, err);
}
