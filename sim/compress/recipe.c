/* Recipe decoding (see recipe.h). Three field tables (top level, `prune`,
 * `quantize`) decoded by cfg_decode; cross-field rules (a density method needs
 * a profile, a threshold method a positive quality, more than one step only
 * for iterative and gradual schedules) are checked afterwards and reported at
 * the node that breaks them. */
#include "compress/recipe.h"

#include <assert.h>
#include <string.h>

#include "cfg/cfg.h"

const char *const cmp_method_names[CMP_PRUNE_METHOD_COUNT] = {"none", "density", "threshold"};
static_assert(CMP_PRUNE_METHOD_COUNT == 3, "one name per method");
const char *const cmp_schedule_names[CMP_SCHED_COUNT] = {"oneshot", "iterative", "gradual"};
static_assert(CMP_SCHED_COUNT == 3, "one name per schedule");
const char *const cmp_quant_names[CMP_QUANT_COUNT] = {"none", "kmeans", "linear"};
static_assert(CMP_QUANT_COUNT == 3, "one name per quantisation");
const char *const cmp_granularity_names[CMP_GRAN_COUNT] = {"profile", "0d", "1d", "2d", "3d"};
static_assert(CMP_GRAN_COUNT == 5 && WL_GRAN_3D == 3, "profile, then the granularities 0d-3d");

struct top_raw {
	char name[64];
	const yaml_node_t *prune, *quant;
	bool huffman;
	uint32_t index_bits, batch;
	double weight_decay;
	uint64_t seed;
};

static const struct cfg_field top_fields[] = {
	CFG_S(struct top_raw, name, "name", NULL, true, "recipe name"),
	CFG_N(struct top_raw, prune, "prune", CFG_MAP, true, "pruning stage"),
	CFG_N(struct top_raw, quant, "quantize", CFG_MAP, true, "quantisation stage"),
	CFG_B(struct top_raw, huffman, "huffman", "true", false, "Huffman-code both streams"),
	CFG_U(struct top_raw, index_bits, "index_bits", 1, 16, "5", false,
	      "bits of the relative index"),
	CFG_U(struct top_raw, batch, "batch", 1, 4096, "64", false, "retraining mini-batch"),
	CFG_D(struct top_raw, weight_decay, "weight_decay", 0, 1, "5e-4", false,
	      "L2 coefficient while retraining"),
	CFG_U(struct top_raw, seed, "seed", 0, 4294967295.0, "1", false, "retraining shuffle seed"),
};

enum { P_METHOD, P_PROFILE, P_QUALITY, P_NORM, P_GRAN, P_BLOCK, P_SCHED, P_STEPS, P_EPOCHS,
       P_LR, P_DEAD, P_COUNT };
static const struct cfg_field prune_fields[] = {
	[P_METHOD] = CFG_E(struct cmp_prune_recipe, method, "method", cmp_method_names,
			   CMP_PRUNE_METHOD_COUNT, NULL, true, "none | density | threshold"),
	[P_PROFILE] = CFG_PATH(struct cmp_prune_recipe, profile, "profile", CFG_PATH_FILE, NULL,
			       false, "sparsity profile with per-layer densities"),
	[P_QUALITY] = CFG_D(struct cmp_prune_recipe, quality, "quality", 0, 100, "0", false,
			    "threshold = quality * std-dev of the layer"),
	[P_NORM] = CFG_E(struct cmp_prune_recipe, norm, "norm", prune_norm_names, PRUNE_NORM_COUNT,
			 "l2", false, "group ranking norm"),
	[P_GRAN] = CFG_E(struct cmp_prune_recipe, conv_granularity, "conv_granularity",
			 cmp_granularity_names, CMP_GRAN_COUNT, "profile", false,
			 "CONV group: profile | 0d | 1d | 2d | 3d"),
	[P_BLOCK] = CFG_U(struct cmp_prune_recipe, fc_block, "fc_block", 1, 1 << 20, "4", false,
			  "row-block length of FC layers at 1d"),
	[P_SCHED] = CFG_E(struct cmp_prune_recipe, schedule, "schedule", cmp_schedule_names,
			  CMP_SCHED_COUNT, "oneshot", false, "oneshot | iterative | gradual"),
	[P_STEPS] = CFG_U(struct cmp_prune_recipe, steps, "steps", 1, 1000, "1", false,
			  "prune/retrain rounds (iterative) or pruning events (gradual)"),
	[P_EPOCHS] = CFG_U(struct cmp_prune_recipe, epochs, "epochs", 0, 1000, "1", false,
			   "retraining epochs"),
	[P_LR] = CFG_D(struct cmp_prune_recipe, lr, "lr", 1e-9, 10, "0.01", false,
		       "retraining learning rate"),
	[P_DEAD] = CFG_B(struct cmp_prune_recipe, remove_dead, "remove_dead", "true", false,
			 "remove neurons left without inputs or outputs"),
};
static_assert(sizeof prune_fields / sizeof prune_fields[0] == P_COUNT, "one row per key");

static const struct cfg_field quant_fields[] = {
	CFG_E(struct cmp_quant_recipe, kind, "kind", cmp_quant_names, CMP_QUANT_COUNT, NULL, true,
	      "none | kmeans | linear"),
	CFG_U(struct cmp_quant_recipe, bits_conv, "bits_conv", 2, 16, "8", false,
	      "weight bits of CONV layers"),
	CFG_U(struct cmp_quant_recipe, bits_fc, "bits_fc", 2, 16, "5", false,
	      "weight bits of FC layers"),
	CFG_E(struct cmp_quant_recipe, init, "init", km_init_names, KM_INIT_COUNT, "linear", false,
	      "k-means initialisation"),
	CFG_U(struct cmp_quant_recipe, epochs, "epochs", 0, 1000, "1", false,
	      "centroid fine-tuning epochs"),
	CFG_D(struct cmp_quant_recipe, lr, "lr", 1e-9, 10, "0.001", false,
	      "fine-tuning learning rate"),
	CFG_U(struct cmp_quant_recipe, act_bits, "activation_bits", 0, 16, "0", false,
	      "CONV/FC input bits at inference (0: float)"),
};

static int decode(struct cfg_doc *doc, struct cmp_recipe *r, struct sim_err *err)
{
	struct top_raw t;
	memset(&t, 0, sizeof t);
	memset(r, 0, sizeof *r);
	yaml_node_t *root = cfg_doc_root(doc);
	if (cfg_expect_map(doc, root, "a recipe", err) ||
	    cfg_decode(doc, root, top_fields, sizeof top_fields / sizeof top_fields[0], &t, NULL,
		       err))
		return SIM_ERR_CONFIG;
	uint64_t present;
	if (cfg_decode(doc, t.prune, prune_fields, P_COUNT, &r->prune, &present, err) ||
	    cfg_decode(doc, t.quant, quant_fields, sizeof quant_fields / sizeof quant_fields[0],
		       &r->quant, NULL, err))
		return SIM_ERR_CONFIG;
	const struct cmp_prune_recipe *p = &r->prune;
	const yaml_node_t *method = cfg_map_get(doc, t.prune, "method");
	if (p->method == CMP_PRUNE_DENSITY && !p->profile[0])
		return cfg_err_at(err, doc, method, "method 'density' needs a 'profile'");
	if (p->method == CMP_PRUNE_THRESHOLD && !(p->quality > 0))
		return cfg_err_at(err, doc, method, "method 'threshold' needs a 'quality' > 0");
	if (p->schedule == CMP_SCHED_ONESHOT && p->steps > 1)
		return cfg_err_at(err, doc, cfg_map_get(doc, t.prune, "steps"),
				  "a oneshot schedule has one step, got %u", p->steps);
	if (p->schedule == CMP_SCHED_GRADUAL && p->epochs < 1)
		return cfg_err_at(err, doc, cfg_map_get(doc, t.prune, "schedule"),
				  "a gradual schedule prunes while training: 'epochs' must be >= 1");
	if ((present >> P_PROFILE & 1) && p->method != CMP_PRUNE_DENSITY)
		return cfg_err_at(err, doc, cfg_map_get(doc, t.prune, "profile"),
				  "'profile' applies only to method 'density'");
	snprintf(r->name, sizeof r->name, "%s", t.name);
	r->huffman = t.huffman;
	r->index_bits = t.index_bits;
	r->batch = t.batch;
	r->weight_decay = t.weight_decay;
	r->seed = t.seed;
	return 0;
}

int cmp_recipe_load(struct cmp_recipe *r, const char *path, struct sim_err *err)
{
	struct cfg_doc doc;
	if (cfg_doc_load(&doc, path, err))
		return SIM_ERR_CONFIG;
	int rc = decode(&doc, r, err);
	cfg_doc_deinit(&doc);
	return rc;
}

int cmp_recipe_load_string(struct cmp_recipe *r, const char *name, const char *text,
			   struct sim_err *err)
{
	struct cfg_doc doc;
	if (cfg_doc_load_string(&doc, name, text, err))
		return SIM_ERR_CONFIG;
	int rc = decode(&doc, r, err);
	cfg_doc_deinit(&doc);
	return rc;
}

static const struct cfg_section recipe_sections[] = {
	CFG_SECTION("", top_fields, NULL),
	CFG_SECTION("prune", prune_fields,
		    "`density` needs `profile`; `threshold` needs `quality` > 0."),
	CFG_SECTION("quantize", quant_fields, NULL),
};
const struct cfg_schema cmp_recipe_schema =
	CFG_SCHEMA("recipe",
		   "Compression recipe (`experiments/recipes/*.yaml`, `esim compress --recipe`)",
		   recipe_sections);
