/*
 * outcome.c: what became of each update: failed (with Salesforce's
 * reasons), left unsent by a stop, or the run stopped; and the result
 * lines (and reject lines) written in input order as the updates are
 * answered, the checkpoint (applystate.c) after them.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "apply.h"
#include "ealloc.h"
#include "exitcode.h"
#include "fshut.h"
#include "msg.h"
#include "ndjson.h"
#include "reject.h"

/* The file of update u, as messages and result lines name it. */
static const char *
file_name(const struct apply *a, const struct upd *u)
{
	return strcmp(a->files[u->file], "-") == 0 ? "<stdin>" : a->files[u->file];
}

/* Notes that update i was answered (updated or failed): answered_past looks up to it. */
static void
answered(struct apply *a, size_t i)
{
	if (i >= a->answered_hi)
		a->answered_hi = i + 1;
}

/* Whether update i is in the window; past it, its answer is held (a->held) until read. */
static int
in_window(const struct apply *a, size_t i)
{
	return i >= a->base && i < a->base + a->nw;
}

/* Update i's answer held past the window: its status (a byte) and its reasons, or NULL. */
static json_t *
hold(struct apply *a, size_t i, int status, int retryable, json_t *reason)
{
	char key[32];
	json_t *reasons;

	if (a->held == NULL) {
		a->held = ecalloc(a->n ? a->n : 1, 1);
		a->held_reasons = json_object();
	}
	a->held[i] = (unsigned char)(status | (retryable ? HELD_RETRYABLE : 0));
	if (reason == NULL)
		return NULL;
	snprintf(key, sizeof key, "%zu", i);
	if ((reasons = json_object_get(a->held_reasons, key)) == NULL) {
		reasons = json_array();
		json_object_set_new(a->held_reasons, key, reasons);
	}
	json_array_append_new(reasons, reason);
	return reasons;
}

/* Whether update i has no answer yet, in the window or past it. */
int
outcome_pending(const struct apply *a, size_t i)
{
	if (in_window(a, i))
		return UPD(a, i)->status == U_PENDING;
	return a->held == NULL || a->held[i] == 0;
}

/* Update i applied by Salesforce. */
void
outcome_updated(struct apply *a, size_t i)
{
	if (in_window(a, i))
		UPD(a, i)->status = U_UPDATED;
	else
		hold(a, i, U_UPDATED, 0, NULL);
	answered(a, i);
}

/*
 * Sets the result of update i: failed (or, for a line not an update,
 * rejected by the caller) with Salesforce's code, message and fields.
 * Steals fields.
 */
void
outcome_fail(struct apply *a, size_t i, const char *code, const char *message, json_t *fields,
    int retryable)
{
	struct upd *u;
	json_t *r = json_pack(
	    "{s:s, s:s}", "code", code ? code : "", "message", message ? message : "");

	if (fields != NULL && json_array_size(fields) > 0)
		json_object_set(r, "fields", fields);
	json_decref(fields);
	if (!in_window(a, i)) {
		hold(a, i, U_FAILED, retryable, r);
		answered(a, i);
		return;
	}
	u = UPD(a, i);
	if (u->reasons == NULL)
		u->reasons = json_array();
	json_array_append_new(u->reasons, r);
	u->status = U_FAILED;
	u->retryable = (unsigned char)retryable;
	answered(a, i);
}

/* The same failure for the updates idx[0..n). */
void
outcome_fail_all(struct apply *a, size_t *idx, size_t n, const char *code, const char *message,
    int retryable)
{
	size_t i;

	for (i = 0; i < n; i++)
		outcome_fail(a, idx[i], code, message, NULL, retryable);
}

/*
 * The run stops sending (quota, the service): status and why are kept;
 * what was not answered is reported retryable at the end, and the
 * checkpoint stays before it.
 */
void
outcome_stop(struct apply *a, int status, const struct sferror *e, const char *what)
{
	if (a->stopped != 0)
		return;
	a->stopped = status;
	if (status == MSI_EXIT_QUOTA)
		snprintf(a->stop_why, sizeof a->stop_why,
		    "%s: the org's API requests are spent (REQUEST_LIMIT_EXCEEDED%s%s)", what,
		    a->sf.usage[0] ? ", " : "", a->sf.usage);
	else
		snprintf(a->stop_why, sizeof a->stop_why, "%s: %s%s%.400s", what, e->code,
		    e->code[0] ? ": " : "", e->message);
	msg_warn("%s; stopping", a->stop_why);
}

/* One result line of update u. */
static int
write_result(struct apply *a, struct upd *u)
{
	static const char *const names[] = {
	    "pending", "updated", "failed", "rejected", "failed", "would update"};
	json_t *o = json_object(), *rec, *fields, *v;
	const char *key;
	int failed;

	json_object_set_new(o, "file", json_string(file_name(a, u)));
	json_object_set_new(o, "line", json_integer((json_int_t)u->line));
	if (u->id[0] != '\0') {
		json_object_set_new(o, "key", json_string(u->id));
		json_object_set_new(o, "object", json_string(a->obj[u->obj].name));
	}
	json_object_set_new(o, "status", json_string(names[u->status]));
	if (u->reasons != NULL)
		json_object_set(o, "reasons", u->reasons);
	if (u->retryable)
		json_object_set_new(o, "retryable", json_true());
	if (u->status == U_WOULD && (rec = spool_get(a, u)) != NULL) {
		/* what a run would send of it: its fields, the Id and attributes aside */
		fields = json_object();
		json_object_foreach (rec, key, v) {
			if (strcmp(key, "attributes") != 0 && strcasecmp(key, "Id") != 0)
				json_object_set(fields, key, v);
		}
		json_object_set_new(o, "fields", fields);
		json_decref(rec);
		/* its numbers as the input has them (2.6, not 2.6000000000000001) */
		failed =
		    json_dumpf(o, stdout,
		        JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(15)) != 0 ||
		    putchar('\n') == EOF;
		json_decref(o);
		return failed ? fwrite_failed(stdout, "stdout") : 0;
	}
	return ndjson_emit(stdout, "stdout", o);
}

/* The reject line of a failed or rejected update, its record unchanged. */
static int
write_reject(struct apply *a, struct upd *u)
{
	json_t *first = json_array_get(u->reasons, 0), *rec = NULL, *extra = NULL;
	struct reject r;
	int st;

	memset(&r, 0, sizeof r);
	r.stage = "apply";
	r.status = u->status == U_REJECTED ? "rejected" : "failed";
	r.reason = json_string_value(json_object_get(first, "message"));
	r.code = json_string_value(json_object_get(first, "code"));
	if (r.code != NULL && r.code[0] == '\0')
		r.code = NULL;
	r.retryable = u->retryable;
	r.file = file_name(a, u);
	r.line = u->line;
	rec = spool_get(a, u);
	r.record = rec;
	if (json_array_size(u->reasons) > 1 || json_object_get(first, "fields") != NULL) {
		extra = json_object();
		json_object_set(extra, "reasons", u->reasons);
	}
	r.extra = extra;
	st = reject_write(a->rejects, a->rejects_name, &r);
	json_decref(rec);
	json_decref(extra);
	return st;
}

/*
 * What a stop left unanswered: failed and retryable, "unsent"; the
 * checkpoint stays before the first of them. The lines not yet read
 * again (input.c) are read a window at a time, their result lines
 * written: once the state has been written with the first unsent, the
 * rest changes nothing of it (it says the answers up to the last one,
 * all in the window then), so it is not written again. Returns 0 or
 * MSI_EXIT_IO.
 */
int
outcome_unsent(struct apply *a)
{
	json_t *reasons = json_pack("[{s:s, s:s}]", "code",
	    a->stopped == MSI_EXIT_QUOTA ? "REQUEST_LIMIT_EXCEEDED" : "stopped", "message",
	    a->stop_why[0] ? a->stop_why : "not sent");
	struct upd *u;
	size_t i, end;
	int st = 0;

	for (;;) {
		end = a->base + a->nw;
		for (i = a->written; i < end; i++) {
			u = UPD(a, i);
			if (u->status != U_PENDING)
				continue;
			if (a->unsent == SIZE_MAX)
				a->unsent = i;
			/* one reason shared by all (a million updates unsent: one, not a
			 * million) */
			if (u->reasons != NULL)
				json_array_extend(u->reasons, reasons);
			else
				u->reasons = json_incref(reasons);
			u->status = U_UNSENT;
			u->retryable = 1;
		}
		if (end >= a->n)
			break;
		if ((st = outcome_flush(a)) != 0)
			break;
		if (a->unsent != SIZE_MAX)
			a->frozen = 1;
		input_load(a, end + 4096);
	}
	json_decref(reasons);
	return st;
}

/*
 * Writes the result lines of the updates answered, in input order, up to
 * the first not answered, and then the checkpoint. Returns 0 or
 * MSI_EXIT_IO.
 */
int
outcome_flush(struct apply *a)
{
	struct upd *u;
	size_t before = a->written;
	json_t *first;

	while (a->written < a->base + a->nw && UPD(a, a->written)->status != U_PENDING) {
		u = UPD(a, a->written);
		if (u->written_before) { /* by the run before */
			a->written++;
			continue;
		}
		if (write_result(a, u) != 0)
			return MSI_EXIT_IO;
		switch (u->status) {
		case U_UPDATED: a->updated++; break;
		case U_REJECTED: a->rejected++; break;
		case U_UNSENT: a->unsent_n++; break;
		case U_WOULD: a->would++; break;
		case U_FAILED:
			if (a->failed++ < APPLY_FAIL_MESSAGES) {
				first = json_array_get(u->reasons, 0);
				msg_at(file_name(a, u), u->line, "%s %s: %s: %s",
				    a->obj[u->obj].name, u->id,
				    json_string_value(json_object_get(first, "code")),
				    json_string_value(json_object_get(first, "message")));
			}
			break;
		}
		if (u->status != U_UPDATED && u->status != U_WOULD && a->rejects != NULL &&
		    write_reject(a, u) != 0)
			return MSI_EXIT_IO;
		json_decref(u->reasons);
		u->reasons = NULL;
		a->written++;
	}
	/* the lines out before the checkpoint says so: at worst written twice */
	if (a->written != before &&
	    (fflush(stdout) != 0 || (a->rejects != NULL && fflush(a->rejects) != 0)))
		return MSI_EXIT_IO;
	/* and the updates answered past them, each time a batch ends */
	state_write(a);
	input_drop(a);
	return 0;
}
