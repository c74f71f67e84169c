/* salesforce-sim.c: a local Salesforce REST API (OAuth, describe, Bulk API 2.0 query and
 * ingest, sObject Collections update) for tests. */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>
#include <microhttpd.h>

#include "ealloc.h"
#include "jsonbuf.h"
#include "msg.h"
#include "numarg.h"
#include "rest.h"
#include "sfid.h"
#include "sim.h"

/* Every call's body but an ingest job's upload: 16 MB. */
#define MAX_BODY (16 * 1024 * 1024)
/*
 * An ingest job's upload (PUT .../jobs/ingest/ID/batches): "A request can
 * provide CSV data that does not in total exceed 150 MB of base64 encoded
 * content" ("Upload Job Data",
 * https://developer.salesforce.com/docs/atlas.en-us.api_asynch.meta/api_asynch/upload_job_data.htm):
 * at most 150 MB once base64 (4 bytes for each 3, or part of 3), so
 * 117,964,800 bytes of CSV. The page documents no error code for more; the
 * simulator answers as for any body too large, 413 REQUEST_TOO_LARGE.
 */
#define MAX_UPLOAD_BASE64 ((size_t)150 * 1024 * 1024)
#define MAX_FAULTS        64
#define API_PREFIX        "/services/data/v"

/*
 * The first five replace the call's answer; the last two change the answer
 * of a call they suit (a results page, a query job's information) and leave
 * any other alone: a proxy that drops a header, a server that miscounts.
 */
enum fault_kind {
	F500,
	F503,
	FDROP,
	FSLOW,
	F401,
	FNOLOCATOR,
	FMISCOUNT,
	FBADSTAMP,
	FAULT_KINDS
};
static const char *const fault_names[FAULT_KINDS] = {
    "500", "503", "drop", "slow", "401", "nolocator", "miscount", "badstamp"};

struct fault {
	enum fault_kind kind;
	long at;     /* a call number, or 0 */
	double rate; /* a share of calls, when at is 0 */
};

static struct {
	const char *bind;
	unsigned port;
	const char *port_file;
	const char *org;
	long api_limit;
	int api_values;
	long job_ms;
	long latency_ms;
	long max_records;
	long slow_ms;
	const char *ns;
	unsigned seed;
	struct fault faults[MAX_FAULTS];
	int nfaults;
	struct auth_config auth;
} opt = {"127.0.0.1", 0, NULL, NULL, 15000, 0, 200, 0, 50000, 65000, "", 1, {{0, 0, 0}}, 0,
    {"sf-sim-client", "sf-sim-secret", NULL, "integration@example.com", 7200, NULL, NULL}};

pthread_mutex_t sim_lock = PTHREAD_MUTEX_INITIALIZER;

/* Counted under sim_lock. */
static struct {
	long calls;        /* API calls received: their numbers */
	long used;         /* the API usage counter */
	long faults;       /* faults injected */
	long unauthorized; /* 401 answers */
	unsigned long rng;
} st;

static char own_base[64]; /* http://BIND:PORT */
static char org_id[SFID_LEN + 1], user_id[SFID_LEN + 1];
static atomic_int stopping;

/* Per connection: the body as it arrives. */
struct request {
	struct jsonbuf body;
	size_t got; /* the body's bytes, those kept or not */
	int too_large;
};

/* Whether a body of len bytes is more than url's call takes (method: PUT for an upload). */
static int
body_too_large(const char *url, const char *method, size_t len)
{
	const char *b = strstr(url, "/jobs/ingest/");

	if (b != NULL && strcmp(method, "PUT") == 0 && strchr(b + 13, '/') != NULL &&
	    strcmp(strchr(b + 13, '/'), "/batches") == 0)
		return (len + 2) / 3 * 4 > MAX_UPLOAD_BASE64;
	return len > MAX_BODY;
}

void
answer_error(struct answer *a, unsigned status, const char *code, const char *fmt, ...)
{
	char message[600];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(message, sizeof message, fmt, ap);
	va_end(ap);
	a->status = status;
	json_decref(a->json);
	a->json = json_pack("[{s:s, s:s}]", "message", message, "errorCode", code);
}

static unsigned long
next_random(void)
{
	st.rng ^= st.rng << 13;
	st.rng ^= st.rng >> 7;
	st.rng ^= st.rng << 17;
	return st.rng;
}

/* Waits ms, or less when the simulator is stopping. */
static void
nap(long ms)
{
	while (ms > 0 && !atomic_load(&stopping)) {
		long step = ms > 20 ? 20 : ms;

		usleep((useconds_t)step * 1000);
		ms -= step;
	}
}

/* Sends an answer; api: with the usage header. Frees what the answer holds. */
static enum MHD_Result
send_answer(struct MHD_Connection *c, struct answer *a, int api, long used)
{
	struct MHD_Response *r;
	const char *type = "application/json;charset=UTF-8";
	enum MHD_Result ret;
	char header[64], *text;
	size_t len;

	if (a->json != NULL) {
		text = json_dumps(a->json, JSON_COMPACT | JSON_ENCODE_ANY);
		len = strlen(text);
		json_decref(a->json);
		a->json = NULL;
		jsonbuf_free(&a->text);
	} else {
		text = a->text.data;
		len = a->text.len;
		a->text.data = NULL;
		type = a->type ? a->type : "text/csv";
	}
	if (text == NULL)
		r = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
	else
		r = MHD_create_response_from_buffer(len, text, MHD_RESPMEM_MUST_FREE);
	if (a->status != 204)
		MHD_add_response_header(r, "Content-Type", type);
	if (api) {
		snprintf(header, sizeof header, "api-usage=%ld/%ld", used, opt.api_limit);
		MHD_add_response_header(r, "Sforce-Limit-Info", header);
	}
	if (a->paged) {
		if (!a->no_locator)
			MHD_add_response_header(r, "Sforce-Locator", a->locator);
		snprintf(header, sizeof header, "%zu", a->nrecords);
		MHD_add_response_header(r, "Sforce-NumberOfRecords", header);
	}
	ret = MHD_queue_response(c, a->status, r);
	MHD_destroy_response(r);
	return ret;
}

static const char *
arg(struct MHD_Connection *c, const char *name)
{
	return MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, name);
}

/* The fault planned for this call, or -1; under sim_lock. Counted as injected, but for the
 * kinds that change an answer only when it suits them: see faulted. */
static int
fault_for(long call)
{
	int i, kind = -1;

	for (i = 0; i < opt.nfaults && kind < 0; i++) {
		if (opt.faults[i].at == call)
			kind = (int)opt.faults[i].kind;
		else if (opt.faults[i].at == 0 &&
		         (double)(next_random() % 1000000) / 1e6 < opt.faults[i].rate)
			kind = (int)opt.faults[i].kind;
	}
	if (kind >= 0 && kind != FNOLOCATOR && kind != FMISCOUNT && kind != FBADSTAMP)
		st.faults++;
	return kind;
}

/*
 * badstamp: the first record of a results page gets a SystemModstamp that is no
 * datetime ("yesterday"), as a broken server or proxy might write it. The page is CSV
 * as jobs.c writes it: a field is quoted when it must be, a quote doubled inside.
 */
static void
bad_stamp(struct answer *a)
{
	struct jsonbuf *t = &a->text;
	size_t i, col = 0, want = (size_t)-1, start = 0, row = 0;
	int quoted = 0;
	const char *name = "SystemModstamp";

	for (i = 0; i <= t->len; i++) {
		char ch = i < t->len ? t->data[i] : '\n';

		if (quoted) {
			if (ch == '"')
				quoted = 0;
			continue;
		}
		if (ch == '"') {
			quoted = 1;
			continue;
		}
		if (ch != ',' && ch != '\n')
			continue;
		/* a field ends: [start, i), quoted or not */
		if (row == 0) {
			size_t b = start, e = i;

			if (e - b >= 2 && t->data[b] == '"' && t->data[e - 1] == '"')
				b++, e--;
			if (e - b == strlen(name) && memcmp(t->data + b, name, e - b) == 0)
				want = col;
		}
		if (row == 1 && col == want && i <= t->len) {
			struct jsonbuf out = {0};

			jsonbuf_add(&out, t->data, start);
			jsonbuf_addstr(&out, "\"yesterday\"");
			jsonbuf_add(&out, t->data + i, t->len - i);
			jsonbuf_free(t);
			*t = out;
			st.faults++;
			return;
		}
		col++;
		start = i + 1;
		if (ch == '\n') {
			if (++row > 1)
				return;
			col = 0;
		}
	}
}

/*
 * The faults that change an answer, under sim_lock: nolocator takes the Sforce-Locator
 * header off a results page; miscount makes a complete query job's numberRecordsProcessed
 * one more than the rows its pages hold; badstamp spoils a SystemModstamp of a page.
 * Counted when they do.
 */
static void
faulted(int fault, struct answer *a)
{
	json_t *n;
	const char *type, *state;

	if (fault == FNOLOCATOR && a->paged) {
		a->no_locator = 1;
		st.faults++;
	}
	if (fault == FBADSTAMP && a->paged && a->json == NULL)
		bad_stamp(a);
	if (fault != FMISCOUNT || !json_is_object(a->json))
		return;
	type = json_string_value(json_object_get(a->json, "jobType"));
	state = json_string_value(json_object_get(a->json, "state"));
	n = json_object_get(a->json, "numberRecordsProcessed");
	if (type != NULL && strcmp(type, "V2Query") == 0 && state != NULL &&
	    strcmp(state, "JobComplete") == 0 && json_is_integer(n)) {
		json_integer_set(n, json_integer_value(n) + 1);
		st.faults++;
	}
}

/* The simulator as this client reached it: http:// and the Host header. */
static void
client_base(struct MHD_Connection *c, char *out, size_t size)
{
	const char *host = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Host");

	if (host != NULL && *host != '\0' && strlen(host) < 200)
		snprintf(out, size, "http://%s", host);
	else
		snprintf(out, size, "%s", own_base);
}

/* A body of JSON: a new reference, or NULL. */
static json_t *
json_body(struct request *rq)
{
	return json_loadb(rq->body.data ? rq->body.data : "", rq->body.len, 0, NULL);
}

/* The calls that both kinds of Bulk API 2.0 jobs take: POST (create) and GET (list) at
 * /jobs/KIND, GET, DELETE and PATCH at /jobs/KIND/ID. */
static const struct {
	const char *path; /* /jobs/KIND */
	int slash;        /* /jobs/KIND/ID/ taken as /jobs/KIND/ID (ingest jobs) */
	void (*create)(json_t *body, const char *version, struct answer *a);
	void (*list)(struct answer *a);
	void (*info)(const char *id, struct answer *a);
	void (*delete)(const char *id, struct answer *a);
	void (*patch)(const char *id, json_t *body, struct answer *a);
} job_kinds[] = {
    {"/jobs/query", 0, jobs_create, jobs_list, jobs_info, jobs_delete, jobs_abort},
    {"/jobs/ingest", 1, ingest_create, ingest_list, ingest_info, ingest_delete, ingest_patch},
};

/* A call to /jobs/KIND or /jobs/KIND/ID (rest: the path after the version): 1 answered, 0
 * not one of them, -1 one whose method is not allowed. */
static int
job_route(struct request *rq, const char *version, const char *rest, const char *method,
    struct answer *a)
{
	const char *tail;
	char id[32];
	json_t *body;
	size_t k;
	int n = 0;

	for (k = 0; k < sizeof job_kinds / sizeof job_kinds[0]; k++)
		if (strncmp(rest, job_kinds[k].path, strlen(job_kinds[k].path)) == 0)
			break;
	if (k == sizeof job_kinds / sizeof job_kinds[0])
		return 0;
	tail = rest + strlen(job_kinds[k].path);
	if (strcmp(tail, "") == 0 || strcmp(tail, "/") == 0) {
		if (strcmp(method, "POST") == 0) {
			body = json_body(rq);
			job_kinds[k].create(body, version, a);
			json_decref(body);
		} else if (strcmp(method, "GET") == 0)
			job_kinds[k].list(a);
		else
			return -1;
		return 1;
	}
	if (sscanf(tail, "/%31[^/]%n", id, &n) != 1 ||
	    (tail[n] != '\0' && !(job_kinds[k].slash && strcmp(tail + n, "/") == 0)))
		return 0;
	if (strcmp(method, "GET") == 0)
		job_kinds[k].info(id, a);
	else if (strcmp(method, "DELETE") == 0)
		job_kinds[k].delete(id, a);
	else if (strcmp(method, "PATCH") == 0) {
		body = json_body(rq);
		job_kinds[k].patch(id, body, a);
		json_decref(body);
	} else
		return -1;
	return 1;
}

/* The answer to an API call that passed the token and the limit: rest is the path after
 * the version. */
static void
route(struct MHD_Connection *c, struct request *rq, const char *version, const char *rest,
    const char *method, struct answer *a)
{
	static const char *const resources[] = {
	    "sobjects", "query", "queryAll", "composite", "jobs", "limits", NULL};
	const char *get = "GET";
	char name[64], id[32];
	struct sobject *o;
	int n = 0;

	if (strcmp(rest, "") == 0 || strcmp(rest, "/") == 0) {
		if (strcmp(method, get) != 0)
			goto not_allowed;
		/* the resources simulated, named in the version asked, as Salesforce names
		 * them in the version asked */
		a->status = 200;
		a->json = json_object();
		for (n = 0; resources[n] != NULL; n++) {
			snprintf(
			    name, sizeof name, "/services/data/v%s/%s", version, resources[n]);
			json_object_set_new(a->json, resources[n], json_string(name));
		}
		return;
	}
	if (strcmp(rest, "/limits") == 0 || strcmp(rest, "/limits/") == 0) {
		if (strcmp(method, get) != 0)
			goto not_allowed;
		a->status = 200;
		a->json = json_pack("{s:{s:I, s:I}}", "DailyApiRequests", "Max",
		    (json_int_t)opt.api_limit, "Remaining",
		    (json_int_t)(opt.api_limit > st.used ? opt.api_limit - st.used : 0));
		return;
	}
	if (strcmp(rest, "/sobjects") == 0 || strcmp(rest, "/sobjects/") == 0) {
		if (strcmp(method, get) != 0)
			goto not_allowed;
		store_describe_global(version, a);
		return;
	}
	if (sscanf(rest, "/sobjects/%63[^/]%n", name, &n) == 1 &&
	    (rest[n] == '\0' || strcmp(rest + n, "/") == 0)) {
		if (strcmp(method, get) != 0)
			goto not_allowed; /* creating records is not simulated */
		if ((o = store_object(name)) == NULL)
			goto not_found;
		store_basic_info(o, version, a);
		return;
	}
	n = 0;
	if (strcmp(rest, "/query") == 0 || strcmp(rest, "/query/") == 0 ||
	    strcmp(rest, "/queryAll") == 0 || strcmp(rest, "/queryAll/") == 0) {
		if (strcmp(method, get) != 0)
			goto not_allowed;
		query_run(version, arg(c, "q"), rest[6] == 'A',
		    MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Sforce-Query-Options"), a);
		return;
	}
	if ((sscanf(rest, "/query/%63[^/]%n", name, &n) == 1 ||
	        sscanf(rest, "/queryAll/%63[^/]%n", name, &n) == 1) &&
	    rest[n] == '\0') {
		if (strcmp(method, get) != 0)
			goto not_allowed;
		query_more(version, name, a);
		return;
	}
	n = 0;
	if (sscanf(rest, "/sobjects/%63[^/]/describe%n", name, &n) == 1 &&
	    (rest[n] == '\0' || strcmp(rest + n, "/") == 0)) {
		if (strcmp(method, get) != 0)
			goto not_allowed;
		if ((o = store_object(name)) == NULL)
			goto not_found;
		store_describe(o, a);
		return;
	}
	switch (job_route(rq, version, rest, method, a)) {
	case 1: return;
	case -1: goto not_allowed;
	default: break;
	}
	n = 0;
	if (sscanf(rest, "/jobs/query/%31[^/]/results%n", id, &n) == 1 && rest[n] == '\0') {
		if (strcmp(method, get) != 0)
			goto not_allowed;
		jobs_results(id, arg(c, "locator"), arg(c, "maxRecords"), a);
		return;
	}
	if (strcmp(rest, "/composite/sobjects") == 0 ||
	    strcmp(rest, "/composite/sobjects/") == 0) {
		if (strcmp(method, "PATCH") != 0)
			goto not_allowed;
		update_collections(rq->body.data, rq->body.len, a);
		return;
	}
	n = 0;
	if (sscanf(rest, "/jobs/ingest/%31[^/]/%63[^/]%n", id, name, &n) == 2 &&
	    (rest[n] == '\0' || strcmp(rest + n, "/") == 0)) {
		if (strcmp(name, "batches") == 0) {
			if (strcmp(method, "PUT") != 0)
				goto not_allowed;
			ingest_upload(id, rq->body.data, rq->body.len, a);
			return;
		}
		if (strcmp(name, "successfulResults") == 0 ||
		    strcmp(name, "failedResults") == 0 ||
		    strcmp(name, "unprocessedrecords") == 0) {
			if (strcmp(method, get) != 0)
				goto not_allowed;
			ingest_results(id,
			    name[0] == 's'   ? INGEST_SUCCESSFUL
			    : name[0] == 'f' ? INGEST_FAILED
			                     : INGEST_UNPROCESSED,
			    a);
			return;
		}
	}
not_found:
	answer_error(a, 404, "NOT_FOUND", "The requested resource does not exist");
	return;
not_allowed:
	answer_error(a, 405, "METHOD_NOT_ALLOWED", "HTTP Method '%s' not allowed", method);
}

/* /services/data/vNN.N/...: a token, the usage limit, faults, then the call. */
static enum MHD_Result
api(struct MHD_Connection *c, struct request *rq, const char *url, const char *method)
{
	struct answer a;
	const char *p = url + strlen(API_PREFIX), *rest;
	char version[16];
	long call, used;
	int fault, authorized;
	size_t n;

	memset(&a, 0, sizeof a);
	pthread_mutex_lock(&sim_lock);
	call = ++st.calls;
	fault = fault_for(call);
	pthread_mutex_unlock(&sim_lock);

	if (fault == FDROP)
		return MHD_NO; /* the connection closes without an answer */
	if (fault == FSLOW)
		nap(opt.slow_ms);
	if (opt.latency_ms > 0)
		nap(opt.latency_ms);

	pthread_mutex_lock(&sim_lock);
	authorized = fault != F401 && auth_check(MHD_lookup_connection_value(
	                                  c, MHD_HEADER_KIND, "Authorization")) == 0;
	n = strspn(p, "0123456789");
	rest = p + n;
	if (fault == F500) {
		answer_error(&a, 500, "UNKNOWN_EXCEPTION",
		    "An unexpected error occurred. Please include this ErrorId if you contact "
		    "support: %ld-%ld (sim)",
		    call, call * 7919 % 100000);
	} else if (fault == F503) {
		answer_error(&a, 503, "SERVER_UNAVAILABLE", "Server temporarily unavailable");
	} else if (!authorized) {
		st.unauthorized++;
		answer_error(&a, 401, "INVALID_SESSION_ID", "Session expired or invalid");
	} else if (st.used >= opt.api_limit) {
		answer_error(
		    &a, 403, "REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded.");
	} else {
		st.used++;
		if (n == 0 || n > 3 || *rest != '.' || strspn(rest + 1, "0123456789") == 0 ||
		    (rest[1 + strspn(rest + 1, "0123456789")] != '/' &&
		        rest[1 + strspn(rest + 1, "0123456789")] != '\0')) {
			answer_error(
			    &a, 404, "NOT_FOUND", "The requested resource does not exist");
		} else {
			rest += 1 + strspn(rest + 1, "0123456789");
			snprintf(version, sizeof version, "%.*s", (int)(rest - p), p);
			if (rq->too_large)
				answer_error(
				    &a, 413, "REQUEST_TOO_LARGE", "the body is too large");
			else
				route(c, rq, version, rest, method, &a);
			faulted(fault, &a);
		}
	}
	used = st.used;
	pthread_mutex_unlock(&sim_lock);
	return send_answer(c, &a, 1, used);
}

static int parse_fault(const char *spec);

static enum MHD_Result
admin_json(struct MHD_Connection *c, unsigned status, json_t *body)
{
	struct answer a;

	memset(&a, 0, sizeof a);
	a.status = status;
	a.json = body;
	return send_answer(c, &a, 0, 0);
}

static enum MHD_Result
admin(struct MHD_Connection *c, struct request *rq, const char *url, const char *method)
{
	struct answer a;
	json_t *body = NULL, *answer, *records;
	unsigned status = 200;
	size_t i;

	if (strcmp(method, "GET") == 0 && strcmp(url, "/_sim/stats") == 0) {
		pthread_mutex_lock(&sim_lock);
		jobs_settle(stamp_now());
		records = json_object();
		for (i = 0; i < OBJECTS; i++)
			json_object_set_new(records, store_object_at(i)->name,
			    json_integer((json_int_t)store_object_at(i)->nrecords));
		answer = json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:o}",
		    "calls", (json_int_t)st.calls, "api_usage", (json_int_t)st.used,
		    "api_limit", (json_int_t)opt.api_limit, "tokens", (json_int_t)auth_issued(),
		    "jobs", (json_int_t)jobs_created(), "pages", (json_int_t)jobs_pages(),
		    "rows", (json_int_t)jobs_rows(), "faults", (json_int_t)st.faults,
		    "unauthorized", (json_int_t)st.unauthorized, "records", records);
		json_object_set_new(answer, "updated", json_integer(update_counts.updated));
		json_object_set_new(
		    answer, "update_failures", json_integer(update_counts.failures));
		json_object_set_new(
		    answer, "collections", json_integer(update_counts.collections));
		json_object_set_new(answer, "ingest_jobs", json_integer(ingest_created()));
		json_object_set_new(
		    answer, "ingest_uploads", json_integer(update_counts.uploads));
		pthread_mutex_unlock(&sim_lock);
		return admin_json(c, 200, answer);
	}
	if (strcmp(method, "GET") == 0 && strcmp(url, "/_sim/dump") == 0) {
		memset(&a, 0, sizeof a);
		a.status = 200;
		a.type = "application/x-ndjson";
		pthread_mutex_lock(&sim_lock);
		jobs_settle(stamp_now());
		store_dump(&a.text);
		pthread_mutex_unlock(&sim_lock);
		return send_answer(c, &a, 0, 0);
	}
	if (strcmp(method, "POST") != 0)
		return admin_json(c, 404,
		    json_pack("{s:s}", "error", "no such admin call (GET stats, dump)"));
	if ((body = json_body(rq)) == NULL &&
	    (rq->body.len > 0 || (strcmp(url, "/_sim/expire-tokens") != 0 &&
	                             strcmp(url, "/_sim/finish-jobs") != 0)))
		return admin_json(c, 400, json_pack("{s:s}", "error", "the body is not JSON"));

	pthread_mutex_lock(&sim_lock);
	if (strcmp(url, "/_sim/touch") == 0 || strcmp(url, "/_sim/delete") == 0) {
		jobs_settle(stamp_now());
		answer = store_touch(body, strcmp(url, "/_sim/delete") == 0, &status);
	} else if (strcmp(url, "/_sim/insert") == 0) {
		jobs_settle(stamp_now());
		answer = store_insert(body, &status);
	} else if (strcmp(url, "/_sim/faults") == 0) {
		json_t *list = json_object_get(body, "faults"), *spec;
		int bad = !json_is_array(list);

		opt.nfaults = 0;
		json_array_foreach (list, i, spec) {
			bad |=
			    !json_is_string(spec) || parse_fault(json_string_value(spec)) != 0;
		}
		if (bad) {
			status = 400;
			answer = json_pack(
			    "{s:s}", "error", "expected {\"faults\":[\"KIND@N\", ...]}");
		} else
			answer = json_pack("{s:i}", "faults", opt.nfaults);
	} else if (strcmp(url, "/_sim/fail-job") == 0) {
		if (jobs_fail_next(body) != 0) {
			status = 400;
			answer = json_pack("{s:s}", "error",
			    "expected {\"state\":\"Failed\"|\"Aborted\",\"errorMessage\":\"...\"}");
		} else
			answer = json_pack("{s:O}", "next_job", json_object_get(body, "state"));
	} else if (strcmp(url, "/_sim/fail-records") == 0) {
		answer = update_fail_records(body, &status);
	} else if (strcmp(url, "/_sim/finish-jobs") == 0) {
		answer =
		    json_pack("{s:I}", "finished", (json_int_t)jobs_finish_all(stamp_now()));
	} else if (strcmp(url, "/_sim/expire-tokens") == 0) {
		answer = json_pack("{s:I}", "expired", (json_int_t)auth_expire_all());
	} else if (strcmp(url, "/_sim/limit") == 0) {
		json_t *used = json_object_get(body, "used"),
		       *max = json_object_get(body, "max");

		if ((used != NULL && !json_is_integer(used)) ||
		    (max != NULL && !json_is_integer(max))) {
			status = 400;
			answer = json_pack("{s:s}", "error", "expected {\"used\":N,\"max\":M}");
		} else {
			if (used != NULL)
				st.used = (long)json_integer_value(used);
			if (max != NULL)
				opt.api_limit = (long)json_integer_value(max);
			answer = json_pack("{s:I, s:I}", "used", (json_int_t)st.used, "max",
			    (json_int_t)opt.api_limit);
		}
	} else {
		status = 404;
		answer = json_pack("{s:s}", "error", "no such admin call");
	}
	pthread_mutex_unlock(&sim_lock);
	json_decref(body);
	return admin_json(c, status, answer);
}

static enum MHD_Result
token(struct MHD_Connection *c, struct request *rq, const char *method)
{
	struct answer a;
	char base[256];

	memset(&a, 0, sizeof a);
	if (strcmp(method, "POST") != 0) {
		a.status = 400;
		a.json = json_pack("{s:s, s:s}", "error", "invalid_request",
		    "error_description", "must use HTTP POST");
		return send_answer(c, &a, 0, 0);
	}
	client_base(c, base, sizeof base);
	pthread_mutex_lock(&sim_lock);
	auth_token(rq->body.data ? rq->body.data : "", rq->body.len, base,
	    MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization"), &a);
	pthread_mutex_unlock(&sim_lock);
	return send_answer(c, &a, 0, 0);
}

static enum MHD_Result
handle(void *cls, struct MHD_Connection *c, const char *url, const char *method,
    const char *version, const char *upload, size_t *upload_size, void **con_cls)
{
	struct request *rq = *con_cls;
	struct answer a;

	(void)cls;
	(void)version;
	if (rq == NULL) {
		*con_cls = rq = calloc(1, sizeof *rq);
		return rq ? MHD_YES : MHD_NO;
	}
	if (*upload_size > 0) {
		rq->got += *upload_size;
		if (body_too_large(url, method, rq->got)) {
			rq->too_large = 1;
			free(rq->body.data); /* not kept: refused whole */
			memset(&rq->body, 0, sizeof rq->body);
		} else
			jsonbuf_add(&rq->body, upload, *upload_size);
		*upload_size = 0;
		return MHD_YES;
	}
	if (strncmp(url, "/_sim/", 6) == 0)
		return admin(c, rq, url, method);
	if (strcmp(url, "/services/oauth2/token") == 0)
		return token(c, rq, method);
	if (strncmp(url, API_PREFIX, strlen(API_PREFIX)) == 0)
		return api(c, rq, url, method);
	memset(&a, 0, sizeof a);
	if (strcmp(url, "/services/data") == 0 || strcmp(url, "/services/data/") == 0) {
		a.status = 200;
		a.json = json_pack("[{s:s, s:s, s:s}]", "label", "Winter '25", "url",
		    "/services/data/v62.0", "version", "62.0");
	} else
		answer_error(&a, 404, "NOT_FOUND", "The requested resource does not exist");
	return send_answer(c, &a, 0, 0);
}

static void
completed(
    void *cls, struct MHD_Connection *c, void **con_cls, enum MHD_RequestTerminationCode toe)
{
	struct request *rq = *con_cls;

	(void)cls;
	(void)c;
	(void)toe;
	if (rq == NULL)
		return;
	jsonbuf_free(&rq->body);
	free(rq);
	*con_cls = NULL;
}

static void
usage(FILE *fp, int status)
{
	fputs(
	    "usage: salesforce-sim [-h] [--api-limit n] [--api-values] [--bind addr]\n"
	    "                      [--fault spec] [--job-ms ms] [--jwt-public-key file]\n"
	    "                      [--jwt-username name] [--latency-ms ms] [--max-records n]\n"
	    "                      [--namespace ns] [--org dir] [--port port]\n"
	    "                      [--port-file file] [--seed n] [--slow-ms ms]\n"
	    "                      [--token-ttl seconds]\n",
	    fp);
	exit(status);
}

static long
number(const char *s, const char *what)
{
	return numarg_or_usage(s, what, 0, usage);
}

/* Adds the fault KIND@N[,N...] (at those call numbers) or KIND%P (P percent of calls). */
static int
parse_fault(const char *spec)
{
	char kind[16], *rest, *end;
	int k;
	long at;

	snprintf(kind, sizeof kind, "%.*s", (int)strcspn(spec, "@%"), spec);
	for (k = 0; k < FAULT_KINDS && strcmp(kind, fault_names[k]) != 0; k++)
		;
	rest = (char *)spec + strlen(kind);
	if (k == FAULT_KINDS || (*rest != '@' && *rest != '%'))
		return -1;
	if (*rest == '%') {
		double rate = strtod(rest + 1, &end);

		if (end == rest + 1 || *end != '\0' || rate < 0 || rate > 100 ||
		    opt.nfaults == MAX_FAULTS)
			return -1;
		opt.faults[opt.nfaults].kind = (enum fault_kind)k;
		opt.faults[opt.nfaults].at = 0;
		opt.faults[opt.nfaults].rate = rate / 100;
		opt.nfaults++;
		return 0;
	}
	for (rest++;;) {
		at = strtol(rest, &end, 10);
		if (end == rest || at < 1 || (*end != ',' && *end != '\0') ||
		    opt.nfaults == MAX_FAULTS)
			return -1;
		opt.faults[opt.nfaults].kind = (enum fault_kind)k;
		opt.faults[opt.nfaults].at = at;
		opt.faults[opt.nfaults].rate = 0;
		opt.nfaults++;
		if (*end == '\0')
			return 0;
		rest = end + 1;
	}
}

/* An id of the simulated org: its 15 characters and their suffix. */
static void
make_id(const char *id15, char out[SFID_LEN + 1])
{
	memcpy(out, id15, 15);
	sfid_suffix(id15, out + 15);
	out[SFID_LEN] = '\0';
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
	    {"api-limit", required_argument, NULL, 'A'},
	    {"api-values", no_argument, NULL, 'v'},
	    {"bind", required_argument, NULL, 'b'},
	    {"fault", required_argument, NULL, 'f'},
	    {"help", no_argument, NULL, 'h'},
	    {"job-ms", required_argument, NULL, 'j'},
	    {"jwt-public-key", required_argument, NULL, 'k'},
	    {"jwt-username", required_argument, NULL, 'u'},
	    {"latency-ms", required_argument, NULL, 'l'},
	    {"max-records", required_argument, NULL, 'm'},
	    {"namespace", required_argument, NULL, 'N'},
	    {"org", required_argument, NULL, 'O'},
	    {"port", required_argument, NULL, 'p'},
	    {"port-file", required_argument, NULL, 'o'},
	    {"seed", required_argument, NULL, 'r'},
	    {"slow-ms", required_argument, NULL, 's'},
	    {"token-ttl", required_argument, NULL, 't'},
	    {NULL, 0, NULL, 0},
	};
	struct jobs_config jobs = {0, 0, 0, NULL};
	struct sockaddr_in addr;
	const union MHD_DaemonInfo *info;
	struct MHD_Daemon *d;
	struct stat sb;
	sigset_t sigs;
	FILE *fp;
	int ch, sig;

	msg_init(argv[0]);
	msg_prog = "salesforce-sim";
	if (getenv("SALESFORCE_SIM_CLIENT_ID"))
		opt.auth.client_id = getenv("SALESFORCE_SIM_CLIENT_ID");
	if (getenv("SALESFORCE_SIM_CLIENT_SECRET"))
		opt.auth.client_secret = getenv("SALESFORCE_SIM_CLIENT_SECRET");
	while ((ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'A': opt.api_limit = number(optarg, "--api-limit"); break;
		case 'b': opt.bind = optarg; break;
		case 'f':
			if (parse_fault(optarg) != 0) {
				msg_warn(
				    "bad --fault \"%s\": KIND@N[,N...] or KIND%%P, KIND one of "
				    "500 503 drop slow 401 nolocator miscount badstamp",
				    optarg);
				usage(stderr, 2);
			}
			break;
		case 'h': usage(stdout, 0); break;
		case 'j': opt.job_ms = number(optarg, "--job-ms"); break;
		case 'k': opt.auth.jwt_key_file = optarg; break;
		case 'l': opt.latency_ms = number(optarg, "--latency-ms"); break;
		case 'm':
			opt.max_records = numarg_or_usage(optarg, "--max-records", 1, usage);
			break;
		case 'N':
			if (strspn(optarg,
			        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			        "0123456789_") != strlen(optarg) ||
			    strlen(optarg) > 40) {
				msg_warn("bad --namespace \"%s\": letters, digits and _ (as "
				         "mkto_si__)",
				    optarg);
				usage(stderr, 2);
			}
			opt.ns = optarg;
			break;
		case 'o': opt.port_file = optarg; break;
		case 'O': opt.org = optarg; break;
		case 'p': opt.port = (unsigned)number(optarg, "--port"); break;
		case 'r': opt.seed = (unsigned)number(optarg, "--seed"); break;
		case 's': opt.slow_ms = number(optarg, "--slow-ms"); break;
		case 't':
			opt.auth.token_ttl = numarg_or_usage(optarg, "--token-ttl", 1, usage);
			break;
		case 'u': opt.auth.jwt_username = optarg; break;
		case 'v': opt.api_values = 1; break;
		default: usage(stderr, 2);
		}
	}
	if (optind != argc || opt.port > 65535)
		usage(stderr, 2);
	memset(&addr, 0, sizeof addr);
	addr.sin_family = AF_INET;
	addr.sin_port = htons((uint16_t)opt.port);
	if (inet_pton(AF_INET, opt.bind, &addr.sin_addr) != 1) {
		msg_warn("bad --bind address \"%s\"", opt.bind);
		return 2;
	}
	if (opt.org != NULL) {
		if (stat(opt.org, &sb) == 0 && !S_ISDIR(sb.st_mode))
			errno = ENOTDIR;
		else if (stat(opt.org, &sb) == 0)
			errno = 0;
		if (errno != 0) {
			msg_syswarn("--org %s", opt.org);
			return 2;
		}
	}

	make_id("00DSIM000000001", org_id);
	make_id("005SIM000000001", user_id);
	opt.auth.org_id = org_id;
	opt.auth.user_id = user_id;
	if (auth_init(&opt.auth) != 0)
		return 2;
	st.rng = 88172645463325252UL ^ opt.seed;
	store_init(opt.ns);
	if (store_restrict(
	        getenv("SALESFORCE_SIM_READONLY"), getenv("SALESFORCE_SIM_HIDDEN")) != 0)
		return 2;
	if (opt.org != NULL && store_load(opt.org) != 0)
		return 1;
	jobs.job_ms = opt.job_ms;
	jobs.max_records = opt.max_records;
	jobs.api_values = opt.api_values;
	jobs.user_id = user_id;
	jobs_init(&jobs);

	/* SIGTERM and SIGINT are waited for below, not delivered to threads. */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);

	d = MHD_start_daemon(
	    MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG,
	    (uint16_t)opt.port, NULL, NULL, handle, NULL, MHD_OPTION_SOCK_ADDR,
	    (struct sockaddr *)&addr, MHD_OPTION_NOTIFY_COMPLETED, completed, NULL,
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(64 * 1024),
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)120, MHD_OPTION_END);
	if (d == NULL) {
		msg_syswarn("cannot listen on %s:%u", opt.bind, opt.port);
		return 1;
	}
	info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
	snprintf(own_base, sizeof own_base, "http://%s:%u", opt.bind, info->port);
	printf("salesforce-sim: listening on %s\n", own_base);
	fflush(stdout);
	if (opt.port_file != NULL) {
		if ((fp = fopen(opt.port_file, "w")) == NULL) {
			msg_syswarn("%s", opt.port_file);
			MHD_stop_daemon(d);
			return 1;
		}
		fprintf(fp, "%u\n", info->port);
		fclose(fp);
	}
	sigwait(&sigs, &sig);
	atomic_store(&stopping, 1);
	MHD_stop_daemon(d);
	jobs_free();
	query_free();
	update_free();
	store_free();
	auth_free();
	return 0;
}
