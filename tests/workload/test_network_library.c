/* The network library: each shipped network file is compared twice, against
 * weights and MACs recomputed here from the architecture as the papers
 * describe it (an independent hand computation), and against the published
 * totals (REFERENCE section 4 and the papers cited in each file). */
#include <string.h>

#include "test.h"
#include "workload/network.h"

struct totals {
	uint64_t weights, macs;
};

static struct totals load_totals(const char *path, struct wl_network *net)
{
	struct sim_err err;
	struct totals t = {0, 0};
	sim_err_clear(&err);
	int rc = wl_network_load(net, path, &err);
	if (rc)
		sim_err_print(&err, stderr);
	CU_ASSERT_EQUAL_FATAL(rc, 0);
	for (int i = 0; i < net->n_layers; i++) {
		t.weights += wl_layer_weights(&net->layers[i]);
		t.macs += wl_layer_macs(&net->layers[i]);
	}
	return t;
}

/* Adds a k x k convolution (cin/groups -> cout) on an out x out output. */
static void conv(struct totals *t, uint64_t cin, uint64_t cout, uint64_t k, uint64_t groups,
		 uint64_t out)
{
	uint64_t w = cin / groups * cout * k * k;
	t->weights += w;
	t->macs += w * out * out;
}

static void test_vgg16(void)
{
	struct wl_network net;
	struct totals got = load_totals("configs/networks/vgg16.yaml", &net);
	static const uint64_t ch[] = {64, 64, 128, 128, 256, 256, 256, 512, 512, 512, 512, 512, 512};
	static const uint64_t size[] = {224, 224, 112, 112, 56, 56, 56, 28, 28, 28, 14, 14, 14};
	struct totals want = {0, 0};
	uint64_t cin = 3;
	for (int i = 0; i < 13; i++) {
		conv(&want, cin, ch[i], 3, 1, size[i]);
		cin = ch[i];
	}
	conv(&want, 512 * 7 * 7, 4096, 1, 1, 1);
	conv(&want, 4096, 4096, 1, 1, 1);
	conv(&want, 4096, 1000, 1, 1, 1);
	CU_ASSERT_EQUAL(got.weights, want.weights);
	CU_ASSERT_EQUAL(got.macs, want.macs);
	/* Published: 138 M weights, about 15.3-15.5 G MACs. */
	CU_ASSERT(got.weights > 138000000 && got.weights < 138500000);
	CU_ASSERT(got.macs > 15200000000ull && got.macs < 15600000000ull);
	int n_conv = 0, n_fc = 0;
	for (int i = 0; i < net.n_layers; i++) {
		n_conv += net.layers[i].type == WL_CONV;
		n_fc += net.layers[i].type == WL_FC;
	}
	CU_ASSERT(n_conv == 13 && n_fc == 3);
	CU_ASSERT(wl_network_is_chain(&net));
	wl_network_deinit(&net);
}

static void test_squeezenet(void)
{
	struct wl_network net;
	struct totals got = load_totals("configs/networks/squeezenet-v1.0.yaml", &net);
	/* fire module: squeeze s (1x1), expand e (1x1) and e (3x3), output 2e. */
	static const struct {
		uint64_t s, e, size;
	} fire[] = {{16, 64, 55}, {16, 64, 55}, {32, 128, 55}, {32, 128, 27},
		    {48, 192, 27}, {48, 192, 27}, {64, 256, 27}, {64, 256, 13}};
	struct totals want = {0, 0};
	uint64_t bias = 96 + 1000;
	conv(&want, 3, 96, 7, 1, 111);
	uint64_t cin = 96;
	for (int i = 0; i < 8; i++) {
		conv(&want, cin, fire[i].s, 1, 1, fire[i].size);
		conv(&want, fire[i].s, fire[i].e, 1, 1, fire[i].size);
		conv(&want, fire[i].s, fire[i].e, 3, 1, fire[i].size);
		bias += fire[i].s + 2 * fire[i].e;
		cin = 2 * fire[i].e;
	}
	conv(&want, 512, 1000, 1, 1, 13);
	CU_ASSERT_EQUAL(got.weights, want.weights);
	CU_ASSERT_EQUAL(got.macs, want.macs);
	/* Published: 1.25 M parameters (1,248,424 with biases). */
	CU_ASSERT_EQUAL(got.weights + bias, 1248424);
	int cat = wl_network_find(&net, "fire9_concat");
	CU_ASSERT_FATAL(cat >= 0);
	CU_ASSERT(net.layers[cat].out.c == 512 && net.layers[cat].out.h == 13);
	CU_ASSERT_EQUAL(net.layers[net.n_layers - 1].out.c, 1000);
	CU_ASSERT_EQUAL(net.layers[net.n_layers - 1].out.h, 1);
	CU_ASSERT_FALSE(wl_network_is_chain(&net));
	wl_network_deinit(&net);
}

static void test_mobilenet(void)
{
	struct wl_network net;
	struct totals got = load_totals("configs/networks/mobilenet-v1.yaml", &net);
	static const struct {
		uint64_t cout, stride;
	} blk[] = {{64, 1}, {128, 2}, {128, 1}, {256, 2}, {256, 1}, {512, 2}, {512, 1},
		   {512, 1}, {512, 1}, {512, 1}, {512, 1}, {1024, 2}, {1024, 1}};
	struct totals want = {0, 0};
	uint64_t size = 112, cin = 32;
	conv(&want, 3, 32, 3, 1, size);
	for (int i = 0; i < 13; i++) {
		size /= blk[i].stride;
		conv(&want, cin, cin, 3, cin, size);    /* depthwise */
		conv(&want, cin, blk[i].cout, 1, 1, size); /* pointwise */
		cin = blk[i].cout;
	}
	conv(&want, 1024, 1000, 1, 1, 1);
	CU_ASSERT_EQUAL(got.weights, want.weights);
	CU_ASSERT_EQUAL(got.macs, want.macs);
	/* Published (Howard 2017 Table 1/8): 4.2 M parameters, 569 M mult-adds. */
	CU_ASSERT(got.weights > 4150000 && got.weights < 4250000);
	CU_ASSERT(got.macs > 564000000 && got.macs < 574000000);
	/* Depthwise: groups equal to channels, one input channel per group. */
	struct wl_conv_shape s = wl_layer_conv_shape(&net.layers[wl_network_find(&net, "dw13")]);
	CU_ASSERT(s.G == 1024 && s.C == 1 && s.M == 1 && s.E == 7);
	wl_network_deinit(&net);
}

static void test_resnet18(void)
{
	struct wl_network net;
	struct totals got = load_totals("configs/networks/resnet-18.yaml", &net);
	struct totals want = {0, 0};
	conv(&want, 3, 64, 7, 1, 112);
	uint64_t cin = 64, size = 56;
	static const uint64_t ch[] = {64, 128, 256, 512};
	for (int st = 0; st < 4; st++) {
		if (st > 0) {
			size /= 2;
			conv(&want, cin, ch[st], 1, 1, size); /* projection shortcut */
		}
		conv(&want, cin, ch[st], 3, 1, size);
		conv(&want, ch[st], ch[st], 3, 1, size);
		conv(&want, ch[st], ch[st], 3, 1, size);
		conv(&want, ch[st], ch[st], 3, 1, size);
		cin = ch[st];
	}
	conv(&want, 512, 1000, 1, 1, 1);
	CU_ASSERT_EQUAL(got.weights, want.weights);
	CU_ASSERT_EQUAL(got.macs, want.macs);
	/* Published: 11.7 M parameters, 1.8 G multiply-adds. */
	CU_ASSERT(got.weights > 11600000 && got.weights < 11700000);
	CU_ASSERT(got.macs > 1780000000ull && got.macs < 1850000000ull);
	int add = wl_network_find(&net, "res5b_add");
	CU_ASSERT_FATAL(add >= 0);
	CU_ASSERT(net.layers[add].type == WL_ADD && net.layers[add].out.c == 512 &&
		  net.layers[add].out.h == 7);
	wl_network_deinit(&net);
}

/* GoogLeNet (Szegedy et al. 2015, Table 1): recounted from the table's
 * columns, and the 6.99 M weights of the CVPR 2017 energy-aware pruning
 * table (REFERENCE section 8). */
static void test_googlenet(void)
{
	struct wl_network net;
	struct totals got = load_totals("configs/networks/googlenet.yaml", &net);
	/* #1x1, #3x3 reduce, #3x3, #5x5 reduce, #5x5, pool proj, map size */
	static const uint64_t inc[9][7] = {
		{64, 96, 128, 16, 32, 32, 28},    {128, 128, 192, 32, 96, 64, 28},
		{192, 96, 208, 16, 48, 64, 14},   {160, 112, 224, 24, 64, 64, 14},
		{128, 128, 256, 24, 64, 64, 14},  {112, 144, 288, 32, 64, 64, 14},
		{256, 160, 320, 32, 128, 128, 14}, {256, 160, 320, 32, 128, 128, 7},
		{384, 192, 384, 48, 128, 128, 7},
	};
	struct totals want = {0, 0};
	conv(&want, 3, 64, 7, 1, 112);
	conv(&want, 64, 64, 1, 1, 56);
	conv(&want, 64, 192, 3, 1, 56);
	uint64_t cin = 192;
	for (int i = 0; i < 9; i++) {
		const uint64_t *m = inc[i];
		conv(&want, cin, m[0], 1, 1, m[6]);
		conv(&want, cin, m[1], 1, 1, m[6]);
		conv(&want, m[1], m[2], 3, 1, m[6]);
		conv(&want, cin, m[3], 1, 1, m[6]);
		conv(&want, m[3], m[4], 5, 1, m[6]);
		conv(&want, cin, m[5], 1, 1, m[6]);
		cin = m[0] + m[2] + m[4] + m[5];
	}
	conv(&want, 1024, 1000, 1, 1, 1);
	CU_ASSERT_EQUAL(got.weights, want.weights);
	CU_ASSERT_EQUAL(got.macs, want.macs);
	CU_ASSERT(got.weights >= 6985000 && got.weights < 6995000); /* 6.99 M */
	int cat = wl_network_find(&net, "i5b_concat");
	CU_ASSERT_FATAL(cat >= 0);
	CU_ASSERT(net.layers[cat].out.c == 1024 && net.layers[cat].out.h == 7);
	CU_ASSERT_EQUAL(net.layers[wl_network_find(&net, "pool2")].out.h, 28);
	CU_ASSERT_EQUAL(net.layers[net.n_layers - 1].out.c, 1000);
	CU_ASSERT_FALSE(wl_network_is_chain(&net));
	wl_network_deinit(&net);
}

static const struct test_case cases[] = {
	{"GoogLeNet: inception modules and 6.99 M weights", test_googlenet},
	{"VGG-16: hand count and published totals", test_vgg16},
	{"SqueezeNet v1.0: fire modules and 1.25 M parameters", test_squeezenet},
	{"MobileNet v1: depthwise layers, 4.2 M weights, 569 M MACs", test_mobilenet},
	{"ResNet-18: residual adds, 11.7 M weights, 1.8 G MACs", test_resnet18},
};
TEST_SUITE(workload_network_library, cases);
