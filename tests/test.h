/* Test harness on CUnit. Each test file defines a table of cases and declares
 * it with TEST_SUITE(name, cases); the Makefile generates the runner's list. */
#ifndef TESTS_TEST_H
#define TESTS_TEST_H

#include <CUnit/CUnit.h>
#include <stddef.h>

struct test_case {
	const char *name;
	void (*fn)(void);
};

struct test_suite {
	const char *name;
	const struct test_case *cases;
	size_t n_cases;
};

#define TEST_SUITE(sym, table) \
	const struct test_suite test_suite_##sym = {#sym, table, sizeof(table) / sizeof(table[0])}

/* Loads tests/data/<rel> path into buf (repo-root relative; tests run from the root). */
#define TEST_DATA(rel) "tests/data/" rel

#endif
