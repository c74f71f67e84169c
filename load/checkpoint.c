/* checkpoint.c: msi-load's --state: how much of the input is answered, for a resumed run. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>

#include "checkpoint.h"
#include "exitcode.h"
#include "inputid.h"
#include "msg.h"
#include "ndjson.h"
#include "statefile.h"

/* A checkpoint is a short line; a file much larger is something else. */
#define MAX_STATE ((off_t)1 << 20)

/*
 * Writes the checkpoint: how many records at the start of the input are
 * answered, and the input's identity, whose record count says whether the
 * run answered all of it. A new file is written and renamed over the old
 * one, so that a crash at any moment leaves one or the other whole. The
 * state holds no secret, no token, and is for its user only. results:
 * the result lines this run wrote.
 */
void
checkpoint_write(struct checkpoint *c, unsigned long results)
{
	struct statefile sf;
	json_t *st;
	FILE *fp;

	st = json_pack("{s:s, s:o, s:I, s:I, s:o}", "object", c->obj->name, "input",
	    inputs_names(&c->inputs), "acknowledged", (json_int_t)c->acked, "results",
	    (json_int_t)(c->results_before + results), "identity", inputs_identity(&c->inputs));
	statefile_init(&sf, c->path); /* read once at the start, replaced whole: no lock */
	if ((fp = statefile_begin(&sf)) == NULL || ndjson_write(fp, st) != 0 ||
	    statefile_commit(&sf) != 0)
		msg_sysfatal(MSI_EXIT_IO, "%s", c->path);
	json_decref(st);
}

/*
 * The checkpoint read back (st, borrowed), every member checked as if
 * edited by hand: of this object, of this input (inputs_compare), and
 * counts within it. Sets c->skip and the counts of a resumed run. Returns
 * 0, or an exit status after a message: 3 for a state msi-load did not
 * write, 2 for one of another object or input.
 */
static int
checkpoint_check(struct checkpoint *c, const json_t *st, const struct stat *sb)
{
	const char *object = json_string_value(json_object_get(st, "object"));
	const json_t *acked = json_object_get(st, "acknowledged"),
	             *res = json_object_get(st, "results");
	enum inputs_verdict verdict;
	uint64_t records, n;
	char why[1200];

	if (object == NULL || mkto_by_name(object) == NULL) {
		msg_warn(
		    "%s: not a checkpoint of msi-load: \"object\" is not one of its objects",
		    c->path);
		return MSI_EXIT_BADINPUT;
	}
	if (strcmp(object, c->obj->name) != 0) {
		msg_warn(
		    "%s: the checkpoint of %s, not %s; give the state of %s, or remove it to "
		    "start afresh",
		    c->path, object, c->obj->name, c->obj->name);
		return MSI_EXIT_USAGE;
	}
	if ((verdict = inputs_compare(&c->inputs, st, sb, &records, why, sizeof why)) ==
	    INPUTS_BAD) {
		msg_warn("%s: %s", c->path, why);
		return MSI_EXIT_BADINPUT;
	}
	if (!json_is_integer(acked) || json_integer_value(acked) < 0 ||
	    (uint64_t)json_integer_value(acked) > records) {
		if (records == UINT64_MAX)
			msg_warn("%s: acknowledged: not a count of records", c->path);
		else
			msg_warn(
			    "%s: acknowledged: not a count of records from 0 to the input's %" PRIu64,
			    c->path, records);
		return MSI_EXIT_BADINPUT;
	}
	n = (uint64_t)json_integer_value(acked);
	/* result lines: fewer than the records when some were passed over; missing before */
	if (res != NULL && (!json_is_integer(res) || json_integer_value(res) < 0 ||
	                       (uint64_t)json_integer_value(res) > n)) {
		msg_warn(
		    "%s: results: not a count of result lines from 0 to acknowledged (%" PRIu64
		    ")",
		    c->path, n);
		return MSI_EXIT_BADINPUT;
	}
	if (verdict == INPUTS_OTHER)
		return inputs_other(&c->inputs, c->path, why,
		    n == records ? "whose run answered all its input"
		    : n == 0     ? "in which nothing was answered"
		                 : NULL);
	c->skip = c->acked = (unsigned long)n;
	c->results_before = res != NULL ? (unsigned long)json_integer_value(res) : c->acked;
	return 0;
}

/*
 * A run with a state at path: the input files identified (read once
 * whole), then the checkpoint, if there is one, read back. Returns 0, or
 * an exit status after a message.
 */
int
checkpoint_read(
    struct checkpoint *c, const char *path, const struct mkto_def *obj, char **files)
{
	struct statefile sf;
	json_error_t err;
	json_t *st;
	int n, status;

	memset(c, 0, sizeof *c);
	c->path = path;
	c->obj = obj;
	for (n = 0; files[n] != NULL; n++)
		;
	if ((status = inputs_identify(&c->inputs, files, n)) != 0)
		return status;
	if ((status = statefile_open(&sf, path, 0)) != 0)
		return status;
	if (sf.fd < 0)
		return 0; /* a first run */
	/* it is replaced by rename: a device or a pipe must not be */
	if ((status = statefile_regular(&sf, MSI_EXIT_USAGE)) != 0)
		goto out;
	if (sf.st.st_size > MAX_STATE) {
		msg_warn("%s: not a checkpoint of msi-load: over %lld bytes", path,
		    (long long)MAX_STATE);
		status = MSI_EXIT_BADINPUT;
		goto out;
	}
	if ((st = json_loadfd(sf.fd, JSON_REJECT_DUPLICATES, &err)) == NULL) {
		msg_at(path, (unsigned long)err.line, "%s", err.text);
		status = MSI_EXIT_BADINPUT;
		goto out;
	}
	status = checkpoint_check(c, st, &sf.st);
	json_decref(st);
	if (status == 0 && c->skip > 0)
		msg_warn("%s: resuming after %lu records answered before", path, c->skip);
out:
	statefile_close(&sf);
	return status;
}

void
checkpoint_free(struct checkpoint *c)
{
	inputs_free(&c->inputs);
}
