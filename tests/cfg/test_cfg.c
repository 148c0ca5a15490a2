/* Table-driven decoding: values, defaults, ranges and every kind of error. */
#include <string.h>

#include "cfg/cfg.h"
#include "test.h"

struct demo {
	int32_t count;
	uint64_t words;
	double ratio;
	bool on;
	char name[8];
	int color;
};
static const char *const colors[] = {"red", "green", "blue"};
static const struct cfg_field fields[] = {
	CFG_I(struct demo, count, "count", -5, 100, NULL, true, NULL),
	CFG_U(struct demo, words, "words", 1, 1e12, "64", false, NULL),
	CFG_D(struct demo, ratio, "ratio", 0, 1, "0.5", false, NULL),
	CFG_B(struct demo, on, "on", "false", false, NULL),
	CFG_S(struct demo, name, "name", "x", false, NULL),
	CFG_E(struct demo, color, "color", colors, 3, "red", false, NULL),
};

static int decode(const char *text, struct demo *d, uint64_t *present, struct sim_err *err)
{
	struct cfg_doc doc;
	memset(d, 0, sizeof *d);
	int rc = cfg_doc_load_string(&doc, "t.yaml", text, err);
	if (rc)
		return rc;
	rc = cfg_decode(&doc, cfg_doc_root(&doc), fields, 6, d, present, err);
	cfg_doc_deinit(&doc);
	return rc;
}

static void test_values_and_defaults(void)
{
	struct demo d;
	struct sim_err err;
	uint64_t present;
	CU_ASSERT_EQUAL_FATAL(decode("count: -3\nratio: 0.25\ncolor: blue\n", &d, &present, &err), 0);
	CU_ASSERT_EQUAL(d.count, -3);
	CU_ASSERT_EQUAL(d.words, 64);
	CU_ASSERT_DOUBLE_EQUAL(d.ratio, 0.25, 1e-15);
	CU_ASSERT_FALSE(d.on);
	CU_ASSERT_STRING_EQUAL(d.name, "x");
	CU_ASSERT_EQUAL(d.color, 2);
	CU_ASSERT_EQUAL(present, 1u | 4u | 32u);
}

static void expect_error(const char *text, int line, int col, const char *frag)
{
	struct demo d;
	struct sim_err err;
	sim_err_clear(&err);
	CU_ASSERT_EQUAL(decode(text, &d, NULL, &err), SIM_ERR_CONFIG);
	CU_ASSERT_EQUAL(err.line, line);
	CU_ASSERT_EQUAL(err.col, col);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, frag));
	if (err.line != line || err.col != col || !strstr(err.msg, frag))
		fprintf(stderr, "\n  got %d:%d %s (wanted %d:%d %s)\n", err.line, err.col, err.msg,
			line, col, frag);
}

static void test_errors(void)
{
	expect_error("count: 1\ncont: 2\n", 2, 1, "did you mean 'count'");
	expect_error("count: 1\ncount: 2\n", 2, 1, "duplicate key 'count'");
	expect_error("ratio: 0.1\n", 1, 1, "missing required key 'count'");
	expect_error("count: 12abc\n", 1, 8, "expected an integer");
	expect_error("count: 101\n", 1, 8, "must be in [-5, 100]");
	expect_error("count: 1\nwords: -1\n", 2, 8, "must be in");
	expect_error("count: 1\nratio: 1.5\n", 2, 8, "must be in [0, 1]");
	expect_error("count: 1\nratio: nan\n", 2, 8, "expected a number");
	expect_error("count: \"5\"\n", 1, 8, "quoted string");
	expect_error("count: 1\non: yes\n", 2, 5, "expected true or false");
	expect_error("count: 1\ncolor: gren\n", 2, 8, "did you mean 'green'");
	expect_error("count: 1\nname: toolongname\n", 2, 7, "longer than 7");
	expect_error("count: [1, 2]\n", 1, 8, "expected an integer, got a list");
	expect_error("count: 1\n  bad: indent\n", 2, 6, "invalid YAML");
	expect_error("- 1\n- 2\n", 1, 1, "must be a mapping");
}

static const struct test_case cases[] = {
	{"values and defaults", test_values_and_defaults},
	{"errors carry line, column and reason", test_errors},
};
TEST_SUITE(cfg_decode, cases);
