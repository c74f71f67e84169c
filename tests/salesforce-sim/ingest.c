/* ingest.c: Bulk API 2.0 ingest jobs (operation update): the upload, the states, the rows
 * applied when the job completes, the result CSVs. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "csvin.h"
#include "ealloc.h"
#include "sfid.h"
#include "sim.h"
#include "textenc.h"

enum ingest_state { I_OPEN, I_PENDING, I_COMPLETE, I_FAILED, I_ABORTED };

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

/* The uploaded rows, parsed: each row's fields NUL-terminated in one string array. */
struct table {
	char **cols;
	size_t ncols;
	char ***rows;
	size_t *nfields;
	size_t nrows, cap;
	char error[200]; /* why the upload cannot be read, or "" */
};

struct ingest {
	char id[SFID_LEN + 1];
	char object[48];
	char version[16];
	long long created, started, due, modified; /* started: UploadComplete */
	enum ingest_state state, ends;
	char *error_message;
	long after; /* rows processed before a planned failure */
	size_t delim;
	int crlf;
	struct jsonbuf data; /* the upload */
	int uploads;
	struct jsonbuf header, ok, failed, unprocessed; /* results: columns, then rows */
	long processed, nfailed;
};

static struct ingest **jobs;
static size_t njobs, jobs_cap;
static long created_count;
static struct jobs_config config;

void
ingest_init(const struct jobs_config *cfg)
{
	config = *cfg;
}

static void
job_free(struct ingest *j)
{
	free(j->error_message);
	jsonbuf_free(&j->data);
	jsonbuf_free(&j->header);
	jsonbuf_free(&j->ok);
	jsonbuf_free(&j->failed);
	jsonbuf_free(&j->unprocessed);
	free(j);
}

void
ingest_free(void)
{
	size_t i;

	for (i = 0; i < njobs; i++)
		job_free(jobs[i]);
	free(jobs);
	jobs = NULL;
	njobs = jobs_cap = 0;
}

long
ingest_created(void)
{
	return created_count;
}

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

static char *
copy(const char *p, size_t n)
{
	char *s = emalloc(n + 1);

	memcpy(s, p, n);
	s[n] = '\0';
	return s;
}

static int
table_header(void *ctx, const struct csvin_row *row)
{
	struct table *t = ctx;
	size_t i;

	if (row->error != NULL || !textenc_valid_utf8(row->raw, row->rawlen)) {
		snprintf(t->error, sizeof t->error,
		    "InvalidBatch : Failed to parse CSV header: %s",
		    row->error ? row->error : "not UTF-8");
		return 1;
	}
	t->ncols = row->nfields;
	t->cols = ecalloc(row->nfields ? row->nfields : 1, sizeof *t->cols);
	for (i = 0; i < row->nfields; i++)
		t->cols[i] = copy(row->field[i], row->len[i]);
	return 0;
}

static int
table_row(void *ctx, const struct csvin_row *row)
{
	struct table *t = ctx;
	size_t i;

	if (row->error != NULL || !textenc_valid_utf8(row->raw, row->rawlen)) {
		snprintf(t->error, sizeof t->error,
		    "InvalidBatch : Failed to parse CSV at line %lu: %s", row->line,
		    row->error ? row->error : "not UTF-8");
		return 1;
	}
	if (t->nrows == t->cap) {
		t->cap = t->cap ? 2 * t->cap : 64;
		t->rows = erealloc(t->rows, t->cap * sizeof *t->rows);
		t->nfields = erealloc(t->nfields, t->cap * sizeof *t->nfields);
	}
	t->rows[t->nrows] = ecalloc(row->nfields ? row->nfields : 1, sizeof **t->rows);
	for (i = 0; i < row->nfields; i++)
		t->rows[t->nrows][i] = copy(row->field[i], row->len[i]);
	t->nfields[t->nrows++] = row->nfields;
	return 0;
}

static void
table_free(struct table *t)
{
	size_t i, k;

	for (i = 0; i < t->nrows; i++) {
		for (k = 0; k < t->nfields[i]; k++)
			free(t->rows[i][k]);
		free(t->rows[i]);
	}
	for (k = 0; k < t->ncols; k++)
		free(t->cols[k]);
	free(t->cols);
	free(t->rows);
	free(t->nfields);
}

/* Reads the job's upload; t->error says why when it cannot be read. */
static void
table_read(const struct ingest *j, struct table *t)
{
	struct csvin_opts opts = {(unsigned char)delimiters[j->delim].c, TEXTENC_UTF8, 0};
	struct csvin *c;

	memset(t, 0, sizeof *t);
	if (j->data.len == 0)
		return;
	c = csvin_new(&opts, table_header, table_row, t);
	if (csvin_feed(c, j->data.data, j->data.len) == 0)
		csvin_finish(c);
	csvin_free(c);
}

static void
line_end(const struct ingest *j, struct jsonbuf *b)
{
	jsonbuf_addstr(b, j->crlf ? "\r\n" : "\n");
}

/* A result row: the leading values, then the row's uploaded columns. */
static void
result_row(const struct ingest *j, struct jsonbuf *b, const char *a, const char *c,
    const struct table *t, size_t row)
{
	size_t k;
	int first = 1;

	if (a != NULL) {
		add_quoted(b, a);
		jsonbuf_add(b, &delimiters[j->delim].c, 1);
		add_quoted(b, c);
		first = 0;
	}
	for (k = 0; k < t->ncols; k++) {
		if (!first)
			jsonbuf_add(b, &delimiters[j->delim].c, 1);
		add_quoted(b, k < t->nfields[row] ? t->rows[row][k] : "");
		first = 0;
	}
	line_end(j, b);
}

/* sf__Error as Bulk API results write it: STATUS_CODE:message:fields --. */
static void
error_text(const struct upd_error *e, char *out, size_t size)
{
	size_t i, n;
	json_t *f;

	n = (size_t)snprintf(out, size, "%s:%s:", e->code, e->message);
	json_array_foreach(e->fields, i, f)
	{
		if (n < size)
			n += (size_t)snprintf(
			    out + n, size - n, "%s%s", i ? "," : "", json_string_value(f));
	}
	if (n < size)
		snprintf(out + n, size - n, "%s--", json_array_size(e->fields) ? " " : "");
}

/* One row of an update: 0 applied, -1 failed (e set). */
static int
apply_row(struct sobject *o, const struct table *t, const long *map, long idcol, size_t row,
    struct upd_error *e, char id_out[SFID_LEN + 1])
{
	const char *v;
	size_t *fields = ecalloc(t->ncols ? t->ncols : 1, sizeof *fields), n = 0, k;
	char **texts = ecalloc(t->ncols ? t->ncols : 1, sizeof *texts);
	struct record *r;
	int st = -1;

	*id_out = '\0';
	v = idcol >= 0 && (size_t)idcol < t->nfields[row] ? t->rows[row][idcol] : NULL;
	if (v == NULL || *v == '\0') {
		upd_error_set(
		    e, "MISSING_ARGUMENT", NULL, "Id not specified in an update call");
		goto out;
	}
	for (k = 0; k < t->ncols; k++)
		if ((long)k != idcol && update_settable(o, map[k], t->cols[k], e) != 0)
			goto out;
	if ((r = update_target(o, v, e)) == NULL)
		goto out;
	memcpy(id_out, r->id, SFID_LEN + 1);
	for (k = 0; k < t->ncols; k++) {
		v = k < t->nfields[row] ? t->rows[row][k] : "";
		if ((long)k == idcol || *v == '\0')
			continue; /* empty: the field stays as it is */
		fields[n] = (size_t)map[k];
		if (strcmp(v, "#N/A") != 0 &&
		    update_convert(o, (size_t)map[k], v, &texts[n]) != 0) {
			upd_error_set(e, "INVALID_FIELD", o->fields[map[k]].name,
			    "Failed to deserialize field at col %zu. Due to, '%.200s' is not a valid "
			    "value for the type xsd:%s",
			    k + 1, v,
			    o->fields[map[k]].type == T_DATETIME
			        ? "dateTime"
			        : store_type_name(o->fields[map[k]].type));
			n++;
			goto out;
		}
		if (update_check(o, fields[n], texts[n], e) != 0) {
			n++;
			goto out;
		}
		n++;
	}
	if (update_failing(r, e) != 0)
		goto out;
	store_update(o, r, n, fields, texts);
	st = 0;
out:
	for (k = 0; k < n; k++)
		free(texts[k]);
	free(texts);
	free(fields);
	return st;
}

/*
 * The job ends: its rows applied one by one (the first `after` only when it is made to
 * fail, none when aborted), each recorded as successful, failed or unprocessed.
 */
static void
finish(struct ingest *j, long long now)
{
	struct sobject *o = store_object(j->object);
	struct upd_error e = {{0}, {0}, NULL};
	struct table t;
	long *map = NULL, idcol = -1;
	size_t i, k, limit;
	char id[SFID_LEN + 1], error[1000];
	int bad_header = 0;

	j->state = j->ends;
	j->due = j->modified = now;
	table_read(j, &t);
	if (t.error[0] != '\0') {
		j->state = I_FAILED;
		free(j->error_message);
		j->error_message = estrdup(t.error);
		table_free(&t);
		return;
	}
	/* the header: Id and fields the object has; another name fails the job */
	map = ecalloc(t.ncols ? t.ncols : 1, sizeof *map);
	for (k = 0; k < t.ncols; k++) {
		map[k] = store_field(o, t.cols[k]);
		if (map[k] == 0 && idcol < 0)
			idcol = (long)k;
		else if (map[k] < 0 && !bad_header && j->ends != I_ABORTED) {
			bad_header = 1;
			j->state = I_FAILED;
			free(j->error_message);
			snprintf(error, sizeof error,
			    "InvalidBatch : Field name not found : %s", t.cols[k]);
			j->error_message = estrdup(error);
		}
	}
	for (k = 0; k < t.ncols; k++) {
		if (k > 0)
			jsonbuf_add(&j->header, &delimiters[j->delim].c, 1);
		add_quoted(&j->header, t.cols[k]);
	}
	limit = bad_header ? 0 : j->ends == I_COMPLETE ? t.nrows : (size_t)j->after;
	for (i = 0; i < t.nrows; i++) {
		if (i >= limit) {
			result_row(j, &j->unprocessed, NULL, NULL, &t, i);
			continue;
		}
		j->processed++;
		if (apply_row(o, &t, map, idcol, i, &e, id) == 0) {
			result_row(j, &j->ok, id, "false", &t, i);
			update_counts.updated++;
		} else {
			error_text(&e, error, sizeof error);
			result_row(j, &j->failed, id, error, &t, i);
			j->nfailed++;
			update_counts.failures++;
		}
	}
	upd_error_clear(&e);
	free(map);
	table_free(&t);
}

void
ingest_settle(long long now)
{
	size_t i;

	for (i = 0; i < njobs; i++)
		if (jobs[i]->state == I_PENDING && now >= jobs[i]->due)
			finish(jobs[i], jobs[i]->due);
}

long
ingest_finish_all(long long now)
{
	size_t i;
	long n = 0;

	for (i = 0; i < njobs; i++) {
		if (jobs[i]->state == I_PENDING) {
			finish(jobs[i], now);
			n++;
		}
	}
	return n;
}

static struct ingest *
find(const char *id)
{
	size_t i, n = strlen(id);

	for (i = 0; i < njobs; i++)
		if ((n == 18 && strcmp(jobs[i]->id, id) == 0) ||
		    (n == 15 && strncmp(jobs[i]->id, id, 15) == 0))
			return jobs[i];
	return NULL;
}

static struct ingest *
job_or_404(const char *id, struct answer *a)
{
	struct ingest *j;

	jobs_settle(stamp_now());
	if ((j = find(id)) == NULL)
		answer_error(a, 404, "NOT_FOUND", "The requested resource does not exist");
	return j;
}

/* The state a job shows: after UploadComplete, that for the first quarter of its time (100
 * ms at most), then InProgress, as query jobs. upper: as errors name it. */
static const char *
shown_state(const struct ingest *j, long long now, int upper)
{
	static const char *const upper_names[] = {
	    "OPEN", "IN_PROGRESS", "JOB_COMPLETE", "FAILED", "ABORTED"};

	if (j->state == I_PENDING &&
	    now - j->started < (config.job_ms < 400 ? config.job_ms / 4 : 100))
		return upper ? "UPLOAD_COMPLETE" : "UploadComplete";
	return upper ? upper_names[j->state] : state_names[j->state];
}

static int
ended(const struct ingest *j)
{
	return j->state == I_COMPLETE || j->state == I_FAILED || j->state == I_ABORTED;
}

static json_t *
info(const struct ingest *j, long long now, int brief)
{
	char created[STAMP_SIZE], modified[STAMP_SIZE], url[96];
	json_t *o;

	stamp_format_job(j->created, created);
	stamp_format_job(j->modified, modified);
	o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:f}", "id", j->id,
	    "operation", "update", "object", j->object, "createdById", config.user_id,
	    "createdDate", created, "systemModstamp", modified, "state", shown_state(j, now, 0),
	    "concurrencyMode", "Parallel", "contentType", "CSV", "apiVersion",
	    atof(j->version));
	if (j->state == I_OPEN) {
		snprintf(url, sizeof url, "services/data/v%s/jobs/ingest/%s/batches",
		    j->version, j->id);
		json_object_set_new(o, "contentUrl", json_string(url));
	}
	if (!brief)
		json_object_set_new(o, "jobType", json_string("V2Ingest"));
	json_object_set_new(o, "lineEnding", json_string(j->crlf ? "CRLF" : "LF"));
	json_object_set_new(o, "columnDelimiter", json_string(delimiters[j->delim].name));
	if (brief)
		return o;
	json_object_set_new(
	    o, "numberRecordsProcessed", json_integer((json_int_t)j->processed));
	json_object_set_new(o, "numberRecordsFailed", json_integer((json_int_t)j->nfailed));
	json_object_set_new(o, "retries", json_integer(0));
	json_object_set_new(o, "totalProcessingTime",
	    json_integer(ended(j) && j->started ? (json_int_t)(j->due - j->started) : 0));
	if ((j->state == I_FAILED || j->state == I_ABORTED) && j->error_message != NULL)
		json_object_set_new(o, "errorMessage", json_string(j->error_message));
	return o;
}

static const char *
member(json_t *body, const char *name)
{
	return json_string_value(json_object_get(body, name));
}

/* POST /jobs/ingest {"object","operation":"update","contentType","lineEnding",
 * "columnDelimiter"}. */
void
ingest_create(json_t *body, const char *version, struct answer *a)
{
	const char *op = member(body, "operation"), *object = member(body, "object");
	const char *delim = member(body, "columnDelimiter"), *eol = member(body, "lineEnding");
	const char *type = member(body, "contentType");
	struct sobject *o;
	struct ingest *j;
	size_t d = 0;
	long long now = stamp_now();

	if (!json_is_object(body)) {
		answer_error(a, 400, "JSON_PARSER_ERROR", "the body is not a JSON object");
		return;
	}
	if (op == NULL || strcmp(op, "update") != 0) {
		answer_error(a, 400, "INVALIDJOB",
		    "InvalidJob : Invalid operation: %s (the simulator takes update only)",
		    op ? op : "none given");
		return;
	}
	if (object == NULL || (o = store_object(object)) == NULL) {
		answer_error(a, 400, "INVALIDJOB", "InvalidJob : Unable to find object: %s",
		    object ? object : "none given");
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
	jobs_settle(now);
	j = ecalloc(1, sizeof *j);
	created_count++;
	jobs_new_id(j->id);
	snprintf(j->object, sizeof j->object, "%s", o->name);
	snprintf(j->version, sizeof j->version, "%s", version);
	j->created = j->modified = now;
	j->state = I_OPEN;
	j->ends = I_COMPLETE;
	switch (jobs_take_failure(&j->error_message, &j->after)) {
	case 1: j->ends = I_FAILED; break;
	case 2: j->ends = I_ABORTED; break;
	default: break;
	}
	j->delim = d;
	j->crlf = eol != NULL && strcmp(eol, "CRLF") == 0;
	if (njobs == jobs_cap) {
		jobs_cap = jobs_cap ? 2 * jobs_cap : 16;
		jobs = erealloc(jobs, jobs_cap * sizeof *jobs);
	}
	jobs[njobs++] = j;
	a->status = 200;
	a->json = info(j, now, 1);
}

/* GET /jobs/ingest: every ingest job, in one set. */
void
ingest_list(struct answer *a)
{
	long long now = stamp_now();
	json_t *records = json_array();
	size_t i;

	jobs_settle(now);
	for (i = 0; i < njobs; i++)
		json_array_append_new(records, info(jobs[i], now, 0));
	a->status = 200;
	a->json = json_pack("{s:b, s:o, s:n}", "done", 1, "records", records, "nextRecordsUrl");
}

void
ingest_info(const char *id, struct answer *a)
{
	struct ingest *j;

	if ((j = job_or_404(id, a)) == NULL)
		return;
	a->status = 200;
	a->json = info(j, stamp_now(), 0);
}

/* PUT /jobs/ingest/ID/batches: the CSV, while the job is Open; 201, no body. */
void
ingest_upload(const char *id, const char *data, size_t len, struct answer *a)
{
	struct ingest *j;

	if ((j = job_or_404(id, a)) == NULL)
		return;
	if (j->state != I_OPEN) {
		answer_error(a, 400, "INVALIDJOBSTATE",
		    "Job's state must be Open to upload data, current state: %s",
		    shown_state(j, stamp_now(), 0));
		return;
	}
	jsonbuf_add(&j->data, data ? data : "", len);
	j->uploads++;
	j->modified = stamp_now();
	update_counts.uploads++;
	a->status = 201;
	a->type = "text/plain";
}

/* PATCH /jobs/ingest/ID {"state":"UploadComplete"|"Aborted"}. */
void
ingest_patch(const char *id, json_t *body, struct answer *a)
{
	const char *state = member(body, "state");
	long long now = stamp_now();
	struct ingest *j;
	char id15[16];

	if ((j = job_or_404(id, a)) == NULL)
		return;
	if (state == NULL ||
	    (strcmp(state, "UploadComplete") != 0 && strcmp(state, "Aborted") != 0)) {
		answer_error(a, 400, "INVALIDJOBSTATE",
		    "an ingest job can only be set to UploadComplete or Aborted");
		return;
	}
	if (strcmp(state, "Aborted") == 0) {
		if (ended(j)) {
			answer_error(a, 400, "INVALIDJOBSTATE", "Job is already %s",
			    state_names[j->state]);
			return;
		}
		if (j->started == 0)
			j->started = now;
		j->ends = I_ABORTED;
		free(j->error_message);
		j->error_message = NULL;
		j->after = 0;
		finish(j, now);
	} else {
		if (j->state != I_OPEN) {
			answer_error(a, 400, "INVALIDJOBSTATE", "Job is already %s",
			    shown_state(j, now, 0));
			return;
		}
		if (j->uploads > 1) {
			snprintf(id15, sizeof id15, "%.15s", j->id);
			answer_error(a, 400, "INVALIDJOB",
			    "Found multipe contents for job: <%s>, please 'Close' / 'Abort' / "
			    "'Delete' the current Job then create a new Job and make sure you only "
			    "do 'PUT' once on a given Job.",
			    id15);
			return;
		}
		j->state = I_PENDING;
		j->started = j->modified = now;
		j->due = now + config.job_ms;
	}
	a->status = 200;
	a->json = info(j, now, 1);
	json_object_set_new(a->json, "state", json_string(state));
}

/* DELETE /jobs/ingest/ID: 204 for a job that has ended. */
void
ingest_delete(const char *id, struct answer *a)
{
	struct ingest *j;
	size_t i;

	if ((j = job_or_404(id, a)) == NULL)
		return;
	if (!ended(j)) {
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

/* GET .../successfulResults, .../failedResults, .../unprocessedrecords: text/csv. */
void
ingest_results(const char *id, enum ingest_results which, struct answer *a)
{
	static const char *const lead[][2] = {
	    {"sf__Id", "sf__Created"}, {"sf__Id", "sf__Error"}, {NULL, NULL}};
	const struct jsonbuf *rows;
	struct ingest *j;
	char d;

	if ((j = job_or_404(id, a)) == NULL)
		return;
	if (!ended(j)) {
		answer_error(a, 412, "JOB_NOT_COMPLETE",
		    "can only download the results of a bulk job that has ended. Current status: "
		    "%s",
		    shown_state(j, stamp_now(), 1));
		return;
	}
	d = delimiters[j->delim].c;
	rows = which == INGEST_SUCCESSFUL ? &j->ok
	       : which == INGEST_FAILED   ? &j->failed
	                                  : &j->unprocessed;
	a->status = 200;
	if (lead[which][0] != NULL) {
		add_quoted(&a->text, lead[which][0]);
		jsonbuf_add(&a->text, &d, 1);
		add_quoted(&a->text, lead[which][1]);
		if (j->header.len > 0)
			jsonbuf_add(&a->text, &d, 1);
	}
	jsonbuf_add(&a->text, j->header.data ? j->header.data : "", j->header.len);
	line_end(j, &a->text);
	jsonbuf_add(&a->text, rows->data ? rows->data : "", rows->len);
}
