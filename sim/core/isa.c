/* Run-time choice of instruction set (see isa.h): glibc's view of the CPU,
 * which honours GLIBC_TUNABLES masks, rather than CPUID directly. */
#include "core/isa.h"

#include <sys/platform/x86.h>

const char *const sim_isa_names[SIM_ISA_COUNT] = {"sse2", "avx2", "avx512"};
_Static_assert(SIM_ISA_COUNT == 3, "sim_isa_names must list every instruction set");

enum sim_isa sim_isa_detect(void)
{
	if (CPU_FEATURE_ACTIVE(AVX512F))
		return SIM_ISA_AVX512;
	return CPU_FEATURE_ACTIVE(AVX2) ? SIM_ISA_AVX2 : SIM_ISA_SSE2;
}
