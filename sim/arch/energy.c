/* Energy tables (see energy.h): cost per access at each level of the Eyeriss
 * hierarchy (DRAM, GLB, inter-PE array, RF) and per MAC, at a reference
 * bitwidth, in the table's unit.
 *
 * Scaling with bitwidth follows Horowitz (ISSCC 2014): an access moving b bits
 * costs access * b / ref (wires and SRAM bit lines scale with the bits moved);
 * a MAC is an array multiplier, whose partial-product array grows with the
 * product of the operand widths, plus an adder that grows with the wider
 * operand: E_mac(bw, ba) = mult * bw*ba / ref^2 + add * max(bw, ba) / ref. */
#include "arch/energy.h"

#include <assert.h>
#include <string.h>

#include "cfg/cfg.h"

const char *const energy_level_names[EN_LEVEL_COUNT] = {"dram", "glb", "array", "rf"};
static_assert(EN_LEVEL_COUNT == 4, "one name per energy level");

struct energy_top {
	char name[64];
	char unit[16];
	uint32_t reference_bits;
	const yaml_node_t *access, *mac;
};

static const struct cfg_field top_fields[] = {
	CFG_S(struct energy_top, name, "name", NULL, true, "table name"),
	CFG_S(struct energy_top, unit, "unit", NULL, true, "pJ, or MAC16 (one 16-bit MAC = 1)"),
	CFG_U(struct energy_top, reference_bits, "reference_bits", 1, 64, NULL, true,
	      "bits of the access and MAC the costs are given for"),
	CFG_N(struct energy_top, access, "access", CFG_MAP, true, "{dram, glb, array, rf}"),
	CFG_N(struct energy_top, mac, "mac", CFG_MAP, true, "{mult, add}"),
};

#define ACCESS_ROW(lvl, key) \
	CFG_D(struct energy_table, access[lvl], key, 0, 1e9, NULL, true, "energy per access")
static const struct cfg_field access_fields[] = {
	ACCESS_ROW(EN_DRAM, "dram"),
	ACCESS_ROW(EN_GLB, "glb"),
	ACCESS_ROW(EN_ARRAY, "array"),
	ACCESS_ROW(EN_RF, "rf"),
};
static_assert(sizeof access_fields / sizeof access_fields[0] == EN_LEVEL_COUNT,
	      "one access row per level");

static const struct cfg_field mac_fields[] = {
	CFG_D(struct energy_table, mac_mult, "mult", 0, 1e9, NULL, true,
	      "multiplier part of a reference-width MAC"),
	CFG_D(struct energy_table, mac_add, "add", 0, 1e9, NULL, true,
	      "adder part of a reference-width MAC"),
};

#define N_FIELDS(t) (sizeof(t) / sizeof((t)[0]))

static int decode_table(struct cfg_doc *doc, void *ctx, struct sim_err *err)
{
	struct energy_table *t = ctx;
	struct energy_top top;
	memset(&top, 0, sizeof top);
	if (cfg_decode(doc, cfg_doc_root(doc), top_fields, N_FIELDS(top_fields), &top, NULL, err))
		return SIM_ERR_CONFIG;
	memcpy(t->name, top.name, sizeof t->name);
	memcpy(t->unit, top.unit, sizeof t->unit);
	t->reference_bits = top.reference_bits;
	if (cfg_decode(doc, top.access, access_fields, EN_LEVEL_COUNT, t, NULL, err) ||
	    cfg_decode(doc, top.mac, mac_fields, N_FIELDS(mac_fields), t, NULL, err))
		return SIM_ERR_CONFIG;
	for (int l = 0; l < EN_LEVEL_COUNT; l++)
		if (!(t->access[l] > 0))
			return cfg_err_at(err, doc, cfg_map_get(doc, top.access, energy_level_names[l]),
					  "access energy of '%s' must be positive",
					  energy_level_names[l]);
	if (!(t->mac_mult + t->mac_add > 0))
		return cfg_err_at(err, doc, top.mac, "a MAC must cost something (mult + add > 0)");
	return 0;
}

int energy_table_load(struct energy_table *t, const char *path, struct sim_err *err)
{
	memset(t, 0, sizeof *t);
	snprintf(t->path, sizeof t->path, "%s", path);
	return cfg_doc_decode(path, NULL, decode_table, t, err);
}

int energy_table_load_string(struct energy_table *t, const char *name, const char *text,
			     struct sim_err *err)
{
	memset(t, 0, sizeof *t);
	snprintf(t->path, sizeof t->path, "%s", name);
	return cfg_doc_decode(name, text, decode_table, t, err);
}

double energy_access(const struct energy_table *t, enum energy_level level, uint32_t bits)
{
	assert((unsigned)level < EN_LEVEL_COUNT);
	return t->access[level] * (double)bits / (double)t->reference_bits;
}

double energy_mac(const struct energy_table *t, uint32_t weight_bits, uint32_t act_bits)
{
	double ref = (double)t->reference_bits;
	double wider = weight_bits > act_bits ? weight_bits : act_bits;
	return t->mac_mult * (double)weight_bits * (double)act_bits / (ref * ref) +
	       t->mac_add * wider / ref;
}

static const struct cfg_section energy_sections[] = {
	CFG_SECTION("", top_fields, NULL),
	CFG_SECTION("access", access_fields,
		    "Energy of one access of `reference_bits` bits, in `unit`; an access of b "
		    "bits costs `access * b / reference_bits`."),
	CFG_SECTION("mac", mac_fields,
		    "A MAC with weight and activation widths bw, ba costs "
		    "`mult * bw*ba / reference_bits^2 + add * max(bw, ba) / reference_bits`; "
		    "`mult + add` must be positive."),
};
const struct cfg_schema energy_table_schema =
	CFG_SCHEMA("energy", "Energy table (`energy-tables/*.yaml`, `--energy`)", energy_sections);
