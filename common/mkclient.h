/* mkclient.h: one integration's Marketo calls: credentials, token, limits, retries. */
#ifndef MSI_MKCLIENT_H
#define MSI_MKCLIENT_H

#include <stdio.h>

#include <jansson.h>

#include "http.h"
#include "mkconf.h"
#include "ratelimit.h"
#include "retry.h"

struct mkclient {
	struct mkconf conf;
	struct token token;
	struct ratelimit limit;
	long timeout_ms;
	int max_retries;
	unsigned long rng;
	unsigned long calls, retries[RETRY_CAUSES];
	int status; /* 0, or MSI_EXIT_SERVICE or MSI_EXIT_QUOTA once calls must stop */
	double started;
};

/* What became of one call. */
struct mkanswer {
	enum retry_action act;
	enum retry_cause cause; /* of RETRY_AGAIN */
	char code[16]; /* Marketo's error code, or "http", "network", "answer"; a copy, */
	               /* so that it outlives json */
	char message[MKCONF_WHY_SIZE];
	json_t *json; /* the answer, when it was JSON; the caller's to release */
};

int mkclient_init(struct mkclient *c, const char *config, long calls_per_window, double window,
    char why[MKCONF_WHY_SIZE]);
void mkclient_free(struct mkclient *c);
int mkclient_token(struct mkclient *c, int force);
double mkclient_wait(struct mkclient *c);
void mkclient_start(struct mkclient *c, struct http_call *call, const char *path,
    const char *body, size_t len, const char *content_type);
void mkclient_judge(
    struct mkclient *c, struct http_call *call, CURLcode rc, struct mkanswer *a);
double mkclient_backoff(struct mkclient *c, int attempt);
enum retry_action mkclient_call(struct mkclient *c, const char *path, const char *body,
    size_t len, const char *content_type, struct mkanswer *a);
void mkclient_summary(const struct mkclient *c, FILE *fp);

#endif
