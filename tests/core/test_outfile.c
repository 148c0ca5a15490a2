/* Atomic output files: a new file gets exactly what was written; an
 * abandoned or failed write leaves the old file byte for byte, and no
 * temporary behind; a directory, a missing directory, a read-only directory
 * and a full device are errors naming the path; appends keep the old rows;
 * a symbolic link stays a link. */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/outfile.h"
#include "test.h"
#include "util/util.h"

static char dir[64];

static void make_dir(void)
{
	snprintf(dir, sizeof dir, "/tmp/esim-out-XXXXXX");
	CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
}

/* Number of entries in dir (temporaries would show here). */
static int count_entries(const char *d)
{
	DIR *h = opendir(d);
	int n = 0;
	struct dirent *e;
	while (h && (e = readdir(h)))
		n += e->d_name[0] != '.';
	if (h)
		closedir(h);
	return n;
}

static int same_text(const char *path, const char *text)
{
	char *got = tu_slurp(path, NULL);
	int same = got && strcmp(got, text) == 0;
	free(got);
	return same;
}

static void test_write_and_abort(void)
{
	make_dir();
	char path[160];
	snprintf(path, sizeof path, "%s/a.csv", dir);
	struct sim_out o;
	struct sim_err err;
	CU_ASSERT_EQUAL_FATAL(sim_out_open(&o, path, &err), 0);
	fprintf(o.f, "x,y\n1,2\n");
	/* Nothing at the target until the commit. */
	CU_ASSERT_EQUAL(access(path, F_OK), -1);
	CU_ASSERT_EQUAL(sim_out_commit(&o, &err), 0);
	CU_ASSERT(same_text(path, "x,y\n1,2\n"));
	CU_ASSERT_EQUAL(count_entries(dir), 1);

	CU_ASSERT_EQUAL_FATAL(sim_out_open(&o, path, &err), 0);
	fprintf(o.f, "half");
	sim_out_abort(&o);
	CU_ASSERT(same_text(path, "x,y\n1,2\n"));
	CU_ASSERT_EQUAL(count_entries(dir), 1);

	CU_ASSERT_EQUAL(sim_out_write_file(path, "new\n", 4, &err), 0);
	CU_ASSERT(same_text(path, "new\n"));
	CU_ASSERT(tu_rm_tree(dir));
}

static void test_bad_targets(void)
{
	make_dir();
	struct sim_out o;
	struct sim_err err;
	CU_ASSERT_EQUAL(sim_out_open(&o, dir, &err), SIM_ERR_IO);
	CU_ASSERT(strstr(err.msg, "directory") != NULL && strcmp(err.file, dir) == 0);
	char path[160];
	snprintf(path, sizeof path, "%s/missing/a.csv", dir);
	CU_ASSERT_EQUAL(sim_out_open(&o, path, &err), SIM_ERR_IO);
	CU_ASSERT(strstr(err.msg, "No such file") != NULL && strcmp(err.file, path) == 0);
	CU_ASSERT_EQUAL(sim_out_check(path, &err), SIM_ERR_IO);
	CU_ASSERT_EQUAL(sim_out_check("-", &err), 0);

	/* A full device is written in place (it cannot be replaced) and fails. */
	CU_ASSERT_EQUAL_FATAL(sim_out_open(&o, "/dev/full", &err), 0);
	CU_ASSERT_EQUAL(o.tmp[0], '\0');
	fprintf(o.f, "data\n");
	CU_ASSERT_EQUAL(sim_out_commit(&o, &err), SIM_ERR_IO);
	CU_ASSERT(strstr(err.msg, "No space left") != NULL);

	/* A read-only directory, as an unprivileged user even under root. */
	char ro[128];
	snprintf(ro, sizeof ro, "%s/ro", dir);
	CU_ASSERT_EQUAL_FATAL(mkdir(ro, 0755), 0);
	chmod(dir, 0755);
	snprintf(path, sizeof path, "%s/a.csv", ro);
	CU_ASSERT_FATAL(tu_write_text(path, "good\n"));
	CU_ASSERT_EQUAL(chmod(ro, 0555), 0);
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		if (geteuid() == 0 && (setgid(65534) != 0 || setuid(65534) != 0))
			_exit(3);
		struct sim_out c;
		struct sim_err e;
		int rc = sim_out_open(&c, path, &e);
		_exit(rc == SIM_ERR_IO && strstr(e.msg, "Permission denied") ? 0 : 1);
	}
	CU_ASSERT_EQUAL(tu_wait(pid), 0);
	CU_ASSERT(same_text(path, "good\n"));
	chmod(ro, 0755);
	CU_ASSERT(tu_rm_tree(dir));
}

/* A write that fails half-way (the file-size limit stands in for a full
 * disk) leaves the old file and no temporary. */
static void test_failed_write_keeps_old(void)
{
	make_dir();
	char path[160];
	snprintf(path, sizeof path, "%s/a.csv", dir);
	CU_ASSERT_FATAL(tu_write_text(path, "good\n"));
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		signal(SIGXFSZ, SIG_IGN);
		struct rlimit rl = {4096, 4096};
		setrlimit(RLIMIT_FSIZE, &rl);
		struct sim_out o;
		struct sim_err e;
		if (sim_out_open(&o, path, &e))
			_exit(2);
		for (int i = 0; i < 10000; i++)
			fprintf(o.f, "row %d\n", i);
		int rc = sim_out_commit(&o, &e);
		_exit(rc == SIM_ERR_IO && strstr(e.msg, "too large") ? 0 : 1);
	}
	CU_ASSERT_EQUAL(tu_wait(pid), 0);
	CU_ASSERT(same_text(path, "good\n"));
	CU_ASSERT_EQUAL(count_entries(dir), 1);
	CU_ASSERT(tu_rm_tree(dir));
}

static void test_append_and_link(void)
{
	make_dir();
	char path[160], link[160];
	snprintf(path, sizeof path, "%s/rows.csv", dir);
	struct sim_out o;
	struct sim_err err;
	CU_ASSERT_EQUAL_FATAL(sim_out_open_append(&o, path, &err), 0);
	CU_ASSERT_EQUAL(o.kept_bytes, 0);
	fprintf(o.f, "h\n1\n");
	CU_ASSERT_EQUAL(sim_out_commit(&o, &err), 0);
	CU_ASSERT_EQUAL_FATAL(sim_out_open_append(&o, path, &err), 0);
	CU_ASSERT_EQUAL(o.kept_bytes, 4);
	fprintf(o.f, "2\n");
	CU_ASSERT_EQUAL(sim_out_commit(&o, &err), 0);
	CU_ASSERT(same_text(path, "h\n1\n2\n"));

	snprintf(link, sizeof link, "%s/link.csv", dir);
	CU_ASSERT_EQUAL_FATAL(symlink("rows.csv", link), 0);
	CU_ASSERT_EQUAL(sim_out_write_file(link, "via link\n", 9, &err), 0);
	struct stat st;
	CU_ASSERT(lstat(link, &st) == 0 && S_ISLNK(st.st_mode));
	CU_ASSERT(same_text(path, "via link\n"));
	CU_ASSERT_EQUAL(count_entries(dir), 2);
	CU_ASSERT(tu_rm_tree(dir));
}

static const struct test_case cases[] = {
	{"write, abort, replace", test_write_and_abort},
	{"directory, missing and read-only directory, full device", test_bad_targets},
	{"a failed write keeps the old file", test_failed_write_keeps_old},
	{"append keeps old rows; links stay links", test_append_and_link},
};
TEST_SUITE(core_outfile, cases);
