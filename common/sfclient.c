/*
 * sfclient.c: one run's Salesforce calls: the credentials (environment or
 * a file only its owner may read, as Marketo's), the OAuth 2.0 token of the
 * client credentials or the JWT bearer flow, a token renewed once on 401,
 * 5xx and network faults resent with backoff, REQUEST_LIMIT_EXCEEDED a
 * stop, and the API usage Salesforce reports.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <jansson.h>

#include "ealloc.h"
#include "exitcode.h"
#include "jwt.h"
#include "msg.h"
#include "retry.h"
#include "sfclient.h"

static const struct conf_key settings[] = {
    {"SALESFORCE_LOGIN_URL", "login_url", offsetof(struct sfconf, login_url), 1},
    {"SALESFORCE_CLIENT_ID", "client_id", offsetof(struct sfconf, client_id), 0},
    {"SALESFORCE_CLIENT_SECRET", "client_secret", offsetof(struct sfconf, client_secret), 0},
    {"SALESFORCE_USERNAME", "username", offsetof(struct sfconf, username), 0},
    {"SALESFORCE_PRIVATE_KEY_FILE", "private_key_file",
        offsetof(struct sfconf, private_key_file), 0},
    {"SALESFORCE_AUDIENCE", "audience", offsetof(struct sfconf, audience), 1},
    {"SALESFORCE_API_VERSION", "api_version", offsetof(struct sfconf, api_version), 0},
};
#define NSETTINGS (sizeof settings / sizeof settings[0])

/* A JWT assertion is good this long: Salesforce takes at most 3 minutes. */
#define JWT_LIFETIME 170L

/* Above this share of the org's API allocation, the usage is a warning. */
#define USAGE_WARN 0.9

/*
 * The JWT's aud when no audience is set. Salesforce takes only
 * https://login.salesforce.com, https://test.salesforce.com (sandboxes) or
 * an Experience Cloud site's URL, whatever host the assertion is posted
 * to, and answers any other "invalid_grant: audience is invalid" ("OAuth
 * 2.0 JWT Bearer Flow for Server-to-Server Integration",
 * https://help.salesforce.com/s/articleView?id=sf.remoteaccess_oauth_jwt_flow.htm&type=5).
 * A sandbox's login URL is test.salesforce.com or its My Domain,
 * MyDomainName--SandboxName.sandbox.my.salesforce.com ("OAuth Endpoints",
 * https://help.salesforce.com/s/articleView?id=xcloud.remoteaccess_oauth_endpoints.htm&type=5);
 * any other (production, a My Domain, a site) gets login.salesforce.com. A
 * site's users, or a sandbox on a domain of another shape, set the audience.
 */
static const char *
default_audience(const char *login_url)
{
	static const char sandbox[] = ".sandbox.my.salesforce.com";
	const char *host = strstr(login_url, "://");
	size_t n;

	host = host ? host + 3 : login_url;
	n = strcspn(host, ":/?#");
	if ((n == 19 && strncasecmp(host, "test.salesforce.com", n) == 0) ||
	    (n > sizeof sandbox - 1 &&
	        strncasecmp(host + n - (sizeof sandbox - 1), sandbox, sizeof sandbox - 1) == 0))
		return "https://test.salesforce.com";
	return "https://login.salesforce.com";
}

/*
 * The login URL without the token endpoint's path, which is added to it: a
 * URL copied whole from Salesforce's OAuth endpoints page
 * (https://MyDomain.my.salesforce.com/services/oauth2/token) means the same
 * org, and would otherwise be called at .../services/oauth2/token/services/
 * oauth2/token, a 404, with the JWT audience taken from it as well. Cut in
 * place (the string is the settings').
 */
static void
login_url_trim(char *url)
{
	static const char token[] = "/services/oauth2/token";
	size_t n = strlen(url);

	while (n > 0 && url[n - 1] == '/')
		n--;
	if (n >= sizeof token - 1 &&
	    strncasecmp(url + n - (sizeof token - 1), token, sizeof token - 1) == 0)
		n -= sizeof token - 1;
	while (n > 0 && url[n - 1] == '/')
		n--;
	url[n] = '\0';
}

/*
 * Reads the settings (the config file, if any, then the environment) and
 * checks them: a login URL fit for the credentials, a client id, and the
 * credentials of one flow. Returns 0, or -1 with why (never a secret).
 */
int
sfclient_init(struct sfclient *c, const char *config, long timeout_ms, int max_retries,
    char why[MKCONF_WHY_SIZE])
{
	const char *v;

	memset(c, 0, sizeof *c);
	if (config == NULL && (v = getenv("SALESFORCE_CONFIG")) != NULL && *v != '\0')
		config = v;
	if (conf_read(&c->conf, settings, NSETTINGS, config, why) != 0)
		return -1;
	if (c->conf.login_url == NULL || c->conf.client_id == NULL) {
		snprintf(why, MKCONF_WHY_SIZE, "%s is not set (environment%s)",
		    c->conf.login_url == NULL ? "SALESFORCE_LOGIN_URL" : "SALESFORCE_CLIENT_ID",
		    config ? " or config file" : "");
		return -1;
	}
	login_url_trim(c->conf.login_url);
	if (!mkconf_url_allowed("SALESFORCE_LOGIN_URL", c->conf.login_url, why))
		return -1;
	c->jwt = c->conf.username != NULL || c->conf.private_key_file != NULL;
	if (c->jwt && (c->conf.username == NULL || c->conf.private_key_file == NULL)) {
		snprintf(why, MKCONF_WHY_SIZE,
		    "the JWT bearer flow needs both SALESFORCE_USERNAME and "
		    "SALESFORCE_PRIVATE_KEY_FILE; %s is not set",
		    c->conf.username == NULL ? "SALESFORCE_USERNAME"
		                             : "SALESFORCE_PRIVATE_KEY_FILE");
		return -1;
	}
	if (c->conf.audience != NULL) {
		v = c->conf.audience;
		if (strncmp(v, "https://", 8) != 0 || v[8] == '\0' || v[8] == '/' ||
		    strspn(v, "!#$%&'()*+,-./0123456789:;=?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[]_"
		              "abcdefghijklmnopqrstuvwxyz~") != strlen(v)) {
			snprintf(why, MKCONF_WHY_SIZE,
			    "SALESFORCE_AUDIENCE \"%.60s\" is not an https:// URL such as "
			    "https://test.salesforce.com",
			    v);
			return -1;
		}
		if (!c->jwt) {
			snprintf(why, MKCONF_WHY_SIZE,
			    "SALESFORCE_AUDIENCE is the JWT bearer flow's: it needs "
			    "SALESFORCE_USERNAME and SALESFORCE_PRIVATE_KEY_FILE");
			return -1;
		}
	}
	c->audience = c->conf.audience ? c->conf.audience : default_audience(c->conf.login_url);
	if (!c->jwt && c->conf.client_secret == NULL) {
		snprintf(why, MKCONF_WHY_SIZE,
		    "SALESFORCE_CLIENT_SECRET is not set (client credentials flow), nor "
		    "SALESFORCE_USERNAME and SALESFORCE_PRIVATE_KEY_FILE (JWT bearer flow)");
		return -1;
	}
	if (c->conf.api_version != NULL) {
		v = c->conf.api_version + (c->conf.api_version[0] == 'v');
		if (strspn(v, "0123456789") == 0 || v[strspn(v, "0123456789")] != '.' ||
		    strspn(v + strspn(v, "0123456789") + 1, "0123456789") !=
		        strlen(v + strspn(v, "0123456789") + 1)) {
			snprintf(why, MKCONF_WHY_SIZE,
			    "SALESFORCE_API_VERSION \"%.40s\" is not a version such as 62.0",
			    c->conf.api_version);
			return -1;
		}
	}
	http_init();
	c->timeout_ms = timeout_ms;
	c->max_retries = max_retries;
	c->rng = 0x9e3779b97f4a7c15UL ^ (unsigned long)getpid();
	return 0;
}

/* The token, wiped and freed. */
static void
drop_token(struct sfclient *c)
{
	if (c->token != NULL) {
		msg_forget(c->token);
		memset(c->token, 0, strlen(c->token));
		free(c->token);
		c->token = NULL;
	}
}

void
sfclient_free(struct sfclient *c)
{
	conf_wipe(&c->conf, settings, NSETTINGS);
	c->audience = NULL;
	drop_token(c);
	free(c->instance);
	c->instance = NULL;
	curl_global_cleanup();
}

/* Salesforce's error array [{"errorCode","message"}] (or an OAuth error object) into e. */
static void
read_error(const struct http_call *call, struct sferror *e)
{
	json_t *j, *first;
	const char *code = NULL, *message = NULL;

	e->http = http_status(call);
	j = json_loadb(
	    call->response.data ? call->response.data : "", call->response.len, 0, NULL);
	first = json_is_array(j) ? json_array_get(j, 0) : j;
	if (json_is_object(first)) {
		code = json_string_value(json_object_get(first, "errorCode"));
		message = json_string_value(json_object_get(first, "message"));
		if (code == NULL)
			code = json_string_value(json_object_get(first, "error"));
		if (message == NULL)
			message =
			    json_string_value(json_object_get(first, "error_description"));
	}
	snprintf(e->code, sizeof e->code, "%s", code ? code : "");
	snprintf(e->message, sizeof e->message, "%s", message ? message : "");
	json_decref(j);
}

/* The usage Salesforce reports, kept; past USAGE_WARN of the allocation, said once. */
static void
note_usage(struct sfclient *c, const struct http_call *call)
{
	char v[64];
	unsigned long used, max;

	if (!http_header(call, "Sforce-Limit-Info", v, sizeof v))
		return;
	snprintf(c->usage, sizeof c->usage, "%s", v);
	if (!c->usage_warned && sscanf(v, "api-usage=%lu/%lu", &used, &max) == 2 && max > 0 &&
	    (double)used >= USAGE_WARN * (double)max) {
		msg_warn("Salesforce API usage %lu of %lu in the last 24 hours: the org's "
		         "allocation is nearly spent",
		    used, max);
		c->usage_warned = 1;
	}
}

/* What to do about a call that ended with rc and status: RETRY_DONE, _AGAIN or _FATAL. */
static enum retry_action
classify(CURLcode rc, long status)
{
	switch (http_transport(rc)) {
	case TRANSPORT_CONNECT:
	case TRANSPORT_TIMEOUT: return RETRY_AGAIN;
	case TRANSPORT_OTHER: return RETRY_FATAL;
	case TRANSPORT_OK: break;
	}
	if (status >= 500)
		return RETRY_AGAIN;
	return RETRY_DONE;
}

/*
 * When the attempt-th resend may go (now + a full-jitter backoff); 0, or -1
 * when the retries are spent.
 */
static int
backoff(struct sfclient *c, int attempt, double *when)
{
	if (attempt > c->max_retries)
		return -1;
	c->retries++;
	*when = http_now() + retry_backoff(attempt - 1, 0.5, 30.0, &c->rng);
	return 0;
}

/* Takes the org's id from the identity URL .../id/00D.../005... */
static void
take_org(struct sfclient *c, const char *id_url)
{
	const char *p = id_url ? strstr(id_url, "/id/") : NULL;
	size_t n;

	c->org[0] = '\0';
	if (p == NULL)
		return;
	p += 4;
	n = strcspn(p, "/");
	if (n == 15 || n == 18)
		snprintf(c->org, sizeof c->org, "%.*s", (int)n, p);
}

/* The token call's form body: the secret or the signed assertion, URL-escaped. */
static char *
token_body(struct sfclient *c, size_t *len, struct sferror *e)
{
	CURL *esc = curl_easy_init();
	char *a, *b, *body, *assertion;
	size_t n;

	if (esc == NULL)
		msg_fatal(MSI_EXIT_IO, "cannot initialise libcurl");
	if (c->jwt) {
		char why[JWT_WHY_SIZE];

		if ((assertion = jwt_rs256(c->conf.private_key_file, c->conf.client_id,
		         c->conf.username, c->audience, JWT_LIFETIME, why)) == NULL) {
			snprintf(e->message, sizeof e->message, "%s", why);
			curl_easy_cleanup(esc);
			return NULL;
		}
		a = curl_easy_escape(esc, assertion, 0);
		n = strlen(a) + 80;
		body = emalloc(n);
		*len = (size_t)snprintf(body, n,
		    "grant_type=urn%%3Aietf%%3Aparams%%3Aoauth%%3Agrant-type%%3Ajwt-bearer&assertion=%s",
		    a);
		memset(assertion, 0, strlen(assertion));
		free(assertion);
		memset(a, 0, strlen(a));
		curl_free(a);
	} else {
		a = curl_easy_escape(esc, c->conf.client_id, 0);
		b = curl_easy_escape(esc, c->conf.client_secret, 0);
		n = strlen(a) + strlen(b) + 80;
		body = emalloc(n);
		*len = (size_t)snprintf(body, n,
		    "grant_type=client_credentials&client_id=%s&client_secret=%s", a, b);
		memset(b, 0, strlen(b));
		curl_free(a);
		curl_free(b);
	}
	curl_easy_cleanup(esc);
	return body;
}

/*
 * Whether the access token of len bytes can go in an Authorization header
 * as it is: 0, or -1 with why (never the token). Salesforce's tokens are
 * opaque ("00D...!AQ...") or JWT-based, three base64url parts, which carry
 * claims and can be long; Salesforce states no maximum ("Access Tokens",
 * https://help.salesforce.com/s/articleView?id=sf.remoteaccess_access_tokens.htm&type=5;
 * "JWT-Based Access Tokens",
 * https://help.salesforce.com/s/articleView?id=xcloud.jwt_access_tokens.htm&type=5).
 * So a token of any length up to SF_TOKEN_MAX is taken whole, and only
 * visible ASCII: a control character would end the header early (a CR LF:
 * further headers, of the answer's making, on every call) and a blank
 * would split it.
 */
static int
token_usable(const char *tok, size_t len, char *why, size_t size)
{
	size_t i;

	if (len == 0) {
		snprintf(why, size, "it is empty");
		return -1;
	}
	if (len > SF_TOKEN_MAX) {
		snprintf(why, size, "it is %zu characters long, more than the %d taken", len,
		    SF_TOKEN_MAX);
		return -1;
	}
	for (i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)tok[i];

		if (ch > ' ' && ch < 0x7f)
			continue;
		snprintf(why, size, "character %zu of %zu is %s", i + 1, len,
		    ch == '\r' || ch == '\n'  ? "a line break"
		    : ch == ' ' || ch == '\t' ? "a blank"
		    : ch < ' ' || ch == 0x7f  ? "a control character"
		                              : "not ASCII");
		return -1;
	}
	return 0;
}

/*
 * Asks the login URL's token endpoint for an access token. Returns 0, or
 * an exit status with e->message (never a secret): MSI_EXIT_SERVICE when
 * the credentials are refused or the endpoint cannot be reached.
 */
int
sfclient_token(struct sfclient *c, struct sferror *e)
{
	struct http_call call;
	char url[1024], why[MKCONF_WHY_SIZE];
	const char *tok, *inst;
	json_t *j;
	size_t len = 0;
	char *body;
	int attempt = 0;
	double when;
	CURLcode rc;

	memset(e, 0, sizeof *e);
	snprintf(url, sizeof url, "%s/services/oauth2/token", c->conf.login_url);
	for (;;) {
		if ((body = token_body(c, &len, e)) == NULL)
			return MSI_EXIT_USAGE;
		http_call_init(&call, url, NULL, body, len, "application/x-www-form-urlencoded",
		    c->timeout_ms);
		memset(body, 0, len);
		free(body);
		rc = curl_easy_perform(call.easy);
		memset(call.body, 0, len);
		if (classify(rc, http_status(&call)) != RETRY_AGAIN)
			break;
		if (backoff(c, ++attempt, &when) != 0) {
			/* what the last attempt met, in libcurl's words ("Could not resolve
			 * host: ...") or as its status */
			if (rc != CURLE_OK)
				snprintf(e->message, sizeof e->message,
				    "%.120s: %.120s (after %d retries)", url,
				    http_call_error(&call, rc), c->max_retries);
			else
				snprintf(e->message, sizeof e->message,
				    "%.200s: HTTP %ld (after %d retries)", url,
				    http_status(&call), c->max_retries);
			http_call_free(&call);
			return MSI_EXIT_SERVICE;
		}
		http_call_free(&call);
		if (when > http_now())
			http_pause(when - http_now());
	}
	if (rc != CURLE_OK) {
		snprintf(e->message, sizeof e->message, "%.150s: %.140s", url,
		    http_call_error(&call, rc));
		http_call_free(&call);
		return MSI_EXIT_SERVICE;
	}
	if (http_status(&call) != 200) {
		read_error(&call, e);
		snprintf(why, sizeof why, "%s", e->message);
		snprintf(e->message, sizeof e->message,
		    "%.120s: HTTP %ld: %.40s%s%.100s (%s flow)", url, e->http,
		    e->code[0] ? e->code : "refused", why[0] ? ": " : "", why,
		    c->jwt ? "JWT bearer" : "client credentials");
		http_call_free(&call);
		return MSI_EXIT_SERVICE;
	}
	j = json_loadb(
	    call.response.data ? call.response.data : "", call.response.len, 0, NULL);
	http_call_free(&call);
	tok = json_string_value(json_object_get(j, "access_token"));
	inst = json_string_value(json_object_get(j, "instance_url"));
	if (tok == NULL || inst == NULL) {
		snprintf(e->message, sizeof e->message,
		    "%.200s: no access_token and instance_url in the answer", url);
		json_decref(j);
		return MSI_EXIT_SERVICE;
	}
	if (token_usable(tok, json_string_length(json_object_get(j, "access_token")), why,
	        sizeof why) != 0) {
		snprintf(e->message, sizeof e->message,
		    "the token Salesforce gave is not usable: %.200s (%s flow)", why,
		    c->jwt ? "JWT bearer" : "client credentials");
		json_decref(j);
		return MSI_EXIT_SERVICE;
	}
	if (!mkconf_url_allowed("instance_url", inst, why)) {
		snprintf(e->message, sizeof e->message, "the token's answer: %.250s", why);
		json_decref(j);
		return MSI_EXIT_SERVICE;
	}
	drop_token(c);
	c->token = estrdup(tok);
	msg_secret(c->token); /* no message shows it, whatever a server echoes */
	free(c->instance);
	c->instance = estrdup(inst);
	while (strlen(c->instance) > 0 && c->instance[strlen(c->instance) - 1] == '/')
		c->instance[strlen(c->instance) - 1] = '\0';
	take_org(c, json_string_value(json_object_get(j, "id")));
	c->tokens++;
	json_decref(j);
	return 0;
}

/*
 * What to do about a token sfclient_token did not get (its status st and
 * e), for a person: which settings to look at; never a secret. Salesforce
 * answers a wrong consumer key or secret "invalid_client", and a grant it
 * will not give (a JWT it cannot verify, a user not approved for the app,
 * a client credentials flow without its Run As user) "invalid_grant"
 * ("OAuth 2.0 Client Credentials Flow for Server-to-Server Integration",
 * https://help.salesforce.com/s/articleView?id=xcloud.remoteaccess_oauth_client_credentials_flow.htm&type=5;
 * "OAuth 2.0 JWT Bearer Flow for Server-to-Server Integration",
 * https://help.salesforce.com/s/articleView?id=sf.remoteaccess_oauth_jwt_flow.htm&type=5).
 */
const char *
sfclient_token_hint(const struct sfclient *c, int st, const struct sferror *e)
{
	if (st == MSI_EXIT_USAGE)
		return "check private_key_file (SALESFORCE_PRIVATE_KEY_FILE): an RSA key without "
		       "passphrase, readable by its owner only";
	if (e->http == 0)
		return "check login_url (SALESFORCE_LOGIN_URL): the org's My Domain URL, and that "
		       "it can be reached from here";
	if (strcmp(e->code, "invalid_client") == 0)
		return c->jwt
		           ? "the client id is wrong: check client_id (SALESFORCE_CLIENT_ID), "
		             "the connected app's consumer key"
		           : "the client id or the client secret is wrong: check client_id "
		             "and client_secret (SALESFORCE_CLIENT_ID, "
		             "SALESFORCE_CLIENT_SECRET) against the connected app's consumer "
		             "key and secret";
	if (strcmp(e->code, "invalid_grant") == 0)
		return c->jwt
		           ? "check username and private_key_file (the key of the certificate "
		             "the connected app holds), the audience, and that the user is "
		             "approved for the app"
		           : "the connected app must allow the client credentials flow, with "
		             "a Run As user: Setup, App Manager, the app's policies";
	return "check login_url, client_id, and client_secret or username and private_key_file";
}

/*
 * Makes k's HTTP call ready with the token of now: path below
 * /services/data/vXX.X/ (or from /services/ on, as Salesforce's own
 * locators are), a body for POST, PATCH or PUT. The caller performs it
 * (curl_easy_perform, or a multi handle) and gives the outcome to
 * sfclient_judge. Returns 0, or an exit status with e when no token could
 * be had.
 */
int
sfclient_start(struct sfclient *c, struct sfcall *k, struct sferror *e)
{
	struct jsonbuf url = {0};
	int st;

	memset(e, 0, sizeof *e);
	if (c->token == NULL && (st = sfclient_token(c, e)) != 0)
		return st;
	/* as long as the instance and the path make it: a URL cut short would call another
	 * resource */
	jsonbuf_addstr(&url, c->instance);
	if (k->path[0] != '/') {
		jsonbuf_addstr(&url, "/services/data/v");
		jsonbuf_addstr(&url, c->conf.api_version
		                         ? c->conf.api_version + (c->conf.api_version[0] == 'v')
		                         : SF_API_VERSION);
		jsonbuf_addstr(&url, "/");
	}
	jsonbuf_addstr(&url, k->path);
	jsonbuf_add(&url, "", 1);
	http_call_init(k->http, url.data, c->token, k->body, k->body ? k->len : 0,
	    k->content_type ? k->content_type : "application/json", c->timeout_ms);
	jsonbuf_free(&url);
	if (k->body_file != NULL &&
	    http_call_body_file(k->http, k->body_file, k->body_size,
	        k->content_type ? k->content_type : "application/json") != 0) {
		snprintf(e->message, sizeof e->message, "%s %s: the body's file: %s", k->method,
		    k->path, strerror(errno));
		http_call_free(k->http);
		return MSI_EXIT_IO;
	}
	if (strcmp(k->method, "GET") != 0 && strcmp(k->method, "POST") != 0)
		curl_easy_setopt(k->http->easy, CURLOPT_CUSTOMREQUEST, k->method);
	if (k->accept != NULL)
		http_call_accept(k->http, k->accept);
	if (k->spill)
		http_call_spill(k->http);
	k->token_gen = c->tokens;
	return 0;
}

/*
 * What k's call came to, libcurl's rc: 0 with the 2xx answer in k->http
 * (the caller frees it); SF_AGAIN when it must be sent again (by
 * sfclient_start) once http_now() reaches k->not_before: 5xx, a dropped
 * connection and a time-out, max_retries times after a backoff, and a 401
 * once with a new token (at once, or with the token another call got
 * meanwhile); SF_REFUSED with e when Salesforce refused the call (4xx);
 * MSI_EXIT_QUOTA on REQUEST_LIMIT_EXCEEDED; MSI_EXIT_SERVICE with
 * e->message otherwise. k->http is freed but when 0 is returned.
 */
int
sfclient_judge(struct sfclient *c, struct sfcall *k, CURLcode rc, struct sferror *e)
{
	long status = http_status(k->http);
	int st;

	memset(e, 0, sizeof *e);
	c->calls++;
	if (rc == CURLE_OK)
		note_usage(c, k->http);
	switch (classify(rc, status)) {
	case RETRY_AGAIN:
		if (backoff(c, ++k->attempt, &k->not_before) == 0) {
			http_call_free(k->http);
			return SF_AGAIN;
		}
		if (rc != CURLE_OK)
			snprintf(e->message, sizeof e->message, "%s %s: %s (after %d retries)",
			    k->method, k->path, http_call_error(k->http, rc), c->max_retries);
		else
			snprintf(e->message, sizeof e->message,
			    "%s %s: HTTP %ld (after %d retries)", k->method, k->path, status,
			    c->max_retries);
		http_call_free(k->http);
		return MSI_EXIT_SERVICE;
	case RETRY_FATAL:
		snprintf(e->message, sizeof e->message, "%s %s: %s", k->method, k->path,
		    http_call_error(k->http, rc));
		http_call_free(k->http);
		return MSI_EXIT_SERVICE;
	default: break;
	}
	if (status >= 200 && status < 300)
		return 0;
	read_error(k->http, e);
	http_call_free(k->http);
	if (status == 401 && k->token_gen != c->tokens) {
		k->not_before = 0; /* another call renewed the token since this one went */
		return SF_AGAIN;
	}
	if (status == 401 && !k->renewed) {
		k->renewed = 1;
		if ((st = sfclient_token(c, e)) != 0)
			return st;
		k->not_before = 0;
		return SF_AGAIN;
	}
	if (status == 403 && strcmp(e->code, "REQUEST_LIMIT_EXCEEDED") == 0)
		return MSI_EXIT_QUOTA;
	if (status == 401) {
		char m[MKCONF_WHY_SIZE];

		snprintf(m, sizeof m, "%s", e->message);
		snprintf(e->message, sizeof e->message,
		    "%s %.80s: HTTP 401 %.40s with a new token too: %.100s", k->method, k->path,
		    e->code[0] ? e->code : "", m);
		return MSI_EXIT_SERVICE;
	}
	return SF_REFUSED;
}

/* k made and judged until it is done: sfclient_judge's results but SF_AGAIN. */
static int
call_until_done(
    struct sfclient *c, struct sfcall *k, struct http_call *answer, struct sferror *e)
{
	int st;

	for (;;) {
		if ((st = sfclient_start(c, k, e)) != 0)
			return st;
		st = sfclient_judge(c, k, curl_easy_perform(answer->easy), e);
		if (st != SF_AGAIN)
			return st;
		if (k->not_before > http_now())
			http_pause(k->not_before - http_now());
	}
}

/* One call, made and judged until it is done: sfclient_judge's results but SF_AGAIN. */
int
sfclient_call(struct sfclient *c, const char *method, const char *path, const char *body,
    const char *content_type, struct http_call *answer, struct sferror *e)
{
	struct sfcall k;

	memset(&k, 0, sizeof k);
	k.method = method;
	k.path = path;
	k.body = body;
	k.len = body ? strlen(body) : 0;
	k.content_type = content_type;
	k.http = answer;
	return call_until_done(c, &k, answer, e);
}

/* A PUT of size bytes read from fp (a Bulk API 2.0 upload), as sfclient_call. */
int
sfclient_put_file(struct sfclient *c, const char *path, FILE *fp, off_t size,
    const char *content_type, struct http_call *answer, struct sferror *e)
{
	struct sfcall k;

	memset(&k, 0, sizeof k);
	k.method = "PUT";
	k.path = path;
	k.body_file = fp;
	k.body_size = size;
	k.content_type = content_type;
	k.http = answer;
	return call_until_done(c, &k, answer, e);
}

/* A GET whose answer is CSV (Bulk API 2.0 results), as sfclient_call. */
int
sfclient_get_csv(
    struct sfclient *c, const char *path, struct http_call *answer, struct sferror *e)
{
	struct sfcall k;

	memset(&k, 0, sizeof k);
	k.method = "GET";
	k.path = path;
	k.accept = "text/csv";
	k.spill = 1; /* a results file may be of any size: read it with http_call_body */
	k.http = answer;
	return call_until_done(c, &k, answer, e);
}
