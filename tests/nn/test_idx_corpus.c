/* The corpus of IDX files in tests/data/idx/: each file is loaded in the
 * role its line in EXPECTED gives, and must load (`ok`) or fail with a data
 * error that names the file and carries the expected message. Every file in
 * the folder must have a line, so a file added without its expectation
 * fails the suite. */
#include <dirent.h>
#include <stdio.h>
#include <string.h>

#include "nn/dataset.h"
#include "test.h"

#define CORPUS TEST_DATA("idx/")

static void test_corpus(void)
{
	FILE *f = fopen(CORPUS "EXPECTED", "r");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	char line[512], listed[64][64];
	int n_listed = 0;
	while (fgets(line, sizeof line, f)) {
		char file[64], role[16];
		int msg_at = 0;
		if (line[0] == '#' || line[0] == '\n')
			continue;
		line[strcspn(line, "\n")] = '\0';
		CU_ASSERT_FATAL(sscanf(line, "%63s %15s %n", file, role, &msg_at) == 2 && msg_at > 0);
		const char *expect = line + msg_at;
		CU_ASSERT_FATAL(n_listed < 64);
		snprintf(listed[n_listed++], sizeof listed[0], "%s", file);
		char path[128];
		snprintf(path, sizeof path, CORPUS "%s", file);
		int is_labels = strcmp(role, "labels") == 0;
		CU_ASSERT_FATAL(is_labels || strcmp(role, "images") == 0);
		struct nn_dataset d;
		struct sim_err err;
		sim_err_clear(&err);
		int rc = is_labels ? nn_dataset_load_idx(&d, CORPUS "good-images-idx3-ubyte", path, 10,
							 &err)
				   : nn_dataset_load_idx(&d, path, CORPUS "good-labels-idx1-ubyte", 10,
							 &err);
		nn_dataset_deinit(&d);
		int ok = strcmp(expect, "ok") == 0
				 ? rc == 0
				 : rc == SIM_ERR_DATA && strcmp(err.file, path) == 0 &&
					   strstr(err.msg, expect) != NULL;
		if (!ok)
			fprintf(stderr, "\n  %s: expected '%s', got status %d: %s", file, expect, rc,
				err.msg);
		CU_ASSERT(ok);
	}
	fclose(f);
	DIR *d = opendir(CORPUS);
	CU_ASSERT_PTR_NOT_NULL_FATAL(d);
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.' || strcmp(e->d_name, "EXPECTED") == 0)
			continue;
		int found = 0;
		for (int i = 0; i < n_listed; i++)
			found |= strcmp(listed[i], e->d_name) == 0;
		if (!found)
			fprintf(stderr, "\n  %s has no line in EXPECTED", e->d_name);
		CU_ASSERT(found);
	}
	closedir(d);
}

static const struct test_case cases[] = {
	{"every corrupt IDX file gives its expected error", test_corpus},
};
TEST_SUITE(nn_idx_corpus, cases);
