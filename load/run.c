/*
 * run.c: msi-load's run: the event loop that reads batches ahead, sends
 * their calls within the window and the concurrency, matches the answers,
 * and writes what is answered in input order: result lines (results.c),
 * the --changed-only state (landed.c), then the checkpoint
 * (checkpoint.c); the dry run; the wind-down after a stop.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <jansson.h>

#include "exitcode.h"
#include "fshut.h"
#include "load.h"
#include "msg.h"

/* Sends b's call: its lookup while one is due (roles), else its records. */
static void
start_call(struct load *l, struct batch *b)
{
	b->looking = b->lookup.len > 0;
	if (b->looking)
		mkclient_start(&l->mk, &b->call, "/v1/leads.json?_method=GET", b->lookup.data,
		    b->lookup.len, "application/x-www-form-urlencoded");
	else
		mkclient_start(
		    &l->mk, &b->call, l->obj->path, b->body, b->len, "application/json");
	b->call.owner = b;
	curl_multi_add_handle(l->multi, b->call.easy);
	b->state = FLYING;
	l->flying++;
}

/*
 * A call ended: what Marketo (or the network) said decides the batch's
 * fate. An answered resend batch has given its answers to the batches its
 * records came from, and goes. An answered lookup leaves the batch
 * waiting for its own call.
 */
static void
call_ended(struct load *l, struct batch *b, CURLcode rc)
{
	struct mkanswer a;

	mkclient_judge(&l->mk, &b->call, rc, &a);
	curl_multi_remove_handle(l->multi, b->call.easy);
	http_call_free(&b->call);
	l->flying--;
	b->state = WAITING;
	if (b->from == NULL && !b->looking)
		l->answers++;

	switch (mkclient_next(&l->mk, &a, &b->attempts, &b->renewals, &b->not_before)) {
	case RETRY_DONE:
		if (b->looking) {
			roles_answer(l, b, a.json);
			b->attempts = b->renewals = 0;
		} else {
			answer_match(l, b, a.json);
		}
		break;
	case RETRY_REJECT:
		if (b->looking)
			roles_answer(l, b, NULL);
		answer_fail(l, b, a.code, a.message, a.exhausted);
		break;
	default: break; /* sent again later; or calls stop (c->status) */
	}
	if (b->from != NULL && b->state == DONE)
		resend_drop(l, b);
	resend_due(l);
	if (mkclient_status(&l->mk) != 0)
		l->stopping = 1;
	json_decref(a.json);
}

/* Whether a batch of the queue is yet to be sent or answered, and so could add to a resend. */
static int
answers_to_come(const struct load *l)
{
	int i;

	for (i = 0; i < l->count; i++)
		if (batch_at(l, i)->state == WAITING || batch_at(l, i)->state == FLYING)
			return 1;
	return 0;
}

/* Reads batches ahead, up to the queue's size; a record too large alone fails at once. */
static void
fill_queue(struct load *l)
{
	struct batch *b;

	while (!l->in.done && !l->stopping && l->count < MAX_QUEUE) {
		if ((b = batch_read(l)) == NULL) {
			l->in.done = 1;
			break;
		}
		l->queue[(l->head + l->count++) % MAX_QUEUE] = b;
		if (b->len > MAX_BODY)
			answer_fail(l, b, "size",
			    "the record alone is over Marketo's 1 MB body limit", 0);
	}
}

/*
 * Starts the calls of waiting batches the window, the concurrency and
 * their backoff allow; returns how long to wait before looking again.
 * Resend batches go first: the batches their records came from hold the
 * output back. The open one goes when no answer to come could add to it.
 */
static double
start_calls(struct load *l)
{
	struct batch *b, *resend;
	double now = http_now(), wait = 0.2, delay;
	int i = 0;

	if (l->open != NULL && !l->stopping && !answers_to_come(l))
		resend_close(l);
	for (resend = l->resends; !l->stopping && l->flying < l->concurrency;) {
		if (resend != NULL) {
			b = resend;
			resend = resend->next;
		} else if (i < l->count) {
			b = batch_at(l, i++);
		} else {
			break;
		}
		if (b->state != WAITING || (b->after && b != l->resends))
			continue;
		if (b->not_before > now) {
			wait = fmin(wait, b->not_before - now);
			continue;
		}
		if (l->obj->lead_ids && !b->resolved && b->lookup.len == 0 &&
		    roles_ask(l, b) < 0)
			continue; /* its persons are being asked for by another lookup */
		if (mkclient_token(&l->mk, 0) != 0) {
			l->stopping = 1;
			break;
		}
		if ((delay = mkclient_turn(&l->mk)) > 0)
			return fmin(wait, delay);
		start_call(l, b);
	}
	return wait;
}

/*
 * The progress line (--progress): the records answered (and those not
 * sent as they landed last) of the input's lines; the unlinked, when
 * there are any.
 */
static void
progress(struct load *l, int last)
{
	unsigned long done = l->results.records + l->unchanged;

	if (l->results.unlinked > 0)
		mkclient_progress(&l->mk, last, done, "records",
		    "created %lu, updated %lu, skipped %lu, failed %lu; unlinked %lu",
		    l->results.created, l->results.updated, l->results.skipped,
		    l->results.failed, l->results.unlinked);
	else
		mkclient_progress(&l->mk, last, done, "records",
		    "created %lu, updated %lu, skipped %lu, failed %lu", l->results.created,
		    l->results.updated, l->results.skipped, l->results.failed);
}

/*
 * The total the progress line counts to, when every input is a regular
 * file: its lines (one record a line), less those a resumed run does not
 * send again. Counted in a quick pass before the work, and only when the
 * line is shown: the same unit as the records answered, where the bytes
 * read would run ahead of the answers by the batches read ahead.
 */
static void
progress_input(struct load *l)
{
	unsigned long lines;

	if (!progress_on(&l->mk.progress))
		return;
	lines = progress_count_files(l->in.files); /* 0: a pipe, no total */
	if (lines > l->in.skip)
		progress_total(&l->mk.progress, lines - l->in.skip);
}

static void
ended(void *ctx, struct http_call *c, CURLcode rc)
{
	call_ended(ctx, c->owner, rc);
}

/* What the state names a landed record by in Marketo: a role's leadId, or its id. Borrowed. */
static json_t *
landed_id(const struct load *l, json_t *rec, json_t *line)
{
	if (l->obj->lead_ids)
		return json_object_get(
		    l->lead_ids, json_string_value(json_object_get(rec, "externalPersonId")));
	return json_object_get(line, "id");
}

/*
 * Writes the results of the finished batches at the head of the queue, in
 * input order; the records that landed go into the --changed-only state;
 * then the checkpoint that says they are out. A HELD batch stops it: its
 * records sent again are not answered yet, and the checkpoint must not
 * pass them.
 */
static void
emit(struct load *l)
{
	struct batch *b;
	json_t *line, *rec;
	const char *status;
	size_t i;
	int advanced = 0;

	while (l->count > 0 && (b = batch_at(l, 0))->state == DONE) {
		json_array_foreach (b->results, i, line) {
			status = json_string_value(json_object_get(line, "status"));
			rec = json_array_get(b->recs, i);
			if (l->landed.path != NULL &&
			    (strcmp(status, "created") == 0 || strcmp(status, "updated") == 0))
				landed_record(&l->landed, rec,
				    json_object_get(line, "unlinked") != NULL,
				    landed_id(l, rec, line));
			results_write(&l->results, line, rec);
		}
		l->checkpoint.acked += b->span;
		l->unchanged +=
		    b->unchanged; /* counted once answered: a resumed run reads them again */
		advanced = 1;
		batch_free(b);
		l->head = (l->head + 1) % MAX_QUEUE;
		l->count--;
	}
	/* records passed over after the last batch (unchanged, --retry) are done too */
	if (l->count == 0 && l->in.done && l->in.passed > 0 && !l->stopping &&
	    l->in.status == 0) {
		l->checkpoint.acked += l->in.passed;
		l->unchanged += l->in.unchanged_ahead;
		l->in.passed = l->in.unchanged_ahead = 0;
		advanced = 1;
	}
	if (advanced && l->landed.path != NULL)
		landed_sync(&l->landed);
	if (advanced && l->checkpoint.path != NULL) {
		/* the results first, then the checkpoint that says they are out */
		results_flush(&l->results);
		checkpoint_write(&l->checkpoint, l->results.records);
	}
}

/* The event loop: read ahead, send within the limits, take the answers, write results. */
static void
loop(struct load *l)
{
	double wait;

	for (;;) {
		fill_queue(l);
		emit(l);
		progress(l, 0);
		if (l->count == 0 && (l->in.done || l->stopping))
			break;
		if (l->stopping && l->flying == 0)
			break;
		wait = start_calls(l);
		/* an answer may free a place, end the run or let a batch go: look at once */
		if (http_multi_step(l->multi, ended, l) == 0 && (l->flying > 0 || wait > 0))
			curl_multi_poll(l->multi, NULL, 0, (int)(wait * 1000) + 1, NULL);
	}
}

/* Whether the run stopped before the end of its input: what a resumed run is for. */
static int
stopped(const struct load *l)
{
	return mkclient_status(&l->mk) != 0 || l->in.status != 0 || l->count > 0 ||
	       l->in.carry != NULL || !l->in.done;
}

/*
 * Prints each call's body instead of sending it; the records, calls and
 * those too large to send are counted for the messages and the stats.
 * Returns the input's status (0, or why reading stopped).
 */
int
run_dry(struct load *l, unsigned long *records, unsigned long *calls, unsigned long *too_large)
{
	struct batch *b;

	*records = *calls = *too_large = 0;
	while ((b = batch_read(l)) != NULL) {
		*records += b->n;
		l->unchanged += b->unchanged;
		if (b->len > MAX_BODY) {
			/* the real run fails it without a call: say so, send nothing */
			msg_at(b->file, b->lines[0],
			    "the record alone is over Marketo's 1 MB body limit; it would fail");
			(*too_large)++;
		} else {
			if (fwrite(b->body, 1, b->len, stdout) != b->len ||
			    putchar('\n') == EOF)
				exit(fwrite_failed(stdout, "stdout"));
			(*calls)++;
		}
		batch_free(b);
	}
	input_close(l);
	l->unchanged += l->in.unchanged_ahead;
	return l->in.status;
}

/* After a stop: says where the unsent records start, and frees what is left. */
static void
wind_down(struct load *l)
{
	struct batch *b;

	if (l->in.status == 0 && (l->count > 0 || l->in.carry != NULL || !l->in.done)) {
		if (l->count > 0 && batch_at(l, 0)->state == HELD)
			msg_warn(
			    "stopped: nothing from %s:%lu on was written: records refused for "
			    "their sales person were not yet sent again without it; run again "
			    "to send them",
			    batch_at(l, 0)->file, batch_at(l, 0)->lines[0]);
		else if (l->count > 0)
			msg_warn(
			    "stopped: nothing from %s:%lu on was sent or answered; run again "
			    "to send it",
			    batch_at(l, 0)->file, batch_at(l, 0)->lines[0]);
		else if (l->in.name != NULL)
			msg_warn("stopped: nothing after %s:%lu was sent; run again to send it",
			    l->in.name, l->in.reader.line);
	}
	/* resend batches first: they point into the batches of the queue */
	while ((b = l->resends) != NULL) {
		if (b->state == FLYING)
			curl_multi_remove_handle(l->multi, b->call.easy);
		resend_drop(l, b);
	}
	if (l->open != NULL)
		batch_free(l->open);
	l->open = NULL;
	while (l->count > 0) {
		b = batch_at(l, 0);
		if (b->state == FLYING)
			curl_multi_remove_handle(l->multi, b->call.easy);
		batch_free(b);
		l->head = (l->head + 1) % MAX_QUEUE;
		l->count--;
	}
	input_close(l);
}

/*
 * The run: the event loop till the input is answered or the calls stop,
 * then the wind-down. Returns whether it stopped before the end of its
 * input (a resumed run does the rest).
 */
int
run(struct load *l)
{
	int stop;

	l->multi = curl_multi_init();
	l->lead_ids = json_object();
	progress_input(l);
	loop(l);
	stop = stopped(l);
	wind_down(l);
	progress(l, 1);
	curl_multi_cleanup(l->multi);
	json_decref(l->lead_ids);
	l->lead_ids = NULL;
	return stop;
}
