/*
 * records.c: CSV rows written as NDJSON records, the same for an export's
 * files (msi-extract) and a live org's result pages
 * (msi-extract-salesforce): the header's keys, each row's record, a bad
 * row set aside with its reason.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "ealloc.h"
#include "exitcode.h"
#include "extract.h"
#include "fshut.h"
#include "jsonbuf.h"
#include "msg.h"
#include "reject.h"

/* Salesforce object names are API names: a letter, then letters, digits, '_'. */
int
valid_type(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || n > EXTRACT_MAX_TYPE)
		return 0;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		int letter = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');

		if (!letter && (i == 0 || !((c >= '0' && c <= '9') || c == '_')))
			return 0;
	}
	return 1;
}

/*
 * The Ids at the start of the row's physical lines, for a reject that may
 * hold other rows' lines (a quoting error, or text over several lines): a
 * stray quote can make one row of several records, and msi-load --keep
 * must know each of them is still in Salesforce. Only when Id is the
 * first column: then every record's line starts with its Id. A new
 * reference, or NULL when the row's lines were not looked at.
 */
static json_t *
line_ids(const struct extract *x, const struct csvin_row *row)
{
	const char *p = row->raw, *end = row->raw + row->rawlen, *id;
	json_t *ids;
	size_t n;

	if (x->id_col != 0 || (!row->quoting && row->last_line == row->line))
		return NULL;
	ids = json_array();
	while (p < end) {
		if (*p == '"')
			p++;
		for (id = p, n = 0;
		     p < end && ((*p >= '0' && *p <= '9') || (*p >= 'A' && *p <= 'Z') ||
		                    (*p >= 'a' && *p <= 'z'));
		     p++)
			n++;
		if ((n == 15 || n == 18) &&
		    (p == end || *p == '"' || *p == ',' || *p == ';' || *p == '\t' ||
		        *p == '|' || *p == '^' || *p == '`'))
			json_array_append_new(ids, json_stringn(id, n));
		while (p < end && *p != '\n' && *p != '\r')
			p++;
		while (p < end && (*p == '\n' || *p == '\r'))
			p++;
	}
	return ids;
}

/*
 * Why a bad row holds its object's deletes, or NULL: msi-load --keep
 * deletes nothing of the object while a reject says so, as records the
 * export may hold cannot be told. A new string in why.
 */
static const char *
holds_deletes(const struct extract *x, const struct csvin_row *row, char *why, size_t size)
{
	if (row->cut)
		snprintf(why, size,
		    "%s:%lu: the file ends inside this row: it is probably cut short (a broken "
		    "download) and lacks the records after the cut; a whole export lets them go",
		    x->file, row->line);
	else if (x->id_col != 0 && (row->quoting || row->last_line != row->line))
		snprintf(why, size,
		    "%s:%lu: a row set aside over lines %lu-%lu%s may hold other records, whose Ids "
		    "cannot be found (Id is not the first column); an export without it lets them go",
		    x->file, row->line, row->line, row->last_line,
		    row->quoting ? " for its quoting" : "");
	else
		return NULL;
	return why;
}

/*
 * Writes a bad row to the rejects file, or, without one, reports it and
 * asks the reader to stop. The raw text goes out as it was read; text that
 * is not UTF-8 is carried as Latin-1 (each byte one code point) and marked.
 */
int
extract_reject(struct extract *x, const struct csvin_row *row, const char *reason)
{
	struct reject r = {0};
	json_t *extra, *raw, *ids;
	char hold[512];
	int status;

	x->rejected++;
	if (x->rejects == NULL) {
		msg_at(x->file, row->line, "%s", reason);
		return MSI_EXIT_BADINPUT;
	}
	if ((raw = json_stringn(row->raw, row->rawlen)) != NULL) {
		extra = json_pack("{s:o}", "raw", raw);
	} else {
		struct jsonbuf conv = {0};

		jsonbuf_addlatin1(&conv, row->raw, row->rawlen);
		extra = json_pack("{s:s%, s:s}", "raw", conv.data ? conv.data : "", conv.len,
		    "raw_encoding", "latin1");
		jsonbuf_free(&conv);
	}
	/* the record's id, when the row has its column: a later stage may know it by it */
	if (x->id_col != (size_t)-1 && row->nfields > x->id_col && row->len[x->id_col] > 0 &&
	    (raw = json_stringn(row->field[x->id_col], row->len[x->id_col])) != NULL)
		json_object_set_new(extra, "id", raw);
	/* those besides the row's own Id */
	if ((ids = line_ids(x, row)) != NULL && json_array_size(ids) > 0 &&
	    !(json_array_size(ids) == 1 &&
	        json_equal(json_array_get(ids, 0), json_object_get(extra, "id"))))
		json_object_set(extra, "ids", ids);
	json_decref(ids);
	if (holds_deletes(x, row, hold, sizeof hold) != NULL) {
		json_object_set_new(extra, "holds_deletes", json_string(hold));
		msg_warn("%s (msi-load --keep holds its object's deletes)", hold);
	}
	r.stage = "extract";
	r.status = "rejected";
	r.reason = reason;
	r.file = x->file;
	r.line = row->line;
	r.extra = extra;
	status = reject_write(x->rejects, x->rejects_name, &r);
	json_decref(extra);
	return status;
}

int
extract_header(void *ctx, const struct csvin_row *row)
{
	struct extract *x = ctx;
	size_t i;

	if (row->error != NULL) {
		msg_at(x->file, row->line, "%s", row->error);
		return MSI_EXIT_BADINPUT;
	}
	x->keys.len = 0;
	free(x->keyoff);
	x->keyoff = emalloc(row->nfields * sizeof *x->keyoff);
	x->nkeys = row->nfields;
	x->id_col = (size_t)-1;
	for (i = 0; i < row->nfields; i++) {
		if (row->len[i] == 2 && strncasecmp(row->field[i], "Id", 2) == 0)
			x->id_col = i;
		if (row->len[i] == 10 && strncasecmp(row->field[i], "attributes", 10) == 0) {
			msg_at(x->file, row->line,
			    "column %zu is named \"%.*s\", which "
			    "records keep for their type and position",
			    i + 1, (int)row->len[i], row->field[i]);
			return MSI_EXIT_BADINPUT;
		}
		x->keyoff[i] = x->keys.len;
		jsonbuf_add(&x->keys, ",", 1);
		if (jsonbuf_addjsonstr(&x->keys, row->field[i], row->len[i]) != 0) {
			msg_at(x->file, row->line,
			    "column %zu of the header is not valid "
			    "UTF-8 (--encoding utf8 was given; without it the "
			    "encoding is decided from the file)",
			    i + 1);
			return MSI_EXIT_BADINPUT;
		}
		jsonbuf_add(&x->keys, ":", 1);
	}
	return 0;
}

int
extract_row(void *ctx, const struct csvin_row *row)
{
	struct extract *x = ctx;
	struct jsonbuf *out = &x->out;
	char why[200];
	size_t i, keyend;

	x->rows++;
	if (row->error != NULL)
		return extract_reject(x, row, row->error);

	out->len = 0;
	jsonbuf_add(out, x->prefix.data, x->prefix.len);
	jsonbuf_addulong(out, row->line);
	jsonbuf_add(out, "}", 1);
	for (i = 0; i < row->nfields; i++) {
		keyend = i + 1 < x->nkeys ? x->keyoff[i + 1] : x->keys.len;
		jsonbuf_add(out, x->keys.data + x->keyoff[i], keyend - x->keyoff[i]);
		if (row->len[i] == 0) {
			jsonbuf_add(out, "null", 4);
		} else if (jsonbuf_addjsonstr(out, row->field[i], row->len[i]) != 0) {
			/* The key, less its ',' and ':', names the field. */
			snprintf(why, sizeof why,
			    "field %.*s is not valid UTF-8 (--encoding utf8 "
			    "was given; without it the encoding is decided from the file)",
			    (int)(keyend - x->keyoff[i] - 2), x->keys.data + x->keyoff[i] + 1);
			return extract_reject(x, row, why);
		}
	}
	jsonbuf_add(out, "}\n", 2);
	if (fwrite(out->data, 1, out->len, stdout) != out->len || ferror(stdout))
		return fwrite_failed(stdout, "stdout");
	x->written++;
	return 0;
}

/* --object's argument, checked: the name, or a message and NULL. */
const char *
object_arg(const char *arg)
{
	if (valid_type(arg, strlen(arg)))
		return arg;
	msg_warn("\"%s\" is not a Salesforce object name", arg);
	return NULL;
}
