/* Validation: the shipped file of published figures passes within its stated
 * tolerances (what `make validate` prints), its Fig. 10 ALU rows equal the
 * MAC counts computed by hand, and the error of a row is measured from the
 * published value, its rounding interval or its range. */
#include <math.h>
#include <string.h>

#include "test.h"
#include "validate/validate.h"

static void test_shipped(void)
{
	struct validate_report rep;
	struct sim_err err;
	CU_ASSERT_EQUAL_FATAL(validate_run("configs/validation/published.yaml", 2, &rep, &err), 0);
	CU_ASSERT_EQUAL(validate_report_print(&rep, stdout), 0);
	/* AlexNet CONV1 (two towers of 48 filters, summed) at batch 16: 16 x 96 x 3 x 55 x 55 x 11 x 11 MACs, one
	 * table unit each (ISCA 2016 Table IV), in 10^9. */
	int alu = 0;
	for (int i = 0; i < rep.n; i++)
		if (strcmp(rep.rows[i].item, "conv1_a+conv1_b alu") == 0) {
			CU_ASSERT_DOUBLE_EQUAL(rep.rows[i].esim,
					       16.0 * 96 * 3 * 55 * 55 * 11 * 11 / 1e9, 1e-9);
			alu++;
		}
	CU_ASSERT_EQUAL(alu, 1);
	validate_report_deinit(&rep);
}

static void test_row_error(void)
{
	struct validate_row r = {.value = 2, .lo = 1.995, .hi = 2.005, .esim = 2.004};
	CU_ASSERT_DOUBLE_EQUAL(validate_row_error(&r), 0, 0);
	r.esim = 2.105; /* 0.1 past the rounding interval */
	CU_ASSERT_DOUBLE_EQUAL(validate_row_error(&r), 0.1 / 2.005, 1e-12);
	struct validate_row range = {.range = true, .value = 1.4, .lo = 1.4, .hi = INFINITY,
				     .esim = 1.26};
	CU_ASSERT_DOUBLE_EQUAL(validate_row_error(&range), 0.1, 1e-12);
	range.esim = 9;
	CU_ASSERT_DOUBLE_EQUAL(validate_row_error(&range), 0, 0);
}

static const struct test_case cases[] = {
	{"published figures within their stated tolerances", test_shipped},
	{"row error from a value, its rounding and a range", test_row_error},
};
TEST_SUITE(validate, cases);
