/* http.c: calls over libcurl (Marketo's, Salesforce's), and Marketo's access token. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "ealloc.h"
#include "exitcode.h"
#include "http.h"
#include "keysort.h"
#include "msg.h"

/* Seconds on the machine's monotonic clock, the same for all its processes. */
double
http_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Sleeps that long, signals or not. */
void
http_pause(double seconds)
{
	struct timespec ts;

	ts.tv_sec = (time_t)seconds;
	ts.tv_nsec = (long)((seconds - (double)ts.tv_sec) * 1e9);
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

/*
 * Drives the calls of multi, then gives each call that ended to
 * ended(ctx, its http_call, libcurl's result). Returns how many ended.
 */
int
http_multi_step(
    CURLM *multi, void (*ended)(void *ctx, struct http_call *c, CURLcode rc), void *ctx)
{
	struct http_call *c;
	CURLMsg *m;
	int left, running, n = 0;

	curl_multi_perform(multi, &running);
	while ((m = curl_multi_info_read(multi, &left)) != NULL) {
		if (m->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&c);
		ended(ctx, c, m->data.result);
		n++;
	}
	return n;
}

void
http_init(void)
{
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		msg_fatal(MSI_EXIT_IO, "cannot initialise libcurl");
}

/*
 * The answer's bytes: into memory, or past HTTP_SPILL_AFTER, for a call
 * that allows it, into its temporary file. Returning less than was given
 * ends the call (CURLE_WRITE_ERROR); why says why.
 */
static size_t
collect(char *data, size_t size, size_t n, void *arg)
{
	struct http_call *c = arg;
	size_t len = size * n;

	if (c->spill_ok && (c->spill != NULL || c->response.len + len > HTTP_SPILL_AFTER)) {
		if (c->spill == NULL) {
			if ((c->spill = scratch_file("answer")) == NULL ||
			    (c->response.len > 0 && fwrite(c->response.data, 1, c->response.len,
			                                c->spill) != c->response.len)) {
				snprintf(c->why, sizeof c->why,
				    "a large answer could not be kept in a temporary file (TMPDIR): %s",
				    strerror(errno));
				return 0;
			}
			c->response.len = 0;
		}
		if (fwrite(data, 1, len, c->spill) != len) {
			snprintf(c->why, sizeof c->why,
			    "a large answer could not be kept in a temporary file (TMPDIR): %s",
			    strerror(errno));
			return 0;
		}
		return len;
	}
	if (c->response.len + len > HTTP_MAX_MEMORY) {
		snprintf(c->why, sizeof c->why, "an answer over %zu MB: refused",
		    HTTP_MAX_MEMORY >> 20);
		return 0;
	}
	jsonbuf_add(&c->response, data, len);
	return len;
}

/* Keeps the answer's header lines; a redirect's or a 100's go too, the last answer's last. */
static size_t
collect_header(char *data, size_t size, size_t n, void *arg)
{
	jsonbuf_add(arg, data, size * n);
	return size * n;
}

/*
 * The value of the answer's header name (case-insensitive), blanks trimmed,
 * cut to size: 1 when the last answer had it, else 0.
 */
int
http_header(const struct http_call *c, const char *name, char *value, size_t size)
{
	const char *p = c->headers_in.data, *end = p ? p + c->headers_in.len : NULL, *eol, *v;
	size_t nlen = strlen(name), vlen;
	int found = 0;

	for (; p != NULL && p < end; p = eol + 1) {
		if ((eol = memchr(p, '\n', (size_t)(end - p))) == NULL)
			eol = end;
		if ((size_t)(eol - p) > 5 && strncmp(p, "HTTP/", 5) == 0)
			found = 0; /* a new answer's headers */
		if ((size_t)(eol - p) <= nlen || p[nlen] != ':' ||
		    strncasecmp(p, name, nlen) != 0)
			continue;
		for (v = p + nlen + 1; v < eol && (*v == ' ' || *v == '\t'); v++)
			;
		for (vlen = (size_t)(eol - v);
		     vlen > 0 && (v[vlen - 1] == '\r' || v[vlen - 1] == ' ');)
			vlen--;
		if (size > 0)
			snprintf(value, size, "%.*s", (int)vlen, v);
		found = 1;
	}
	return found;
}

/*
 * Adds "Authorization: Bearer TOKEN", the header as long as the token: a
 * token cut short is refused by the service, again and again, however
 * often it is renewed. libcurl sends a header's bytes as they are, so a
 * token with a control character or a blank (a CR LF: headers of the
 * token's making) never goes: the token's maker checks it first
 * (sfclient.c), and a slip is a stop here, not an injection.
 */
static void
add_authorization(struct http_call *c, const char *token)
{
	static const char prefix[] = "Authorization: Bearer ";
	size_t n = strlen(token), i;
	char *header;

	for (i = 0; i < n; i++)
		if ((unsigned char)token[i] <= ' ' || (unsigned char)token[i] >= 0x7f)
			msg_fatal(MSI_EXIT_SERVICE,
			    "the access token is not usable: character %zu of %zu is a control "
			    "character, a blank or not ASCII",
			    i + 1, n);
	header = emalloc(sizeof prefix + n);
	memcpy(header, prefix, sizeof prefix - 1);
	memcpy(header + sizeof prefix - 1, token, n + 1);
	c->headers = curl_slist_append(c->headers, header);
	memset(header, 0, sizeof prefix + n);
	free(header);
}

/*
 * Prepares a call: GET without a body, POST with one. TLS peers are always
 * verified; the token goes only in the Authorization header. Nothing here
 * logs: libcurl's verbose mode, which would show headers, stays off.
 */
void
http_call_init(struct http_call *c, const char *url, const char *token, const char *body,
    size_t len, const char *content_type, long timeout_ms)
{
	char header[200];

	memset(c, 0, sizeof *c);
	if ((c->easy = curl_easy_init()) == NULL)
		msg_fatal(MSI_EXIT_IO, "cannot initialise libcurl");
	curl_easy_setopt(c->easy, CURLOPT_URL, url);
	curl_easy_setopt(c->easy, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(c->easy, CURLOPT_SSL_VERIFYHOST, 2L);
	curl_easy_setopt(c->easy, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c->easy, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(
	    c->easy, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms < 10000 ? timeout_ms : 10000L);
	curl_easy_setopt(c->easy, CURLOPT_TIMEOUT_MS, timeout_ms);
	curl_easy_setopt(c->easy, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(c->easy, CURLOPT_WRITEDATA, c);
	curl_easy_setopt(c->easy, CURLOPT_HEADERFUNCTION, collect_header);
	curl_easy_setopt(c->easy, CURLOPT_HEADERDATA, &c->headers_in);
	curl_easy_setopt(c->easy, CURLOPT_ERRORBUFFER, c->error);
	curl_easy_setopt(c->easy, CURLOPT_USERAGENT, "msi-sync/" MSI_VERSION);
	c->headers = curl_slist_append(c->headers, "Accept: application/json");
	if (token != NULL)
		add_authorization(c, token);
	if (body != NULL) {
		c->body = emalloc(len ? len : 1);
		memcpy(c->body, body, len);
		snprintf(header, sizeof header, "Content-Type: %s", content_type);
		c->headers = curl_slist_append(c->headers, header);
		curl_easy_setopt(c->easy, CURLOPT_POST, 1L);
		curl_easy_setopt(c->easy, CURLOPT_POSTFIELDS, c->body);
		curl_easy_setopt(c->easy, CURLOPT_POSTFIELDSIZE, (long)len);
	}
	curl_easy_setopt(c->easy, CURLOPT_HTTPHEADER, c->headers);
	curl_easy_setopt(c->easy, CURLOPT_PRIVATE, c);
}

/*
 * The call's body read from fp, len bytes from its start, rather than
 * held in memory (a Bulk API 2.0 upload reaches 100 MB): sent as PUT
 * (CURLOPT_UPLOAD, CURLOPT_READDATA, CURLOPT_INFILESIZE_LARGE). fp is the
 * caller's, rewound at each call made of it.
 */
int
http_call_body_file(struct http_call *c, FILE *fp, off_t len, const char *content_type)
{
	char header[200];

	if (fseeko(fp, 0, SEEK_SET) != 0)
		return -1;
	snprintf(header, sizeof header, "Content-Type: %s", content_type);
	c->headers = curl_slist_append(c->headers, header);
	curl_easy_setopt(c->easy, CURLOPT_HTTPHEADER, c->headers);
	curl_easy_setopt(c->easy, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(c->easy, CURLOPT_READDATA, fp);
	curl_easy_setopt(c->easy, CURLOPT_INFILESIZE_LARGE, (curl_off_t)len);
	return 0;
}

/*
 * The answer wanted as type (Accept), instead of JSON: Bulk API 2.0's
 * results are CSV. The header list is made anew with the others as they
 * were.
 */
void
http_call_accept(struct http_call *c, const char *type)
{
	struct curl_slist *old = c->headers, *h;
	char header[200];

	snprintf(header, sizeof header, "Accept: %s", type);
	c->headers = NULL;
	for (h = old; h != NULL; h = h->next)
		c->headers = curl_slist_append(
		    c->headers, strncasecmp(h->data, "Accept:", 7) == 0 ? header : h->data);
	curl_slist_free_all(old); /* holds the token: libcurl frees, we cannot wipe */
	curl_easy_setopt(c->easy, CURLOPT_HTTPHEADER, c->headers);
}

/* The call may take an answer of any size: past HTTP_SPILL_AFTER, in a temporary file. */
void
http_call_spill(struct http_call *c)
{
	c->spill_ok = 1;
}

/*
 * Gives the answer to fn, in pieces, in order: from memory, or read back
 * from its temporary file. Returns 0, fn's nonzero answer, or -1 with
 * errno when the file could not be read.
 */
int
http_call_body(
    const struct http_call *c, int (*fn)(void *ctx, const char *data, size_t len), void *ctx)
{
	char buf[1 << 16];
	size_t n;
	int r;

	if (c->spill == NULL)
		return fn(ctx, c->response.data ? c->response.data : "", c->response.len);
	if (fflush(c->spill) == EOF || fseek(c->spill, 0, SEEK_SET) != 0)
		return -1;
	while ((n = fread(buf, 1, sizeof buf, c->spill)) > 0)
		if ((r = fn(ctx, buf, n)) != 0)
			return r;
	return ferror(c->spill) ? -1 : 0;
}

/* What went wrong with the call, libcurl's rc: ours, libcurl's words, or its code's. */
const char *
http_call_error(const struct http_call *c, CURLcode rc)
{
	if (c->why[0] != '\0')
		return c->why;
	return c->error[0] != '\0' ? c->error : curl_easy_strerror(rc);
}

void
http_call_free(struct http_call *c)
{
	if (c->easy != NULL)
		curl_easy_cleanup(c->easy);
	if (c->spill != NULL)
		fclose(c->spill);
	curl_slist_free_all(c->headers); /* holds the token: libcurl frees, we cannot wipe */
	jsonbuf_free(&c->response);
	jsonbuf_free(&c->headers_in);
	free(c->body);
	memset(c, 0, sizeof *c);
}

enum transport
http_transport(CURLcode rc)
{
	switch (rc) {
	case CURLE_OK: return TRANSPORT_OK;
	case CURLE_OPERATION_TIMEDOUT: return TRANSPORT_TIMEOUT;
	case CURLE_COULDNT_CONNECT:
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_GOT_NOTHING:
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_PARTIAL_FILE: return TRANSPORT_CONNECT;
	default: return TRANSPORT_OTHER;
	}
}

long
http_status(const struct http_call *c)
{
	long status = 0;

	curl_easy_getinfo(c->easy, CURLINFO_RESPONSE_CODE, &status);
	return status;
}

/*
 * Makes sure t holds a token good for TOKEN_MARGIN more seconds, asking the
 * identity service when it does not, or when force is set (after 601/602).
 * The secret goes in a POST body, not a URL, so no log of URLs holds it.
 * Marketo gives the same token until it expires and may say expires_in 0
 * just before: then it asks again a moment later. Returns 0, or -1 with
 * why (never the secret, never the token).
 */
int
token_get(const struct mkconf *conf, struct token *t, int force, long timeout_ms, char *why,
    size_t whysize)
{
	struct http_call c;
	char url[1024], *body = NULL, *id, *secret;
	json_t *answer = NULL;
	json_int_t expires_in;
	const char *value;
	size_t blen;
	int attempt, status = -1;
	CURLcode rc;

	if (!force && t->value[0] != '\0' && http_now() + TOKEN_MARGIN < t->expires)
		return 0;
	snprintf(url, sizeof url, "%s/oauth/token", conf->identity_url);
	for (attempt = 0; attempt < 3; attempt++) {
		CURL *esc = curl_easy_init();

		id = curl_easy_escape(esc, conf->client_id, 0);
		secret = curl_easy_escape(esc, conf->client_secret, 0);
		blen = strlen(id) + strlen(secret) + 64;
		body = emalloc(blen);
		blen = (size_t)snprintf(body, blen,
		    "grant_type=client_credentials&client_id=%s&"
		    "client_secret=%s",
		    id, secret);
		memset(secret, 0, strlen(secret));
		curl_free(id);
		curl_free(secret);
		curl_easy_cleanup(esc);
		http_call_init(
		    &c, url, NULL, body, blen, "application/x-www-form-urlencoded", timeout_ms);
		memset(body, 0, blen);
		free(body);
		rc = curl_easy_perform(c.easy);
		memset(c.body, 0, blen);
		if (rc != CURLE_OK) {
			snprintf(why, whysize, "identity service %s: %s", url,
			    http_call_error(&c, rc));
			http_call_free(&c);
			return -1;
		}
		if (http_status(&c) != 200) {
			snprintf(why, whysize, "identity service %s: HTTP %ld%s", url,
			    http_status(&c),
			    http_status(&c) == 401 ? " (client id or secret refused)" : "");
			http_call_free(&c);
			return -1;
		}
		answer =
		    json_loadb(c.response.data ? c.response.data : "", c.response.len, 0, NULL);
		http_call_free(&c);
		value = json_string_value(json_object_get(answer, "access_token"));
		expires_in = json_integer_value(json_object_get(answer, "expires_in"));
		if (value == NULL || strlen(value) >= sizeof t->value) {
			snprintf(why, whysize,
			    "identity service %s: no access_token in its answer", url);
			break;
		}
		if (expires_in > 0 || attempt == 2) {
			snprintf(t->value, sizeof t->value, "%s", value);
			msg_secret(
			    t->value); /* no message shows it, whatever a server echoes */
			t->expires = http_now() + (double)expires_in;
			t->fetched++;
			status = 0;
			break;
		}
		json_decref(answer);
		answer = NULL;
		sleep(1); /* expires_in 0: the token is about to change */
	}
	json_decref(answer);
	return status;
}
