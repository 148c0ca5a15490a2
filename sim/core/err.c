/* Positioned errors (see err.h). Messages are formatted into the caller's
 * struct: no static buffers, so errors are safe to produce from any thread. */
#include "core/err.h"

#include <assert.h>
#include <stdarg.h>
#include <string.h>

static const char *const code_names[] = {
	"ok", "usage", "config", "io", "data", "nomem", "internal",
};
static_assert(sizeof code_names / sizeof code_names[0] == SIM_ERR_CODE_COUNT,
	      "one name per error code");

void sim_err_clear(struct sim_err *err)
{
	memset(err, 0, sizeof *err);
}

int sim_err_set(struct sim_err *err, enum sim_err_code code, const char *file, int line,
		int col, const char *fmt, ...)
{
	if (!err)
		return (int)code;
	err->code = code;
	snprintf(err->file, sizeof err->file, "%s", file ? file : "");
	err->line = line;
	err->col = col;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof err->msg, fmt, ap);
	va_end(ap);
	return (int)code;
}

void sim_err_prefix(struct sim_err *err, const char *fmt, ...)
{
	char head[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(head, sizeof head, fmt, ap);
	va_end(ap);
	char joined[sizeof head + sizeof err->msg + 2];
	snprintf(joined, sizeof joined, "%s: %s", head, err->msg);
	/* Long messages are cut, never overflow. */
	memcpy(err->msg, joined, sizeof err->msg - 1);
	err->msg[sizeof err->msg - 1] = '\0';
}

void sim_err_print(const struct sim_err *err, FILE *out)
{
	if (err->file[0] && err->line > 0 && err->col > 0)
		fprintf(out, "%s:%d:%d: error: %s\n", err->file, err->line, err->col, err->msg);
	else if (err->file[0] && err->line > 0)
		fprintf(out, "%s:%d: error: %s\n", err->file, err->line, err->msg);
	else if (err->file[0])
		fprintf(out, "%s: error: %s\n", err->file, err->msg);
	else
		fprintf(out, "esim: error: %s\n", err->msg);
}

int sim_err_exit_status(const struct sim_err *err)
{
	return (err->code == SIM_ERR_USAGE || err->code == SIM_ERR_CONFIG) ? 2 : 1;
}

const char *sim_err_code_name(enum sim_err_code code)
{
	return (unsigned)code < SIM_ERR_CODE_COUNT ? code_names[code] : "?";
}
