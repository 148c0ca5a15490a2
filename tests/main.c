/* CUnit runner: registers every suite found by the Makefile (test_suites.h) and
 * exits non-zero if any assertion failed. `esim-tests NAME...` runs only the
 * suites whose names start with one of the arguments. */
#include <CUnit/Basic.h>
#include <stdio.h>
#include <string.h>

#include "test.h"

#define X(s) extern const struct test_suite test_suite_##s;
#include "test_suites.h"
#undef X

static const struct test_suite *const suites[] = {
#define X(s) &test_suite_##s,
#include "test_suites.h"
#undef X
};

static int selected(const char *name, int argc, char **argv)
{
	if (argc < 2)
		return 1;
	for (int i = 1; i < argc; i++)
		if (strncmp(name, argv[i], strlen(argv[i])) == 0)
			return 1;
	return 0;
}

int main(int argc, char **argv)
{
	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	for (size_t i = 0; i < sizeof suites / sizeof suites[0]; i++) {
		if (!selected(suites[i]->name, argc, argv))
			continue;
		CU_pSuite s = CU_add_suite(suites[i]->name, NULL, NULL);
		for (size_t j = 0; j < suites[i]->n_cases; j++)
			CU_add_test(s, suites[i]->cases[j].name, suites[i]->cases[j].fn);
	}
	CU_basic_set_mode(CU_BRM_NORMAL);
	CU_basic_run_tests();
	unsigned failed = CU_get_number_of_failures() + CU_get_number_of_tests_failed();
	unsigned run = CU_get_number_of_tests_run();
	unsigned tests_failed = CU_get_number_of_tests_failed();
	printf("\n%u passed, %u failed\n", run - tests_failed, tests_failed);
	CU_cleanup_registry();
	return failed ? 1 : 0;
}
