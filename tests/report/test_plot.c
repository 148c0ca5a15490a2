/* esim plot: from a small results.csv (accuracy sweep with a baseline row and
 * an energy-only sweep) gnuplot must produce every figure as a non-empty PNG
 * (checked by its signature) and SVG. */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <stdlib.h>

#include "report/plot.h"
#include "test.h"
#include "util/util.h"

static void remove_dir(const char *dir)
{
	char cmd[300];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	CU_ASSERT_EQUAL(system(cmd), 0);
}

static int is_png(const char *dir, const char *name)
{
	char path[256];
	snprintf(path, sizeof path, "%s/%s.png", dir, name);
	FILE *f = fopen(path, "rb");
	if (!f)
		return 0;
	unsigned char sig[8] = {0};
	size_t n = fread(sig, 1, 8, f);
	fseek(f, 0, SEEK_END);
	long size = ftell(f);
	fclose(f);
	return n == 8 && memcmp(sig, "\x89PNG\r\n\x1a\n", 8) == 0 && size > 2000;
}

static int is_svg(const char *dir, const char *name)
{
	char path[256], buf[4096];
	snprintf(path, sizeof path, "%s/%s.svg", dir, name);
	FILE *f = fopen(path, "r");
	if (!f)
		return 0;
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = '\0';
	return strstr(buf, "<svg") != NULL && n > 1000;
}

/* Labelled tics of the log axis `axis` in dir/name.gp that fall inside [lo, hi]. */
static int tics_inside(const char *dir, const char *name, const char *axis, double lo, double hi)
{
	char path[256], line[1024], want[32];
	snprintf(path, sizeof path, "%s/%s.gp", dir, name);
	snprintf(want, sizeof want, "set %stics (", axis);
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	int inside = 0;
	while (fgets(line, sizeof line, f))
		if (strncmp(line, want, strlen(want)) == 0)
			/* entries are "label" value */
			for (char *q = strchr(line, '"'); q && (q = strchr(q + 1, '"'));
			     q = strchr(q + 1, '"')) {
				double v = strtod(q + 1, NULL);
				inside += v >= lo && v <= hi;
			}
	fclose(f);
	return inside;
}

static const char *const header =
	"point,granularity,wbits,method,accuracy,accuracy_floor,energy_total,energy_dram,"
	"energy_glb,energy_array,energy_rf,energy_mac,energy_ifmap,energy_weight,energy_psum,"
	"macs_effective,weights_nonzero,density,storage_bits,cycles,energy_unit,layers,pareto\n";

static void test_accuracy_sweep(void)
{
	char dir[128], csv[160], made[1024];
	snprintf(dir, sizeof dir, "/tmp/esim-test-plot-%ld", (long)getpid());
	mkdir(dir, 0755);
	snprintf(csv, sizeof csv, "%s/results.csv", dir);
	FILE *f = fopen(csv, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fputs(header, f);
	fputs("baseline,-,-,-,91.0,91,1000,600,200,50,100,50,400,300,250,2000,430,1,13760000,900,"
	      "MAC16,conv1 100 50 10 20 5 80 60 45;ip1 500 150 40 80 45 320 240 205,1\n", f);
	const char *gran[] = {"0d", "1d", "2d", "3d"};
	const int bits[] = {16, 8, 4};
	int k = 0;
	for (int g = 0; g < 4; g++)
		for (int b = 0; b < 3; b++, k++)
			fprintf(f, "p%02d,%s,%d,magnitude,%.2f,90,%d,300,100,30,60,30,200,150,100,900,"
				   "50,%.3f,500000,700,MAC16,conv1 60 30 6 12 3 50 40 21;ip1 240 70 "
				   "24 48 27 150 110 149,%d\n",
				k, gran[g], bits[b], 90.8 - g * 0.3 - (b == 2) * 0.6, 700 - g * 40 - b * 60,
				0.1 + 0.05 * g, k % 3 == 0);
	fclose(f);
	struct sim_err err;
	int rc = report_plot_sweep(csv, dir, made, sizeof made, &err);
	if (rc)
		sim_err_print(&err, stderr);
	CU_ASSERT_EQUAL_FATAL(rc, 0);
	const char *names[] = {"pareto", "layers-level", "layers-type", "density", "bitwidth"};
	for (size_t i = 0; i < 5; i++) {
		CU_ASSERT(is_png(dir, names[i]));
		CU_ASSERT(is_svg(dir, names[i]));
		CU_ASSERT_PTR_NOT_NULL(strstr(made, names[i]));
	}
	/* Energies span 460..1000, inside one decade: the log axis still
	 * carries at least three labelled tics within the data. */
	CU_ASSERT(tics_inside(dir, "pareto", "x", 460, 1000) >= 3);
	remove_dir(dir);
}

static void test_energy_only_and_errors(void)
{
	char dir[128], csv[160], made[1024];
	snprintf(dir, sizeof dir, "/tmp/esim-test-plot-e-%ld", (long)getpid());
	mkdir(dir, 0755);
	snprintf(csv, sizeof csv, "%s/results.csv", dir);
	CU_ASSERT_FATAL(tu_write_text(csv, "point,dataflow,pe_rows,accuracy,energy_total,cycles,"
					   "energy_unit,pareto\na,rs,16,nan,100,1000,MAC16,1\n"
					   "b,ws,16,nan,150,800,MAC16,1\nc,os,32,nan,160,1200,MAC16,0\n"));
	struct sim_err err;
	CU_ASSERT_EQUAL_FATAL(report_plot_sweep(csv, dir, made, sizeof made, &err), 0);
	CU_ASSERT(is_png(dir, "pareto"));
	CU_ASSERT(is_svg(dir, "pareto"));
	CU_ASSERT_PTR_NULL(strstr(made, "density"));

	CU_ASSERT_FATAL(tu_write_text(csv, "point,foo\nx,1\n"));
	CU_ASSERT_EQUAL(report_plot_sweep(csv, dir, made, sizeof made, &err), SIM_ERR_DATA);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "not a sweep's results"));
	remove_dir(dir);
}

static const struct test_case cases[] = {
	{"accuracy sweep: every figure as PNG and SVG", test_accuracy_sweep},
	{"energy-only sweep and a foreign file", test_energy_only_and_errors},
};
TEST_SUITE(report_plot, cases);
