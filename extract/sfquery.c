/*
 * sfquery.c: msi-extract --salesforce: one object read from a live org by
 * a Bulk API 2.0 query job: the fields chosen (msi-transform's, or the
 * user's) and checked against the object's describe, the job created and
 * polled with a growing pause, its CSV pages fetched by locator and fed to
 * the same CSV reader and record writer as an export's file. With --state,
 * only the records modified since the last whole extract (sfstate.c), less
 * --lookback. A run that cannot show it read every row the job found (a
 * page without its locator, fewer rows than the job counted) fails, and
 * its mark is not committed: msi-sync deletes from Marketo what a whole
 * extract lacks.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "mapping.h"
#include "csvin.h"
#include "ealloc.h"
#include "exitcode.h"
#include "http.h"
#include "jsonbuf.h"
#include "msg.h"
#include "progress.h"
#include "sfclient.h"
#include "sfopts.h"
#include "sfquery.h"
#include "sfstate.h"

/* The first pause between two polls of a job, in seconds; it doubles to --poll-max. */
#define POLL_FIRST 0.2

/* A field to query, as the describe spells it, and who asked for it. */
struct field {
	char *name;
	int user; /* 1: named by --fields or a map file: missing from the org is an error; */
	          /* 0: msi-transform's: missing, left out with a note; -1: left out silently */
};

/* The run, kept from sfquery_run to sfquery_commit. */
static struct run {
	struct sfclient sf;
	struct sfstate state;
	int have_state, committable;
	int check;     /* --check: what is said goes to standard output, as the check's lines */
	size_t chosen; /* the fields the query names */
	int skip_at_mark; /* --lookback 0: the ids seen at the mark are left out */
	char job[40];
	json_int_t processed; /* the job's numberRecordsProcessed, once JobComplete */
	unsigned long page, pages, page_rows, rows_read, seen_before;
	size_t id_col, stamp_col;
	char max[SFSTATE_MARK_SIZE]; /* the highest SystemModstamp read, never below the mark */
	json_t *at_max;              /* the ids of the records read at max */
	unsigned long out_rows;
	struct extract *x;
	char where[80];           /* "job 750...: page 3", what messages name a row by */
	struct progress progress; /* the job's state while it runs, then the pages read */
	double job_started;
} R;

static void
add_field(struct field **f, size_t *n, const char *name, int user)
{
	size_t i;

	for (i = 0; i < *n; i++) {
		if (strcasecmp((*f)[i].name, name) == 0) {
			if (user > (*f)[i].user)
				(*f)[i].user = user;
			return;
		}
	}
	*f = erealloc(*f, (*n + 1) * sizeof **f);
	(*f)[*n].name = estrdup(name);
	(*f)[*n].user = user;
	(*n)++;
}

/*
 * What the run says about the object and its fields: a warning; under
 * --check, a line of the check on standard output ("salesforce: Lead: ...";
 * object "" or NULL: the text names it).
 */
static void say(const char *object, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
say(const char *object, const char *fmt, ...)
{
	char text[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof text, fmt, ap);
	va_end(ap);
	if (R.check && object != NULL && object[0] != '\0')
		msg_line(stdout, "salesforce: %s: %s", object, text);
	else if (R.check)
		msg_line(stdout, "salesforce: %s", text);
	else
		msg_warn("%s", text);
}

/* Says why the call failed and gives the exit status for it. */
static int
failed(const char *what, int st, const struct sferror *e)
{
	const char *object = NULL; /* what names it: "Lead: describe" */

	if (st == MSI_EXIT_QUOTA) {
		say(object,
		    "%s: Salesforce says REQUEST_LIMIT_EXCEEDED: the org's API requests of the "
		    "last 24 hours are spent (%s); run again when they are not",
		    what, R.sf.usage[0] ? R.sf.usage : "usage not reported");
		return MSI_EXIT_QUOTA;
	}
	if (st == SF_REFUSED) {
		say(object, "%s: Salesforce refused it: HTTP %ld %s%s%s", what, e->http,
		    e->code, e->code[0] && e->message[0] ? ": " : "", e->message);
		return MSI_EXIT_SERVICE;
	}
	say(object, "%s: %s", what, e->message);
	return st;
}

/* A JSON answer of a 2xx call, or NULL (said). */
static json_t *
answer_json(struct http_call *call, const char *what)
{
	json_t *j = json_loadb(
	    call->response.data ? call->response.data : "", call->response.len, 0, NULL);

	if (j == NULL)
		msg_warn("%s: the answer is not JSON", what);
	http_call_free(call);
	return j;
}

/*
 * One call whose answer is JSON: 0 with *out (the caller's), SF_REFUSED
 * with e for the caller to judge, or an exit status, said.
 */
static int
call_json(const char *method, const char *path, const char *body, const char *what,
    json_t **out, struct sferror *e)
{
	struct http_call call;
	int st;

	*out = NULL;
	st = sfclient_call(
	    &R.sf, method, path, body, body ? "application/json" : NULL, &call, e);
	if (st == SF_REFUSED)
		return st;
	if (st != 0)
		return failed(what, st, e);
	if ((*out = answer_json(&call, what)) == NULL)
		return MSI_EXIT_SERVICE;
	return 0;
}

/*
 * The fields to query: the user's (--fields), or those msi-transform's
 * mapping reads (a map file's included), and always Id, the skip checks
 * (IsDeleted, IsConverted) and SystemModstamp when the org has them;
 * checked against the describe, spelled as it spells them. A field the
 * user named that the org lacks (or does not show the integration user)
 * is an error; one of the defaults is left out, with a note.
 */
static int
choose_fields(const struct sfquery_opts *o, json_t *describe, struct jsonbuf *soql)
{
	struct field *want = NULL;
	struct mapping defaults, map;
	struct objmap *om, *dm;
	struct jsonbuf missing = {0}, dropped = {0};
	json_t *fields = json_object_get(describe, "fields"), *f;
	const char *name, *type, *spelled;
	size_t n = 0, i, j, k;
	int status = 0, user;
	char *list, *tok, *save;

	add_field(&want, &n, "Id", 1);
	if (o->fields != NULL) {
		list = estrdup(o->fields);
		for (tok = strtok_r(list, ", \t", &save); tok != NULL;
		     tok = strtok_r(NULL, ", \t", &save))
			add_field(&want, &n, tok, 1);
		free(list);
	} else {
		mapping_defaults(&defaults);
		mapping_defaults(&map);
		if (o->map != NULL && (status = mapping_load(&map, o->map)) != 0) {
			mapping_free(&defaults);
			mapping_free(&map);
			goto out;
		}
		dm = mapping_find(&defaults, o->object);
		if ((om = mapping_find(&map, o->object)) != NULL) {
			for (i = 0; i < om->n; i++) {
				if (om->rules[i].source == NULL)
					continue;
				user = 1;
				for (k = 0; dm != NULL && k < dm->n; k++)
					if (dm->rules[k].source != NULL &&
					    strcasecmp(
					        dm->rules[k].source, om->rules[i].source) == 0)
						user = 0;
				add_field(&want, &n, om->rules[i].source, user);
			}
		}
		mapping_free(&defaults);
		mapping_free(&map);
	}
	/* the skip checks, where the object has them (a User has no IsDeleted) */
	add_field(&want, &n, "IsDeleted", -1);
	if (strcasecmp(o->object, "Lead") == 0)
		add_field(&want, &n, "IsConverted", -1);
	add_field(&want, &n, "SystemModstamp", o->state != NULL ? 1 : -1);

	jsonbuf_addstr(soql, "SELECT ");
	for (i = 0, j = 0; i < n; i++) {
		spelled = NULL;
		type = NULL;
		for (k = 0; k < json_array_size(fields); k++) {
			f = json_array_get(fields, k);
			name = json_string_value(json_object_get(f, "name"));
			if (name != NULL && strcasecmp(name, want[i].name) == 0) {
				spelled = name;
				type = json_string_value(json_object_get(f, "type"));
			}
		}
		if (spelled != NULL && type != NULL &&
		    (strcmp(type, "address") == 0 || strcmp(type, "location") == 0)) {
			say(o->object,
			    "%s.%s is a compound field, which Bulk API queries cannot read: "
			    "name its parts (%sStreet, %sCity, ...)",
			    o->object, spelled, want[i].name, want[i].name);
			status = MSI_EXIT_USAGE;
			continue;
		}
		if (spelled == NULL) {
			struct jsonbuf *b = want[i].user > 0 ? &missing : &dropped;

			if (want[i].user < 0)
				continue;
			jsonbuf_addstr(b, b->len ? ", " : "");
			jsonbuf_addstr(b, want[i].name);
			continue;
		}
		if (j++ > 0)
			jsonbuf_addstr(soql, ", ");
		R.chosen = j;
		jsonbuf_addstr(soql, spelled);
	}
	jsonbuf_add(&missing, "", 1);
	jsonbuf_add(&dropped, "", 1);
	if (missing.len > 1) {
		say(o->object,
		    "%s has no field %s, or does not show it to the integration user "
		    "(field-level security); %s",
		    o->object, missing.data,
		    o->fields  ? "check --fields"
		    : o->state ? "SystemModstamp is needed by --state; check the map file"
		               : "check the map file (--map), which names it");
		status = MSI_EXIT_USAGE;
	}
	if (dropped.len > 1 && status == 0)
		say(o->object,
		    "%s: not in the org, or not shown to the integration user, so not "
		    "queried: %s",
		    o->object, dropped.data);
	jsonbuf_addstr(soql, " FROM ");
	jsonbuf_addstr(soql, o->object);
	jsonbuf_add(soql, "", 1);
	soql->len--;
out:
	for (i = 0; i < n; i++)
		free(want[i].name);
	free(want);
	jsonbuf_free(&missing);
	jsonbuf_free(&dropped);
	return status;
}

/* The page's header: where Id and SystemModstamp are, then the record writer's keys. */
static int
page_header(void *ctx, const struct csvin_row *row)
{
	size_t i;

	(void)ctx;
	R.id_col = R.stamp_col = (size_t)-1;
	for (i = 0; i < row->nfields; i++) {
		if (row->len[i] == 2 && strncasecmp(row->field[i], "Id", 2) == 0)
			R.id_col = i;
		if (row->len[i] == 14 && strncasecmp(row->field[i], "SystemModstamp", 14) == 0)
			R.stamp_col = i;
	}
	return extract_header(R.x, row);
}

/*
 * A row: left out when --state saw it at the mark before (--lookback 0
 * only); the highest SystemModstamp and the ids at it kept for the next
 * mark, when they have the shapes sfstate_open will take back (anything
 * else would make the next run refuse the state); then written as an
 * export's row would be.
 */
static int
page_row(void *ctx, const struct csvin_row *row)
{
	char stamp[40], id[40];
	size_t sl = 0, il = 0;
	int c;

	(void)ctx;
	R.page_rows++;
	/*
	 * Salesforce writes every SystemModstamp as 2024-01-02T03:04:05.000Z: a
	 * row with another is not trusted, and its stamp never becomes a mark
	 * (a mark the state could not take back would stop every later run).
	 */
	if (row->error == NULL && R.stamp_col != (size_t)-1 && row->nfields > R.stamp_col) {
		sl = row->len[R.stamp_col];
		if (sl >= sizeof stamp) {
			R.x->rows++;
			return extract_reject(R.x, row,
			    "SystemModstamp is not a Salesforce datetime "
			    "(2024-01-02T03:04:05.000Z): too long");
		}
		memcpy(stamp, row->field[R.stamp_col], sl);
		stamp[sl] = '\0';
		if (!sfstate_valid_mark(stamp)) {
			char why[120];
			size_t i;

			for (i = 0; i < sl; i++) /* the reason goes to a terminal too */
				if ((unsigned char)stamp[i] < ' ' ||
				    (unsigned char)stamp[i] > '~')
					stamp[i] = '?';
			snprintf(why, sizeof why,
			    "SystemModstamp \"%s\" is not a Salesforce datetime (2024-01-02T03:04:05.000Z)",
			    stamp);
			R.x->rows++;
			return extract_reject(R.x, row, why);
		}
	}
	/* the next mark, and the ids at it: only a run with --state keeps one */
	if (R.have_state && row->error == NULL && R.stamp_col != (size_t)-1 &&
	    R.id_col != (size_t)-1 && row->nfields > R.stamp_col && row->nfields > R.id_col &&
	    (sl = row->len[R.stamp_col]) < sizeof stamp &&
	    (il = row->len[R.id_col]) < sizeof id && sl > 0 && il > 0) {
		memcpy(stamp, row->field[R.stamp_col], sl);
		stamp[sl] = '\0';
		memcpy(id, row->field[R.id_col], il);
		id[il] = '\0';
		if (R.skip_at_mark && strcmp(stamp, R.state.mark) == 0 &&
		    json_object_get(R.state.at_mark, id) != NULL) {
			R.seen_before++;
			return 0;
		}
		/* fixed-width UTC stamps: the order of the strings is that of the times */
		c = strcmp(stamp, R.max);
		if (c >= 0 && sfstate_valid_mark(stamp) && sfstate_valid_id(id, il)) {
			if (c > 0) {
				snprintf(R.max, sizeof R.max, "%s", stamp);
				json_object_clear(R.at_max);
			}
			json_object_set_new(R.at_max, id, json_true());
		}
	}
	return extract_row(R.x, row);
}

/* Starts page n: the records' attributes name the job and the page. */
static void
begin_page(const char *object, unsigned long n)
{
	struct extract *x = R.x;

	snprintf(R.where, sizeof R.where, "job %s page %lu", R.job, n);
	x->file = R.where;
	x->prefix.len = 0;
	jsonbuf_addstr(&x->prefix, "{\"attributes\":{\"type\":");
	jsonbuf_addjsonstr(&x->prefix, object, strlen(object));
	jsonbuf_addstr(&x->prefix, ",\"job\":");
	jsonbuf_addjsonstr(&x->prefix, R.job, strlen(R.job));
	jsonbuf_addstr(&x->prefix, ",\"page\":");
	jsonbuf_addulong(&x->prefix, n);
	jsonbuf_addstr(&x->prefix, ",\"line\":");
}

/*
 * Polls the job until it is done: 0 when JobComplete, with R.processed its
 * numberRecordsProcessed, else an exit status (said).
 */
static int
wait_job(const struct sfquery_opts *o)
{
	struct sferror e;
	char path[128], what[160];
	const char *state;
	double pause = POLL_FIRST;
	json_t *j;
	int st;

	snprintf(path, sizeof path, "jobs/query/%s", R.job);
	snprintf(what, sizeof what, "%s: query job %s", o->object, R.job);
	for (;;) {
		if ((st = call_json("GET", path, NULL, what, &j, &e)) != 0)
			return st == SF_REFUSED ? failed(what, st, &e) : st;
		state = json_string_value(json_object_get(j, "state"));
		if (state != NULL && strcmp(state, "JobComplete") == 0) {
			/*
			 * What the pages must hold, together: "Get Information About
			 * a Query Job"
			 * (https://developer.salesforce.com/docs/atlas.en-us.api_asynch.meta/api_asynch/query_get_one_job.htm)
			 * gives a query job's numberRecordsProcessed, the records it
			 * processed, which for a query are the rows it found (the
			 * page's JobComplete example: 500).
			 */
			json_t *n = json_object_get(j, "numberRecordsProcessed");

			if (!json_is_integer(n) || json_integer_value(n) < 0) {
				msg_warn(
				    "%s: JobComplete, but the answer gives no numberRecordsProcessed: "
				    "the rows read could not be checked",
				    what);
				json_decref(j);
				return MSI_EXIT_SERVICE;
			}
			R.processed = json_integer_value(n);
			progress_total(&R.progress, (unsigned long)R.processed);
			progress_restart(&R.progress); /* the rate: of the pages read */
			json_decref(j);
			return 0;
		}
		if (state == NULL || strcmp(state, "Failed") == 0 ||
		    strcmp(state, "Aborted") == 0) {
			const char *why = json_string_value(json_object_get(j, "errorMessage"));

			msg_warn("%s: %s: %s", what, state ? state : "no state in the answer",
			    why ? why : "Salesforce gave no errorMessage");
			json_decref(j);
			return MSI_EXIT_SERVICE;
		}
		progress_note(&R.progress, "%s: job %s %s, %.0f s", o->object, R.job, state,
		    http_now() - R.job_started);
		json_decref(j);
		http_pause(pause);
		pause = pause * 2 > o->sf.poll_max ? o->sf.poll_max : pause * 2;
	}
}

/* http_call_body's reader: a piece of a page into the CSV reader. */
static int
feed_page(void *ctx, const char *data, size_t len)
{
	return csvin_feed(ctx, data, len);
}

/*
 * Every page of the job's results, in order, through the record writer;
 * then the rows read, all pages' (those left out as seen at the mark
 * too), against the job's numberRecordsProcessed. A page without its
 * Sforce-Locator is an error, not the last page: Salesforce's response
 * headers give the next page's locator, the string "null" when there are
 * no more results ("Get Results for a Query Job",
 * https://developer.salesforce.com/docs/atlas.en-us.api_asynch.meta/api_asynch/query_get_job_results.htm),
 * so a missing one is a proxy or a server that dropped it, and the pages
 * after it would go unread.
 */
static int
read_pages(const struct sfquery_opts *o)
{
	struct csvin_opts copts = {',', TEXTENC_UTF8, CSVIN_MAX_ROW};
	struct http_call call;
	struct jsonbuf path = {0};
	struct sferror e;
	struct csvin *csv;
	char locator[256] = "", count[32], what[200];
	unsigned long want;
	int st, have;

	for (R.page = 1;; R.page++) {
		char *esc = NULL, n[32];

		if (locator[0] != '\0') {
			CURL *h = curl_easy_init();

			esc = curl_easy_escape(h, locator, 0);
			curl_easy_cleanup(h);
		}
		/* the path as long as the locator makes it: never cut */
		path.len = 0;
		jsonbuf_addstr(&path, "jobs/query/");
		jsonbuf_addstr(&path, R.job);
		snprintf(n, sizeof n, "%ld", o->max_records);
		jsonbuf_addstr(&path, "/results?maxRecords=");
		jsonbuf_addstr(&path, n);
		if (esc != NULL) {
			jsonbuf_addstr(&path, "&locator=");
			jsonbuf_addstr(&path, esc);
		}
		jsonbuf_add(&path, "", 1);
		curl_free(esc);
		snprintf(
		    what, sizeof what, "%s: query job %s, page %lu", o->object, R.job, R.page);
		if ((st = sfclient_get_csv(&R.sf, path.data, &call, &e)) != 0) {
			jsonbuf_free(&path);
			return failed(what, st, &e);
		}
		have = http_header(&call, "Sforce-Locator", locator, sizeof locator);
		if (!have || locator[0] == '\0' || strlen(locator) == sizeof locator - 1) {
			msg_warn(
			    "%s: %s Sforce-Locator header in the answer, which Salesforce sends "
			    "with every results page (null after the last): whether more pages "
			    "follow cannot be told; the extract is not whole%s",
			    what,
			    !have                ? "no"
			    : locator[0] == '\0' ? "an empty"
			                         : "an overlong",
			    R.have_state ? ", its mark not moved" : "");
			http_call_free(&call);
			jsonbuf_free(&path);
			return MSI_EXIT_SERVICE;
		}
		want = (unsigned long)-1;
		if (http_header(&call, "Sforce-NumberOfRecords", count, sizeof count)) {
			if (count[0] == '\0' || strspn(count, "0123456789") != strlen(count) ||
			    strlen(count) > 18) {
				msg_warn(
				    "%s: Sforce-NumberOfRecords \"%.20s\" is not a count of records",
				    what, count);
				http_call_free(&call);
				jsonbuf_free(&path);
				return MSI_EXIT_SERVICE;
			}
			want = strtoul(count, NULL, 10);
		}
		begin_page(o->object, R.page);
		R.page_rows = 0;
		/* the whole page was fetched (in memory, or in a temporary file): now its rows
		 * go out */
		csv = csvin_new(&copts, page_header, page_row, NULL);
		st = http_call_body(&call, feed_page, csv);
		if (st < 0) {
			msg_syswarn("%s: its temporary file", what);
			st = MSI_EXIT_IO;
		}
		if (st == 0)
			st = csvin_finish(csv);
		csvin_free(csv);
		http_call_free(&call);
		R.pages++;
		R.rows_read += R.page_rows;
		if (st != 0) {
			jsonbuf_free(&path);
			return st;
		}
		if (want != (unsigned long)-1 && want != R.page_rows) {
			msg_warn("%s: Salesforce said %lu records, the page held %lu", what,
			    want, R.page_rows);
			jsonbuf_free(&path);
			return MSI_EXIT_SERVICE;
		}
		progress_update(&R.progress, R.rows_read, "%s: job %s, %lu page%s", o->object,
		    R.job, R.pages, R.pages == 1 ? "" : "s");
		if (strcmp(locator, "null") == 0)
			break;
	}
	progress_end(&R.progress, R.rows_read, "%s: job %s, %lu page%s", o->object, R.job,
	    R.pages, R.pages == 1 ? "" : "s");
	jsonbuf_free(&path);
	if ((json_int_t)R.rows_read != R.processed) {
		msg_warn("%s: query job %s: Salesforce processed %lld records "
		         "(numberRecordsProcessed), the %lu pages held %lu: the extract is not "
		         "whole%s",
		    o->object, R.job, (long long)R.processed, R.pages, R.rows_read,
		    R.have_state ? ", its mark not moved" : "");
		return MSI_EXIT_SERVICE;
	}
	return 0;
}

/*
 * The query: the user's (--soql), or one made of the fields chosen against
 * the object's describe, from --state's mark on. Returns 0 or an exit
 * status (said).
 */
static int
make_query(const struct sfquery_opts *o, struct jsonbuf *soql)
{
	struct jsonbuf path = {0};
	struct sferror e;
	char what[200];
	json_t *j;
	int st;

	if (o->soql != NULL) {
		jsonbuf_addstr(soql, o->soql);
		return 0;
	}
	snprintf(what, sizeof what, "%s: describe", o->object);
	jsonbuf_addstr(&path, "sobjects/");
	jsonbuf_addstr(&path, o->object);
	jsonbuf_addstr(&path, "/describe");
	jsonbuf_add(&path, "", 1);
	st = call_json("GET", path.data, NULL, what, &j, &e);
	jsonbuf_free(&path);
	if (st == SF_REFUSED && e.http == 404) {
		say(o->object,
		    "the org has no object %s (or does not show it to the integration user)%s",
		    o->object,
		    R.check ? ": give the integration user read access to it (its profile or a "
		              "permission set)"
		            : "");
		return MSI_EXIT_USAGE;
	}
	if (st == SF_REFUSED)
		st = failed(what, st, &e);
	if (st != 0)
		return st;
	st = choose_fields(o, j, soql);
	json_decref(j);
	if (st != 0)
		return st;
	if (R.state.mark[0] != '\0') {
		/*
		 * >=: records modified at the mark, but not yet seen, come
		 * too. Less the lookback: a record's SystemModstamp is its
		 * transaction's time, and a long transaction commits after
		 * later ones: getUpdated()'s latestDateCovered stays at the
		 * start of such a transaction until it completes
		 * (https://developer.salesforce.com/docs/atlas.en-us.api.meta/api/sforce_api_calls_getupdated_getupdatedresult.htm).
		 * A mark taken meanwhile is past a record not yet visible;
		 * asking from a while before it reads that record, and those
		 * of the while again (msi-load --changed-only passes over
		 * the unchanged). The ids at the mark are then read again
		 * too: leaving them out would miss a record changed twice in
		 * the mark's millisecond.
		 */
		char since[SFSTATE_MARK_SIZE];

		sfstate_before(R.state.mark, o->lookback, since);
		jsonbuf_addstr(soql, " WHERE SystemModstamp >= ");
		jsonbuf_addstr(soql, since);
	}
	return 0;
}

/* Creates the query job of soql (a string): 0 with R.job its id, or an exit status (said). */
static int
create_job(const struct sfquery_opts *o, const struct jsonbuf *soql)
{
	struct sferror e;
	char what[200];
	json_t *j, *body;
	char *text;
	int st;

	body = json_pack("{s:s, s:s, s:s, s:s, s:s}", "operation",
	    o->all_rows ? "queryAll" : "query", "query", soql->data, "contentType", "CSV",
	    "columnDelimiter", "COMMA", "lineEnding", "LF");
	text = json_dumps(body, JSON_COMPACT);
	json_decref(body);
	snprintf(what, sizeof what, "%s: query job", o->object);
	st = call_json("POST", "jobs/query", text, what, &j, &e);
	free(text);
	if (st == SF_REFUSED) {
		msg_warn("%s: Salesforce refused the query: %s: %s (the query: %s)", o->object,
		    e.code[0] ? e.code : "HTTP error", e.message, soql->data);
		st = o->soql != NULL || o->fields != NULL || o->map != NULL ? MSI_EXIT_USAGE
		                                                            : MSI_EXIT_SERVICE;
	}
	if (st != 0)
		return st;
	snprintf(R.job, sizeof R.job, "%s",
	    json_string_value(json_object_get(j, "id"))
	        ? json_string_value(json_object_get(j, "id"))
	        : "");
	json_decref(j);
	if (R.job[0] == '\0' || strspn(R.job, "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	                                      "abcdefghijklmnopqrstuvwxyz") != strlen(R.job)) {
		msg_warn("%s: the answer names no job id", what);
		return MSI_EXIT_SERVICE;
	}
	return 0;
}

/*
 * Reads o->object from the org into x's output. Returns 0 (or 1 when rows
 * were rejected: the caller's count says) or an exit status; stats gets
 * the job, the pages and the calls.
 */
int
sfquery_run(struct extract *x, const struct sfquery_opts *o, json_t *stats)
{
	struct jsonbuf soql = {0};
	struct sferror e;
	char why[MKCONF_WHY_SIZE];
	int st;

	memset(&R, 0, sizeof R);
	R.x = x;
	R.at_max = json_object();
	progress_start(&R.progress, &o->sf.progress, "records");
	if (sfopts_client(&R.sf, &o->sf, why) != 0) {
		msg_warn("%s", why);
		return MSI_EXIT_USAGE;
	}
	if ((st = sfclient_token(&R.sf, &e)) != 0) {
		msg_warn("Salesforce token: %s", e.message);
		goto out;
	}
	if (o->state != NULL && R.sf.org[0] == '\0') {
		/*
		 * The org is the token answer's id URL's
		 * (https://help.salesforce.com/s/articleView?id=xcloud.remoteaccess_oauth_client_credentials_flow.htm&type=5):
		 * without it, another org's state would pass as this one's.
		 */
		msg_warn("%s: Salesforce's token answer has no id URL (.../id/00D.../005...), "
		         "so the org the credentials reach is unknown and this state cannot be "
		         "told from another org's; nothing was read: run without --state",
		    o->state);
		st = MSI_EXIT_SERVICE;
		goto out;
	}
	if (o->state != NULL) {
		R.have_state = 1; /* closed by sfquery_commit, opened or not */
		if ((st = sfstate_open(&R.state, o->state, o->object, R.sf.org)) != 0)
			goto out;
		/* the new mark is the highest of the old and what is read: never earlier */
		snprintf(R.max, sizeof R.max, "%s", R.state.mark);
		json_object_update(R.at_max, R.state.at_mark);
		R.skip_at_mark = o->lookback == 0;
	}
	if ((st = make_query(o, &soql)) != 0)
		goto out;
	jsonbuf_add(&soql, "", 1);
	R.job_started = http_now();
	if ((st = create_job(o, &soql)) != 0 || (st = wait_job(o)) != 0 ||
	    (st = read_pages(o)) != 0)
		goto out;
	R.committable = R.have_state;
out:
	json_object_set_new(stats, "salesforce",
	    json_pack("{s:s, s:s, s:s, s:I, s:I, s:I, s:I, s:s, s:s?, s:s?}", "object",
	        o->object, "operation", o->all_rows ? "queryAll" : "query", "job", R.job,
	        "pages", (json_int_t)R.pages, "calls", (json_int_t)R.sf.calls, "retries",
	        (json_int_t)R.sf.retries, "seen_before", (json_int_t)R.seen_before, "api_usage",
	        R.sf.usage, "since", R.state.mark[0] ? R.state.mark : NULL, "mark",
	        R.max[0] ? R.max : NULL));
	if (o->stats && R.sf.usage[0] != '\0')
		msg_warn("Salesforce %s after %lu calls", R.sf.usage, R.sf.calls);
	jsonbuf_free(&soql);
	return st;
}

/*
 * --check: the settings, a token, the object's describe and the fields the
 * query would name, each a line on standard output, "ok (...)" or what to
 * do; no job made, no state opened. Returns 0 or an exit status.
 */
int
sfquery_check(const struct sfquery_opts *o)
{
	const char *config = o->sf.config ? o->sf.config : getenv("SALESFORCE_CONFIG");
	struct jsonbuf soql = {0};
	struct sferror e;
	char why[MKCONF_WHY_SIZE];
	int st;

	memset(&R, 0, sizeof R);
	R.check = 1;
	if (sfopts_client(&R.sf, &o->sf, why) != 0) {
		msg_line(stdout, "salesforce: settings: %s", why);
		st = MSI_EXIT_USAGE;
		goto out;
	}
	msg_line(stdout, "salesforce: settings: ok (%s, %s flow)",
	    config && *config ? config : "the environment",
	    R.sf.jwt ? "JWT bearer" : "client credentials");
	if ((st = sfclient_token(&R.sf, &e)) != 0) {
		msg_line(stdout, "salesforce: token: %s: %s", e.message,
		    sfclient_token_hint(&R.sf, st, &e));
		goto out;
	}
	msg_line(stdout, "salesforce: token: ok (%s)", R.sf.instance);
	if (o->soql != NULL) {
		msg_line(stdout, "salesforce: %s: not checked: --soql's query is the user's",
		    o->object);
		goto out;
	}
	R.chosen = 0;
	if ((st = make_query(o, &soql)) == 0)
		msg_line(stdout, "salesforce: %s: ok (%zu field%s queried)", o->object,
		    R.chosen, R.chosen == 1 ? "" : "s");
out:
	jsonbuf_free(&soql);
	sfclient_free(&R.sf);
	memset(&R, 0, sizeof R);
	return st;
}

/*
 * Once the records are written out (written): the new mark into --state.
 * Then the run's Salesforce side is freed. Returns 0 or an exit status.
 */
int
sfquery_commit(int written)
{
	int st = 0;

	if (written && R.committable && R.max[0] != '\0')
		st = sfstate_commit(&R.state, R.max, R.at_max, R.x->written);
	if (R.have_state)
		sfstate_close(&R.state);
	json_decref(R.at_max);
	sfclient_free(&R.sf);
	memset(&R, 0, sizeof R);
	return st;
}
