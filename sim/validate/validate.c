/* Validation against published figures (see validate.h).
 *
 * A check names its inputs (network, architecture, energy table, batch,
 * sparsity) and the published values; esim recomputes each value with the
 * same mapper and model as `esim energy` and `esim storage`. The relative
 * error of a row is |esim - published| / published, or the distance to the
 * nearer end of a published range. A row passes when its error is within the
 * check's tolerance; the goal is what the model aims at and is reported
 * beside it, so a row between the two is visible without failing. */
#include "validate/validate.h"

#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_rng.h>

#include "arch/arch.h"
#include "arch/energy.h"
#include "cfg/cfg.h"
#include "compress/storage.h"
#include "core/mem.h"
#include "mapper/network_eval.h"
#include "workload/network.h"
#include "workload/sparsity.h"

enum vkind { VK_LAYER_ENERGY, VK_DATAFLOW_RATIO, VK_ENERGY_RATIO, VK_STORAGE, VK_COUNT };
static const char *const kind_names[VK_COUNT] = {"layer_energy", "dataflow_ratio",
						  "energy_ratio", "storage"};
static_assert(VK_COUNT == 4, "one name per kind");

enum vlayers { VL_ALL, VL_CONV, VL_FC, VL_COUNT };
static const char *const layers_names[VL_COUNT] = {"all", "conv", "fc"};
static_assert(VL_COUNT == 3, "one name per layer filter");

enum vmetric { VM_ENERGY, VM_MACS, VM_COUNT };
static const char *const metric_names[VM_COUNT] = {"energy", "macs_effective"};
static_assert(VM_COUNT == 2, "one name per metric");

/* "arch" keeps the architecture file's dataflow. */
static const char *const df_names[ARCH_DF_COUNT + 1] = {"arch", "rs", "ws", "os", "nlr"};
static_assert(ARCH_DF_COUNT == 4, "dataflow names follow arch_dataflow_names");

struct check {
	char name[48];
	int kind;
	char source[512];
	double goal, tolerance;
	char network[256], arch[256], energy[256], sparsity[256];
	uint32_t batch;
	int dataflow, layers, metric;
	double unit, min, max, resolution;
	uint32_t wbits, ibits;
	uint64_t seed;
	const yaml_node_t *values, *numerator, *denominator, *published;
};

enum {
	F_NAME, F_KIND, F_SOURCE, F_GOAL, F_TOL, F_NET, F_ARCH, F_ENERGY, F_SPARSITY, F_BATCH,
	F_DF, F_LAYERS, F_METRIC, F_UNIT, F_MIN, F_MAX, F_WBITS, F_IBITS, F_SEED, F_VALUES,
	F_NUM, F_DEN, F_PUB, F_RES, F_COUNT
};
#define C struct check
static const struct cfg_field check_fields[] = {
	[F_NAME] = CFG_S(C, name, "name", NULL, true, "name of the check"),
	[F_KIND] = CFG_E(C, kind, "kind", kind_names, VK_COUNT, NULL, true,
			 "layer_energy | dataflow_ratio | energy_ratio | storage"),
	[F_SOURCE] = CFG_S(C, source, "source", NULL, true, "where the published values are"),
	[F_GOAL] = CFG_D(C, goal, "goal", 0, 10, "0.02", false, "relative error aimed at"),
	[F_TOL] = CFG_D(C, tolerance, "tolerance", 0, 10, NULL, true,
			"relative error past which a row fails"),
	[F_NET] = CFG_PATH(C, network, "network", CFG_PATH_FILE, "", false, "network file"),
	[F_ARCH] = CFG_PATH(C, arch, "arch", CFG_PATH_FILE, "", false, "architecture file"),
	[F_ENERGY] = CFG_PATH(C, energy, "energy", CFG_PATH_FILE, "", false, "energy table"),
	[F_SPARSITY] = CFG_PATH(C, sparsity, "sparsity", CFG_PATH_FILE, "", false,
				"sparsity profile (default dense)"),
	[F_BATCH] = CFG_U(C, batch, "batch", 1, 4096, "1", false, "batch size"),
	[F_DF] = CFG_E(C, dataflow, "dataflow", df_names, ARCH_DF_COUNT + 1, "arch", false,
		       "dataflow (arch = as the architecture file says)"),
	[F_LAYERS] = CFG_E(C, layers, "layers", layers_names, VL_COUNT, "all", false,
			   "which CONV/FC layers count: all | conv | fc"),
	[F_METRIC] = CFG_E(C, metric, "metric", metric_names, VM_COUNT, "energy", false,
			   "energy | macs_effective"),
	[F_UNIT] = CFG_D(C, unit, "unit", 1e-30, 1e30, "1", false,
			 "published values are in units of this many table units"),
	[F_MIN] = CFG_D(C, min, "min", 0, 1e30, NULL, false, "lower end of a published range"),
	[F_MAX] = CFG_D(C, max, "max", 0, 1e30, NULL, false, "upper end (absent: no upper end)"),
	[F_WBITS] = CFG_U(C, wbits, "wbits", 1, 16, NULL, false, "weight code bits"),
	[F_IBITS] = CFG_U(C, ibits, "ibits", 1, 16, NULL, false, "relative-index bits"),
	[F_SEED] = CFG_U(C, seed, "seed", 0, 4294967295.0, "1", false, "seed of the random masks"),
	[F_VALUES] = CFG_N(C, values, "values", CFG_MAP, false, "published values"),
	[F_NUM] = CFG_N(C, numerator, "numerator", CFG_MAP, false, "{network, sparsity}"),
	[F_DEN] = CFG_N(C, denominator, "denominator", CFG_MAP, false, "{network, sparsity}"),
	[F_PUB] = CFG_N(C, published, "published", CFG_MAP, false, "{numerator, denominator}"),
	[F_RES] = CFG_D(C, resolution, "resolution", 0, 1e30, "0", false,
			"step the published values are rounded to: each stands for +-step/2"),
};
#undef C
static_assert(sizeof check_fields / sizeof check_fields[0] == F_COUNT, "one row per key");

#define BIT(f) (UINT64_C(1) << (f))
#define COMMON \
	(BIT(F_NAME) | BIT(F_KIND) | BIT(F_SOURCE) | BIT(F_GOAL) | BIT(F_TOL) | BIT(F_RES))
#define HW (BIT(F_ARCH) | BIT(F_ENERGY) | BIT(F_BATCH))
/* Keys each kind needs and keys it accepts. */
static const uint64_t kind_required[VK_COUNT] = {
	[VK_LAYER_ENERGY] = BIT(F_NET) | BIT(F_ARCH) | BIT(F_ENERGY) | BIT(F_VALUES),
	[VK_DATAFLOW_RATIO] = BIT(F_NET) | BIT(F_ARCH) | BIT(F_ENERGY) | BIT(F_MIN),
	[VK_ENERGY_RATIO] = BIT(F_ARCH) | BIT(F_ENERGY) | BIT(F_NUM) | BIT(F_DEN) | BIT(F_PUB),
	[VK_STORAGE] = BIT(F_NET) | BIT(F_SPARSITY) | BIT(F_WBITS) | BIT(F_IBITS) | BIT(F_VALUES),
};
static const uint64_t kind_allowed[VK_COUNT] = {
	[VK_LAYER_ENERGY] = COMMON | HW | BIT(F_NET) | BIT(F_SPARSITY) | BIT(F_DF) | BIT(F_UNIT) |
			    BIT(F_VALUES),
	[VK_DATAFLOW_RATIO] = COMMON | HW | BIT(F_NET) | BIT(F_SPARSITY) | BIT(F_LAYERS) |
			      BIT(F_MIN) | BIT(F_MAX),
	[VK_ENERGY_RATIO] = COMMON | HW | BIT(F_DF) | BIT(F_LAYERS) | BIT(F_METRIC) | BIT(F_NUM) |
			    BIT(F_DEN) | BIT(F_PUB),
	[VK_STORAGE] = COMMON | BIT(F_NET) | BIT(F_SPARSITY) | BIT(F_WBITS) | BIT(F_IBITS) |
		       BIT(F_SEED) | BIT(F_VALUES),
};

/* One side of an energy ratio. */
struct side {
	char network[256], sparsity[256];
};
static const struct cfg_field side_fields[] = {
	CFG_PATH(struct side, network, "network", CFG_PATH_FILE, NULL, true, "network file"),
	CFG_PATH(struct side, sparsity, "sparsity", CFG_PATH_FILE, "", false,
		 "sparsity profile (default dense)"),
};

struct published_ratio {
	double numerator, denominator;
};
static const struct cfg_field pub_fields[] = {
	CFG_D(struct published_ratio, numerator, "numerator", 1e-30, 1e30, NULL, true,
	      "published value of the numerator"),
	CFG_D(struct published_ratio, denominator, "denominator", 1e-30, 1e30, NULL, true,
	      "published value of the denominator"),
};

/* Energy components of ISCA 2016 Fig. 10, in its order. */
enum comp { CP_ALU, CP_DRAM, CP_BUFFER, CP_ARRAY, CP_RF, CP_COUNT };
static const char *const comp_names[CP_COUNT] = {"alu", "dram", "buffer", "array", "rf"};
struct comp_values {
	double v[CP_COUNT];
};
static const struct cfg_field comp_fields[] = {
	CFG_D(struct comp_values, v[CP_ALU], "alu", 0, 1e30, NULL, false, "MAC energy"),
	CFG_D(struct comp_values, v[CP_DRAM], "dram", 0, 1e30, NULL, false, "DRAM energy"),
	CFG_D(struct comp_values, v[CP_BUFFER], "buffer", 0, 1e30, NULL, false, "GLB energy"),
	CFG_D(struct comp_values, v[CP_ARRAY], "array", 0, 1e30, NULL, false, "inter-PE energy"),
	CFG_D(struct comp_values, v[CP_RF], "rf", 0, 1e30, NULL, false, "RF energy"),
};
static_assert(sizeof comp_fields / sizeof comp_fields[0] == CP_COUNT, "one row per component");

struct ctx {
	struct validate_report *rep;
	int threads;
};

static int add_row(struct validate_report *rep, const struct check *c, const char *item,
		   double lo, double hi, double esim, int line, struct sim_err *err)
{
	if (rep->n == rep->cap) {
		int cap = rep->cap ? 2 * rep->cap : 32;
		struct validate_row *rows =
			sim_realloc(rep->rows, (size_t)cap * sizeof *rows, err);
		if (!rows)
			return SIM_ERR_NOMEM;
		rep->rows = rows;
		rep->cap = cap;
	}
	struct validate_row *r = &rep->rows[rep->n++];
	memset(r, 0, sizeof *r);
	snprintf(r->check, sizeof r->check, "%s", c->name);
	snprintf(r->item, sizeof r->item, "%s", item);
	/* a value rounded to a step stands for the interval around it */
	r->lo = lo - c->resolution / 2;
	r->hi = hi + c->resolution / 2;
	r->value = lo;
	r->range = lo != hi;
	r->resolution = c->resolution;
	r->esim = esim;
	r->goal = c->goal;
	r->tolerance = c->tolerance;
	r->line = line;
	return 0;
}

static int line_of(const yaml_node_t *node)
{
	return (int)node->start_mark.line + 1;
}

static bool layer_counts(const struct wl_layer *l, enum vlayers which)
{
	if (!wl_layer_has_weights(l))
		return false;
	return which == VL_ALL || (which == VL_CONV) == (l->type == WL_CONV);
}

/* Searches every CONV/FC layer of net selected by which; res (NULL or room
 * for net->n_layers results, indexed like the layers) receives each layer's
 * result; *energy and *macs the selected layers' sums. A layer without a
 * feasible mapping is an error positioned at the check. */
static int eval_net(const struct arch *a, const struct energy_table *t, const struct wl_network *net,
		    const struct wl_sparsity *sp, uint32_t batch, enum vlayers which, int threads,
		    const struct cfg_doc *doc, const yaml_node_t *at, struct access_layer_result *res,
		    double *energy, double *macs, struct sim_err *err)
{
	struct access_bits bits = access_bits_default(a);
	struct mapper_opts mo = {.objective = OBJ_ENERGY, .threads = threads};
	*energy = *macs = 0;
	for (int i = 0; i < net->n_layers; i++) {
		if (!layer_counts(&net->layers[i], which))
			continue;
		struct access_layer_in in = mapper_layer_in(net, sp, i, batch);
		struct access_layer_result r;
		int rc = mapper_search_layer(a, t, &bits, &in, a->dataflow, &mo, &r, NULL, err);
		if (rc)
			return rc;
		if (!r.ok)
			return cfg_err_at(err, doc, at, "%s layer %s on %s (%s): %s", net->name,
					  net->layers[i].name, a->name,
					  arch_dataflow_names[a->dataflow], r.why);
		*energy += r.energy_total;
		*macs += r.macs_effective;
		if (res)
			res[i] = r;
	}
	return 0;
}

/* Everything a check evaluates on: loaded files, owned here. */
struct inputs {
	struct arch arch;
	struct energy_table table;
	struct wl_network net;
	struct wl_sparsity sp;
	bool has_net, has_sp;
};

static void inputs_deinit(struct inputs *in)
{
	if (in->has_sp)
		wl_sparsity_deinit(&in->sp);
	if (in->has_net)
		wl_network_deinit(&in->net);
	in->has_sp = in->has_net = false;
}

static int load_net(struct inputs *in, const char *network, const char *sparsity,
		    struct sim_err *err)
{
	int rc = wl_network_load(&in->net, network, err);
	if (rc)
		return rc;
	in->has_net = true;
	rc = sparsity[0] ? wl_sparsity_load(&in->sp, &in->net, sparsity, err)
			 : wl_sparsity_dense(&in->sp, &in->net, err);
	if (!rc)
		in->has_sp = true;
	return rc;
}

static int load_hw(struct inputs *in, const struct check *c, struct sim_err *err)
{
	int rc = arch_load(&in->arch, c->arch, err);
	if (!rc)
		rc = energy_table_load(&in->table, c->energy, err);
	if (!rc && c->dataflow > 0)
		rc = arch_set_dataflow(&in->arch, (enum arch_dataflow)(c->dataflow - 1), err);
	return rc;
}

static double component(const struct access_layer_result *r, enum comp k)
{
	static const enum energy_level level[CP_COUNT] = {
		[CP_DRAM] = EN_DRAM, [CP_BUFFER] = EN_GLB, [CP_ARRAY] = EN_ARRAY, [CP_RF] = EN_RF};
	if (k == CP_ALU)
		return r->energy_mac;
	double e = 0;
	for (int t = 0; t < TY_COUNT; t++)
		e += r->energy[t][level[k]];
	return e;
}

/* The error for a layer key that names no CONV/FC layer of net. */
static int bad_layer(struct cfg_doc *doc, const yaml_node_t *key, const struct wl_network *net,
		     struct sim_err *err)
{
	const char *names[256];
	int n = 0;
	for (int i = 0; i < net->n_layers && n < 256; i++)
		if (wl_layer_has_weights(&net->layers[i]))
			names[n++] = net->layers[i].name;
	const char *s = cfg_scalar(key);
	if (!s || !n)
		return cfg_err_at(err, doc, key, "expected a layer name of %s", net->name);
	int near = cfg_closest(s, names, n);
	if (near < 0)
		return cfg_err_at(err, doc, key,
				  "%s has no CONV/FC layer '%s' (parts of a layer join with '+')",
				  net->name, s);
	return cfg_err_at(err, doc, key, "%s has no CONV/FC layer '%s' (did you mean '%s'?)",
			  net->name, s, names[near]);
}

/* Most parts a published layer key may join. */
#define KEY_PARTS 4

/* The CONV/FC layers a published key names: one layer, or parts joined by
 * '+' whose energies add up (a layer the paper's network runs as two towers,
 * e.g. "conv1_a+conv1_b"). Fills idx (up to max entries) and returns the
 * count, or -1 if a part names no CONV/FC layer. */
static int key_layers(const struct wl_network *net, const char *key, int *idx, int max)
{
	int n = 0;
	const char *p = key;
	while (p && *p) {
		const char *plus = strchr(p, '+');
		size_t len = plus ? (size_t)(plus - p) : strlen(p);
		char part[sizeof net->layers[0].name];
		if (n == max || len == 0 || len >= sizeof part)
			return -1;
		memcpy(part, p, len);
		part[len] = '\0';
		int li = wl_network_find(net, part);
		if (li < 0 || !wl_layer_has_weights(&net->layers[li]))
			return -1;
		idx[n++] = li;
		p = plus ? plus + 1 : NULL;
	}
	return n ? n : -1;
}

static int run_layer_energy(struct cfg_doc *doc, const struct check *c, struct ctx *x,
			    struct sim_err *err)
{
	struct inputs in = {0};
	struct access_layer_result *res = NULL;
	int rc = load_hw(&in, c, err);
	if (!rc)
		rc = load_net(&in, c->network, c->sparsity, err);
	if (rc)
		goto out;
	rc = SIM_ERR_NOMEM;
	if (!(res = sim_calloc((size_t)in.net.n_layers, sizeof *res, err)))
		goto out;
	/* validate the keys before the (slow) search */
	const yaml_node_t *v = c->values;
	for (yaml_node_pair_t *p = v->data.mapping.pairs.start; p < v->data.mapping.pairs.top; p++) {
		const yaml_node_t *key = yaml_document_get_node(&doc->doc, p->key);
		int parts[KEY_PARTS];
		if (!cfg_scalar(key) || key_layers(&in.net, cfg_scalar(key), parts, KEY_PARTS) < 0) {
			rc = bad_layer(doc, key, &in.net, err);
			goto out;
		}
	}
	double energy, macs;
	if ((rc = eval_net(&in.arch, &in.table, &in.net, &in.sp, c->batch, VL_ALL, x->threads, doc,
			   c->values, res, &energy, &macs, err)))
		goto out;
	for (yaml_node_pair_t *p = v->data.mapping.pairs.start; p < v->data.mapping.pairs.top; p++) {
		const yaml_node_t *key = yaml_document_get_node(&doc->doc, p->key);
		const yaml_node_t *val = yaml_document_get_node(&doc->doc, p->value);
		int parts[KEY_PARTS];
		int n_parts = key_layers(&in.net, cfg_scalar(key), parts, KEY_PARTS);
		struct comp_values cv;
		uint64_t present;
		if ((rc = cfg_decode(doc, val, comp_fields, CP_COUNT, &cv, &present, err)))
			goto out;
		for (int k = 0; k < CP_COUNT; k++) {
			if (!(present & BIT(k)))
				continue;
			char item[64];
			snprintf(item, sizeof item, "%s %s", cfg_scalar(key), comp_names[k]);
			const yaml_node_t *at = cfg_map_get(doc, val, comp_names[k]);
			double esim = 0;
			for (int i = 0; i < n_parts; i++)
				esim += component(&res[parts[i]], (enum comp)k);
			if ((rc = add_row(x->rep, c, item, cv.v[k], cv.v[k], esim / c->unit,
					  line_of(at), err)))
				goto out;
		}
	}
	rc = 0;
out:
	free(res);
	inputs_deinit(&in);
	return rc;
}

static int run_dataflow_ratio(struct cfg_doc *doc, const yaml_node_t *node, const struct check *c,
			      uint64_t present, struct ctx *x, struct sim_err *err)
{
	struct inputs in = {0};
	int rc = load_hw(&in, c, err);
	if (!rc)
		rc = load_net(&in, c->network, c->sparsity, err);
	double energy[ARCH_DF_COUNT], macs;
	for (int df = 0; !rc && df < ARCH_DF_COUNT; df++) {
		struct arch a = in.arch;
		rc = arch_set_dataflow(&a, (enum arch_dataflow)df, err);
		if (!rc)
			rc = eval_net(&a, &in.table, &in.net, &in.sp, c->batch,
				      (enum vlayers)c->layers, x->threads, doc, node, NULL,
				      &energy[df], &macs, err);
	}
	double hi = present & BIT(F_MAX) ? c->max : INFINITY;
	int line = line_of(cfg_map_get(doc, node, "min"));
	for (int df = ARCH_DF_WS; !rc && df < ARCH_DF_COUNT; df++) {
		char item[64];
		snprintf(item, sizeof item, "%s/rs %s layers", arch_dataflow_names[df],
			 layers_names[c->layers]);
		rc = add_row(x->rep, c, item, c->min, hi, energy[df] / energy[ARCH_DF_RS], line,
			     err);
	}
	inputs_deinit(&in);
	return rc;
}

static int load_side(struct cfg_doc *doc, const yaml_node_t *map, struct inputs *in,
		     struct side *s, struct sim_err *err)
{
	memset(s, 0, sizeof *s);
	int rc = cfg_decode(doc, map, side_fields, sizeof side_fields / sizeof side_fields[0], s,
			    NULL, err);
	return rc ? rc : load_net(in, s->network, s->sparsity, err);
}

static int run_energy_ratio(struct cfg_doc *doc, const struct check *c, struct ctx *x,
			    struct sim_err *err)
{
	struct inputs num = {0}, den = {0};
	struct side sn, sd;
	struct published_ratio pub;
	double e[2], m[2];
	int rc = cfg_decode(doc, c->published, pub_fields, 2, &pub, NULL, err);
	if (!rc)
		rc = load_hw(&num, c, err);
	if (!rc)
		rc = load_side(doc, c->numerator, &num, &sn, err);
	if (!rc)
		rc = load_side(doc, c->denominator, &den, &sd, err);
	if (!rc)
		rc = eval_net(&num.arch, &num.table, &num.net, &num.sp, c->batch,
			      (enum vlayers)c->layers, x->threads, doc, c->numerator, NULL, &e[0],
			      &m[0], err);
	if (!rc)
		rc = eval_net(&num.arch, &num.table, &den.net, &den.sp, c->batch,
			      (enum vlayers)c->layers, x->threads, doc, c->denominator, NULL, &e[1],
			      &m[1], err);
	if (!rc) {
		char item[64];
		/* each side is named by its sparsity profile, or its network if dense */
		snprintf(item, sizeof item, "%.24s/%.24s %s",
			 sn.sparsity[0] ? num.sp.name : num.net.name,
			 sd.sparsity[0] ? den.sp.name : den.net.name,
			 c->metric == VM_ENERGY ? "E" : "MACs");
		double ratio = c->metric == VM_ENERGY ? e[0] / e[1] : m[0] / m[1];
		double p = pub.numerator / pub.denominator;
		rc = add_row(x->rep, c, item, p, p, ratio, line_of(c->published), err);
	}
	inputs_deinit(&num);
	inputs_deinit(&den);
	return rc;
}

static int run_storage(struct cfg_doc *doc, const struct check *c, struct ctx *x,
		       struct sim_err *err)
{
	struct inputs in = {0};
	struct storage_layer *layers = NULL;
	gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
	int rc = rng ? load_net(&in, c->network, c->sparsity, err)
		     : sim_err_set(err, SIM_ERR_NOMEM, NULL, 0, 0, "cannot allocate an rng");
	if (rc)
		goto out;
	rc = SIM_ERR_NOMEM;
	if (!(layers = sim_calloc((size_t)in.net.n_layers, sizeof *layers, err)))
		goto out;
	gsl_rng_set(rng, c->seed);
	int n;
	/* FC blocks of 4 at 1-D, as `esim storage` does by default */
	if ((rc = storage_network_random(&in.net, &in.sp, c->wbits, c->wbits, c->ibits, 4, rng,
					 layers, &n, err)))
		goto out;
	const yaml_node_t *v = c->values;
	for (yaml_node_pair_t *p = v->data.mapping.pairs.start; p < v->data.mapping.pairs.top; p++) {
		const yaml_node_t *key = yaml_document_get_node(&doc->doc, p->key);
		const yaml_node_t *val = yaml_document_get_node(&doc->doc, p->value);
		const char *name = cfg_scalar(key);
		struct storage_row row;
		int li = -1;
		for (int i = 0; name && i < n; i++)
			if (strcmp(layers[i].name, name) == 0)
				li = i;
		if (name && strcmp(name, "total") == 0)
			storage_row_total(layers, n, &row);
		else if (li >= 0)
			storage_row_of_layer(&layers[li], &row);
		else {
			rc = bad_layer(doc, key, &in.net, err);
			goto out;
		}
		double published;
		if ((rc = cfg_parse_double(doc, val, 0, 100, &published, err)))
			goto out;
		char item[64];
		snprintf(item, sizeof item, "%s P+Q rate %%", name);
		if ((rc = add_row(x->rep, c, item, published, published, 100 * row.rate_pq,
				  line_of(val), err)))
			goto out;
	}
	rc = 0;
out:
	free(layers);
	gsl_rng_free(rng);
	inputs_deinit(&in);
	return rc;
}

static int run_check(struct cfg_doc *doc, const yaml_node_t *node, struct ctx *x,
		     struct sim_err *err)
{
	struct check c;
	memset(&c, 0, sizeof c);
	uint64_t present;
	int rc = cfg_decode(doc, node, check_fields, F_COUNT, &c, &present, err);
	if (rc)
		return rc;
	for (int f = 0; f < F_COUNT; f++) {
		const yaml_node_t *at = cfg_map_get(doc, node, check_fields[f].key);
		if ((present & BIT(f)) && !(kind_allowed[c.kind] & BIT(f)))
			return cfg_err_at(err, doc, at, "'%s' does not apply to a %s check",
					  check_fields[f].key, kind_names[c.kind]);
		if (!(present & BIT(f)) && (kind_required[c.kind] & BIT(f)))
			return cfg_err_at(err, doc, node, "a %s check needs '%s'",
					  kind_names[c.kind], check_fields[f].key);
	}
	if (c.goal > c.tolerance)
		return cfg_err_at(err, doc, cfg_map_get(doc, node, "goal"),
				  "goal %g is above the tolerance %g", c.goal, c.tolerance);
	if ((present & BIT(F_MAX)) && c.max < c.min)
		return cfg_err_at(err, doc, cfg_map_get(doc, node, "max"),
				  "max %g is below min %g", c.max, c.min);
	switch ((enum vkind)c.kind) {
	case VK_LAYER_ENERGY:
		return run_layer_energy(doc, &c, x, err);
	case VK_DATAFLOW_RATIO:
		return run_dataflow_ratio(doc, node, &c, present, x, err);
	case VK_ENERGY_RATIO:
		return run_energy_ratio(doc, &c, x, err);
	case VK_STORAGE:
	case VK_COUNT:
		break;
	}
	return run_storage(doc, &c, x, err);
}

static int decode(struct cfg_doc *doc, void *arg, struct sim_err *err)
{
	struct ctx *x = arg;
	const yaml_node_t *root = cfg_doc_root(doc);
	if (cfg_expect_map(doc, root, "a validation file", err))
		return SIM_ERR_CONFIG;
	const yaml_node_t *checks = cfg_map_get(doc, root, "checks");
	if (!checks)
		return cfg_err_at(err, doc, root, "a validation file needs 'checks'");
	if (cfg_expect_seq(doc, checks, "checks", err))
		return SIM_ERR_CONFIG;
	for (yaml_node_pair_t *p = root->data.mapping.pairs.start; p < root->data.mapping.pairs.top;
	     p++) {
		const yaml_node_t *key = yaml_document_get_node(&doc->doc, p->key);
		if (!cfg_scalar(key) || strcmp(cfg_scalar(key), "checks") != 0)
			return cfg_err_at(err, doc, key, "unknown key '%s' (a validation file has "
					  "only 'checks')", cfg_scalar(key) ? cfg_scalar(key) : "");
	}
	for (size_t i = 0; i < cfg_seq_len(checks); i++) {
		const yaml_node_t *item = cfg_seq_item(doc, checks, i);
		if (cfg_expect_map(doc, item, "a check", err))
			return SIM_ERR_CONFIG;
		int rc = run_check(doc, item, x, err);
		if (rc)
			return rc;
	}
	return 0;
}

int validate_run(const char *path, int threads, struct validate_report *rep, struct sim_err *err)
{
	memset(rep, 0, sizeof *rep);
	snprintf(rep->path, sizeof rep->path, "%s", path);
	struct ctx x = {rep, threads < 1 ? 1 : threads};
	int rc = cfg_doc_decode(path, NULL, decode, &x, err);
	if (rc)
		validate_report_deinit(rep);
	return rc;
}

void validate_report_deinit(struct validate_report *rep)
{
	free(rep->rows);
	rep->rows = NULL;
	rep->n = rep->cap = 0;
}

double validate_row_error(const struct validate_row *r)
{
	if (r->esim < r->lo)
		return (r->lo - r->esim) / r->lo;
	if (r->esim > r->hi)
		return (r->esim - r->hi) / r->hi;
	return 0;
}

static void format_published(const struct validate_row *r, char *buf, size_t n)
{
	if (!r->range)
		snprintf(buf, n, "%.4g", r->value);
	else if (isinf(r->hi))
		snprintf(buf, n, ">= %.3g", r->value);
	else
		snprintf(buf, n, "%.3g-%.3g", r->value, r->hi - r->resolution / 2);
}

int validate_report_print(const struct validate_report *rep, FILE *out)
{
	int failed = 0, goal = 0;
	fprintf(out, "%-18s %-30s %12s %12s %8s %6s %6s  %s\n", "check", "item", "published",
		"esim", "error", "goal", "tol", "status");
	for (int i = 0; i < rep->n; i++) {
		const struct validate_row *r = &rep->rows[i];
		double e = validate_row_error(r);
		const char *status = e <= r->goal ? "ok" : e <= r->tolerance ? "within tolerance"
									   : "FAIL";
		failed += e > r->tolerance;
		goal += e <= r->goal;
		char pub[32];
		format_published(r, pub, sizeof pub);
		fprintf(out, "%-18s %-30s %12s %12.4g %7.1f%% %5.0f%% %5.0f%%  %s", r->check,
			r->item, pub, r->esim, 100 * e, 100 * r->goal, 100 * r->tolerance, status);
		if (e > r->tolerance && r->line)
			fprintf(out, " (%s:%d)", rep->path, r->line);
		fputc('\n', out);
	}
	fprintf(out, "%d rows: %d within their goal, %d within tolerance only, %d failed\n", rep->n,
		goal, rep->n - goal - failed, failed);
	return failed;
}
