/* esim energy end to end: exit statuses for bad input, and a CSV whose
 * total row is the sum of its layer rows and whose MACs match the network. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "test.h"
#include "workload/network.h"

/* Runs esim energy with args, stdout and stderr silenced; returns the status. */
static int run(const char *const *args, int n)
{
	static char buf[32][256];
	char *argv[32];
	snprintf(buf[0], sizeof buf[0], "energy");
	argv[0] = buf[0];
	for (int i = 0; i < n && i < 31; i++) {
		snprintf(buf[i + 1], sizeof buf[i + 1], "%s", args[i]);
		argv[i + 1] = buf[i + 1];
	}
	fflush(stdout);
	fflush(stderr);
	int out = dup(1), err = dup(2), null = open("/dev/null", O_WRONLY);
	dup2(null, 1);
	dup2(null, 2);
	int rc = cmd_energy(n + 1, argv);
	fflush(stdout);
	fflush(stderr);
	dup2(out, 1);
	dup2(err, 2);
	close(out);
	close(err);
	close(null);
	return rc;
}

/* The shared 512 B RF: on the Eyeriss chip LeNet-300-100's ip1 (a filter as
 * large as the 28 x 28 input) cannot map under RS (see tests/mapper). */
#define ARGS "--arch", "configs/arch/eyeriss-isca16-256.yaml", "--net", \
	"configs/networks/lenet-300-100.yaml", "--energy", "energy-tables/eyeriss-65nm.yaml"

static void test_exit_statuses(void)
{
	const char *missing[] = {"--arch", "configs/arch/eyeriss-chip.yaml"};
	CU_ASSERT_EQUAL(run(missing, 2), 2);
	const char *bad_df[] = {ARGS, "--dataflow", "xs"};
	CU_ASSERT_EQUAL(run(bad_df, 8), 2);
	const char *bad_batch[] = {ARGS, "--batch", "0"};
	CU_ASSERT_EQUAL(run(bad_batch, 8), 2);
	const char *bad_map[] = {"--arch", "configs/arch/eyeriss-chip.yaml", "--net",
				 "configs/networks/alexnet.yaml", "--energy",
				 "energy-tables/eyeriss-65nm.yaml", "--batch", "16", "--mapping",
				 "tests/data/bad/mapping/wrong-batch.yaml"};
	CU_ASSERT_EQUAL(run(bad_map, 10), 2);
	const char *no_file[] = {ARGS, "--sparsity", "no/such/file.yaml"};
	CU_ASSERT_NOT_EQUAL(run(no_file, 8), 0);
}

static void test_csv_totals(void)
{
	char path[] = "/tmp/esim-test-XXXXXX";
	int fd = mkstemp(path);
	CU_ASSERT_FATAL(fd >= 0);
	close(fd);
	const char *args[] = {ARGS, "--batch", "2", "--csv", path};
	CU_ASSERT_EQUAL_FATAL(run(args, 10), 0);
	FILE *f = fopen(path, "r");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	char line[2048];
	CU_ASSERT_PTR_NOT_NULL(fgets(line, sizeof line, f));
	CU_ASSERT_EQUAL(strncmp(line, "layer,macs,macs_effective,weights,acc_dram,acc_glb,acc_array,"
				      "acc_rf,energy_dram,energy_glb,energy_array,energy_rf,energy_mac,"
				      "energy_ifmap,energy_weight,energy_psum,energy_total,cycles,"
				      "utilization", 178), 0);
	double macs = 0, energy = 0, tmacs = 0, tenergy = 0;
	int layers = 0;
	while (fgets(line, sizeof line, f)) {
		char name[64];
		double v[17];
		int got = sscanf(line, "%63[^,],%lf,%lf,%lf,%lf,%lf,%lf,%lf,%lf,%lf,%lf,%lf,%lf,%lf,"
				       "%lf,%lf,%lf", name, &v[0], &v[1], &v[2], &v[3], &v[4], &v[5],
				 &v[6], &v[7], &v[8], &v[9], &v[10], &v[11], &v[12], &v[13], &v[14],
				 &v[15]);
		CU_ASSERT_EQUAL(got, 17);
		/* energy by level + MAC == energy by type + MAC == total */
		double by_level = v[7] + v[8] + v[9] + v[10] + v[11];
		double by_type = v[12] + v[13] + v[14] + v[11];
		CU_ASSERT_DOUBLE_EQUAL(by_level, v[15], 1e-6 * v[15]);
		CU_ASSERT_DOUBLE_EQUAL(by_type, v[15], 1e-6 * v[15]);
		if (strcmp(name, "total") == 0) {
			tmacs = v[0];
			tenergy = v[15];
		} else {
			layers++;
			macs += v[0];
			energy += v[15];
		}
	}
	fclose(f);
	remove(path);
	CU_ASSERT_EQUAL(layers, 3);
	CU_ASSERT_DOUBLE_EQUAL(tmacs, macs, 0.5);
	CU_ASSERT_DOUBLE_EQUAL(tmacs, 2.0 * 266200, 0.5); /* FC: MACs = weights per image */
	CU_ASSERT_DOUBLE_EQUAL(tenergy, energy, 1e-6 * energy);
}

static const struct test_case cases[] = {
	{"usage and config errors exit 2", test_exit_statuses},
	{"CSV: total row sums the layers; levels and types add up", test_csv_totals},
};
TEST_SUITE(cli_energy, cases);
