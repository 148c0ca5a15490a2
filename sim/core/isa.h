/* The x86-64 vector instruction sets esim's kernels are compiled for.
 *
 * Kernels that must give the same bits everywhere (the trainer's GEMM, the
 * refit's Cholesky) are written so that the instruction set changes only how
 * many independent lanes run at once, never the order of a sum, and none uses
 * FMA (the build passes -ffp-contract=off). The set is chosen at run time
 * from what glibc reports usable, so GLIBC_TUNABLES=glibc.cpu.hwcaps=-AVX512F
 * (or -AVX2, ...) makes esim behave as on a CPU without it: the tests use
 * this to check that every path gives the same results. */
#ifndef SIM_CORE_ISA_H
#define SIM_CORE_ISA_H

enum sim_isa {
	SIM_ISA_SSE2,   /* the x86-64 baseline */
	SIM_ISA_AVX2,
	SIM_ISA_AVX512, /* AVX-512F */
	SIM_ISA_COUNT
};
extern const char *const sim_isa_names[SIM_ISA_COUNT];

/* The best instruction set glibc reports usable. */
enum sim_isa sim_isa_detect(void);

#endif
