/* Network loading: shapes, weights and MACs checked against the published
 * totals (REFERENCE section 4) and against hand-computed layer sizes. */
#include <string.h>

#include "test.h"
#include "workload/network.h"

static void totals(const char *path, uint64_t *weights, uint64_t *macs, uint64_t *conv_macs)
{
	struct wl_network net;
	struct sim_err err;
	*weights = *macs = *conv_macs = 0;
	CU_ASSERT_EQUAL_FATAL(wl_network_load(&net, path, &err), 0);
	for (int i = 0; i < net.n_layers; i++) {
		*weights += wl_layer_weights(&net.layers[i]);
		*macs += wl_layer_macs(&net.layers[i]);
		if (net.layers[i].type == WL_CONV)
			*conv_macs += wl_layer_macs(&net.layers[i]);
	}
	wl_network_deinit(&net);
}

static void test_alexnet(void)
{
	uint64_t w, m, cm;
	totals("configs/networks/alexnet.yaml", &w, &m, &cm);
	/* 60.95 M weights, 724.4 M MACs, 665.8 M in CONV layers (Eyeriss papers). */
	CU_ASSERT(w >= 60945000 && w < 60955000);
	CU_ASSERT(m >= 724350000 && m < 724450000);
	CU_ASSERT(cm >= 665750000 && cm < 665850000);

	struct wl_network net;
	struct sim_err err;
	CU_ASSERT_EQUAL_FATAL(wl_network_load(&net, "configs/networks/alexnet.yaml", &err), 0);
	/* CONV2 in Eyeriss notation: H=31 R=5 U=1 C=48 M=128 G=2 E=27. */
	struct wl_conv_shape s = wl_layer_conv_shape(&net.layers[wl_network_find(&net, "conv2")]);
	CU_ASSERT(s.H == 31 && s.R == 5 && s.U == 1 && s.C == 48 && s.M == 128 && s.G == 2 &&
		  s.E == 27);
	s = wl_layer_conv_shape(&net.layers[wl_network_find(&net, "fc6")]);
	CU_ASSERT(s.C == 6 * 6 * 256 && s.M == 4096 && s.H == 1 && s.E == 1);
	CU_ASSERT(wl_network_is_chain(&net));
	wl_network_deinit(&net);
}

static void test_lenets(void)
{
	uint64_t w, m, cm;
	totals("configs/networks/lenet-300-100.yaml", &w, &m, &cm);
	CU_ASSERT_EQUAL(w, 266200);
	totals("configs/networks/lenet-5.yaml", &w, &m, &cm);
	CU_ASSERT_EQUAL(w, 430500);
	/* conv1 24*24*20*25 + conv2 8*8*50*20*25 + ip1 + ip2 */
	CU_ASSERT_EQUAL(m, 24u * 24 * 20 * 25 + 8u * 8 * 50 * 500 + 800u * 500 + 5000u);
}

static void test_branches(void)
{
	const char *text = "name: b\ninput: {channels: 4, height: 6, width: 6}\nlayers:\n"
			   "  - {name: s, type: conv, out_channels: 2, kernel: 1}\n"
			   "  - {name: e1, type: conv, out_channels: 3, kernel: 1}\n"
			   "  - {name: e3, type: conv, out_channels: 5, kernel: 3, padding: 1, from: s}\n"
			   "  - {name: cat, type: concat, from: [e1, e3]}\n"
			   "  - {name: gp, type: avgpool, kernel: 6}\n";
	struct wl_network net;
	struct sim_err err;
	CU_ASSERT_EQUAL_FATAL(wl_network_load_string(&net, "b.yaml", text, &err), 0);
	CU_ASSERT_EQUAL(net.layers[3].out.c, 8);
	CU_ASSERT_EQUAL(net.layers[2].in.c, 2);
	CU_ASSERT_EQUAL(net.layers[4].out.h, 1);
	CU_ASSERT_FALSE(wl_network_is_chain(&net));
	wl_network_deinit(&net);
}

static const struct test_case cases[] = {
	{"AlexNet totals match the Eyeriss papers", test_alexnet},
	{"LeNet weight and MAC counts", test_lenets},
	{"branching networks: from, concat, global pool", test_branches},
};
TEST_SUITE(workload_network, cases);
