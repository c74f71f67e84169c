/* auth.c: the OAuth 2.0 token endpoint (client credentials, JWT bearer) and the tokens issued.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>

#include "ealloc.h"
#include "msg.h"
#include "../simlib/form.h"
#include "sim.h"

#define JWT_MAX       8192  /* an assertion longer than this is refused */
#define TOKEN_LEN     64    /* a token's length: 00DSIM000000001! and 48 more */
#define TOKEN_LEN_MAX 32768 /* the most SALESFORCE_SIM_TOKEN_SHAPE's long= takes */

static struct auth_config config;
static EVP_PKEY *jwt_key; /* the connected app's certificate's key, or NULL */
static json_t *tokens;    /* token -> its expiry, in ms */
static long issued;

/*
 * The shape of the token answers, from SALESFORCE_SIM_TOKEN_SHAPE, for the
 * clients' tests: a token of long_len characters (as JWT-based tokens can
 * be), one with a CR LF and a header line in it, one with a blank, an
 * answer without its id URL.
 */
static struct {
	long long_len;
	int crlf, blank, no_id, echo, long_url;
} shape;
static const char *site_audience; /* SALESFORCE_SIM_JWT_AUDIENCE, or NULL */

/* Reads SALESFORCE_SIM_TOKEN_SHAPE: words long=N, crlf, blank, noid, echo, longurl,
 * comma-separated. */
static int
read_shape(const char *v)
{
	const char *all = v;
	char word[32], *end;
	size_t n;

	while (v != NULL && *v != '\0') {
		n = strcspn(v, ",");
		snprintf(
		    word, sizeof word, "%.*s", (int)(n < sizeof word ? n : sizeof word - 1), v);
		if (strcmp(word, "crlf") == 0)
			shape.crlf = 1;
		else if (strcmp(word, "blank") == 0)
			shape.blank = 1;
		else if (strcmp(word, "noid") == 0)
			shape.no_id = 1;
		else if (strcmp(word, "echo") == 0)
			shape.echo = 1;
		else if (strcmp(word, "longurl") == 0)
			shape.long_url = 1;
		else if (strncmp(word, "long=", 5) == 0 &&
		         (shape.long_len = strtol(word + 5, &end, 10)) >= TOKEN_LEN &&
		         shape.long_len <= TOKEN_LEN_MAX && *end == '\0' && n < sizeof word)
			;
		else {
			msg_warn(
			    "bad SALESFORCE_SIM_TOKEN_SHAPE \"%s\": long=N (N from %d to %d), "
			    "crlf, blank, noid, echo, longurl, comma-separated",
			    all, TOKEN_LEN, TOKEN_LEN_MAX);
			return -1;
		}
		v += n + (v[n] == ',');
	}
	return 0;
}

/* Reads the JWT flow's public key: a PEM public key or certificate. 0, or -1. */
int
auth_init(const struct auth_config *cfg)
{
	FILE *fp;
	X509 *cert;

	config = *cfg;
	tokens = json_object();
	if (read_shape(getenv("SALESFORCE_SIM_TOKEN_SHAPE")) != 0)
		return -1;
	if ((site_audience = getenv("SALESFORCE_SIM_JWT_AUDIENCE")) != NULL &&
	    *site_audience == '\0')
		site_audience = NULL;
	if (cfg->jwt_key_file == NULL)
		return 0;
	if ((fp = fopen(cfg->jwt_key_file, "r")) == NULL) {
		msg_syswarn("%s", cfg->jwt_key_file);
		return -1;
	}
	if ((jwt_key = PEM_read_PUBKEY(fp, NULL, NULL, NULL)) == NULL) {
		rewind(fp);
		if ((cert = PEM_read_X509(fp, NULL, NULL, NULL)) != NULL) {
			jwt_key = X509_get_pubkey(cert);
			X509_free(cert);
		}
	}
	fclose(fp);
	if (jwt_key == NULL || EVP_PKEY_base_id(jwt_key) != EVP_PKEY_RSA) {
		msg_warn("%s: not a PEM RSA public key or certificate", cfg->jwt_key_file);
		EVP_PKEY_free(jwt_key);
		jwt_key = NULL;
		return -1;
	}
	return 0;
}

void
auth_free(void)
{
	EVP_PKEY_free(jwt_key);
	jwt_key = NULL;
	json_decref(tokens);
	tokens = NULL;
}

long
auth_issued(void)
{
	return issued;
}

/* Every token issued so far stops working, as on expiry or revocation. Returns how many. */
long
auth_expire_all(void)
{
	long n = (long)json_object_size(tokens);

	json_object_clear(tokens);
	return n;
}

/* 0 when an Authorization header carries a live token ("Bearer" or "OAuth"), else -1. */
int
auth_check(const char *authorization)
{
	const char *token;
	json_t *expiry;

	if (authorization == NULL)
		return -1;
	if (strncasecmp(authorization, "Bearer ", 7) == 0)
		token = authorization + 7;
	else if (strncasecmp(authorization, "OAuth ", 6) == 0)
		token = authorization + 6;
	else
		return -1;
	if ((expiry = json_object_get(tokens, token)) == NULL)
		return -1;
	if (stamp_now() >= json_integer_value(expiry)) {
		json_object_del(tokens, token);
		return -1;
	}
	return 0;
}

static void
oauth_error(struct answer *a, const char *error, const char *description)
{
	a->status = 400;
	a->json = json_pack("{s:s, s:s}", "error", error, "error_description", description);
}

/* A base64url part of a JWT as JSON: a new reference, or NULL. */
static json_t *
jwt_json(const char *part, size_t n)
{
	unsigned char *buf = emalloc(n + 1);
	size_t len;
	json_t *v = NULL;

	if (b64_decode(part, n, buf, &len) == 0)
		v = json_loadb((const char *)buf, len, 0, NULL);
	free(buf);
	return v;
}

/*
 * Whether an aud claim is one Salesforce takes: https://login.salesforce.com,
 * https://test.salesforce.com, or the Experience Cloud site's URL
 * (SALESFORCE_SIM_JWT_AUDIENCE), whatever host the assertion was posted to
 * ("OAuth 2.0 JWT Bearer Flow for Server-to-Server Integration",
 * https://help.salesforce.com/s/articleView?id=sf.remoteaccess_oauth_jwt_flow.htm&type=5).
 * The simulator's own URL is not one: a client that sends its login URL is
 * refused here as Salesforce refuses it.
 */
static int
audience_ok(const char *aud)
{
	const char *ok[] = {
	    "https://login.salesforce.com", "https://test.salesforce.com", site_audience};
	size_t n = strlen(aud), i;

	if (n > 0 && aud[n - 1] == '/')
		n--;
	for (i = 0; i < 3; i++)
		if (ok[i] != NULL && strlen(ok[i]) == n && strncmp(aud, ok[i], n) == 0)
			return 1;
	return 0;
}

/*
 * The exp claim as a number: a JSON number, or a string of digits, as
 * Salesforce's own example gives it ("exp": "1333685628", in "OAuth 2.0
 * JWT Bearer Flow for Server-to-Server Integration", above). 0, or -1.
 */
static int
jwt_exp(json_t *v, double *exp)
{
	const char *s = json_string_value(v);
	char *end;

	if (json_is_number(v)) {
		*exp = json_number_value(v);
		return 0;
	}
	if (s == NULL || *s < '0' || *s > '9' || strlen(s) > 15)
		return -1;
	*exp = (double)strtoll(s, &end, 10);
	return *end == '\0' ? 0 : -1;
}

/* Checks a JWT bearer assertion; NULL when it is good, else why not. */
static const char *
jwt_check(const char *jwt)
{
	const char *dot1, *dot2, *why = "invalid assertion";
	json_t *header = NULL, *claims = NULL, *aud, *v;
	unsigned char *sig = NULL;
	size_t siglen, i;
	EVP_MD_CTX *ctx = NULL;
	double now = (double)time(NULL), exp;
	int ok = 0;

	if (jwt_key == NULL)
		return "JWT bearer flow not enabled for this client";
	if (strlen(jwt) > JWT_MAX || (dot1 = strchr(jwt, '.')) == NULL ||
	    (dot2 = strchr(dot1 + 1, '.')) == NULL || strchr(dot2 + 1, '.') != NULL)
		goto out;
	header = jwt_json(jwt, (size_t)(dot1 - jwt));
	claims = jwt_json(dot1 + 1, (size_t)(dot2 - dot1 - 1));
	if (!json_is_object(header) || !json_is_object(claims))
		goto out;
	v = json_object_get(header, "alg");
	if (!json_is_string(v) || strcmp(json_string_value(v), "RS256") != 0)
		goto out;
	sig = emalloc(strlen(dot2 + 1) + 1);
	if (b64_decode(dot2 + 1, strlen(dot2 + 1), sig, &siglen) != 0)
		goto out;
	if ((ctx = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestVerifyInit(ctx, NULL, EVP_sha256(), NULL, jwt_key) != 1 ||
	    EVP_DigestVerify(
	        ctx, sig, siglen, (const unsigned char *)jwt, (size_t)(dot2 - jwt)) != 1)
		goto out;
	v = json_object_get(claims, "iss");
	if (!json_is_string(v) || strcmp(json_string_value(v), config.client_id) != 0) {
		why = "client identifier invalid";
		goto out;
	}
	aud = json_object_get(claims, "aud");
	ok = json_is_string(aud) && audience_ok(json_string_value(aud));
	json_array_foreach (aud, i, v) {
		ok |= json_is_string(v) && audience_ok(json_string_value(v));
	}
	if (!ok) {
		why = "audience is invalid";
		goto out;
	}
	ok = 0;
	v = json_object_get(claims, "sub");
	if (!json_is_string(v) || strcmp(json_string_value(v), config.jwt_username) != 0) {
		why = "user hasn't approved this consumer";
		goto out;
	}
	v = json_object_get(claims, "exp");
	if (jwt_exp(v, &exp) != 0) {
		why = "invalid assertion: no exp";
		goto out;
	}
	if (exp <= now) {
		why = "expired authorization code";
		goto out;
	}
	if (exp > now + 300) {
		why = "invalid assertion: exp more than 5 minutes ahead";
		goto out;
	}
	ok = 1;
out:
	EVP_MD_CTX_free(ctx);
	free(sig);
	json_decref(header);
	json_decref(claims);
	ERR_clear_error();
	return ok ? NULL : why;
}

/* A new token for the integration user (of the shape asked), and its answer. */
static void
issue(const char *base, struct answer *a)
{
	unsigned char random[36], mac[EVP_MAX_MD_SIZE];
	char *token, idurl[256], stamp[24], signature[128];
	unsigned maclen = 0;
	size_t n, len = shape.long_len > TOKEN_LEN ? (size_t)shape.long_len : TOKEN_LEN;

	token = emalloc(len + 64);
	n = (size_t)snprintf(token, len + 64, "%.15s!", config.org_id);
	while (n < len) {
		if (RAND_bytes(random, sizeof random) != 1)
			memset(random, 7, sizeof random);
		n += b64_encode(random, sizeof random, 1, 0, token + n);
	}
	token[len] = '\0';
	if (shape.blank)
		token[len / 2] = ' ';
	if (shape.crlf)
		strcat(token, "\r\nX-Injected:1");
	snprintf(idurl, sizeof idurl, "%s/id/%s/%s", base, config.org_id, config.user_id);
	snprintf(stamp, sizeof stamp, "%lld", stamp_now());
	/* Salesforce signs the id URL and issued_at with the client secret */
	{
		char *msg = emalloc(strlen(idurl) + strlen(stamp) + 1);

		strcpy(msg, idurl);
		strcat(msg, stamp);
		HMAC(EVP_sha256(), config.client_secret, (int)strlen(config.client_secret),
		    (const unsigned char *)msg, strlen(msg), mac, &maclen);
		free(msg);
	}
	b64_encode(mac, maclen, 0, 1, signature);
	json_object_set_new(
	    tokens, token, json_integer((json_int_t)(stamp_now() + config.token_ttl * 1000)));
	issued++;
	a->status = 200;
	a->json = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "access_token", token,
	    "instance_url", base, "id", idurl, "token_type", "Bearer", "issued_at", stamp,
	    "signature", signature, "scope", "api");
	if (shape.no_id)
		json_object_del(a->json, "id");
	if (shape.long_url) { /* an instance URL of 5000 characters: its own path makes it so */
		struct jsonbuf u = {0};

		jsonbuf_addstr(&u, base);
		jsonbuf_addstr(&u, "/");
		while (u.len < 5000)
			jsonbuf_addstr(&u, "instance");
		jsonbuf_add(&u, "", 1);
		json_object_set_new(a->json, "instance_url", json_string(u.data));
		jsonbuf_free(&u);
	}
	free(token);
}

/*
 * Client credentials given as HTTP Basic authentication, base64 of
 * "id:secret" (RFC 6749 section 2.3.1), which Salesforce takes as it takes
 * them in the body ("OAuth 2.0 Client Credentials Flow for Server-to-Server
 * Integration",
 * https://help.salesforce.com/s/articleView?id=xcloud.remoteaccess_oauth_client_credentials_flow.htm&type=5).
 * Returns the decoded "id:secret" (the caller frees it) with *colon at the
 * colon, or NULL.
 */
static char *
basic_credentials(const char *authorization, char **colon)
{
	const char *p;
	unsigned char *buf;
	size_t n, len;

	if (authorization == NULL || strncasecmp(authorization, "Basic ", 6) != 0)
		return NULL;
	p = authorization + 6 + strspn(authorization + 6, " ");
	n = strlen(p);
	buf = emalloc(n + 1);
	if (b64_decode(p, n, buf, &len) != 0 || memchr(buf, '\0', len) != NULL) {
		free(buf);
		return NULL;
	}
	buf[len] = '\0';
	if ((*colon = strchr((char *)buf, ':')) == NULL) {
		free(buf);
		return NULL;
	}
	return (char *)buf;
}

/*
 * POST /services/oauth2/token with a form body. base: the simulator as the
 * client reached it (http://HOST from the Host header): the instance_url
 * of the answer; authorization: the call's Authorization header, or NULL.
 */
void
auth_token(
    const char *form, size_t len, const char *base, const char *authorization, struct answer *a)
{
	json_t *params = form_params(form, len);
	const char *grant = json_string_value(json_object_get(params, "grant_type"));
	const char *id = json_string_value(json_object_get(params, "client_id"));
	const char *secret = json_string_value(json_object_get(params, "client_secret"));
	const char *assertion = json_string_value(json_object_get(params, "assertion"));
	const char *why;
	char *basic = NULL, *colon;

	if (shape.echo) {
		/* a server that answers with what it was sent, and a terminal's escapes */
		struct jsonbuf echo = {0};

		jsonbuf_add(&echo, form, len);
		jsonbuf_addstr(&echo, "\x1b[2J\r\nX-Injected: 1");
		jsonbuf_add(&echo, "", 1);
		oauth_error(a, "invalid_request", echo.data);
		jsonbuf_free(&echo);
		json_decref(params);
		return;
	}
	if (grant != NULL && strcmp(grant, "client_credentials") == 0 &&
	    (id == NULL || secret == NULL) &&
	    (basic = basic_credentials(authorization, &colon)) != NULL) {
		*colon = '\0';
		id = basic;
		secret = colon + 1;
	}
	if (grant != NULL && strcmp(grant, "client_credentials") == 0) {
		if (id == NULL || secret == NULL || strcmp(id, config.client_id) != 0 ||
		    strcmp(secret, config.client_secret) != 0)
			oauth_error(a, "invalid_client", "invalid client credentials");
		else
			issue(base, a);
	} else if (grant != NULL &&
	           strcmp(grant, "urn:ietf:params:oauth:grant-type:jwt-bearer") == 0) {
		if (assertion == NULL)
			oauth_error(a, "invalid_grant", "no assertion");
		else if ((why = jwt_check(assertion)) != NULL)
			oauth_error(a, "invalid_grant", why);
		else
			issue(base, a);
	} else
		oauth_error(a, "unsupported_grant_type", "grant type not supported");
	if (basic != NULL) {
		memset(basic, 0, strlen(basic) + strlen(basic + strlen(basic) + 1) + 1);
		free(basic);
	}
	json_decref(params);
}
