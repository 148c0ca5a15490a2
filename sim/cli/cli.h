/* Command-line helpers shared by the subcommands, and the subcommand entry
 * points. Each command returns a process exit status (0 ok, 2 usage/config
 * error, 1 other failure) and prints its own errors; only main exits. */
#ifndef SIM_CLI_CLI_H
#define SIM_CLI_CLI_H

#include <stdbool.h>
#include <stdint.h>

#include "core/err.h"

/* Strict number parsing for option values: whole string, in range, else a
 * usage error naming the option. */
int cli_parse_u64(const char *opt, const char *s, uint64_t min, uint64_t max, uint64_t *out,
		  struct sim_err *err);
int cli_parse_double(const char *opt, const char *s, double min, double max, double *out,
		     struct sim_err *err);
/* Prints err and returns its exit status. */
int cli_fail(const struct sim_err *err);
/* True when an output option's path is "-" (standard output). */
bool cli_stdout_taken(const char *path);
/* Checks the output options of a command before any work: each given path
 * (paths[i] may be NULL: option not given) must be writable
 * (sim_out_check), and at most one may be "-". opts[i] names the option. */
int cli_check_outputs(const char *const *opts, const char *const *paths, int n,
		      struct sim_err *err);
/* True when stdout/stderr is a terminal (progress bars only there). */
bool cli_is_tty(int fd);

int cmd_net(int argc, char **argv);
int cmd_train(int argc, char **argv);
int cmd_eval(int argc, char **argv);
int cmd_storage(int argc, char **argv);
int cmd_energy(int argc, char **argv);
int cmd_sweep(int argc, char **argv);
int cmd_plot(int argc, char **argv);
int cmd_merge(int argc, char **argv);
int cmd_compress(int argc, char **argv);
int cmd_config(int argc, char **argv);
int cmd_compare(int argc, char **argv);
int cmd_validate(int argc, char **argv);
int cmd_latency(int argc, char **argv);

/* The schemas `esim config` prints, in the order of the reference. */
struct cfg_schema;
extern const struct cfg_schema *const cli_config_schemas[];
extern const int cli_config_schema_count;

#endif
