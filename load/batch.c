/* batch.c: msi-load's input in batches of 300 records under 1 MB, and its resend batches. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ealloc.h"
#include "exitcode.h"
#include "load.h"
#include "msg.h"

struct batch *
batch_at(const struct load *l, int i)
{
	return l->queue[(l->head + i) % MAX_QUEUE];
}

void
batch_free(struct batch *b)
{
	if (b->state == FLYING)
		http_call_free(&b->call);
	json_decref(b->results);
	json_decref(b->recs);
	json_decref(b->keys);
	json_decref(b->asked);
	jsonbuf_free(&b->lookup);
	free(b->lines);
	free(b->from);
	free(b->at);
	free(b->body);
	free(b);
}

/* Closes the input file being read, if any, and drops a record read ahead. */
void
input_close(struct load *l)
{
	if (l->in.fp != NULL) {
		ndjson_reader_free(&l->in.reader);
		if (l->in.fp != stdin)
			fclose(l->in.fp);
		l->in.fp = NULL;
	}
	json_decref(l->in.carry);
	l->in.carry = NULL;
}

/* "file:line", the key of a record in --retry's set. */
static void
position(char *buf, size_t size, const char *file, unsigned long line)
{
	snprintf(buf, size, "%s:%lu", file, line);
}

static int
retry_add(void *ctx, json_t *line, unsigned long lineno)
{
	struct load *l = ctx;
	char key[4200];

	(void)lineno;
	if (json_is_true(json_object_get(line, "retryable")) &&
	    json_is_string(json_object_get(line, "file")) &&
	    json_is_integer(json_object_get(line, "line"))) {
		position(key, sizeof key, json_string_value(json_object_get(line, "file")),
		    (unsigned long)json_integer_value(json_object_get(line, "line")));
		json_object_set_new(l->in.retry, key, json_true());
	}
	return 0;
}

/*
 * --retry: reads the results of an earlier run over the same input and
 * keeps the positions of the records that failed for the service after
 * their retries ("retryable"): only those are sent again. Returns 0, or an
 * exit status after a message.
 */
int
retry_load(struct load *l, const char *path)
{
	l->in.retry = json_object();
	return ndjson_each(path, retry_add, l);
}

/*
 * The next record of the input, or NULL at its end or when reading
 * stopped (l->in.status says why, after a message). Records a resumed
 * run answered before (--state) and, with --retry, records not to be sent
 * again are passed over.
 */
static json_t *
next_record(struct load *l)
{
	enum ndjson_result res;
	json_t *rec;
	char key[4200];

	while (l->in.status == 0) {
		if (l->in.fp == NULL) {
			if (l->in.files[l->in.file] == NULL)
				return NULL;
			l->in.name = strcmp(l->in.files[l->in.file], "-") == 0
			                 ? "<stdin>"
			                 : l->in.files[l->in.file];
			l->in.fp = strcmp(l->in.files[l->in.file], "-") == 0
			               ? stdin
			               : fopen(l->in.files[l->in.file], "r");
			if (l->in.fp == NULL) {
				msg_syswarn("%s", l->in.files[l->in.file]);
				l->in.status = MSI_EXIT_IO;
				return NULL;
			}
			ndjson_reader_init(&l->in.reader, l->in.fp, l->in.name);
		}
		res = ndjson_read(&l->in.reader, &rec);
		if (res == NDJSON_READERR) {
			msg_syswarn("%s", l->in.name);
			l->in.status = MSI_EXIT_IO;
			return NULL;
		}
		if (res == NDJSON_EOF) {
			input_close(l);
			l->in.file++;
			continue;
		}
		if (res == NDJSON_BADLINE) {
			/* not what msi-transform writes: nothing from here on is read */
			msg_at(l->in.name, l->in.reader.line, "%s", l->in.reader.error);
			l->in.status = MSI_EXIT_BADINPUT;
			return NULL;
		}
		l->in.carry_line = l->in.reader.line;
		if (l->in.skip > 0) {
			l->in.skip--; /* answered in an earlier run (--state) */
			if (l->landed.path != NULL)
				landed_same(&l->landed, rec); /* in the input all the same */
			json_decref(rec);
			continue;
		}
		if (l->in.retry != NULL) {
			position(key, sizeof key, l->in.name, l->in.reader.line);
			if (json_object_get(l->in.retry, key) == NULL) {
				l->in.passed++;
				l->in.passed_over++;
				json_decref(rec);
				continue;
			}
		}
		if (l->landed.path != NULL && landed_same(&l->landed, rec)) {
			l->in.passed++; /* as it landed last (--changed-only): not sent */
			l->in.unchanged_ahead++;
			json_decref(rec);
			continue;
		}
		return rec;
	}
	return NULL;
}

/* The request body of a sync call, without its records: what each call starts with. */
static json_t *
call_head(const struct load *l)
{
	if (l->is_lead)
		return json_pack(
		    "{s:s, s:s, s:[]}", "action", l->action, "lookupField", l->lookup, "input");
	return json_pack(
	    "{s:s, s:s, s:[]}", "action", l->action, "dedupeBy", "dedupeFields", "input");
}

/*
 * Reads the next batch: up to 300 records of one file whose request body
 * stays under 1 MB. A record too large alone makes a batch of its own,
 * which fails without a call. Returns NULL at the end of the input.
 */
struct batch *
batch_read(struct load *l)
{
	struct batch *b = NULL;
	json_t *rec, *head = call_head(l);
	size_t size, recsize;

	/* json_dumpb with no buffer gives a size without making the text */
	size = json_dumpb(head, NULL, 0, JSON_COMPACT);
	for (;;) {
		if (l->in.carry != NULL) {
			rec = l->in.carry;
			l->in.carry = NULL;
		} else {
			if (b != NULL && l->in.fp == NULL)
				break; /* a batch does not span two files */
			if ((rec = next_record(l)) == NULL)
				break;
			if (b != NULL && b->file != l->in.name) {
				l->in.carry = rec;
				break;
			}
		}
		recsize = json_dumpb(rec, NULL, 0, JSON_COMPACT) + 1; /* and a comma */
		if (b != NULL && (b->n == MAX_RECORDS || size + recsize > MAX_BODY)) {
			l->in.carry = rec;
			break;
		}
		if (b == NULL) {
			b = ecalloc(1, sizeof *b);
			b->recs = json_array();
			b->lines = emalloc(MAX_RECORDS * sizeof *b->lines);
			b->file = l->in.name;
		}
		size += recsize;
		b->lines[b->n++] = l->in.carry_line;
		b->span += l->in.passed + 1;
		b->unchanged += l->in.unchanged_ahead;
		l->in.passed = l->in.unchanged_ahead = 0;
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

/* The field left out of a record Marketo refused for it (718). */
#define OWNER "externalSalesPersonId"

/* Makes the open resend batch's body and puts it last in line to be sent. */
void
resend_close(struct load *l)
{
	struct batch *r = l->open;
	json_t *head;

	if (r == NULL)
		return;
	head = call_head(l);
	json_object_set(head, "input", r->recs);
	r->body = json_dumps(head, JSON_COMPACT);
	r->len = strlen(r->body);
	json_decref(head);
	json_decref(r->keys);
	r->keys = NULL;
	r->state = WAITING;
	*l->resends_end = r;
	l->resends_end = &r->next;
	l->open = NULL;
}

/*
 * Record i of b, which Marketo refused for its sales person alone, goes
 * into the open resend batch without externalSalesPersonId, to be sent
 * in a later call with the others so refused. The open batch is closed
 * first when it is full (300 records, 1 MB) or already holds the record's
 * key (1036: the same key twice in one call; the next one then goes once
 * that one is answered, so that the later record is written last).
 * msi-load.c closes it when nothing more is likely to join it. b stays in
 * the queue, HELD, until each of its records sent again is answered.
 */
void
resend_add(struct load *l, struct batch *b, size_t i)
{
	struct batch *r = l->open;
	json_t *rec = json_copy(json_array_get(b->recs, i)), *key, *head;
	size_t recsize;
	int twice;

	json_object_del(rec, OWNER);
	recsize = json_dumpb(rec, NULL, 0, JSON_COMPACT) + 1; /* and a comma */
	key = l->is_lead ? NULL : json_object_get(rec, l->obj->id_field);
	twice = r != NULL && json_is_string(key) &&
	        json_object_get(r->keys, json_string_value(key)) != NULL;
	if (r != NULL && (r->n == MAX_RECORDS || r->len + recsize > MAX_BODY || twice)) {
		resend_close(l);
		r = NULL;
	}
	if (r == NULL) {
		r = l->open = ecalloc(1, sizeof *r);
		r->recs = json_array();
		r->from = emalloc(MAX_RECORDS * sizeof *r->from);
		r->at = emalloc(MAX_RECORDS * sizeof *r->at);
		r->keys = json_object();
		r->file = b->file;
		head = call_head(l);
		r->len = json_dumpb(head, NULL, 0, JSON_COMPACT); /* the body's size so far */
		json_decref(head);
		r->opened = l->answers;
		r->after = twice; /* in input order: not in flight beside the other */
	}
	if (json_is_string(key))
		json_object_set(r->keys, json_string_value(key), json_true());
	r->from[r->n] = b;
	r->at[r->n++] = i;
	r->len += recsize;
	json_array_append_new(r->recs, rec);
	b->resending++;
}

/*
 * The open resend batch goes once as many input calls as go at once have
 * come back since it opened (about one round trip: those in flight then),
 * so that the batches it holds back are not held long; what came back
 * meanwhile rides along.
 */
void
resend_due(struct load *l)
{
	if (l->open != NULL && l->answers - l->open->opened >= (unsigned long)l->concurrency)
		resend_close(l);
}

/* Takes an answered (or abandoned) resend batch out of the line, and frees it. */
void
resend_drop(struct load *l, struct batch *r)
{
	struct batch **p;

	for (p = &l->resends; *p != NULL; p = &(*p)->next) {
		if (*p == r) {
			*p = r->next;
			if (l->resends_end == &r->next)
				l->resends_end = p;
			break;
		}
	}
	batch_free(r);
}
