/* sfout.c: Salesforce updates written out: NDJSON records or Bulk API 2.0 CSV files. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <csv.h>

#include "ealloc.h"
#include "exitcode.h"
#include "fshut.h"
#include "msg.h"
#include "sfout.h"

static const char *const types[SFOUT_TYPES] = {"Lead", "Contact"};

/*
 * Numbers with 15 significant digits: Marketo's 2.6 stays 2.6 (17 digits
 * would show the double's 2.6000000000000001); Salesforce number fields
 * hold at most 18 digits in all.
 */
#define DUMP_FLAGS (JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(15))

/*
 * With a folder, each object's file is written as .TYPE.csv.tmp beside
 * its final name and renamed at the end, so that a file named Lead.csv is
 * always whole. Each starts with its header: Id, then the fields.
 */
void
sfout_open(struct sfout *o, const char *dir, const struct fields *fs)
{
	struct sfout_file *f;
	size_t len, i;
	int k;

	memset(o, 0, sizeof *o);
	o->dir = dir;
	o->fs = fs;
	for (k = 0; k < SFOUT_TYPES; k++)
		o->file[k].type = types[k];
	if (dir == NULL)
		return;
	for (k = 0; k < SFOUT_TYPES; k++) {
		f = &o->file[k];
		len = strlen(dir) + strlen(f->type) + 16;
		f->path = emalloc(len);
		f->tmp = emalloc(len);
		snprintf(f->path, len, "%s/%s.csv", dir, f->type);
		snprintf(f->tmp, len, "%s/.%s.csv.tmp", dir, f->type);
		if ((f->fp = fopen_tmp(f->tmp)) == NULL)
			msg_sysfatal(MSI_EXIT_IO, "%s", f->tmp);
		fputs("Id", f->fp);
		for (i = 0; i < fs->n; i++)
			fprintf(f->fp, ",%s", fs->f[i].sf);
		fputs("\n", f->fp);
	}
}

/* One CSV field: quoted (by libcsv) only when it must be. */
static void
csv_field(FILE *fp, const char *s, size_t n)
{
	if (n == 0 || strpbrk(s, ",\"\r\n") != NULL || s[0] == ' ' || s[n - 1] == ' ')
		csv_fwrite(fp, s, n);
	else
		fwrite(s, 1, n, fp);
}

/*
 * One value of an update as a Bulk API 2.0 CSV field: a string (quoted when
 * it must be), a number or a boolean as JSON writes it, and #N/A for null
 * or the empty string, which Salesforce reads as "set to null" (an empty
 * field would leave the value as it is).
 */
void
sfout_csv_value(FILE *fp, const json_t *v)
{
	char *text;

	if (v == NULL || json_is_null(v) || (json_is_string(v) && json_string_length(v) == 0)) {
		fputs("#N/A", fp);
	} else if (json_is_string(v)) {
		csv_field(fp, json_string_value(v), json_string_length(v));
	} else {
		text = json_dumps(v, JSON_ENCODE_ANY | DUMP_FLAGS);
		fputs(text, fp);
		free(text);
	}
}

/* Writes one update (fields_update's record). Returns 0, or -1 on a write error. */
int
sfout_write(struct sfout *o, json_t *rec)
{
	const char *type =
	    json_string_value(json_object_get(json_object_get(rec, "attributes"), "type"));
	struct sfout_file *f = NULL;
	size_t i;
	int k;

	for (k = 0; k < SFOUT_TYPES; k++)
		if (strcmp(type, o->file[k].type) == 0)
			f = &o->file[k];
	f->rows++;
	if (o->dir == NULL)
		return json_dumpf(rec, stdout, DUMP_FLAGS) != 0 || putchar('\n') == EOF ? -1
		                                                                        : 0;
	fputs(json_string_value(json_object_get(rec, "Id")), f->fp);
	for (i = 0; i < o->fs->n; i++) {
		putc(',', f->fp);
		sfout_csv_value(f->fp, json_object_get(rec, o->fs->f[i].sf));
	}
	fputs("\n", f->fp);
	return ferror(f->fp) ? -1 : 0;
}

/*
 * Flushes what was written; CSV files are synced to disk and take their
 * final names. Returns 0, or -1 after a message.
 */
int
sfout_close(struct sfout *o)
{
	struct sfout_file *f;
	int k, status = 0;

	for (k = 0; k < SFOUT_TYPES; k++) {
		f = &o->file[k];
		if (f->fp != NULL) {
			if (fcommit(f->fp, f->tmp, f->path) != 0) {
				msg_syswarn("%s", f->path);
				status = -1;
			}
		}
		free(f->path);
		free(f->tmp);
	}
	return status;
}
