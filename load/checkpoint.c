/* checkpoint.c: msi-load's --state: how much of the input is answered, for a resumed run. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "exitcode.h"
#include "fshut.h"
#include "inputid.h"
#include "load.h"
#include "msg.h"

/* A checkpoint is a short line; a file much larger is something else. */
#define MAX_STATE ((off_t)1 << 20)

/*
 * Writes the checkpoint: how many records at the start of the input are
 * answered, and the input's identity, whose record count says whether the
 * run answered all of it. A new file is written and renamed over the old
 * one, so that a crash at any moment leaves one or the other whole. The
 * state holds no secret, no token, and is for its user only.
 */
void
checkpoint_write(struct load *l)
{
	char tmp[4096];
	json_t *st;
	FILE *fp;

	snprintf(tmp, sizeof tmp, "%s.tmp", l->state_name);
	st = json_pack("{s:s, s:o, s:I, s:I, s:o}", "object", l->obj->name, "input",
	    inputs_names(&l->inputs), "acknowledged", (json_int_t)l->acked, "results",
	    (json_int_t)(l->results_before + l->records), "identity",
	    inputs_identity(&l->inputs));
	if ((fp = fopen_tmp(tmp)) == NULL ||
	    (ndjson_write(fp, st) | fcommit(fp, tmp, l->state_name)) != 0)
		msg_sysfatal(MSI_EXIT_IO, "%s", l->state_name);
	json_decref(st);
}

/*
 * The checkpoint read back (st, borrowed), every member checked as if
 * edited by hand: of this object, of this input (inputs_compare), and
 * counts within it. Sets l->skip and the counts of a resumed run. Returns
 * 0, or an exit status after a message: 3 for a state msi-load did not
 * write, 2 for one of another object or input.
 */
static int
checkpoint_check(struct load *l, const json_t *st, const struct stat *sb)
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
		    l->state_name);
		return MSI_EXIT_BADINPUT;
	}
	if (strcmp(object, l->obj->name) != 0) {
		msg_warn(
		    "%s: the checkpoint of %s, not %s; give the state of %s, or remove it to "
		    "start afresh",
		    l->state_name, object, l->obj->name, l->obj->name);
		return MSI_EXIT_USAGE;
	}
	if ((verdict = inputs_compare(&l->inputs, st, sb, &records, why, sizeof why)) ==
	    INPUTS_BAD) {
		msg_warn("%s: %s", l->state_name, why);
		return MSI_EXIT_BADINPUT;
	}
	if (!json_is_integer(acked) || json_integer_value(acked) < 0 ||
	    (uint64_t)json_integer_value(acked) > records) {
		if (records == UINT64_MAX)
			msg_warn("%s: acknowledged: not a count of records", l->state_name);
		else
			msg_warn(
			    "%s: acknowledged: not a count of records from 0 to the input's %" PRIu64,
			    l->state_name, records);
		return MSI_EXIT_BADINPUT;
	}
	n = (uint64_t)json_integer_value(acked);
	/* result lines: fewer than the records when some were passed over; missing before */
	if (res != NULL && (!json_is_integer(res) || json_integer_value(res) < 0 ||
	                       (uint64_t)json_integer_value(res) > n)) {
		msg_warn(
		    "%s: results: not a count of result lines from 0 to acknowledged (%" PRIu64
		    ")",
		    l->state_name, n);
		return MSI_EXIT_BADINPUT;
	}
	if (verdict == INPUTS_OTHER)
		return inputs_other(&l->inputs, l->state_name, why,
		    n == records ? "whose run answered all its input"
		    : n == 0     ? "in which nothing was answered"
		                 : NULL);
	l->skip = l->acked = (unsigned long)n;
	l->results_before = res != NULL ? (unsigned long)json_integer_value(res) : l->acked;
	return 0;
}

/*
 * A run with a state: the input identified (read once whole), then the
 * checkpoint, if there is one, read back. Returns 0, or an exit status
 * after a message.
 */
int
checkpoint_read(struct load *l)
{
	json_error_t err;
	json_t *st;
	struct stat sb;
	int n, status;

	for (n = 0; l->files[n] != NULL; n++)
		;
	if ((status = inputs_identify(&l->inputs, l->files, n)) != 0)
		return status;
	if (stat(l->state_name, &sb) != 0) {
		if (errno == ENOENT)
			return 0; /* a first run */
		msg_syswarn("%s", l->state_name);
		return MSI_EXIT_IO;
	}
	/* it is replaced by rename: a device or a pipe must not be */
	if (!S_ISREG(sb.st_mode)) {
		msg_warn("%s: not a regular file", l->state_name);
		return MSI_EXIT_USAGE;
	}
	if (sb.st_size > MAX_STATE) {
		msg_warn("%s: not a checkpoint of msi-load: over %lld bytes", l->state_name,
		    (long long)MAX_STATE);
		return MSI_EXIT_BADINPUT;
	}
	if ((st = json_load_file(l->state_name, JSON_REJECT_DUPLICATES, &err)) == NULL) {
		if (access(l->state_name, F_OK) != 0)
			return 0; /* removed meanwhile: a first run */
		msg_at(l->state_name, (unsigned long)err.line, "%s", err.text);
		return MSI_EXIT_BADINPUT;
	}
	status = checkpoint_check(l, st, &sb);
	json_decref(st);
	if (status == 0 && l->skip > 0)
		msg_warn(
		    "%s: resuming after %lu records answered before", l->state_name, l->skip);
	return status;
}
