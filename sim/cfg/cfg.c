/* YAML loading with positions and table-driven decoding (see cfg.h).
 * libyaml's document API keeps a start mark (0-based line and column) on every
 * node; errors report them 1-based, as editors and compilers do. */
#include "cfg/cfg.h"

#include <assert.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static_assert(CFG_TYPE_COUNT == 10, "update decode_value for every cfg_type");

static int load_with_parser(struct cfg_doc *doc, yaml_parser_t *parser, struct sim_err *err)
{
	if (!yaml_parser_load(parser, &doc->doc)) {
		int rc = sim_err_set(err, SIM_ERR_CONFIG, doc->path, (int)parser->problem_mark.line + 1,
				     (int)parser->problem_mark.column + 1, "invalid YAML: %s%s%s",
				     parser->problem ? parser->problem : "parse error",
				     parser->context ? " " : "", parser->context ? parser->context : "");
		return rc;
	}
	doc->loaded = true;
	if (!yaml_document_get_root_node(&doc->doc)) {
		cfg_doc_deinit(doc);
		return sim_err_set(err, SIM_ERR_CONFIG, doc->path, 1, 1, "empty document");
	}
	return 0;
}

int cfg_doc_load(struct cfg_doc *doc, const char *path, struct sim_err *err)
{
	memset(doc, 0, sizeof *doc);
	snprintf(doc->path, sizeof doc->path, "%s", path);
	FILE *f = fopen(path, "rb");
	if (!f)
		return sim_err_set(err, SIM_ERR_IO, path, 0, 0, "cannot open: %s", strerror(errno));
	yaml_parser_t parser;
	if (!yaml_parser_initialize(&parser)) {
		fclose(f);
		return sim_err_set(err, SIM_ERR_NOMEM, path, 0, 0, "cannot initialise YAML parser");
	}
	yaml_parser_set_input_file(&parser, f);
	int rc = load_with_parser(doc, &parser, err);
	yaml_parser_delete(&parser);
	fclose(f);
	return rc;
}

int cfg_doc_load_string(struct cfg_doc *doc, const char *name, const char *text,
			struct sim_err *err)
{
	memset(doc, 0, sizeof *doc);
	snprintf(doc->path, sizeof doc->path, "%s", name);
	yaml_parser_t parser;
	if (!yaml_parser_initialize(&parser))
		return sim_err_set(err, SIM_ERR_NOMEM, name, 0, 0, "cannot initialise YAML parser");
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, strlen(text));
	int rc = load_with_parser(doc, &parser, err);
	yaml_parser_delete(&parser);
	return rc;
}

void cfg_doc_deinit(struct cfg_doc *doc)
{
	if (doc->loaded)
		yaml_document_delete(&doc->doc);
	doc->loaded = false;
}

int cfg_doc_decode(const char *path, const char *text, cfg_doc_decoder decode, void *ctx,
		   struct sim_err *err)
{
	struct cfg_doc doc;
	int rc = text ? cfg_doc_load_string(&doc, path, text, err) : cfg_doc_load(&doc, path, err);
	if (rc)
		return rc;
	rc = decode(&doc, ctx, err);
	cfg_doc_deinit(&doc);
	return rc;
}

yaml_node_t *cfg_doc_root(struct cfg_doc *doc)
{
	return doc->loaded ? yaml_document_get_root_node(&doc->doc) : NULL;
}

int cfg_err_at(struct sim_err *err, const struct cfg_doc *doc, const yaml_node_t *node,
	       const char *fmt, ...)
{
	if (!err)
		return SIM_ERR_CONFIG;
	char msg[sizeof err->msg];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	int line = node ? (int)node->start_mark.line + 1 : 0;
	int col = node ? (int)node->start_mark.column + 1 : 0;
	return sim_err_set(err, SIM_ERR_CONFIG, doc->path, line, col, "%s", msg);
}

bool cfg_is_map(const yaml_node_t *node)
{
	return node && node->type == YAML_MAPPING_NODE;
}

bool cfg_is_seq(const yaml_node_t *node)
{
	return node && node->type == YAML_SEQUENCE_NODE;
}

bool cfg_is_scalar(const yaml_node_t *node)
{
	return node && node->type == YAML_SCALAR_NODE;
}

const char *cfg_scalar(const yaml_node_t *node)
{
	return cfg_is_scalar(node) ? (const char *)node->data.scalar.value : NULL;
}

size_t cfg_seq_len(const yaml_node_t *seq)
{
	if (!cfg_is_seq(seq))
		return 0;
	return (size_t)(seq->data.sequence.items.top - seq->data.sequence.items.start);
}

yaml_node_t *cfg_seq_item(struct cfg_doc *doc, const yaml_node_t *seq, size_t i)
{
	assert(i < cfg_seq_len(seq));
	return yaml_document_get_node(&doc->doc, seq->data.sequence.items.start[i]);
}

yaml_node_t *cfg_map_get(struct cfg_doc *doc, const yaml_node_t *map, const char *key)
{
	if (!cfg_is_map(map))
		return NULL;
	for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
		const char *k = cfg_scalar(yaml_document_get_node(&doc->doc, p->key));
		if (k && strcmp(k, key) == 0)
			return yaml_document_get_node(&doc->doc, p->value);
	}
	return NULL;
}

static const char *kind_name(const yaml_node_t *node)
{
	switch (node->type) {
	case YAML_SCALAR_NODE: return "a scalar";
	case YAML_SEQUENCE_NODE: return "a list";
	case YAML_MAPPING_NODE: return "a mapping";
	default: return "nothing";
	}
}

int cfg_expect_map(const struct cfg_doc *doc, const yaml_node_t *node, const char *what,
		   struct sim_err *err)
{
	if (cfg_is_map(node))
		return 0;
	return cfg_err_at(err, doc, node, "%s must be a mapping, got %s", what, kind_name(node));
}

int cfg_expect_seq(const struct cfg_doc *doc, const yaml_node_t *node, const char *what,
		   struct sim_err *err)
{
	if (cfg_is_seq(node))
		return 0;
	return cfg_err_at(err, doc, node, "%s must be a list, got %s", what, kind_name(node));
}

/* Numbers must be plain (unquoted) scalars: a quoted "12" is a string. */
static int expect_plain(const struct cfg_doc *doc, const yaml_node_t *node, const char *what,
			struct sim_err *err)
{
	if (!cfg_is_scalar(node))
		return cfg_err_at(err, doc, node, "expected %s, got %s", what, kind_name(node));
	if (node->data.scalar.style != YAML_PLAIN_SCALAR_STYLE &&
	    node->data.scalar.style != YAML_ANY_SCALAR_STYLE)
		return cfg_err_at(err, doc, node, "expected %s, got the quoted string '%s'", what,
				  cfg_scalar(node));
	if (node->data.scalar.length == 0)
		return cfg_err_at(err, doc, node, "expected %s, got an empty value", what);
	return 0;
}

int cfg_parse_i64(const struct cfg_doc *doc, const yaml_node_t *node, int64_t min, int64_t max,
		  int64_t *out, struct sim_err *err)
{
	if (expect_plain(doc, node, "an integer", err))
		return SIM_ERR_CONFIG;
	const char *s = cfg_scalar(node);
	char *end;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (end == s || *end != '\0')
		return cfg_err_at(err, doc, node, "expected an integer, got '%s'", s);
	if (errno == ERANGE || v < min || v > max)
		return cfg_err_at(err, doc, node, "value must be in [%lld, %lld], got %s",
				  (long long)min, (long long)max, s);
	*out = v;
	return 0;
}

int cfg_parse_double(const struct cfg_doc *doc, const yaml_node_t *node, double min, double max,
		     double *out, struct sim_err *err)
{
	if (expect_plain(doc, node, "a number", err))
		return SIM_ERR_CONFIG;
	const char *s = cfg_scalar(node);
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (end == s || *end != '\0' || !isfinite(v))
		return cfg_err_at(err, doc, node, "expected a number, got '%s'", s);
	if (errno == ERANGE || v < min || v > max)
		return cfg_err_at(err, doc, node, "value must be in [%g, %g], got %s", min, max, s);
	*out = v;
	return 0;
}

int cfg_parse_bool(const struct cfg_doc *doc, const yaml_node_t *node, bool *out,
		   struct sim_err *err)
{
	if (expect_plain(doc, node, "true or false", err))
		return SIM_ERR_CONFIG;
	const char *s = cfg_scalar(node);
	if (strcmp(s, "true") == 0)
		*out = true;
	else if (strcmp(s, "false") == 0)
		*out = false;
	else
		return cfg_err_at(err, doc, node, "expected true or false, got '%s'", s);
	return 0;
}

/* Levenshtein distance, capped to short keys; used only for error hints. */
static size_t edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	if (la > 63 || lb > 63)
		return 64;
	size_t row[64];
	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		size_t diag = row[0];
		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t up = row[j];
			size_t sub = diag + (a[i - 1] != b[j - 1]);
			size_t best = row[j - 1] + 1 < up + 1 ? row[j - 1] + 1 : up + 1;
			row[j] = sub < best ? sub : best;
			diag = up;
		}
	}
	return row[lb];
}

int cfg_closest(const char *s, const char *const *names, int count)
{
	int best = -1;
	size_t best_d = (size_t)-1;
	for (int i = 0; i < count; i++) {
		size_t d = edit_distance(s, names[i]);
		if (d < best_d) {
			best_d = d;
			best = i;
		}
	}
	/* Only suggest names that are plausibly a typo. */
	size_t len = strlen(s);
	size_t limit = len <= 3 ? 1 : len <= 5 ? 2 : 3;
	return (best >= 0 && best_d <= limit) ? best : -1;
}

static void join_names(char *buf, size_t size, const char *const *names, int count)
{
	size_t used = 0;
	buf[0] = '\0';
	for (int i = 0; i < count && used < size; i++)
		used += (size_t)snprintf(buf + used, size - used, "%s%s", i ? ", " : "", names[i]);
}

int cfg_parse_enum(const struct cfg_doc *doc, const yaml_node_t *node,
		   const char *const *names, int count, int *out, struct sim_err *err)
{
	if (expect_plain(doc, node, "a name", err))
		return SIM_ERR_CONFIG;
	const char *s = cfg_scalar(node);
	for (int i = 0; i < count; i++) {
		if (strcmp(s, names[i]) == 0) {
			*out = i;
			return 0;
		}
	}
	char choices[400];
	join_names(choices, sizeof choices, names, count);
	int near = cfg_closest(s, names, count);
	if (near >= 0)
		return cfg_err_at(err, doc, node, "unknown value '%s' (did you mean '%s'? choices: %s)",
				  s, names[near], choices);
	return cfg_err_at(err, doc, node, "unknown value '%s' (choices: %s)", s, choices);
}

static int store_int(const struct cfg_doc *doc, const yaml_node_t *node,
		     const struct cfg_field *f, void *slot, struct sim_err *err)
{
	int64_t v;
	if (f->type == CFG_UINT) {
		double lo = f->min < 0 ? 0 : f->min;
		double hi = f->max;
		if (f->size == 4 && hi > 4294967295.0)
			hi = 4294967295.0;
		if (cfg_parse_i64(doc, node, (int64_t)lo, (int64_t)hi, &v, err))
			return SIM_ERR_CONFIG;
		if (f->size == 4)
			*(uint32_t *)slot = (uint32_t)v;
		else
			*(uint64_t *)slot = (uint64_t)v;
		return 0;
	}
	double lo = f->min, hi = f->max;
	if (f->size == 4) {
		lo = lo < -2147483648.0 ? -2147483648.0 : lo;
		hi = hi > 2147483647.0 ? 2147483647.0 : hi;
	}
	if (cfg_parse_i64(doc, node, (int64_t)lo, (int64_t)hi, &v, err))
		return SIM_ERR_CONFIG;
	if (f->size == 4)
		*(int32_t *)slot = (int32_t)v;
	else
		*(int64_t *)slot = v;
	return 0;
}

/* The on-disk check of a path field (enum cfg_path). */
static int check_path(struct cfg_doc *doc, const yaml_node_t *node, const struct cfg_field *f,
		      const char *path, struct sim_err *err)
{
	if (f->path == CFG_PATH_NONE)
		return 0;
	struct stat st;
	if (stat(path, &st) != 0)
		return cfg_err_at(err, doc, node, "cannot open %s '%s': %s", f->key, path,
				  strerror(errno));
	bool dir = f->path == CFG_PATH_DIR;
	if (dir ? !S_ISDIR(st.st_mode) : !S_ISREG(st.st_mode))
		return cfg_err_at(err, doc, node, "%s '%s' is not a %s", f->key, path,
				  dir ? "directory" : "regular file");
	if (access(path, dir ? R_OK | X_OK : R_OK) != 0)
		return cfg_err_at(err, doc, node, "cannot read %s '%s': %s", f->key, path,
				  strerror(errno));
	return 0;
}

int cfg_decode_value(struct cfg_doc *doc, const yaml_node_t *node, const struct cfg_field *f,
		     void *out, struct sim_err *err)
{
	void *slot = (char *)out + f->offset;
	switch (f->type) {
	case CFG_INT:
	case CFG_UINT:
		assert(f->size == 4 || f->size == 8);
		return store_int(doc, node, f, slot, err);
	case CFG_DOUBLE:
		assert(f->size == sizeof(double));
		return cfg_parse_double(doc, node, f->min, f->max, slot, err);
	case CFG_BOOL:
		assert(f->size == sizeof(bool));
		return cfg_parse_bool(doc, node, slot, err);
	case CFG_STRING: {
		if (!cfg_is_scalar(node) || node->data.scalar.length == 0)
			return cfg_err_at(err, doc, node, "'%s' must be a non-empty string", f->key);
		if (node->data.scalar.length >= f->size)
			return cfg_err_at(err, doc, node, "'%s' is longer than %zu characters", f->key,
					  f->size - 1);
		memcpy(slot, node->data.scalar.value, node->data.scalar.length + 1);
		return check_path(doc, node, f, slot, err);
	}
	case CFG_ENUM: {
		assert(f->size == sizeof(int));
		return cfg_parse_enum(doc, node, f->names, f->name_count, slot, err);
	}
	case CFG_MAP:
		if (cfg_expect_map(doc, node, f->key, err))
			return SIM_ERR_CONFIG;
		*(const yaml_node_t **)slot = node;
		return 0;
	case CFG_SEQ:
		if (cfg_expect_seq(doc, node, f->key, err))
			return SIM_ERR_CONFIG;
		*(const yaml_node_t **)slot = node;
		return 0;
	case CFG_SCALAR_NODE:
		if (!cfg_is_scalar(node))
			return cfg_err_at(err, doc, node, "'%s' must be a single value, got %s", f->key,
					  kind_name(node));
		*(const yaml_node_t **)slot = node;
		return 0;
	case CFG_ANY:
		*(const yaml_node_t **)slot = node;
		return 0;
	case CFG_TYPE_COUNT:
		break;
	}
	assert(!"bad cfg_type");
	return SIM_ERR_INTERNAL;
}

int cfg_err_unknown_key(const struct cfg_doc *doc, const yaml_node_t *knode, const char *key,
			const struct cfg_field *fields, size_t n, struct sim_err *err)
{
	const char *names[64];
	assert(n <= 64);
	for (size_t j = 0; j < n; j++)
		names[j] = fields[j].key;
	char choices[600];
	join_names(choices, sizeof choices, names, (int)n);
	int near = cfg_closest(key, names, (int)n);
	if (near >= 0)
		return cfg_err_at(err, doc, knode, "unknown key '%s' (did you mean '%s'?)", key,
				  names[near]);
	return cfg_err_at(err, doc, knode, "unknown key '%s' (expected one of: %s)", key, choices);
}

/* Applies a table default: the string is decoded as if it were a plain scalar. */
static void apply_default(struct cfg_doc *doc, const struct cfg_field *f, void *out)
{
	if (f->type == CFG_STRING) {
		/* An empty string default means "not given"; files may not say "". */
		assert(strlen(f->def) < f->size);
		memcpy((char *)out + f->offset, f->def, strlen(f->def) + 1);
		return;
	}
	yaml_node_t fake;
	memset(&fake, 0, sizeof fake);
	fake.type = YAML_SCALAR_NODE;
	fake.data.scalar.value = (yaml_char_t *)(uintptr_t)f->def;
	fake.data.scalar.length = strlen(f->def);
	fake.data.scalar.style = YAML_PLAIN_SCALAR_STYLE;
	struct sim_err e;
	int rc = cfg_decode_value(doc, &fake, f, out, &e);
	assert(rc == 0 && "a table default must decode");
	(void)rc;
}

int cfg_decode(struct cfg_doc *doc, const yaml_node_t *map, const struct cfg_field *fields,
	       size_t n, void *out, uint64_t *present, struct sim_err *err)
{
	assert(n <= 64);
	if (cfg_expect_map(doc, map, "this section", err))
		return SIM_ERR_CONFIG;
	uint64_t seen = 0;
	for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
		yaml_node_t *knode = yaml_document_get_node(&doc->doc, p->key);
		yaml_node_t *vnode = yaml_document_get_node(&doc->doc, p->value);
		const char *key = cfg_scalar(knode);
		if (!key)
			return cfg_err_at(err, doc, knode, "keys must be plain names");
		long found = cfg_field_find(fields, n, key);
		if (found < 0)
			return cfg_err_unknown_key(doc, knode, key, fields, n, err);
		size_t i = (size_t)found;
		if (seen & (UINT64_C(1) << i))
			return cfg_err_at(err, doc, knode, "duplicate key '%s'", key);
		seen |= UINT64_C(1) << i;
		if (cfg_decode_value(doc, vnode, &fields[i], out, err))
			return SIM_ERR_CONFIG;
	}
	for (size_t i = 0; i < n; i++) {
		if (seen & (UINT64_C(1) << i))
			continue;
		if (fields[i].required)
			return cfg_err_at(err, doc, map, "missing required key '%s'%s%s", fields[i].key,
					  fields[i].help ? ": " : "", fields[i].help ? fields[i].help : "");
		if (fields[i].def)
			apply_default(doc, &fields[i], out);
	}
	if (present)
		*present = seen;
	return 0;
}

void cfg_format_value(const struct cfg_field *f, const void *obj, char *buf, size_t size)
{
	const void *slot = (const char *)obj + f->offset;
	switch (f->type) {
	case CFG_INT:
		snprintf(buf, size, "%lld",
			 f->size == 4 ? (long long)*(const int32_t *)slot : (long long)*(const int64_t *)slot);
		return;
	case CFG_UINT:
		snprintf(buf, size, "%llu",
			 f->size == 4 ? (unsigned long long)*(const uint32_t *)slot
				      : (unsigned long long)*(const uint64_t *)slot);
		return;
	case CFG_DOUBLE:
		snprintf(buf, size, "%.17g", *(const double *)slot);
		/* Prefer the shortest text that reads back to the same value. */
		for (int prec = 1; prec < 17; prec++) {
			char tmp[64];
			snprintf(tmp, sizeof tmp, "%.*g", prec, *(const double *)slot);
			if (strtod(tmp, NULL) == *(const double *)slot) {
				snprintf(buf, size, "%s", tmp);
				break;
			}
		}
		return;
	case CFG_BOOL:
		snprintf(buf, size, "%s", *(const bool *)slot ? "true" : "false");
		return;
	case CFG_STRING:
		snprintf(buf, size, "%s", (const char *)slot);
		return;
	case CFG_ENUM: {
		int v = *(const int *)slot;
		snprintf(buf, size, "%s", v >= 0 && v < f->name_count ? f->names[v] : "?");
		return;
	}
	case CFG_MAP:
	case CFG_SEQ:
	case CFG_SCALAR_NODE:
	case CFG_ANY:
	case CFG_TYPE_COUNT:
		break;
	}
	if (size)
		buf[0] = '\0';
}

long cfg_field_find(const struct cfg_field *fields, size_t n, const char *key)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(fields[i].key, key) == 0)
			return (long)i;
	return -1;
}
