/* sim.h: what the parts of the Salesforce simulator share. */
#ifndef MSI_SFSIM_H
#define MSI_SFSIM_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "jsonbuf.h"

/*
 * One lock guards the store, the jobs, the tokens and the counters. The
 * functions of store.c, soql.c and jobs.c run with it held: their callers,
 * the HTTP handlers of salesforce-sim.c and auth.c, take it.
 */
extern pthread_mutex_t sim_lock;

/* An answer to an HTTP call, built without libmicrohttpd. */
struct answer {
	unsigned status;
	json_t *json;        /* the body, a new reference; or NULL for text */
	struct jsonbuf text; /* the body when json is NULL */
	const char *type;    /* Content-Type of text; NULL: text/csv */
	int paged;           /* a results page: the two headers below go out */
	char locator[32];    /* Sforce-Locator: the next page's, or "null" */
	int no_locator;      /* the nolocator fault: that header left out */
	size_t nrecords;     /* Sforce-NumberOfRecords */
};

void answer_error(struct answer *a, unsigned status, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* stamp.c: datetimes as milliseconds since 1970 (UTC). */
#define STAMP_SIZE 48
long long stamp_now(void);
int stamp_parse(const char *s, size_t len, int soql, long long *ms);
int date_parse(const char *s, size_t len);
void stamp_format(long long ms, char out[STAMP_SIZE]);
void stamp_format_job(long long ms, char out[STAMP_SIZE]);

/* base64.c */
size_t b64_encode(const unsigned char *in, size_t n, int url, int pad, char *out);
int b64_decode(const char *in, size_t n, unsigned char *out, size_t *outlen);

/* store.c: the org's records. */
enum ftype {
	T_ID,
	T_REFERENCE,
	T_STRING,
	T_BOOLEAN,
	T_DATETIME,
	T_DATE,
	T_DOUBLE,
	T_CURRENCY,
	T_INT,
	T_EMAIL,
	T_PHONE,
	T_PICKLIST,
	T_TEXTAREA,
	T_URL,
	T_PERCENT
};

struct field {
	char *name, *label;
	enum ftype type;
	int length;
	int nillable, updateable, custom;
};

#define NO_VALUE UINT32_MAX

/* A record: its values end to end in blob, each NUL-terminated; off[i] is field i's, or
 * NO_VALUE for null (fields past n, added after the record, are null too). */
struct record {
	char id[19];
	long long stamp; /* SystemModstamp */
	unsigned long seq;
	size_t n;
	uint32_t *off;
	char *blob;
};

struct sobject {
	const char *name, *prefix;
	struct field *fields;
	size_t nfields, fcap;
	struct record *records; /* in Id order */
	size_t nrecords, rcap;
	long deleted_field; /* IsDeleted, or -1 (User) */
	long stamp_field;   /* SystemModstamp */
	int hidden;         /* SALESFORCE_SIM_HIDDEN: the integration user cannot see it */
};

#define OBJECTS 6

void store_init(const char *ns);
int store_restrict(const char *readonly, const char *hidden);
const char *store_type_name(enum ftype t);
struct sobject *store_object_admin(const char *name);
struct record *store_find(struct sobject *o, const char *id18);
void store_update(
    struct sobject *o, struct record *r, size_t n, const size_t *fields, char *const *texts);
int store_load(const char *dir);
void store_free(void);
struct sobject *store_object(const char *name);
struct sobject *store_object_at(size_t i);
long store_field(const struct sobject *o, const char *name);
const char *store_value(
    const struct sobject *o, const struct record *r, size_t field, char buf[STAMP_SIZE]);
const char *store_render(const struct sobject *o, const struct record *r, size_t field, int api,
    char buf[STAMP_SIZE]);
int store_value_true(const char *v);
int store_is_deleted(const struct sobject *o, const struct record *r);
void store_describe(const struct sobject *o, struct answer *a);
json_t *store_touch(json_t *body, int delete, unsigned *status);
json_t *store_insert(json_t *body, unsigned *status);
void store_dump(struct jsonbuf *out);
long long store_last_stamp(void);

/* soql.c: the subset of SOQL that query jobs take. */
struct soql;
struct soql *soql_parse(const char *text, struct answer *a);
void soql_free(struct soql *q);
struct sobject *soql_object(const struct soql *q);
size_t soql_columns(const struct soql *q, const long **fields, const char *const **names);
typedef void (*soql_row_fn)(void *ctx, const struct sobject *o, const struct record *r);
size_t soql_run(const struct soql *q, int all, soql_row_fn fn, void *ctx);

/* jobs.c: Bulk API 2.0 query jobs, and what ingest jobs (ingest.c) share with them. */
struct jobs_config {
	long job_ms;
	long max_records;
	int api_values;
	const char *user_id;
};
void jobs_init(const struct jobs_config *cfg);
void jobs_free(void);
void jobs_settle(long long now);
long jobs_finish_all(long long now);
void jobs_create(json_t *body, const char *version, struct answer *a);
void jobs_list(struct answer *a);
void jobs_info(const char *id, struct answer *a);
void jobs_abort(const char *id, json_t *body, struct answer *a);
void jobs_delete(const char *id, struct answer *a);
void jobs_results(const char *id, const char *locator, const char *max, struct answer *a);
int jobs_fail_next(json_t *body);
long jobs_created(void);
long jobs_pages(void);
long jobs_rows(void);

/* A job's states, both kinds': only an ingest job is ever Open (awaiting its upload). */
enum job_state { JOB_OPEN, JOB_PENDING, JOB_COMPLETE, JOB_FAILED, JOB_ABORTED };

/*
 * What a query job and an ingest job both are. It is the first member of either kind's
 * struct, so that a pointer to the job is one to its head: a struct job_table holds either
 * kind, and the jobs_ functions below serve both.
 */
struct job_head {
	char id[19];
	const char *operation; /* query, queryAll, update: a string literal */
	char object[48];
	char version[16]; /* the API version the job was created with */
	long long created, started, due, modified; /* started: UploadComplete; due: it ends */
	enum job_state state, ends;
	char *error_message; /* owned, or NULL; shown when it ends Failed or Aborted */
	size_t delim;        /* columnDelimiter: jobs.c's table of them */
	int crlf;            /* lineEnding CRLF, not LF */
};

/* A kind's jobs, in the order they were created: each a struct whose head comes first. */
struct job_table {
	void **jobs;
	size_t n, cap;
};

/* What a job's full information says besides its head (jobs_info_json). */
struct job_counts {
	const char *job_type;   /* V2Query, V2Ingest */
	json_int_t processed;   /* numberRecordsProcessed */
	const char *count_name; /* then numberRecords (query) or numberRecordsFailed (ingest) */
	json_int_t count;
	int pk_chunking; /* isPkChunkingSupported, which query jobs give */
};

const char *jobs_member(json_t *body, const char *name);
int jobs_check_body(json_t *body, struct answer *a);
int jobs_format(json_t *body, size_t *delim, int *crlf, struct answer *a);
void jobs_head_init(struct job_head *h, const char *operation, const char *object,
    const char *version, size_t delim, int crlf, long long now, long *after);
int jobs_ended(const struct job_head *h);
const char *jobs_shown_state(const struct job_head *h, long long now, int upper);
json_t *jobs_info_json(
    const struct job_head *h, const char *state, long long now, const struct job_counts *c);
int jobs_check_abort(const struct job_head *h, struct answer *a);
char jobs_delimiter(const struct job_head *h);
void jobs_csv_value(const struct job_head *h, struct jsonbuf *b, int first, const char *v);
void jobs_csv_end(const struct job_head *h, struct jsonbuf *b);
typedef void (*job_free_fn)(void *job);
typedef void (*job_finish_fn)(void *job, long long when);
typedef json_t *(*job_info_fn)(const void *job, long long now);
void jobs_table_add(struct job_table *t, void *job);
void *jobs_table_find(const struct job_table *t, const char *id, struct answer *a);
long jobs_table_settle(struct job_table *t, long long now, int all, job_finish_fn finish);
void jobs_table_list(const struct job_table *t, job_info_fn info, struct answer *a);
void jobs_table_delete(
    struct job_table *t, const char *id, job_free_fn job_free, struct answer *a);
void jobs_table_free(struct job_table *t, job_free_fn job_free);

/* update.c: record updates through the API, by sObject Collections and ingest jobs. */
struct upd_error {
	char code[64];
	char message[600];
	json_t *fields; /* the fields the error names: an array, a new reference */
};

/* Counted under sim_lock, for /_sim/stats. */
struct update_counts {
	long updated;     /* records updated, by either path */
	long failures;    /* records not updated: failed, rolled back */
	long collections; /* sObject Collections calls */
	long uploads;     /* ingest data uploads accepted */
};
extern struct update_counts update_counts;

void upd_error_set(struct upd_error *e, const char *code, const char *field, const char *fmt,
    ...) __attribute__((format(printf, 4, 5)));
void upd_error_clear(struct upd_error *e);
struct record *update_target(struct sobject *o, const char *id, struct upd_error *e);
int update_settable(const struct sobject *o, long field, const char *name, struct upd_error *e);
int update_convert(const struct sobject *o, size_t field, const char *text, char **out);
int update_check(const struct sobject *o, size_t field, const char *text, struct upd_error *e);
int update_failing(const struct record *r, struct upd_error *e);
void update_collections(const char *body, size_t len, struct answer *a);
json_t *update_fail_records(json_t *body, unsigned *status);
void update_free(void);

/* ingest.c: Bulk API 2.0 ingest jobs (update). */
enum ingest_results { INGEST_SUCCESSFUL, INGEST_FAILED, INGEST_UNPROCESSED };
void ingest_init(const struct jobs_config *cfg);
void ingest_free(void);
long ingest_settle(long long now, int all);
void ingest_create(json_t *body, const char *version, struct answer *a);
void ingest_list(struct answer *a);
void ingest_info(const char *id, struct answer *a);
void ingest_patch(const char *id, json_t *body, struct answer *a);
void ingest_delete(const char *id, struct answer *a);
void ingest_upload(const char *id, const char *data, size_t len, struct answer *a);
void ingest_results(const char *id, enum ingest_results which, struct answer *a);
long ingest_created(void);

/* auth.c: tokens, the OAuth 2.0 token endpoint. */
struct auth_config {
	const char *client_id, *client_secret;
	const char *jwt_key_file; /* NULL: no JWT flow */
	const char *jwt_username;
	long token_ttl;
	const char *org_id, *user_id;
};
int auth_init(const struct auth_config *cfg);
void auth_free(void);
void auth_token(const char *form, size_t len, const char *base, const char *authorization,
    struct answer *a);
int auth_check(const char *authorization);
long auth_expire_all(void);
long auth_issued(void);

#endif
