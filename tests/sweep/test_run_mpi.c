/* Sweeps over MPI ranks, end to end through the esim binary ($ESIM_BIN) and
 * `mpirun -np 3`: an energy-only sweep and a tiny training sweep (LeNet-5 on
 * 600 Fashion-MNIST images, two seeds) give the rows of the same sweep run
 * in one process; an energy-only sweep whose worker rank is killed (SIGKILL), then
 * whose rank 0 is killed, then which is started a third time, ends with
 * exactly those rows, nothing lost or duplicated; a failing point is reported
 * and stops the sweep with the rows already made kept. Skipped, with a
 * message, only when Open MPI's mpirun is not installed. */
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "sweep/rows.h"
#include "child.h"
#include "test.h"

/* Each mpirun of this test carries ESIM_MPI_TEST=<our pid>, so its ranks can
 * be told apart from any other process on the machine. */
static char tag_env[64];

static const char *esim_bin(void)
{
	return getenv("ESIM_BIN") ? getenv("ESIM_BIN") : "build/esim";
}

/* MPI is there when esim was built with it (the Makefile found Open MPI's
 * development files and sets ESIM_MPI) and mpirun is installed; else the
 * tests say why they skip. */
static bool have_mpi(void)
{
	const char *why = NULL;
	if (!ESIM_MPI)
		why = "esim was built without MPI (no Open MPI development files)";
	else if (system("command -v mpirun >/dev/null 2>&1") != 0)
		why = "mpirun not found (openmpi-bin)";
	if (why)
		printf("[skipped: %s; scripts/deps.sh installs Open MPI] ", why);
	return why == NULL;
}

/* Starts args with tag_env, stdout and stderr appended to log. Under the
 * sanitizers (make check sets ASAN_OPTIONS), Open MPI's own allocations that
 * it never frees are not reported (tests/lsan-openmpi.supp): matching them
 * by library needs whole allocation stacks (fast_unwind_on_malloc=0). */
static pid_t start(const char *const args[], const char *log)
{
	char asan[512];
	const char *have = getenv("ASAN_OPTIONS");
	snprintf(asan, sizeof asan, "ASAN_OPTIONS=%s:fast_unwind_on_malloc=0", have ? have : "");
	const char *const env[] = {
		tag_env, "LSAN_OPTIONS=suppressions=tests/lsan-openmpi.supp:print_suppressions=0",
		have ? asan : NULL, NULL};
	return test_spawn(args, env, log, true, NULL);
}

static int finish(pid_t pid)
{
	return test_wait(pid);
}

/* `esim sweep yaml --results out` under mpirun -np 3 (bounded by timeout,
 * so a hang fails the test instead of blocking it). */
static pid_t start_mpi_sweep(const char *yaml, const char *out, const char *log)
{
	const char *args[] = {"timeout", "-k", "10", "300", "mpirun", "--allow-run-as-root",
			      "--oversubscribe", "-np", "3", esim_bin(), "sweep", yaml, "--results",
			      out, "--no-plots", NULL};
	return start(args, log);
}

static int run_single_sweep(const char *yaml, const char *out, const char *log)
{
	const char *args[] = {esim_bin(), "sweep", yaml, "--results", out, "--no-plots",
			      "--jobs", "2", NULL};
	return finish(start(args, log));
}

/* Pid of the process of this test's mpirun with OMPI_COMM_WORLD_RANK=rank. */
static pid_t find_rank(int rank)
{
	char want[64];
	snprintf(want, sizeof want, "OMPI_COMM_WORLD_RANK=%d", rank);
	DIR *d = opendir("/proc");
	pid_t found = -1;
	for (struct dirent *de; d && found < 0 && (de = readdir(d));) {
		char path[300], buf[65536];
		if (de->d_name[0] < '1' || de->d_name[0] > '9')
			continue;
		snprintf(path, sizeof path, "/proc/%s/environ", de->d_name);
		int fd = open(path, O_RDONLY);
		if (fd < 0)
			continue;
		ssize_t len = read(fd, buf, sizeof buf - 1);
		close(fd);
		bool tag = false, has_rank = false;
		for (ssize_t i = 0; i < len; i += (ssize_t)strlen(buf + i) + 1) {
			buf[len] = '\0';
			tag = tag || strcmp(buf + i, tag_env) == 0;
			has_rank = has_rank || strcmp(buf + i, want) == 0;
		}
		if (tag && has_rank)
			found = (pid_t)atol(de->d_name);
	}
	if (d)
		closedir(d);
	return found;
}

/* Waits (up to 120 s) until csv has at least rows rows; false on time-out. */
static bool wait_rows(const char *csv, size_t rows)
{
	for (int i = 0; i < 12000; i++) {
		if (test_count_rows(csv) >= rows)
			return true;
		struct timespec ts = {0, 10000000};
		nanosleep(&ts, NULL);
	}
	return false;
}

static void write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fputs(text, f);
	fclose(f);
}

static void make_dir(char *dir)
{
	CU_ASSERT_FATAL(mkdtemp(dir) != NULL);
	snprintf(tag_env, sizeof tag_env, "ESIM_MPI_TEST=%ld", (long)getpid());
}

static void remove_dir(const char *dir)
{
	char cmd[300];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	CU_ASSERT_EQUAL(system(cmd), 0);
}

/* 16 energy-only AlexNet points, most of a second each: slow enough that a
 * rank is killed while points are still left. Row-stationary and
 * output-stationary searches on the ISCA 2016 arrays are the slow ones
 * (LeNet-5's points, and AlexNet's on the chip once the storage counts were
 * shared between points, take milliseconds, and the sweep ended before the
 * kill). */
static const char energy_yaml[] =
	"name: mpi-energy\n"
	"base: {network: configs/networks/alexnet.yaml, arch: configs/arch/eyeriss-isca16-256.yaml,\n"
	"       energy: energy-tables/eyeriss-65nm.yaml,\n"
	"       sparsity: configs/sparsity/alexnet-han2015.yaml}\n"
	"axes:\n  arch: [configs/arch/eyeriss-isca16-256.yaml, configs/arch/eyeriss-isca16-1024.yaml]\n"
	"  batch: [4, 16]\n  dataflow: [rs, os]\n  wbits: [16, 8]\n";
enum { ENERGY_POINTS = 16 };

/* Kills `rank` of a running MPI sweep once `rows` rows are in, and checks
 * that the sweep did stop early (so the resume below has work to do). */
static void kill_rank_after(const char *yaml, const char *out, const char *log, int rank,
			    size_t rows)
{
	char csv[120];
	snprintf(csv, sizeof csv, "%s/results.csv", out);
	pid_t job = start_mpi_sweep(yaml, out, log);
	CU_ASSERT_FATAL(job > 0);
	bool reached = wait_rows(csv, rows);
	pid_t victim = reached ? find_rank(rank) : -1;
	if (victim > 0)
		kill(victim, SIGKILL);
	int status = finish(job);
	CU_ASSERT(reached);
	CU_ASSERT(victim > 0);
	CU_ASSERT_NOT_EQUAL(status, 0);
	CU_ASSERT(test_count_rows(csv) < ENERGY_POINTS);
}

static void test_energy(void)
{
	if (!have_mpi())
		return;
	char dir[] = "/tmp/esim-test-mpi-XXXXXX", yaml[100], one[100], mpi[100], killed[100],
	     log[100];
	make_dir(dir);
	snprintf(yaml, sizeof yaml, "%s/e.yaml", dir);
	snprintf(one, sizeof one, "%s/one", dir);
	snprintf(mpi, sizeof mpi, "%s/mpi", dir);
	snprintf(killed, sizeof killed, "%s/killed", dir);
	snprintf(log, sizeof log, "%s/log", dir);
	write_text(yaml, energy_yaml);
	CU_ASSERT_EQUAL_FATAL(run_single_sweep(yaml, one, log), 0);
	char ref[120], csv[120];
	snprintf(ref, sizeof ref, "%s/results.csv", one);
	CU_ASSERT_EQUAL(test_count_rows(ref), ENERGY_POINTS);

	/* Uninterrupted. */
	CU_ASSERT_EQUAL_FATAL(finish(start_mpi_sweep(yaml, mpi, log)), 0);
	snprintf(csv, sizeof csv, "%s/results.csv", mpi);
	CU_ASSERT(test_same_rows(ref, csv));

	/* A worker killed, then rank 0 killed, then a third start to the end. */
	snprintf(csv, sizeof csv, "%s/results.csv", killed);
	kill_rank_after(yaml, killed, log, 1, 3);
	kill_rank_after(yaml, killed, log, 0, test_count_rows(csv) + 2);
	size_t before = test_count_rows(csv);
	CU_ASSERT_EQUAL_FATAL(finish(start_mpi_sweep(yaml, killed, log)), 0);
	CU_ASSERT(test_same_rows(ref, csv)); /* same rows, each once (a duplicate fails the read) */
	printf("[killed twice, %zu rows kept, resumed to %d] ", before, ENERGY_POINTS);
	remove_dir(dir);
}

/* The first n images and labels of Fashion-MNIST's prefix set, as plain IDX
 * files in dir. */
static bool copy_idx(const char *dir, const char *prefix, uint32_t n)
{
	static const char *const kind[2] = {"images-idx3", "labels-idx1"};
	for (int k = 0; k < 2; k++) {
		char src[200], dst[200];
		snprintf(src, sizeof src, "/usr/share/datasets/fashion-mnist/%s-%s-ubyte.gz", prefix,
			 kind[k]);
		snprintf(dst, sizeof dst, "%s/%s-%s-ubyte", dir, prefix, kind[k]);
		size_t header = k == 0 ? 16 : 8, record = k == 0 ? 28 * 28 : 1;
		size_t len = header + n * record;
		unsigned char *buf = malloc(len);
		gzFile in = gzopen(src, "rb");
		bool ok = buf && in && gzread(in, buf, (unsigned)len) == (int)len;
		if (in)
			gzclose(in);
		FILE *out = ok ? fopen(dst, "wb") : NULL;
		if (out) {
			buf[4] = (unsigned char)(n >> 24); /* the count, big-endian */
			buf[5] = (unsigned char)(n >> 16);
			buf[6] = (unsigned char)(n >> 8);
			buf[7] = (unsigned char)n;
			ok = fwrite(buf, 1, len, out) == len;
			ok = fclose(out) == 0 && ok;
		}
		free(buf);
		if (!ok || !out)
			return false;
	}
	return true;
}

static void test_training_equal(void)
{
	if (!have_mpi())
		return;
	char dir[] = "/tmp/esim-test-mpi-XXXXXX", yaml[100], one[100], mpi[100], log[100];
	make_dir(dir);
	snprintf(yaml, sizeof yaml, "%s/t.yaml", dir);
	snprintf(one, sizeof one, "%s/one", dir);
	snprintf(mpi, sizeof mpi, "%s/mpi", dir);
	snprintf(log, sizeof log, "%s/log", dir);
	CU_ASSERT_FATAL(copy_idx(dir, "train", 600) && copy_idx(dir, "t10k", 200));
	char text[1024];
	/* Two seeds, so two baselines (trained by rank 0, each sent to the ranks
	 * running its groups), and four pruning runs (seed x granularity) shared
	 * by two bit widths each. */
	snprintf(text, sizeof text,
		 "name: mpi-train\n"
		 "base: {network: configs/networks/lenet-5.yaml, dataset: %s,\n"
		 "       arch: configs/arch/eyeriss-chip.yaml, energy: energy-tables/eyeriss-65nm.yaml,\n"
		 "       train_epochs: 1, train_batch: 32, val_images: 100, check_images: 0,\n"
		 "       finetune_epochs: 1, finetune_images: 200, rounds: 1,\n"
		 "       method: magnitude, target_density: 0.5}\n"
		 "axes:\n  seed: [3, 4]\n  granularity: [0d, 2d]\n  wbits: [8, 4]\n",
		 dir);
	write_text(yaml, text);
	CU_ASSERT_EQUAL_FATAL(run_single_sweep(yaml, one, log), 0);
	CU_ASSERT_EQUAL_FATAL(finish(start_mpi_sweep(yaml, mpi, log)), 0);
	char a[120], b[120];
	snprintf(a, sizeof a, "%s/results.csv", one);
	snprintf(b, sizeof b, "%s/results.csv", mpi);
	CU_ASSERT_EQUAL(test_count_rows(a), 10); /* 2 baselines and 8 points */
	CU_ASSERT(test_same_rows(a, b));
	remove_dir(dir);
}

static void test_failure_reported(void)
{
	if (!have_mpi())
		return;
	char dir[] = "/tmp/esim-test-mpi-XXXXXX", yaml[100], out[100], log[100];
	make_dir(dir);
	snprintf(yaml, sizeof yaml, "%s/f.yaml", dir);
	snprintf(out, sizeof out, "%s/out", dir);
	snprintf(log, sizeof log, "%s/log", dir);
	/* A GLB of 16 bytes cannot hold the chip's filter partition. */
	write_text(yaml, "name: mpi-fail\n"
			 "base: {network: configs/networks/lenet-5.yaml,\n"
			 "       arch: configs/arch/eyeriss-chip.yaml,\n"
			 "       energy: energy-tables/eyeriss-65nm.yaml}\n"
			 "axes:\n  glb_bytes: [0, 16]\n  dataflow: [rs, ws]\n");
	int status = finish(start_mpi_sweep(yaml, out, log));
	CU_ASSERT_EQUAL(status, 2); /* a configuration error, from rank 0, no hang */
	FILE *f = fopen(log, "r");
	char text[8192] = "";
	if (f) {
		text[fread(text, 1, sizeof text - 1, f)] = '\0';
		fclose(f);
	}
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "error:"));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "glb_bytes 16 leaves no room"));
	remove_dir(dir);
}

static const struct test_case cases[] = {
	{"mpirun -np 3: energy-only sweep, also killed twice and resumed, equals one process",
	 test_energy},
	{"mpirun -np 3: training sweep equals the single-process run", test_training_equal},
	{"mpirun -np 3: a failing point stops the sweep with an error", test_failure_reported},
};
TEST_SUITE(sweep_run_mpi, cases);
