/* jobs.c: Bulk API 2.0 query jobs: their states, their rows taken at completion, result pages.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ealloc.h"
#include "sfid.h"
#include "sim.h"

enum job_state { J_PENDING, J_COMPLETE, J_FAILED, J_ABORTED };

static const char *const state_names[] = {"InProgress", "JobComplete", "Failed", "Aborted"};

static const struct {
	const char *name;
	char c;
} delimiters[] = {
    {"COMMA", ','},
    {"TAB", '\t'},
    {"PIPE", '|'},
    {"SEMICOLON", ';'},
    {"CARET", '^'},
    {"BACKQUOTE", '`'},
};

struct job {
	char id[SFID_LEN + 1];
	int all; /* queryAll */
	char object[48];
	char version[16];
	long long created, due; /* due: when it completes (or fails) */
	enum job_state state, ends;
	char *error_message; /* for ends Failed or Aborted */
	struct soql *q;      /* until it runs */
	size_t delim;        /* in delimiters */
	int crlf;
	struct jsonbuf header; /* the page header row */
	struct jsonbuf rows;   /* every row, end to end */
	size_t *row_at;        /* row i starts at row_at[i]; row_at[nrows] is the end */
	size_t nrows;
};

static struct job **jobs;
static size_t njobs, jobs_cap;
static long created_count, pages_served, rows_served;
static unsigned long id_count; /* query and ingest jobs: their ids share it */
static struct jobs_config config;
static struct {
	int armed;
	enum job_state state;
	char *message;
	long after; /* an ingest job's rows processed before it fails */
} fail_next;

void
jobs_init(const struct jobs_config *cfg)
{
	config = *cfg;
	ingest_init(cfg);
}

static void
job_free(struct job *j)
{
	soql_free(j->q);
	free(j->error_message);
	jsonbuf_free(&j->header);
	jsonbuf_free(&j->rows);
	free(j->row_at);
	free(j);
}

void
jobs_free(void)
{
	size_t i;

	for (i = 0; i < njobs; i++)
		job_free(jobs[i]);
	free(jobs);
	jobs = NULL;
	njobs = jobs_cap = 0;
	free(fail_next.message);
	fail_next.message = NULL;
	ingest_free();
}

long
jobs_created(void)
{
	return created_count;
}

long
jobs_pages(void)
{
	return pages_served;
}

long
jobs_rows(void)
{
	return rows_served;
}

/* A value as results give it: quoted, quotes doubled; null as "". */
static void
add_quoted(struct jsonbuf *b, const char *v)
{
	const char *q;

	jsonbuf_add(b, "\"", 1);
	while (v != NULL && (q = strchr(v, '"')) != NULL) {
		jsonbuf_add(b, v, (size_t)(q - v) + 1);
		jsonbuf_add(b, "\"", 1);
		v = q + 1;
	}
	if (v != NULL)
		jsonbuf_addstr(b, v);
	jsonbuf_add(b, "\"", 1);
}

static void
add_row(void *ctx, const struct sobject *o, const struct record *r)
{
	struct job *j = ctx;
	const long *fields;
	const char *const *names;
	char buf[STAMP_SIZE];
	size_t i, n = soql_columns(j->q, &fields, &names);

	j->row_at[j->nrows++] = j->rows.len;
	for (i = 0; i < n; i++) {
		if (i > 0)
			jsonbuf_add(&j->rows, &delimiters[j->delim].c, 1);
		add_quoted(
		    &j->rows, store_render(o, r, (size_t)fields[i], config.api_values, buf));
	}
	jsonbuf_addstr(&j->rows, j->crlf ? "\r\n" : "\n");
}

/* The job reaches its end: the query runs over the store as it is now. */
static void
finish(struct job *j)
{
	const long *fields;
	const char *const *names;
	const struct sobject *o = soql_object(j->q);
	size_t i, n = soql_columns(j->q, &fields, &names);

	j->state = j->ends;
	if (j->ends == J_COMPLETE) {
		for (i = 0; i < n; i++) {
			if (i > 0)
				jsonbuf_add(&j->header, &delimiters[j->delim].c, 1);
			add_quoted(&j->header, names[i]);
		}
		jsonbuf_addstr(&j->header, j->crlf ? "\r\n" : "\n");
		j->row_at = emalloc((o->nrecords + 1) * sizeof *j->row_at);
		soql_run(j->q, j->all, add_row, j);
		j->row_at[j->nrows] = j->rows.len;
	}
	soql_free(j->q);
	j->q = NULL;
}

/* Jobs whose time has come complete; before any change to the store, so that a job's rows
 * are the store as it was when it completed. */
void
jobs_settle(long long now)
{
	size_t i;

	for (i = 0; i < njobs; i++)
		if (jobs[i]->state == J_PENDING && now >= jobs[i]->due)
			finish(jobs[i]);
	ingest_settle(now);
}

/* /_sim/finish-jobs: every pending job completes (or fails) now. Returns how many. */
long
jobs_finish_all(long long now)
{
	size_t i;
	long n = 0;

	for (i = 0; i < njobs; i++) {
		if (jobs[i]->state == J_PENDING) {
			jobs[i]->due = now;
			finish(jobs[i]);
			n++;
		}
	}
	return n + ingest_finish_all(now);
}

static struct job *
find(const char *id)
{
	size_t i, n = strlen(id);

	for (i = 0; i < njobs; i++)
		if ((n == 18 && strcmp(jobs[i]->id, id) == 0) ||
		    (n == 15 && strncmp(jobs[i]->id, id, 15) == 0))
			return jobs[i];
	return NULL;
}

/* The state a job shows: a pending one is queued (UploadComplete) for the first quarter of
 * its time, 100 ms at most, then InProgress. upper: as results' errors name it. */
static const char *
shown_state(const struct job *j, long long now, int upper)
{
	static const char *const upper_names[] = {
	    "IN_PROGRESS", "JOB_COMPLETE", "FAILED", "ABORTED"};

	if (j->state == J_PENDING &&
	    now - j->created < (config.job_ms < 400 ? config.job_ms / 4 : 100))
		return upper ? "UPLOAD_COMPLETE" : "UploadComplete";
	return upper ? upper_names[j->state] : state_names[j->state];
}

static json_t *
info(const struct job *j, long long now)
{
	char created[STAMP_SIZE], modified[STAMP_SIZE];
	const char *state = shown_state(j, now, 0);
	json_t *o;

	stamp_format_job(j->created, created);
	stamp_format_job(j->state == J_PENDING ? j->created : j->due, modified);
	o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:f, s:s, s:s, s:s}", "id",
	    j->id, "operation", j->all ? "queryAll" : "query", "object", j->object,
	    "createdById", config.user_id, "createdDate", created, "systemModstamp", modified,
	    "state", state, "concurrencyMode", "Parallel", "contentType", "CSV", "apiVersion",
	    atof(j->version), "jobType", "V2Query", "lineEnding", j->crlf ? "CRLF" : "LF",
	    "columnDelimiter", delimiters[j->delim].name);
	json_object_set_new(o, "numberRecordsProcessed", json_integer((json_int_t)j->nrows));
	json_object_set_new(o, "numberRecords", json_integer((json_int_t)j->nrows));
	json_object_set_new(o, "retries", json_integer(0));
	json_object_set_new(o, "totalProcessingTime",
	    json_integer(j->state == J_PENDING ? 0 : (json_int_t)(j->due - j->created)));
	json_object_set_new(o, "isPkChunkingSupported", json_true());
	if (j->state != J_PENDING && j->state != J_COMPLETE && j->error_message != NULL)
		json_object_set_new(o, "errorMessage", json_string(j->error_message));
	return o;
}

static const char *
member(json_t *body, const char *name)
{
	return json_string_value(json_object_get(body, name));
}

/* POST /jobs/query {"operation","query","columnDelimiter","lineEnding","contentType"}. */
void
jobs_create(json_t *body, const char *version, struct answer *a)
{
	const char *op = member(body, "operation"), *text = member(body, "query");
	const char *delim = member(body, "columnDelimiter"), *eol = member(body, "lineEnding");
	const char *type = member(body, "contentType");
	struct soql *q;
	struct job *j;
	size_t d = 0;
	long long now = stamp_now();

	if (!json_is_object(body)) {
		answer_error(a, 400, "JSON_PARSER_ERROR", "the body is not a JSON object");
		return;
	}
	if (op == NULL || (strcmp(op, "query") != 0 && strcmp(op, "queryAll") != 0)) {
		answer_error(a, 400, "INVALIDJOB", "InvalidJob : Invalid operation: %s",
		    op ? op : "none given");
		return;
	}
	if (text == NULL) {
		answer_error(a, 400, "INVALIDJOB", "InvalidJob : Query is required");
		return;
	}
	if (delim != NULL)
		for (d = 0; d < sizeof delimiters / sizeof delimiters[0] &&
		            strcmp(delimiters[d].name, delim) != 0;
		     d++)
			;
	if (d == sizeof delimiters / sizeof delimiters[0] ||
	    (eol != NULL && strcmp(eol, "LF") != 0 && strcmp(eol, "CRLF") != 0) ||
	    (type != NULL && strcmp(type, "CSV") != 0)) {
		answer_error(a, 400, "INVALIDJOB",
		    "InvalidJob : columnDelimiter, lineEnding or contentType not supported");
		return;
	}
	if ((q = soql_parse(text, a)) == NULL)
		return;
	j = ecalloc(1, sizeof *j);
	created_count++;
	jobs_new_id(j->id);
	j->all = strcmp(op, "queryAll") == 0;
	snprintf(j->object, sizeof j->object, "%s", soql_object(q)->name);
	snprintf(j->version, sizeof j->version, "%s", version);
	j->created = now;
	j->due = now + config.job_ms;
	j->state = J_PENDING;
	j->ends = J_COMPLETE;
	switch (jobs_take_failure(&j->error_message, NULL)) {
	case 1: j->ends = J_FAILED; break;
	case 2: j->ends = J_ABORTED; break;
	default: break;
	}
	j->q = q;
	j->delim = d;
	j->crlf = eol != NULL && strcmp(eol, "CRLF") == 0;
	if (njobs == jobs_cap) {
		jobs_cap = jobs_cap ? 2 * jobs_cap : 16;
		jobs = erealloc(jobs, jobs_cap * sizeof *jobs);
	}
	jobs[njobs++] = j;
	a->status = 200;
	a->json = info(j, now);
	json_object_set_new(a->json, "state", json_string("UploadComplete"));
	json_object_del(a->json, "numberRecordsProcessed");
	json_object_del(a->json, "numberRecords");
	json_object_del(a->json, "retries");
	json_object_del(a->json, "totalProcessingTime");
	json_object_del(a->json, "isPkChunkingSupported");
	json_object_del(a->json, "jobType");
}

/* GET /jobs/query: every job, in one set. */
void
jobs_list(struct answer *a)
{
	long long now = stamp_now();
	json_t *records = json_array();
	size_t i;

	jobs_settle(now);
	for (i = 0; i < njobs; i++)
		json_array_append_new(records, info(jobs[i], now));
	a->status = 200;
	a->json = json_pack("{s:b, s:o, s:n}", "done", 1, "records", records, "nextRecordsUrl");
}

static struct job *
job_or_404(const char *id, struct answer *a)
{
	struct job *j = find(id);

	if (j == NULL)
		answer_error(a, 404, "NOT_FOUND", "The requested resource does not exist");
	return j;
}

void
jobs_info(const char *id, struct answer *a)
{
	long long now = stamp_now();
	struct job *j;

	jobs_settle(now);
	if ((j = job_or_404(id, a)) == NULL)
		return;
	a->status = 200;
	a->json = info(j, now);
}

/* PATCH /jobs/query/ID {"state":"Aborted"}. */
void
jobs_abort(const char *id, json_t *body, struct answer *a)
{
	long long now = stamp_now();
	const char *state = member(body, "state");
	struct job *j;

	jobs_settle(now);
	if ((j = job_or_404(id, a)) == NULL)
		return;
	if (state == NULL || strcmp(state, "Aborted") != 0) {
		answer_error(
		    a, 400, "INVALIDJOBSTATE", "a query job can only be set to Aborted");
		return;
	}
	if (j->state != J_PENDING) {
		answer_error(
		    a, 400, "INVALIDJOBSTATE", "Job is already %s", state_names[j->state]);
		return;
	}
	soql_free(j->q);
	j->q = NULL;
	j->state = j->ends = J_ABORTED;
	j->due = now;
	a->status = 200;
	a->json = info(j, now);
}

/* DELETE /jobs/query/ID: 204; the job and its results are gone. */
void
jobs_delete(const char *id, struct answer *a)
{
	struct job *j;
	size_t i;

	jobs_settle(stamp_now());
	if ((j = job_or_404(id, a)) == NULL)
		return;
	if (j->state == J_PENDING) {
		answer_error(a, 400, "INVALIDJOBSTATE", "Job is not in a final state");
		return;
	}
	for (i = 0; jobs[i] != j; i++)
		;
	memmove(&jobs[i], &jobs[i + 1], (njobs - i - 1) * sizeof *jobs);
	njobs--;
	job_free(j);
	a->status = 204;
}

/* The row a locator names: base64 of its decimal offset, no padding, as Salesforce's look. */
static int
locator_row(const char *locator, size_t *row)
{
	unsigned char buf[32];
	size_t n, i, v = 0;

	if (strlen(locator) > 40 || b64_decode(locator, strlen(locator), buf, &n) != 0 ||
	    n == 0)
		return -1;
	for (i = 0; i < n; i++) {
		if (buf[i] < '0' || buf[i] > '9' || v > 1000000000)
			return -1;
		v = v * 10 + (size_t)(buf[i] - '0');
	}
	*row = v;
	return 0;
}

/* GET /jobs/query/ID/results?locator=L&maxRecords=N: a page of CSV. */
void
jobs_results(const char *id, const char *locator, const char *max, struct answer *a)
{
	long long now = stamp_now();
	struct job *j;
	size_t first = 0, n, last;
	char digits[24], *end;
	long m = config.max_records;

	jobs_settle(now);
	if ((j = job_or_404(id, a)) == NULL)
		return;
	if (j->state != J_COMPLETE) {
		answer_error(a, 412, "JOB_NOT_COMPLETE",
		    "can only download query results of successfully completed bulk job with "
		    "status: JOB_COMPLETE. Current status: %s",
		    shown_state(j, now, 1));
		return;
	}
	if (max != NULL && ((m = strtol(max, &end, 10)) < 1 || *end != '\0' || end == max)) {
		answer_error(
		    a, 400, "INVALIDMAXRECORDS", "maxRecords must be a positive number");
		return;
	}
	if (locator != NULL && *locator != '\0' &&
	    (locator_row(locator, &first) != 0 || first > j->nrows)) {
		answer_error(a, 400, "INVALIDLOCATOR", "invalid locator: %.40s", locator);
		return;
	}
	n = j->nrows - first < (size_t)m ? j->nrows - first : (size_t)m;
	last = first + n;
	a->status = 200;
	a->paged = 1;
	a->nrecords = n;
	if (last < j->nrows) {
		snprintf(digits, sizeof digits, "%zu", last);
		b64_encode((const unsigned char *)digits, strlen(digits), 0, 0, a->locator);
	} else
		snprintf(a->locator, sizeof a->locator, "null");
	jsonbuf_reserve(&a->text, j->header.len + j->row_at[last] - j->row_at[first]);
	jsonbuf_add(&a->text, j->header.data, j->header.len);
	jsonbuf_add(
	    &a->text, j->rows.data + j->row_at[first], j->row_at[last] - j->row_at[first]);
	pages_served++;
	rows_served += (long)n;
}

/*
 * /_sim/fail-job {"state":"Failed"|"Aborted","errorMessage":"...","after":K}: the next job
 * (query or ingest) ends so; an ingest job processes its first K rows (0 unless given).
 */
int
jobs_fail_next(json_t *body)
{
	const char *state = member(body, "state"), *message = member(body, "errorMessage");
	json_t *after = json_object_get(body, "after");

	if (state == NULL || (strcmp(state, "Failed") != 0 && strcmp(state, "Aborted") != 0) ||
	    (after != NULL && (!json_is_integer(after) || json_integer_value(after) < 0)))
		return -1;
	free(fail_next.message);
	fail_next.armed = 1;
	fail_next.state = strcmp(state, "Failed") == 0 ? J_FAILED : J_ABORTED;
	fail_next.message = message ? estrdup(message) : NULL;
	fail_next.after = after ? (long)json_integer_value(after) : 0;
	return 0;
}

/* The failure armed for the next job, taken (disarmed): 0 when none, 1 Failed, 2 Aborted;
 * *message (the caller's to free, or NULL) and *after (if asked) set. */
int
jobs_take_failure(char **message, long *after)
{
	if (!fail_next.armed)
		return 0;
	*message = fail_next.message;
	fail_next.message = NULL;
	fail_next.armed = 0;
	if (after != NULL)
		*after = fail_next.after;
	return fail_next.state == J_FAILED ? 1 : 2;
}

/* A new job's id: 750SIM and a number counted from 1, shared by query and ingest jobs. */
void
jobs_new_id(char id[SFID_LEN + 1])
{
	char id15[16];

	id_count++;
	snprintf(id15, sizeof id15, "750SIM%09lu", id_count % 1000000000UL);
	memcpy(id, id15, 15);
	sfid_suffix(id15, id + 15);
	id[SFID_LEN] = '\0';
}
