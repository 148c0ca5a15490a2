/* posix_spawn for tests (see spawn.h). */
#include "child.h"

#include <fcntl.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

extern char **environ;

/* Is env entry e ("NAME=value") one of extra's names? */
static bool replaced(const char *e, const char *const extra[])
{
	size_t len = strcspn(e, "=");
	for (size_t i = 0; extra && extra[i]; i++)
		if (strncmp(e, extra[i], len) == 0 && extra[i][len] == '=')
			return true;
	return false;
}

pid_t test_spawn(const char *const args[], const char *const extra[], const char *out_path,
		 bool append, const char *err_path)
{
	/* posix_spawn takes mutable strings: give it copies. */
	size_t n = 0, nx = 0, na = 0;
	while (environ[n])
		n++;
	while (extra && extra[nx])
		nx++;
	while (args[na])
		na++;
	char **env = calloc(n + nx + 1, sizeof *env), **argv = calloc(na + 1, sizeof *argv);
	size_t ne = 0;
	for (size_t i = 0; i < n; i++)
		if (!replaced(environ[i], extra))
			env[ne++] = strdup(environ[i]);
	for (size_t i = 0; i < nx; i++)
		env[ne++] = strdup(extra[i]);
	for (size_t i = 0; i < na; i++)
		argv[i] = strdup(args[i]);
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, out_path,
					 O_WRONLY | O_CREAT | (append ? O_APPEND : O_TRUNC), 0644);
	if (err_path)
		posix_spawn_file_actions_addopen(&fa, 2, err_path, O_WRONLY, 0);
	else
		posix_spawn_file_actions_adddup2(&fa, 1, 2);
	pid_t pid;
	if (posix_spawnp(&pid, argv[0], &fa, NULL, argv, env) != 0)
		pid = -1;
	posix_spawn_file_actions_destroy(&fa);
	for (size_t i = 0; i < na; i++)
		free(argv[i]);
	for (size_t i = 0; i < ne; i++)
		free(env[i]);
	free(argv);
	free(env);
	return pid;
}

int test_wait(pid_t pid)
{
	int status;
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
