/* batch.c: msi-load's input in batches of 300 records under 1 MB, and its resend batches. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ealloc.h"
#include "keysort.h"
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
 * Opens an input file; "-" is standard input, or, once kept to be read
 * twice (input_plan), a stream of its copy from its start. NULL with
 * errno set.
 */
static FILE *
input_open(struct load *l, const char *file)
{
	FILE *fp;
	int fd;

	if (strcmp(file, "-") != 0)
		return fopen(file, "r");
	if (l->in.spool == NULL)
		return stdin;
	if ((fd = dup(fileno(l->in.spool))) < 0)
		return NULL;
	if (lseek(fd, 0, SEEK_SET) < 0 || (fp = fdopen(fd, "r")) == NULL) {
		close(fd);
		return NULL;
	}
	return fp;
}

/* Reading stops, for status; a message first unless the input is only being planned. */
static json_t *
input_stop(struct load *l, int status, int sys)
{
	if (!l->in.planning && sys)
		msg_syswarn("%s", l->in.fp ? l->in.name : l->in.files[l->in.file]);
	else if (!l->in.planning)
		/* not what msi-transform writes: nothing from here on is read */
		msg_at(l->in.name, l->in.reader.line, "%s", l->in.reader.error);
	l->in.status = status;
	return NULL;
}

/*
 * The next record of the input, or NULL at its end or when reading
 * stopped (l->in.status says why, after a message). Records a resumed
 * run answered before (--state), with --retry records not to be sent
 * again, and with --changed-only records as they landed last are passed
 * over, those last without being parsed again (the plan did).
 */
static json_t *
next_record(struct load *l)
{
	enum ndjson_result res;
	json_t *rec = NULL;
	char key[4200];
	size_t len = 0;
	int same;

	while (l->in.status == 0) {
		if (l->in.fp == NULL) {
			if (l->in.files[l->in.file] == NULL)
				return NULL;
			l->in.name = strcmp(l->in.files[l->in.file], "-") == 0
			                 ? "<stdin>"
			                 : l->in.files[l->in.file];
			if ((l->in.fp = input_open(l, l->in.files[l->in.file])) == NULL)
				return input_stop(l, MSI_EXIT_IO, 1);
			ndjson_reader_init(&l->in.reader, l->in.fp, l->in.name);
		}
		rec = NULL; /* each line's own: one passed over is not parsed */
		same = !l->in.planning && l->landed.path != NULL && l->in.skip == 0 &&
		       l->in.retry == NULL && landed_same(&l->landed, l->in.seq);
		if (same) {
			res = ndjson_read_text(&l->in.reader, &len); /* not parsed again */
		} else if ((res = ndjson_read_text(&l->in.reader, &len)) == NDJSON_OBJECT) {
			/* planned by its text alone: not parsed (landed_plan_text) */
			if (l->in.planning &&
			    landed_plan_text(&l->landed, l->in.reader.buf, len, l->in.seq)) {
				l->in.seq++;
				continue;
			}
			res = ndjson_parse_text(&l->in.reader, len, &rec);
		}
		if (res == NDJSON_READERR)
			return input_stop(l, MSI_EXIT_IO, 1);
		if (res == NDJSON_EOF) {
			input_close(l);
			l->in.file++;
			continue;
		}
		if (res == NDJSON_BADLINE)
			return input_stop(l, MSI_EXIT_BADINPUT, 0);
		l->in.seq++;
		if (l->in.planning)
			return rec;
		l->in.carry_line = l->in.reader.line;
		if (l->in.skip > 0) {
			l->in.skip--; /* answered in an earlier run (--state) */
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
		if (same ||
		    (l->landed.path != NULL && (landed_same(&l->landed, l->in.seq - 1) ||
		                                   landed_recheck(&l->landed, l->in.seq - 1,
		                                       rec, l->in.reader.buf, len)))) {
			l->in.passed++; /* as it landed last (--changed-only): not sent */
			l->in.unchanged_ahead++;
			json_decref(rec);
			rec = NULL;
			continue;
		}
		return rec;
	}
	return NULL;
}

/* Keeps standard input in a scratch file, to be read twice. */
static void
spool_stdin(struct load *l)
{
	char buf[1 << 16];
	size_t n;

	if ((l->in.spool = scratch_file("input")) == NULL)
		msg_sysfatal(MSI_EXIT_IO, "a scratch file (TMPDIR) for <stdin>");
	while ((n = fread(buf, 1, sizeof buf, stdin)) > 0)
		if (fwrite(buf, 1, n, l->in.spool) != n)
			msg_sysfatal(MSI_EXIT_IO, "a scratch file (TMPDIR) for <stdin>");
	if (ferror(stdin))
		msg_sysfatal(MSI_EXIT_IO, "<stdin>");
	if (fflush(l->in.spool) == EOF)
		msg_sysfatal(MSI_EXIT_IO, "a scratch file (TMPDIR) for <stdin>");
}

/*
 * --changed-only: reads the input once to plan (landed.c sorts its keys
 * and merges them with the state), then from its start again. Standard
 * input is kept in a scratch file to be read twice. Where the plan could
 * not read (a bad line), the run reads and stops as without it; the plan
 * tells how many records it read (l->in.planned).
 */
void
input_plan(struct load *l)
{
	json_t *rec;
	int i;

	for (i = 0; l->in.files[i] != NULL; i++)
		if (strcmp(l->in.files[i], "-") == 0 && l->in.spool == NULL)
			spool_stdin(l);
	l->in.planning = 1;
	landed_plan_begin(&l->landed);
	while ((rec = next_record(l)) != NULL) {
		landed_plan_add(&l->landed, rec, l->in.seq - 1);
		json_decref(rec);
	}
	landed_plan_end(&l->landed);
	l->in.planned = l->in.status == 0 ? l->in.seq : (unsigned long)-1;
	input_close(l);
	l->in.planning = 0;
	l->in.status = 0;
	l->in.file = 0;
	l->in.seq = 0;
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
