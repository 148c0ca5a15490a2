/* Bit-reproducible training, end to end through the esim binary: a short
 * LeNet-5 run (300 images, one epoch) writes byte-identical checkpoints, and
 * `esim eval` prints identical output, at --threads 1, 2 and 8 and with the
 * CPU's AVX, AVX2, FMA and AVX-512 masked by glibc (GLIBC_TUNABLES), which
 * switches esim's GEMM to its SSE2 kernels and glibc's libm to its
 * baseline variants. The binary is $ESIM_BIN (the Makefile sets it). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "child.h"
#include "test.h"

static const char masked_cpu[] =
	"GLIBC_TUNABLES=glibc.cpu.hwcaps=-AVX512F,-AVX512VL,-AVX512BW,-AVX2,-FMA,-AVX";

/* Runs argv with environ plus extra (may be NULL), stdout to out_path;
 * returns the exit status (-1 when it could not run). */
static int run(const char *const args[], const char *extra, const char *out_path)
{
	const char *const env[] = {extra, NULL};
	return test_wait(test_spawn(args, env, out_path, false, "/dev/null"));
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

static const struct test_case cases[] = {
	{"same checkpoint and eval at any thread count and CPU", test_checkpoints_identical},
};
TEST_SUITE(cli_repro, cases);
