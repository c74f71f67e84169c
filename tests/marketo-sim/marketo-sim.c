/* marketo-sim.c: a local Marketo REST API for tests and benchmarks (libmicrohttpd). */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <microhttpd.h>

#include "jsonbuf.h"
#include "numarg.h"
#include "../simlib/form.h"
#include "sim.h"

#define MAX_BODY   (1024 * 1024)
#define MAX_URL    8192
#define MAX_FAULTS 32

enum fault_kind {
	F601,
	F602,
	F604,
	F606,
	F608,
	F611,
	F615,
	F713,
	F1003,
	F502,
	F503,
	F504,
	FDROP,
	FSLOW,
	FBODY, /* bodyCODE: one of body_codes */
	FAULT_KINDS
};
static const char *const fault_names[FAULT_KINDS] = {"601", "602", "604", "606", "608", "611",
    "615", "713", "1003", "502", "503", "504", "drop", "slow", "body"};
static const char *const fault_messages[] = {"Access token invalid", "Access token expired",
    "Operation timed out", "Max rate limit exceeded", "API Temporarily Unavailable",
    "System error", "Max concurrent requests exceeded", "Transient error", "Invalid value"};

/*
 * The response-level codes of Adobe's page "Error Codes"
 * (https://experienceleague.adobe.com/en/docs/marketo-developer/marketo/rest/error-codes),
 * with its messages: the fault bodyCODE answers one of them as Marketo
 * does, HTTP 200 with success false and the code in errors (where the
 * fault 502 is a gateway's HTTP 502 and an HTML page).
 */
static const struct {
	const char *code, *message;
} body_codes[] = {
    {"500", "Internal Server error"},
    {"502", "Bad Gateway"},
    {"601", "Access token invalid"},
    {"602", "Access token expired"},
    {"603", "Access denied"},
    {"604", "Request time-out"},
    {"605", "HTTP Method not supported"},
    {"606", "Max rate limit '100' exceeded with in '20' secs"},
    {"607", "Daily quota reached"},
    {"608", "API Temporarily Unavailable"},
    {"609", "Invalid JSON"},
    {"610", "Requested resource not found"},
    {"611", "System error"},
    {"612", "Invalid Content Type"},
    {"613", "Invalid Multipart Request"},
    {"614", "Invalid Subscription"},
    {"615", "Concurrent access limit reached"},
    {"616", "Invalid subscription type"},
    {"701", "input cannot be blank"},
    {"702", "No data found for a given search scenario"},
    {"703", "The feature is not enabled for the subscription"},
    {"704", "Invalid date format"},
    {"709", "Business Rule Violation"},
    {"710", "Parent Folder Not Found"},
    {"711", "Incompatible Folder Type"},
    {"712", "Merge to person Account operation is invalid"},
    {"713", "Transient Error"},
    {"714", "Unable to find the default record type"},
    {"718", "ExternalSalesPersonID not found"},
    {"719", "Lock wait timeout exception"},
};
#define BODY_CODES (sizeof body_codes / sizeof body_codes[0])

struct fault {
	enum fault_kind kind;
	size_t body; /* FBODY's code: a position in body_codes */
	long at;     /* a call number, or 0 */
	double rate; /* a share of calls, when at is 0 */
};

static struct {
	unsigned port;
	const char *port_file;
	const char *bind;
	const char *client_id, *client_secret;
	long token_ttl;
	long window_calls;
	double window;
	long max_concurrent;
	long daily_quota;
	long latency_ms;
	long slow_ms;
	struct fault faults[MAX_FAULTS];
	int nfaults;
	unsigned seed;
	struct sim_config store;
} opt = {0, NULL, "127.0.0.1", "sim-client", "sim-secret", 3600, 100, 20, 10, 50000, 20, 65000,
    {{0, 0, 0, 0}}, 0, 1, {"relativeScore", 1, NULL}};

/* Everything counted, under one lock. */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct {
	long calls;    /* REST calls received */
	long accepted; /* calls that passed the limits: the quota's count */
	json_t *per_endpoint;
	long refused606, refused615, refused607;
	long in_flight, max_in_flight;
	long token_requests;
	long faults;
	double *window_times; /* ring of accepted calls' times */
	long window_head, window_len;
	char token[33];
	double token_expiry;
	json_t *old_tokens; /* token -> expiry */
	unsigned long rng;
} st;

static double
clock_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static unsigned long
next_random(void)
{
	st.rng ^= st.rng << 13;
	st.rng ^= st.rng >> 7;
	st.rng ^= st.rng << 17;
	return st.rng;
}

/* Per connection: the body as it arrives. */
struct request {
	struct jsonbuf body;
	int too_large;
	long call; /* its REST call number, once counted */
	int counted_in_flight;
};

static enum MHD_Result
send_text(struct MHD_Connection *c, unsigned status, const char *type, char *text, size_t len)
{
	struct MHD_Response *r =
	    MHD_create_response_from_buffer(len, text, MHD_RESPMEM_MUST_FREE);
	enum MHD_Result ret;

	MHD_add_response_header(r, "Content-Type", type);
	ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

/* An HTTP-level answer (413, 414, 502, 503): a short HTML page, as gateways send. */
static enum MHD_Result
send_html(struct MHD_Connection *c, unsigned status, const char *text)
{
	return send_text(c, status, "text/html", strdup(text), strlen(text));
}

static enum MHD_Result
send_json(struct MHD_Connection *c, unsigned status, json_t *body)
{
	char *text = json_dumps(body, JSON_COMPACT);

	json_decref(body);
	return send_text(c, status, "application/json;charset=UTF-8", text, strlen(text));
}

/* A REST answer as Marketo gives one: HTTP 200, success and errors in the body. */
static enum MHD_Result
send_answer(struct MHD_Connection *c, long call, struct sim_answer *a)
{
	char rid[40];
	json_t *body;

	snprintf(rid, sizeof rid, "%lx#sim%lx", call, call * 2654435761UL % 0xfffff);
	if (a->code != NULL) {
		body = json_pack("{s:s, s:b, s:[{s:s, s:s}], s:[]}", "requestId", rid,
		    "success", 0, "errors", "code", a->code, "message", a->message, "warnings");
		json_decref(a->result);
	} else {
		body = json_pack("{s:s, s:b, s:o, s:[]}", "requestId", rid, "success", 1,
		    "result", a->result ? a->result : json_array(), "warnings");
	}
	if (a->extra != NULL) {
		json_object_update(body, a->extra);
		json_decref(a->extra);
	}
	return send_json(c, MHD_HTTP_OK, body);
}

static enum MHD_Result
send_error(struct MHD_Connection *c, long call, const char *code, const char *message)
{
	struct sim_answer a;

	memset(&a, 0, sizeof a);
	a.code = code;
	snprintf(a.message, sizeof a.message, "%s", message);
	return send_answer(c, call, &a);
}

/* A body json_body refused: 612 for its content type, 609 for its JSON. */
static enum MHD_Result
send_body_error(struct MHD_Connection *c, long call, const char *code)
{
	return send_error(
	    c, call, code, strcmp(code, "612") == 0 ? "Invalid Content Type" : "Invalid JSON");
}

static const char *
arg(struct MHD_Connection *c, const char *name)
{
	return MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, name);
}

/* The query string's length, as the URL a client sent had it (roughly: decoded). */
static enum MHD_Result
add_arg_length(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
	(void)kind;
	*(size_t *)cls += strlen(key) + 2 + (value ? strlen(value) : 0);
	return MHD_YES;
}

/* Parameters of a form body (application/x-www-form-urlencoded), decoded. */
static json_t *
body_params(struct request *rq)
{
	return form_params(rq->body.data ? rq->body.data : "", rq->body.len);
}

/* A query's parameters (a new reference): those of the URL, then for POST ?_method=GET those
 * of the body not in the URL, a form or, with Content-Type application/json, a JSON object
 * (LookupCustomObjectRequest: filterType, fields as an array, input, batchSize,
 * nextPageToken). NULL: the JSON body does not parse or is not an object. */
static json_t *
query_params(struct MHD_Connection *c, struct request *rq, const char *method)
{
	static const char *const names[] = {
	    "filterType", "filterValues", "fields", "batchSize", "nextPageToken"};
	const char *type = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Type");
	json_t *params = json_object(), *body = NULL;
	size_t i;

	for (i = 0; i < sizeof names / sizeof names[0]; i++)
		if (arg(c, names[i]) != NULL)
			json_object_set_new(params, names[i], json_string(arg(c, names[i])));
	if (strcmp(method, "POST") != 0)
		return params;
	if (type != NULL && strncasecmp(type, "application/json", 16) == 0) {
		body = json_loadb(rq->body.data ? rq->body.data : "", rq->body.len, 0, NULL);
		if (!json_is_object(body)) {
			json_decref(body);
			json_decref(params);
			return NULL;
		}
	} else
		body = body_params(rq);
	json_object_update_missing(params, body);
	json_decref(body);
	return params;
}

static enum MHD_Result
identity(struct MHD_Connection *c, struct request *rq)
{
	const char *grant = arg(c, "grant_type"), *id = arg(c, "client_id"),
	           *secret = arg(c, "client_secret");
	json_t *form = body_params(rq), *answer;
	double now = clock_now();
	long remaining;
	FILE *fp;
	int i;

	if (grant == NULL)
		grant = json_string_value(json_object_get(form, "grant_type"));
	if (id == NULL)
		id = json_string_value(json_object_get(form, "client_id"));
	if (secret == NULL)
		secret = json_string_value(json_object_get(form, "client_secret"));
	pthread_mutex_lock(&lock);
	st.token_requests++;
	if (grant == NULL || strcmp(grant, "client_credentials") != 0 || id == NULL ||
	    secret == NULL || strcmp(id, opt.client_id) != 0 ||
	    strcmp(secret, opt.client_secret) != 0) {
		pthread_mutex_unlock(&lock);
		json_decref(form);
		return send_json(c, MHD_HTTP_UNAUTHORIZED,
		    json_pack("{s:s, s:s}", "error", "unauthorized", "error_description",
		        "Bad client credentials"));
	}
	json_decref(form);
	if (st.token[0] == '\0' || now >= st.token_expiry) {
		if (st.token[0] != '\0')
			json_object_set_new(
			    st.old_tokens, st.token, json_real(st.token_expiry));
		if ((fp = fopen("/dev/urandom", "r")) == NULL ||
		    fread(st.token, 1, 16, fp) != 16) {
			for (i = 0; i < 16; i++)
				st.token[i] = (char)next_random();
		}
		if (fp)
			fclose(fp);
		for (i = 15; i >= 0; i--) {
			unsigned char b = (unsigned char)st.token[i];

			st.token[2 * i] = "0123456789abcdef"[b >> 4];
			st.token[2 * i + 1] = "0123456789abcdef"[b & 15];
		}
		st.token[32] = '\0';
		st.token_expiry = now + (double)opt.token_ttl;
	}
	remaining = (long)floor(st.token_expiry - now);
	answer = json_pack("{s:s, s:s, s:i, s:s}", "access_token", st.token, "token_type",
	    "bearer", "expires_in", (int)(remaining < 0 ? 0 : remaining), "scope",
	    "api@sim.example.com");
	pthread_mutex_unlock(&lock);
	return send_json(c, MHD_HTTP_OK, answer);
}

/* 0 when the call's token is good, else the error code (600, 601, 602). */
static const char *
check_token(struct MHD_Connection *c)
{
	const char *h = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
	const char *code = NULL;
	json_t *old;

	if (h == NULL || strncasecmp(h, "Bearer ", 7) != 0 || h[7] == '\0')
		return "600";
	h += 7;
	pthread_mutex_lock(&lock);
	if (st.token[0] != '\0' && strcmp(h, st.token) == 0)
		code = clock_now() >= st.token_expiry ? "602" : NULL;
	else if ((old = json_object_get(st.old_tokens, h)) != NULL)
		code = "602";
	else
		code = "601";
	pthread_mutex_unlock(&lock);
	return code;
}

/* The fault planned for this call, or -1; for FBODY, *body is its place in body_codes. */
static int
fault_for(long call, size_t *body)
{
	int i, kind = -1;

	pthread_mutex_lock(&lock);
	for (i = 0; i < opt.nfaults && kind < 0; i++) {
		if (opt.faults[i].at == call ||
		    (opt.faults[i].at == 0 &&
		        (double)(next_random() % 1000000) / 1e6 < opt.faults[i].rate)) {
			kind = (int)opt.faults[i].kind;
			*body = opt.faults[i].body;
		}
	}
	if (kind >= 0)
		st.faults++;
	pthread_mutex_unlock(&lock);
	return kind;
}

/* The limits, in Marketo's order: quota, calls in the window, calls at once. NULL: go on. */
static const char *
check_limits(struct request *rq)
{
	double now = clock_now();
	const char *code = NULL;

	pthread_mutex_lock(&lock);
	while (st.window_len > 0 &&
	       now - st.window_times[(st.window_head - st.window_len + opt.window_calls) %
	                             opt.window_calls] >=
	           opt.window)
		st.window_len--;
	if (st.accepted >= opt.daily_quota) {
		code = "607";
		st.refused607++;
	} else if (st.window_len >= opt.window_calls) {
		code = "606";
		st.refused606++;
	} else if (st.in_flight >= opt.max_concurrent) {
		code = "615";
		st.refused615++;
	} else {
		st.accepted++;
		st.window_times[st.window_head] = now;
		st.window_head = (st.window_head + 1) % opt.window_calls;
		st.window_len++;
		st.in_flight++;
		rq->counted_in_flight = 1;
		if (st.in_flight > st.max_in_flight)
			st.max_in_flight = st.in_flight;
	}
	pthread_mutex_unlock(&lock);
	return code;
}

static void
count_endpoint(const char *name)
{
	json_t *n;

	pthread_mutex_lock(&lock);
	n = json_object_get(st.per_endpoint, name);
	json_object_set_new(
	    st.per_endpoint, name, json_integer(n ? json_integer_value(n) + 1 : 1));
	pthread_mutex_unlock(&lock);
}

static const struct {
	const char *path;
	enum sim_object object;
} sync_paths[] =
    {
        {"/rest/v1/salespersons.json", OBJ_SALESPERSON},
        {"/rest/v1/companies.json", OBJ_COMPANY},
        {"/rest/v1/leads.json", OBJ_LEAD},
        {"/rest/v1/opportunities.json", OBJ_OPPORTUNITY},
        {"/rest/v1/opportunities/roles.json", OBJ_ROLE},
},
  describe_paths[] =
      {
          {"/rest/v1/salespersons/describe.json", OBJ_SALESPERSON},
          {"/rest/v1/companies/describe.json", OBJ_COMPANY},
          {"/rest/v1/leads/describe2.json", OBJ_LEAD},
          {"/rest/v1/opportunities/describe.json", OBJ_OPPORTUNITY},
          {"/rest/v1/opportunities/roles/describe.json", OBJ_ROLE},
},
  delete_paths[] = {
      {"/rest/v1/salespersons/delete.json", OBJ_SALESPERSON},
      {"/rest/v1/companies/delete.json", OBJ_COMPANY},
      {"/rest/v1/leads/delete.json", OBJ_LEAD},
      {"/rest/v1/opportunities/delete.json", OBJ_OPPORTUNITY},
      {"/rest/v1/opportunities/roles/delete.json", OBJ_ROLE},
};
#define NPATHS(a) (sizeof a / sizeof a[0])

/* A POST body of Content-Type application/json, parsed into *body (a new reference). NULL, or
 * the error code: 612 another content type, 609 not JSON. */
static const char *
json_body(struct MHD_Connection *c, struct request *rq, json_t **body)
{
	const char *type = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Type");
	json_error_t jerr;

	*body = NULL;
	if (type == NULL || strncasecmp(type, "application/json", 16) != 0)
		return "612";
	*body = json_loadb(rq->body.data ? rq->body.data : "", rq->body.len, 0, &jerr);
	return *body == NULL ? "609" : NULL;
}

/* The lead ids of a delete's query, id=1,2,3 or id=1&id=2 (Adobe's OpenAPI file: "can be
 * specified if the request body is empty"), appended to an input array as {"id":N}. */
struct lead_ids {
	json_t *input; /* borrowed */
	int bad;       /* a value that is not a whole number */
};

static enum MHD_Result
add_lead_ids(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
	struct lead_ids *ids = cls;
	const char *p = value ? value : "";
	char *end;
	long long id;

	(void)kind;
	if (strcmp(key, "id") != 0)
		return MHD_YES;
	for (;;) {
		errno = 0;
		id = strtoll(p, &end, 10);
		if (end == p || errno != 0 || (*end != ',' && *end != '\0')) {
			ids->bad = 1;
			return MHD_NO;
		}
		json_array_append_new(ids->input, json_pack("{s:I}", "id", (json_int_t)id));
		if (*end == '\0')
			return MHD_YES;
		p = end + 1;
	}
}

static enum MHD_Result
rest(struct MHD_Connection *c, struct request *rq, const char *url, const char *method)
{
	const char *code;
	struct sim_answer a;
	size_t i, urllen = strlen(url);
	json_t *body, *params;
	size_t body_code = 0;
	int fault;
	long call;

	pthread_mutex_lock(&lock);
	call = rq->call = ++st.calls;
	pthread_mutex_unlock(&lock);
	count_endpoint(url);

	MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, add_arg_length, &urllen);
	if (urllen > MAX_URL)
		return send_html(
		    c, MHD_HTTP_URI_TOO_LONG, "<h1>414 Request-URI Too Large</h1>");
	if (rq->too_large)
		return send_html(
		    c, MHD_HTTP_CONTENT_TOO_LARGE, "<h1>413 Request Entity Too Large</h1>");

	fault = fault_for(call, &body_code);
	if (fault == FDROP)
		return MHD_NO; /* the connection closes without an answer */
	if (fault == F502)
		return send_html(c, MHD_HTTP_BAD_GATEWAY, "<h1>502 Bad Gateway</h1>");
	if (fault == F503)
		return send_html(
		    c, MHD_HTTP_SERVICE_UNAVAILABLE, "<h1>503 Service Unavailable</h1>");
	if (fault == F504)
		return send_html(c, MHD_HTTP_GATEWAY_TIMEOUT, "<h1>504 Gateway Time-out</h1>");
	if (fault == FSLOW)
		usleep((useconds_t)opt.slow_ms * 1000);
	if ((code = check_token(c)) != NULL)
		return send_error(c, call, code,
		    strcmp(code, "600") == 0   ? "Access token not specified"
		    : strcmp(code, "601") == 0 ? "Access token invalid"
		                               : "Access token expired");
	if (fault >= F601 && fault <= F1003)
		return send_error(c, call, fault_names[fault], fault_messages[fault]);
	if (fault == FBODY)
		return send_error(
		    c, call, body_codes[body_code].code, body_codes[body_code].message);
	if ((code = check_limits(rq)) != NULL) {
		char msg[120];

		if (strcmp(code, "607") == 0)
			snprintf(msg, sizeof msg, "Daily quota reached");
		else if (strcmp(code, "606") == 0)
			snprintf(msg, sizeof msg,
			    "Max rate limit '%ld' exceeded with in '%g' secs", opt.window_calls,
			    opt.window);
		else
			snprintf(msg, sizeof msg, "Max concurrent requests '%ld' exceeded",
			    opt.max_concurrent);
		return send_error(c, call, code, msg);
	}
	if (opt.latency_ms > 0)
		usleep((useconds_t)opt.latency_ms * 1000);

	if (strcmp(method, "GET") == 0 ||
	    (strcmp(method, "POST") == 0 && arg(c, "_method") != NULL &&
	        strcmp(arg(c, "_method"), "GET") == 0)) {
		for (i = 0; i < NPATHS(sync_paths); i++) {
			if (strcmp(url, sync_paths[i].path) != 0)
				continue;
			if ((params = query_params(c, rq, method)) == NULL)
				return send_error(c, call, "609", "Invalid JSON");
			store_query(sync_paths[i].object, params, &a);
			json_decref(params);
			return send_answer(c, call, &a);
		}
	}
	if (strcmp(method, "GET") == 0) {
		if (strcmp(url, "/rest/v1/leads/describe.json") == 0) {
			store_describe_lead_fields(&a);
			return send_answer(c, call, &a);
		}
		for (i = 0; i < NPATHS(describe_paths); i++) {
			if (strcmp(url, describe_paths[i].path) == 0) {
				store_describe(describe_paths[i].object, &a);
				return send_answer(c, call, &a);
			}
		}
	}
	if (strcmp(method, "POST") == 0) {
		for (i = 0; i < NPATHS(sync_paths); i++) {
			if (strcmp(url, sync_paths[i].path) != 0)
				continue;
			if ((code = json_body(c, rq, &body)) != NULL)
				return send_body_error(c, call, code);
			store_sync(sync_paths[i].object, body, &a);
			json_decref(body);
			return send_answer(c, call, &a);
		}
		for (i = 0; i < NPATHS(delete_paths); i++) {
			if (strcmp(url, delete_paths[i].path) != 0)
				continue;
			if (delete_paths[i].object == OBJ_LEAD && rq->body.len == 0 &&
			    arg(c, "id") != NULL) {
				struct lead_ids ids = {json_array(), 0};

				MHD_get_connection_values(
				    c, MHD_GET_ARGUMENT_KIND, add_lead_ids, &ids);
				body = json_pack("{s:o}", "input", ids.input);
				if (ids.bad) {
					json_decref(body);
					return send_error(
					    c, call, "1003", "Invalid value for id");
				}
			} else if ((code = json_body(c, rq, &body)) != NULL)
				return send_body_error(c, call, code);
			store_delete(delete_paths[i].object, body, &a);
			json_decref(body);
			return send_answer(c, call, &a);
		}
	}
	return send_error(c, call, "610", "Requested resource not found");
}

static int parse_fault(const char *spec);

static enum MHD_Result
admin(struct MHD_Connection *c, struct request *rq, const char *url, const char *method)
{
	json_t *body, *stats;
	char why[200], *text;
	size_t len;

	if (strcmp(url, "/_sim/stats") == 0 && strcmp(method, "GET") == 0) {
		pthread_mutex_lock(&lock);
		stats = json_pack("{s:I, s:I, s:O, s:{s:I, s:I, s:I}, s:I, s:I, s:I}", "calls",
		    (json_int_t)st.calls, "accepted", (json_int_t)st.accepted, "per_endpoint",
		    st.per_endpoint, "refused", "606", (json_int_t)st.refused606, "615",
		    (json_int_t)st.refused615, "607", (json_int_t)st.refused607,
		    "max_concurrency", (json_int_t)st.max_in_flight, "token_requests",
		    (json_int_t)st.token_requests, "faults_injected", (json_int_t)st.faults);
		pthread_mutex_unlock(&lock);
		json_object_set_new(stats, "records", store_counts());
		json_object_set_new(stats, "deleted", store_deleted());
		return send_json(c, MHD_HTTP_OK, stats);
	}
	if (strcmp(url, "/_sim/dump") == 0 && strcmp(method, "GET") == 0) {
		text = store_dump(&len);
		return send_text(c, MHD_HTTP_OK, "application/x-ndjson", text, len);
	}
	if (strcmp(url, "/_sim/reset") == 0 && strcmp(method, "POST") == 0) {
		store_reset();
		pthread_mutex_lock(&lock);
		st.calls = st.accepted = st.refused606 = st.refused615 = st.refused607 = 0;
		st.max_in_flight = st.token_requests = st.faults = 0;
		st.window_len = 0;
		json_object_clear(st.per_endpoint);
		pthread_mutex_unlock(&lock);
		return send_json(c, MHD_HTTP_OK, json_pack("{s:b}", "reset", 1));
	}
	if (strcmp(url, "/_sim/new-day") == 0 && strcmp(method, "POST") == 0) {
		/* the quota's midnight reset; {"daily_quota":N} sets the new day's quota */
		body = json_loadb(rq->body.data ? rq->body.data : "", rq->body.len, 0, NULL);
		pthread_mutex_lock(&lock);
		st.accepted = 0;
		if (json_is_integer(json_object_get(body, "daily_quota")))
			opt.daily_quota =
			    (long)json_integer_value(json_object_get(body, "daily_quota"));
		pthread_mutex_unlock(&lock);
		json_decref(body);
		return send_json(c, MHD_HTTP_OK, json_pack("{s:b}", "new_day", 1));
	}
	if (strcmp(url, "/_sim/faults") == 0 && strcmp(method, "POST") == 0) {
		/* {"faults":["604@3","606%10"]} replaces the planned faults; [] ends them */
		json_t *list, *spec;
		size_t i;
		int bad = 0;

		body = json_loadb(rq->body.data ? rq->body.data : "", rq->body.len, 0, NULL);
		list = json_object_get(body, "faults");
		pthread_mutex_lock(&lock);
		opt.nfaults = 0;
		json_array_foreach (list, i, spec)
			bad |=
			    !json_is_string(spec) || parse_fault(json_string_value(spec)) != 0;
		pthread_mutex_unlock(&lock);
		bad |= !json_is_array(list);
		json_decref(body);
		if (bad)
			return send_json(c, MHD_HTTP_BAD_REQUEST,
			    json_pack(
			        "{s:s}", "error", "expected {\"faults\":[\"KIND@N\", ...]}"));
		return send_json(c, MHD_HTTP_OK, json_pack("{s:i}", "faults", opt.nfaults));
	}
	if (strcmp(url, "/_sim/msi") == 0 && strcmp(method, "POST") == 0) {
		body = json_loadb(rq->body.data ? rq->body.data : "", rq->body.len, 0, NULL);
		if (body == NULL || store_set_msi(body, why, sizeof why) != 0) {
			json_decref(body);
			return send_json(c, MHD_HTTP_BAD_REQUEST,
			    json_pack("{s:s}", "error", body ? why : "invalid JSON"));
		}
		json_decref(body);
		return send_json(c, MHD_HTTP_OK, json_pack("{s:b}", "updated", 1));
	}
	if (strcmp(url, "/_sim/set") == 0 && strcmp(method, "POST") == 0) {
		json_t *answer;
		int status;

		body = json_loadb(rq->body.data ? rq->body.data : "", rq->body.len, 0, NULL);
		if (body == NULL)
			return send_json(c, MHD_HTTP_BAD_REQUEST,
			    json_pack("{s:s}", "error", "invalid JSON"));
		status = store_set(body, &answer);
		json_decref(body);
		return send_json(c, (unsigned)status, answer);
	}
	return send_json(
	    c, MHD_HTTP_NOT_FOUND, json_pack("{s:s}", "error", "no such admin call"));
}

/* A call counted in flight is no longer, once answered. */
static void
release(struct request *rq)
{
	if (rq->counted_in_flight) {
		pthread_mutex_lock(&lock);
		st.in_flight--;
		pthread_mutex_unlock(&lock);
		rq->counted_in_flight = 0;
	}
}

static enum MHD_Result
handle(void *cls, struct MHD_Connection *c, const char *url, const char *method,
    const char *version, const char *upload, size_t *upload_size, void **con_cls)
{
	struct request *rq = *con_cls;
	enum MHD_Result ret;

	(void)cls;
	(void)version;
	if (rq == NULL) {
		*con_cls = rq = calloc(1, sizeof *rq);
		return rq ? MHD_YES : MHD_NO;
	}
	if (*upload_size > 0) {
		if (rq->body.len + *upload_size > MAX_BODY)
			rq->too_large = 1;
		else
			jsonbuf_add(&rq->body, upload, *upload_size);
		*upload_size = 0;
		return MHD_YES;
	}
	if (strncmp(url, "/_sim/", 6) == 0)
		return admin(c, rq, url, method);
	if (strcmp(url, "/identity/oauth/token") == 0)
		return identity(c, rq);
	/*
	 * The answer is queued; it goes out once this returns. The call stops
	 * counting in flight now, as a server's work ends when it answers, not
	 * when this thread is next scheduled after the client has read it.
	 */
	ret = rest(c, rq, url, method);
	release(rq);
	return ret;
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
	release(rq); /* a call ended without its answer */
	jsonbuf_free(&rq->body);
	free(rq);
	*con_cls = NULL;
}

static void
usage(FILE *fp, int status)
{
	fputs(
	    "usage: marketo-sim [-h] [--bind addr] [--port port] [--port-file file]\n"
	    "                   [--token-ttl seconds] [--window-calls n] [--window seconds]\n"
	    "                   [--max-concurrent n] [--daily-quota n] [--latency-ms ms]\n"
	    "                   [--fault spec] [--slow-ms ms] [--seed n]\n"
	    "                   [--score-field name] [--no-person-lookup] [--lead-field name:type]\n",
	    fp);
	exit(status);
}

static long
number(const char *s, const char *what)
{
	long v;

	if (numarg(s, 0, &v) != 0) {
		fprintf(stderr, "marketo-sim: bad %s \"%s\"\n", what, s);
		usage(stderr, 2);
	}
	return v;
}

/*
 * Adds the fault KIND@N[,N...] (at those call numbers) or KIND%P (P
 * percent of calls); KIND bodyCODE is a code of body_codes.
 */
static int
parse_fault(const char *spec)
{
	char kind[16], *rest;
	size_t len = strcspn(spec, "@%"), body = 0;
	int k;

	if (len >= sizeof kind)
		return -1;
	snprintf(kind, sizeof kind, "%.*s", (int)len, spec);
	if (strncmp(kind, "body", 4) == 0) {
		for (body = 0;
		     body < BODY_CODES && strcmp(kind + 4, body_codes[body].code) != 0; body++)
			;
		k = body < BODY_CODES ? FBODY : FAULT_KINDS;
	} else {
		for (k = 0; k < FBODY && strcmp(kind, fault_names[k]) != 0; k++)
			;
		if (k == FBODY)
			k = FAULT_KINDS;
	}
	rest = (char *)spec + len;
	if (k == FAULT_KINDS || (*rest != '@' && *rest != '%'))
		return -1;
	if (*rest == '%') {
		if (opt.nfaults == MAX_FAULTS)
			return -1;
		opt.faults[opt.nfaults].kind = (enum fault_kind)k;
		opt.faults[opt.nfaults].body = body;
		opt.faults[opt.nfaults].at = 0;
		opt.faults[opt.nfaults].rate = atof(rest + 1) / 100;
		opt.nfaults++;
		return 0;
	}
	for (rest++; *rest != '\0' && opt.nfaults < MAX_FAULTS;) {
		opt.faults[opt.nfaults].kind = (enum fault_kind)k;
		opt.faults[opt.nfaults].body = body;
		opt.faults[opt.nfaults].at = strtol(rest, &rest, 10);
		opt.nfaults++;
		if (*rest == ',')
			rest++;
		else
			break;
	}
	return 0;
}

static void
add_fault(const char *spec)
{
	if (parse_fault(spec) != 0) {
		fprintf(stderr,
		    "marketo-sim: bad --fault \"%s\": KIND@N[,N...] or KIND%%P, KIND one of "
		    "601 602 604 606 608 611 615 713 1003 502 503 504 drop slow, or bodyCODE "
		    "(CODE a response-level code of Adobe's: 500, 502, 601-616, 701-704, 709-714, "
		    "718, 719)\n",
		    spec);
		usage(stderr, 2);
	}
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
	    {"bind", required_argument, NULL, 'b'},
	    {"daily-quota", required_argument, NULL, 'q'},
	    {"fault", required_argument, NULL, 'f'},
	    {"help", no_argument, NULL, 'h'},
	    {"latency-ms", required_argument, NULL, 'l'},
	    {"lead-field", required_argument, NULL, 'F'},
	    {"max-concurrent", required_argument, NULL, 'c'},
	    {"no-person-lookup", no_argument, NULL, 'P'},
	    {"port", required_argument, NULL, 'p'},
	    {"port-file", required_argument, NULL, 'o'},
	    {"score-field", required_argument, NULL, 'S'},
	    {"seed", required_argument, NULL, 'r'},
	    {"slow-ms", required_argument, NULL, 's'},
	    {"token-ttl", required_argument, NULL, 't'},
	    {"window", required_argument, NULL, 'w'},
	    {"window-calls", required_argument, NULL, 'W'},
	    {NULL, 0, NULL, 0},
	};
	struct sockaddr_in addr;
	const union MHD_DaemonInfo *info;
	struct MHD_Daemon *d;
	sigset_t sigs;
	char *colon;
	FILE *fp;
	int ch, sig;

	opt.store.custom_fields = json_object();
	if (getenv("MARKETO_SIM_CLIENT_ID"))
		opt.client_id = getenv("MARKETO_SIM_CLIENT_ID");
	if (getenv("MARKETO_SIM_CLIENT_SECRET"))
		opt.client_secret = getenv("MARKETO_SIM_CLIENT_SECRET");
	while ((ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'b': opt.bind = optarg; break;
		case 'c': opt.max_concurrent = number(optarg, "--max-concurrent"); break;
		case 'f':
			if (opt.nfaults >= MAX_FAULTS)
				usage(stderr, 2);
			add_fault(optarg);
			break;
		case 'F':
			if ((colon = strchr(optarg, ':')) == NULL)
				usage(stderr, 2);
			*colon = '\0';
			json_object_set_new(
			    opt.store.custom_fields, optarg, json_string(colon + 1));
			break;
		case 'h': usage(stdout, 0); break;
		case 'l': opt.latency_ms = number(optarg, "--latency-ms"); break;
		case 'o': opt.port_file = optarg; break;
		case 'p': opt.port = (unsigned)number(optarg, "--port"); break;
		case 'P': opt.store.person_lookup = 0; break;
		case 'q': opt.daily_quota = number(optarg, "--daily-quota"); break;
		case 'r': opt.seed = (unsigned)number(optarg, "--seed"); break;
		case 's': opt.slow_ms = number(optarg, "--slow-ms"); break;
		case 'S': opt.store.score_field = optarg; break;
		case 't': opt.token_ttl = number(optarg, "--token-ttl"); break;
		case 'w': opt.window = atof(optarg); break;
		case 'W': opt.window_calls = number(optarg, "--window-calls"); break;
		default: usage(stderr, 2);
		}
	}
	if (optind != argc || opt.window_calls < 1 || opt.window <= 0)
		usage(stderr, 2);

	st.per_endpoint = json_object();
	st.old_tokens = json_object();
	st.window_times = calloc((size_t)opt.window_calls, sizeof *st.window_times);
	st.rng = 88172645463325252UL ^ opt.seed;
	store_init(&opt.store);

	memset(&addr, 0, sizeof addr);
	addr.sin_family = AF_INET;
	addr.sin_port = htons((uint16_t)opt.port);
	if (inet_pton(AF_INET, opt.bind, &addr.sin_addr) != 1) {
		fprintf(stderr, "marketo-sim: bad --bind address \"%s\"\n", opt.bind);
		return 2;
	}
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
		fprintf(stderr, "marketo-sim: cannot listen on %s:%u: %s\n", opt.bind, opt.port,
		    strerror(errno));
		return 1;
	}
	info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
	printf("marketo-sim: listening on http://%s:%u\n", opt.bind, info->port);
	fflush(stdout);
	if (opt.port_file != NULL) {
		if ((fp = fopen(opt.port_file, "w")) == NULL) {
			fprintf(
			    stderr, "marketo-sim: %s: %s\n", opt.port_file, strerror(errno));
			MHD_stop_daemon(d);
			return 1;
		}
		fprintf(fp, "%u\n", info->port);
		fclose(fp);
	}
	sigwait(&sigs, &sig);
	MHD_stop_daemon(d);
	return 0;
}
