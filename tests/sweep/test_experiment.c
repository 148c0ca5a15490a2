/* Experiment expansion: product order, explicit lists, stable ids, and the
 * errors of a bad experiment (in tests/data/bad/experiment/). */
#include <string.h>

#include "sweep/experiment.h"
#include "test.h"

/* Path fields must name real files: the shipped ones. */
#define FILES                                                                      \
	"network: configs/networks/lenet-5.yaml, arch: configs/arch/eyeriss-chip.yaml, " \
	"energy: energy-tables/eyeriss-65nm.yaml"

static const char *const product =
	"name: t\n"
	"base: {" FILES ", wbits: 16}\n"
	"axes:\n"
	"  wbits: [16, 8, 4]\n"
	"  method: [energy-aware, magnitude]\n";

static void test_product(void)
{
	struct sweep_experiment e;
	struct sim_err err;
	CU_ASSERT_EQUAL_FATAL(sweep_experiment_load_string(&e, "t.yaml", product, &err), 0);
	CU_ASSERT_EQUAL(e.n_points, 6);
	CU_ASSERT_EQUAL(e.n_axes, 2);
	/* Columns follow the field table (wbits before method), the first YAML
	 * axis varies slowest. */
	CU_ASSERT_STRING_EQUAL(sweep_experiment_axis_name(&e, 0), "wbits");
	CU_ASSERT_STRING_EQUAL(sweep_experiment_axis_name(&e, 1), "method");
	CU_ASSERT_EQUAL(e.points[0].wbits, 16);
	CU_ASSERT_EQUAL(e.points[0].method, SWEEP_ENERGY_AWARE);
	CU_ASSERT_EQUAL(e.points[1].method, SWEEP_MAGNITUDE);
	CU_ASSERT_EQUAL(e.points[5].wbits, 4);
	CU_ASSERT_STRING_EQUAL(sweep_experiment_value(&e, 3, 0), "8");
	CU_ASSERT_STRING_EQUAL(sweep_experiment_value(&e, 3, 1), "magnitude");
	/* Defaults from the table reach every point. */
	CU_ASSERT_EQUAL(e.points[2].batch, 1);
	CU_ASSERT_STRING_EQUAL(e.points[2].network, "configs/networks/lenet-5.yaml");
	for (size_t i = 0; i < e.n_points; i++)
		for (size_t j = 0; j < i; j++)
			CU_ASSERT_STRING_NOT_EQUAL(e.ids[i], e.ids[j]);

	/* The same points written as a list have the same ids: ids depend on
	 * values only, so a sweep can be rewritten or split without rerunning. */
	char ids[6][17];
	memcpy(ids, e.ids, sizeof ids);
	sweep_experiment_deinit(&e);
	const char *list = "name: t\n"
			   "base: {" FILES "}\n"
			   "points:\n"
			   "  - {method: magnitude, wbits: 8}\n"
			   "  - {wbits: 16, method: energy-aware}\n";
	CU_ASSERT_EQUAL_FATAL(sweep_experiment_load_string(&e, "l.yaml", list, &err), 0);
	CU_ASSERT_EQUAL(e.n_points, 2);
	CU_ASSERT_STRING_EQUAL(e.ids[0], ids[3]);
	CU_ASSERT_STRING_EQUAL(e.ids[1], ids[0]);
	sweep_experiment_deinit(&e);
}

static void test_single_point(void)
{
	struct sweep_experiment e;
	struct sim_err err;
	const char *one = "name: one\nbase: {" FILES "}\n";
	CU_ASSERT_EQUAL_FATAL(sweep_experiment_load_string(&e, "o.yaml", one, &err), 0);
	CU_ASSERT_EQUAL(e.n_points, 1);
	CU_ASSERT_EQUAL(e.n_axes, 0);
	CU_ASSERT_EQUAL(strlen(e.ids[0]), 16);
	sweep_experiment_deinit(&e);
}

/* Scalpel takes its granularity from the architecture unless a point gives
 * one; the other methods keep theirs. */
static void test_method_granularity(void)
{
	struct sweep_experiment e;
	struct sim_err err;
	const char *text = "name: s\nbase: {" FILES ", simd_width: 8}\n"
			   "axes:\n  method: [magnitude, scalpel, svd]\n";
	CU_ASSERT_EQUAL_FATAL(sweep_experiment_load_string(&e, "s.yaml", text, &err), 0);
	CU_ASSERT_EQUAL(e.n_points, 3);
	CU_ASSERT_EQUAL(e.points[0].granularity, WL_GRAN_0D);
	CU_ASSERT_EQUAL(e.points[1].granularity, SWEEP_GRAN_ARCH);
	CU_ASSERT_EQUAL(e.points[1].simd_width, 8u);
	CU_ASSERT_EQUAL(e.points[2].method, SWEEP_SVD);
	sweep_experiment_deinit(&e);
	const char *points = "name: s\nbase: {" FILES "}\npoints:\n"
			     "  - {method: scalpel}\n  - {method: magnitude, granularity: simd}\n";
	CU_ASSERT_EQUAL_FATAL(sweep_experiment_load_string(&e, "p.yaml", points, &err), 0);
	CU_ASSERT_EQUAL(e.n_axes, 2);
	CU_ASSERT_STRING_EQUAL(sweep_experiment_value(&e, 0, 0), "scalpel");
	CU_ASSERT_STRING_EQUAL(sweep_experiment_value(&e, 0, 1), "arch");
	CU_ASSERT_STRING_EQUAL(sweep_experiment_value(&e, 1, 1), "simd");
	sweep_experiment_deinit(&e);
}

static const struct test_case cases[] = {
	{"cartesian product and explicit list", test_product},
	{"scalpel's granularity is the architecture's unless given", test_method_granularity},
	{"no axes: the base is the only point", test_single_point},
};
TEST_SUITE(sweep_experiment, cases);
