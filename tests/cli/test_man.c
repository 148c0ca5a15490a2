/* The man page docs/esim.1 agrees with the binary: it has one section
 * (.SS "esim NAME ...") per command that `esim --help` lists and no other,
 * and each section names exactly the options that `esim NAME --help` prints
 * (--help itself aside). Both sides are read as text: the options are the
 * words --xyz, after the man page's \- and font escapes are undone. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "test.h"
#include "util/util.h"

#define MAX_WORDS 64

struct words {
	int n;
	char w[MAX_WORDS][32];
};

static void add_word(struct words *s, const char *w, size_t len)
{
	if (len >= sizeof s->w[0] || s->n == MAX_WORDS)
		return;
	for (int i = 0; i < s->n; i++)
		if (strlen(s->w[i]) == len && strncmp(s->w[i], w, len) == 0)
			return;
	memcpy(s->w[s->n], w, len);
	s->w[s->n++][len] = '\0';
}

/* Every option word --x[-y...] in text, --help excepted. */
static void options_in(const char *text, struct words *out)
{
	out->n = 0;
	for (const char *p = strstr(text, "--"); p; p = strstr(p + 2, "--")) {
		const char *q = p + 2;
		if (!(*q >= 'a' && *q <= 'z'))
			continue;
		while ((*q >= 'a' && *q <= 'z') || (*q >= '0' && *q <= '9') || *q == '-')
			q++;
		if (!(q - p == 6 && strncmp(p, "--help", 6) == 0))
			add_word(out, p, (size_t)(q - p));
	}
}

/* The man source with \- turned into - and font escapes (\fB, \fI, \fR,
 * \fP) removed; caller frees. */
static char *man_plain(void)
{
	char *src = tu_slurp("docs/esim.1", NULL);
	if (!src)
		return NULL;
	char *out = src, *w = src;
	for (const char *r = src; *r;) {
		if (r[0] == '\\' && r[1] == '-') {
			*w++ = '-';
			r += 2;
		} else if (r[0] == '\\' && r[1] == 'f' && r[2]) {
			r += 3;
		} else {
			*w++ = *r++;
		}
	}
	*w = '\0';
	return out;
}

/* The text of the man section of command name (from its .SS line to the
 * next .SS or .SH); caller frees; NULL when there is none. */
static char *man_section(const char *man, const char *name)
{
	char head[64];
	snprintf(head, sizeof head, ".SS \"esim %s", name);
	const char *p = man;
	size_t hl = strlen(head);
	while ((p = strstr(p, head)) && p[hl] != ' ' && p[hl] != '"')
		p += hl;
	if (!p)
		return NULL;
	const char *end = p + 1;
	while ((end = strchr(end, '\n')) && strncmp(end + 1, ".SS", 3) && strncmp(end + 1, ".SH", 3))
		end++;
	size_t len = end ? (size_t)(end - p) : strlen(p);
	char *s = malloc(len + 1);
	memcpy(s, p, len);
	s[len] = '\0';
	return s;
}

static char *run_capture(const char *const args[], const char *out)
{
	struct tu_proc o = {.out_path = out};
	if (tu_run(args, &o) != 0)
		return NULL;
	return tu_slurp(out, NULL);
}

static void test_man_agrees_with_help(void)
{
	char *man = man_plain();
	CU_ASSERT_PTR_NOT_NULL_FATAL(man);
	char out[] = "/tmp/esim-man-XXXXXX";
	int fd = mkstemp(out);
	CU_ASSERT_FATAL(fd >= 0);
	const char *main_help[] = {tu_esim(), "--help", NULL};
	char *help = run_capture(main_help, out);
	CU_ASSERT_PTR_NOT_NULL_FATAL(help);
	/* Commands: the lines "  name  description" of esim --help. */
	struct words cmds = {0};
	for (char *line = strtok(help, "\n"); line; line = strtok(NULL, "\n"))
		if (line[0] == ' ' && line[1] == ' ' && line[2] >= 'a' && line[2] <= 'z')
			add_word(&cmds, line + 2, strcspn(line + 2, " "));
	CU_ASSERT(cmds.n >= 9);
	int sections = 0;
	for (const char *p = strstr(man, ".SS \"esim "); p; p = strstr(p + 1, ".SS \"esim "))
		sections++;
	CU_ASSERT_EQUAL(sections, cmds.n);
	for (int i = 0; i < cmds.n; i++) {
		char *sec = man_section(man, cmds.w[i]);
		if (!sec)
			fprintf(stderr, "\n  esim.1 has no section for '%s'", cmds.w[i]);
		CU_ASSERT_PTR_NOT_NULL(sec);
		const char *args[] = {tu_esim(), cmds.w[i], "--help", NULL};
		char *usage = run_capture(args, out);
		CU_ASSERT_PTR_NOT_NULL(usage);
		if (!sec || !usage) {
			free(sec);
			free(usage);
			continue;
		}
		struct words in_help, in_man;
		options_in(usage, &in_help);
		options_in(sec, &in_man);
		for (int k = 0; k < in_help.n; k++) {
			int found = 0;
			for (int j = 0; j < in_man.n; j++)
				found |= strcmp(in_help.w[k], in_man.w[j]) == 0;
			if (!found)
				fprintf(stderr, "\n  esim %s --help has %s, esim.1 does not", cmds.w[i],
					in_help.w[k]);
			CU_ASSERT(found);
		}
		for (int j = 0; j < in_man.n; j++) {
			int found = 0;
			for (int k = 0; k < in_help.n; k++)
				found |= strcmp(in_help.w[k], in_man.w[j]) == 0;
			if (!found)
				fprintf(stderr, "\n  esim.1 has %s under esim %s, --help does not",
					in_man.w[j], cmds.w[i]);
			CU_ASSERT(found);
		}
		free(sec);
		free(usage);
	}
	close(fd);
	unlink(out);
	free(help);
	free(man);
}

static const struct test_case cases[] = {
	{"esim.1 has every command and exactly its --help options", test_man_agrees_with_help},
};
TEST_SUITE(cli_man, cases);
