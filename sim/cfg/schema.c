/* The configuration reference, written from the field tables (see
 * struct cfg_schema in cfg.h). A row shows what cfg_decode enforces: the
 * key, its type, the inclusive range or the enum names, the default (or
 * "required"), and the table's one-line help. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cfg/cfg.h"

static const char *type_name(const struct cfg_field *f)
{
	switch (f->type) {
	case CFG_INT:
	case CFG_UINT: return "integer";
	case CFG_DOUBLE: return "number";
	case CFG_BOOL: return "true/false";
	case CFG_STRING:
		return f->path == CFG_PATH_FILE  ? "path to a file"
		       : f->path == CFG_PATH_DIR ? "path to a folder"
						 : "text";
	case CFG_ENUM: return "name";
	case CFG_MAP: return "mapping";
	case CFG_SEQ: return "list";
	case CFG_SCALAR_NODE: return "value";
	case CFG_ANY: return "name or list";
	case CFG_TYPE_COUNT: break;
	}
	return "?";
}

/* Allowed values: the range of a number (unless the loader checks it after
 * decoding, marked by an unbounded range), the names of an enum. */
static void allowed(const struct cfg_field *f, char *buf, size_t size)
{
	buf[0] = '\0';
	if (f->type == CFG_ENUM) {
		size_t used = 0;
		for (int i = 0; i < f->name_count && used < size; i++)
			used += (size_t)snprintf(buf + used, size - used, "%s`%s`", i ? ", " : "",
						 f->names[i]);
	} else if ((f->type == CFG_INT || f->type == CFG_UINT || f->type == CFG_DOUBLE) &&
		   fabs(f->min) < 1e299 && fabs(f->max) < 1e299) {
		snprintf(buf, size, "%.15g to %.15g", f->min, f->max);
	}
}

static void default_of(const struct cfg_field *f, char *buf, size_t size)
{
	if (f->required)
		snprintf(buf, size, "required");
	else if (!f->def)
		snprintf(buf, size, "-");
	else if (!f->def[0])
		snprintf(buf, size, "none");
	else
		snprintf(buf, size, "`%s`", f->def);
}

/* Text in a table cell: '|' would end the cell. */
static void cell(FILE *out, const char *text)
{
	for (; *text; text++) {
		if (*text == '|')
			fputc('\\', out);
		fputc(*text, out);
	}
}

void cfg_schema_write_markdown(const struct cfg_schema *s, FILE *out)
{
	fprintf(out, "### %s\n", s->title);
	for (size_t i = 0; i < s->n; i++) {
		const struct cfg_section *sec = &s->sections[i];
		if (sec->path[0])
			fprintf(out, "\n`%s`:\n", sec->path);
		else
			fprintf(out, "\nTop level:\n");
		fprintf(out, "\n| key | type | allowed | default | meaning |\n"
			     "|---|---|---|---|---|\n");
		for (size_t j = 0; j < sec->n; j++) {
			const struct cfg_field *f = &sec->fields[j];
			char range[512], def[128];
			allowed(f, range, sizeof range);
			default_of(f, def, sizeof def);
			fprintf(out, "| `%s` | %s | %s | %s | ", f->key, type_name(f), range, def);
			cell(out, f->help ? f->help : "");
			fprintf(out, " |\n");
		}
		if (sec->note)
			fprintf(out, "\n%s\n", sec->note);
	}
}
