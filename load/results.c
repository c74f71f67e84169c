/* results.c: msi-load's output: the result lines as given, in the order given; rejects; counts.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exitcode.h"
#include "fshut.h"
#include "jsonbuf.h"
#include "load.h"
#include "msg.h"
#include "reject.h"

#define OWNER "externalSalesPersonId"

/* The record's key for result lines and --changed-only: its external id(s). A new reference. */
json_t *
results_key(const struct load *l, json_t *rec)
{
	return mkto_record_key((enum mkto_object)(l->obj - mkto_objects), rec, l->lookup);
}

/* The result line of rec, record line of file; reasons (may be NULL) is stolen. A new
 * reference. */
json_t *
results_line(const struct load *l, const char *file, unsigned long lineno, json_t *rec,
    const char *status, json_t *item, json_t *reasons)
{
	json_t *line = json_pack("{s:s, s:I, s:o, s:s}", "file", file, "line",
	    (json_int_t)lineno, "key", results_key(l, rec), "status", status);
	json_t *id;

	if (item != NULL && (id = json_object_get(item, "id")) != NULL)
		json_object_set(line, "id", id);
	if (item != NULL && (id = json_object_get(item, "marketoGUID")) != NULL)
		json_object_set(line, "marketoGUID", id);
	if (reasons != NULL)
		json_object_set_new(line, "reasons", reasons);
	return line;
}

/*
 * Opens the rejects file name (NULL: none): anew, or to add to the
 * rejects of the runs before (append: a resumed run). Returns 0, or -1
 * with errno set.
 */
int
results_open(struct results *r, const char *name, int append)
{
	r->rejects_name = name;
	if (name != NULL && (r->rejects = fopen_private(name, append)) == NULL)
		return -1;
	return 0;
}

/*
 * Writes the record of a result line to the rejects file: skipped or
 * failed, its reasons as one reason and the first code; unlinked (landed
 * without its sales person), why.
 */
static void
set_aside(struct results *res, json_t *line, json_t *rec, const char *status)
{
	struct jsonbuf why = {0};
	struct reject r = {0};
	json_t *reasons = json_object_get(line, "reasons"), *one;
	json_t *unlinked = json_object_get(line, "unlinked");
	size_t i;

	if (unlinked != NULL) {
		jsonbuf_addstr(&why, OWNER " ");
		jsonbuf_addstr(&why, json_string_value(json_object_get(unlinked, "value")));
		jsonbuf_addstr(&why, " is not a sales person in Marketo (718): ");
		jsonbuf_addstr(&why, json_string_value(json_object_get(line, "status")));
		jsonbuf_addstr(&why, " without it");
		r.code = json_string_value(json_object_get(unlinked, "code"));
	} else {
		json_array_foreach (reasons, i, one) {
			if (i > 0)
				jsonbuf_addstr(&why, "; ");
			jsonbuf_addstr(
			    &why, json_string_value(json_object_get(one, "message"))
			              ? json_string_value(json_object_get(one, "message"))
			              : "");
		}
		r.code = json_string_value(json_object_get(json_array_get(reasons, 0), "code"));
	}
	jsonbuf_add(&why, "", 1);
	r.stage = "load";
	r.status = status;
	r.reason = why.data;
	r.retryable = json_is_true(json_object_get(line, "retryable"));
	r.file = json_string_value(json_object_get(line, "file"));
	r.line = (unsigned long)json_integer_value(json_object_get(line, "line"));
	r.record = rec;
	if (reject_write(res->rejects, res->rejects_name, &r) != 0)
		exit(MSI_EXIT_IO);
	jsonbuf_free(&why);
}

/*
 * Writes a result line (borrowed) of rec (borrowed) and counts it; sets
 * aside a record skipped, failed or unlinked (landed without its sales
 * person). Stops the run when the output cannot be written.
 */
void
results_write(struct results *r, json_t *line, json_t *rec)
{
	const char *status = json_string_value(json_object_get(line, "status"));
	char key[4200];

	r->records++;
	if (strcmp(status, "created") == 0)
		r->created++;
	else if (strcmp(status, "updated") == 0)
		r->updated++;
	else if (strcmp(status, "skipped") == 0)
		r->skipped++;
	else
		r->failed++;
	if (json_is_true(json_object_get(line, "retryable")))
		r->retryable++;
	if (json_object_get(line, "unlinked") != NULL)
		r->unlinked++;
	if (ndjson_write(r->out, line) != 0)
		exit(fwrite_failed(r->out, r->out_name));
	if (r->merged != NULL) {
		snprintf(key, sizeof key, "%s:%" JSON_INTEGER_FORMAT,
		    json_string_value(json_object_get(line, "file")),
		    json_integer_value(json_object_get(line, "line")));
		json_object_set(r->merged, key, line);
	}
	if (r->rejects != NULL &&
	    (strcmp(status, "skipped") == 0 || strcmp(status, "failed") == 0))
		set_aside(r, line, rec, strcmp(status, "skipped") == 0 ? "skipped" : "failed");
	else if (r->rejects != NULL && json_object_get(line, "unlinked") != NULL)
		set_aside(r, line, rec, "unlinked");
}

/* The lines written so far out of the buffers: before a checkpoint says they are out. */
void
results_flush(struct results *r)
{
	if (fflush(r->out) != 0)
		exit(fwrite_failed(r->out, r->out_name));
	if (r->rejects != NULL && fflush(r->rejects) != 0)
		exit(fwrite_failed(r->rejects, r->rejects_name));
}

/* Whether a record was skipped or failed: the run's status is then at least 1. */
int
results_rejected(const struct results *r)
{
	return r->skipped > 0 || r->failed > 0;
}

/* The counts of the output, for --stats-json: a new reference. */
json_t *
results_stats(const struct results *r, const char *object)
{
	return json_pack("{s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "tool", "msi-load",
	    "object", object, "records", (json_int_t)r->records, "created",
	    (json_int_t)r->created, "updated", (json_int_t)r->updated, "skipped",
	    (json_int_t)r->skipped, "failed", (json_int_t)r->failed, "unlinked",
	    (json_int_t)r->unlinked, "retryable", (json_int_t)r->retryable);
}
