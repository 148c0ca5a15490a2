/* The documentation's links lead somewhere: every relative link in README.md
 * and the Markdown files of docs/ names a file that exists, and a link to a heading of a
 * Markdown file (#anchor) names one of its headings (GitHub's rule: lower
 * case, spaces to hyphens, other punctuation dropped) or an explicit
 * <a id="...">. So moving or renaming a section cannot leave a dead link. */
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "test.h"
#include "util/util.h"

/* GitHub's anchor of a heading's text into out. */
static void slug(const char *h, size_t len, char *out, size_t size)
{
	size_t k = 0;
	for (size_t i = 0; i < len && k + 1 < size; i++) {
		char c = h[i];
		if (c >= 'A' && c <= 'Z')
			out[k++] = (char)(c - 'A' + 'a');
		else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_')
			out[k++] = c;
		else if (c == ' ')
			out[k++] = '-';
	}
	out[k] = '\0';
}

/* True when the Markdown file at path has a heading or <a id> named anchor. */
static int has_anchor(const char *path, const char *anchor)
{
	char *text = tu_slurp(path, NULL);
	if (!text)
		return 0;
	int found = 0;
	for (char *line = text; line && *line && !found;) {
		char *nl = strchr(line, '\n');
		size_t len = nl ? (size_t)(nl - line) : strlen(line);
		char s[256];
		if (line[0] == '#') {
			size_t h = 0;
			while (h < len && line[h] == '#')
				h++;
			while (h < len && line[h] == ' ')
				h++;
			slug(line + h, len - h, s, sizeof s);
			found = strcmp(s, anchor) == 0;
		}
		char want[300];
		snprintf(want, sizeof want, "<a id=\"%s\">", anchor);
		const char *a = strstr(line, want);
		found |= a && (size_t)(a - line) < len;
		line = nl ? nl + 1 : NULL;
	}
	free(text);
	return found;
}

static size_t check_file(const char *doc)
{
	char *text = tu_slurp(doc, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(text);
	char dir[256];
	snprintf(dir, sizeof dir, "%s", doc);
	char *slash = strrchr(dir, '/');
	if (slash)
		slash[1] = '\0';
	else
		dir[0] = '\0';
	size_t links = 0;
	for (const char *p = strstr(text, "]("); p; p = strstr(p + 2, "](")) {
		const char *start = p + 2, *end = strchr(start, ')');
		if (!end || end - start >= 256 || strncmp(start, "http", 4) == 0)
			continue;
		char link[256], path[600];
		snprintf(link, sizeof link, "%.*s", (int)(end - start), start);
		char *hash = strchr(link, '#');
		if (hash)
			*hash++ = '\0';
		if (link[0])
			snprintf(path, sizeof path, "%s%s", dir, link);
		else
			snprintf(path, sizeof path, "%s", doc);
		struct stat st;
		int ok = stat(path, &st) == 0;
		if (ok && hash && strstr(path, ".md"))
			ok = has_anchor(path, hash);
		if (!ok)
			fprintf(stderr, "\n  %s: dead link (%.*s)", doc, (int)(end - start), start);
		CU_ASSERT(ok);
		links++;
	}
	free(text);
	return links;
}

static void test_links(void)
{
	size_t links = check_file("README.md");
	glob_t g;
	CU_ASSERT_EQUAL_FATAL(glob("docs/*.md", 0, NULL, &g), 0);
	for (size_t i = 0; i < g.gl_pathc; i++)
		links += check_file(g.gl_pathv[i]);
	globfree(&g);
	CU_ASSERT(links > 20);
}

static const struct test_case cases[] = {
	{"every link of README.md and docs/ leads to a file and heading", test_links},
};
TEST_SUITE(cli_docs, cases);
