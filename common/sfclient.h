/* sfclient.h: one run's Salesforce calls: credentials, OAuth token, retries, API usage. */
#ifndef MSI_SFCLIENT_H
#define MSI_SFCLIENT_H

#include <stddef.h>

#include "http.h"
#include "mkconf.h"

/* Where the org is and the credentials to reach it; never printed, logged or written. */
struct sfconf {
	char *login_url; /* https://MyDomain.my.salesforce.com, login or test.salesforce.com */
	char *client_id; /* the connected app's consumer key */
	char *client_secret;    /* client credentials flow */
	char *username;         /* JWT bearer flow: the integration user ... */
	char *private_key_file; /* ... and the key whose certificate the app holds */
	char *audience;         /* the JWT's aud, when not the login URL's default */
	char *api_version;      /* "62.0" unless set */
};

#define SF_API_VERSION "62.0"

/* The longest access token taken: a bound on a hostile answer; Salesforce states none. */
#define SF_TOKEN_MAX 16384

struct sfclient {
	struct sfconf conf;
	int jwt;              /* the JWT bearer flow, else client credentials */
	const char *audience; /* the JWT's aud: conf.audience or a string literal */
	char *token;          /* the access token or NULL: only in an Authorization header */
	char *instance;       /* instance_url of the token's answer */
	char org[19];         /* the org's id (00D...), from the token's identity URL */
	long timeout_ms;
	int max_retries;
	unsigned long rng;
	unsigned long calls, tokens, retries;
	char usage[64]; /* the last Sforce-Limit-Info: "api-usage=USED/MAX" */
	int usage_warned;
};

/* What Salesforce answered when it refused a call: its errorCode and message. */
struct sferror {
	long http;
	char code[64];
	char message[MKCONF_WHY_SIZE];
};

/* sfclient_call's result when Salesforce refused the call itself (4xx): see the sferror. */
#define SF_REFUSED (-1)
/* sfclient_judge's: send the call again (sfclient_start) once not_before has come. */
#define SF_AGAIN (-2)

/* One call of several in flight: what to send, and how it has fared. */
struct sfcall {
	const char *method, *path; /* borrowed */
	const char *body;          /* borrowed; len bytes */
	size_t len;
	FILE *body_file; /* or the body read from this file, body_size bytes (borrowed) */
	off_t body_size;
	const char *content_type; /* NULL: application/json */
	const char *accept;       /* the answer's type wanted; NULL: application/json */
	int spill;                /* the answer may be large: past 1 MB in a temporary file */
	struct http_call *http;   /* the caller's */
	int attempt, renewed;
	unsigned long token_gen; /* the token it went with */
	double not_before;       /* http_now() seconds: when it may go again */
};

int sfclient_init(struct sfclient *c, const char *config, long timeout_ms, int max_retries,
    char why[MKCONF_WHY_SIZE]);
int sfclient_token(struct sfclient *c, struct sferror *e);
const char *sfclient_token_hint(const struct sfclient *c, int st, const struct sferror *e);
int sfclient_call(struct sfclient *c, const char *method, const char *path, const char *body,
    const char *content_type, struct http_call *answer, struct sferror *e);
int sfclient_put_file(struct sfclient *c, const char *path, FILE *fp, off_t size,
    const char *content_type, struct http_call *answer, struct sferror *e);
int sfclient_get_csv(
    struct sfclient *c, const char *path, struct http_call *answer, struct sferror *e);
int sfclient_start(struct sfclient *c, struct sfcall *k, struct sferror *e);
int sfclient_judge(struct sfclient *c, struct sfcall *k, CURLcode rc, struct sferror *e);
void sfclient_free(struct sfclient *c);

#endif
