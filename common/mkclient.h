/* mkclient.h: one integration's Marketo calls: credentials, token, limits, retries. */
#ifndef MSI_MKCLIENT_H
#define MSI_MKCLIENT_H

#include <getopt.h>
#include <stdio.h>

#include <jansson.h>

#include "http.h"
#include "jsonbuf.h"
#include "mkconf.h"
#include "progress.h"
#include "ratelimit.h"
#include "retry.h"

/* The options of every tool that calls Marketo, as given; mkopts_init sets the defaults. */
struct mkopts {
	const char *config; /* -C, else $MARKETO_CONFIG, else NULL */
	long calls_per_window, concurrency, max_retries, timeout;
	double window;
	const char *window_dir; /* --window-dir, else $MSI_WINDOW_DIR, else NULL: the default */
	int own_window;         /* --own-window: the window is not shared */
	struct progress_opts progress; /* --progress, --no-progress, --progress-fd */
};

/* Their letters, for a tool's getopt_long string and option table. */
#define MKOPTS_SHORT "c:C:m:n:t:w:"
/* an initializer list in a macro, laid out as the tables it goes in */
/* clang-format off */
#define MKOPTS_LONG \
	{"calls-per-window", required_argument, NULL, 'n'}, \
	{"concurrency", required_argument, NULL, 'c'}, \
	{"config", required_argument, NULL, 'C'}, \
	{"own-window", no_argument, NULL, MKOPTS_OWN_WINDOW}, \
	{"window-dir", required_argument, NULL, MKOPTS_WINDOW_DIR}, \
	{"max-retries", required_argument, NULL, 'm'}, \
	PROGRESS_LONG, \
	{"timeout", required_argument, NULL, 't'}, \
	{"window", required_argument, NULL, 'w'}
/* clang-format on */
#define MKOPTS_OWN_WINDOW 0x101
#define MKOPTS_WINDOW_DIR 0x102

/* The calls of one run. Its members are read and set through the functions below. */
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
	struct progress progress; /* the progress line (progress.c) */
};

/* What became of one call. */
struct mkanswer {
	enum retry_action act;
	enum retry_cause cause; /* of RETRY_AGAIN */
	char code[16]; /* Marketo's error code, or "http", "network", "answer"; a copy, */
	               /* so that it outlives json */
	char message[MKCONF_WHY_SIZE];
	int exhausted; /* failed for the service after every retry: a later run may land it */
	json_t *json;  /* the answer, when it was JSON; the caller's to release */
};

void mkopts_init(struct mkopts *o);
int mkopts_parse(struct mkopts *o, int ch, const char *arg, void (*usage)(FILE *, int));
int mkclient_init(struct mkclient *c, const struct mkopts *o, char why[MKCONF_WHY_SIZE]);
int mkclient_status(const struct mkclient *c);
void mkclient_stop(struct mkclient *c, int status);
double mkclient_retry_after(struct mkclient *c, int attempts);
int mkclient_max_retries(const struct mkclient *c);
void mkclient_progress(struct mkclient *c, int last, unsigned long done, const char *unit,
    const char *fmt, ...) __attribute__((format(printf, 5, 6)));
void mkclient_stats(const struct mkclient *c, json_t *stats);
void mkclient_free(struct mkclient *c);
int mkclient_token(struct mkclient *c, int force);
double mkclient_turn(struct mkclient *c);
void mkclient_start(struct mkclient *c, struct http_call *call, const char *path,
    const char *body, size_t len, const char *content_type);
void mkclient_judge(
    struct mkclient *c, struct http_call *call, CURLcode rc, struct mkanswer *a);
enum retry_action mkclient_next(
    struct mkclient *c, struct mkanswer *a, int *attempts, int *renewals, double *not_before);
enum retry_action mkclient_call(struct mkclient *c, const char *path, const char *body,
    size_t len, const char *content_type, struct mkanswer *a);
void mkclient_summary(const struct mkclient *c, FILE *fp);
int mkclient_next_page(const json_t *answer, struct jsonbuf *form, size_t base);
int mkclient_query(struct mkclient *c, const char *what, const char *path, const char *filter,
    const char *fields, const char **ids, size_t n, void (*fn)(void *ctx, json_t *rec),
    void *ctx);

#endif
