/* Energy tables: the shipped tables hold the published per-access costs
 * (ISCA 2016 Table IV; Horowitz 2014), access energy scales linearly with
 * bits, and the MAC rule reproduces Horowitz's other published integer
 * figures from the 32-bit ones (REFERENCE section 1). */
#include <math.h>
#include <string.h>

#include "arch/energy.h"
#include "test.h"

static void load_ok(struct energy_table *t, const char *path)
{
	struct sim_err err;
	sim_err_clear(&err);
	int rc = energy_table_load(t, path, &err);
	if (rc)
		sim_err_print(&err, stderr);
	CU_ASSERT_EQUAL_FATAL(rc, 0);
}

static int near(double a, double b, double rel)
{
	return fabs(a - b) <= rel * fabs(b);
}

static void test_eyeriss_table(void)
{
	struct energy_table t;
	load_ok(&t, "energy-tables/eyeriss-65nm.yaml");
	CU_ASSERT_STRING_EQUAL(t.unit, "MAC16");
	CU_ASSERT_EQUAL(t.reference_bits, 16);
	CU_ASSERT_DOUBLE_EQUAL(energy_access(&t, EN_DRAM, 16), 200, 1e-12);
	CU_ASSERT_DOUBLE_EQUAL(energy_access(&t, EN_GLB, 16), 6, 1e-12);
	CU_ASSERT_DOUBLE_EQUAL(energy_access(&t, EN_ARRAY, 16), 2, 1e-12);
	CU_ASSERT_DOUBLE_EQUAL(energy_access(&t, EN_RF, 16), 1, 1e-12);
	/* The unit is one 16-bit MAC. */
	CU_ASSERT_DOUBLE_EQUAL(energy_mac(&t, 16, 16), 1.0, 1e-9);
	/* The split is Horowitz's 16-bit mult : add ratio (0.775 : 0.05). */
	CU_ASSERT(near(t.mac_mult / t.mac_add, 0.775 / 0.05, 1e-3));
}

static void test_horowitz_table(void)
{
	struct energy_table t;
	load_ok(&t, "energy-tables/horowitz-45nm.yaml");
	CU_ASSERT_STRING_EQUAL(t.unit, "pJ");
	CU_ASSERT_EQUAL(t.reference_bits, 32);
	CU_ASSERT_DOUBLE_EQUAL(energy_access(&t, EN_DRAM, 32), 640, 1e-9);
	CU_ASSERT_DOUBLE_EQUAL(energy_access(&t, EN_GLB, 32), 5, 1e-12);
	CU_ASSERT_DOUBLE_EQUAL(energy_access(&t, EN_RF, 32), 1, 1e-12);
	/* Assumed inter-PE cost: the Eyeriss array/RF ratio of 2. */
	CU_ASSERT_DOUBLE_EQUAL(t.access[EN_ARRAY] / t.access[EN_RF], 2.0, 1e-12);
	/* A 32-bit MAC is the published mult + add. */
	CU_ASSERT_DOUBLE_EQUAL(energy_mac(&t, 32, 32), 3.1 + 0.1, 1e-12);
}

/* The MAC rule from the 32-bit figures predicts the published narrower ones:
 * 8-bit mult 0.2 pJ (rule: 0.194, within 5%), 16-bit add 0.05 pJ (exact),
 * 8-bit add 0.03 pJ (rule: 0.025, within 20%: adders have a fixed part). */
static void test_horowitz_scaling(void)
{
	struct energy_table t;
	load_ok(&t, "energy-tables/horowitz-45nm.yaml");
	struct energy_table mult_only = t, add_only = t;
	mult_only.mac_add = 0;
	add_only.mac_mult = 0;
	CU_ASSERT(near(energy_mac(&mult_only, 8, 8), 0.2, 0.05));
	CU_ASSERT(near(energy_mac(&add_only, 16, 16), 0.05, 1e-9));
	CU_ASSERT(near(energy_mac(&add_only, 8, 8), 0.03, 0.20));
	/* Mixed widths: the multiplier sees the product, the adder the wider. */
	CU_ASSERT_DOUBLE_EQUAL(energy_mac(&t, 8, 16),
			       3.1 * 128 / 1024 + 0.1 * 16 / 32, 1e-12);
	CU_ASSERT_DOUBLE_EQUAL(energy_mac(&t, 16, 8), energy_mac(&t, 8, 16), 1e-12);
}

static void test_access_linear(void)
{
	struct energy_table t;
	load_ok(&t, "energy-tables/horowitz-45nm.yaml");
	for (int l = 0; l < EN_LEVEL_COUNT; l++) {
		double one = energy_access(&t, (enum energy_level)l, 1);
		for (uint32_t b = 1; b <= 64; b++)
			CU_ASSERT(near(energy_access(&t, (enum energy_level)l, b), one * b, 1e-12));
		CU_ASSERT(near(energy_access(&t, (enum energy_level)l, 8) * 4,
			       energy_access(&t, (enum energy_level)l, 32), 1e-12));
	}
}

static void test_load_string(void)
{
	const char *text = "name: x\nunit: pJ\nreference_bits: 8\n"
			   "access: {dram: 100, glb: 4, array: 2, rf: 1}\nmac: {mult: 0.2, add: 0}\n";
	struct energy_table t;
	struct sim_err err;
	CU_ASSERT_EQUAL_FATAL(energy_table_load_string(&t, "x.yaml", text, &err), 0);
	CU_ASSERT_DOUBLE_EQUAL(energy_access(&t, EN_DRAM, 16), 200, 1e-12);
	CU_ASSERT_DOUBLE_EQUAL(energy_mac(&t, 16, 16), 0.8, 1e-12);
	CU_ASSERT_STRING_EQUAL(t.path, "x.yaml");
}

static const struct test_case cases[] = {
	{"Eyeriss 65 nm table (ISCA 2016 Table IV)", test_eyeriss_table},
	{"Horowitz 45 nm table", test_horowitz_table},
	{"MAC rule predicts Horowitz's 8/16-bit figures", test_horowitz_scaling},
	{"access energy is linear in bits", test_access_linear},
	{"load from a string", test_load_string},
};
TEST_SUITE(arch_energy, cases);
