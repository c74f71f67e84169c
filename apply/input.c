/*
 * input.c: msi-apply's input read twice. The first reading checks every
 * line before anything is sent: an update (its Id repaired, its object
 * and fields noted) or a line rejected with its reason, an Id met twice
 * found by sort(1); it keeps the lines in the spool (spool.c) and in
 * memory only the repeats. The second reads them back in input order, a
 * window at a time, as the senders ask (input_load): an update to send,
 * one a run before answered (--state) as it was answered, or a reject.
 */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "apply.h"
#include "ealloc.h"
#include "exitcode.h"
#include "keysort.h"
#include "msg.h"
#include "ndjson.h"
#include "objects.h"
#include "sfid.h"

/* A name Salesforce could give an object or a field: a letter, then letters, digits, _. */
static int
api_name(const char *s)
{
	size_t i;

	if (!isalpha((unsigned char)s[0]) || strlen(s) > 60)
		return 0;
	for (i = 1; s[i] != '\0'; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '_')
			return 0;
	return 1;
}

/* The object named, found or added; -1 when there are too many. */
static int
object_index(struct apply *a, const char *name)
{
	int k;

	for (k = 0; k < a->nobj; k++)
		if (strcasecmp(a->obj[k].name, name) == 0)
			return k;
	if (a->nobj == APPLY_OBJECTS)
		return -1;
	snprintf(a->obj[k].name, sizeof a->obj[k].name, "%s", name);
	a->obj[k].fields = json_object();
	return a->nobj++;
}

/*
 * Why an update msi-apply will not send, or NULL: the Id's key prefix must
 * be its object's, for the objects the pipeline knows (a Lead's Id under
 * attributes.type Contact would be refused by Salesforce at best, or
 * update another record than meant); and without --any-field, only a Lead
 * or a Contact, and only the fields msi-writeback writes (its seven MSI
 * fields under -N, or as --map names them), so that a stray or forged
 * line cannot change an Account's Name through the integration user.
 */
static const char *
check_rule(
    struct apply *a, json_t *rec, const char *type, const char *id, char *why, size_t size)
{
	const struct sf_def *bytype = sf_by_name(type), *byid = sf_by_prefix(id);
	const char *key;
	json_t *v;

	if (!a->any_field && (bytype == NULL || bytype->mkto != MKTO_LEAD)) {
		snprintf(why, size,
		    "%.60s is not a Lead or a Contact, what msi-apply updates (--any-field for "
		    "any object)",
		    type);
		return why;
	}
	if (bytype != NULL && byid != bytype) {
		snprintf(why, size, "Id %s has key prefix %.3s%s%s: not a%s %s (%s)", id, id,
		    byid ? ", a " : "", byid ? byid->name : "",
		    strchr("AEIOU", bytype->name[0]) ? "n" : "", bytype->name, bytype->prefix);
		return why;
	}
	if (bytype == NULL && byid != NULL) {
		snprintf(why, size, "Id %s has key prefix %.3s, a %s: not a%s %.60s", id, id,
		    byid->name, strchr("AEIOU", type[0]) ? "n" : "", type);
		return why;
	}
	if (a->any_field)
		return NULL;
	json_object_foreach (rec, key, v) {
		if (strcmp(key, "attributes") == 0 || strcasecmp(key, "Id") == 0 ||
		    fields_has(&a->fs, key))
			continue;
		snprintf(why, size,
		    "%.60s is not one of the MSI fields under the -N and --map given "
		    "(msi-apply takes msi-writeback's; --any-field for any field)",
		    key);
		return why;
	}
	return NULL;
}

/*
 * Why rec is not an update, or NULL; fills u and, when note (the first
 * reading), notes its fields.
 */
static const char *
check_update(
    struct apply *a, json_t *rec, struct upd *u, int note, char why[SFID_WHY_SIZE + 200])
{
	const char *type, *key, *id = NULL;
	char idwhy[SFID_WHY_SIZE];
	json_t *v;
	int k;

	type = json_string_value(json_object_get(json_object_get(rec, "attributes"), "type"));
	if (type == NULL)
		return "no attributes.type: not an update of msi-writeback's";
	if (!api_name(type))
		return "attributes.type is not an object's name";
	json_object_foreach (rec, key, v) {
		if (strcmp(key, "attributes") == 0)
			continue;
		if (strcasecmp(key, "Id") == 0) {
			if (id != NULL)
				return "the Id is given twice";
			if ((id = json_string_value(v)) == NULL)
				return "the Id is not a string";
			continue;
		}
		if (!api_name(key)) {
			snprintf(
			    why, SFID_WHY_SIZE + 200, "\"%.40s\" is not a field's name", key);
			return why;
		}
		if (json_is_object(v) || json_is_array(v)) {
			snprintf(why, SFID_WHY_SIZE + 200,
			    "%s is an object or an array, not a value", key);
			return why;
		}
	}
	if (id == NULL)
		return "no Id";
	switch (sfid_normalize(id, strlen(id), u->id, idwhy)) {
	case SFID_VALID:
	case SFID_CONVERTED:
	case SFID_REPAIRED: break;
	case SFID_NULL: return "the Id is the null id";
	case SFID_INVALID: snprintf(why, SFID_WHY_SIZE + 200, "bad Id: %s", idwhy); return why;
	}
	if (check_rule(a, rec, type, u->id, why, SFID_WHY_SIZE + 200) != NULL)
		return why;
	if ((k = object_index(a, type)) < 0)
		return "more objects than msi-apply takes in one run (16)";
	u->obj = (unsigned char)k;
	json_object_foreach (rec, key, v) {
		if (!note)
			break;
		if (strcmp(key, "attributes") != 0 && strcasecmp(key, "Id") != 0)
			json_object_set_new(a->obj[k].fields, key, json_true());
	}
	return NULL;
}

/* File f as messages name it. */
static const char *
name_of(const struct apply *a, int f)
{
	return strcmp(a->files[f], "-") == 0 ? "<stdin>" : a->files[f];
}

/* The first stop without --rejects: the line (from the checkpoint), its file, line and why. */
struct stop {
	size_t at;
	int file;
	unsigned long line;
	char *why;
};

/*
 * Line d repeats the Id of an earlier line (on line firstline of its
 * file): kept to be rejected when it is read again, the first kept. What
 * reading it counted (to send, or answered before) is taken back.
 */
static void
repeated(struct apply *a, size_t d, int obj, unsigned long firstline)
{
	char key[32];

	snprintf(key, sizeof key, "%lu", a->skip + (unsigned long)d);
	if (a->answered_loaded != NULL && json_object_get(a->answered_loaded, key) != NULL)
		a->answered_n--;
	else
		a->obj[obj].pending--;
	if (a->nrep % 64 == 0)
		a->rep = erealloc(a->rep, (a->nrep + 64) * sizeof *a->rep);
	a->rep[a->nrep].i = d;
	a->rep[a->nrep++].firstline = firstline;
}

/* The repeats by line. */
static int
by_line(const void *x, const void *y)
{
	const struct repeat *p = x, *q = y;

	return p->i < q->i ? -1 : p->i > q->i;
}

/*
 * The Ids met more than once, found by sorting them (the lines "ID\tINDEX
 * OBJECT FILE LINE" of ids, stable: a million Ids are not held in
 * memory): each after the first is rejected; without --rejects, the run
 * stops at the first line rejected, a repeat or the line bad (st) read
 * last. Returns 0 or an exit status after a message.
 */
static int
repeats(struct apply *a, struct keysort *ids, struct stop *st)
{
	char *key, *rest, *end, prev[19] = "", why[SFID_WHY_SIZE + 200];
	size_t restlen, i, last = 0;
	unsigned long line, firstline = 0, f;
	long obj;
	int r;

	if (keysort_sorted(ids) != 0)
		return MSI_EXIT_IO;
	while ((r = keysort_get(ids, &key, &rest, &restlen)) > 0) {
		i = (size_t)strtoull(rest, &end, 10);
		obj = strtol(end, &end, 10);
		f = strtoul(end, &end, 10);
		line = strtoul(end, &end, 10);
		if (*end != '\0' || i >= a->n || obj < 0 || obj >= a->nobj ||
		    f >= (unsigned long)a->nfiles || strlen(key) >= sizeof prev ||
		    (strcmp(key, prev) == 0 && i <= last) || strcmp(key, prev) < 0)
			break;
		last = i;
		if (strcmp(key, prev) != 0) {
			snprintf(prev, sizeof prev, "%s", key);
			firstline = line;
			continue;
		}
		if (a->rejects != NULL) {
			repeated(a, i, (int)obj, firstline);
		} else if (i < st->at) {
			snprintf(why, sizeof why, "the Id %s is on line %lu too: applied there",
			    key, firstline);
			free(st->why);
			st->why = estrdup(why);
			st->at = i;
			st->file = (int)f;
			st->line = line;
		}
	}
	if (r > 0)
		msg_warn("the updates' Ids: sort(1) gave lines out of order or not put");
	if (keysort_end(ids) != 0 || r != 0)
		return MSI_EXIT_IO;
	if (a->rejects == NULL && st->why != NULL)
		msg_fatal(MSI_EXIT_BADINPUT, "%s:%lu: %s (nothing was sent)",
		    name_of(a, st->file), st->line, st->why);
	if (a->nrep > 1) /* none: no array to sort (qsort wants one) */
		qsort(a->rep, a->nrep, sizeof *a->rep, by_line);
	return 0;
}

/*
 * The first reading: every input line from the checkpoint on, checked and
 * kept in the spool (spool.c), nothing of it in memory. A line that is
 * not an update is rejected with its reason (without --rejects, the run
 * stops with status 3 before anything is sent); an Id met before is
 * rejected too, the first one kept (repeats). The second reading
 * (input_load) finds the same reasons again. Returns 0 or an exit status.
 */
int
input_read(struct apply *a)
{
	struct ndjson_reader r;
	enum ndjson_result res;
	unsigned long seen = 0;
	char why[SFID_WHY_SIZE + 200], rest[96];
	const char *bad;
	json_t *rec;
	struct keysort ids;
	struct stop stop = {SIZE_MAX, 0, 0, NULL};
	char key[32];
	struct upd u;
	size_t hi = 0;
	FILE *fp;
	int f, st;

	if (keysort_start(&ids, "the updates' Ids", 1) != 0)
		return MSI_EXIT_IO;
	for (f = 0; f < a->nfiles && stop.why == NULL; f++) {
		if (strcmp(a->files[f], "-") == 0)
			fp = stdin;
		else if ((fp = fopen(a->files[f], "r")) == NULL)
			msg_sysfatal(MSI_EXIT_IO, "%s", a->files[f]);
		ndjson_reader_init(&r, fp, fp == stdin ? "<stdin>" : a->files[f]);
		while (stop.why == NULL && (res = ndjson_read(&r, &rec)) != NDJSON_EOF) {
			if (res == NDJSON_READERR)
				msg_sysfatal(MSI_EXIT_IO, "%s", r.name);
			if (++seen <= a->skip) { /* answered by a run before */
				json_decref(rec);
				continue;
			}
			memset(&u, 0, sizeof u);
			bad =
			    res == NDJSON_BADLINE ? r.error : check_update(a, rec, &u, 1, why);
			snprintf(key, sizeof key, "%lu", seen - 1);
			spool_put(a, f, r.line, res == NDJSON_OBJECT ? rec : NULL, r.error,
			    bad == NULL ? &u : NULL);
			if (bad != NULL && a->rejects == NULL) {
				/* the run stops here, unless an Id repeated before */
				stop.why = estrdup(bad);
				stop.at = a->n;
				stop.file = f;
				stop.line = r.line;
			} else if (bad == NULL) {
				snprintf(
				    rest, sizeof rest, "%zu %d %d %lu", a->n, u.obj, f, r.line);
				if (keysort_put(&ids, u.id, rest, strlen(rest)) != 0)
					msg_fatal(
					    MSI_EXIT_IO, "the updates' Ids: sort(1) failed");
			}
			a->n++;
			if (bad == NULL && a->answered_loaded != NULL &&
			    json_object_get(a->answered_loaded, key) != NULL) {
				/* answered by the run before: not sent again */
				hi = a->n; /* answered_past looks up to it */
				a->answered_n++;
			} else if (bad == NULL) {
				a->obj[u.obj].pending++;
			}
			json_decref(rec);
		}
		ndjson_reader_free(&r);
		if (fp != stdin)
			fclose(fp);
	}
	spool_done(a);
	st = repeats(a, &ids, &stop);
	free(stop.why);
	/* rejected lines are no answers: answered_past looks up to the last answered before */
	a->answered_hi = hi;
	return st;
}

/* Line i of the window rejected for why, as outcome_fail would say it (not an answer). */
static void
reject(struct apply *a, size_t i, const char *why)
{
	struct upd *u = UPD(a, i);

	u->reasons = json_pack("[{s:s, s:s}]", "code", "value", "message", why);
	u->status = U_REJECTED;
	u->retryable = 0;
}

/*
 * The second reading: the window loaded from the spool up to line upto
 * (or the input's end), each line as the first reading found it: an
 * update to send, one answered by the run before (its result as it was),
 * or rejected with the same reason. Returns the window's end.
 */
size_t
input_load(struct apply *a, size_t upto)
{
	char why[SFID_WHY_SIZE + 200], key[32];
	const char *bad, *was;
	json_t *rec, *badline, *ans;
	struct upd *u;
	size_t i;
	int kind;

	if (upto > a->n)
		upto = a->n;
	while (a->base + a->nw < upto) {
		if (a->nw == a->cap) {
			a->cap = a->cap ? 2 * a->cap : 1024;
			a->u = erealloc(a->u, a->cap * sizeof *a->u);
		}
		i = a->base + a->nw;
		u = &a->u[a->nw];
		memset(u, 0, sizeof *u);
		if ((kind = spool_next(a, u, &rec, &badline)) == 0)
			msg_fatal(
			    MSI_EXIT_IO, "the updates' scratch file (TMPDIR): lines missing");
		a->nw++;
		/* an update as checked; a line rejected checked again for why */
		bad = kind == 'R' ? NULL
		      : badline   ? json_string_value(badline)
		                  : check_update(a, rec, u, 0, why);
		snprintf(key, sizeof key, "%lu", a->skip + (unsigned long)i);
		ans = a->answered_loaded ? json_object_get(a->answered_loaded, key) : NULL;
		if (bad != NULL) {
			u->id[0] = '\0';
			reject(a, i, bad);
		} else if (a->nextrep < a->nrep && a->rep[a->nextrep].i == i) {
			snprintf(why, sizeof why, "the Id %s is on line %lu too: applied there",
			    u->id, a->rep[a->nextrep++].firstline);
			reject(a, i, why);
		} else if (ans != NULL) {
			/* answered by the run before: not sent again; its result as it was */
			u->before = 1;
			u->written_before = json_is_true(json_object_get(ans, "written"));
			was = json_string_value(json_object_get(ans, "status"));
			u->status =
			    was != NULL && strcmp(was, "updated") == 0 ? U_UPDATED : U_FAILED;
			u->retryable = json_is_true(json_object_get(ans, "retryable"));
			u->reasons = json_incref(json_object_get(ans, "reasons"));
		}
		if (a->held != NULL && a->held[i] != 0 && u->status == U_PENDING) {
			/* answered while past the window (an ingest job's results) */
			u->status = a->held[i] & (HELD_RETRYABLE - 1);
			u->retryable = (a->held[i] & HELD_RETRYABLE) != 0;
			snprintf(key, sizeof key, "%zu", i);
			if ((ans = json_object_get(a->held_reasons, key)) != NULL) {
				u->reasons = json_incref(ans);
				json_object_del(a->held_reasons, key);
			}
			a->held[i] = 0;
		}
		json_decref(rec);
		json_decref(badline);
	}
	return a->base + a->nw;
}

/*
 * The window's lines whose result lines are out, dropped (those the state
 * still names kept: from a stop's first unsent on, until the state is
 * written for the last time). Only once they are as many as the rest, so
 * that what is moved is paid for by what is dropped.
 */
void
input_drop(struct apply *a)
{
	size_t keep = a->written, d, j;

	if (!a->frozen && a->unsent < keep)
		keep = a->unsent;
	if (keep <= a->base || (d = keep - a->base) * 2 < a->nw)
		return;
	for (j = 0; j < d; j++)
		json_decref(a->u[j].reasons);
	memmove(a->u, a->u + d, (a->nw - d) * sizeof *a->u);
	a->nw -= d;
	a->base = keep;
}

/*
 * Object k's updates to send (neither rejected nor answered by a run
 * before), in input order, read from the spool apart from the window:
 * fn(ctx, i, u) for each from the first-th of them on, count of them at
 * most, u with its Id and its record's place. An ingest job's updates are
 * found so, to be uploaded and to meet their results, rather than held in
 * memory. The window's reading goes on where it was. Returns how many
 * were given.
 */
size_t
input_each(struct apply *a, int k, size_t first, size_t count,
    void (*fn)(void *ctx, size_t i, const struct upd *u), void *ctx)
{
	off_t was = a->readat;
	size_t i, r = 0, seen = 0, given = 0;
	struct upd u;
	json_t *rec, *bad;
	char key[32];
	int kind;

	if (a->spool == NULL || count == 0)
		return 0;
	if (fseeko(a->spool, 0, SEEK_SET) != 0)
		msg_sysfatal(MSI_EXIT_IO, "the updates' scratch file (TMPDIR)");
	a->readat = 0;
	for (i = 0; given < count && (kind = spool_next(a, &u, &rec, &bad)) != 0; i++) {
		json_decref(rec);
		json_decref(bad);
		while (r < a->nrep && a->rep[r].i < i)
			r++;
		if (kind != 'R' || u.obj != k || (r < a->nrep && a->rep[r].i == i))
			continue;
		snprintf(key, sizeof key, "%lu", a->skip + (unsigned long)i);
		if (a->answered_loaded != NULL &&
		    json_object_get(a->answered_loaded, key) != NULL)
			continue;
		if (seen++ < first)
			continue;
		fn(ctx, i, &u);
		given++;
	}
	if (fseeko(a->spool, was, SEEK_SET) != 0)
		msg_sysfatal(MSI_EXIT_IO, "the updates' scratch file (TMPDIR)");
	a->readat = was;
	return given;
}
