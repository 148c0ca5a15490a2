/* YAML configuration: documents loaded with node positions, and table-driven
 * decoding of mappings into C structs (one row per key: name, type, offset,
 * range, default, required), in the manner of Redis's config table.
 *
 * Every error is SIM_ERR_CONFIG with the file, 1-based line and column of the
 * offending node. Unknown keys, duplicate keys, missing required keys, wrong
 * types, numbers with trailing junk, out-of-range values and misspelt enum
 * names are all errors; nothing is silently corrected. */
#ifndef SIM_CFG_CFG_H
#define SIM_CFG_CFG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <yaml.h>

#include "core/err.h"

/* A loaded YAML document. Caller-allocated; cfg_doc_load fills it,
 * cfg_doc_deinit releases it. Nodes are borrowed from the document. */
struct cfg_doc {
	yaml_document_t doc;
	char path[256];
	bool loaded;
};

int cfg_doc_load(struct cfg_doc *doc, const char *path, struct sim_err *err);
/* Loads from memory; name is used as the file name in errors. */
int cfg_doc_load_string(struct cfg_doc *doc, const char *name, const char *text,
			struct sim_err *err);
void cfg_doc_deinit(struct cfg_doc *doc);

/* Decodes a loaded document into ctx; called by cfg_doc_decode. */
typedef int (*cfg_doc_decoder)(struct cfg_doc *doc, void *ctx, struct sim_err *err);
/* Loads the file at path (text == NULL) or the string text (path is then its
 * name in errors), runs decode on it and releases the document. */
int cfg_doc_decode(const char *path, const char *text, cfg_doc_decoder decode, void *ctx,
		   struct sim_err *err);
/* The root node (never NULL after a successful load). */
yaml_node_t *cfg_doc_root(struct cfg_doc *doc);

/* Sets a config error positioned at node; returns SIM_ERR_CONFIG. */
int cfg_err_at(struct sim_err *err, const struct cfg_doc *doc, const yaml_node_t *node,
	       const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Node helpers. Returned nodes are borrowed. */
bool cfg_is_map(const yaml_node_t *node);
bool cfg_is_seq(const yaml_node_t *node);
bool cfg_is_scalar(const yaml_node_t *node);
const char *cfg_scalar(const yaml_node_t *node); /* NULL if not a scalar */
size_t cfg_seq_len(const yaml_node_t *seq);
yaml_node_t *cfg_seq_item(struct cfg_doc *doc, const yaml_node_t *seq, size_t i);
/* Value node for key in map, or NULL when absent (not an error). */
yaml_node_t *cfg_map_get(struct cfg_doc *doc, const yaml_node_t *map, const char *key);
/* Errors (positioned) unless node is a mapping / sequence; what names the thing. */
int cfg_expect_map(const struct cfg_doc *doc, const yaml_node_t *node, const char *what,
		   struct sim_err *err);
int cfg_expect_seq(const struct cfg_doc *doc, const yaml_node_t *node, const char *what,
		   struct sim_err *err);

/* Scalar parsers: strict (whole string, no junk), positioned errors. */
int cfg_parse_i64(const struct cfg_doc *doc, const yaml_node_t *node, int64_t min, int64_t max,
		  int64_t *out, struct sim_err *err);
int cfg_parse_double(const struct cfg_doc *doc, const yaml_node_t *node, double min, double max,
		     double *out, struct sim_err *err);
int cfg_parse_bool(const struct cfg_doc *doc, const yaml_node_t *node, bool *out,
		   struct sim_err *err);
/* Looks the scalar up in names[0..count); errors name the choices and the closest one. */
int cfg_parse_enum(const struct cfg_doc *doc, const yaml_node_t *node,
		   const char *const *names, int count, int *out, struct sim_err *err);

enum cfg_type {
	CFG_INT,    /* signed integer; size 4 or 8 */
	CFG_UINT,   /* unsigned integer; size 4 or 8 */
	CFG_DOUBLE, /* size 8 */
	CFG_BOOL,   /* true/false only */
	CFG_STRING, /* copied into a char array of `size` bytes */
	CFG_ENUM,   /* int index into names */
	CFG_MAP,    /* stores a borrowed yaml_node_t * for the caller to decode */
	CFG_SEQ,    /* stores a borrowed yaml_node_t * for the caller to decode */
	CFG_SCALAR_NODE, /* stores a borrowed yaml_node_t * to a scalar */
	CFG_ANY,    /* stores a borrowed yaml_node_t * of any kind */
	CFG_TYPE_COUNT
};

/* What a CFG_STRING names on disk: a path there is checked when it is
 * decoded from a file, so a wrong one is reported at its line and column
 * before any work starts (relative paths are taken from the working
 * directory, as the program opens them). */
enum cfg_path {
	CFG_PATH_NONE, /* plain text */
	CFG_PATH_FILE, /* a readable regular file */
	CFG_PATH_DIR,  /* a readable directory */
};

/* One row of a decoding table. */
struct cfg_field {
	const char *key;
	enum cfg_type type;
	size_t offset;
	size_t size;
	double min, max;          /* inclusive range for numbers */
	const char *def;          /* default, parsed like a YAML value; NULL = none */
	bool required;
	const char *const *names; /* CFG_ENUM */
	int name_count;
	const char *help;         /* one line, used in docs and error messages */
	enum cfg_path path;       /* CFG_STRING: what it must name on disk */
};

#define CFG_MEMBER_SIZE(st, m) sizeof(((st *)0)->m)
/* Every row macro below fills all fields through this one. */
#define CFG_FIELD(st, m, key, ty, lo, hi, dflt, req, nm, cnt, hlp, path) \
	{ key, ty, offsetof(st, m), CFG_MEMBER_SIZE(st, m), lo, hi, dflt, req, nm, cnt, hlp, path }
#define CFG_NUM(st, m, key, ty, lo, hi, dflt, req, hlp) \
	CFG_FIELD(st, m, key, ty, lo, hi, dflt, req, NULL, 0, hlp, CFG_PATH_NONE)
#define CFG_I(st, m, key, lo, hi, dflt, req, hlp) CFG_NUM(st, m, key, CFG_INT, lo, hi, dflt, req, hlp)
#define CFG_U(st, m, key, lo, hi, dflt, req, hlp) CFG_NUM(st, m, key, CFG_UINT, lo, hi, dflt, req, hlp)
#define CFG_D(st, m, key, lo, hi, dflt, req, hlp) CFG_NUM(st, m, key, CFG_DOUBLE, lo, hi, dflt, req, hlp)
#define CFG_B(st, m, key, dflt, req, hlp) CFG_NUM(st, m, key, CFG_BOOL, 0, 1, dflt, req, hlp)
#define CFG_S(st, m, key, dflt, req, hlp) CFG_NUM(st, m, key, CFG_STRING, 0, 0, dflt, req, hlp)
/* A string that names an existing file or directory (see enum cfg_path). */
#define CFG_PATH(st, m, key, kind, dflt, req, hlp) \
	CFG_FIELD(st, m, key, CFG_STRING, 0, 0, dflt, req, NULL, 0, hlp, kind)
#define CFG_E(st, m, key, nm, cnt, dflt, req, hlp) \
	CFG_FIELD(st, m, key, CFG_ENUM, 0, 0, dflt, req, nm, cnt, hlp, CFG_PATH_NONE)
#define CFG_N(st, m, key, ty, req, hlp) CFG_NUM(st, m, key, ty, 0, 0, NULL, req, hlp)

/* Decodes mapping node into out using fields[0..n). Absent keys take their
 * default (or stay as the caller initialised them when there is none); absent
 * required keys, unknown keys and duplicates are errors. If present is not
 * NULL, bit i is set when fields[i] was given in the file (n <= 64). */
int cfg_decode(struct cfg_doc *doc, const yaml_node_t *map, const struct cfg_field *fields,
	       size_t n, void *out, uint64_t *present, struct sim_err *err);

/* Decodes one value (a scalar from a file or a default string) into the field's
 * slot in out. Used by cfg_decode and by sweeps that override single fields. */
int cfg_decode_value(struct cfg_doc *doc, const yaml_node_t *node, const struct cfg_field *f,
		     void *out, struct sim_err *err);

/* Writes the canonical text of field f's value in obj (numbers in shortest
 * round-trip form, enums by name, strings as is) into buf. Node-valued fields
 * are not formattable and give "". */
void cfg_format_value(const struct cfg_field *f, const void *obj, char *buf, size_t size);

/* Index of f's row for key in fields[0..n), or -1. */
long cfg_field_find(const struct cfg_field *fields, size_t n, const char *key);

/* The error for a key that is not in fields[0..n), with a "did you mean". */
int cfg_err_unknown_key(const struct cfg_doc *doc, const yaml_node_t *knode, const char *key,
			const struct cfg_field *fields, size_t n, struct sim_err *err);

/* Index of the name closest to s by edit distance (for "did you mean"). */
int cfg_closest(const char *s, const char *const *names, int count);

/* The keys of one kind of file, for the configuration reference. Every
 * loader exports its kind's schema: the same field tables that decode the
 * files, grouped by where they appear, so the reference (`esim config`,
 * docs/configuration.md, checked by a test) cannot drift from the code. */
struct cfg_section {
	const char *path;  /* where the mapping sits: "" for the top level, "glb",
			      "layers[]" for each item of the list `layers`, ... */
	const struct cfg_field *fields;
	size_t n;
	const char *note;  /* rules the table cannot show, or NULL */
};

#define CFG_SECTION(path, table, note) { path, table, sizeof(table) / sizeof((table)[0]), note }

struct cfg_schema {
	const char *kind;  /* short name: esim config KIND */
	const char *title; /* heading: what the file is and where it is used */
	const struct cfg_section *sections;
	size_t n;
};

#define CFG_SCHEMA(kind, title, sections) \
	{ kind, title, sections, sizeof(sections) / sizeof((sections)[0]) }

/* Writes s as Markdown: a heading, then one table per section with each
 * key's type, allowed values, default and meaning. */
void cfg_schema_write_markdown(const struct cfg_schema *s, FILE *out);

#endif
