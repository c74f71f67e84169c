/*
 * input.c: msi-apply's input read whole before anything is sent: each
 * line an update (its Id repaired, its object and fields noted) or a
 * line rejected with its reason; the lines a run before answered (--state)
 * taken as they were answered.
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

/* Why rec is not an update, or NULL; fills u and notes its fields. */
static const char *
check_update(struct apply *a, json_t *rec, struct upd *u, char why[SFID_WHY_SIZE + 200])
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
		if (strcmp(key, "attributes") != 0 && strcasecmp(key, "Id") != 0)
			json_object_set_new(a->obj[k].fields, key, json_true());
	}
	return NULL;
}

static struct upd *
new_upd(struct apply *a, int file, unsigned long line)
{
	struct upd *u;

	if (a->n == a->cap) {
		a->cap = a->cap ? 2 * a->cap : 1024;
		a->u = erealloc(a->u, a->cap * sizeof *a->u);
	}
	u = &a->u[a->n++];
	memset(u, 0, sizeof *u);
	u->file = (unsigned short)file;
	u->line = line;
	return u;
}

/* Update i's file, as messages name it. */
static const char *
name_of(const struct apply *a, size_t i)
{
	return strcmp(a->files[a->u[i].file], "-") == 0 ? "<stdin>" : a->files[a->u[i].file];
}

/*
 * Update d repeats the Id of update first, an earlier one: rejected, the
 * first kept. What reading it counted (to send, or answered before) is
 * taken back.
 */
static void
repeated(struct apply *a, size_t d, size_t first)
{
	struct upd *u = &a->u[d];
	char why[SFID_WHY_SIZE + 200];

	if (u->before) {
		u->before = u->written_before = 0;
		u->retryable = 0;
		a->answered_n--;
		json_decref(u->reasons);
		u->reasons = NULL;
	} else {
		a->obj[u->obj].pending--;
	}
	snprintf(why, sizeof why, "the Id %s is on line %lu too: applied there", u->id,
	    a->u[first].line);
	outcome_fail(a, d, "value", why, NULL, 0);
	u->status = U_REJECTED;
}

/*
 * The Ids met more than once, found by sorting them (the lines "ID\tINDEX"
 * of ids, stable: a million Ids are not held in memory): each after the
 * first is rejected; without --rejects, the run stops at the first line
 * rejected, a repeat or the line bad (its message bad) read last. Returns
 * 0 or an exit status after a message.
 */
static int
repeats(struct apply *a, struct keysort *ids, size_t bad_at, const char *bad)
{
	char *key, *rest, *end, prev[19] = "";
	size_t restlen, i, first = 0, last = 0;
	int r;

	if (keysort_sorted(ids) != 0)
		return MSI_EXIT_IO;
	while ((r = keysort_get(ids, &key, &rest, &restlen)) > 0) {
		i = (size_t)strtoull(rest, &end, 10);
		if (*end != '\0' || i >= a->n || strlen(key) >= sizeof prev ||
		    (strcmp(key, prev) == 0 && i <= last) || strcmp(key, prev) < 0)
			break;
		last = i;
		if (strcmp(key, prev) != 0) {
			snprintf(prev, sizeof prev, "%s", key);
			first = i;
			continue;
		}
		if (a->rejects != NULL)
			repeated(a, i, first);
		else if (i < bad_at) {
			bad_at = i;
			repeated(a, i, first);
			bad = json_string_value(
			    json_object_get(json_array_get(a->u[i].reasons, 0), "message"));
		}
	}
	if (r > 0)
		msg_warn("the updates' Ids: sort(1) gave lines out of order or not put");
	if (keysort_end(ids) != 0 || r != 0)
		return MSI_EXIT_IO;
	if (a->rejects == NULL && bad != NULL)
		msg_fatal(MSI_EXIT_BADINPUT, "%s:%lu: %s (nothing was sent)",
		    name_of(a, bad_at), a->u[bad_at].line, bad);
	return 0;
}

/*
 * Reads every input line from the checkpoint on. A line that is not an
 * update is rejected with its reason (without --rejects, the run stops
 * with status 3 before anything is sent); an Id met before is rejected
 * too, the first one kept (repeats). Returns 0 or an exit status.
 */
int
input_read(struct apply *a)
{
	struct ndjson_reader r;
	enum ndjson_result res;
	unsigned long seen = 0;
	char why[SFID_WHY_SIZE + 200], index[24], *stop = NULL;
	const char *bad, *was;
	json_t *rec, *ans;
	struct keysort ids;
	char key[32];
	struct upd *u;
	size_t stop_at = SIZE_MAX, hi = 0;
	FILE *fp;
	int f, st;

	if (keysort_start(&ids, "the updates' Ids", 1) != 0)
		return MSI_EXIT_IO;
	for (f = 0; f < a->nfiles && stop == NULL; f++) {
		if (strcmp(a->files[f], "-") == 0)
			fp = stdin;
		else if ((fp = fopen(a->files[f], "r")) == NULL)
			msg_sysfatal(MSI_EXIT_IO, "%s", a->files[f]);
		ndjson_reader_init(&r, fp, fp == stdin ? "<stdin>" : a->files[f]);
		while (stop == NULL && (res = ndjson_read(&r, &rec)) != NDJSON_EOF) {
			if (res == NDJSON_READERR)
				msg_sysfatal(MSI_EXIT_IO, "%s", r.name);
			if (++seen <= a->skip) { /* answered by a run before */
				json_decref(rec);
				continue;
			}
			u = new_upd(a, f, r.line);
			bad = res == NDJSON_BADLINE ? r.error : check_update(a, rec, u, why);
			snprintf(key, sizeof key, "%lu", seen - 1);
			ans = a->answered_loaded ? json_object_get(a->answered_loaded, key)
			                         : NULL;
			if (res == NDJSON_OBJECT)
				spool_put(a, u, rec);
			if (bad != NULL) {
				u->id[0] = '\0';
				if (a->rejects == NULL) {
					/* the run stops here, unless an Id repeated before */
					stop = estrdup(bad);
					stop_at = a->n - 1;
				} else {
					outcome_fail(a, a->n - 1, "value", bad, NULL, 0);
					a->u[a->n - 1].status = U_REJECTED;
				}
			} else {
				snprintf(index, sizeof index, "%zu", a->n - 1);
				if (keysort_put(&ids, u->id, index, strlen(index)) != 0)
					msg_fatal(
					    MSI_EXIT_IO, "the updates' Ids: sort(1) failed");
			}
			if (bad == NULL && ans != NULL) {
				/* answered by the run before: not sent again; its result as it
				 * was */
				u->before = 1;
				u->written_before =
				    json_is_true(json_object_get(ans, "written"));
				was = json_string_value(json_object_get(ans, "status"));
				u->status = was != NULL && strcmp(was, "updated") == 0
				                ? U_UPDATED
				                : U_FAILED;
				hi = a->n; /* answered_past looks up to it */
				u->retryable = json_is_true(json_object_get(ans, "retryable"));
				u->reasons = json_incref(json_object_get(ans, "reasons"));
				a->answered_n++;
			} else if (bad == NULL) {
				a->obj[u->obj].pending++;
			}
			json_decref(rec);
		}
		ndjson_reader_free(&r);
		if (fp != stdin)
			fclose(fp);
	}
	spool_done(a);
	st = repeats(a, &ids, stop_at, stop);
	free(stop);
	/* rejected lines are no answers: answered_past looks up to the last answered before */
	a->answered_hi = hi;
	return st;
}
