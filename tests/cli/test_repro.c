/* Bit-reproducible training, end to end through the esim binary: a short
 * LeNet-5 run (300 images, one epoch) writes byte-identical checkpoints, and
 * `esim eval` prints identical output, at --threads 1, 2 and 8 and with the
 * CPU's AVX, AVX2, FMA and AVX-512 masked by glibc (GLIBC_TUNABLES), which
 * switches esim's GEMM to its SSE2 kernels and glibc's libm to its
 * baseline variants. The binary is $ESIM_BIN (the Makefile sets it). */
#include <fcntl.h>
#include <glob.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "test.h"

extern char **environ;

static const char masked_cpu[] =
	"GLIBC_TUNABLES=glibc.cpu.hwcaps=-AVX512F,-AVX512VL,-AVX512BW,-AVX2,-FMA,-AVX";

/* Runs argv with environ plus extra (may be NULL), stdout to out_path;
 * returns the exit status (-1 when it could not run). */
static int run(const char *const args[], const char *extra, const char *out_path)
{
	/* posix_spawn takes mutable strings: give it copies. */
	size_t n = 0, na = 0;
	while (environ[n])
		n++;
	while (args[na])
		na++;
	char **env = calloc(n + 2, sizeof *env), **argv = calloc(na + 1, sizeof *argv);
	memcpy(env, environ, n * sizeof *env);
	char *extra_copy = extra ? strdup(extra) : NULL;
	env[n] = extra_copy;
	for (size_t i = 0; i < na; i++)
		argv[i] = strdup(args[i]);
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, out_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	pid_t pid;
	int status = -1;
	if (posix_spawn(&pid, argv[0], &fa, NULL, argv, env) == 0 && waitpid(pid, &status, 0) == pid)
		status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
	posix_spawn_file_actions_destroy(&fa);
	for (size_t i = 0; i < na; i++)
		free(argv[i]);
	free(argv);
	free(extra_copy);
	free(env);
	return status;
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	rewind(f);
	char *p = malloc(n > 0 ? (size_t)n : 1);
	*len = fread(p, 1, n > 0 ? (size_t)n : 0, f);
	fclose(f);
	return p;
}

/* Trains with the given thread count and environment, evaluates, and returns
 * the checkpoint bytes and eval output. */
static void train_eval(const char *bin, const char *dir, const char *threads, const char *extra,
		       char **ckpt, size_t *ckpt_len, char **eval, size_t *eval_len)
{
	char model[512], log[512];
	snprintf(model, sizeof model, "%s/model.ckpt", dir); /* eval prints the path */
	snprintf(log, sizeof log, "%s/log", dir);
	const char *train[] = {bin, "train", "--net", "lenet-5", "--epochs", "1", "--limit", "300",
			       "--threads", threads, "--out", model, NULL};
	CU_ASSERT_EQUAL_FATAL(run(train, extra, log), 0);
	const char *ev[] = {bin, "eval", "--model", model, "--threads", threads, NULL};
	CU_ASSERT_EQUAL_FATAL(run(ev, extra, log), 0);
	*ckpt = slurp(model, ckpt_len);
	*eval = slurp(log, eval_len);
	CU_ASSERT_FATAL(*ckpt && *eval);
}

static void test_checkpoints_identical(void)
{
	const char *bin = getenv("ESIM_BIN") ? getenv("ESIM_BIN") : "build/esim";
	char dir[] = "/tmp/esim-repro-XXXXXX";
	CU_ASSERT_FATAL(mkdtemp(dir) != NULL);
	char *ref, *ref_eval;
	size_t ref_len, ref_eval_len;
	train_eval(bin, dir, "1", NULL, &ref, &ref_len, &ref_eval, &ref_eval_len);
	const char *threads[] = {"2", "8", "2"};
	const char *extra[] = {NULL, NULL, masked_cpu};
	for (int i = 0; i < 3; i++) {
		char *c, *e;
		size_t cl, el;
		train_eval(bin, dir, threads[i], extra[i], &c, &cl, &e, &el);
		int same = cl == ref_len && memcmp(c, ref, cl) == 0;
		if (!same)
			fprintf(stderr, "\n  checkpoint at --threads %s%s differs\n", threads[i],
				extra[i] ? " with masked CPU features" : "");
		CU_ASSERT(same);
		CU_ASSERT(el == ref_eval_len && memcmp(e, ref_eval, el) == 0);
		free(c);
		free(e);
	}
	printf("[%zu-byte checkpoint identical at 1/2/8 threads and masked CPU] ", ref_len);
	free(ref);
	free(ref_eval);
	char cmd[600];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	CU_ASSERT_EQUAL(system(cmd), 0);
}

/* Copies file src to dst (for the shared baseline). */
static int copy_file(const char *src, const char *dst)
{
	size_t len;
	char *p = slurp(src, &len);
	FILE *f = p ? fopen(dst, "wb") : NULL;
	int ok = f && fwrite(p, 1, len, f) == len;
	if (f)
		ok &= fclose(f) == 0;
	free(p);
	return ok ? 0 : -1;
}

/* Scalpel's structures (SIMD groups, node rewrite) and low-rank factorisation
 * in a sweep: the same results rows and the same rewritten models when
 * OpenBLAS runs its Prescott kernels instead of this CPU's, or glibc masks
 * the CPU's vector extensions (the SVD must not go through OpenBLAS). */
static void test_sweep_methods_identical(void)
{
	const char *bin = getenv("ESIM_BIN") ? getenv("ESIM_BIN") : "build/esim";
	char dir[] = "/tmp/esim-repro-sweep-XXXXXX";
	CU_ASSERT_FATAL(mkdtemp(dir) != NULL);
	char yaml[256];
	snprintf(yaml, sizeof yaml, "%s/e.yaml", dir);
	FILE *f = fopen(yaml, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fputs("name: repro\n"
	      "base: {network: configs/networks/lenet-300-100.yaml,\n"
	      "       dataset: /usr/share/datasets/fashion-mnist, arch: configs/arch/mcu-m4.yaml,\n"
	      "       energy: energy-tables/horowitz-45nm.yaml, train_epochs: 1, rounds: 1,\n"
	      "       val_images: 500, finetune_images: 2000}\n"
	      "points:\n  - {method: svd}\n  - {method: scalpel}\n"
	      "  - {method: magnitude, granularity: node}\n",
	      f);
	fclose(f);
	const char *extra[] = {NULL, "OPENBLAS_CORETYPE=Prescott", masked_cpu};
	for (int run_i = 0; run_i < 3; run_i++) {
		char out[64], log[64];
		snprintf(out, sizeof out, "%s/run%d", dir, run_i);
		snprintf(log, sizeof log, "%s/log%d", dir, run_i);
		if (run_i > 0) { /* the baseline is the first run's: only the methods run again */
			char src[96], base[96];
			CU_ASSERT_EQUAL_FATAL(mkdir(out, 0755), 0);
			snprintf(src, sizeof src, "%s/run0/baseline.ckpt", dir);
			snprintf(base, sizeof base, "%s/baseline.ckpt", out);
			CU_ASSERT_EQUAL_FATAL(copy_file(src, base), 0);
		}
		const char *args[] = {bin, "sweep", yaml, "--jobs", "1", "--results", out,
				      "--no-plots", NULL};
		CU_ASSERT_EQUAL_FATAL(run(args, extra[run_i], log), 0);
	}
	/* Every file of the first run (results and rewritten models) in the others. */
	char pattern[96];
	snprintf(pattern, sizeof pattern, "%s/run0/models/*.ckpt", dir);
	glob_t g;
	CU_ASSERT_EQUAL_FATAL(glob(pattern, 0, NULL, &g), 0);
	CU_ASSERT(g.gl_pathc == 2); /* svd and node */
	for (size_t k = 0; k <= g.gl_pathc; k++) {
		char ref_path[160];
		if (k < g.gl_pathc)
			snprintf(ref_path, sizeof ref_path, "%s", g.gl_pathv[k]);
		else
			snprintf(ref_path, sizeof ref_path, "%s/run0/results.csv", dir);
		size_t ref_len, len;
		char *ref = slurp(ref_path, &ref_len);
		CU_ASSERT_PTR_NOT_NULL_FATAL(ref);
		for (int run_i = 1; run_i < 3; run_i++) {
			char path[160];
			snprintf(path, sizeof path, "%s/run%d/%s", dir, run_i,
				 ref_path + strlen(dir) + strlen("/run0/"));
			char *p = slurp(path, &len);
			int same = p && len == ref_len && memcmp(p, ref, len) == 0;
			if (!same)
				fprintf(stderr, "\n  %s differs with %s\n", path, extra[run_i]);
			CU_ASSERT(same);
			free(p);
		}
		free(ref);
	}
	globfree(&g);
	char cmd[600];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	CU_ASSERT_EQUAL(system(cmd), 0);
}

static const struct test_case cases[] = {
	{"same checkpoint and eval at any thread count and CPU", test_checkpoints_identical},
	{"scalpel, node and svd sweeps identical on other OpenBLAS kernels and CPUs",
	 test_sweep_methods_identical},
};
TEST_SUITE(cli_repro, cases);
