/* libFuzzer entry point for one fuzz target (tests/fuzz/targets.h): the
 * Makefile builds this file once per target with FUZZ_TARGET set to the
 * target's name, e.g. build-fuzz/fuzz/arch. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "fuzz/targets.h"

#ifndef FUZZ_TARGET
#error "FUZZ_TARGET must name a target"
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct fuzz_target *t;
	if (!t) {
		t = fuzz_target_find(FUZZ_TARGET);
		if (!t) {
			fprintf(stderr, "no fuzz target '%s'\n", FUZZ_TARGET);
			abort();
		}
	}
	return t->run(data, size);
}
