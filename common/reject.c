/* reject.c: the one shape of a record a stage sets aside, with its reason and position. */
#include "exitcode.h"
#include "msg.h"
#include "ndjson.h"
#include "reject.h"

/*
 * Writes r as one line of fp (named name in messages): stage, status,
 * reason, code, retryable, file, line, source, then extra's members and the
 * record. What the stage cannot know is left out, not invented. Returns 0,
 * or MSI_EXIT_IO after a message.
 */
int
reject_write(FILE *fp, const char *name, const struct reject *r)
{
	json_t *o = json_object(), *v;
	const char *key;

	json_object_set_new(o, "stage", json_string(r->stage));
	json_object_set_new(o, "status", json_string(r->status));
	json_object_set_new(o, "reason", json_string(r->reason));
	if (r->code != NULL)
		json_object_set_new(o, "code", json_string(r->code));
	if (r->retryable)
		json_object_set_new(o, "retryable", json_true());
	if (r->file != NULL) {
		json_object_set_new(o, "file", json_string(r->file));
		json_object_set_new(o, "line", json_integer((json_int_t)r->line));
	}
	if (r->source != NULL)
		json_object_set_new(o, "source", json_string(r->source));
	if (r->extra != NULL)
		json_object_foreach (r->extra, key, v)
			json_object_set(o, key, v);
	if (r->record != NULL)
		json_object_set(o, "record", r->record);
	return ndjson_emit(fp, name, o);
}
