/* Energy tables: the cost of one access at each memory level and of one MAC,
 * at a reference bitwidth, and the rule by which they scale with bitwidth.
 *
 * Access energy scales linearly with the bits moved (Horowitz 2014): an access
 * of b bits costs cost * b / reference_bits. A MAC is a multiplier, whose energy
 * scales with the product of operand widths, plus an adder, which scales
 * linearly: E_mac(bw, ba) = mult * (bw*ba)/ref^2 + add * max(bw,ba)/ref, where
 * bw and ba are the weight and activation bits. */
#ifndef SIM_ARCH_ENERGY_H
#define SIM_ARCH_ENERGY_H

#include <stdint.h>

#include "core/err.h"

enum energy_level {
	EN_DRAM,
	EN_GLB,
	EN_ARRAY, /* inter-PE network */
	EN_RF,
	EN_LEVEL_COUNT
};
extern const char *const energy_level_names[EN_LEVEL_COUNT]; /* "dram", "glb", "array", "rf" */

struct energy_table {
	char name[64];
	char path[256];
	char unit[16];                       /* "pJ" or "MAC16" (normalised to one 16-bit MAC) */
	uint32_t reference_bits;
	double access[EN_LEVEL_COUNT];       /* per access of reference_bits */
	double mac_mult;                     /* multiplier part of a MAC at reference_bits */
	double mac_add;                      /* adder part of a MAC at reference_bits */
};

int energy_table_load(struct energy_table *t, const char *path, struct sim_err *err);
/* The keys of this kind of file, for the configuration reference (cfg/cfg.h). */
struct cfg_schema;
extern const struct cfg_schema energy_table_schema;

int energy_table_load_string(struct energy_table *t, const char *name, const char *text,
			     struct sim_err *err);

/* Energy of one access of `bits` bits at level. */
double energy_access(const struct energy_table *t, enum energy_level level, uint32_t bits);
/* Energy of one MAC with weight_bits x act_bits operands. */
double energy_mac(const struct energy_table *t, uint32_t weight_bits, uint32_t act_bits);

#endif
