/* Architecture files: the shipped configurations decode to the published
 * hardware (REFERENCE section 3), derived quantities agree with a second
 * computation, and arch_set_dataflow applies the equal-area storage split. */
#include <string.h>

#include "arch/arch.h"
#include "test.h"

static void load_ok(struct arch *a, const char *path)
{
	struct sim_err err;
	sim_err_clear(&err);
	int rc = arch_load(a, path, &err);
	if (rc)
		sim_err_print(&err, stderr);
	CU_ASSERT_EQUAL_FATAL(rc, 0);
}

static void test_eyeriss_chip(void)
{
	struct arch a;
	load_ok(&a, "configs/arch/eyeriss-chip.yaml");
	CU_ASSERT_STRING_EQUAL(a.name, "eyeriss-chip");
	CU_ASSERT_EQUAL(a.dataflow, ARCH_DF_RS);
	CU_ASSERT_EQUAL(arch_pe_count(&a), 168);
	CU_ASSERT(a.pe_rows == 12 && a.pe_cols == 14);
	/* 108 kB GLB: 25 banks of 4 kB for ifmaps/psums plus 8 kB for filters. */
	CU_ASSERT_EQUAL(a.glb_bytes, 25 * 4096 + 8192);
	CU_ASSERT_EQUAL(a.glb_weight_bytes, 8192);
	CU_ASSERT(a.rf_split);
	CU_ASSERT(a.rf_ifmap_words == 12 && a.rf_weight_words == 224 && a.rf_psum_words == 24);
	CU_ASSERT_EQUAL(arch_rf_bits(&a), (12 + 224 + 24) * 16);
	CU_ASSERT_EQUAL(a.word_bits, 16);
	CU_ASSERT_EQUAL(a.fmap_format, ARCH_FFMT_RLC);
	CU_ASSERT_EQUAL(a.weight_format, ARCH_WFMT_DENSE);
	/* Three (5 + 16)-bit pairs and one last bit make exactly one 64-bit word. */
	CU_ASSERT_EQUAL(3 * (a.rlc_run_bits + a.rlc_value_bits) + 1, a.rlc_word_bits);
	CU_ASSERT_EQUAL(a.ifmap_zeros, ARCH_ZERO_GATE);
	CU_ASSERT_EQUAL(a.weight_zeros, ARCH_ZERO_NONE);
	/* A split RF or partitioned GLB has no equal-area entries. */
	for (int df = 0; df < ARCH_DF_COUNT; df++)
		CU_ASSERT_FALSE(a.per_dataflow[df].given);
}

/* ISCA 2016 Eq. 2: the RS baseline is #PE x 512 B of RF plus #PE x 512 B of GLB. */
static void check_isca(const char *path, uint32_t pes)
{
	struct arch a;
	load_ok(&a, path);
	CU_ASSERT_EQUAL(arch_pe_count(&a), pes);
	CU_ASSERT_FALSE(a.rf_split);
	CU_ASSERT_EQUAL(a.rf_bytes, 512);
	CU_ASSERT_EQUAL(a.glb_bytes, (uint64_t)pes * 512);
	CU_ASSERT_EQUAL(a.word_bits, 16);
	for (int df = 0; df < ARCH_DF_COUNT; df++)
		CU_ASSERT(a.per_dataflow[df].given);
	/* NLR has no RF; every other dataflow keeps at least one word per PE. */
	CU_ASSERT_EQUAL(a.per_dataflow[ARCH_DF_NLR].rf_bytes, 0);
	/* Dataflows with smaller RFs get larger GLBs (same area). */
	for (int df = 0; df < ARCH_DF_COUNT; df++)
		for (int other = 0; other < ARCH_DF_COUNT; other++)
			if (a.per_dataflow[df].rf_bytes < a.per_dataflow[other].rf_bytes)
				CU_ASSERT(a.per_dataflow[df].glb_bytes >
					  a.per_dataflow[other].glb_bytes);
	/* The GLB grows by at most the paper's 2.6x (rounded: 336/128 = 2.63). */
	CU_ASSERT(a.per_dataflow[ARCH_DF_NLR].glb_bytes <= (uint64_t)(2.65 * pes * 512));
}

static void test_isca16(void)
{
	check_isca("configs/arch/eyeriss-isca16-256.yaml", 256);
	check_isca("configs/arch/eyeriss-isca16-1024.yaml", 1024);
}

static void test_set_dataflow(void)
{
	struct arch a;
	struct sim_err err;
	load_ok(&a, "configs/arch/eyeriss-isca16-256.yaml");
	CU_ASSERT_EQUAL(arch_set_dataflow(&a, ARCH_DF_NLR, &err), 0);
	CU_ASSERT_EQUAL(a.dataflow, ARCH_DF_NLR);
	CU_ASSERT_EQUAL(a.rf_bytes, 0);
	CU_ASSERT_EQUAL(a.glb_bytes, 344064);
	CU_ASSERT_EQUAL(arch_set_dataflow(&a, ARCH_DF_RS, &err), 0);
	CU_ASSERT_EQUAL(a.rf_bytes, 512);
	CU_ASSERT_EQUAL(a.glb_bytes, 131072);
	CU_ASSERT_NOT_EQUAL(arch_set_dataflow(&a, ARCH_DF_COUNT, &err), 0);
	CU_ASSERT_EQUAL(err.code, SIM_ERR_USAGE);

	/* Without a per_dataflow entry the storage is kept as it is. */
	load_ok(&a, "configs/arch/eyeriss-chip.yaml");
	CU_ASSERT_EQUAL(arch_set_dataflow(&a, ARCH_DF_WS, &err), 0);
	CU_ASSERT_EQUAL(a.dataflow, ARCH_DF_WS);
	CU_ASSERT(a.rf_split && a.glb_bytes == 110592 && a.glb_weight_bytes == 8192);
}

static void test_tpu_like(void)
{
	struct arch a;
	load_ok(&a, "configs/arch/tpu-like-ws.yaml");
	CU_ASSERT_EQUAL(a.dataflow, ARCH_DF_WS);
	CU_ASSERT_EQUAL(a.word_bits, 8);
	/* 1/64 of the TPU v1's 256 x 256 MACs and of its 24 + 4 MiB of buffers. */
	CU_ASSERT_EQUAL((uint64_t)arch_pe_count(&a) * 64, 256u * 256);
	CU_ASSERT_EQUAL((a.glb_bytes - a.glb_weight_bytes) * 64, (uint64_t)28 << 20);
	CU_ASSERT(a.dram_bytes_per_cycle > 0.6 && a.dram_bytes_per_cycle < 0.7);
	CU_ASSERT_EQUAL(a.fmap_format, ARCH_FFMT_DENSE);
}

static void test_defaults_and_formats(void)
{
	const char *text = "name: t\ndataflow: os\nword_bits: 8\nclock_mhz: 100\n"
			   "pe_array: {rows: 2, cols: 3}\nglb: {size_bytes: 1024}\n"
			   "rf: {size_bytes: 16}\n"
			   "dram: {weight_format: relative_index, index_bits: 4}\n";
	struct arch a;
	struct sim_err err;
	CU_ASSERT_EQUAL_FATAL(arch_load_string(&a, "t.yaml", text, &err), 0);
	CU_ASSERT_EQUAL(a.weight_format, ARCH_WFMT_RELATIVE_INDEX);
	CU_ASSERT_EQUAL(a.weight_index_bits, 4);
	CU_ASSERT_EQUAL(a.fmap_format, ARCH_FFMT_DENSE);
	CU_ASSERT_EQUAL(a.ifmap_zeros, ARCH_ZERO_NONE);
	CU_ASSERT_EQUAL(a.glb_weight_bytes, 0);
	CU_ASSERT_EQUAL(a.dram_bytes_per_cycle, 0);
	CU_ASSERT_EQUAL(arch_rf_bits(&a), 128);
	/* The file's own dataflow is recorded as its equal-area point. */
	CU_ASSERT(a.per_dataflow[ARCH_DF_OS].given && a.per_dataflow[ARCH_DF_OS].rf_bytes == 16);
	CU_ASSERT_FALSE(a.per_dataflow[ARCH_DF_RS].given);
}

/* A missing file is an I/O error; an error in a string names the string. */
static void test_errors(void)
{
	struct arch a;
	struct sim_err err;
	CU_ASSERT_EQUAL(arch_load(&a, "configs/arch/no-such-file.yaml", &err), SIM_ERR_IO);
	CU_ASSERT_STRING_EQUAL(err.file, "configs/arch/no-such-file.yaml");
	CU_ASSERT_EQUAL(arch_load_string(&a, "s.yaml", "name: x\ndataflow: rs\n", &err),
			SIM_ERR_CONFIG);
	CU_ASSERT_STRING_EQUAL(err.file, "s.yaml");
	CU_ASSERT(err.line == 1 && err.col == 1 && strstr(err.msg, "missing required key") != NULL);
}

static const struct test_case cases[] = {
	{"Eyeriss chip file matches JSSC 2017", test_eyeriss_chip},
	{"ISCA 2016 setups follow Eq. 2 and equal area", test_isca16},
	{"arch_set_dataflow applies per-dataflow storage", test_set_dataflow},
	{"TPU-like file is the stated 1/64 scaling", test_tpu_like},
	{"defaults and weight formats", test_defaults_and_formats},
	{"I/O and string errors", test_errors},
};
TEST_SUITE(arch_arch, cases);
