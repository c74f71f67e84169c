/* results.c: one result line per record msi-load read, in input order; its rejects and counts. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exitcode.h"
#include "fshut.h"
#include "jsonbuf.h"
#include "load.h"
#include "msg.h"
#include "reject.h"

/* The record's key for result lines and --changed-only: its external id(s). A new reference. */
json_t *
results_key(const struct load *l, json_t *rec)
{
	struct jsonbuf b = {0};
	json_t *v, *key;
	char num[32];
	int i;

	if (l->is_lead) {
		v = json_object_get(rec, "externalPersonId");
		if (!json_is_string(v))
			v = json_object_get(rec, l->lookup);
		return v ? json_incref(v) : json_null();
	}
	for (i = 0; i < 3 && l->obj->key[i] != NULL; i++) {
		v = json_object_get(rec, l->obj->key[i]);
		if (i > 0)
			jsonbuf_add(&b, "/", 1);
		if (json_is_string(v)) {
			jsonbuf_addstr(&b, json_string_value(v));
		} else if (json_is_integer(v)) {
			snprintf(num, sizeof num, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
			jsonbuf_addstr(&b, num);
		}
	}
	key = i == 1 ? json_incref(json_object_get(rec, l->obj->key[0]))
	             : json_stringn(b.data ? b.data : "", b.len);
	jsonbuf_free(&b);
	return key ? key : json_null();
}

/* A result line for record i of b; reasons (may be NULL) is stolen. */
static json_t *
result_line(const struct load *l, struct batch *b, size_t i, const char *status, json_t *item,
    json_t *reasons)
{
	json_t *line = json_pack("{s:s, s:I, s:o, s:s}", "file", b->file, "line",
	    (json_int_t)b->lines[i], "key", results_key(l, json_array_get(b->recs, i)), "status",
	    status);
	json_t *id;

	if (item != NULL && (id = json_object_get(item, "id")) != NULL)
		json_object_set(line, "id", id);
	if (item != NULL && (id = json_object_get(item, "marketoGUID")) != NULL)
		json_object_set(line, "marketoGUID", id);
	if (reasons != NULL)
		json_object_set_new(line, "reasons", reasons);
	return line;
}

static json_t *
reason(const char *code, const char *message)
{
	return json_pack("[{s:s, s:s}]", "code", code, "message", message);
}

/* The field a record refused for it (718) is sent again without. */
#define OWNER "externalSalesPersonId"

/*
 * Whether Marketo refused rec (its answer item) for its sales person
 * alone (718, and no other reason): then it goes again without
 * externalSalesPersonId, unless --no-unlink. A record refused for more
 * than that would be refused again.
 */
int
results_unlinkable(const struct load *l, json_t *rec, json_t *item)
{
	json_t *reasons = json_object_get(item, "reasons"), *one;
	const char *code;
	size_t k;

	if (!l->unlink || !json_is_string(json_object_get(rec, OWNER)) ||
	    !json_is_string(json_object_get(item, "status")) ||
	    strcmp(json_string_value(json_object_get(item, "status")), "skipped") != 0 ||
	    json_array_size(reasons) == 0)
		return 0;
	json_array_foreach(reasons, k, one)
	{
		code = json_string_value(json_object_get(one, "code"));
		if (code == NULL || strcmp(code, "718") != 0)
			return 0;
	}
	return 1;
}

/*
 * The final answer of record j of resend batch r: its result line takes
 * the place of the first answer's in the batch the record came from,
 * which is DONE once each of its records sent again is answered. Landed,
 * the line says it is unlinked, and why; refused again or failed, its
 * reasons (stolen; NULL for none) are followed by the first answer's.
 */
static void
settle(struct load *l, struct batch *r, size_t j, const char *status, json_t *item,
    json_t *reasons, int retryable)
{
	struct batch *b = r->from[j];
	size_t i = r->at[j];
	json_t *first = json_array_get(b->results, i), *why, *unlinked, *line;

	if (strcmp(status, "created") == 0 || strcmp(status, "updated") == 0) {
		why = json_array_get(json_object_get(first, "reasons"), 0);
		unlinked = json_pack("{s:s, s:O, s:O}", "field", OWNER, "value",
		    json_object_get(json_array_get(b->recs, i), OWNER), "code",
		    json_object_get(why, "code"));
		if (json_is_string(json_object_get(why, "message")))
			json_object_set(unlinked, "message", json_object_get(why, "message"));
		line = result_line(l, b, i, status, item, NULL);
		json_object_set_new(line, "unlinked", unlinked);
		json_decref(reasons);
	} else {
		if (reasons == NULL)
			reasons = json_array();
		json_array_extend(reasons, json_object_get(first, "reasons"));
		line = result_line(l, b, i, status, item, reasons);
		if (retryable)
			json_object_set_new(line, "retryable", json_true());
	}
	json_array_set_new(b->results, i, line);
	if (--b->resending == 0)
		b->state = DONE;
}

/*
 * Every record of the batch failed for one reason: a refused call, or the
 * retries spent (retryable: the service failed, not the record, and a
 * later run may land it). Those of a resend batch fail in the batches they
 * came from.
 */
void
results_fail(
    struct load *l, struct batch *b, const char *code, const char *message, int retryable)
{
	json_t *reasons = reason(code, message), *line;
	size_t i;

	if (b->from != NULL) {
		for (i = 0; i < b->n; i++)
			settle(l, b, i, "failed", NULL, json_copy(reasons), retryable);
	} else {
		b->results = json_array();
		for (i = 0; i < b->n; i++) {
			line = result_line(l, b, i, "failed", NULL, json_incref(reasons));
			if (retryable)
				json_object_set_new(line, "retryable", json_true());
			json_array_append_new(b->results, line);
		}
	}
	json_decref(reasons);
	b->state = DONE;
	if (l->fail_fast && !l->stopping) {
		msg_warn("a batch failed (%s: %s); stopping (--fail-fast)", code, message);
		l->stopping = 1;
	}
}

/* The item of a sync answer's result for the record sent seq-th, or NULL. */
static json_t *
item_for(json_t *result, size_t seq)
{
	json_t *item;
	size_t k;

	json_array_foreach(result, k, item)
	{
		if (json_integer_value(json_object_get(item, "seq")) == (json_int_t)seq)
			return item;
	}
	return NULL;
}

/* The answers to a resend batch: each settles a record of the batch it came from. */
static void
resent_match(struct load *l, struct batch *r, json_t *answer)
{
	json_t *result = json_object_get(answer, "result"), *item;
	const char *status;
	size_t j;

	for (j = 0; j < r->n; j++) {
		item = l->is_lead ? json_array_get(result, j) : item_for(result, j);
		status = item ? json_string_value(json_object_get(item, "status")) : NULL;
		if (status == NULL)
			settle(l, r, j, "failed", NULL,
			    reason("answer", "no result for this record in Marketo's answer"),
			    0);
		else
			settle(l, r, j, status, item,
			    json_copy(json_object_get(item, "reasons")), 0);
	}
	r->state = DONE;
}

/*
 * Matches a sync answer's result items to the batch's records: leads in
 * input order, the others by seq; roles whose person is not a lead in
 * Marketo were not sent and are skipped. A record refused for its sales
 * person alone keeps that answer's line until it is sent again without
 * it (resend_add): the batch is HELD till then.
 */
void
results_match(struct load *l, struct batch *b, json_t *answer)
{
	json_t *result = json_object_get(answer, "result"), *item, *v;
	const char *status, *pid;
	size_t i, sent = 0;

	if (b->from != NULL) {
		resent_match(l, b, answer);
		return;
	}
	b->results = json_array();
	for (i = 0; i < b->n; i++) {
		if (b->resolved) {
			pid = json_string_value(
			    json_object_get(json_array_get(b->recs, i), "externalPersonId"));
			v = pid ? json_object_get(l->lead_ids, pid) : NULL;
			if (pid != NULL && !roles_person_ok(pid)) {
				json_array_append_new(b->results,
				    result_line(l, b, i, "failed", NULL,
				        reason("input", "externalPersonId is not one Salesforce id")));
				continue;
			}
			if (!json_is_integer(v)) {
				json_array_append_new(b->results,
				    result_line(l, b, i, "skipped", NULL,
				        reason("1004",
				            "the person (externalPersonId) is not a lead in Marketo")));
				continue;
			}
			item = item_for(result, sent++);
		} else if (l->is_lead) {
			item = json_array_get(result, i);
		} else {
			item = item_for(result, i);
		}
		status = item ? json_string_value(json_object_get(item, "status")) : NULL;
		if (status == NULL) {
			json_array_append_new(b->results,
			    result_line(l, b, i, "failed", NULL,
			        reason("answer", "no result for this record in Marketo's answer")));
			continue;
		}
		json_array_append_new(
		    b->results, result_line(l, b, i, status, item,
		                    json_incref(json_object_get(item, "reasons"))));
		if (results_unlinkable(l, json_array_get(b->recs, i), item))
			resend_add(l, b, i);
	}
	b->state = b->resending > 0 ? HELD : DONE;
}

/*
 * Writes the record of a result line to the rejects file: skipped or
 * failed, its reasons as one reason and the first code; unlinked (landed
 * without its sales person), why.
 */
static void
set_aside(struct load *l, json_t *line, json_t *rec, const char *status)
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
		json_array_foreach(reasons, i, one)
		{
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
	if (reject_write(l->rejects, l->rejects_name, &r) != 0)
		exit(MSI_EXIT_IO);
	jsonbuf_free(&why);
}

/*
 * Writes the results of the finished batches at the head of the queue, in
 * input order, and sets aside their skipped, failed and unlinked records;
 * then the checkpoint that says they are out. A HELD batch stops it: its
 * records sent again are not answered yet, and the checkpoint must not
 * pass them.
 */
void
results_emit(struct load *l)
{
	struct batch *b;
	json_t *line;
	const char *status;
	size_t i;
	int advanced = 0;

	while (l->count > 0 && (b = batch_at(l, 0))->state == DONE) {
		json_array_foreach(b->results, i, line)
		{
			status = json_string_value(json_object_get(line, "status"));
			l->records++;
			if (strcmp(status, "created") == 0)
				l->created++;
			else if (strcmp(status, "updated") == 0)
				l->updated++;
			else if (strcmp(status, "skipped") == 0)
				l->skipped++;
			else
				l->failed++;
			if (json_is_true(json_object_get(line, "retryable")))
				l->retryable++;
			if (l->landed.path != NULL &&
			    (strcmp(status, "created") == 0 || strcmp(status, "updated") == 0))
				landed_confirm(l, json_array_get(b->recs, i), line);
			if (json_object_get(line, "unlinked") != NULL)
				l->unlinked++;
			if (ndjson_write(stdout, line) != 0)
				exit(fwrite_failed(stdout, "stdout"));
			if (l->rejects != NULL &&
			    (strcmp(status, "skipped") == 0 || strcmp(status, "failed") == 0))
				set_aside(l, line, json_array_get(b->recs, i),
				    strcmp(status, "skipped") == 0 ? "skipped" : "failed");
			else if (l->rejects != NULL &&
			         json_object_get(line, "unlinked") != NULL)
				set_aside(l, line, json_array_get(b->recs, i), "unlinked");
		}
		l->acked += b->span;
		l->unchanged += b->unchanged; /* counted once answered: a resumed run reads them again */
		advanced = 1;
		batch_free(b);
		l->head = (l->head + 1) % MAX_QUEUE;
		l->count--;
	}
	/* records passed over after the last batch (unchanged, --retry) are done too */
	if (l->count == 0 && l->input_done && l->passed > 0 && !l->stopping &&
	    l->input_status == 0) {
		l->acked += l->passed;
		l->unchanged += l->unchanged_ahead;
		l->passed = l->unchanged_ahead = 0;
		advanced = 1;
	}
	if (advanced)
		landed_flush(l);
	if (advanced && l->state_name != NULL) {
		/* the results first, then the checkpoint that says they are out */
		if (fflush(stdout) != 0)
			exit(fwrite_failed(stdout, "stdout"));
		if (l->rejects != NULL && fflush(l->rejects) != 0)
			exit(fwrite_failed(l->rejects, l->rejects_name));
		checkpoint_write(l);
	}
}

/* The counts of the run, for --stats-json: a new reference. */
json_t *
results_stats(const struct load *l)
{
	json_t *s = json_pack("{s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "tool",
	    "msi-load", "object", l->obj->name, "records", (json_int_t)l->records, "created",
	    (json_int_t)l->created, "updated", (json_int_t)l->updated, "skipped",
	    (json_int_t)l->skipped, "failed", (json_int_t)l->failed, "unlinked",
	    (json_int_t)l->unlinked, "retryable", (json_int_t)l->retryable);

	if (l->retry != NULL)
		json_object_set_new(s, "passed_over", json_integer((json_int_t)l->passed_over));
	if (l->landed.path != NULL)
		landed_stats(l, s);
	return s;
}
