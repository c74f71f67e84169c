/* ndjson.c: one JSON object per line, in and out. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "ndjson.h"

void
ndjson_reader_init(struct ndjson_reader *r, FILE *fp, const char *name)
{
	memset(r, 0, sizeof *r);
	r->fp = fp;
	r->name = name;
}

static const char *
type_name(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_ARRAY: return "an array";
	case JSON_STRING: return "a string";
	case JSON_INTEGER:
	case JSON_REAL: return "a number";
	case JSON_TRUE:
	case JSON_FALSE: return "a boolean";
	case JSON_NULL: return "null";
	default: return "an object";
	}
}

/*
 * Reads the next non-blank line as a JSON object; *obj is a new reference.
 * A line may end in LF, CRLF or the end of input. Duplicate keys make the
 * line bad, as does anything but one object on it.
 */
enum ndjson_result
ndjson_read(struct ndjson_reader *r, json_t **obj)
{
	json_error_t jerr;
	ssize_t n;
	size_t i;
	json_t *v;

	*obj = NULL;
	for (;;) {
		errno = 0;
		if ((n = getline(&r->buf, &r->size, r->fp)) < 0)
			return ferror(r->fp) ? NDJSON_READERR : NDJSON_EOF;
		r->line++;
		while (n > 0 && (r->buf[n - 1] == '\n' || r->buf[n - 1] == '\r'))
			n--;
		for (i = 0; i < (size_t)n; i++)
			if (r->buf[i] != ' ' && r->buf[i] != '\t')
				break;
		if (i < (size_t)n)
			break;
	}
	v = json_loadb(r->buf, (size_t)n, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &jerr);
	if (v == NULL) {
		snprintf(r->error, sizeof r->error, "invalid JSON at column %d: %s",
		    jerr.column, jerr.text);
		return NDJSON_BADLINE;
	}
	if (!json_is_object(v)) {
		snprintf(r->error, sizeof r->error, "expected a JSON object, found %s",
		    type_name(v));
		json_decref(v);
		return NDJSON_BADLINE;
	}
	*obj = v;
	return NDJSON_OBJECT;
}

void
ndjson_reader_free(struct ndjson_reader *r)
{
	free(r->buf);
	r->buf = NULL;
	r->size = 0;
}

/* Writes obj (borrowed) as compact JSON and a newline. Returns 0 or -1. */
int
ndjson_write(FILE *fp, const json_t *obj)
{
	if (json_dumpf(obj, fp, JSON_COMPACT | JSON_PRESERVE_ORDER) != 0)
		return -1;
	if (putc('\n', fp) == EOF)
		return -1;
	return ferror(fp) ? -1 : 0;
}
