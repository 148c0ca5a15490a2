/* Running gnuplot (see gnuplot.h). */
#include "report/gnuplot.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

int report_gnuplot_run(const char *dir, const char *script, struct sim_err *err)
{
	pid_t pid = fork();
	if (pid < 0)
		return sim_err_set(err, SIM_ERR_IO, NULL, 0, 0, "fork failed: %s", strerror(errno));
	if (pid == 0) {
		if (chdir(dir) != 0)
			_exit(126);
		execlp("gnuplot", "gnuplot", script, (char *)NULL);
		_exit(127);
	}
	int status;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return sim_err_set(err, SIM_ERR_IO, NULL, 0, 0, "waitpid: %s", strerror(errno));
	if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
		return sim_err_set(err, SIM_ERR_IO, NULL, 0, 0,
				   "gnuplot not found (install gnuplot-nox; make run does)");
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return sim_err_set(err, SIM_ERR_IO, dir, 0, 0, "gnuplot failed on %s (status %d)",
				   script, WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	return 0;
}


int report_mkdir(const char *dir, struct sim_err *err)
{
	char buf[512];
	snprintf(buf, sizeof buf, "%s", dir);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0755) != 0 && errno != EEXIST)
			return sim_err_set(err, SIM_ERR_IO, buf, 0, 0, "cannot create: %s",
					   strerror(errno));
		*p = '/';
	}
	if (mkdir(buf, 0755) != 0 && errno != EEXIST)
		return sim_err_set(err, SIM_ERR_IO, buf, 0, 0, "cannot create: %s", strerror(errno));
	return 0;
}
