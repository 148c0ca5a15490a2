/* Experiment files and their expansion into points (see experiment.h).
 * Point ids are 64-bit FNV-1a hashes of "key=value;" over the axis columns in
 * field-table order, written as 16 hex digits. */
#include "sweep/experiment.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "cfg/cfg.h"
#include "core/mem.h"

const char *const sweep_method_names[SWEEP_METHOD_COUNT] = {"magnitude", "energy-aware", "none",
							   "scalpel", "svd"};
static_assert(SWEEP_METHOD_COUNT == 5, "one name per method");
const char *const sweep_granularity_names[SWEEP_GRAN_COUNT] = {"0d", "1d", "2d", "3d", "simd",
							       "node", "arch"};
static_assert(SWEEP_GRAN_COUNT == 7 && WL_GRAN_COUNT == 6,
	      "the workload's granularities, then arch");
const char *const sweep_dataflow_names[SWEEP_DF_COUNT] = {"arch", "rs", "ws", "os", "nlr"};
static_assert(SWEEP_DF_COUNT == 5, "one name per dataflow choice");

const char *const sweep_wfmt_names[SWEEP_WFMT_COUNT] = {"arch", "dense", "relative_index",
							"auto"};
static_assert(SWEEP_WFMT_COUNT == 4, "one name per weight format choice");
const char *const sweep_zeros_names[SWEEP_ZEROS_COUNT] = {"arch", "none", "gate", "skip"};
static_assert(SWEEP_ZEROS_COUNT == 4, "one name per zero policy choice");

#define P struct sweep_point
static const struct cfg_field point_fields[] = {
	CFG_PATH(P, network, "network", CFG_PATH_FILE, NULL, true, "network file"),
	CFG_PATH(P, dataset, "dataset", CFG_PATH_DIR, "", false,
		 "IDX folder; absent for an energy-only sweep"),
	CFG_PATH(P, arch, "arch", CFG_PATH_FILE, NULL, true, "architecture file"),
	CFG_PATH(P, energy, "energy", CFG_PATH_FILE, NULL, true, "energy table file"),
	CFG_PATH(P, sparsity, "sparsity", CFG_PATH_FILE, "", false,
		 "fixed sparsity profile (energy-only sweeps)"),
	CFG_U(P, seed, "seed", 0, 1e15, "1", false, "seed for every random choice"),
	CFG_U(P, batch, "batch", 1, 4096, "1", false, "simulated batch size"),
	CFG_E(P, dataflow, "dataflow", sweep_dataflow_names, SWEEP_DF_COUNT, "arch", false,
	      "dataflow (arch = as the architecture file says)"),
	CFG_U(P, pe_rows, "pe_rows", 0, 1024, "0", false, "PE array rows (0 = as the architecture)"),
	CFG_U(P, pe_cols, "pe_cols", 0, 1024, "0", false, "PE array columns (0 = as the architecture)"),
	CFG_U(P, glb_bytes, "glb_bytes", 0, 1e12, "0", false, "GLB size (0 = as the architecture)"),
	CFG_U(P, rf_bytes, "rf_bytes", 0, 1 << 20, "0", false,
	      "shared RF bytes per PE (0 = as the architecture)"),
	CFG_E(P, weight_format, "weight_format", sweep_wfmt_names, SWEEP_WFMT_COUNT, "arch", false,
	      "DRAM weight storage (arch = as the architecture file says)"),
	CFG_U(P, weight_index_bits, "weight_index_bits", 0, 16, "0", false,
	      "relative-index bits (0 = as the architecture)"),
	CFG_E(P, weight_zeros, "weight_zeros", sweep_zeros_names, SWEEP_ZEROS_COUNT, "arch", false,
	      "what the PEs do with zero weights (arch = as the architecture)"),
	CFG_U(P, wbits, "wbits", 0, 32, "0", false,
	      "weight bits (0: float weights, the architecture's word in the simulator)"),
	CFG_U(P, abits, "abits", 0, 16, "0", false,
	      "activation bits (0: float inference, the architecture's word in the simulator)"),
	CFG_E(P, method, "method", sweep_method_names, SWEEP_METHOD_COUNT, "none", false,
	      "pruning method"),
	CFG_E(P, granularity, "granularity", sweep_granularity_names, SWEEP_GRAN_COUNT, "0d", false,
	      "pruning granularity (arch: per layer from the architecture's target)"),
	CFG_U(P, simd_width, "simd_width", 0, 1024, "0", false,
	      "weights per group at granularity simd (0 = the architecture's target)"),
	CFG_D(P, accuracy_bound, "accuracy_bound", 0, 100, "1", false,
	      "accuracy points the pruning may lose"),
	CFG_D(P, target_density, "target_density", 0.001, 1, "1", false,
	      "below 1: prune every CONV/FC layer to this density (no accuracy search)"),
	CFG_U(P, rounds, "rounds", 1, 100, "3", false, "prune + fine-tune rounds"),
	CFG_U(P, train_epochs, "train_epochs", 1, 1000, "10", false, "baseline training epochs"),
	CFG_U(P, train_images, "train_images", 0, 10000000, "0", false,
	      "training images kept after the validation split (0 = all); for quick runs"),
	CFG_U(P, train_batch, "train_batch", 1, 65536, "64", false, "training batch"),
	CFG_D(P, train_lr, "train_lr", 1e-6, 10, "0.01", false, "baseline learning rate"),
	CFG_U(P, finetune_epochs, "finetune_epochs", 0, 1000, "1", false,
	      "fine-tuning epochs after each pruning round"),
	CFG_U(P, finetune_images, "finetune_images", 100, 10000000, "20000", false,
	      "training images per fine-tuning epoch"),
	CFG_U(P, val_images, "val_images", 100, 1000000, "5000", false,
	      "held-out training images that decide the pruning (the decision set)"),
	CFG_U(P, check_images, "check_images", 0, 1000000, "5000", false,
	      "further held-out images that check each pruning round (0 = no check)"),
	CFG_D(P, decision_margin, "decision_margin", 0, 100, "0", false,
	      "accuracy points layer decisions keep above the floor"),
};
#undef P
enum { N_POINT_FIELDS = sizeof point_fields / sizeof point_fields[0] };
static_assert(N_POINT_FIELDS <= 64, "cfg_decode's presence mask has 64 bits");

/* Presence bit of the `granularity` row of point_fields. */
static uint64_t granularity_bit(void)
{
	return UINT64_C(1) << cfg_field_find(point_fields, N_POINT_FIELDS, "granularity");
}

struct exp_top {
	char name[64];
	const yaml_node_t *base, *axes, *points;
};
static const struct cfg_field top_fields[] = {
	CFG_S(struct exp_top, name, "name", NULL, true, "experiment name (results go to its folder)"),
	CFG_N(struct exp_top, base, "base", CFG_MAP, true, "the configuration every point starts from"),
	CFG_N(struct exp_top, axes, "axes", CFG_MAP, false, "fields to vary, as a cartesian product"),
	CFG_N(struct exp_top, points, "points", CFG_SEQ, false, "explicit list of points"),
};

const char *sweep_experiment_axis_name(const struct sweep_experiment *e, size_t a)
{
	return point_fields[e->axis_field[a]].key;
}

const char *sweep_experiment_value(const struct sweep_experiment *e, size_t p, size_t a)
{
	return e->values[p * e->n_axes + a];
}

void sweep_experiment_deinit(struct sweep_experiment *e)
{
	if (e->values)
		for (size_t i = 0; i < e->n_points * e->n_axes; i++)
			free(e->values[i]);
	free(e->values);
	free(e->points);
	free(e->ids);
	memset(e, 0, sizeof *e);
}

static uint64_t fnv1a(uint64_t h, const char *s)
{
	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 0x100000001b3ull;
	}
	return h;
}

/* Marks field f as an axis (keeping table order). */
static void add_axis(struct sweep_experiment *e, size_t f)
{
	for (size_t a = 0; a < e->n_axes; a++)
		if (e->axis_field[a] == f)
			return;
	size_t a = e->n_axes++;
	while (a > 0 && e->axis_field[a - 1] > f) {
		e->axis_field[a] = e->axis_field[a - 1];
		a--;
	}
	e->axis_field[a] = f;
}

static int alloc_points(struct sweep_experiment *e, size_t n, struct sim_err *err)
{
	e->n_points = n;
	e->points = sim_calloc(n, sizeof *e->points, err);
	e->ids = sim_calloc(n, sizeof *e->ids, err);
	if (!e->points || !e->ids)
		return SIM_ERR_NOMEM;
	return 0;
}

/* Method rules, once every point is decoded: scalpel prunes at the structure
 * the architecture calls for (granularity arch, which it takes when the point
 * gives none), and svd factorises layers and has no granularity (simd_width,
 * like weight_index_bits, matters only where it applies, so a base can give
 * it to the points that use it). explicit_gran[p]: point p's granularity was
 * written (in base, an axis or its entry). */
static int check_methods(struct cfg_doc *doc, struct sweep_experiment *e,
			 const yaml_node_t *const *origin, const bool *explicit_gran,
			 struct sim_err *err)
{
	for (size_t p = 0; p < e->n_points; p++) {
		struct sweep_point *pt = &e->points[p];
		if (pt->method == SWEEP_SCALPEL && !explicit_gran[p])
			pt->granularity = SWEEP_GRAN_ARCH;
		if (pt->method == SWEEP_SCALPEL && pt->granularity != SWEEP_GRAN_ARCH)
			return cfg_err_at(err, doc, origin[p],
					  "method scalpel takes each layer's granularity from the "
					  "architecture's target (granularity arch), not %s",
					  sweep_granularity_names[pt->granularity]);
		if (pt->method == SWEEP_SVD && explicit_gran[p] && pt->granularity != WL_GRAN_0D)
			return cfg_err_at(err, doc, origin[p],
					  "method svd factorises layers; granularity %s does not "
					  "apply to it", sweep_granularity_names[pt->granularity]);
	}
	return 0;
}

struct id_at {
	const char *id;
	size_t point;
};

static int cmp_id_at(const void *pa, const void *pb)
{
	const struct id_at *a = pa, *b = pb;
	int c = strcmp(a->id, b->id);
	return c ? c : (a->point > b->point) - (a->point < b->point);
}

/* The first point (in file order) whose id an earlier point already has, or
 * n when the ids are distinct. Sorting keeps this O(n log n): a short file
 * can expand to many points. */
static size_t first_repeat(const struct sweep_experiment *e, struct sim_err *err, int *rc)
{
	size_t n = e->n_points, first = n;
	*rc = 0;
	struct id_at *s = sim_calloc(n ? n : 1, sizeof *s, err);
	if (!s) {
		*rc = SIM_ERR_NOMEM;
		return n;
	}
	for (size_t p = 0; p < n; p++)
		s[p] = (struct id_at){e->ids[p], p};
	qsort(s, n, sizeof *s, cmp_id_at);
	for (size_t k = 1; k < n; k++)
		if (strcmp(s[k].id, s[k - 1].id) == 0 && s[k].point < first)
			first = s[k].point;
	free(s);
	return first;
}

/* Fills values and ids once every point is decoded; a repeated id means two
 * points with identical axis values, reported at the node that made the second. */
static int finish_points(struct cfg_doc *doc, struct sweep_experiment *e,
			 const yaml_node_t *const *origin, struct sim_err *err)
{
	e->values = sim_calloc(e->n_points * e->n_axes + 1, sizeof *e->values, err);
	if (!e->values)
		return SIM_ERR_NOMEM;
	for (size_t p = 0; p < e->n_points; p++) {
		uint64_t h = 0xcbf29ce484222325ull;
		for (size_t a = 0; a < e->n_axes; a++) {
			const struct cfg_field *f = &point_fields[e->axis_field[a]];
			char buf[SWEEP_PATH_MAX];
			cfg_format_value(f, &e->points[p], buf, sizeof buf);
			e->values[p * e->n_axes + a] = sim_strdup(buf, err);
			if (!e->values[p * e->n_axes + a])
				return SIM_ERR_NOMEM;
			h = fnv1a(fnv1a(fnv1a(fnv1a(h, f->key), "="), buf), ";");
		}
		snprintf(e->ids[p], sizeof e->ids[p], "%016llx", (unsigned long long)h);
	}
	int rc;
	size_t p = first_repeat(e, err, &rc);
	if (rc)
		return rc;
	if (p < e->n_points)
		return cfg_err_at(err, doc, origin[p],
				  "this point repeats an earlier one (same values on every axis)");
	return 0;
}

static int expand_axes(struct cfg_doc *doc, struct sweep_experiment *e, const yaml_node_t *axes,
		       bool base_gran, struct sim_err *err)
{
	size_t n_keys = (size_t)(axes->data.mapping.pairs.top - axes->data.mapping.pairs.start);
	if (n_keys == 0)
		return cfg_err_at(err, doc, axes, "'axes' is empty");
	size_t field_of[64];
	const yaml_node_t *lists[64];
	size_t total = 1;
	for (size_t k = 0; k < n_keys; k++) {
		yaml_node_pair_t *pair = &axes->data.mapping.pairs.start[k];
		yaml_node_t *key = yaml_document_get_node(&doc->doc, pair->key);
		yaml_node_t *list = yaml_document_get_node(&doc->doc, pair->value);
		const char *name = cfg_scalar(key);
		long f = name ? cfg_field_find(point_fields, N_POINT_FIELDS, name) : -1;
		if (f < 0)
			return cfg_err_unknown_key(doc, key, name ? name : "?", point_fields,
						   N_POINT_FIELDS, err);
		for (size_t j = 0; j < k; j++)
			if (field_of[j] == (size_t)f)
				return cfg_err_at(err, doc, key, "duplicate axis '%s'", name);
		if (cfg_expect_seq(doc, list, name, err))
			return SIM_ERR_CONFIG;
		size_t len = cfg_seq_len(list);
		if (len == 0)
			return cfg_err_at(err, doc, list, "axis '%s' has no values", name);
		if (total > SWEEP_MAX_POINTS / len)
			return cfg_err_at(err, doc, list, "the axes expand to more than %d points",
					  SWEEP_MAX_POINTS);
		total *= len;
		field_of[k] = (size_t)f;
		lists[k] = list;
		add_axis(e, (size_t)f);
	}
	if (alloc_points(e, total, err))
		return SIM_ERR_NOMEM;
	const yaml_node_t **origin = sim_calloc(total, sizeof *origin, err);
	bool *explicit_gran = sim_calloc(total, sizeof *explicit_gran, err);
	if (!origin || !explicit_gran) {
		free(origin);
		free(explicit_gran);
		return SIM_ERR_NOMEM;
	}
	int rc = 0;
	bool gran_axis = base_gran;
	for (size_t k = 0; k < n_keys; k++)
		gran_axis |= (UINT64_C(1) << field_of[k]) == granularity_bit();
	for (size_t p = 0; p < total && rc == 0; p++) {
		explicit_gran[p] = gran_axis;
		e->points[p] = e->base;
		size_t rest = p;
		/* The last axis varies fastest. */
		for (size_t k = n_keys; k-- > 0 && rc == 0;) {
			size_t len = cfg_seq_len(lists[k]);
			yaml_node_t *v = cfg_seq_item(doc, lists[k], rest % len);
			rest /= len;
			rc = cfg_decode_value(doc, v, &point_fields[field_of[k]], &e->points[p], err);
			origin[p] = v;
		}
	}
	if (rc == 0)
		rc = check_methods(doc, e, origin, explicit_gran, err);
	if (rc == 0)
		rc = finish_points(doc, e, origin, err);
	free(origin);
	free(explicit_gran);
	return rc;
}

static int expand_list(struct cfg_doc *doc, struct sweep_experiment *e, const yaml_node_t *list,
		       bool base_gran, struct sim_err *err)
{
	size_t n = cfg_seq_len(list);
	if (n == 0)
		return cfg_err_at(err, doc, list, "'points' is empty");
	if (alloc_points(e, n, err))
		return SIM_ERR_NOMEM;
	const yaml_node_t **origin = sim_calloc(n, sizeof *origin, err);
	bool *explicit_gran = sim_calloc(n, sizeof *explicit_gran, err);
	if (!origin || !explicit_gran) {
		free(origin);
		free(explicit_gran);
		return SIM_ERR_NOMEM;
	}
	int rc = 0;
	for (size_t p = 0; p < n && rc == 0; p++) {
		yaml_node_t *entry = cfg_seq_item(doc, list, p);
		origin[p] = entry;
		e->points[p] = e->base;
		/* Only the keys an entry gives are decoded: the rest stay as in base. */
		uint64_t present = 0;
		struct sweep_point scratch = e->base;
		struct cfg_field fields[N_POINT_FIELDS];
		memcpy(fields, point_fields, sizeof fields);
		for (size_t f = 0; f < N_POINT_FIELDS; f++) {
			fields[f].required = false;
			fields[f].def = NULL;
		}
		rc = cfg_decode(doc, entry, fields, N_POINT_FIELDS, &scratch, &present, err);
		if (rc == 0 && present == 0)
			rc = cfg_err_at(err, doc, entry, "a point must set at least one field");
		e->points[p] = scratch;
		explicit_gran[p] = base_gran || (present & granularity_bit());
		for (size_t f = 0; f < N_POINT_FIELDS && rc == 0; f++)
			if (present & (UINT64_C(1) << f))
				add_axis(e, f);
	}
	if (rc == 0)
		rc = check_methods(doc, e, origin, explicit_gran, err);
	if (rc == 0)
		rc = finish_points(doc, e, origin, err);
	free(origin);
	free(explicit_gran);
	return rc;
}

static int decode_experiment(struct cfg_doc *doc, struct sweep_experiment *e, struct sim_err *err)
{
	struct exp_top top;
	memset(&top, 0, sizeof top);
	uint64_t present;
	if (cfg_decode(doc, cfg_doc_root(doc), top_fields, 4, &top, &present, err))
		return SIM_ERR_CONFIG;
	memcpy(e->name, top.name, sizeof e->name);
	for (const char *c = e->name; *c; c++)
		if (!(*c == '-' || *c == '_' || *c == '.' || (*c >= '0' && *c <= '9') ||
		      (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z')))
			return cfg_err_at(err, doc, cfg_map_get(doc, cfg_doc_root(doc), "name"),
					  "name may hold only letters, digits, '-', '_' and '.'");
	uint64_t base_present = 0;
	if (cfg_decode(doc, top.base, point_fields, N_POINT_FIELDS, &e->base, &base_present, err))
		return SIM_ERR_CONFIG;
	bool base_gran = (base_present & granularity_bit()) != 0;
	if (top.axes && top.points)
		return cfg_err_at(err, doc, top.points, "give either 'axes' or 'points', not both");
	if (top.axes)
		return expand_axes(doc, e, top.axes, base_gran, err);
	if (top.points)
		return expand_list(doc, e, top.points, base_gran, err);
	/* No axes: a single point, the base itself. */
	if (alloc_points(e, 1, err))
		return SIM_ERR_NOMEM;
	e->points[0] = e->base;
	const yaml_node_t *origin = top.base;
	int rc = check_methods(doc, e, &origin, &base_gran, err);
	return rc ? rc : finish_points(doc, e, &origin, err);
}

/* cfg_doc_decode callback: decodes, and releases a half-built experiment on error. */
static int decode_cb(struct cfg_doc *doc, void *ctx, struct sim_err *err)
{
	struct sweep_experiment *e = ctx;
	int rc = decode_experiment(doc, e, err);
	if (rc)
		sweep_experiment_deinit(e);
	return rc;
}

int sweep_experiment_load(struct sweep_experiment *e, const char *path, struct sim_err *err)
{
	return sweep_experiment_load_string(e, path, NULL, err);
}

int sweep_experiment_load_string(struct sweep_experiment *e, const char *name, const char *text,
				 struct sim_err *err)
{
	memset(e, 0, sizeof *e);
	snprintf(e->path, sizeof e->path, "%s", name);
	return cfg_doc_decode(name, text, decode_cb, e, err);
}

static const struct cfg_section experiment_sections[] = {
	CFG_SECTION("", top_fields,
		    "`axes` (a cartesian product) or `points` (an explicit list), not both; "
		    "without either the experiment is the single point `base`."),
	CFG_SECTION("base, axes, points[]", point_fields,
		    "Every key of `base` can be an axis (a list of values under `axes`) or be set "
		    "per point. Paths are taken from the working directory and checked when the "
		    "file is read. In an accuracy sweep (with `dataset`) the points of one `seed` "
		    "share one trained baseline, so `network`, `dataset`, the `train_*` keys, "
		    "`val_images` and `check_images` cannot vary; `seed` can (a baseline per "
		    "seed)."),
};
const struct cfg_schema sweep_experiment_schema =
	CFG_SCHEMA("experiment", "Experiment (`experiments/*.yaml`, `esim sweep`)", experiment_sections);
