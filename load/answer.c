/* answer.c: Marketo's answer to a batch's call matched to its records: a result line each. */
#include <stdio.h>
#include <string.h>

#include "load.h"
#include "msg.h"

/* The field a record refused for it (718) is sent again without. */
#define OWNER "externalSalesPersonId"

/* Record i of b's result line; reasons (may be NULL) is stolen. A new reference. */
static json_t *
result_line(const struct load *l, struct batch *b, size_t i, const char *status, json_t *item,
    json_t *reasons)
{
	return results_line(
	    l, b->file, b->lines[i], json_array_get(b->recs, i), status, item, reasons);
}

static json_t *
reason(const char *code, const char *message)
{
	return json_pack("[{s:s, s:s}]", "code", code, "message", message);
}

/*
 * Whether Marketo refused rec (its answer item) for its sales person
 * alone (718, and no other reason): then it goes again without
 * externalSalesPersonId, unless --no-unlink. A record refused for more
 * than that would be refused again.
 */
static int
unlinkable(const struct load *l, json_t *rec, json_t *item)
{
	json_t *reasons = json_object_get(item, "reasons"), *one;
	const char *code;
	size_t k;

	if (!l->unlink || !json_is_string(json_object_get(rec, OWNER)) ||
	    !json_is_string(json_object_get(item, "status")) ||
	    strcmp(json_string_value(json_object_get(item, "status")), "skipped") != 0 ||
	    json_array_size(reasons) == 0)
		return 0;
	json_array_foreach (reasons, k, one) {
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
answer_fail(
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

	json_array_foreach (result, k, item) {
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
answer_match(struct load *l, struct batch *b, json_t *answer)
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
				        reason("input",
				            "externalPersonId is not one Salesforce id")));
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
			        reason("answer",
			            "no result for this record in Marketo's answer")));
			continue;
		}
		json_array_append_new(
		    b->results, result_line(l, b, i, status, item,
		                    json_incref(json_object_get(item, "reasons"))));
		if (unlinkable(l, json_array_get(b->recs, i), item))
			resend_add(l, b, i);
	}
	b->state = b->resending > 0 ? HELD : DONE;
}
