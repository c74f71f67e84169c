/* mkclient.c: one integration's Marketo calls: credentials, token, limits, retries. */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "ealloc.h"
#include "exitcode.h"
#include "mkclient.h"
#include "msg.h"
#include "numarg.h"

/*
 * A margin on the window: the instance counts calls when they arrive, a
 * little after they start, later when this machine is busy. A share of
 * the window (0.25 s of Marketo's 20 s), and never under 0.1 s.
 */
#define WINDOW_MARGIN     (1.0 / 80)
#define WINDOW_MARGIN_MIN 0.1

/* Token renewals in a row, for one call, before the credentials are blamed. */
#define MAX_RENEWALS 3

/*
 * The defaults of the shared options, here and nowhere else: of the
 * instance's 100 calls per 20 s and 10 calls at once, 80 and 8 for the
 * processes of this machine together, which share them (the window file),
 * and the rest for the instance's other integrations, which no file here
 * can see; five retries, a minute a call.
 */
void
mkopts_init(struct mkopts *o)
{
	memset(o, 0, sizeof *o);
	o->config = getenv("MARKETO_CONFIG");
	o->calls_per_window = 80;
	o->concurrency = 8;
	o->window = 20;
	o->window_dir = getenv("MSI_WINDOW_DIR");
	if (o->window_dir != NULL && o->window_dir[0] == '\0')
		o->window_dir = NULL;
	o->max_retries = 5;
	o->timeout = 60;
	progress_opts_init(&o->progress);
}

/*
 * Takes one of the shared options (ch as getopt_long gave it, with arg);
 * returns 1, or 0 when ch is not one of them. A bad number is a message
 * and the tool's usage, which exits with status 2.
 */
int
mkopts_parse(struct mkopts *o, int ch, const char *arg, void (*usage)(FILE *, int))
{
	switch (ch) {
	case 'c': o->concurrency = numarg_or_usage(arg, "--concurrency", 1, usage); break;
	case 'C': o->config = arg; break;
	case 'm': o->max_retries = numarg_or_usage(arg, "--max-retries", 0, usage); break;
	case 'n':
		o->calls_per_window = numarg_or_usage(arg, "--calls-per-window", 1, usage);
		break;
	case 't': o->timeout = numarg_or_usage(arg, "--timeout", 1, usage); break;
	case 'w': o->window = (double)numarg_or_usage(arg, "--window", 1, usage); break;
	case MKOPTS_OWN_WINDOW: o->own_window = 1; break;
	case MKOPTS_WINDOW_DIR: o->window_dir = arg; break;
	default: return progress_opts_parse(&o->progress, ch, arg, usage);
	}
	return 1;
}

/*
 * The folder of the window files: --window-dir or $MSI_WINDOW_DIR, else
 * $XDG_CACHE_HOME/msi-sync, else ~/.cache/msi-sync; NULL when there is no
 * home to put it in.
 */
static char *
window_dir(const struct mkopts *o)
{
	const char *base, *sub = "/msi-sync";
	char *dir;
	size_t len;

	if (o->window_dir != NULL)
		return estrdup(o->window_dir);
	if ((base = getenv("XDG_CACHE_HOME")) == NULL || base[0] != '/') {
		if ((base = getenv("HOME")) == NULL || base[0] != '/')
			return NULL;
		sub = "/.cache/msi-sync";
	}
	len = strlen(base) + strlen(sub) + 1;
	dir = emalloc(len);
	snprintf(dir, len, "%s%s", base, sub);
	return dir;
}

/*
 * Reads the configuration (environment or file) and readies libcurl, the
 * window (shared with the machine's other processes unless --own-window)
 * and the backoff's random state. Returns 0, or -1 with why.
 */
int
mkclient_init(struct mkclient *c, const struct mkopts *o, char why[MKCONF_WHY_SIZE])
{
	char *dir, swhy[MKCONF_WHY_SIZE + 64];

	memset(c, 0, sizeof *c);
	if (mkconf_load(&c->conf, o->config, why) != 0)
		return -1;
	http_init();
	ratelimit_init(&c->limit, (int)o->calls_per_window,
	    o->window + (o->window * WINDOW_MARGIN > WINDOW_MARGIN_MIN
	                        ? o->window * WINDOW_MARGIN
	                        : WINDOW_MARGIN_MIN),
	    (int)o->concurrency);
	if (!o->own_window) {
		if ((dir = window_dir(o)) == NULL)
			msg_warn(
			    "no $HOME for the window file (--window-dir names a folder); this "
			    "process keeps a window of calls of its own");
		else if (ratelimit_share(&c->limit, dir, c->conf.base_url, swhy, sizeof swhy) !=
		         0)
			msg_warn("%s; this process keeps a window of calls of its own", swhy);
		free(dir);
	}
	c->timeout_ms = o->timeout * 1000;
	c->max_retries = (int)o->max_retries;
	progress_start(&c->progress, &o->progress, "records");
	c->rng = 0x9e3779b97f4a7c15UL ^ (unsigned long)getpid();
	c->started = http_now();
	return 0;
}

/* 0 while calls may go on; else the status they stopped with (5 or 6). */
int
mkclient_status(const struct mkclient *c)
{
	return c->status;
}

/* No more calls: the tool found the service unusable (a failed describe, say). */
void
mkclient_stop(struct mkclient *c, int status)
{
	if (c->status == 0)
		c->status = status;
}

int
mkclient_max_retries(const struct mkclient *c)
{
	return c->max_retries;
}

/*
 * Seconds to wait before the attempts-th resend of a call (from 1): full
 * jitter, 0.5 s doubling to 30 s; or -1 when the retries are spent.
 */
double
mkclient_retry_after(struct mkclient *c, int attempts)
{
	if (attempts > c->max_retries)
		return -1;
	return retry_backoff(attempts - 1, 0.5, 30.0, &c->rng);
}

/*
 * The progress line (progress.c), when it is due or last: done units of
 * the total (progress_total), the tool's counts (fmt), then the calls of
 * this machine in the instance's window and the retries.
 */
void
mkclient_progress(
    struct mkclient *c, int last, unsigned long done, const char *unit, const char *fmt, ...)
{
	unsigned long retries = 0;
	char counts[512];
	va_list ap;
	int i, in;

	if (!progress_on(&c->progress) || (!last && !progress_due(&c->progress)))
		return;
	c->progress.unit = unit;
	for (i = 0; i < RETRY_CAUSES; i++)
		retries += c->retries[i];
	va_start(ap, fmt);
	vsnprintf(counts, sizeof counts, fmt, ap);
	va_end(ap);
	in = ratelimit_in_window(&c->limit, http_now());
	if (last)
		progress_end(&c->progress, done, "%s; %d calls in the window, %lu retries",
		    counts, in, retries);
	else
		progress_update(&c->progress, done, "%s; %d calls in the window, %lu retries",
		    counts, in, retries);
}

/* Adds the calls, the retries by cause and the seconds taken to stats. */
void
mkclient_stats(const struct mkclient *c, json_t *stats)
{
	json_t *retries = json_object();
	int i;

	for (i = 0; i < RETRY_CAUSES; i++)
		if (c->retries[i] > 0)
			json_object_set_new(retries, retry_cause_name((enum retry_cause)i),
			    json_integer((json_int_t)c->retries[i]));
	json_object_set_new(stats, "calls", json_integer((json_int_t)c->calls));
	json_object_set_new(stats, "retries", retries);
	json_object_set_new(stats, "seconds", json_real(http_now() - c->started));
}

void
mkclient_free(struct mkclient *c)
{
	ratelimit_free(&c->limit, http_now());
	mkconf_free(&c->conf);
	memset(&c->token, 0, sizeof c->token);
	curl_global_cleanup();
}

/* A token good for a while (a new one when force is set); on failure calls must stop. */
int
mkclient_token(struct mkclient *c, int force)
{
	char why[MKCONF_WHY_SIZE];

	if (token_get(&c->conf, &c->token, force, c->timeout_ms, why, sizeof why) == 0)
		return 0;
	msg_warn("%s", why);
	c->status = MSI_EXIT_SERVICE;
	return -1;
}

/*
 * Seconds until the window and the calls in flight, this machine's, let a
 * call go; 0 when it may go now: it is then counted, and mkclient_start
 * must follow at once.
 */
double
mkclient_turn(struct mkclient *c)
{
	return ratelimit_turn(&c->limit, http_now());
}

/* libcurl is about to send a call's request: the window counts it from now. */
static int
request_goes(void *data, char *ip, char *local_ip, int port, int local_port)
{
	struct mkclient *c = data;

	(void)ip;
	(void)local_ip;
	(void)port;
	(void)local_port;
	ratelimit_sent(&c->limit, http_now());
	return CURL_PREREQFUNC_OK;
}

/* Readies a call to path (below the REST base URL), after mkclient_turn said 0. */
void
mkclient_start(struct mkclient *c, struct http_call *call, const char *path, const char *body,
    size_t len, const char *content_type)
{
	char url[1024];

	snprintf(url, sizeof url, "%s%s", c->conf.base_url, path);
	http_call_init(call, url, c->token.value, body, len, content_type, c->timeout_ms);
	curl_easy_setopt(call->easy, CURLOPT_PREREQFUNCTION, request_goes);
	curl_easy_setopt(call->easy, CURLOPT_PREREQDATA, c);
	c->calls++;
}

/*
 * Decides what a finished call means (it no longer counts as in flight):
 * its answer is parsed and classified.
 * A retry is counted by cause; an expired token is renewed here; a spent
 * quota or a refusal sets c->status and says so once. The call itself is
 * the caller's to free.
 */
void
mkclient_judge(struct mkclient *c, struct http_call *call, CURLcode rc, struct mkanswer *a)
{
	long status = http_status(call);
	const char *message = NULL, *code;
	json_t *e;

	ratelimit_done(&c->limit, http_now());
	memset(a, 0, sizeof *a);
	a->cause = RETRY_CAUSES;
	if (rc == CURLE_OK)
		a->json = json_loadb(call->response.data ? call->response.data : "",
		    call->response.len, 0, NULL);
	/* an answer of Marketo's says success; a proxy's or a redirect's does not */
	if (a->json != NULL && json_object_get(a->json, "success") != NULL &&
	    !json_is_true(json_object_get(a->json, "success"))) {
		e = json_array_get(json_object_get(a->json, "errors"), 0);
		code = json_string_value(json_object_get(e, "code"));
		message = json_string_value(json_object_get(e, "message"));
		snprintf(a->code, sizeof a->code, "%s", code ? code : "?");
	}
	snprintf(a->message, sizeof a->message, "%s", message ? message : "");
	if (rc == CURLE_OK && status == 200 && a->json == NULL) {
		a->act = RETRY_FATAL;
		snprintf(a->code, sizeof a->code, "answer");
		snprintf(a->message, sizeof a->message, "Marketo's answer is not JSON");
	} else {
		a->act = retry_classify(
		    http_transport(rc), status, a->code[0] ? a->code : NULL, &a->cause);
	}
	if (a->code[0] == '\0' && a->act != RETRY_DONE) {
		if (rc != CURLE_OK) {
			snprintf(a->code, sizeof a->code, "network");
			snprintf(
			    a->message, sizeof a->message, "%s", http_call_error(call, rc));
		} else {
			snprintf(a->code, sizeof a->code, "http");
			snprintf(a->message, sizeof a->message, "HTTP %ld", status);
		}
	}
	switch (a->act) {
	case RETRY_AGAIN: c->retries[a->cause]++; break;
	case RETRY_TOKEN: mkclient_token(c, 1); break; /* resent as it was; not a retry */
	case RETRY_QUOTA:
		if (c->status != MSI_EXIT_QUOTA)
			msg_warn("Marketo's daily quota is spent (607); stopping: run again "
			         "after the reset");
		c->status = MSI_EXIT_QUOTA;
		break;
	case RETRY_FATAL:
		msg_warn("Marketo refused the call: %s %s; stopping", a->code, a->message);
		c->status = MSI_EXIT_SERVICE;
		break;
	default: break;
	}
}

/*
 * After mkclient_judge, what a caller that sends its own calls does with
 * one: RETRY_AGAIN, to send it again once *not_before has come (after a
 * backoff, or at once with a new token); else what became of it for good:
 * RETRY_DONE with the answer in a->json, RETRY_REJECT (also when the
 * retries ran out: a->exhausted, and a->message says so), RETRY_QUOTA or
 * RETRY_FATAL, when c->status is set. *attempts and *renewals are the
 * call's, from 0.
 */
enum retry_action
mkclient_next(
    struct mkclient *c, struct mkanswer *a, int *attempts, int *renewals, double *not_before)
{
	double delay;

	if (a->act == RETRY_TOKEN && c->status == 0 && ++*renewals <= MAX_RENEWALS) {
		json_decref(a->json);
		a->json = NULL;
		*not_before = 0;
		return RETRY_AGAIN; /* resent as it was: not a retry */
	}
	if (a->act == RETRY_TOKEN) {
		if (c->status == 0)
			msg_warn(
			    "Marketo refused %d new tokens in a row; stopping", MAX_RENEWALS);
		c->status = MSI_EXIT_SERVICE;
		a->act = RETRY_FATAL;
	}
	if (a->act != RETRY_AGAIN)
		return a->act;
	json_decref(a->json);
	a->json = NULL;
	if ((delay = mkclient_retry_after(c, ++*attempts)) < 0) {
		a->act = RETRY_REJECT;
		a->exhausted = 1;
		snprintf(a->code, sizeof a->code, "%s", retry_cause_name(a->cause));
		snprintf(
		    a->message, sizeof a->message, "gave up after %d retries", c->max_retries);
		return a->act;
	}
	*not_before = http_now() + delay;
	return RETRY_AGAIN;
}

/*
 * One call made to the end, waiting as it must: for its turn, for a token,
 * between resends (at most c->max_retries of them). Returns what
 * mkclient_next says for good.
 */
enum retry_action
mkclient_call(struct mkclient *c, const char *path, const char *body, size_t len,
    const char *content_type, struct mkanswer *a)
{
	struct http_call call;
	int attempts = 0, renewals = 0;
	double delay, not_before;
	CURLcode rc;

	for (;;) {
		if (mkclient_token(c, 0) != 0) {
			memset(a, 0, sizeof *a);
			a->act = RETRY_FATAL;
			snprintf(a->code, sizeof a->code, "token");
			return a->act;
		}
		while ((delay = mkclient_turn(c)) > 0)
			http_pause(delay);
		mkclient_start(c, &call, path, body, len, content_type);
		rc = curl_easy_perform(call.easy);
		mkclient_judge(c, &call, rc, a);
		http_call_free(&call);
		if (mkclient_next(c, a, &attempts, &renewals, &not_before) != RETRY_AGAIN)
			return a->act;
		if ((delay = not_before - http_now()) > 0)
			http_pause(delay);
	}
}

/* "calls: N; retries: CAUSE N ..." for a tool's closing line. */
void
mkclient_summary(const struct mkclient *c, FILE *fp)
{
	int i, any = 0;

	fprintf(fp, "calls: %lu; retries:", c->calls);
	for (i = 0; i < RETRY_CAUSES; i++) {
		if (c->retries[i] > 0) {
			fprintf(fp, " %s %lu", retry_cause_name((enum retry_cause)i),
			    c->retries[i]);
			any = 1;
		}
	}
	fprintf(fp, "%s; %.1f s", any ? "" : " none", http_now() - c->started);
}

/*
 * A query's answer: when Marketo gives a token for a next page, cuts form
 * back to its first base bytes, adds the token, and returns 1; else 0.
 */
int
mkclient_next_page(const json_t *answer, struct jsonbuf *form, size_t base)
{
	const char *token = json_string_value(json_object_get(answer, "nextPageToken"));
	char *esc;

	if (token == NULL || json_is_false(json_object_get(answer, "moreResult")) ||
	    json_array_size(json_object_get(answer, "result")) == 0)
		return 0;
	form->len = base;
	jsonbuf_addstr(form, "&nextPageToken=");
	esc = curl_easy_escape(NULL, token, 0);
	jsonbuf_addstr(form, esc);
	curl_free(esc);
	return 1;
}

/*
 * Asks Marketo for the records of path (the query call of what) whose
 * filter field is one of ids[0..n) (at most 300), with fields, following
 * nextPageToken; fn gets each record found. The query goes as POST
 * ?_method=GET with a form body (Adobe's "Query" pages allow it): 300 ids
 * make a URL over what the client builds. Returns 0, or -1 when calls must
 * stop (mkclient_status says why; what failed was said, as what did).
 */
int
mkclient_query(struct mkclient *c, const char *what, const char *path, const char *filter,
    const char *fields, const char **ids, size_t n, void (*fn)(void *ctx, json_t *rec),
    void *ctx)
{
	struct jsonbuf form = {0};
	struct mkanswer a;
	json_t *rec;
	char *esc, *url;
	size_t i, base;
	int status = 0, more;

	url = easprintf("%s?_method=GET", path);
	jsonbuf_addstr(&form, "filterType=");
	jsonbuf_addstr(&form, filter);
	jsonbuf_addstr(&form, "&batchSize=300&fields=");
	esc = curl_easy_escape(NULL, fields, 0);
	jsonbuf_addstr(&form, esc);
	curl_free(esc);
	jsonbuf_addstr(&form, "&filterValues=");
	for (i = 0; i < n; i++) {
		if (i > 0)
			jsonbuf_addstr(&form, "%2C");
		esc = curl_easy_escape(NULL, ids[i], 0);
		jsonbuf_addstr(&form, esc);
		curl_free(esc);
	}
	base = form.len;
	for (;;) {
		if (mkclient_call(c, url, form.data, form.len,
		        "application/x-www-form-urlencoded", &a) != RETRY_DONE) {
			if (mkclient_status(c) == 0) {
				msg_warn("the %s query failed: %s %s; stopping", what, a.code,
				    a.message);
				mkclient_stop(c, MSI_EXIT_SERVICE);
			}
			json_decref(a.json);
			status = -1;
			break;
		}
		json_array_foreach (json_object_get(a.json, "result"), i, rec)
			fn(ctx, rec);
		more = mkclient_next_page(a.json, &form, base);
		json_decref(a.json);
		if (!more)
			break;
	}
	jsonbuf_free(&form);
	free(url);
	return status;
}
