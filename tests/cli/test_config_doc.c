/* docs/configuration.md cannot drift from the loaders: between the markers
 * "<!-- BEGIN esim config KIND -->" and "<!-- END esim config KIND -->" it
 * must hold exactly what `esim config KIND` writes from the field tables,
 * for every kind the command knows and no other. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfg/cfg.h"
#include "cli/cli.h"
#include "test.h"
#include "util/util.h"

static void test_doc_matches_tables(void)
{
	char *doc = tu_slurp("docs/configuration.md", NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(doc);
	for (int i = 0; i < cli_config_schema_count; i++) {
		const struct cfg_schema *s = cli_config_schemas[i];
		char begin[96], end[96];
		snprintf(begin, sizeof begin, "<!-- BEGIN esim config %s -->\n\n", s->kind);
		snprintf(end, sizeof end, "\n<!-- END esim config %s -->", s->kind);
		char *buf = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&buf, &len);
		CU_ASSERT_PTR_NOT_NULL_FATAL(f);
		cfg_schema_write_markdown(s, f);
		fclose(f);
		const char *b = strstr(doc, begin), *e = b ? strstr(b, end) : NULL;
		int same = b && e && (size_t)(e - b) == strlen(begin) + len &&
			   memcmp(b + strlen(begin), buf, len) == 0;
		if (!same)
			fprintf(stderr, "\n  docs/configuration.md: the %s tables differ from the code; "
					"run sh scripts/config-doc.sh", s->kind);
		CU_ASSERT(same);
		free(buf);
	}
	int blocks = 0;
	for (const char *p = strstr(doc, "<!-- BEGIN esim config "); p;
	     p = strstr(p + 1, "<!-- BEGIN esim config "))
		blocks++;
	CU_ASSERT_EQUAL(blocks, cli_config_schema_count);
	free(doc);
}

static const struct test_case cases[] = {
	{"docs/configuration.md holds the tables the loaders decode with", test_doc_matches_tables},
};
TEST_SUITE(cli_config_doc, cases);
