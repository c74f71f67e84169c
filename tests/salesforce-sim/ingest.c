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
	struct job_head h;   /* first: see struct job_head */
	long after;          /* rows processed before a planned failure */
	long nth;            /* made after nth - 1 other ingest jobs */
	struct jsonbuf data; /* the upload */
	int uploads;
	struct jsonbuf header, ok, failed, unprocessed; /* results: columns, then rows */
	long processed, nfailed;
};

static struct job_table table;
static long created_count;
static struct jobs_config config;
/*
 * A fault of ingest jobs only: SALESFORCE_SIM_INGEST_NOSTATE=N in the
 * environment makes every answer of GET .../jobs/ingest/ID about the N-th
 * ingest job made (from 1) leave out the job's state, as a broken server
 * or proxy might; the job runs and ends as any other. msi-apply must not
 * poll such a job forever.
 */
static long nostate_job;

void
ingest_init(const struct jobs_config *cfg)
{
	const char *n = getenv("SALESFORCE_SIM_INGEST_NOSTATE");

	config = *cfg;
	nostate_job = n != NULL ? strtol(n, NULL, 10) : 0;
}

static void
job_free(void *job)
{
	struct ingest *j = job;

	free(j->h.error_message);
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
	jobs_table_free(&table, job_free);
}

long
ingest_created(void)
{
	return created_count;
}

static char *
copy(const char *p, size_t n)
{
	char *s = emalloc(n + 1);

	memcpy(s, p, n);
	s[n] = '\0';
	return s;
}

/* A row's fields, copied (an array of them, the caller's to free); NULL with t->error set
 * when the row cannot be read. where: the header, or the row's line. */
static char **
copy_fields(struct table *t, const struct csvin_row *row, const char *where)
{
	char **v;
	size_t i;

	if (row->error != NULL || !textenc_valid_utf8(row->raw, row->rawlen)) {
		snprintf(t->error, sizeof t->error, "InvalidBatch : Failed to parse CSV %s: %s",
		    where, row->error ? row->error : "not UTF-8");
		return NULL;
	}
	v = ecalloc(row->nfields ? row->nfields : 1, sizeof *v);
	for (i = 0; i < row->nfields; i++)
		v[i] = copy(row->field[i], row->len[i]);
	return v;
}

static int
table_header(void *ctx, const struct csvin_row *row)
{
	struct table *t = ctx;

	if ((t->cols = copy_fields(t, row, "header")) == NULL)
		return 1;
	t->ncols = row->nfields;
	return 0;
}

static int
table_row(void *ctx, const struct csvin_row *row)
{
	struct table *t = ctx;
	char where[32];
	char **fields;

	snprintf(where, sizeof where, "at line %lu", row->line);
	if ((fields = copy_fields(t, row, where)) == NULL)
		return 1;
	if (t->nrows == t->cap) {
		t->cap = t->cap ? 2 * t->cap : 64;
		t->rows = erealloc(t->rows, t->cap * sizeof *t->rows);
		t->nfields = erealloc(t->nfields, t->cap * sizeof *t->nfields);
	}
	t->rows[t->nrows] = fields;
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
	struct csvin_opts opts = {(unsigned char)jobs_delimiter(&j->h), TEXTENC_UTF8, 0};
	struct csvin *c;

	memset(t, 0, sizeof *t);
	if (j->data.len == 0)
		return;
	c = csvin_new(&opts, table_header, table_row, t);
	if (csvin_feed(c, j->data.data, j->data.len) == 0)
		csvin_finish(c);
	csvin_free(c);
}

/* A result row: the leading values, then the row's uploaded columns. */
static void
result_row(const struct ingest *j, struct jsonbuf *b, const char *a, const char *c,
    const struct table *t, size_t row)
{
	size_t k;

	if (a != NULL) {
		jobs_csv_value(&j->h, b, 1, a);
		jobs_csv_value(&j->h, b, 0, c);
	}
	for (k = 0; k < t->ncols; k++)
		jobs_csv_value(
		    &j->h, b, a == NULL && k == 0, k < t->nfields[row] ? t->rows[row][k] : "");
	jobs_csv_end(&j->h, b);
}

/* sf__Error as Bulk API results write it: STATUS_CODE:message:fields --. */
static void
error_text(const struct upd_error *e, char *out, size_t size)
{
	size_t i, n;
	json_t *f;

	n = (size_t)snprintf(out, size, "%s:%s:", e->code, e->message);
	json_array_foreach (e->fields, i, f) {
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
finish(void *job, long long when)
{
	struct ingest *j = job;
	struct sobject *o = store_object(j->h.object);
	struct upd_error e = {{0}, {0}, NULL};
	struct table t;
	long *map = NULL, idcol = -1;
	size_t i, k, limit;
	char id[SFID_LEN + 1], error[1000];
	int bad_header = 0;

	j->h.state = j->h.ends;
	j->h.due = j->h.modified = when;
	table_read(j, &t);
	if (t.error[0] != '\0') {
		j->h.state = JOB_FAILED;
		free(j->h.error_message);
		j->h.error_message = estrdup(t.error);
		table_free(&t);
		return;
	}
	/* the header: Id and fields the object has; another name fails the job */
	map = ecalloc(t.ncols ? t.ncols : 1, sizeof *map);
	for (k = 0; k < t.ncols; k++) {
		map[k] = store_field(o, t.cols[k]);
		if (map[k] == 0 && idcol < 0)
			idcol = (long)k;
		else if (map[k] < 0 && !bad_header && j->h.ends != JOB_ABORTED) {
			bad_header = 1;
			j->h.state = JOB_FAILED;
			free(j->h.error_message);
			snprintf(error, sizeof error,
			    "InvalidBatch : Field name not found : %s", t.cols[k]);
			j->h.error_message = estrdup(error);
		}
	}
	for (k = 0; k < t.ncols; k++)
		jobs_csv_value(&j->h, &j->header, k == 0, t.cols[k]);
	limit = bad_header ? 0 : j->h.ends == JOB_COMPLETE ? t.nrows : (size_t)j->after;
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

/* Ends the jobs due by now, or all pending ones (/_sim/finish-jobs): jobs_table_settle. */
long
ingest_settle(long long now, int all)
{
	return jobs_table_settle(&table, now, all, finish);
}

/* The job of the id, found once the jobs due have ended; NULL with the 404 answered. */
static struct ingest *
job_or_404(const char *id, struct answer *a)
{
	jobs_settle(stamp_now());
	return jobs_table_find(&table, id, a);
}

static json_t *
info(const void *job, long long now)
{
	const struct ingest *j = job;
	struct job_counts c = {"V2Ingest", (json_int_t)j->processed, "numberRecordsFailed",
	    (json_int_t)j->nfailed, 0};

	return jobs_info_json(&j->h, NULL, now, &c);
}

/* POST /jobs/ingest {"object","operation":"update","contentType","lineEnding",
 * "columnDelimiter"}. */
void
ingest_create(json_t *body, const char *version, struct answer *a)
{
	const char *op = jobs_member(body, "operation"), *object = jobs_member(body, "object");
	struct sobject *o;
	struct ingest *j;
	size_t d;
	int crlf;
	long long now = stamp_now();

	if (jobs_check_body(body, a) != 0)
		return;
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
	if (jobs_format(body, &d, &crlf, a) != 0)
		return;
	jobs_settle(now);
	j = ecalloc(1, sizeof *j);
	j->nth = ++created_count;
	jobs_head_init(&j->h, "update", o->name, version, d, crlf, now, &j->after);
	j->h.state = JOB_OPEN;
	jobs_table_add(&table, j);
	a->status = 200;
	a->json = jobs_info_json(&j->h, NULL, now, NULL);
}

/* GET /jobs/ingest: every ingest job, in one set. */
void
ingest_list(struct answer *a)
{
	jobs_table_list(&table, info, a);
}

void
ingest_info(const char *id, struct answer *a)
{
	struct ingest *j;

	if ((j = job_or_404(id, a)) == NULL)
		return;
	a->status = 200;
	a->json = info(j, stamp_now());
	if (j->nth == nostate_job)
		json_object_del(a->json, "state");
}

/* PUT /jobs/ingest/ID/batches: the CSV, while the job is Open; 201, no body. */
void
ingest_upload(const char *id, const char *data, size_t len, struct answer *a)
{
	struct ingest *j;

	if ((j = job_or_404(id, a)) == NULL)
		return;
	if (j->h.state != JOB_OPEN) {
		answer_error(a, 400, "INVALIDJOBSTATE",
		    "Job's state must be Open to upload data, current state: %s",
		    jobs_shown_state(&j->h, stamp_now(), 0));
		return;
	}
	jsonbuf_add(&j->data, data ? data : "", len);
	j->uploads++;
	j->h.modified = stamp_now();
	update_counts.uploads++;
	a->status = 201;
	a->type = "text/plain";
}

/* PATCH /jobs/ingest/ID {"state":"UploadComplete"|"Aborted"}. */
void
ingest_patch(const char *id, json_t *body, struct answer *a)
{
	const char *state = jobs_member(body, "state");
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
		if (jobs_check_abort(&j->h, a) != 0)
			return;
		if (j->h.started == 0)
			j->h.started = now;
		j->h.ends = JOB_ABORTED;
		free(j->h.error_message);
		j->h.error_message = NULL;
		j->after = 0;
		finish(j, now);
	} else {
		if (j->h.state != JOB_OPEN) {
			answer_error(a, 400, "INVALIDJOBSTATE", "Job is already %s",
			    jobs_shown_state(&j->h, now, 0));
			return;
		}
		if (j->uploads > 1) {
			snprintf(id15, sizeof id15, "%.15s", j->h.id);
			answer_error(a, 400, "INVALIDJOB",
			    "Found multipe contents for job: <%s>, please 'Close' / 'Abort' / "
			    "'Delete' the current Job then create a new Job and make sure you only "
			    "do 'PUT' once on a given Job.",
			    id15);
			return;
		}
		j->h.state = JOB_PENDING;
		j->h.started = j->h.modified = now;
		j->h.due = now + config.job_ms;
	}
	a->status = 200;
	a->json = jobs_info_json(&j->h, state, now, NULL);
}

/* DELETE /jobs/ingest/ID: 204 for a job that has ended. */
void
ingest_delete(const char *id, struct answer *a)
{
	jobs_table_delete(&table, id, job_free, a);
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
	if (!jobs_ended(&j->h)) {
		answer_error(a, 412, "JOB_NOT_COMPLETE",
		    "can only download the results of a bulk job that has ended. Current status: "
		    "%s",
		    jobs_shown_state(&j->h, stamp_now(), 1));
		return;
	}
	rows = which == INGEST_SUCCESSFUL ? &j->ok
	       : which == INGEST_FAILED   ? &j->failed
	                                  : &j->unprocessed;
	a->status = 200;
	if (lead[which][0] != NULL) {
		jobs_csv_value(&j->h, &a->text, 1, lead[which][0]);
		jobs_csv_value(&j->h, &a->text, 0, lead[which][1]);
		if (j->header.len > 0) {
			d = jobs_delimiter(&j->h);
			jsonbuf_add(&a->text, &d, 1);
		}
	}
	jsonbuf_add(&a->text, j->header.data ? j->header.data : "", j->header.len);
	jobs_csv_end(&j->h, &a->text);
	jsonbuf_add(&a->text, rows->data ? rows->data : "", rows->len);
}
