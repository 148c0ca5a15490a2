/* Scalpel's per-class rule on LeNet-5: low parallelism prunes every layer in
 * SIMD groups of the target's width, moderate prunes CONV nodes and FC SIMD
 * groups, high prunes nodes; the point's own width wins over the target's; a
 * target-less architecture is an error naming it. */
#include <string.h>

#include "sweep/scalpel.h"
#include "test.h"

static void test_classes(void)
{
	struct arch a;
	struct wl_network net;
	struct sim_err err;
	CU_ASSERT_EQUAL_FATAL(arch_load(&a, "configs/arch/mcu-m4.yaml", &err), 0);
	CU_ASSERT_EQUAL_FATAL(wl_network_load(&net, "configs/networks/lenet-5.yaml", &err), 0);
	CU_ASSERT(a.has_target && a.parallelism == ARCH_PAR_LOW && a.simd_width == 2);
	struct sweep_point p;
	memset(&p, 0, sizeof p);
	p.method = SWEEP_SCALPEL;
	p.granularity = SWEEP_GRAN_ARCH;
	enum wl_granularity g[8];
	uint32_t w = 0;
	const int conv2 = wl_network_find(&net, "conv2"), ip1 = wl_network_find(&net, "ip1");
	CU_ASSERT_EQUAL_FATAL(sweep_layer_granularity(&p, &a, &net, g, &w, "x", "p", &err), 0);
	CU_ASSERT(g[conv2] == WL_GRAN_SIMD && g[ip1] == WL_GRAN_SIMD && w == 2);
	a.parallelism = ARCH_PAR_MODERATE;
	p.simd_width = 8;
	CU_ASSERT_EQUAL_FATAL(sweep_layer_granularity(&p, &a, &net, g, &w, "x", "p", &err), 0);
	CU_ASSERT(g[conv2] == WL_GRAN_NODE && g[ip1] == WL_GRAN_SIMD && w == 8);
	a.parallelism = ARCH_PAR_HIGH;
	CU_ASSERT_EQUAL_FATAL(sweep_layer_granularity(&p, &a, &net, g, &w, "x", "p", &err), 0);
	CU_ASSERT(g[conv2] == WL_GRAN_NODE && g[ip1] == WL_GRAN_NODE);
	/* A fixed granularity applies to every layer. */
	p.granularity = WL_GRAN_1D;
	CU_ASSERT_EQUAL_FATAL(sweep_layer_granularity(&p, &a, &net, g, &w, "x", "p", &err), 0);
	CU_ASSERT(g[conv2] == WL_GRAN_1D && g[ip1] == WL_GRAN_1D);
	struct arch chip;
	CU_ASSERT_EQUAL_FATAL(arch_load(&chip, "configs/arch/tpu-like-ws.yaml", &err), 0);
	p.granularity = SWEEP_GRAN_ARCH;
	CU_ASSERT_NOT_EQUAL(sweep_layer_granularity(&p, &chip, &net, g, &w, "x", "p", &err), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "tpu-like-ws.yaml"));
	p.granularity = WL_GRAN_SIMD;
	p.simd_width = 0;
	CU_ASSERT_NOT_EQUAL(sweep_layer_granularity(&p, &chip, &net, g, &w, "x", "p", &err), 0);
	wl_network_deinit(&net);
}

static const struct test_case cases[] = {
	{"Scalpel's structure per parallelism class", test_classes},
};
TEST_SUITE(sweep_scalpel, cases);
