/* Fuzz targets: one function per loader of untrusted input, shared by the
 * libFuzzer harnesses (fuzz/driver.c, built by `make fuzz` with clang) and by
 * the regression replay in `make test` (test_fuzz_replay.c), which runs every
 * file under tests/data/fuzz/<target>/ through the same function in the
 * normal build. A target feeds the bytes to its loader and checks the
 * loader's contract: it either succeeds (and the result is released) or
 * returns an error code with a message. A crash, a leak, a sanitizer report
 * or a broken contract (abort) is a bug. Paths are taken from the
 * repository root. */
#ifndef TESTS_FUZZ_TARGETS_H
#define TESTS_FUZZ_TARGETS_H

#include <stddef.h>
#include <stdint.h>

struct fuzz_target {
	const char *name;  /* also the folder of its seeds and regression files */
	int (*run)(const uint8_t *data, size_t size);
	const char *seeds; /* shell glob of shipped files that seed it */
};

extern const struct fuzz_target fuzz_targets[];
extern const int fuzz_target_count;

/* The target called name, or NULL. */
const struct fuzz_target *fuzz_target_find(const char *name);

#endif
