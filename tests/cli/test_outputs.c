/* Every file an esim subcommand writes, end to end through the binary:
 *   '-'                 the CSV / JSON goes to standard output (no file '-')
 *   /dev/full           a clear error and a non-zero exit
 *   a directory         the same
 *   a missing directory the same
 *   a read-only one     the same (run as user nobody when the suite is root)
 *   a failing write     (a file-size limit standing in for a full disk): a
 *                       non-zero exit, and the good file already there is
 *                       left byte for byte, with no temporary beside it.
 * The checkpoint and the compressed model come from a tiny network trained
 * in the test on a generated 200-image IDX set, so the whole suite takes a
 * few seconds. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "test.h"
#include "util/util.h"

static char dir[64];
static char data_dir[96], net[96], recipe[96], model[96], results[96], ro_dir[96];

/* An IDX file of n items of `item` bytes each, filled from a fixed LCG
 * (labels below 10). */
static void write_idx(const char *name, uint32_t n, int ndim, uint32_t item, int labels)
{
	char path[160];
	snprintf(path, sizeof path, "%s/%s", data_dir, name);
	FILE *f = fopen(path, "wb");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	uint8_t head[16] = {0, 0, 8, (uint8_t)ndim, (uint8_t)(n >> 24), (uint8_t)(n >> 16),
			    (uint8_t)(n >> 8), (uint8_t)n, 0, 0, 0, 28, 0, 0, 0, 28};
	fwrite(head, 1, 4 + 4 * (size_t)ndim, f);
	uint32_t x = 12345;
	for (uint64_t i = 0; i < (uint64_t)n * item; i++) {
		x = x * 1103515245u + 12345u;
		fputc(labels ? (int)((x >> 16) % 10) : (int)(x >> 24), f);
	}
	fclose(f);
}

static int setup(void)
{
	snprintf(dir, sizeof dir, "/tmp/esim-outputs-XXXXXX");
	if (!mkdtemp(dir))
		return 0;
	chmod(dir, 0755); /* readable by the unprivileged runs */
	snprintf(data_dir, sizeof data_dir, "%s/data", dir);
	snprintf(net, sizeof net, "%s/net.yaml", dir);
	snprintf(recipe, sizeof recipe, "%s/recipe.yaml", dir);
	snprintf(model, sizeof model, "%s/m.ckpt", dir);
	snprintf(ro_dir, sizeof ro_dir, "%s/ro", dir);
	mkdir(data_dir, 0755);
	write_idx("train-images-idx3-ubyte", 200, 3, 784, 0);
	write_idx("train-labels-idx1-ubyte", 200, 1, 1, 1);
	write_idx("t10k-images-idx3-ubyte", 100, 3, 784, 0);
	write_idx("t10k-labels-idx1-ubyte", 100, 1, 1, 1);
	if (!tu_write_text(net, "name: tiny\ninput: {channels: 1, height: 28, width: 28}\n"
				"layers:\n  - {name: ip1, type: fc, out_features: 16}\n"
				"  - {name: relu1, type: relu}\n"
				"  - {name: ip2, type: fc, out_features: 10}\n") ||
	    !tu_write_text(recipe, "name: tiny\nprune: {method: threshold, quality: 0.5, "
				   "schedule: oneshot, epochs: 1}\nquantize: {kind: kmeans, "
				   "bits_conv: 4, bits_fc: 4, epochs: 1}\nhuffman: true\n"
				   "index_bits: 4\n"))
		return 0;
	const char *train[] = {tu_esim(), "train", "--net", net, "--data", data_dir, "--epochs",
			       "1", "--out", model, NULL};
	if (tu_run(train, NULL) != 0)
		return 0;
	/* A sweep's results for `esim plot`. */
	char res_dir[96], cmd[300];
	snprintf(res_dir, sizeof res_dir, "%s/res", dir);
	snprintf(results, sizeof results, "%s/res/results.csv", dir);
	mkdir(res_dir, 0755);
	snprintf(cmd, sizeof cmd, "cp experiments/reference/alexnet-dataflows.csv %s", results);
	if (system(cmd) != 0)
		return 0;
	char pub[96];
	snprintf(pub, sizeof pub, "%s/pub", dir);
	mkdir(pub, 0777);
	mkdir(ro_dir, 0755);
	return chmod(pub, 0777) == 0 && chmod(ro_dir, 0555) == 0;
}

/* One file output of one subcommand: args with "@" where the path goes. */
struct output_case {
	const char *what;
	const char *args[24];
	int to_stdout;        /* '-' is allowed */
	const char *expect;   /* what standard output starts with for '-' */
};

#define ENERGY "energy", "--arch", "configs/arch/eyeriss-chip.yaml", "--net", \
	"configs/networks/lenet-300-100.yaml", "--energy", "energy-tables/eyeriss-65nm.yaml"
#define STORAGE "storage", "--net", "configs/networks/lenet-300-100.yaml", "--sparsity", \
	"configs/sparsity/lenet-300-100-han2015.yaml", "--wbits-conv", "6", "--wbits-fc", "6", \
	"--ibits", "5"
#define COMPRESS "compress", "--model", model, "--recipe", recipe, "--data", data_dir

/* Builds argv for a case with path in place of "@"; strings are borrowed. */
static void build_args(const struct output_case *c, const char *path, const char **argv,
		       const char *esz)
{
	int n = 0;
	argv[n++] = tu_esim();
	for (int i = 0; c->args[i]; i++)
		argv[n++] = strcmp(c->args[i], "@") == 0 ? path : c->args[i];
	int has_out = 0;
	for (int i = 0; c->args[i]; i++)
		has_out |= strcmp(c->args[i], "--out") == 0;
	if (strcmp(c->args[0], "compress") == 0 && !has_out) {
		argv[n++] = "--out";
		argv[n++] = esz;
	}
	argv[n] = NULL;
}

/* Entries in d other than `keep` (a temporary would show here). */
static int strays(const char *d, const char *keep)
{
	DIR *h = opendir(d);
	int n = 0;
	struct dirent *e;
	while (h && (e = readdir(h)))
		n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..") && strcmp(e->d_name, keep);
	if (h)
		closedir(h);
	return n;
}

static void check_case(const struct output_case *c)
{
	char out[128], err_path[128], esz[128], path[200], good_dir[128];
	snprintf(out, sizeof out, "%s/stdout", dir);
	snprintf(err_path, sizeof err_path, "%s/stderr", dir);
	/* --out of compress when another output is tested: writable by anyone. */
	snprintf(esz, sizeof esz, "%s/pub/m.esz", dir);
	const char *argv[32];
	struct tu_proc o = {.out_path = out, .err_path = err_path};
	if (c->to_stdout) {
		build_args(c, "-", argv, esz);
		int rc = tu_run(argv, &o);
		char *text = tu_slurp(out, NULL);
		int ok = rc == 0 && text && strncmp(text, c->expect, strlen(c->expect)) == 0;
		if (!ok)
			fprintf(stderr, "\n  %s to '-': status %d, stdout starts '%.40s'", c->what, rc,
				text ? text : "");
		CU_ASSERT(ok);
		free(text);
		CU_ASSERT_EQUAL(access("-", F_OK), -1);
	}
	snprintf(path, sizeof path, "%s/missing/out", dir);
	const char *bad[] = {"/dev/full", dir, path};
	const char *why[] = {"No space left", "directory", "No such file"};
	for (int i = 0; i < 3; i++) {
		build_args(c, bad[i], argv, esz);
		int rc = tu_run(argv, &o);
		char *msg = tu_slurp(err_path, NULL);
		int ok = rc != 0 && rc < 128 && msg && strstr(msg, why[i]);
		if (!ok)
			fprintf(stderr, "\n  %s to %s: status %d, stderr '%s'", c->what, bad[i], rc,
				msg ? msg : "");
		CU_ASSERT(ok);
		free(msg);
	}
	snprintf(path, sizeof path, "%s/out", ro_dir);
	build_args(c, path, argv, esz);
	struct tu_proc unpriv = o;
	unpriv.unprivileged = true;
	int rc = tu_run(argv, &unpriv);
	char *msg = tu_slurp(err_path, NULL);
	if (!(rc != 0 && rc < 128 && msg && strstr(msg, "Permission denied")))
		fprintf(stderr, "\n  %s to a read-only directory: status %d, stderr '%s'", c->what,
			rc, msg ? msg : "");
	CU_ASSERT(rc != 0 && rc < 128 && msg && strstr(msg, "Permission denied"));
	free(msg);

	/* A good file stays when the new one cannot be written in full. */
	snprintf(good_dir, sizeof good_dir, "%s/good", dir);
	mkdir(good_dir, 0755);
	snprintf(path, sizeof path, "%s/out", good_dir);
	CU_ASSERT_FATAL(tu_write_text(path, "GOOD\n"));
	build_args(c, path, argv, esz);
	struct tu_proc limited = o;
	limited.fsize_limit = 40;
	rc = tu_run(argv, &limited);
	char *kept = tu_slurp(path, NULL);
	int ok = rc != 0 && rc < 128 && kept && strcmp(kept, "GOOD\n") == 0 &&
		 strays(good_dir, "out") == 0;
	if (!ok)
		fprintf(stderr, "\n  %s over a good file: status %d, file '%s'", c->what, rc,
			kept ? kept : "(gone)");
	CU_ASSERT(ok);
	free(kept);
	CU_ASSERT(tu_rm_tree(good_dir));
}

static void test_file_outputs(void)
{
	CU_ASSERT_FATAL(setup());
	const struct output_case cases[] = {
		{"energy --csv", {ENERGY, "--csv", "@", NULL}, 1, "layer,macs,"},
		{"energy --json", {ENERGY, "--json", "@", NULL}, 1, "{\"network\": "},
		{"energy --save-mapping", {ENERGY, "--save-mapping", "@", NULL}, 1, "# esim mappings"},
		{"storage --csv", {STORAGE, "--csv", "@", NULL}, 1, "layer,weights,"},
		{"compress --csv", {COMPRESS, "--csv", "@", NULL}, 1, "layer,weights,"},
		{"compress --summary", {COMPRESS, "--summary", "@", NULL}, 1, "recipe,model,"},
		{"compress --out", {COMPRESS, "--out", "@", NULL}, 0, ""},
		{"train --out", {"train", "--net", net, "--data", data_dir, "--epochs", "1", "--out",
				 "@", NULL}, 0, ""},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		check_case(&cases[i]);
}

/* esim plot writes a directory of files: each is replaced whole or not at all. */
static void test_plot_outputs(void)
{
	char res_dir[128], out[128], path[160];
	snprintf(res_dir, sizeof res_dir, "%s/res", dir);
	const char *argv[] = {tu_esim(), "plot", res_dir, "--out", out, NULL};
	struct tu_proc o = {0};
	snprintf(out, sizeof out, "/dev/full/plots");
	CU_ASSERT(tu_run(argv, &o) == 1);
	snprintf(out, sizeof out, "%s", results); /* a file, not a directory */
	CU_ASSERT(tu_run(argv, &o) == 1);
	snprintf(out, sizeof out, "%s/plots", ro_dir);
	o.unprivileged = true;
	CU_ASSERT(tu_run(argv, &o) == 1);
	o.unprivileged = false;
	snprintf(out, sizeof out, "%s/plots", dir);
	CU_ASSERT_EQUAL_FATAL(tu_run(argv, &o), 0);
	snprintf(path, sizeof path, "%s/pareto.png", out);
	struct stat st;
	CU_ASSERT(stat(path, &st) == 0 && st.st_size > 1000);
	CU_ASSERT_FATAL(tu_write_text(path, "GOOD\n"));
	o.fsize_limit = 2000;
	CU_ASSERT(tu_run(argv, &o) == 1);
	char *kept = tu_slurp(path, NULL);
	CU_ASSERT(kept && strcmp(kept, "GOOD\n") == 0);
	free(kept);
	/* No staging directory left behind. */
	DIR *h = opendir(out);
	struct dirent *e;
	int staged = 0;
	while (h && (e = readdir(h)))
		staged += strncmp(e->d_name, ".esim", 5) == 0;
	if (h)
		closedir(h);
	CU_ASSERT_EQUAL(staged, 0);
	chmod(ro_dir, 0755);
	CU_ASSERT(tu_rm_tree(dir));
}

static const struct test_case cases[] = {
	{"every file output: '-', full disk, directories, old file kept", test_file_outputs},
	{"plots: bad directories, old files kept", test_plot_outputs},
};
TEST_SUITE(cli_outputs, cases);
