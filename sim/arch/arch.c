/* Architecture files (see arch.h): a four-level hierarchy of DRAM, a global
 * buffer, an inter-PE network and per-PE register files, as in the Eyeriss
 * papers (Chen, Emer, Sze, ISCA 2016; JSSC 2017).
 *
 * Decoding is table-driven (cfg_decode); what tables cannot express is checked
 * afterwards, always pointing at the offending node: a GLB whose weight part
 * fills it, an RF that mixes the per-type scratchpad form with the shared
 * form, a run-length code whose pairs and "last" bit do not fit a DRAM word,
 * format options given for a format that does not use them.
 *
 * The optional `per_dataflow` section records the equal-area storage split of
 * the ISCA 2016 dataflow comparison (section VI-B): all dataflows get the same
 * storage area, #PE x Area(512 B RF) + Area(#PE x 512 B GLB), so a dataflow
 * with a smaller RF gets a larger GLB. arch_set_dataflow applies it. */
#include "arch/arch.h"

#include <assert.h>
#include <stddef.h>
#include <string.h>

#include "cfg/cfg.h"

const char *const arch_dataflow_names[ARCH_DF_COUNT] = {"rs", "ws", "os", "nlr"};
static_assert(ARCH_DF_COUNT == 4, "one name per dataflow");
const char *const arch_zero_policy_names[ARCH_ZERO_COUNT] = {"none", "gate", "skip"};
static_assert(ARCH_ZERO_COUNT == 3, "one name per zero policy");
const char *const arch_weight_format_names[ARCH_WFMT_COUNT] = {"dense", "relative_index",
								 "auto"};
static_assert(ARCH_WFMT_COUNT == 3, "one name per weight format");
const char *const arch_fmap_format_names[ARCH_FFMT_COUNT] = {"dense", "rlc"};
static_assert(ARCH_FFMT_COUNT == 2, "one name per feature-map format");
const char *const arch_parallelism_names[ARCH_PAR_COUNT] = {"low", "moderate", "high"};
static_assert(ARCH_PAR_COUNT == 3, "one name per parallelism class");

#define TERA 1099511627776.0 /* 2^40: an upper bound for any on-chip byte count */

struct arch_top {
	char name[64];
	int dataflow;
	uint32_t word_bits;
	double clock_mhz;
	const yaml_node_t *pe_array, *glb, *rf, *dram, *zeros, *per_dataflow, *noc, *target;
};

static const struct cfg_field top_fields[] = {
	CFG_S(struct arch_top, name, "name", NULL, true, "architecture name"),
	CFG_E(struct arch_top, dataflow, "dataflow", arch_dataflow_names, ARCH_DF_COUNT, NULL, true,
	      "rs | ws | os | nlr"),
	CFG_U(struct arch_top, word_bits, "word_bits", 1, 64, NULL, true, "bits per value"),
	CFG_D(struct arch_top, clock_mhz, "clock_mhz", 0.001, 100000, NULL, true, "core clock"),
	CFG_N(struct arch_top, pe_array, "pe_array", CFG_MAP, true, "{rows, cols}"),
	CFG_N(struct arch_top, glb, "glb", CFG_MAP, true, "{size_bytes, weight_bytes}"),
	CFG_N(struct arch_top, rf, "rf", CFG_MAP, true,
	      "{ifmap_words, weight_words, psum_words} or {size_bytes}"),
	CFG_N(struct arch_top, dram, "dram", CFG_MAP, false, "DRAM bandwidth and storage formats"),
	CFG_N(struct arch_top, zeros, "zeros", CFG_MAP, false, "{ifmap, weight}: none | gate | skip"),
	CFG_N(struct arch_top, per_dataflow, "per_dataflow", CFG_MAP, false,
	      "equal-area storage per dataflow: {rs|ws|os|nlr: {rf_bytes, glb_bytes}}"),
	CFG_N(struct arch_top, noc, "noc", CFG_MAP, false,
	      "the inter-PE network: {bandwidth_words_per_cycle}"),
	CFG_N(struct arch_top, target, "target", CFG_MAP, false,
	      "hardware class for pruning: {parallelism, simd_width}"),
};

struct target_raw {
	int parallelism;
	uint32_t simd_width;
};

static const struct cfg_field target_fields[] = {
	CFG_E(struct target_raw, parallelism, "parallelism", arch_parallelism_names, ARCH_PAR_COUNT,
	      NULL, true, "low | moderate | high (Scalpel's classes)"),
	CFG_U(struct target_raw, simd_width, "simd_width", 1, 1024, NULL, true,
	      "weights one vector operation takes"),
};

static const struct cfg_field pe_fields[] = {
	CFG_U(struct arch, pe_rows, "rows", 1, 4096, NULL, true, "PE rows"),
	CFG_U(struct arch, pe_cols, "cols", 1, 4096, NULL, true, "PE columns"),
};

static const struct cfg_field glb_fields[] = {
	CFG_U(struct arch, glb_bytes, "size_bytes", 1, TERA, NULL, true, "whole GLB"),
	CFG_U(struct arch, glb_weight_bytes, "weight_bytes", 0, TERA, "0", false,
	      "part reserved for weights; 0 = shared"),
	CFG_D(struct arch, glb_words_per_cycle, "bandwidth_words_per_cycle", 0, 1e6, "0", false,
	      "words the GLB reads or writes per cycle; 0 = not modelled"),
};

static const struct cfg_field noc_fields[] = {
	CFG_D(struct arch, noc_words_per_cycle, "bandwidth_words_per_cycle", 0, 1e9, "0", false,
	      "words the inter-PE network delivers per cycle; 0 = not modelled"),
};

enum { RF_IFMAP, RF_WEIGHT, RF_PSUM, RF_SIZE, RF_COUNT };
static const struct cfg_field rf_fields[] = {
	[RF_IFMAP] = CFG_U(struct arch, rf_ifmap_words, "ifmap_words", 1, 65536, NULL, false,
			   "ifmap scratchpad"),
	[RF_WEIGHT] = CFG_U(struct arch, rf_weight_words, "weight_words", 1, 65536, NULL, false,
			    "weight scratchpad"),
	[RF_PSUM] = CFG_U(struct arch, rf_psum_words, "psum_words", 1, 65536, NULL, false,
			  "psum scratchpad"),
	[RF_SIZE] = CFG_U(struct arch, rf_bytes, "size_bytes", 1, 1 << 20, NULL, false,
			  "one shared RF"),
};
static_assert(sizeof rf_fields / sizeof rf_fields[0] == RF_COUNT, "one row per RF key");

struct dram_raw {
	double bytes_per_cycle;
	int weight_format;
	uint32_t index_bits;
	int fmap_format;
	const yaml_node_t *rlc;
};

enum { D_BW, D_WFMT, D_INDEX, D_FFMT, D_RLC, D_COUNT };
static const struct cfg_field dram_fields[] = {
	[D_BW] = CFG_D(struct dram_raw, bytes_per_cycle, "bandwidth_bytes_per_cycle", 0, 1e6, "0",
		       false, "0 = not modelled"),
	[D_WFMT] = CFG_E(struct dram_raw, weight_format, "weight_format", arch_weight_format_names,
			 ARCH_WFMT_COUNT, "dense", false, "dense | relative_index | auto"),
	[D_INDEX] = CFG_U(struct dram_raw, index_bits, "index_bits", 1, 16, NULL, false,
			  "relative_index: bits of a gap"),
	[D_FFMT] = CFG_E(struct dram_raw, fmap_format, "fmap_format", arch_fmap_format_names,
			 ARCH_FFMT_COUNT, "dense", false, "dense | rlc"),
	[D_RLC] = CFG_N(struct dram_raw, rlc, "rlc", CFG_MAP, false,
			"rlc: {run_bits, value_bits, word_bits}"),
};
static_assert(sizeof dram_fields / sizeof dram_fields[0] == D_COUNT, "one row per DRAM key");

static const struct cfg_field rlc_fields[] = {
	CFG_U(struct arch, rlc_run_bits, "run_bits", 1, 32, NULL, true, "bits of a zero run"),
	CFG_U(struct arch, rlc_value_bits, "value_bits", 1, 64, NULL, true, "bits of a value"),
	CFG_U(struct arch, rlc_word_bits, "word_bits", 2, 1024, NULL, true,
	      "DRAM word holding pairs plus a last bit"),
};

struct zeros_raw {
	int ifmap, weight;
};

static const struct cfg_field zeros_fields[] = {
	CFG_E(struct zeros_raw, ifmap, "ifmap", arch_zero_policy_names, ARCH_ZERO_COUNT, "none",
	      false, "zero input activations: none | gate | skip"),
	CFG_E(struct zeros_raw, weight, "weight", arch_zero_policy_names, ARCH_ZERO_COUNT, "none",
	      false, "zero weights: none | gate | skip"),
};

/* One row per dataflow, keyed by its name; each holds a {rf_bytes, glb_bytes} map. */
struct per_df_raw {
	const yaml_node_t *df[ARCH_DF_COUNT];
};

#define PER_DF_ROW(i, nm) \
	CFG_N(struct per_df_raw, df[i], nm, CFG_MAP, false, "{rf_bytes, glb_bytes}")
static const struct cfg_field per_df_fields[] = {
	PER_DF_ROW(ARCH_DF_RS, "rs"),
	PER_DF_ROW(ARCH_DF_WS, "ws"),
	PER_DF_ROW(ARCH_DF_OS, "os"),
	PER_DF_ROW(ARCH_DF_NLR, "nlr"),
};
static_assert(sizeof per_df_fields / sizeof per_df_fields[0] == ARCH_DF_COUNT,
	      "one per_dataflow row per dataflow");

static const struct cfg_field storage_fields[] = {
	CFG_U(struct arch_storage, rf_bytes, "rf_bytes", 0, 1 << 20, NULL, true,
	      "shared per-PE RF; 0 only for nlr"),
	CFG_U(struct arch_storage, glb_bytes, "glb_bytes", 1, TERA, NULL, true, "shared GLB"),
};

#define N_FIELDS(t) (sizeof(t) / sizeof((t)[0]))
#define BIT(i) (UINT64_C(1) << (i))

static int decode_rf(struct cfg_doc *doc, const yaml_node_t *map, struct arch *a,
		     struct sim_err *err)
{
	uint64_t present;
	if (cfg_decode(doc, map, rf_fields, RF_COUNT, a, &present, err))
		return SIM_ERR_CONFIG;
	const uint64_t split = BIT(RF_IFMAP) | BIT(RF_WEIGHT) | BIT(RF_PSUM);
	if ((present & split) && (present & BIT(RF_SIZE)))
		return cfg_err_at(err, doc, cfg_map_get(doc, map, "size_bytes"),
				  "rf: give either the scratchpads {ifmap_words, weight_words, "
				  "psum_words} or one shared RF {size_bytes}, not both");
	if (!present)
		return cfg_err_at(err, doc, map,
				  "rf: give either the scratchpads {ifmap_words, weight_words, "
				  "psum_words} or one shared RF {size_bytes}");
	a->rf_split = (present & split) != 0;
	if (a->rf_split) {
		for (int i = RF_IFMAP; i <= RF_PSUM; i++)
			if (!(present & BIT(i)))
				return cfg_err_at(err, doc, map,
						  "rf: the scratchpad form needs '%s' too",
						  rf_fields[i].key);
		return 0;
	}
	if ((uint64_t)a->rf_bytes * 8 < a->word_bits)
		return cfg_err_at(err, doc, cfg_map_get(doc, map, "size_bytes"),
				  "rf: %u bytes cannot hold one %u-bit word", a->rf_bytes,
				  a->word_bits);
	return 0;
}

static int decode_glb(struct cfg_doc *doc, const yaml_node_t *map, struct arch *a,
		      struct sim_err *err)
{
	if (cfg_decode(doc, map, glb_fields, N_FIELDS(glb_fields), a, NULL, err))
		return SIM_ERR_CONFIG;
	if (a->glb_weight_bytes >= a->glb_bytes)
		return cfg_err_at(err, doc, cfg_map_get(doc, map, "weight_bytes"),
				  "glb: weight_bytes (%llu) must be smaller than size_bytes (%llu), "
				  "which also holds the feature maps",
				  (unsigned long long)a->glb_weight_bytes,
				  (unsigned long long)a->glb_bytes);
	if (a->glb_bytes * 8 < a->word_bits)
		return cfg_err_at(err, doc, cfg_map_get(doc, map, "size_bytes"),
				  "glb: %llu bytes cannot hold one %u-bit word",
				  (unsigned long long)a->glb_bytes, a->word_bits);
	return 0;
}

/* Eyeriss RLC: each DRAM word holds as many (run, value) pairs as fit next to
 * one "last" bit, so at least one pair must fit in word_bits - 1. */
static int decode_rlc(struct cfg_doc *doc, const yaml_node_t *map, struct arch *a,
		      struct sim_err *err)
{
	if (cfg_decode(doc, map, rlc_fields, N_FIELDS(rlc_fields), a, NULL, err))
		return SIM_ERR_CONFIG;
	if (a->rlc_run_bits + a->rlc_value_bits > a->rlc_word_bits - 1)
		return cfg_err_at(err, doc, map,
				  "rlc: a pair of run_bits + value_bits = %u bits does not fit in "
				  "word_bits - 1 = %u (one bit marks the last word)",
				  a->rlc_run_bits + a->rlc_value_bits, a->rlc_word_bits - 1);
	if (a->rlc_value_bits < a->word_bits)
		return cfg_err_at(err, doc, cfg_map_get(doc, map, "value_bits"),
				  "rlc: value_bits (%u) is narrower than word_bits (%u); values "
				  "would be truncated", a->rlc_value_bits, a->word_bits);
	return 0;
}

static int decode_dram(struct cfg_doc *doc, const yaml_node_t *map, struct arch *a,
		       struct sim_err *err)
{
	struct dram_raw raw;
	memset(&raw, 0, sizeof raw);
	uint64_t present = 0;
	if (map && cfg_decode(doc, map, dram_fields, D_COUNT, &raw, &present, err))
		return SIM_ERR_CONFIG;
	a->dram_bytes_per_cycle = raw.bytes_per_cycle;
	a->weight_format = (enum arch_weight_format)raw.weight_format;
	a->fmap_format = (enum arch_fmap_format)raw.fmap_format;
	bool indexed = a->weight_format != ARCH_WFMT_DENSE;
	if (indexed && !(present & BIT(D_INDEX)))
		return cfg_err_at(err, doc, cfg_map_get(doc, map, "weight_format"),
				  "weight_format %s needs 'index_bits'",
				  arch_weight_format_names[a->weight_format]);
	if (!indexed && (present & BIT(D_INDEX)))
		return cfg_err_at(err, doc, cfg_map_get(doc, map, "index_bits"),
				  "'index_bits' applies only to weight_format relative_index or auto");
	a->weight_index_bits = raw.index_bits;
	if (a->fmap_format == ARCH_FFMT_RLC && !raw.rlc)
		return cfg_err_at(err, doc, cfg_map_get(doc, map, "fmap_format"),
				  "fmap_format rlc needs an 'rlc' section "
				  "{run_bits, value_bits, word_bits}");
	if (a->fmap_format != ARCH_FFMT_RLC && raw.rlc)
		return cfg_err_at(err, doc, cfg_map_get(doc, map, "rlc"),
				  "'rlc' applies only to fmap_format rlc");
	return raw.rlc ? decode_rlc(doc, raw.rlc, a, err) : 0;
}

static int decode_zeros(struct cfg_doc *doc, const yaml_node_t *map, struct arch *a,
			struct sim_err *err)
{
	struct zeros_raw raw;
	memset(&raw, 0, sizeof raw);
	if (map && cfg_decode(doc, map, zeros_fields, N_FIELDS(zeros_fields), &raw, NULL, err))
		return SIM_ERR_CONFIG;
	a->ifmap_zeros = (enum arch_zero_policy)raw.ifmap;
	a->weight_zeros = (enum arch_zero_policy)raw.weight;
	return 0;
}

/* The per-dataflow split only makes sense for the ISCA 2016 form of the
 * hardware: one shared RF per PE and one shared GLB. */
static int decode_per_dataflow(struct cfg_doc *doc, const yaml_node_t *map, struct arch *a,
			       struct sim_err *err)
{
	if (!a->rf_split && a->glb_weight_bytes == 0)
		a->per_dataflow[a->dataflow] = (struct arch_storage){true, a->rf_bytes, a->glb_bytes};
	if (!map)
		return 0;
	if (a->rf_split || a->glb_weight_bytes)
		return cfg_err_at(err, doc, map,
				  "per_dataflow needs a shared RF (rf: {size_bytes}) and a shared GLB "
				  "(no weight_bytes)");
	struct per_df_raw raw;
	memset(&raw, 0, sizeof raw);
	if (cfg_decode(doc, map, per_df_fields, ARCH_DF_COUNT, &raw, NULL, err))
		return SIM_ERR_CONFIG;
	for (int df = 0; df < ARCH_DF_COUNT; df++) {
		if (!raw.df[df])
			continue;
		struct arch_storage s = {true, 0, 0};
		if (cfg_decode(doc, raw.df[df], storage_fields, N_FIELDS(storage_fields), &s, NULL,
			       err))
			return SIM_ERR_CONFIG;
		const yaml_node_t *rf = cfg_map_get(doc, raw.df[df], "rf_bytes");
		if (s.rf_bytes == 0 && df != ARCH_DF_NLR)
			return cfg_err_at(err, doc, rf,
					  "per_dataflow.%s: rf_bytes 0 (no RF) is only possible for "
					  "nlr", arch_dataflow_names[df]);
		if (s.rf_bytes && (uint64_t)s.rf_bytes * 8 < a->word_bits)
			return cfg_err_at(err, doc, rf,
					  "per_dataflow.%s: %u bytes cannot hold one %u-bit word",
					  arch_dataflow_names[df], s.rf_bytes, a->word_bits);
		if (df == (int)a->dataflow &&
		    (s.rf_bytes != a->rf_bytes || s.glb_bytes != a->glb_bytes))
			return cfg_err_at(err, doc, raw.df[df],
					  "per_dataflow.%s must match the file's own rf size_bytes "
					  "(%u) and glb size_bytes (%llu), since dataflow is %s",
					  arch_dataflow_names[df], a->rf_bytes,
					  (unsigned long long)a->glb_bytes, arch_dataflow_names[df]);
		a->per_dataflow[df] = s;
	}
	return 0;
}

static int decode_arch(struct cfg_doc *doc, void *ctx, struct sim_err *err)
{
	struct arch *a = ctx;
	struct arch_top top;
	memset(&top, 0, sizeof top);
	if (cfg_decode(doc, cfg_doc_root(doc), top_fields, N_FIELDS(top_fields), &top, NULL, err))
		return SIM_ERR_CONFIG;
	memcpy(a->name, top.name, sizeof a->name);
	a->dataflow = (enum arch_dataflow)top.dataflow;
	a->word_bits = top.word_bits;
	a->clock_mhz = top.clock_mhz;
	if (cfg_decode(doc, top.pe_array, pe_fields, N_FIELDS(pe_fields), a, NULL, err) ||
	    decode_glb(doc, top.glb, a, err) || decode_rf(doc, top.rf, a, err) ||
	    decode_dram(doc, top.dram, a, err) || decode_zeros(doc, top.zeros, a, err) ||
	    decode_per_dataflow(doc, top.per_dataflow, a, err) ||
	    (top.noc && cfg_decode(doc, top.noc, noc_fields, N_FIELDS(noc_fields), a, NULL, err)))
		return SIM_ERR_CONFIG;
	if (top.target) {
		struct target_raw t;
		memset(&t, 0, sizeof t);
		if (cfg_decode(doc, top.target, target_fields, N_FIELDS(target_fields), &t, NULL, err))
			return SIM_ERR_CONFIG;
		a->has_target = true;
		a->parallelism = (enum arch_parallelism)t.parallelism;
		a->simd_width = t.simd_width;
	}
	return 0;
}

int arch_load(struct arch *a, const char *path, struct sim_err *err)
{
	memset(a, 0, sizeof *a);
	snprintf(a->path, sizeof a->path, "%s", path);
	return cfg_doc_decode(path, NULL, decode_arch, a, err);
}

int arch_load_string(struct arch *a, const char *name, const char *text, struct sim_err *err)
{
	memset(a, 0, sizeof *a);
	snprintf(a->path, sizeof a->path, "%s", name);
	return cfg_doc_decode(name, text, decode_arch, a, err);
}

int arch_set_dataflow(struct arch *a, enum arch_dataflow df, struct sim_err *err)
{
	if ((unsigned)df >= ARCH_DF_COUNT)
		return sim_err_set(err, SIM_ERR_USAGE, NULL, 0, 0, "unknown dataflow %d", (int)df);
	a->dataflow = df;
	const struct arch_storage *s = &a->per_dataflow[df];
	if (s->given) {
		a->rf_split = false;
		a->rf_bytes = s->rf_bytes;
		a->glb_bytes = s->glb_bytes;
		a->glb_weight_bytes = 0;
	}
	return 0;
}

uint32_t arch_pe_count(const struct arch *a)
{
	return a->pe_rows * a->pe_cols;
}

uint64_t arch_rf_bits(const struct arch *a)
{
	if (a->rf_split)
		return ((uint64_t)a->rf_ifmap_words + a->rf_weight_words + a->rf_psum_words) *
		       a->word_bits;
	return (uint64_t)a->rf_bytes * 8;
}

static const struct cfg_section arch_sections[] = {
	CFG_SECTION("", top_fields, NULL),
	CFG_SECTION("pe_array", pe_fields, NULL),
	CFG_SECTION("glb", glb_fields,
		    "`weight_bytes` must be smaller than `size_bytes`, and the GLB must hold at "
		    "least one `word_bits` word."),
	CFG_SECTION("rf", rf_fields,
		    "Exactly one form: the three scratchpads in words (all three), or one "
		    "shared RF in bytes (`size_bytes`)."),
	CFG_SECTION("dram", dram_fields,
		    "`relative_index` needs `index_bits` (and dense weights must not give it); "
		    "`fmap_format: rlc` needs the `rlc` section (and dense maps must not give it)."),
	CFG_SECTION("dram.rlc", rlc_fields,
		    "A pair must fit beside the \"last\" bit: `run_bits + value_bits <= "
		    "word_bits - 1`, and `value_bits >= word_bits` of the architecture."),
	CFG_SECTION("zeros", zeros_fields,
		    "`gate`: a zero operand gates the MAC and the other operand's RF read "
		    "(energy saved, no cycle); `skip`: the cycle is saved too."),
	CFG_SECTION("per_dataflow", per_df_fields,
		    "Only with a shared RF and a shared GLB; the file's own dataflow, if listed, "
		    "must repeat its `rf`/`glb` sizes."),
	CFG_SECTION("per_dataflow.<dataflow>", storage_fields, NULL),
};
const struct cfg_schema arch_schema =
	CFG_SCHEMA("arch", "Architecture (`configs/arch/*.yaml`, `--arch`)", arch_sections);
