/* ndjson.c: one JSON object per line, in and out. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "ealloc.h"
#include "exitcode.h"
#include "fshut.h"
#include "msg.h"
#include "ndjson.h"

void
ndjson_reader_init(struct ndjson_reader *r, FILE *fp, const char *name)
{
	memset(r, 0, sizeof *r);
	r->fp = fp;
	r->name = name;
	r->max_line = NDJSON_MAX_LINE;
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

/* Whether a line (its line end already cut off) holds nothing but blanks. */
static int
blank(const char *line, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (line[i] != ' ' && line[i] != '\t')
			return 0;
	return 1;
}

/*
 * Parses one line, its line end already cut off, as a JSON object; *obj is
 * a new reference. Duplicate keys make the line bad, as does anything but
 * one object on it; error then says why.
 */
static enum ndjson_result
parse(const char *line, size_t n, json_t **obj, char error[NDJSON_ERROR_SIZE])
{
	json_error_t jerr;
	json_t *v;

	const char *nul;

	*obj = NULL;
	if ((nul = memchr(line, '\0', n)) != NULL) {
		snprintf(error, NDJSON_ERROR_SIZE, "a NUL byte at column %zu",
		    (size_t)(nul - line) + 1);
		return NDJSON_BADLINE;
	}
	v = json_loadb(line, n, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &jerr);
	if (v == NULL) {
		snprintf(error, NDJSON_ERROR_SIZE, "invalid JSON at column %d: %s", jerr.column,
		    strstr(jerr.text, "JSON_ALLOW_NUL") != NULL
		        ? "a NUL character (\\u0000) is not allowed"
		        : jerr.text);
		return NDJSON_BADLINE;
	}
	if (!json_is_object(v)) {
		snprintf(
		    error, NDJSON_ERROR_SIZE, "expected a JSON object, found %s", type_name(v));
		json_decref(v);
		return NDJSON_BADLINE;
	}
	*obj = v;
	return NDJSON_OBJECT;
}

/* Cuts the line end, LF or CRLF, off a line of n bytes; returns the new length. */
static size_t
chomp(const char *line, size_t n)
{
	while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		n--;
	return n;
}

/*
 * Reads one line into r->buf, its line end included, keeping at most
 * r->max_line bytes: the rest of a longer line is read and dropped, so
 * that memory stays bounded whatever the input. Returns the bytes kept, or
 * -1 at the end of the input or on an error; *over says the line was longer.
 */
static ssize_t
read_line(struct ndjson_reader *r, int *over)
{
	size_t n = 0;
	int ch;

	*over = 0;
	while ((ch = getc_unlocked(r->fp)) != EOF) {
		if (n + 1 >= r->size) {
			if (r->size >= r->max_line + 1) {
				*over = 1;
				if (ch == '\n')
					break;
				continue;
			}
			r->size = r->size ? r->size * 2 : 4096;
			if (r->size > r->max_line + 1)
				r->size = r->max_line + 1;
			r->buf = erealloc(r->buf, r->size);
		}
		r->buf[n++] = (char)ch;
		if (ch == '\n')
			break;
	}
	if (n == 0 && !*over)
		return -1;
	r->buf[n] = '\0';
	return (ssize_t)n;
}

/*
 * Reads the next non-blank line, not parsed: its text in r->buf, its line
 * end cut off, *len bytes (then a NUL). Returns NDJSON_OBJECT (a line, for
 * ndjson_parse_text, or for a caller that reads its own form of it
 * first), NDJSON_BADLINE for a line too long, NDJSON_EOF or NDJSON_READERR.
 */
enum ndjson_result
ndjson_read_text(struct ndjson_reader *r, size_t *len)
{
	ssize_t got;
	size_t n;
	int over;

	do {
		errno = 0;
		if ((got = read_line(r, &over)) < 0)
			return ferror(r->fp) ? NDJSON_READERR : NDJSON_EOF;
		r->line++;
		if (over) {
			snprintf(r->error, sizeof r->error, "line over %zu bytes", r->max_line);
			return NDJSON_BADLINE;
		}
		n = chomp(r->buf, (size_t)got);
	} while (blank(r->buf, n));
	r->buf[n] = '\0';
	*len = n;
	return NDJSON_OBJECT;
}

/* The line ndjson_read_text read (len bytes) as ndjson_read parses it. */
enum ndjson_result
ndjson_parse_text(struct ndjson_reader *r, size_t len, json_t **obj)
{
	return parse(r->buf, len, obj, r->error);
}

/*
 * Reads the next non-blank line as a JSON object; *obj is a new reference.
 * A line may end in LF, CRLF or the end of input.
 */
enum ndjson_result
ndjson_read(struct ndjson_reader *r, json_t **obj)
{
	enum ndjson_result res;
	size_t n;

	*obj = NULL;
	if ((res = ndjson_read_text(r, &n)) != NDJSON_OBJECT)
		return res;
	return parse(r->buf, n, obj, r->error);
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

/*
 * Writes obj (stolen: released here) as ndjson_write does. Returns 0, or
 * MSI_EXIT_IO after "write error: NAME: why" when the write failed.
 */
int
ndjson_emit(FILE *fp, const char *name, json_t *obj)
{
	int failed;

	if (obj == NULL)
		msg_fatal(MSI_EXIT_IO, "out of memory");
	failed = ndjson_write(fp, obj);
	json_decref(obj);
	if (failed)
		return fwrite_failed(fp, name);
	return 0;
}

/*
 * Reads the file path whole, calling fn(ctx, obj, line) for each object in
 * order; obj is released after. Returns 0, fn's nonzero answer, or an exit
 * status after a message: the file unreadable, or a line not an object.
 */
int
ndjson_each(const char *path, ndjson_fn fn, void *ctx)
{
	struct ndjson_reader r;
	enum ndjson_result res;
	json_t *obj;
	FILE *fp;
	int status = 0;

	if ((fp = fopen(path, "r")) == NULL) {
		msg_syswarn("%s", path);
		return MSI_EXIT_IO;
	}
	ndjson_reader_init(&r, fp, path);
	while (status == 0 && (res = ndjson_read(&r, &obj)) != NDJSON_EOF) {
		if (res == NDJSON_READERR) {
			msg_syswarn("%s", path);
			status = MSI_EXIT_IO;
		} else if (res == NDJSON_BADLINE) {
			msg_at(path, r.line, "%s", r.error);
			status = MSI_EXIT_BADINPUT;
		} else {
			status = fn(ctx, obj, r.line);
			json_decref(obj);
		}
	}
	ndjson_reader_free(&r);
	fclose(fp);
	return status;
}

/*
 * The lines of path copied to out, each as keep says (kept, left out, or
 * replaced by *instead, borrowed); a line that is not a JSON object is
 * kept as it is. A missing path is an empty one. Returns 0 or -1 (errno).
 */
static int
copy_kept(const char *path, FILE *out, ndjson_keep_fn keep, void *ctx)
{
	FILE *in = fopen(path, "r");
	char *buf = NULL;
	size_t size = 0;
	ssize_t len;
	json_t *obj, *instead;
	int status = 0, kept;

	if (in == NULL)
		return errno == ENOENT ? 0 : -1;
	while (status == 0 && (len = getline(&buf, &size, in)) > 0) {
		obj = keep != NULL ? json_loadb(buf, (size_t)len, 0, NULL) : NULL;
		instead = NULL;
		kept = !json_is_object(obj) || keep(ctx, obj, &instead);
		if (instead != NULL)
			status = ndjson_write(out, instead);
		else if (kept)
			status = fwrite(buf, 1, (size_t)len, out) == (size_t)len &&
			                 (buf[len - 1] == '\n' || putc('\n', out) != EOF)
			             ? 0
			             : -1;
		json_decref(obj);
	}
	if (ferror(in))
		status = -1;
	free(buf);
	fclose(in);
	return status;
}

/*
 * File path made anew from its own lines, as keep says (NULL: all kept),
 * then from the lines of the file append (NULL: none): written as
 * path.tmp, synced, renamed over path, so that a crash leaves one or the
 * other whole. Returns 0, or -1 with errno set.
 */
int
ndjson_rewrite(const char *path, ndjson_keep_fn keep, void *ctx, const char *append)
{
	char tmp[4200];
	FILE *fp;

	if ((size_t)snprintf(tmp, sizeof tmp, "%s.tmp", path) >= sizeof tmp) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if ((fp = fopen_tmp(tmp)) == NULL)
		return -1;
	if (copy_kept(path, fp, keep, ctx) != 0 ||
	    (append != NULL && copy_kept(append, fp, NULL, NULL) != 0)) {
		fclose(fp);
		unlink(tmp);
		return -1;
	}
	if (fcommit(fp, tmp, path) != 0) {
		unlink(tmp);
		return -1;
	}
	return 0;
}
