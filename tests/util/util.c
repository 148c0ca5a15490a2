/* Test helpers (see util.h). The esim binary runs under fork + exec rather
 * than posix_spawn, because the child may need a resource limit or another
 * user before exec. */
#include "util/util.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

const char *tu_esim(void)
{
	const char *bin = getenv("ESIM_BIN");
	return bin && *bin ? bin : "build/esim";
}

static void redirect(int fd, const char *path)
{
	int f = open(path ? path : "/dev/null", O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (f < 0)
		_exit(125);
	dup2(f, fd);
	close(f);
}

pid_t tu_start(const char *const args[], const struct tu_proc *o)
{
	static const struct tu_proc none = {0};
	if (!o)
		o = &none;
	fflush(stdout);
	fflush(stderr);
	pid_t pid = fork();
	if (pid != 0)
		return pid;
	redirect(1, o->out_path);
	redirect(2, o->err_path);
	if (o->env)
		putenv(strdup(o->env));
	if (o->fsize_limit > 0) {
		/* Past the limit write() fails with EFBIG instead of killing. */
		signal(SIGXFSZ, SIG_IGN);
		struct rlimit rl = {(rlim_t)o->fsize_limit, (rlim_t)o->fsize_limit};
		if (setrlimit(RLIMIT_FSIZE, &rl) != 0)
			_exit(125);
	}
	if (o->unprivileged && geteuid() == 0 && (setgid(65534) != 0 || setuid(65534) != 0))
		_exit(125);
	/* exec takes mutable strings: give it copies. */
	size_t n = 0;
	while (args[n])
		n++;
	char **argv = calloc(n + 1, sizeof *argv);
	for (size_t i = 0; argv && i < n; i++)
		argv[i] = strdup(args[i]);
	if (argv)
		execv(argv[0], argv);
	_exit(127);
}

int tu_wait(pid_t pid)
{
	int status;
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return -1;
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

int tu_run(const char *const args[], const struct tu_proc *o)
{
	return tu_wait(tu_start(args, o));
}

char *tu_slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	size_t cap = 4096, n = 0, got;
	char *p = malloc(cap + 1);
	while (p && (got = fread(p + n, 1, cap - n, f)) > 0) {
		n += got;
		if (n == cap) {
			char *q = realloc(p, 2 * cap + 1);
			if (!q) {
				free(p);
				p = NULL;
				break;
			}
			p = q;
			cap *= 2;
		}
	}
	fclose(f);
	if (!p)
		return NULL;
	p[n] = '\0';
	if (len)
		*len = n;
	return p;
}

bool tu_rm_tree(const char *dir)
{
	char cmd[1200];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	return system(cmd) == 0;
}

bool tu_write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	if (!f)
		return false;
	bool ok = fputs(text, f) >= 0;
	return fclose(f) == 0 && ok;
}
