/*
 * ingest.c: updates sent by Bulk API 2.0 ingest jobs (operation update,
 * CSV, #N/A for null), one an object (more when an object's upload would
 * pass APPLY_JOB_BYTES): created, uploaded, closed (UploadComplete),
 * followed to their end, then read back record by record from
 * successfulResults, failedResults and unprocessedrecords. Each job is in
 * the state from its creation on, so that a run stopped at any moment is
 * followed by one that finishes those jobs instead of sending their
 * records again; a job found still Open (its upload perhaps cut short) is
 * aborted, which applies nothing, and made again. The progress line
 * (common/progress.c) shows a job's state while it is waited for, then
 * the updates answered by the jobs' results of those to send.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "apply.h"
#include "csvin.h"
#include "ealloc.h"
#include "exitcode.h"
#include "jsonbuf.h"
#include "keysort.h"
#include "msg.h"
#include "progress.h"
#include "sfout.h"

static int
object_of(struct apply *a, const char *name)
{
	int k;

	for (k = 0; k < a->nobj; k++)
		if (name != NULL && strcmp(a->obj[k].name, name) == 0)
			return k;
	return -1;
}

/* The progress line of the run's jobs: the updates whose results were read of those to send. */
struct watch {
	struct progress p;
	unsigned long done;
};

/* One JSON call of the job's; 0 with the answer (a new reference), or the status after a stop.
 */
static int
call(struct apply *a, const char *method, const char *path, const char *body, json_t **out)
{
	struct http_call h;
	struct sferror e;
	int st;

	*out = NULL;
	st = sfclient_call(&a->sf, method, path, body, NULL, &h, &e);
	if (st == SF_REFUSED) {
		outcome_stop(a, MSI_EXIT_SERVICE, &e, path);
		return MSI_EXIT_SERVICE;
	}
	if (st != 0) {
		outcome_stop(a, st, &e, path);
		return st;
	}
	*out = json_loadb(h.response.data ? h.response.data : "", h.response.len, 0, NULL);
	http_call_free(&h);
	if (*out == NULL)
		*out = json_object(); /* 201, 204: no body */
	return 0;
}

/* The upload being written: each update's line as input_each gives it. */
struct upload {
	struct apply *a;
	int k;
	FILE *fp;
};

static void
upload_line(void *ctx, size_t i, const struct upd *u)
{
	struct upload *up = ctx;
	const char *key;
	json_t *want, *rec = spool_get(up->a, u);

	(void)i;
	fputs(u->id, up->fp);
	json_object_foreach (up->a->obj[up->k].fields, key, want) {
		fputc(',', up->fp);
		if (json_object_get(rec, key) != NULL)
			sfout_csv_value(up->fp, json_object_get(rec, key));
	}
	fputc('\n', up->fp);
	json_decref(rec);
}

/*
 * The upload of object k's pending updates [first, first+count): Id and
 * the object's fields; an empty field leaves a value as it is. Written to
 * a scratch file (TMPDIR), the updates read from the spool in input order
 * (input_each), and sent from it: a job's upload (up to APPLY_JOB_BYTES)
 * is not held in memory. Its length in *len.
 */
static FILE *
make_csv(struct apply *a, int k, size_t first, size_t count, off_t *len)
{
	struct upload up = {a, k, NULL};
	const char *key;
	json_t *want;

	if ((up.fp = scratch_file("upload")) == NULL)
		msg_sysfatal(MSI_EXIT_IO, "a scratch file for the upload (TMPDIR)");
	fputs("Id", up.fp);
	json_object_foreach (a->obj[k].fields, key, want)
		fprintf(up.fp, ",%s", key);
	fputc('\n', up.fp);
	input_each(a, k, first, count, upload_line, &up);
	if (fflush(up.fp) != 0 || ferror(up.fp) || (*len = ftello(up.fp)) < 0)
		msg_sysfatal(MSI_EXIT_IO, "the upload's scratch file (TMPDIR)");
	return up.fp;
}

/*
 * Creates, uploads and closes a job of object k over its pending updates
 * [first, first+count): in the state from its creation. Returns 0 or the
 * status of a stop.
 */
static int
submit(struct apply *a, int k, size_t first, size_t count)
{
	char path[256], body[256];
	json_t *ans, *job;
	const char *id;
	off_t len;
	FILE *csv;
	int st;

	snprintf(body, sizeof body,
	    "{\"object\":\"%s\",\"operation\":\"update\",\"contentType\":\"CSV\","
	    "\"columnDelimiter\":\"COMMA\",\"lineEnding\":\"LF\"}",
	    a->obj[k].name);
	if ((st = call(a, "POST", "jobs/ingest", body, &ans)) != 0)
		return st;
	if ((id = json_string_value(json_object_get(ans, "id"))) == NULL) {
		struct sferror e = {0, "", "the answer has no job id"};

		json_decref(ans);
		outcome_stop(a, MSI_EXIT_SERVICE, &e, "POST jobs/ingest");
		return MSI_EXIT_SERVICE;
	}
	job = json_pack("{s:s, s:s, s:I, s:I, s:s}", "object", a->obj[k].name, "id", id,
	    "first", (json_int_t)first, "count", (json_int_t)count, "state", "Open");
	json_decref(ans);
	json_array_append_new(a->jobs, job);
	a->jobs_made++;
	state_write(a);
	csv = make_csv(a, k, first, count, &len);
	snprintf(path, sizeof path, "jobs/ingest/%s/batches",
	    json_string_value(json_object_get(job, "id")));
	{
		struct http_call h;
		struct sferror e;

		st = sfclient_put_file(&a->sf, path, csv, len, "text/csv", &h, &e);
		fclose(csv);
		if (st != 0) {
			outcome_stop(a, st == SF_REFUSED ? MSI_EXIT_SERVICE : st, &e, path);
			return a->stopped;
		}
		http_call_free(&h);
	}
	snprintf(
	    path, sizeof path, "jobs/ingest/%s", json_string_value(json_object_get(job, "id")));
	if ((st = call(a, "PATCH", path, "{\"state\":\"UploadComplete\"}", &ans)) != 0)
		return st;
	json_decref(ans);
	json_object_set_new(job, "state", json_string("UploadComplete"));
	state_write(a);
	return 0;
}

/*
 * A job's results files read: which column holds the Id, which the error.
 * The job's updates ("ID\tU" and the index) and then the results' rows
 * ("ID\tR" and the kind, then the error as a JSON string) go to one
 * stable keysort, so that each update meets its rows without a table of
 * every Id of the job in memory (a job holds up to 100 MB of updates).
 */
struct reading {
	struct apply *a;
	struct keysort ks;
	struct jsonbuf key;
	int kind; /* 0 successful, 1 failed, 2 unprocessed */
	long id_col, err_col;
	const char *why;   /* unprocessed: the job's errorMessage */
	const char *state; /* the job's, at its end */
	unsigned long rows;
	int failed; /* a line not put to sort(1) */
	size_t n;   /* the job's updates */
};

/* One of the job's updates put to the sort: "ID\tU" and its index. */
static void
results_update(void *ctx, size_t i, const struct upd *u)
{
	struct reading *r = ctx;
	char index[24];

	snprintf(index, sizeof index, "U%zu", i);
	if (keysort_put(&r->ks, u->id, index, strlen(index)) != 0)
		r->failed = 1;
	r->n++;
}

/* One of the job's updates with no row in its results: failed, retryable. */
static void
results_missing(void *ctx, size_t i, const struct upd *u)
{
	struct reading *r = ctx;
	int complete = strcmp(r->state, "JobComplete") == 0;

	(void)u;
	if (outcome_pending(r->a, i))
		outcome_fail(r->a, i, complete ? "missing" : "UNPROCESSED",
		    complete ? "not in the job's results" : r->why, NULL, 1);
}

static int
results_header(void *ctx, const struct csvin_row *row)
{
	struct reading *r = ctx;
	size_t i;

	long sf_id = -1;

	/* the Id uploaded, which every file repeats; sf__Id is empty in some failed rows */
	r->id_col = r->err_col = -1;
	for (i = 0; i < row->nfields; i++) {
		if (row->len[i] == 6 && strncasecmp(row->field[i], "sf__Id", 6) == 0)
			sf_id = (long)i;
		else if (row->len[i] == 2 && strncasecmp(row->field[i], "Id", 2) == 0)
			r->id_col = (long)i;
		else if (row->len[i] == 9 && strncasecmp(row->field[i], "sf__Error", 9) == 0)
			r->err_col = (long)i;
	}
	if (r->id_col < 0)
		r->id_col = sf_id;
	return r->id_col < 0 ? -1 : 0;
}

/*
 * sf__Error: STATUS_CODE:message:fields --, as "REQUIRED_FIELD_MISSING:
 * Required fields are missing: [LastName]:LastName --" (only "--" when no
 * field is to blame).
 */
static void
fail_from_error(struct apply *a, size_t i, const char *s, size_t n)
{
	char *text = emalloc(n + 1), *msg, *fields, *end;
	json_t *fs = NULL;
	char *f, *save;

	memcpy(text, s, n);
	text[n] = '\0';
	msg = strchr(text, ':');
	if (msg != NULL) {
		*msg++ = '\0';
		if ((fields = strrchr(msg, ':')) != NULL) {
			*fields++ = '\0';
			end = fields + strlen(fields);
			if (end - fields >= 2 && strcmp(end - 2, "--") == 0)
				end -= 2;
			while (end > fields && end[-1] == ' ')
				end--;
			*end = '\0';
			for (f = strtok_r(fields, ", ", &save); f;
			     f = strtok_r(NULL, ", ", &save)) {
				if (fs == NULL)
					fs = json_array();
				json_array_append_new(fs, json_string(f));
			}
		}
	}
	if (msg == NULL)
		outcome_fail(a, i, "", text, NULL, 0);
	else
		outcome_fail(a, i, text, msg, fs, 0);
	free(text);
}

/* A results row put to the sort: "ID\tR", its kind, and its error (failed) as a JSON string. */
static int
results_row(void *ctx, const struct csvin_row *row)
{
	struct reading *r = ctx;
	char id[19], *err = NULL;
	json_t *e;
	int st;

	if (row->error != NULL || (size_t)r->id_col >= row->nfields || row->len[r->id_col] > 18)
		return 0;
	snprintf(id, sizeof id, "%.*s", (int)row->len[r->id_col], row->field[r->id_col]);
	if (r->kind == 1 && r->err_col >= 0 && (size_t)r->err_col < row->nfields) {
		e = json_stringn(row->field[r->err_col], row->len[r->err_col]);
		err = json_dumps(e, JSON_ENCODE_ANY);
		json_decref(e);
	}
	{
		size_t n = err ? strlen(err) : 0;
		char *rest = emalloc(n + 3);

		rest[0] = 'R';
		rest[1] = (char)('0' + (err ? 1 : r->kind == 1 ? 3 : r->kind));
		memcpy(rest + 2, err ? err : "", n);
		st = keysort_put(&r->ks, keysort_key(&r->key, id), rest, n + 2);
		free(rest);
	}
	free(err);
	if (st != 0)
		r->failed = 1;
	return 0;
}

/*
 * The job's updates met with their rows, sorted by Id: an update takes
 * the first row of its Id (successful, failed, unprocessed, as read), as a
 * table of Ids would give it. 0, or -1 when sort(1) failed.
 */
static int
results_merge(struct reading *r)
{
	char *key, *rest, *text, id[19] = "";
	size_t restlen, i = 0;
	int has = 0, got, k;
	json_t *e;

	if (keysort_sorted(&r->ks) != 0)
		return -1;
	while ((got = keysort_get(&r->ks, &key, &rest, &restlen)) > 0) {
		if (restlen >= 1 && rest[0] == 'U') {
			i = (size_t)strtoull(rest + 1, NULL, 10);
			has = i < r->a->n;
			snprintf(id, sizeof id, "%s", key);
			continue;
		}
		/* a row: of the update met last, when it is of this Id */
		if (!has || restlen < 2 || strcmp(key, id) != 0 || !outcome_pending(r->a, i))
			continue;
		r->rows++;
		k = rest[1] - '0';
		if (k == 0) {
			outcome_updated(r->a, i);
		} else if (k == 1) {
			e = json_loadb(rest + 2, restlen - 2, JSON_DECODE_ANY, NULL);
			text = (char *)json_string_value(e);
			fail_from_error(
			    r->a, i, text ? text : "", text ? json_string_length(e) : 0);
			json_decref(e);
		} else {
			outcome_fail(r->a, i, "UNPROCESSED", r->why, NULL, 1);
		}
	}
	if (keysort_end(&r->ks) != 0 || got != 0)
		return -1;
	return 0;
}

/* http_call_body's reader: a piece of a results file into the CSV reader. */
static int
feed_results(void *ctx, const char *data, size_t len)
{
	csvin_feed(ctx, data, len);
	return 0;
}

/* One of the job's results files read into the updates' results. 0 or the status of a stop. */
static int
read_results(struct apply *a, const char *id, const char *which, struct reading *r)
{
	struct http_call h;
	struct sferror e;
	struct csvin_opts o = {0};
	struct csvin *c;
	char path[256];
	int st;

	snprintf(path, sizeof path, "jobs/ingest/%s/%s", id, which);
	st = sfclient_get_csv(&a->sf, path, &h, &e);
	if (st != 0) {
		outcome_stop(a, st == SF_REFUSED ? MSI_EXIT_SERVICE : st, &e, path);
		return a->stopped;
	}
	o.encoding = TEXTENC_UTF8;
	c = csvin_new(&o, results_header, results_row, r);
	/* a large results file comes from its temporary file (common/http.c) */
	if (http_call_body(&h, feed_results, c) < 0) {
		snprintf(e.message, sizeof e.message, "%s: its temporary file: %s", path,
		    strerror(errno));
		csvin_free(c);
		http_call_free(&h);
		outcome_stop(a, MSI_EXIT_IO, &e, path);
		return a->stopped;
	}
	csvin_finish(c);
	csvin_free(c);
	http_call_free(&h);
	return 0;
}

/*
 * Whether an ingest job in state has yet to end. A job's states are Open,
 * UploadComplete, InProgress, JobComplete, Failed and Aborted ("Job
 * States",
 * https://developer.salesforce.com/docs/atlas.en-us.api_asynch.meta/api_bulk_v2/bulk_api_2_job_states.htm);
 * -1 for an answer with no state or another: no answer about the job.
 */
static int
running(const char *state)
{
	static const char *const waiting[] = {"Open", "UploadComplete", "InProgress"};
	static const char *const ended[] = {"JobComplete", "Failed", "Aborted"};
	size_t i;

	for (i = 0; state != NULL && i < 3; i++) {
		if (strcmp(state, waiting[i]) == 0)
			return 1;
		if (strcmp(state, ended[i]) == 0)
			return 0;
	}
	return -1;
}

/*
 * Follows job j to its end, then reads its results. 0, or the status of a
 * stop. An answer without a known state stops the run as a failed call
 * would (as msi-extract's wait for a query job does), rather than be
 * polled forever: the job's records end failed and retryable, and with
 * --state the job stays there, to be followed by the run that resumes.
 * While it runs, the progress line says its state, the seconds it has
 * been waited for and the records it has processed of those it holds
 * (numberRecordsProcessed, "Get Job Info",
 * https://developer.salesforce.com/docs/atlas.en-us.api_asynch.meta/api_asynch/get_job_info.htm),
 * when the answer has them.
 */
static int
follow(struct apply *a, json_t *job, double *pause, struct watch *w)
{
	const char *id = json_string_value(json_object_get(job, "id"));
	const char *object = json_string_value(json_object_get(job, "object"));
	int k = object_of(a, object);
	char path[256], why[600], x[32], y[32];
	const char *state, *err;
	json_t *info, *processed;
	struct reading r;
	double since = http_now();
	json_int_t held;
	int st;

	snprintf(path, sizeof path, "jobs/ingest/%s", id);
	for (;;) {
		if ((st = call(a, "GET", path, NULL, &info)) != 0)
			return st;
		state = json_string_value(json_object_get(info, "state"));
		if ((st = running(state)) < 0) {
			struct sferror e = {0, "", ""};

			if (state == NULL)
				snprintf(e.message, sizeof e.message,
				    "the job's information has no state");
			else
				snprintf(e.message, sizeof e.message,
				    "the job's information has an unknown state \"%.40s\"",
				    state);
			json_decref(info);
			outcome_stop(a, MSI_EXIT_SERVICE, &e, path);
			return MSI_EXIT_SERVICE;
		}
		if (st == 0)
			break;
		processed = json_object_get(info, "numberRecordsProcessed");
		held = json_integer_value(json_object_get(job, "count"));
		if (json_is_integer(processed) && json_integer_value(processed) >= 0)
			progress_note(&w->p,
			    "%s: job %s %s, %.0f s; %s of %s records processed", object, id,
			    state, http_now() - since,
			    progress_count(x, (unsigned long)json_integer_value(processed)),
			    progress_count(y, (unsigned long)held));
		else
			progress_note(&w->p, "%s: job %s %s, %.0f s", object, id, state,
			    http_now() - since);
		json_decref(info);
		http_pause(*pause);
		*pause = *pause * 2 < a->sfo.poll_max ? *pause * 2 : a->sfo.poll_max;
	}
	err = json_string_value(json_object_get(info, "errorMessage"));
	snprintf(why, sizeof why, "ingest job %s %s%s%s", id, state, err ? ": " : "",
	    err ? err : "");
	if (strcmp(state, "JobComplete") != 0)
		msg_warn("%s", why);
	if (k < 0) {
		json_decref(info);
		msg_warn("%s: a job of %s, which the input no longer has", a->state_name,
		    json_string_value(json_object_get(job, "object")));
		return MSI_EXIT_USAGE;
	}
	memset(&r, 0, sizeof r);
	r.a = a;
	r.why = why;
	r.state = state;
	if (keysort_start(&r.ks, "the ingest job's results", 1) != 0)
		msg_fatal(MSI_EXIT_IO, "the ingest job's results: sort(1) failed");
	/* the job's updates read again from the spool, by their place among the object's */
	input_each(a, k, (size_t)json_integer_value(json_object_get(job, "first")),
	    (size_t)json_integer_value(json_object_get(job, "count")), results_update, &r);
	st = read_results(a, id, "successfulResults", &r);
	r.kind = 1;
	if (st == 0)
		st = read_results(a, id, "failedResults", &r);
	r.kind = 2;
	if (st == 0 && strcmp(state, "JobComplete") != 0)
		st = read_results(a, id, "unprocessedrecords", &r);
	/* what was read is taken, a stop's too, as it was row by row */
	if (results_merge(&r) != 0 || r.failed)
		msg_fatal(MSI_EXIT_IO, "the ingest job's results: sort(1) failed");
	free(r.key.data);
	if (st == 0) {
		input_each(a, k, (size_t)json_integer_value(json_object_get(job, "first")),
		    (size_t)json_integer_value(json_object_get(job, "count")), results_missing,
		    &r);
		if (strcmp(state, "JobComplete") != 0 && a->stopped == 0)
			a->job_failed = 1;
		w->done += (unsigned long)r.n;
		progress_update(
		    &w->p, w->done, "%s: job %s %s, results read", object, id, state);
	}
	json_decref(info);
	return st;
}

/* An object's updates no job holds, cut where an upload would grow too big. */
struct split {
	struct {
		size_t first, count;
	} * cut;
	size_t ncut, n, start, bytes;
};

static void
split_push(struct split *sp, size_t first, size_t count)
{
	sp->cut = erealloc(sp->cut, (sp->ncut + 1) * sizeof *sp->cut);
	sp->cut[sp->ncut].first = first;
	sp->cut[sp->ncut++].count = count;
}

static void
split_at(void *ctx, size_t i, const struct upd *u)
{
	struct split *sp = ctx;
	size_t len = spool_len(u) + 20;

	(void)i;
	if (sp->bytes + len > APPLY_JOB_BYTES && sp->n > sp->start) {
		split_push(sp, sp->start, sp->n - sp->start);
		sp->start = sp->n;
		sp->bytes = 0;
	}
	sp->bytes += len;
	sp->n++;
}

void
ingest_run(struct apply *a)
{
	size_t i, first, count, covered[APPLY_OBJECTS] = {0};
	struct split sp;
	unsigned long total = 0;
	double pause = 0.2;
	struct watch w;
	json_t *job, *info;
	char path[256];
	int k;

	memset(&w, 0, sizeof w);
	/*
	 * The jobs are made of the updates of an object from the first to the
	 * last, read from the spool (input_each) for their upload and again
	 * for their results; the answers past the window are held, a byte an
	 * update and the failures' reasons, until the result lines go out in
	 * input order (input_load).
	 */
	for (k = 0; k < a->nobj; k++)
		total += (unsigned long)a->obj[k].pending;
	progress_start(&w.p, &a->sfo.progress, "updates");
	progress_total(&w.p, total);

	/* jobs of a run before: one still Open may have half an upload: aborted, made again */
	for (i = 0; i < json_array_size(a->jobs); i++) {
		job = json_array_get(a->jobs, i);
		k = object_of(a, json_string_value(json_object_get(job, "object")));
		if (strcmp(json_string_value(json_object_get(job, "state")), "Open") == 0) {
			snprintf(path, sizeof path, "jobs/ingest/%s",
			    json_string_value(json_object_get(job, "id")));
			if (call(a, "GET", path, NULL, &info) != 0)
				goto end;
			if (json_string_value(json_object_get(info, "state")) != NULL &&
			    strcmp(json_string_value(json_object_get(info, "state")), "Open") ==
			        0) {
				json_decref(info);
				if (call(a, "PATCH", path, "{\"state\":\"Aborted\"}", &info) !=
				    0)
					goto end;
				json_decref(info);
				json_array_remove(a->jobs, i--);
				state_write(a);
				continue;
			}
			json_decref(info);
		}
		if (k >= 0) {
			first = (size_t)json_integer_value(json_object_get(job, "first"));
			count = (size_t)json_integer_value(json_object_get(job, "count"));
			if (first + count > covered[k])
				covered[k] = first + count;
		}
	}
	/* the updates no job holds: new jobs, split where an upload would grow too big */
	for (k = 0; k < a->nobj && !a->stopped; k++) {
		memset(&sp, 0, sizeof sp);
		input_each(a, k, covered[k], a->obj[k].pending, split_at, &sp);
		if (sp.n > sp.start)
			split_push(&sp, sp.start, sp.n - sp.start);
		for (i = 0; i < sp.ncut && !a->stopped; i++)
			submit(a, k, covered[k] + sp.cut[i].first, sp.cut[i].count);
		free(sp.cut);
	}
	/*
	 * Every job followed to its end and its results read. They leave the
	 * state only when all have: until then the checkpoint does not move
	 * (state_write), so that a resumed run finds each job's updates where
	 * the job says.
	 */
	for (i = 0; i < json_array_size(a->jobs) && !a->stopped; i++)
		if (follow(a, json_array_get(a->jobs, i), &pause, &w) != 0)
			goto end;
	if (!a->stopped) {
		/* their result lines are written first, a window at a time (msi-apply.c) */
		a->ingest_done = 1;
		a->frozen = 1;
	}
end:
	/* a stop's last line says so: its time left is of a rate no longer sending */
	if (a->stopped)
		progress_end(&w.p, w.done, "stopped");
	else
		progress_end(&w.p, w.done, NULL);
}
