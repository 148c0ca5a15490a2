/* Structural edits: shrinking LeNet-5's layers and factorising them give the
 * shapes, weight and MAC counts worked out by hand from the layer definitions,
 * and the edits refuse the layers whose nodes cannot leave the network. */
#include <string.h>

#include "test.h"
#include "workload/network_edit.h"

static void load(struct wl_network *net, const char *path)
{
	struct sim_err err;
	CU_ASSERT_EQUAL_FATAL(wl_network_load(net, path, &err), 0);
}

static void test_shrink_lenet5(void)
{
	struct wl_network net, out;
	load(&net, "configs/networks/lenet-5.yaml");
	uint32_t ch[16] = {0};
	int conv1 = wl_network_find(&net, "conv1"), conv2 = wl_network_find(&net, "conv2");
	int ip1 = wl_network_find(&net, "ip1"), ip2 = wl_network_find(&net, "ip2");
	CU_ASSERT_EQUAL(wl_node_reader(&net, conv1), conv2);
	CU_ASSERT_EQUAL(wl_node_reader(&net, conv2), ip1);
	CU_ASSERT_EQUAL(wl_node_reader(&net, ip1), ip2);
	CU_ASSERT_EQUAL(wl_node_reader(&net, ip2), -1);
	ch[conv1] = 7;
	ch[conv2] = 13;
	ch[ip1] = 40;
	struct sim_err err;
	CU_ASSERT_EQUAL_FATAL(wl_network_shrink(&net, ch, &out, &err), 0);
	/* conv1 1->7 5x5: 175 weights; conv2 7->13 5x5: 2275; ip1 13*4*4 -> 40;
	 * ip2 40 -> 10. */
	CU_ASSERT_EQUAL(wl_layer_weights(&out.layers[conv1]), 7u * 25);
	CU_ASSERT_EQUAL(wl_layer_weights(&out.layers[conv2]), 13u * 7 * 25);
	CU_ASSERT_EQUAL(wl_layer_weights(&out.layers[ip1]), 40u * 13 * 16);
	CU_ASSERT_EQUAL(wl_layer_weights(&out.layers[ip2]), 10u * 40);
	CU_ASSERT_EQUAL(wl_layer_macs(&out.layers[conv2]), 13u * 7 * 25 * 8 * 8);
	CU_ASSERT_EQUAL(out.layers[conv1 + 1].out.c, 7u); /* pool1 carries the channels */
	CU_ASSERT_EQUAL(out.layers[ip2].out.c, 10u);
	CU_ASSERT(wl_network_is_chain(&out));
	wl_network_deinit(&out);
	/* The output layer keeps its classes. */
	memset(ch, 0, sizeof ch);
	ch[ip2] = 5;
	CU_ASSERT_NOT_EQUAL(wl_network_shrink(&net, ch, &out, &err), 0);
	wl_network_deinit(&out);
	wl_network_deinit(&net);
}

static void test_node_prunable(void)
{
	struct wl_network alex, squeeze;
	load(&alex, "configs/networks/alexnet.yaml");
	load(&squeeze, "configs/networks/squeezenet-v1.0.yaml");
	char why[160];
	/* conv2 has 2 groups, and it reads conv1 */
	CU_ASSERT(!wl_node_prunable(&alex, wl_network_find(&alex, "conv1"), why, sizeof why));
	CU_ASSERT_PTR_NOT_NULL(strstr(why, "which reads"));
	CU_ASSERT(!wl_node_prunable(&alex, wl_network_find(&alex, "conv2"), why, sizeof why));
	CU_ASSERT(wl_node_prunable(&alex, wl_network_find(&alex, "fc6"), why, sizeof why));
	CU_ASSERT(!wl_node_prunable(&alex, wl_network_find(&alex, "fc8"), why, sizeof why));
	CU_ASSERT(!wl_node_prunable(&squeeze, 0, why, sizeof why));
	CU_ASSERT_PTR_NOT_NULL(strstr(why, "not a chain"));
	wl_network_deinit(&alex);
	wl_network_deinit(&squeeze);
}

static void test_factor_lenet5(void)
{
	struct wl_network net, out;
	load(&net, "configs/networks/lenet-5.yaml");
	uint32_t rank[16] = {0};
	int conv2 = wl_network_find(&net, "conv2"), ip1 = wl_network_find(&net, "ip1");
	rank[conv2] = 8;
	rank[ip1] = 20;
	int first[16];
	struct sim_err err;
	CU_ASSERT_EQUAL_FATAL(wl_network_factor(&net, rank, &out, first, &err), 0);
	CU_ASSERT_EQUAL(out.n_layers, net.n_layers + 2);
	const struct wl_layer *cv = &out.layers[first[conv2]], *cu = &out.layers[first[conv2] + 1];
	const struct wl_layer *fv = &out.layers[first[ip1]], *fu = &out.layers[first[ip1] + 1];
	CU_ASSERT_STRING_EQUAL(cv->name, "conv2_v");
	CU_ASSERT_STRING_EQUAL(cu->name, "conv2_u");
	CU_ASSERT_STRING_EQUAL(fu->name, "ip1_u");
	/* conv2_v: 20 -> 8 maps, 5x5, 12 -> 8; conv2_u: 1x1, 8 -> 50 over 8x8. */
	CU_ASSERT_EQUAL(wl_layer_weights(cv), 8u * 20 * 25);
	CU_ASSERT_EQUAL(wl_layer_macs(cv), 8u * 20 * 25 * 64);
	CU_ASSERT_EQUAL(wl_layer_weights(cu), 50u * 8);
	CU_ASSERT(cu->out.h == 8 && cu->out.w == 8 && cu->kernel == 1 && cu->bias && !cv->bias);
	/* ip1: 800 -> 20 -> 500 */
	CU_ASSERT_EQUAL(wl_layer_weights(fv), 20u * 800);
	CU_ASSERT_EQUAL(wl_layer_weights(fu), 500u * 20);
	CU_ASSERT_EQUAL(out.layers[out.n_layers - 1].out.c, 10u);
	CU_ASSERT(wl_network_is_chain(&out));
	wl_network_deinit(&out);
	wl_network_deinit(&net);
}

static const struct test_case cases[] = {
	{"node shrink of LeNet-5: shapes, weights and MACs by hand", test_shrink_lenet5},
	{"node pruning refuses output, grouped and non-chain layers", test_node_prunable},
	{"low-rank split of LeNet-5's conv2 and ip1: shapes by hand", test_factor_lenet5},
};
TEST_SUITE(workload_network_edit, cases);
