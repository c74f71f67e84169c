/*
 * msi-apply.c: msi-writeback's Salesforce updates applied to the org: the
 * input read and checked whole, the target fields checked against each
 * object's describe, then sObject Collections calls (collections.c) or a
 * Bulk API 2.0 ingest job an object (ingest.c), and a result line for
 * every input line, in input order.
 */
#include <ctype.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <jansson.h>

#include "apply.h"
#include "ealloc.h"
#include "exitcode.h"
#include "fshut.h"
#include "msg.h"
#include "ndjson.h"
#include "numarg.h"
#include "objects.h"
#include "reject.h"
#include "sfid.h"
#include "stats.h"

/* Below this many updates sObject Collections, from it on an ingest job. */
#define BULK_THRESHOLD 2000

/* Messages about records Salesforce refused, at most; the rest are counted. */
#define FAIL_MESSAGES 20

/* Numbers as msi-writeback writes them: 2.6 stays 2.6. */
#define DUMP_FLAGS (JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(15))

static void
usage(FILE *fp, int status)
{
	fputs("usage: msi-apply [-hV] [-C config] [-c concurrency] [-M map] [-N namespace]\n"
	      "                 [-r rejects] [-s state] [--any-field] [--bulk | --no-bulk]\n"
	      "                 [--bulk-threshold n] [--max-retries n] [--poll-max seconds]\n"
	      "                 [--stats] [--stats-json file] [--timeout seconds] [file ...]\n",
	    fp);
	exit(status);
}

static const char *
file_name(const struct apply *a, const struct upd *u)
{
	return strcmp(a->files[u->file], "-") == 0 ? "<stdin>" : a->files[u->file];
}

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
	json_object_foreach(rec, key, v)
	{
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
	json_object_foreach(rec, key, v)
	{
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
	json_object_foreach(rec, key, v)
	{
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

/*
 * Reads every input line from the checkpoint on. A line that is not an
 * update is rejected with its reason (without --rejects, the run stops
 * with status 3 before anything is sent); an Id met before is rejected
 * too, the first one kept. Returns 0 or an exit status.
 */
static int
read_input(struct apply *a)
{
	struct ndjson_reader r;
	enum ndjson_result res;
	unsigned long seen = 0;
	char why[SFID_WHY_SIZE + 200];
	const char *bad, *was;
	json_t *rec, *ids = json_object(), *first, *ans;
	char key[32];
	struct upd *u;
	FILE *fp;
	int f;

	for (f = 0; f < a->nfiles; f++) {
		if (strcmp(a->files[f], "-") == 0)
			fp = stdin;
		else if ((fp = fopen(a->files[f], "r")) == NULL)
			msg_sysfatal(MSI_EXIT_IO, "%s", a->files[f]);
		ndjson_reader_init(&r, fp, fp == stdin ? "<stdin>" : a->files[f]);
		while ((res = ndjson_read(&r, &rec)) != NDJSON_EOF) {
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
			if (bad == NULL && (first = json_object_get(ids, u->id)) != NULL) {
				snprintf(why, sizeof why,
				    "the Id %s is on line %lu too: applied there", u->id,
				    (unsigned long)json_integer_value(first));
				bad = why;
			}
			if (res == NDJSON_OBJECT)
				u->text = json_dumps(rec, DUMP_FLAGS);
			if (bad != NULL) {
				if (bad != why || strncmp(why, "the Id ", 7) != 0)
					u->id[0] =
					    '\0'; /* only a repeated Id is known for sure */
				if (a->rejects == NULL)
					msg_fatal(MSI_EXIT_BADINPUT,
					    "%s:%lu: %s (nothing was sent)", r.name, r.line,
					    bad);
				apply_fail(a, a->n - 1, "value", bad, NULL, 0);
				a->u[a->n - 1].status = U_REJECTED;
			} else if (ans != NULL) {
				/* answered by the run before: not sent again; its result as it
				 * was */
				json_object_set_new(
				    ids, u->id, json_integer((json_int_t)r.line));
				u->before = 1;
				u->written_before =
				    json_is_true(json_object_get(ans, "written"));
				was = json_string_value(json_object_get(ans, "status"));
				u->status = was != NULL && strcmp(was, "updated") == 0
				                ? U_UPDATED
				                : U_FAILED;
				u->retryable = json_is_true(json_object_get(ans, "retryable"));
				u->reasons = json_incref(json_object_get(ans, "reasons"));
				a->answered_n++;
			} else {
				json_object_set_new(
				    ids, u->id, json_integer((json_int_t)r.line));
				a->obj[u->obj].pending++;
			}
			json_decref(rec);
		}
		ndjson_reader_free(&r);
		if (fp != stdin)
			fclose(fp);
	}
	json_decref(ids);
	return 0;
}

/* A field's name in lower case (Salesforce's names ignore case), in out. */
static const char *
lowered(const char *name, char out[64])
{
	size_t j;

	for (j = 0; name[j] != '\0' && j < 63; j++)
		out[j] = (char)tolower((unsigned char)name[j]);
	out[j] = '\0';
	return out;
}

/*
 * Each object's describe, once: every field the updates name must be there
 * and updateable, else the run stops with status 2 before anything is sent,
 * naming the fields. Returns 0 or an exit status.
 */
static int
check_fields(struct apply *a)
{
	struct http_call call;
	struct sferror e;
	json_t *d, *f, *byname, *want;
	const char *key, *name;
	char path[128], lower[64], missing[1024], fixed[1024];
	size_t i;
	int k, st, bad = 0;

	for (k = 0; k < a->nobj; k++) {
		if (a->obj[k].pending == 0)
			continue;
		snprintf(path, sizeof path, "sobjects/%s/describe", a->obj[k].name);
		if ((st = sfclient_call(&a->sf, "GET", path, NULL, NULL, &call, &e)) != 0) {
			if (st == SF_REFUSED &&
			    (e.http == 404 || strcmp(e.code, "NOT_FOUND") == 0 ||
			        strcmp(e.code, "INVALID_TYPE") == 0)) {
				msg_warn("the org has no object %s (%s: %s); nothing was sent",
				    a->obj[k].name, e.code, e.message);
				return MSI_EXIT_USAGE;
			}
			msg_warn("%s: %s%s%s", path, e.code, e.code[0] ? ": " : "", e.message);
			return st == SF_REFUSED ? MSI_EXIT_SERVICE : st;
		}
		d = json_loadb(
		    call.response.data ? call.response.data : "", call.response.len, 0, NULL);
		http_call_free(&call);
		if (!json_is_array(json_object_get(d, "fields"))) {
			msg_warn("%s: the answer has no fields", path);
			json_decref(d);
			return MSI_EXIT_SERVICE;
		}
		byname = json_object();
		json_array_foreach(json_object_get(d, "fields"), i, f)
		{
			if ((name = json_string_value(json_object_get(f, "name"))) == NULL)
				continue;
			json_object_set(byname, lowered(name, lower), f);
		}
		missing[0] = fixed[0] = '\0';
		json_object_foreach(a->obj[k].fields, key, want)
		{
			f = json_object_get(byname, lowered(key, lower));
			if (f == NULL)
				snprintf(missing + strlen(missing),
				    sizeof missing - strlen(missing), "%s%s",
				    missing[0] ? ", " : "", key);
			else if (!json_is_true(json_object_get(f, "updateable")))
				snprintf(fixed + strlen(fixed), sizeof fixed - strlen(fixed),
				    "%s%s", fixed[0] ? ", " : "", key);
		}
		if (missing[0] != '\0') {
			msg_warn("%s has no field %s", a->obj[k].name, missing);
			bad = 1;
		}
		if (fixed[0] != '\0') {
			msg_warn(
			    "%s's field %s cannot be updated by the integration user (not "
			    "updateable in the describe: read-only, a formula, or field-level "
			    "security)",
			    a->obj[k].name, fixed);
			bad = 1;
		}
		json_decref(byname);
		json_decref(d);
	}
	if (bad) {
		msg_warn(
		    "nothing was sent: is MSI's managed package installed, and do the -N namespace "
		    "(mkto_si__ for the package's fields) and the --map files given to "
		    "msi-writeback and msi-apply name the fields as this org has them?");
		return MSI_EXIT_USAGE;
	}
	return 0;
}

/*
 * Sets the result of update i: failed (or, for a line not an update,
 * rejected by the caller) with Salesforce's code, message and fields.
 * Steals fields.
 */
void
apply_fail(struct apply *a, size_t i, const char *code, const char *message, json_t *fields,
    int retryable)
{
	struct upd *u = &a->u[i];
	json_t *r = json_pack(
	    "{s:s, s:s}", "code", code ? code : "", "message", message ? message : "");

	if (fields != NULL && json_array_size(fields) > 0)
		json_object_set(r, "fields", fields);
	json_decref(fields);
	if (u->reasons == NULL)
		u->reasons = json_array();
	json_array_append_new(u->reasons, r);
	u->status = U_FAILED;
	u->retryable = (unsigned char)retryable;
}

/* The same failure for the updates idx[0..n). */
void
apply_fail_all(struct apply *a, size_t *idx, size_t n, const char *code, const char *message,
    int retryable)
{
	size_t i;

	for (i = 0; i < n; i++)
		apply_fail(a, idx[i], code, message, NULL, retryable);
}

/*
 * The run stops sending (quota, the service): status and why are kept;
 * what was not answered is reported retryable at the end, and the
 * checkpoint stays before it.
 */
void
apply_stop(struct apply *a, int status, const struct sferror *e, const char *what)
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
	    "pending", "updated", "failed", "rejected", "failed"};
	json_t *o = json_object();

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
	if (u->text != NULL)
		rec = json_loads(u->text, 0, NULL);
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
 * Writes the result lines of the updates answered, in input order, up to
 * the first not answered, and then the checkpoint. Returns 0 or
 * MSI_EXIT_IO.
 */
int
apply_flush(struct apply *a)
{
	struct upd *u;
	size_t before = a->written;
	json_t *first;

	while (a->written < a->n && a->u[a->written].status != U_PENDING) {
		u = &a->u[a->written];
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
		case U_FAILED:
			if (a->failed++ < FAIL_MESSAGES) {
				first = json_array_get(u->reasons, 0);
				msg_at(file_name(a, u), u->line, "%s %s: %s: %s",
				    a->obj[u->obj].name, u->id,
				    json_string_value(json_object_get(first, "code")),
				    json_string_value(json_object_get(first, "message")));
			}
			break;
		}
		if (u->status != U_UPDATED && a->rejects != NULL && write_reject(a, u) != 0)
			return MSI_EXIT_IO;
		free(u->text);
		u->text = NULL;
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
	return 0;
}

static int
run(struct apply *a, const char *config, long timeout_ms, int max_retries, int stats,
    const char *stats_file)
{
	char why[MKCONF_WHY_SIZE];
	unsigned long pending = 0;
	const char *path;
	double t0 = http_now();
	json_t *st;
	size_t i;
	int k, status = 0, bulk;

	a->unsent = SIZE_MAX;
	if (sfclient_init(&a->sf, config, timeout_ms, max_retries, why) != 0) {
		msg_warn("%s", why);
		return MSI_EXIT_USAGE;
	}
	if (a->rejects_name != NULL && (a->rejects = fopen_private(a->rejects_name, 1)) == NULL)
		msg_sysfatal(MSI_EXIT_IO, "%s", a->rejects_name);
	if (a->state_name != NULL && (status = state_open(a)) != 0)
		return status;
	if (a->jobs == NULL)
		a->jobs = json_array();
	if ((status = read_input(a)) != 0)
		return status;
	for (k = 0; k < a->nobj; k++)
		pending += a->obj[k].pending;
	bulk = json_array_size(a->jobs) > 0 ||
	       (a->bulk < 0 ? pending >= a->threshold : a->bulk == 1);
	path = bulk ? "bulk" : "collections";
	if (pending > 0 && (status = check_fields(a)) != 0) {
		if (status != MSI_EXIT_SERVICE && status != MSI_EXIT_QUOTA)
			goto out; /* the settings or the org's fields: nothing to send again */
		/* the service stopped the run before its first update: each one is unsent */
		a->stopped = status;
		snprintf(a->stop_why, sizeof a->stop_why, "the describe failed: nothing was sent");
		status = 0;
	} else if (pending > 0 || json_array_size(a->jobs) > 0) {
		if (bulk)
			ingest_run(a);
		else
			collections_run(a);
	}
	/* what a stop left unanswered: retryable, and the checkpoint stays before it */
	for (i = a->written; i < a->n; i++) {
		if (a->u[i].status != U_PENDING)
			continue;
		if (a->unsent == SIZE_MAX)
			a->unsent = i;
		apply_fail(a, i,
		    a->stopped == MSI_EXIT_QUOTA ? "REQUEST_LIMIT_EXCEEDED" : "stopped",
		    a->stop_why[0] ? a->stop_why : "not sent", NULL, 1);
		a->u[i].status = U_UNSENT;
	}
	if (apply_flush(a) != 0)
		status = MSI_EXIT_IO;
	status = status ? status : a->stopped;
	if (status == 0 && a->job_failed)
		status = MSI_EXIT_SERVICE;
out:
	if (fshut(stdout, "stdout") != 0 && status == 0)
		status = MSI_EXIT_IO;
	if (a->rejects != NULL && fshut(a->rejects, a->rejects_name) != 0 && status == 0)
		status = MSI_EXIT_IO;
	if (status == 0 && a->failed + a->rejected + a->unsent_n > 0)
		status = MSI_EXIT_REJECTS;
	if (a->failed > FAIL_MESSAGES)
		msg_warn("%lu records more refused by Salesforce%s", a->failed - FAIL_MESSAGES,
		    a->rejects_name ? ": see the rejects" : "");
	if (a->unsent_n > 0)
		msg_warn("%lu updates not confirmed for the stop: retryable%s", a->unsent_n,
		    a->state_name ? "; run again with the same state to send or follow them"
		                  : "");
	msg_warn(
	    "updates: %lu; updated: %lu; failed: %lu; rejected: %lu; unconfirmed: %lu; path: %s; "
	    "calls: %lu (Collections %lu, ingest jobs %lu); retries: %lu; %.1f s",
	    (unsigned long)a->n, a->updated, a->failed, a->rejected, a->unsent_n, path,
	    a->sf.calls, a->calls_coll, a->jobs_made, a->sf.retries, http_now() - t0);
	if (stats && a->sf.usage[0] != '\0')
		msg_warn("Salesforce API usage: %s", a->sf.usage);
	if (stats_file != NULL) {
		st = json_pack(
		    "{s:s, s:i, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:s, s:I, s:I, s:I, "
		    "s:I, s:b, s:f}",
		    "tool", "msi-apply", "status", status, "records", (json_int_t)a->n,
		    "to_send", (json_int_t)pending, "updated", (json_int_t)a->updated, "failed",
		    (json_int_t)a->failed, "rejected", (json_int_t)a->rejected, "unconfirmed",
		    (json_int_t)a->unsent_n, "answered_before",
		    (json_int_t)(a->skip + a->answered_n), "path", path, "calls",
		    (json_int_t)a->sf.calls, "collections_calls", (json_int_t)a->calls_coll,
		    "ingest_jobs", (json_int_t)a->jobs_made, "retries",
		    (json_int_t)a->sf.retries, "stopped", a->stopped != 0, "seconds",
		    http_now() - t0);
		if (a->sf.usage[0] != '\0')
			json_object_set_new(st, "salesforce",
			    json_pack("{s:s}", "api_usage",
			        a->sf.usage + strcspn(a->sf.usage, "=") + 1));
		if (stats_write(stats_file, st) != 0 && status == 0)
			status = MSI_EXIT_IO;
	}
	return status;
}

static void
apply_free(struct apply *a)
{
	size_t i;
	int k;

	for (i = 0; i < a->n; i++) {
		free(a->u[i].text);
		json_decref(a->u[i].reasons);
	}
	free(a->u);
	for (k = 0; k < a->nobj; k++)
		json_decref(a->obj[k].fields);
	fields_free(&a->fs);
	json_decref(a->jobs);
	json_decref(a->answered_loaded);
	inputs_free(&a->inputs);
	if (a->state_fd >= 0)
		close(a->state_fd);
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
	    {"any-field", no_argument, NULL, 'A'},
	    {"bulk", no_argument, NULL, 'B'},
	    {"bulk-threshold", required_argument, NULL, 'T'},
	    {"concurrency", required_argument, NULL, 'c'},
	    {"config", required_argument, NULL, 'C'},
	    {"help", no_argument, NULL, 'h'},
	    {"max-retries", required_argument, NULL, 'y'},
	    {"no-bulk", no_argument, NULL, 'b'},
	    {"poll-max", required_argument, NULL, 'P'},
	    {"rejects", required_argument, NULL, 'r'},
	    {"state", required_argument, NULL, 's'},
	    {"stats", no_argument, NULL, 'S'},
	    {"stats-json", required_argument, NULL, 'J'},
	    {"timeout", required_argument, NULL, 't'},
	    {"version", no_argument, NULL, 'V'},
	    FIELDS_OPTS_LONG,
	    {NULL, 0, NULL, 0},
	};
	static char *const std_in[] = {"-", NULL};
	struct fields_opts fo = {{NULL}, 0, NULL};
	struct apply a;
	const char *config = NULL, *stats_file = NULL;
	long timeout_ms = 120000;
	int ch, i, max_retries = 5, stats = 0, status;

	msg_init(argv[0]);
	memset(&a, 0, sizeof a);
	a.bulk = -1;
	a.threshold = BULK_THRESHOLD;
	a.concurrency = 4;
	a.poll_max = 10;
	a.state_fd = -1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":C:c:hr:s:V" FIELDS_OPTS_SHORT, longopts, NULL)) !=
	       -1) {
		if (fields_opts_parse(&fo, ch, optarg, usage))
			continue;
		switch (ch) {
		case 'A': a.any_field = 1; break;
		case 'B': a.bulk = 1; break;
		case 'b': a.bulk = 0; break;
		case 'C': config = optarg; break;
		case 'c':
			a.concurrency = (int)numarg_range_or_usage(
			    optarg, "--concurrency", 1, 25, "calls from 1 to 25", usage);
			break;
		case 'h': usage(stdout, MSI_EXIT_OK); break;
		case 'J': stats_file = optarg; break;
		case 'P':
			a.poll_max = (double)numarg_range_or_usage(
			    optarg, "--poll-max", 1, 3600, "seconds from 1 to 3600", usage);
			break;
		case 'r': a.rejects_name = optarg; break;
		case 's': a.state_name = optarg; break;
		case 'S': stats = 1; break;
		case 'T':
			a.threshold =
			    (unsigned long)numarg_range_or_usage(optarg, "--bulk-threshold", 1,
			        100000000, "a number of updates from 1", usage);
			break;
		case 't':
			timeout_ms = 1000 * numarg_range_or_usage(optarg, "--timeout", 1, 86400,
			                        "seconds from 1", usage);
			break;
		case 'V': printf("msi-apply %s\n", MSI_VERSION); return MSI_EXIT_OK;
		case 'y':
			max_retries = (int)numarg_range_or_usage(
			    optarg, "--max-retries", 0, 100, "a number from 0 to 100", usage);
			break;
		default: msg_badopt(ch, argv); usage(stderr, MSI_EXIT_USAGE);
		}
	}
	a.files = optind < argc ? argv + optind : std_in;
	a.nfiles = optind < argc ? argc - optind : 1;
	if (a.nfiles > 1000) {
		msg_warn("at most 1000 files");
		usage(stderr, MSI_EXIT_USAGE);
	}
	for (i = 0; a.state_name != NULL && i < a.nfiles; i++)
		if (strcmp(a.files[i], "-") == 0) {
			msg_warn("--state is bound to the input files' size and content, read "
			         "again by a resumed run: give files, not standard input");
			usage(stderr, MSI_EXIT_USAGE);
		}
	if ((status = fields_setup(&a.fs, &fo)) != 0) {
		fields_free(&a.fs);
		return status;
	}
	status = run(&a, config, timeout_ms, max_retries, stats, stats_file);
	sfclient_free(&a.sf);
	apply_free(&a);
	return status;
}
