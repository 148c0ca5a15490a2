/* Shared command-line helpers (see cli.h). */
#include "cli/cli.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/outfile.h"

int cli_parse_u64(const char *opt, const char *s, uint64_t min, uint64_t max, uint64_t *out,
		  struct sim_err *err)
{
	char *end;
	errno = 0;
	if (!s || *s == '-' || *s == '\0')
		return sim_err_set(err, SIM_ERR_USAGE, NULL, 0, 0,
				   "%s expects a whole number, got '%s'", opt, s ? s : "");
	unsigned long long v = strtoull(s, &end, 10);
	if (*end != '\0')
		return sim_err_set(err, SIM_ERR_USAGE, NULL, 0, 0,
				   "%s expects a whole number, got '%s'", opt, s);
	if (errno == ERANGE || v < min || v > max)
		return sim_err_set(err, SIM_ERR_USAGE, NULL, 0, 0, "%s must be in [%llu, %llu], got %s",
				   opt, (unsigned long long)min, (unsigned long long)max, s);
	*out = v;
	return 0;
}

int cli_parse_double(const char *opt, const char *s, double min, double max, double *out,
		     struct sim_err *err)
{
	char *end;
	errno = 0;
	double v = s ? strtod(s, &end) : 0;
	if (!s || end == s || *end != '\0' || !isfinite(v))
		return sim_err_set(err, SIM_ERR_USAGE, NULL, 0, 0, "%s expects a number, got '%s'",
				   opt, s ? s : "");
	if (errno == ERANGE || v < min || v > max)
		return sim_err_set(err, SIM_ERR_USAGE, NULL, 0, 0, "%s must be in [%g, %g], got %s", opt,
				   min, max, s);
	*out = v;
	return 0;
}

int cli_fail(const struct sim_err *err)
{
	sim_err_print(err, stderr);
	return sim_err_exit_status(err);
}

bool cli_is_tty(int fd)
{
	return isatty(fd) == 1;
}

bool cli_stdout_taken(const char *path)
{
	return path && sim_out_is_stdout(path);
}

int cli_check_outputs(const char *const *opts, const char *const *paths, int n,
		      struct sim_err *err)
{
	int first_stdout = -1;
	for (int i = 0; i < n; i++) {
		if (!paths[i])
			continue;
		if (cli_stdout_taken(paths[i])) {
			if (first_stdout >= 0)
				return sim_err_set(err, SIM_ERR_USAGE, NULL, 0, 0,
						   "%s and %s cannot both write to standard output",
						   opts[first_stdout], opts[i]);
			first_stdout = i;
		}
		int rc = sim_out_check(paths[i], err);
		if (rc) {
			sim_err_prefix(err, "%s", opts[i]);
			return rc;
		}
	}
	return 0;
}
