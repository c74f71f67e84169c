/* msi-load.c: Marketo records from msi-transform synced into Marketo, 300 to a call. */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <curl/curl.h>
#include <jansson.h>

#include "ealloc.h"
#include "exitcode.h"
#include "fshut.h"
#include "jsonbuf.h"
#include "mkclient.h"
#include "msg.h"
#include "ndjson.h"
#include "numarg.h"

#define MAX_RECORDS 300
#define MAX_BODY    (1024 * 1024)
#define MAX_QUEUE   64 /* batches read ahead; bounds memory */

static const struct object {
	const char *name, *path, *key[3];
	int is_lead;
} objects[] = {
    {"salespersons", "/v1/salespersons.json", {"externalSalesPersonId"}, 0},
    {"companies", "/v1/companies.json", {"externalCompanyId"}, 0},
    {"leads", "/v1/leads.json", {"externalPersonId", "email"}, 1},
    {"opportunities", "/v1/opportunities.json", {"externalOpportunityId"}, 0},
    {"roles", "/v1/opportunities/roles.json",
        {"externalOpportunityId", "externalPersonId", "role"}, 0},
};

enum bstate { WAITING, FLYING, DONE };

struct batch {
	enum bstate state;
	int resolved;         /* roles: persons turned into leadIds */
	json_t *recs;         /* the input records (owned) */
	unsigned long *lines; /* their input lines */
	const char *file;     /* ... in this file (a batch never spans two) */
	size_t n;
	char *body;
	size_t len;
	int attempts;
	double not_before;
	json_t *results; /* one result line per record, once DONE */
	struct http_call call;
};

struct load {
	const struct object *obj;
	const char *action, *lookup;
	int concurrency, fail_fast, dry_run, progress;
	struct mkclient mk;
	CURLM *multi;

	/* input */
	char **files;
	int file;
	struct ndjson_reader reader;
	FILE *fp;
	const char *name;
	int input_done;
	json_t *carry; /* a record read but not yet in a batch */
	unsigned long carry_line;
	int input_status; /* 0, or why reading stopped: MSI_EXIT_BADINPUT or _IO */

	/* the queue of batches, oldest first */
	struct batch *queue[MAX_QUEUE];
	int head, count, flying;

	FILE *rejects;
	const char *rejects_name;
	const char *state_name; /* --state */
	unsigned long acked;    /* records at the start of the input fully answered */
	unsigned long skip;     /* records a resumed run does not send again */
	json_t *lead_ids;       /* roles: externalPersonId -> Marketo leadId (or null: none) */

	/* counts */
	unsigned long records, created, updated, skipped, failed;
	int stopping, status;
};

static void
usage(FILE *fp, int status)
{
	fputs(
	    "usage: msi-load [-hV] [--dry-run] [--fail-fast] [--progress] [-a action]\n"
	    "                [-c concurrency] [-C config] [-l lookup-field] [-m max-retries]\n"
	    "                [-n calls-per-window] [-r rejects] [-s state] [-t timeout]\n"
	    "                [-w window] object [file ...]\n",
	    fp);
	exit(status);
}

static struct batch *
queue_at(struct load *l, int i)
{
	return l->queue[(l->head + i) % MAX_QUEUE];
}

/* The record's key for result lines: its external id(s). */
static json_t *
record_key(const struct load *l, json_t *rec)
{
	struct jsonbuf b = {0};
	json_t *v, *key;
	char num[32];
	int i;

	if (l->obj->is_lead) {
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
			snprintf(
			    num, sizeof num, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
			jsonbuf_addstr(&b, num);
		}
	}
	key = i == 1 ? json_incref(json_object_get(rec, l->obj->key[0]))
	             : json_stringn(b.data ? b.data : "", b.len);
	jsonbuf_free(&b);
	return key ? key : json_null();
}

/*
 * Reads the next batch: up to 300 records whose request body stays under
 * 1 MB. A record too large alone is answered as failed at once. Returns
 * NULL at the end of the input.
 */
static struct batch *
read_batch(struct load *l)
{
	struct batch *b = NULL;
	enum ndjson_result res;
	json_t *rec, *head;
	size_t size, recsize;

	head = l->obj->is_lead ? json_pack("{s:s, s:s, s:[]}", "action", l->action,
	                             "lookupField", l->lookup, "input")
	                       : json_pack("{s:s, s:s, s:[]}", "action", l->action, "dedupeBy",
	                             "dedupeFields", "input");
	/* json_dumpb with no buffer gives a size without making the text */
	size = json_dumpb(head, NULL, 0, JSON_COMPACT);
	while (l->input_status == 0) {
		if (l->carry != NULL) {
			rec = l->carry;
			l->carry = NULL;
		} else {
			if (l->fp == NULL) {
				if (l->files[l->file] == NULL || b != NULL)
					break; /* the end, or a batch that must not span two
					          files */
				l->name = strcmp(l->files[l->file], "-") == 0
				              ? "<stdin>"
				              : l->files[l->file];
				l->fp = strcmp(l->files[l->file], "-") == 0
				            ? stdin
				            : fopen(l->files[l->file], "r");
				if (l->fp == NULL) {
					msg_warn("%s: %s", l->files[l->file], strerror(errno));
					l->input_status = MSI_EXIT_IO;
					break;
				}
				ndjson_reader_init(&l->reader, l->fp, l->name);
			}
			res = ndjson_read(&l->reader, &rec);
			if (res == NDJSON_READERR) {
				msg_warn("%s: %s", l->name, strerror(errno));
				l->input_status = MSI_EXIT_IO;
				break;
			}
			if (res == NDJSON_EOF) {
				ndjson_reader_free(&l->reader);
				if (l->fp != stdin)
					fclose(l->fp);
				l->fp = NULL;
				l->file++;
				continue;
			}
			if (res == NDJSON_BADLINE) {
				/*
				 * Not what msi-transform writes: nothing from here on
				 * is read; what was read before it is sent.
				 */
				msg_at(l->name, l->reader.line, "%s", l->reader.error);
				l->input_status = MSI_EXIT_BADINPUT;
				break;
			}
			l->carry_line = l->reader.line;
			if (l->skip > 0) {
				/* answered in an earlier run (--state) */
				l->skip--;
				json_decref(rec);
				continue;
			}
		}
		recsize = json_dumpb(rec, NULL, 0, JSON_COMPACT) + 1; /* and a comma */
		if (b != NULL && (b->n == MAX_RECORDS || size + recsize > MAX_BODY)) {
			l->carry = rec;
			break;
		}
		if (b == NULL) {
			b = ecalloc(1, sizeof *b);
			b->recs = json_array();
			b->lines = emalloc(MAX_RECORDS * sizeof *b->lines);
			b->file = l->name;
		}
		size += recsize;
		b->lines[b->n++] = l->carry_line;
		json_array_append_new(b->recs, rec);
		if (size > MAX_BODY)
			break; /* one record alone too large: it fails below */
	}
	if (b != NULL) {
		json_object_set(head, "input", b->recs);
		b->body = json_dumps(head, JSON_COMPACT);
		b->len = strlen(b->body);
	}
	json_decref(head);
	return b;
}

/* A result line for record i of b; reasons (may be NULL) is stolen. */
static json_t *
result_line(struct load *l, struct batch *b, size_t i, const char *status, json_t *item,
    json_t *reasons)
{
	json_t *line =
	    json_pack("{s:s, s:I, s:o, s:s}", "file", b->file, "line", (json_int_t)b->lines[i],
	        "key", record_key(l, json_array_get(b->recs, i)), "status", status);
	json_t *id;

	if (item != NULL && (id = json_object_get(item, "id")) != NULL)
		json_object_set(line, "id", id);
	if (item != NULL && (id = json_object_get(item, "marketoGUID")) != NULL)
		json_object_set(line, "marketoGUID", id);
	if (reasons != NULL)
		json_object_set_new(line, "reasons", reasons);
	return line;
}

/* Every record of the batch failed for one reason (retries exhausted, a refused call). */
static void
fail_batch(struct load *l, struct batch *b, const char *code, const char *message)
{
	json_t *reasons = json_pack("[{s:s, s:s}]", "code", code, "message", message);
	size_t i;

	b->results = json_array();
	for (i = 0; i < b->n; i++)
		json_array_append_new(
		    b->results, result_line(l, b, i, "failed", NULL, json_incref(reasons)));
	json_decref(reasons);
	b->state = DONE;
	if (l->fail_fast && !l->stopping) {
		msg_warn("a batch failed (%s: %s); stopping (--fail-fast)", code, message);
		l->stopping = 1;
	}
}

/*
 * Whether a role's externalPersonId can be asked for as it is: the lookup
 * takes values separated by commas, so one holding a comma would ask for
 * several persons (up to the 300 the call allows, failing the batch).
 */
static int
one_id(const char *pid)
{
	return *pid != '\0' && strchr(pid, ',') == NULL;
}

/* Matches a sync answer's result items to the batch's records. */
static void
finish_batch(struct load *l, struct batch *b, json_t *answer)
{
	json_t *result = json_object_get(answer, "result"), *item;
	size_t i, k;
	const char *status;

	size_t sent = 0;
	json_t *v;
	const char *pid;

	b->results = json_array();
	for (i = 0; i < b->n; i++) {
		item = NULL;
		if (b->resolved) {
			pid = json_string_value(
			    json_object_get(json_array_get(b->recs, i), "externalPersonId"));
			v = pid ? json_object_get(l->lead_ids, pid) : NULL;
			if (pid != NULL && !one_id(pid)) {
				json_array_append_new(b->results,
				    result_line(l, b, i, "failed", NULL,
				        json_pack("[{s:s, s:s}]", "code", "input", "message",
				            "externalPersonId is not one Salesforce id")));
				continue;
			}
			if (!json_is_integer(v)) {
				json_array_append_new(b->results,
				    result_line(l, b, i, "skipped", NULL,
				        json_pack("[{s:s, s:s}]", "code", "1004", "message",
				            "the person (externalPersonId) is not a lead in Marketo")));
				continue;
			}
			json_array_foreach(result, k,
			    item) if (json_integer_value(json_object_get(item, "seq")) ==
			              (json_int_t)sent) break;
			if (k == json_array_size(result))
				item = NULL;
			sent++;
		} else if (l->obj->is_lead) {
			item = json_array_get(
			    result, i); /* leads: results in input order, no seq */
		} else {
			json_array_foreach(result, k,
			    item) if (json_integer_value(json_object_get(item, "seq")) ==
			              (json_int_t)i) break;
			if (k == json_array_size(result))
				item = NULL;
		}
		status = item ? json_string_value(json_object_get(item, "status")) : NULL;
		if (status == NULL)
			json_array_append_new(b->results,
			    result_line(l, b, i, "failed", NULL,
			        json_pack("[{s:s, s:s}]", "code", "answer", "message",
			            "no result for this record in Marketo's answer")));
		else
			json_array_append_new(
			    b->results, result_line(l, b, i, status, item,
			                    json_incref(json_object_get(item, "reasons"))));
	}
	b->state = DONE;
}

/*
 * Roles carry the Contact's externalPersonId; Marketo wants its leadId.
 * Persons not yet cached are asked for, up to 300 a call, in the POST
 * ?_method=GET form so that no URL nears 8 KB; the call counts against the
 * window like any other and is retried as any other (this waits). Returns
 * 0, or -1 when the lookup failed: then the batch has failed, or calls
 * must stop.
 */
static int
resolve_roles(struct load *l, struct batch *b)
{
	struct jsonbuf form = {0};
	struct mkanswer a;
	json_t *rec, *item, *v, *input, *reasons;
	char *escaped;
	const char *pid;
	size_t i, asked = 0;
	int status = -1;

	json_array_foreach(b->recs, i, rec)
	{
		pid = json_string_value(json_object_get(rec, "externalPersonId"));
		if (pid == NULL || !one_id(pid) || json_object_get(l->lead_ids, pid) != NULL)
			continue;
		jsonbuf_addstr(&form,
		    asked
		        ? "%2C"
		        : "filterType=externalPersonId&fields=externalPersonId&filterValues=");
		escaped = curl_easy_escape(NULL, pid, 0);
		jsonbuf_addstr(&form, escaped);
		curl_free(escaped);
		json_object_set_new(l->lead_ids, pid, json_null());
		asked++;
	}
	if (asked > 0) {
		if (mkclient_call(&l->mk, "/v1/leads.json?_method=GET", form.data, form.len,
		        "application/x-www-form-urlencoded", &a) != RETRY_DONE) {
			/* forget what was asked, so that a later batch asks again */
			json_array_foreach(b->recs, i,
			    rec) if ((pid = json_string_value(json_object_get(rec,
			                  "externalPersonId"))) &&
			             json_is_null(json_object_get(l->lead_ids, pid)))
			    json_object_del(l->lead_ids, pid);
			json_decref(a.json);
			if (l->mk.status != 0)
				l->stopping = 1;
			else
				fail_batch(l, b, a.code, a.message);
			goto out;
		}
		json_array_foreach(json_object_get(a.json, "result"), i,
		    item) if ((pid = json_string_value(json_object_get(item,
		                   "externalPersonId"))))
		    json_object_set(l->lead_ids, pid, json_object_get(item, "id"));
		json_decref(a.json);
	}
	/* The body again, with leadId; roles whose person Marketo lacks are left out. */
	input = json_array();
	json_array_foreach(b->recs, i, rec)
	{
		pid = json_string_value(json_object_get(rec, "externalPersonId"));
		v = pid ? json_object_get(l->lead_ids, pid) : NULL;
		if (!json_is_integer(v))
			continue;
		item = json_deep_copy(rec);
		json_object_del(item, "externalPersonId");
		json_object_set(item, "leadId", v);
		json_array_append_new(input, item);
	}
	reasons = json_pack(
	    "{s:s, s:s, s:o}", "action", l->action, "dedupeBy", "dedupeFields", "input", input);
	free(b->body);
	b->body = json_dumps(reasons, JSON_COMPACT);
	b->len = strlen(b->body);
	json_decref(reasons);
	b->resolved = 1;
	status = 0;
out:
	jsonbuf_free(&form);
	return status;
}

static void
start_call(struct load *l, struct batch *b)
{
	mkclient_start(&l->mk, &b->call, l->obj->path, b->body, b->len, "application/json");
	b->call.owner = b;
	curl_multi_add_handle(l->multi, b->call.easy);
	b->state = FLYING;
	l->flying++;
}

/* A call ended: what Marketo (or the network) said decides the batch's fate. */
static void
call_ended(struct load *l, struct batch *b, CURLcode rc)
{
	struct mkanswer a;
	char why[MKCONF_WHY_SIZE];

	mkclient_judge(&l->mk, &b->call, rc, &a);
	curl_multi_remove_handle(l->multi, b->call.easy);
	http_call_free(&b->call);
	l->flying--;
	b->state = WAITING;

	switch (a.act) {
	case RETRY_DONE: finish_batch(l, b, a.json); break;
	case RETRY_AGAIN:
		if (++b->attempts > l->mk.max_retries) {
			snprintf(
			    why, sizeof why, "gave up after %d retries", l->mk.max_retries);
			fail_batch(l, b, retry_cause_name(a.cause), why);
		} else {
			b->not_before = http_now() + mkclient_backoff(&l->mk, b->attempts);
		}
		break;
	case RETRY_TOKEN: /* renewed, and resent as it was: not a retry */
	case RETRY_QUOTA:
	case RETRY_FATAL: break;
	case RETRY_REJECT: fail_batch(l, b, a.code, a.message); break;
	}
	if (l->mk.status != 0)
		l->stopping = 1;
	json_decref(a.json);
}

static json_t *
state_input(struct load *l)
{
	json_t *files = json_array();
	int i;

	for (i = 0; l->files[i] != NULL; i++)
		json_array_append_new(files, json_string(l->files[i]));
	return files;
}

/*
 * Writes the checkpoint: how many records at the start of the input are
 * answered. A new file is written and renamed over the old one, so that a
 * crash at any moment leaves one or the other whole. The state holds no
 * secret, no token.
 */
static void
state_write(struct load *l)
{
	char tmp[4096];
	json_t *st;
	FILE *fp;

	if (l->state_name == NULL)
		return;
	snprintf(tmp, sizeof tmp, "%s.tmp", l->state_name);
	st = json_pack("{s:s, s:o, s:I}", "object", l->obj->name, "input", state_input(l),
	    "acknowledged", (json_int_t)l->acked);
	if ((fp = fopen(tmp, "w")) == NULL || ndjson_write(fp, st) != 0 ||
	    fcommit(fp, tmp, l->state_name) != 0)
		msg_fatal(MSI_EXIT_IO, "%s: %s", l->state_name, strerror(errno));
	json_decref(st);
}

/* A resumed run: the state must be of this object and this input. */
static void
state_read(struct load *l)
{
	json_error_t err;
	json_t *st, *input;

	if ((st = json_load_file(l->state_name, 0, &err)) == NULL) {
		if (errno == ENOENT || access(l->state_name, F_OK) != 0)
			return; /* a first run */
		msg_fatal(MSI_EXIT_BADINPUT, "%s:%d: %s", l->state_name, err.line, err.text);
	}
	input = state_input(l);
	if (!json_is_string(json_object_get(st, "object")) ||
	    strcmp(json_string_value(json_object_get(st, "object")), l->obj->name) != 0 ||
	    !json_equal(json_object_get(st, "input"), input) ||
	    !json_is_integer(json_object_get(st, "acknowledged")))
		msg_fatal(MSI_EXIT_USAGE,
		    "%s: a checkpoint of another object or input; remove it "
		    "to start afresh",
		    l->state_name);
	l->skip = l->acked =
	    (unsigned long)json_integer_value(json_object_get(st, "acknowledged"));
	if (l->skip > 0)
		msg_warn(
		    "%s: resuming after %lu records answered before", l->state_name, l->skip);
	json_decref(input);
	json_decref(st);
}

static void
batch_free(struct batch *b)
{
	if (b->state == FLYING)
		http_call_free(&b->call);
	json_decref(b->results);
	json_decref(b->recs);
	free(b->lines);
	free(b->body);
	free(b);
}

/* Closes the input file being read, if any, and drops a record read ahead. */
static void
input_close(struct load *l)
{
	if (l->fp != NULL) {
		ndjson_reader_free(&l->reader);
		if (l->fp != stdin)
			fclose(l->fp);
		l->fp = NULL;
	}
	json_decref(l->carry);
	l->carry = NULL;
}

/* Writes the results of the finished batches at the head of the queue, in input order. */
static void
emit_done(struct load *l)
{
	struct batch *b;
	json_t *line, *entry;
	const char *status;
	size_t i;
	int advanced = 0;

	while (l->count > 0 && (b = queue_at(l, 0))->state == DONE) {
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
			if (ndjson_write(stdout, line) != 0)
				msg_fatal(
				    MSI_EXIT_IO, "write error: stdout: %s", strerror(errno));
			if (l->rejects != NULL &&
			    (strcmp(status, "skipped") == 0 || strcmp(status, "failed") == 0)) {
				entry = json_pack("{s:s, s:O, s:O, s:O}", "status", status,
				    "reasons", json_object_get(line, "reasons"), "file",
				    json_object_get(line, "file"), "line",
				    json_object_get(line, "line"));
				json_object_set(entry, "record", json_array_get(b->recs, i));
				if (ndjson_emit(l->rejects, l->rejects_name, entry) != 0)
					exit(MSI_EXIT_IO);
			}
		}
		l->acked += b->n;
		advanced = 1;
		batch_free(b);
		l->head = (l->head + 1) % MAX_QUEUE;
		l->count--;
	}
	if (advanced && l->state_name != NULL) {
		/* the results first, then the checkpoint that says they are out */
		if (fflush(stdout) != 0 || (l->rejects && fflush(l->rejects) != 0))
			msg_fatal(MSI_EXIT_IO, "write error: %s", strerror(errno));
		state_write(l);
	}
}

/* A line of progress on stderr, at most once a second. */
static void
progress(struct load *l, int last)
{
	static double shown;
	double now = http_now(), elapsed = now - l->mk.started;
	unsigned long retries = 0;
	int i;

	if (!l->progress || (!last && now - shown < 1.0))
		return;
	shown = now;
	for (i = 0; i < RETRY_CAUSES; i++)
		retries += l->mk.retries[i];
	fprintf(stderr,
	    "%s: %lu done (created %lu, updated %lu, skipped %lu, failed %lu), "
	    "%d calls in the window, %.0f records/s, %lu retries%s",
	    msg_prog, l->records, l->created, l->updated, l->skipped, l->failed,
	    ratelimit_in_window(&l->mk.limit, now),
	    elapsed > 0 ? (double)l->records / elapsed : 0.0, retries, last ? "\n" : "\r");
}

static void
run(struct load *l)
{
	struct batch *b;
	CURLMsg *m;
	double now, wait, delay;
	int i, left, running;

	for (;;) {
		while (!l->input_done && !l->stopping && l->count < MAX_QUEUE) {
			if ((b = read_batch(l)) == NULL) {
				l->input_done = 1;
				break;
			}
			l->queue[(l->head + l->count++) % MAX_QUEUE] = b;
			if (b->len > MAX_BODY)
				fail_batch(l, b, "size",
				    "the record alone is over Marketo's 1 MB body limit");
		}
		emit_done(l);
		progress(l, 0);
		if (l->count == 0 && (l->input_done || l->stopping))
			break;
		if (l->stopping && l->flying == 0)
			break;

		now = http_now();
		wait = 0.2;
		for (i = 0; i < l->count && !l->stopping && l->flying < l->concurrency; i++) {
			b = queue_at(l, i);
			if (b->state != WAITING)
				continue;
			if (b->not_before > now) {
				wait = fmin(wait, b->not_before - now);
				continue;
			}
			if ((delay = mkclient_wait(&l->mk)) > 0) {
				wait = fmin(wait, delay);
				break;
			}
			if (mkclient_token(&l->mk, 0) != 0) {
				l->stopping = 1;
				break;
			}
			if (l->obj == &objects[4] && !b->resolved) {
				if (resolve_roles(l, b) != 0)
					continue;
				if ((delay = mkclient_wait(&l->mk)) > 0) {
					wait = fmin(wait, delay);
					break;
				}
			}
			start_call(l, b);
		}
		curl_multi_perform(l->multi, &running);
		while ((m = curl_multi_info_read(l->multi, &left)) != NULL) {
			struct http_call *c;

			if (m->msg != CURLMSG_DONE)
				continue;
			curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&c);
			call_ended(l, c->owner, m->data.result);
		}
		if (l->flying > 0 || wait > 0)
			curl_multi_poll(l->multi, NULL, 0, (int)(wait * 1000) + 1, NULL);
	}
}

/* Prints each call's body instead of sending it; returns the exit status. */
static int
dry_run(struct load *l)
{
	struct batch *b;
	unsigned long calls = 0, records = 0;

	unsigned long too_large = 0;

	while ((b = read_batch(l)) != NULL) {
		records += b->n;
		if (b->len > MAX_BODY) {
			/* the real run fails it without a call: say so, send nothing */
			msg_at(b->file, b->lines[0],
			    "the record alone is over Marketo's 1 MB body limit; it would fail");
			too_large++;
		} else {
			if (fwrite(b->body, 1, b->len, stdout) != b->len || putchar('\n') == EOF)
				msg_fatal(
				    MSI_EXIT_IO, "write error: stdout: %s", strerror(errno));
			calls++;
		}
		batch_free(b);
	}
	input_close(l);
	if (too_large > 0)
		msg_warn("dry run: records: %lu, calls: %lu (to %s); too large to send: %lu",
		    records, calls, l->obj->path, too_large);
	else
		msg_warn("dry run: records: %lu, calls: %lu (to %s)", records, calls,
		    l->obj->path);
	if (fshut(stdout, "stdout") != 0)
		return MSI_EXIT_IO;
	return l->input_status ? l->input_status : too_large > 0 ? MSI_EXIT_REJECTS : MSI_EXIT_OK;
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
	    {"action", required_argument, NULL, 'a'},
	    {"calls-per-window", required_argument, NULL, 'n'},
	    {"concurrency", required_argument, NULL, 'c'},
	    {"config", required_argument, NULL, 'C'},
	    {"dry-run", no_argument, NULL, 'D'},
	    {"fail-fast", no_argument, NULL, 'F'},
	    {"help", no_argument, NULL, 'h'},
	    {"lookup-field", required_argument, NULL, 'l'},
	    {"max-retries", required_argument, NULL, 'm'},
	    {"progress", no_argument, NULL, 'P'},
	    {"rejects", required_argument, NULL, 'r'},
	    {"state", required_argument, NULL, 's'},
	    {"timeout", required_argument, NULL, 't'},
	    {"version", no_argument, NULL, 'V'},
	    {"window", required_argument, NULL, 'w'},
	    {NULL, 0, NULL, 0},
	};
	static struct load l;
	char *stdin_only[] = {"-", NULL}, why[MKCONF_WHY_SIZE];
	const char *config = getenv("MARKETO_CONFIG");
	long calls_per_window = 50, max_retries = 5, timeout = 60;
	double window = 20;
	size_t i;
	int ch;

	msg_init(argv[0]);
	l.action = "createOrUpdate";
	l.lookup = "email";
	l.concurrency = 5;
	opterr = 0;
	while (
	    (ch = getopt_long(argc, argv, ":a:c:C:hl:m:n:r:s:t:Vw:", longopts, NULL)) != -1) {
		switch (ch) {
		case 'a':
			if (strcmp(optarg, "createOrUpdate") != 0 &&
			    strcmp(optarg, "createOnly") != 0 &&
			    strcmp(optarg, "updateOnly") != 0) {
				msg_warn(
				    "--action takes createOrUpdate, createOnly or updateOnly");
				usage(stderr, MSI_EXIT_USAGE);
			}
			l.action = optarg;
			break;
		case 'c':
			l.concurrency = (int)numarg_or_usage(optarg, "--concurrency", 1, usage);
			break;
		case 'C': config = optarg; break;
		case 'D': l.dry_run = 1; break;
		case 'F': l.fail_fast = 1; break;
		case 'h': usage(stdout, MSI_EXIT_OK); break;
		case 'l': l.lookup = optarg; break;
		case 'm':
			max_retries = numarg_or_usage(optarg, "--max-retries", 0, usage);
			break;
		case 'n':
			calls_per_window =
			    numarg_or_usage(optarg, "--calls-per-window", 1, usage);
			break;
		case 'P': l.progress = 1; break;
		case 'r': l.rejects_name = optarg; break;
		case 's': l.state_name = optarg; break;
		case 't': timeout = numarg_or_usage(optarg, "--timeout", 1, usage); break;
		case 'V': printf("msi-load %s\n", MSI_VERSION); return MSI_EXIT_OK;
		case 'w': window = (double)numarg_or_usage(optarg, "--window", 1, usage); break;
		default: msg_badopt(ch, argv); usage(stderr, MSI_EXIT_USAGE);
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1) {
		msg_warn(
		    "which object: salespersons, companies, leads, opportunities or roles?");
		usage(stderr, MSI_EXIT_USAGE);
	}
	for (i = 0; i < sizeof objects / sizeof objects[0]; i++)
		if (strcmp(argv[0], objects[i].name) == 0)
			l.obj = &objects[i];
	if (l.obj == NULL) {
		msg_warn(
		    "unknown object \"%s\": salespersons, companies, leads, opportunities or "
		    "roles",
		    argv[0]);
		usage(stderr, MSI_EXIT_USAGE);
	}
	l.files = argc > 1 ? argv + 1 : stdin_only;
	if (isatty(STDERR_FILENO))
		l.progress = 1;
	if (l.dry_run)
		return dry_run(&l);
	if (mkclient_init(&l.mk, config, calls_per_window, window, why) != 0)
		msg_fatal(MSI_EXIT_USAGE, "%s", why);
	l.mk.max_retries = (int)max_retries;
	l.mk.timeout_ms = timeout * 1000;
	if (l.state_name != NULL)
		state_read(&l);
	/* a resumed run adds to the rejects of the runs before */
	if (l.rejects_name != NULL &&
	    (l.rejects = fopen(l.rejects_name, l.skip > 0 ? "a" : "w")) == NULL)
		msg_fatal(MSI_EXIT_IO, "%s: %s", l.rejects_name, strerror(errno));
	l.multi = curl_multi_init();
	l.lead_ids = json_object();
	run(&l);
	if (l.input_status == 0 && (l.count > 0 || l.carry != NULL || !l.input_done)) {
		/* Stopped early: say where the unsent records start. */
		if (l.count > 0)
			msg_warn(
			    "stopped: nothing from %s:%lu on was sent or answered; run again "
			    "to send it",
			    queue_at(&l, 0)->file, queue_at(&l, 0)->lines[0]);
		else
			msg_warn("stopped: nothing after %s:%lu was sent; run again to send it",
			    l.name, l.reader.line);
	}
	progress(&l, 1);
	while (l.count > 0) {
		struct batch *b = queue_at(&l, 0);

		if (b->state == FLYING)
			curl_multi_remove_handle(l.multi, b->call.easy);
		batch_free(b);
		l.head = (l.head + 1) % MAX_QUEUE;
		l.count--;
	}
	input_close(&l);
	curl_multi_cleanup(l.multi);
	json_decref(l.lead_ids);

	l.status = l.mk.status ? l.mk.status : l.input_status;
	if (fshut(stdout, "stdout") != 0 && l.status == 0)
		l.status = MSI_EXIT_IO;
	if (l.rejects != NULL && fshut(l.rejects, l.rejects_name) != 0 && l.status == 0)
		l.status = MSI_EXIT_IO;
	fprintf(stderr,
	    "%s: records: %lu (created %lu, updated %lu, skipped %lu, failed %lu); ", msg_prog,
	    l.records, l.created, l.updated, l.skipped, l.failed);
	mkclient_summary(&l.mk, stderr);
	fputc('\n', stderr);
	mkclient_free(&l.mk);
	if (l.status == 0 && (l.skipped > 0 || l.failed > 0))
		l.status = MSI_EXIT_REJECTS;
	return l.status;
}
