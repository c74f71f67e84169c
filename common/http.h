/* http.h: calls over libcurl (Marketo's, Salesforce's), and Marketo's access token. */
#ifndef MSI_HTTP_H
#define MSI_HTTP_H

#include <stdio.h>
#include <sys/types.h>

#include <curl/curl.h>

#include "jsonbuf.h"
#include "mkconf.h"
#include "retry.h"

/*
 * An answer is held in memory up to HTTP_MAX_MEMORY bytes; past that the
 * call fails ("an answer over 64 MB"): a server cannot make a tool take
 * what memory it likes. A call that may take large answers (a results
 * page: http_call_spill) keeps its first HTTP_SPILL_AFTER bytes in memory
 * and the whole answer, past them, in a temporary file of its own.
 */
#define HTTP_MAX_MEMORY  ((size_t)64 << 20)
#define HTTP_SPILL_AFTER ((size_t)1 << 20)

/* One call, ready for curl_easy_perform or a multi handle. */
struct http_call {
	CURL *easy;
	struct curl_slist *headers;
	struct jsonbuf response; /* the answer, unless it went to spill */
	FILE *spill; /* the whole answer, once over HTTP_SPILL_AFTER (http_call_spill) */
	int spill_ok;
	char why[160];             /* why the answer was not taken, or "" */
	struct jsonbuf headers_in; /* the answer's header lines, as they came */
	char error[CURL_ERROR_SIZE];
	char *body;
	void *owner; /* the caller's */
};

struct token {
	char value[128];
	double expires; /* monotonic seconds */
	long fetched;   /* times a token was fetched */
};

/* Renew a token this long before Marketo says it expires. */
#define TOKEN_MARGIN 60.0

double http_now(void);
void http_pause(double seconds);
void http_init(void);
int http_multi_step(
    CURLM *multi, void (*ended)(void *ctx, struct http_call *c, CURLcode rc), void *ctx);
void http_call_init(struct http_call *c, const char *url, const char *token, const char *body,
    size_t len, const char *content_type, long timeout_ms);
int http_call_body_file(struct http_call *c, FILE *fp, off_t len, const char *content_type);
void http_call_accept(struct http_call *c, const char *type);
void http_call_spill(struct http_call *c);
int http_call_body(
    const struct http_call *c, int (*fn)(void *ctx, const char *data, size_t len), void *ctx);
const char *http_call_error(const struct http_call *c, CURLcode rc);
void http_call_free(struct http_call *c);
int http_header(const struct http_call *c, const char *name, char *value, size_t size);
enum transport http_transport(CURLcode rc);
long http_status(const struct http_call *c);
int token_get(const struct mkconf *conf, struct token *t, int force, long timeout_ms, char *why,
    size_t whysize);

#endif
