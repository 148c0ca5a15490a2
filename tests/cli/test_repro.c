/* Bit-reproducible results, end to end through the esim binary. A short
 * LeNet-5 run (300 images, one epoch) writes byte-identical checkpoints, and
 * `esim eval` prints identical output, at --threads 1, 2 and 8 and with the
 * CPU's AVX-512 masked by glibc (GLIBC_TUNABLES: esim's GEMM then runs its
 * AVX2 kernels) and with AVX, AVX2, FMA and AVX-512 masked (its SSE2 kernels,
 * and glibc's baseline libm variants). The same holds for a two-seed
 * training sweep's rows and for a Deep Compression .esz file, and for the
 * rows and rewritten models of Scalpel, node and SVD points under OpenBLAS's
 * Prescott kernels. The binary is $ESIM_BIN (the Makefile sets it). */
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "nn/gemm.h"
#include "child.h"
#include "test.h"
#include "util/util.h"

/* CPUs without AVX-512 (esim's AVX2 kernels), and without AVX, AVX2 and FMA
 * as well (its SSE2 kernels; glibc's baseline libm). */
static const char mask_avx512[] =
	"GLIBC_TUNABLES=glibc.cpu.hwcaps=-AVX512F,-AVX512VL,-AVX512BW,-AVX512DQ,-AVX512CD";
static const char mask_avx[] = "GLIBC_TUNABLES=glibc.cpu.hwcaps=-AVX512F,-AVX512VL,-AVX512BW,"
			       "-AVX512DQ,-AVX512CD,-AVX2,-FMA,-AVX";

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
 * the checkpoint bytes and eval output; checks that training ran the GEMM
 * kernels named isa. */
static void train_eval(const char *bin, const char *dir, const char *threads, const char *extra,
		       const char *isa, char **ckpt, size_t *ckpt_len, char **eval, size_t *eval_len)
{
	char model[512], log[512], train_log[512];
	snprintf(model, sizeof model, "%s/model.ckpt", dir); /* eval prints the path */
	snprintf(log, sizeof log, "%s/log", dir);
	snprintf(train_log, sizeof train_log, "%s/train.log", dir);
	const char *train[] = {bin, "train", "--net", "lenet-5", "--epochs", "1", "--limit", "300",
			       "--threads", threads, "--out", model, NULL};
	CU_ASSERT_EQUAL_FATAL(run(train, extra, train_log), 0);
	const char *ev[] = {bin, "eval", "--model", model, "--threads", threads, NULL};
	CU_ASSERT_EQUAL_FATAL(run(ev, extra, log), 0);
	*ckpt = slurp(model, ckpt_len);
	*eval = slurp(log, eval_len);
	size_t tl;
	char *t = slurp(train_log, &tl), want[64];
	snprintf(want, sizeof want, ", %s kernels\n", isa);
	CU_ASSERT_FATAL(*ckpt && *eval && t);
	if (!memmem(t, tl, want, strlen(want)))
		fprintf(stderr, "\n  training did not run the %s kernels\n", isa);
	CU_ASSERT(memmem(t, tl, want, strlen(want)) != NULL);
	free(t);
}

static void test_checkpoints_identical(void)
{
	const char *bin = getenv("ESIM_BIN") ? getenv("ESIM_BIN") : "build/esim";
	char dir[] = "/tmp/esim-repro-XXXXXX";
	CU_ASSERT_FATAL(mkdtemp(dir) != NULL);
	/* The kernels each run must use: the CPU's best, then the masked ones. */
	const char *native = sim_isa_names[sim_isa_detect()];
	const char *masked = sim_isa_detect() >= SIM_ISA_AVX2 ? "avx2" : "sse2";
	char *ref, *ref_eval;
	size_t ref_len, ref_eval_len;
	train_eval(bin, dir, "1", NULL, native, &ref, &ref_len, &ref_eval, &ref_eval_len);
	const char *threads[] = {"2", "8", "1", "2"};
	const char *extra[] = {NULL, NULL, mask_avx512, mask_avx};
	const char *isa[] = {native, native, masked, "sse2"};
	for (int i = 0; i < 4; i++) {
		char *c, *e;
		size_t cl, el;
		train_eval(bin, dir, threads[i], extra[i], isa[i], &c, &cl, &e, &el);
		int same = cl == ref_len && memcmp(c, ref, cl) == 0;
		if (!same)
			fprintf(stderr, "\n  checkpoint at --threads %s with %s kernels differs\n",
				threads[i], isa[i]);
		CU_ASSERT(same);
		CU_ASSERT(el == ref_eval_len && memcmp(e, ref_eval, el) == 0);
		free(c);
		free(e);
	}
	printf("[%zu-byte checkpoint identical at 1/2/8 threads and %s/avx2/sse2 kernels] ", ref_len,
	       native);
	free(ref);
	free(ref_eval);
	CU_ASSERT(tu_rm_tree(dir));
}

/* The rows of a results CSV after its header, sorted (workers finish in any
 * order), as one string; NULL when the file cannot be read. */
static char *sorted_rows(const char *path)
{
	char cmd[1500], out[720];
	snprintf(out, sizeof out, "%s.sorted", path);
	snprintf(cmd, sizeof cmd, "tail -n +2 '%s' | LC_ALL=C sort > '%s'", path, out);
	if (system(cmd) != 0)
		return NULL;
	size_t len;
	char *rows = slurp(out, &len);
	if (rows) {
		char *z = realloc(rows, len + 1);
		if (!z) {
			free(rows);
			return NULL;
		}
		z[len] = '\0';
		rows = z;
	}
	return rows;
}

/* A tiny two-seed training sweep (baselines on 600 images, magnitude pruning
 * at both seeds, energy-aware at one, there to a fixed density so that each
 * layer takes one trial of restoration and refit) gives the same rows at --jobs 1 and 8
 * (the baselines train on that many threads; groups run in parallel) and at
 * --jobs 2 with all of AVX masked. Also checks one baseline row per seed. */
static void test_sweep_identical(void)
{
	const char *bin = getenv("ESIM_BIN") ? getenv("ESIM_BIN") : "build/esim";
	char dir[] = "/tmp/esim-repro-sweep-XXXXXX";
	CU_ASSERT_FATAL(mkdtemp(dir) != NULL);
	char yaml[600];
	snprintf(yaml, sizeof yaml, "%s/tiny.yaml", dir);
	CU_ASSERT_FATAL(tu_write_text(yaml, "name: tiny\n"
	      "base: {network: configs/networks/lenet-5.yaml, arch: configs/arch/eyeriss-chip.yaml,\n"
	      "       energy: energy-tables/eyeriss-65nm.yaml,\n"
	      "       dataset: /usr/share/datasets/fashion-mnist, batch: 1, wbits: 8,\n"
	      "       train_epochs: 1, train_images: 600, val_images: 300,\n"
	      "       finetune_images: 300, rounds: 1, granularity: 2d}\n"
	      "points:\n  - {seed: 1, method: magnitude}\n  - {seed: 2, method: magnitude}\n"
	      "  - {seed: 1, method: energy-aware, target_density: 0.3}\n"));
	const char *jobs[] = {"1", "8", "2"};
	const char *extra[] = {NULL, NULL, mask_avx};
	char *ref = NULL;
	for (int i = 0; i < 3; i++) {
		char results[640], csv[700], log[640];
		snprintf(results, sizeof results, "%s/run%d", dir, i);
		snprintf(csv, sizeof csv, "%s/results.csv", results);
		snprintf(log, sizeof log, "%s/log%d", dir, i);
		const char *args[] = {bin,       "sweep",   yaml,        "--jobs",
				      jobs[i],   "--results", results,   "--no-plots",
				      NULL};
		CU_ASSERT_EQUAL_FATAL(run(args, extra[i], log), 0);
		char *rows = sorted_rows(csv);
		CU_ASSERT_PTR_NOT_NULL_FATAL(rows);
		if (!ref) {
			ref = rows;
			CU_ASSERT(strstr(ref, "baseline-1,1,") != NULL);
			CU_ASSERT(strstr(ref, "baseline-2,2,") != NULL);
			continue;
		}
		if (strcmp(rows, ref) != 0)
			fprintf(stderr, "\n  sweep rows at --jobs %s%s differ\n", jobs[i],
				extra[i] ? " with masked CPU features" : "");
		CU_ASSERT_STRING_EQUAL(rows, ref);
		free(rows);
	}
	free(ref);
	CU_ASSERT(tu_rm_tree(dir));
}

/* Deep Compression of one trained model (prune, k-means sharing with
 * centroid fine-tuning, Huffman) writes the same .esz bytes at --threads 1,
 * 2 and 8 and with all of AVX masked. */
static void test_esz_identical(void)
{
	const char *bin = getenv("ESIM_BIN") ? getenv("ESIM_BIN") : "build/esim";
	char dir[] = "/tmp/esim-repro-esz-XXXXXX";
	CU_ASSERT_FATAL(mkdtemp(dir) != NULL);
	char model[600], log[600];
	snprintf(model, sizeof model, "%s/m.ckpt", dir);
	snprintf(log, sizeof log, "%s/log", dir);
	const char *train[] = {bin,         "train", "--net", "lenet-300-100", "--epochs", "1",
			       "--limit",   "600",   "--out", model,           NULL};
	CU_ASSERT_EQUAL_FATAL(run(train, NULL, log), 0);
	const char *threads[] = {"1", "2", "8", "2"};
	const char *extra[] = {NULL, NULL, NULL, mask_avx};
	char *ref = NULL;
	size_t ref_len = 0;
	for (int i = 0; i < 4; i++) {
		char esz[600];
		snprintf(esz, sizeof esz, "%s/m%d.esz", dir, i);
		const char *args[] = {bin,      "compress", "--model",   model,
				      "--recipe", "experiments/recipes/deep-compression-lenet-300-100.yaml",
				      "--out",    esz,        "--limit",   "600",
				      "--threads", threads[i], NULL};
		CU_ASSERT_EQUAL_FATAL(run(args, extra[i], log), 0);
		size_t len;
		char *bytes = slurp(esz, &len);
		CU_ASSERT_PTR_NOT_NULL_FATAL(bytes);
		if (!ref) {
			ref = bytes;
			ref_len = len;
			continue;
		}
		int same = len == ref_len && memcmp(bytes, ref, len) == 0;
		if (!same)
			fprintf(stderr, "\n  .esz at --threads %s%s differs\n", threads[i],
				extra[i] ? " with masked CPU features" : "");
		CU_ASSERT(same);
		free(bytes);
	}
	free(ref);
	CU_ASSERT(tu_rm_tree(dir));
}

/* Scalpel's structures (SIMD groups, node rewrite) and low-rank factorisation
 * in a sweep: the same result rows and the same rewritten models when
 * OpenBLAS runs its Prescott kernels instead of this CPU's, or glibc masks
 * all of AVX (the SVD must not go through OpenBLAS). */
static void test_sweep_methods_identical(void)
{
	const char *bin = getenv("ESIM_BIN") ? getenv("ESIM_BIN") : "build/esim";
	char dir[] = "/tmp/esim-repro-methods-XXXXXX";
	CU_ASSERT_FATAL(mkdtemp(dir) != NULL);
	char yaml[64];
	snprintf(yaml, sizeof yaml, "%s/e.yaml", dir);
	CU_ASSERT_FATAL(tu_write_text(yaml, "name: methods\n"
	      "base: {network: configs/networks/lenet-300-100.yaml,\n"
	      "       dataset: /usr/share/datasets/fashion-mnist, arch: configs/arch/mcu-m4.yaml,\n"
	      "       energy: energy-tables/horowitz-45nm.yaml, train_epochs: 1,\n"
	      "       train_images: 3000, val_images: 500, finetune_images: 1000, rounds: 1}\n"
	      "points:\n  - {method: svd}\n  - {method: scalpel}\n"
	      "  - {method: magnitude, granularity: node}\n"));
	const char *extra[] = {NULL, "OPENBLAS_CORETYPE=Prescott", mask_avx};
	for (int i = 0; i < 3; i++) {
		char out[64], log[64];
		snprintf(out, sizeof out, "%s/run%d", dir, i);
		snprintf(log, sizeof log, "%s/log%d", dir, i);
		const char *args[] = {bin, "sweep", yaml, "--jobs", "1", "--results", out,
				      "--no-plots", NULL};
		CU_ASSERT_EQUAL_FATAL(run(args, extra[i], log), 0);
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
		for (int i = 1; i < 3; i++) {
			char path[160];
			snprintf(path, sizeof path, "%s/run%d/%s", dir, i,
				 ref_path + strlen(dir) + strlen("/run0/"));
			char *p = slurp(path, &len);
			int same = p && len == ref_len && memcmp(p, ref, len) == 0;
			if (!same)
				fprintf(stderr, "\n  %s differs with %s\n", path, extra[i]);
			CU_ASSERT(same);
			free(p);
		}
		free(ref);
	}
	globfree(&g);
	CU_ASSERT(tu_rm_tree(dir));
}

static const struct test_case cases[] = {
	{"same checkpoint and eval at any thread count and CPU", test_checkpoints_identical},
	{"same sweep rows at any job count and CPU", test_sweep_identical},
	{"same .esz at any thread count and CPU", test_esz_identical},
	{"scalpel, node and svd sweeps identical on other OpenBLAS kernels and CPUs",
	 test_sweep_methods_identical},
};
TEST_SUITE(cli_repro, cases);
