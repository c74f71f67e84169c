/*
 * collections.c: updates sent by sObject Collections, PATCH
 * composite/sobjects with allOrNone false: at most 200 records of one
 * object a call (a call of several objects is split by Salesforce into
 * chunks, at most 10), calls in flight at once up to --concurrency, each
 * answered record by record in order. The progress line (common/progress.c)
 * counts the updates answered of those to send.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "apply.h"
#include "ealloc.h"
#include "exitcode.h"
#include "jsonbuf.h"
#include "msg.h"
#include "progress.h"

struct batch {
	size_t idx[APPLY_BATCH]; /* the updates, lines from the checkpoint */
	size_t n;
	int obj;
};

enum slot_state { SLOT_FREE, SLOT_FLYING, SLOT_WAITING };

struct slot {
	enum slot_state state;
	struct batch *b;
	struct sfcall k;
	struct http_call http;
	char *body;
};

struct coll {
	struct apply *a;
	CURLM *multi;
	struct slot *slots;
	struct progress progress; /* --progress: the updates answered of those to send */
	unsigned long done;       /* the updates answered, each call's records once */

	/*
	 * The batches made and not sent, in the order of their first update;
	 * the one of each object still open; the next line to look at. The
	 * input is read again (input_load) only as far as the first of them
	 * needs to be full: the window holds the lines from the first result
	 * line not written to there.
	 */
	struct batch **queue;
	size_t nq, qcap;
	struct batch *open[APPLY_OBJECTS];
	size_t scan;
};

/*
 * The lines a batch may span, at most, before it is sent not full: the
 * input is read again no further ahead of a batch's first update, so that
 * one object's updates far apart (a Lead among a million Contacts) do not
 * hold the lines between in memory. Batches of objects interleaved (16 of
 * them, 200 each) are full well within it.
 */
#define BATCH_SPAN 4096

/*
 * The next batch to send: at most APPLY_BATCH pending updates of one
 * object, the one whose first update comes first, as if all the input's
 * batches were made and sorted by their first update (so that result
 * lines go out as early as they can); sent not full when its updates span
 * BATCH_SPAN lines; NULL when none is left.
 */
static struct batch *
next_batch(struct coll *c)
{
	struct apply *a = c->a;
	struct batch *b;
	struct upd *u;

	while (
	    c->scan < a->n && (c->nq == 0 || (c->queue[0]->n < APPLY_BATCH &&
	                                         c->scan - c->queue[0]->idx[0] < BATCH_SPAN))) {
		input_load(a, c->scan + 1);
		u = UPD(a, c->scan);
		if (u->status == U_PENDING) {
			if ((b = c->open[u->obj]) == NULL) {
				b = c->open[u->obj] = ecalloc(1, sizeof *b);
				b->obj = u->obj;
				if (c->nq == c->qcap) {
					c->qcap = c->qcap ? 2 * c->qcap : 16;
					c->queue =
					    erealloc(c->queue, c->qcap * sizeof *c->queue);
				}
				c->queue[c->nq++] = b;
			}
			b->idx[b->n++] = c->scan;
			if (b->n == APPLY_BATCH)
				c->open[u->obj] = NULL;
		}
		c->scan++;
	}
	if (c->nq == 0)
		return NULL;
	b = c->queue[0];
	memmove(c->queue, c->queue + 1, --c->nq * sizeof *c->queue);
	if (c->open[b->obj] == b)
		c->open[b->obj] = NULL;
	return b;
}

/* The call's body: {"allOrNone":false,"records":[...]}, each record's Id as repaired. */
static char *
make_body(struct apply *a, const struct batch *b, size_t *len)
{
	struct jsonbuf out;
	json_t *rec;
	const char *key;
	json_t *v;
	void *tmp;
	char *text;
	size_t i;

	memset(&out, 0, sizeof out);
	jsonbuf_addstr(&out, "{\"allOrNone\":false,\"records\":[");
	for (i = 0; i < b->n; i++) {
		rec = spool_get(a, UPD(a, b->idx[i]));
		json_object_foreach_safe (rec, tmp, key, v) {
			if (strcasecmp(key, "Id") == 0)
				json_object_del(rec, key);
		}
		json_object_set_new(rec, "id", json_string(UPD(a, b->idx[i])->id));
		text = json_dumps(
		    rec, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(15));
		if (i > 0)
			jsonbuf_addstr(&out, ",");
		jsonbuf_addstr(&out, text);
		free(text);
		json_decref(rec);
	}
	jsonbuf_addstr(&out, "]}");
	*len = out.len;
	return out.data;
}

/* Sends the slot's batch (again): 0, or an exit status with e (no token). */
static int
send_slot(struct coll *c, struct slot *s, struct sferror *e)
{
	int st;

	if ((st = sfclient_start(&c->a->sf, &s->k, e)) != 0)
		return st;
	s->http.owner = s;
	curl_multi_add_handle(c->multi, s->http.easy);
	s->state = SLOT_FLYING;
	return 0;
}

/* The slot's call over: its body and batch freed. */
static void
slot_free(struct slot *s)
{
	free(s->body);
	free(s->b);
	s->body = NULL;
	s->b = NULL;
	s->state = SLOT_FREE;
}

static void
start(struct coll *c, struct slot *s, struct batch *b)
{
	struct sferror e;
	int st;

	memset(s, 0, sizeof *s);
	s->b = b;
	s->body = make_body(c->a, b, &s->k.len);
	s->k.method = "PATCH";
	s->k.path = "composite/sobjects";
	s->k.body = s->body;
	s->k.http = &s->http;
	if ((st = send_slot(c, s, &e)) != 0) {
		outcome_stop(c->a, st, &e, "the token");
		slot_free(s);
	}
}

/* The answer: one {"id","success","errors"} a record, in the order sent. */
static void
read_answer(struct apply *a, struct batch *b, const struct http_call *h)
{
	json_t *ans, *r, *err;
	size_t i, j;

	ans = json_loadb(h->response.data ? h->response.data : "", h->response.len, 0, NULL);
	if (!json_is_array(ans) || json_array_size(ans) != b->n) {
		outcome_fail_all(a, b->idx, b->n, "answer",
		    "Salesforce's answer does not have a result for each record sent", 1);
		json_decref(ans);
		return;
	}
	for (i = 0; i < b->n; i++) {
		r = json_array_get(ans, i);
		if (json_is_true(json_object_get(r, "success"))) {
			outcome_updated(a, b->idx[i]);
			continue;
		}
		json_array_foreach (json_object_get(r, "errors"), j, err) {
			outcome_fail(a, b->idx[i],
			    json_string_value(json_object_get(err, "statusCode")),
			    json_string_value(json_object_get(err, "message")),
			    json_incref(json_object_get(err, "fields")), 0);
		}
		if (UPD(a, b->idx[i])->status == U_PENDING)
			outcome_fail(a, b->idx[i], "", "refused without an error", NULL, 0);
	}
	json_decref(ans);
}

static void
ended(void *ctx, struct http_call *h, CURLcode rc)
{
	struct coll *c = ctx;
	struct slot *s = h->owner;
	struct apply *a = c->a;
	struct sferror e;
	int st;

	curl_multi_remove_handle(c->multi, h->easy);
	a->calls_coll++;
	st = sfclient_judge(&a->sf, &s->k, rc, &e);
	if (st == SF_AGAIN) {
		s->state = SLOT_WAITING;
		return;
	}
	if (st == 0) {
		read_answer(a, s->b, h);
		http_call_free(h);
		c->done += s->b->n;
	} else if (st == SF_REFUSED) {
		/* the call itself refused (a value of the wrong type, say): each of its records
		 */
		outcome_fail_all(
		    a, s->b->idx, s->b->n, e.code[0] ? e.code : "http", e.message, 0);
		c->done += s->b->n;
	} else {
		outcome_stop(a, st, &e, "PATCH composite/sobjects");
	}
	slot_free(s);
	if (outcome_flush(a) != 0)
		msg_sysfatal(MSI_EXIT_IO, "stdout");
}

void
collections_run(struct apply *a)
{
	struct coll c;
	struct batch *b;
	struct sferror e;
	size_t i, total = 0;
	int busy, st, k;
	double now, wake;

	memset(&c, 0, sizeof c);
	c.a = a;
	c.scan = a->written;
	for (k = 0; k < a->nobj; k++)
		total += a->obj[k].pending;
	progress_start(&c.progress, &a->sfo.progress, "updates");
	progress_total(&c.progress, (unsigned long)total);
	c.multi = curl_multi_init();
	c.slots = ecalloc((size_t)a->concurrency, sizeof *c.slots);
	for (;;) {
		busy = 0;
		now = http_now();
		wake = now + 1.0;
		for (i = 0; i < (size_t)a->concurrency; i++) {
			struct slot *s = &c.slots[i];

			if (s->state == SLOT_WAITING && a->stopped)
				slot_free(s); /* its records stay unanswered: retryable */
			if (s->state == SLOT_WAITING && s->k.not_before <= now) {
				if ((st = send_slot(&c, s, &e)) != 0) {
					outcome_stop(a, st, &e, "the token");
					slot_free(s);
				}
			}
			if (s->state == SLOT_FREE && !a->stopped &&
			    (b = next_batch(&c)) != NULL)
				start(&c, s, b);
			if (s->state == SLOT_WAITING && s->k.not_before < wake)
				wake = s->k.not_before;
			busy |= s->state != SLOT_FREE;
		}
		if (!busy)
			break;
		if (http_multi_step(c.multi, ended, &c) == 0) {
			double wait = wake - http_now();

			curl_multi_poll(
			    c.multi, NULL, 0, wait > 0 ? (int)(wait * 1000) + 1 : 0, NULL);
		}
		progress_update(&c.progress, c.done, NULL);
	}
	/* a stop's last line says so: its time left is of a rate no longer sending */
	if (a->stopped)
		progress_end(&c.progress, c.done, "stopped");
	else
		progress_end(&c.progress, c.done, NULL);
	curl_multi_cleanup(c.multi);
	for (i = 0; i < c.nq; i++)
		free(c.queue[i]);
	free(c.queue);
	free(c.slots);
}
