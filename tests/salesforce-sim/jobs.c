/* jobs.c: Bulk API 2.0 query jobs: their states, their rows taken at completion, result pages;
 * and what ingest jobs (ingest.c) share with them: the head, the table, the information. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ealloc.h"
#include "sfid.h"
#include "sim.h"

static const char *const state_names[] = {
    "Open", "InProgress", "JobComplete", "Failed", "Aborted"};

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
	struct job_head h;     /* first: see struct job_head */
	int all;               /* queryAll */
	struct soql *q;        /* until it runs */
	struct jsonbuf header; /* the page header row */
	struct jsonbuf rows;   /* every row, end to end */
	size_t *row_at;        /* row i starts at row_at[i]; row_at[nrows] is the end */
	size_t nrows;
};

static struct job_table table;
static long created_count, pages_served, rows_served;
static unsigned long id_count; /* query and ingest jobs: their ids share it */
static struct jobs_config config;
static struct {
	int armed;
	enum job_state state;
	char *message;
	long after; /* an ingest job's rows processed before it fails */
} fail_next;

/* What query and ingest jobs share. */

/* A string member of a POST or PATCH body, borrowed (the body's); NULL when it has none or
 * is not an object. */
const char *
jobs_member(json_t *body, const char *name)
{
	return json_string_value(json_object_get(body, name));
}

/* The body of a POST that creates a job is a JSON object: 0, or -1 with the 400 answered. */
int
jobs_check_body(json_t *body, struct answer *a)
{
	if (json_is_object(body))
		return 0;
	answer_error(a, 400, "JSON_PARSER_ERROR", "the body is not a JSON object");
	return -1;
}

/* The columnDelimiter, lineEnding and contentType of a POST that creates a job (each may
 * be left out): 0, or -1 with the 400 answered when one is not supported. */
int
jobs_format(json_t *body, size_t *delim, int *crlf, struct answer *a)
{
	const char *name = jobs_member(body, "columnDelimiter");
	const char *eol = jobs_member(body, "lineEnding");
	const char *type = jobs_member(body, "contentType");
	size_t d = 0;

	if (name != NULL)
		for (d = 0; d < sizeof delimiters / sizeof delimiters[0] &&
		            strcmp(delimiters[d].name, name) != 0;
		     d++)
			;
	if (d == sizeof delimiters / sizeof delimiters[0] ||
	    (eol != NULL && strcmp(eol, "LF") != 0 && strcmp(eol, "CRLF") != 0) ||
	    (type != NULL && strcmp(type, "CSV") != 0)) {
		answer_error(a, 400, "INVALIDJOB",
		    "InvalidJob : columnDelimiter, lineEnding or contentType not supported");
		return -1;
	}
	*delim = d;
	*crlf = eol != NULL && strcmp(eol, "CRLF") == 0;
	return 0;
}

/* A new job's id: 750SIM and a number counted from 1, shared by query and ingest jobs. */
static void
new_id(char id[SFID_LEN + 1])
{
	char id15[16];

	id_count++;
	snprintf(id15, sizeof id15, "750SIM%09lu", id_count % 1000000000UL);
	memcpy(id, id15, 15);
	sfid_suffix(id15, id + 15);
	id[SFID_LEN] = '\0';
}

/* The failure armed for the next job, taken (disarmed): the state the job ends in
 * (JobComplete when none); *message (the caller's to free, or NULL) and *after (if asked)
 * set. */
static enum job_state
take_failure(char **message, long *after)
{
	if (!fail_next.armed)
		return JOB_COMPLETE;
	*message = fail_next.message;
	fail_next.message = NULL;
	fail_next.armed = 0;
	if (after != NULL)
		*after = fail_next.after;
	return fail_next.state;
}

/* A new job's head, created now (h zeroed by the caller): its id the next, its end as
 * /_sim/fail-job armed it (*after: an ingest job's rows processed first; NULL for a query
 * job's). Its state is the caller's to set. */
void
jobs_head_init(struct job_head *h, const char *operation, const char *object,
    const char *version, size_t delim, int crlf, long long now, long *after)
{
	new_id(h->id);
	h->operation = operation;
	snprintf(h->object, sizeof h->object, "%s", object);
	snprintf(h->version, sizeof h->version, "%s", version);
	h->created = h->modified = now;
	h->ends = take_failure(&h->error_message, after);
	h->delim = delim;
	h->crlf = crlf;
}

int
jobs_ended(const struct job_head *h)
{
	return h->state == JOB_COMPLETE || h->state == JOB_FAILED || h->state == JOB_ABORTED;
}

/* The state a job shows: a pending one is queued (UploadComplete) for the first quarter of
 * its time from its UploadComplete, 100 ms at most, then InProgress. upper: as results'
 * errors name it. */
const char *
jobs_shown_state(const struct job_head *h, long long now, int upper)
{
	static const char *const upper_names[] = {
	    "OPEN", "IN_PROGRESS", "JOB_COMPLETE", "FAILED", "ABORTED"};

	if (h->state == JOB_PENDING &&
	    now - h->started < (config.job_ms < 400 ? config.job_ms / 4 : 100))
		return upper ? "UPLOAD_COMPLETE" : "UploadComplete";
	return upper ? upper_names[h->state] : state_names[h->state];
}

/*
 * A job's information, its members in the order Salesforce gives them. state: the one to
 * show, or NULL for the one shown at now. c NULL: brief, as the POST that creates a job and
 * the PATCH that closes or aborts one answer (no jobType, no counts). A new reference.
 */
json_t *
jobs_info_json(
    const struct job_head *h, const char *state, long long now, const struct job_counts *c)
{
	char created[STAMP_SIZE], modified[STAMP_SIZE], url[96];
	json_t *o;

	stamp_format_job(h->created, created);
	stamp_format_job(h->modified, modified);
	o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:f}", "id", h->id,
	    "operation", h->operation, "object", h->object, "createdById", config.user_id,
	    "createdDate", created, "systemModstamp", modified, "state",
	    state ? state : jobs_shown_state(h, now, 0), "concurrencyMode", "Parallel",
	    "contentType", "CSV", "apiVersion", atof(h->version));
	if (h->state == JOB_OPEN) { /* an ingest job awaiting its upload */
		snprintf(url, sizeof url, "services/data/v%s/jobs/ingest/%s/batches",
		    h->version, h->id);
		json_object_set_new(o, "contentUrl", json_string(url));
	}
	if (c != NULL)
		json_object_set_new(o, "jobType", json_string(c->job_type));
	json_object_set_new(o, "lineEnding", json_string(h->crlf ? "CRLF" : "LF"));
	json_object_set_new(o, "columnDelimiter", json_string(delimiters[h->delim].name));
	if (c == NULL)
		return o;
	json_object_set_new(o, "numberRecordsProcessed", json_integer(c->processed));
	json_object_set_new(o, c->count_name, json_integer(c->count));
	json_object_set_new(o, "retries", json_integer(0));
	json_object_set_new(o, "totalProcessingTime",
	    json_integer(jobs_ended(h) && h->started ? (json_int_t)(h->due - h->started) : 0));
	if (c->pk_chunking)
		json_object_set_new(o, "isPkChunkingSupported", json_true());
	if ((h->state == JOB_FAILED || h->state == JOB_ABORTED) && h->error_message != NULL)
		json_object_set_new(o, "errorMessage", json_string(h->error_message));
	return o;
}

/* A job that has ended cannot be aborted: 0, or -1 with the 400 answered. */
int
jobs_check_abort(const struct job_head *h, struct answer *a)
{
	if (!jobs_ended(h))
		return 0;
	answer_error(a, 400, "INVALIDJOBSTATE", "Job is already %s", state_names[h->state]);
	return -1;
}

char
jobs_delimiter(const struct job_head *h)
{
	return delimiters[h->delim].c;
}

/* A value of the job's CSV (results, the header of a page): after the column delimiter
 * unless first; quoted, quotes doubled; null as "". */
void
jobs_csv_value(const struct job_head *h, struct jsonbuf *b, int first, const char *v)
{
	const char *q;

	if (!first)
		jsonbuf_add(b, &delimiters[h->delim].c, 1);
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

/* The job's line end, after a row of its CSV. */
void
jobs_csv_end(const struct job_head *h, struct jsonbuf *b)
{
	jsonbuf_addstr(b, h->crlf ? "\r\n" : "\n");
}

void
jobs_table_add(struct job_table *t, void *job)
{
	if (t->n == t->cap) {
		t->cap = t->cap ? 2 * t->cap : 16;
		t->jobs = erealloc(t->jobs, t->cap * sizeof *t->jobs);
	}
	t->jobs[t->n++] = job;
}

/* The job of the 18-character id or of its 15-character form; NULL with the 404 answered. */
void *
jobs_table_find(const struct job_table *t, const char *id, struct answer *a)
{
	const struct job_head *h;
	size_t i, n = strlen(id);

	for (i = 0; i < t->n; i++) {
		h = t->jobs[i];
		if ((n == 18 && strcmp(h->id, id) == 0) ||
		    (n == 15 && strncmp(h->id, id, 15) == 0))
			return t->jobs[i];
	}
	answer_error(a, 404, "NOT_FOUND", "The requested resource does not exist");
	return NULL;
}

/* The table's pending jobs end: those due by now, each at its due, or all of them at now
 * (/_sim/finish-jobs). finish ends one at the time given. Returns how many ended. */
long
jobs_table_settle(struct job_table *t, long long now, int all, job_finish_fn finish)
{
	struct job_head *h;
	size_t i;
	long n = 0;

	for (i = 0; i < t->n; i++) {
		h = t->jobs[i];
		if (h->state == JOB_PENDING && (all || now >= h->due)) {
			finish(t->jobs[i], all ? now : h->due);
			n++;
		}
	}
	return n;
}

/* GET /jobs/KIND: every job of the table, in one set. */
void
jobs_table_list(const struct job_table *t, job_info_fn info, struct answer *a)
{
	long long now = stamp_now();
	json_t *records = json_array();
	size_t i;

	jobs_settle(now);
	for (i = 0; i < t->n; i++)
		json_array_append_new(records, info(t->jobs[i], now));
	a->status = 200;
	a->json = json_pack("{s:b, s:o, s:n}", "done", 1, "records", records, "nextRecordsUrl");
}

/* DELETE /jobs/KIND/ID: 204 for a job that has ended; the job and its results are gone. */
void
jobs_table_delete(struct job_table *t, const char *id, job_free_fn job_free, struct answer *a)
{
	struct job_head *h;
	size_t i;

	jobs_settle(stamp_now());
	if ((h = jobs_table_find(t, id, a)) == NULL)
		return;
	if (!jobs_ended(h)) {
		answer_error(a, 400, "INVALIDJOBSTATE", "Job is not in a final state");
		return;
	}
	for (i = 0; t->jobs[i] != h; i++)
		;
	memmove(&t->jobs[i], &t->jobs[i + 1], (t->n - i - 1) * sizeof *t->jobs);
	t->n--;
	job_free(h);
	a->status = 204;
}

void
jobs_table_free(struct job_table *t, job_free_fn job_free)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		job_free(t->jobs[i]);
	free(t->jobs);
	t->jobs = NULL;
	t->n = t->cap = 0;
}

/* Query jobs. */

void
jobs_init(const struct jobs_config *cfg)
{
	config = *cfg;
	ingest_init(cfg);
}

static void
job_free(void *job)
{
	struct job *j = job;

	soql_free(j->q);
	free(j->h.error_message);
	jsonbuf_free(&j->header);
	jsonbuf_free(&j->rows);
	free(j->row_at);
	free(j);
}

void
jobs_free(void)
{
	jobs_table_free(&table, job_free);
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

static void
add_row(void *ctx, const struct sobject *o, const struct record *r)
{
	struct job *j = ctx;
	const long *fields;
	const char *const *names;
	char buf[STAMP_SIZE];
	size_t i, n = soql_columns(j->q, &fields, &names);

	j->row_at[j->nrows++] = j->rows.len;
	for (i = 0; i < n; i++)
		jobs_csv_value(&j->h, &j->rows, i == 0,
		    store_render(o, r, (size_t)fields[i], config.api_values, buf));
	jobs_csv_end(&j->h, &j->rows);
}

/* The job reaches its end at when: the query runs over the store as it is now. */
static void
finish(void *job, long long when)
{
	struct job *j = job;
	const long *fields;
	const char *const *names;
	const struct sobject *o = soql_object(j->q);
	size_t i, n = soql_columns(j->q, &fields, &names);

	j->h.state = j->h.ends;
	j->h.due = j->h.modified = when;
	if (j->h.ends == JOB_COMPLETE) {
		for (i = 0; i < n; i++)
			jobs_csv_value(&j->h, &j->header, i == 0, names[i]);
		jobs_csv_end(&j->h, &j->header);
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
	jobs_table_settle(&table, now, 0, finish);
	ingest_settle(now, 0);
}

/* /_sim/finish-jobs: every pending job completes (or fails) now. Returns how many. */
long
jobs_finish_all(long long now)
{
	long n = jobs_table_settle(&table, now, 1, finish);

	return n + ingest_settle(now, 1);
}

/* A query job's full information, as GET answers it (a job_info_fn). */
static json_t *
info(const void *job, long long now)
{
	const struct job *j = job;
	struct job_counts c = {
	    "V2Query", (json_int_t)j->nrows, "numberRecords", (json_int_t)j->nrows, 1};

	return jobs_info_json(&j->h, NULL, now, &c);
}

/* POST /jobs/query {"operation","query","columnDelimiter","lineEnding","contentType"}. */
void
jobs_create(json_t *body, const char *version, struct answer *a)
{
	const char *op = jobs_member(body, "operation"), *text = jobs_member(body, "query");
	struct soql *q;
	struct job *j;
	size_t d;
	int crlf;
	long long now = stamp_now();

	if (jobs_check_body(body, a) != 0)
		return;
	if (op == NULL || (strcmp(op, "query") != 0 && strcmp(op, "queryAll") != 0)) {
		answer_error(a, 400, "INVALIDJOB", "InvalidJob : Invalid operation: %s",
		    op ? op : "none given");
		return;
	}
	if (text == NULL) {
		answer_error(a, 400, "INVALIDJOB", "InvalidJob : Query is required");
		return;
	}
	if (jobs_format(body, &d, &crlf, a) != 0 || (q = soql_parse(text, a)) == NULL)
		return;
	j = ecalloc(1, sizeof *j);
	created_count++;
	j->all = strcmp(op, "queryAll") == 0;
	jobs_head_init(&j->h, j->all ? "queryAll" : "query", soql_object(q)->name, version, d,
	    crlf, now, NULL);
	/* queued at once: a query job has no upload */
	j->h.state = JOB_PENDING;
	j->h.started = now;
	j->h.due = now + config.job_ms;
	j->q = q;
	jobs_table_add(&table, j);
	a->status = 200;
	/* UploadComplete whatever --job-ms: the job has only just been queued */
	a->json = jobs_info_json(&j->h, "UploadComplete", now, NULL);
}

/* GET /jobs/query: every job, in one set. */
void
jobs_list(struct answer *a)
{
	jobs_table_list(&table, info, a);
}

void
jobs_info(const char *id, struct answer *a)
{
	long long now = stamp_now();
	struct job *j;

	jobs_settle(now);
	if ((j = jobs_table_find(&table, id, a)) == NULL)
		return;
	a->status = 200;
	a->json = info(j, now);
}

/* PATCH /jobs/query/ID {"state":"Aborted"}. */
void
jobs_abort(const char *id, json_t *body, struct answer *a)
{
	long long now = stamp_now();
	const char *state = jobs_member(body, "state");
	struct job *j;

	jobs_settle(now);
	if ((j = jobs_table_find(&table, id, a)) == NULL)
		return;
	if (state == NULL || strcmp(state, "Aborted") != 0) {
		answer_error(
		    a, 400, "INVALIDJOBSTATE", "a query job can only be set to Aborted");
		return;
	}
	if (jobs_check_abort(&j->h, a) != 0)
		return;
	soql_free(j->q);
	j->q = NULL;
	j->h.state = j->h.ends = JOB_ABORTED;
	j->h.due = j->h.modified = now;
	a->status = 200;
	a->json = info(j, now);
}

/* DELETE /jobs/query/ID: 204; the job and its results are gone. */
void
jobs_delete(const char *id, struct answer *a)
{
	jobs_table_delete(&table, id, job_free, a);
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
	if ((j = jobs_table_find(&table, id, a)) == NULL)
		return;
	if (j->h.state != JOB_COMPLETE) {
		answer_error(a, 412, "JOB_NOT_COMPLETE",
		    "can only download query results of successfully completed bulk job with "
		    "status: JOB_COMPLETE. Current status: %s",
		    jobs_shown_state(&j->h, now, 1));
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
	const char *state = jobs_member(body, "state");
	const char *message = jobs_member(body, "errorMessage");
	json_t *after = json_object_get(body, "after");

	if (state == NULL || (strcmp(state, "Failed") != 0 && strcmp(state, "Aborted") != 0) ||
	    (after != NULL && (!json_is_integer(after) || json_integer_value(after) < 0)))
		return -1;
	free(fail_next.message);
	fail_next.armed = 1;
	fail_next.state = strcmp(state, "Failed") == 0 ? JOB_FAILED : JOB_ABORTED;
	fail_next.message = message ? estrdup(message) : NULL;
	fail_next.after = after ? (long)json_integer_value(after) : 0;
	return 0;
}
