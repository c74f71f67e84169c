/* load.h: what msi-load's run shares: its input, its queue of batches, the parts it drives. */
#ifndef MSI_LOAD_H
#define MSI_LOAD_H

#include <stdio.h>

#include <curl/curl.h>
#include <jansson.h>

#include "checkpoint.h"
#include "deletes.h"
#include "jsonbuf.h"
#include "landed.h"
#include "mkclient.h"
#include "ndjson.h"
#include "objects.h"

#define MAX_RECORDS 300           /* a sync call's records at most */
#define MAX_BODY    (1024 * 1024) /* and its body's bytes */
#define MAX_QUEUE   64            /* batches read ahead; bounds memory */

/* HELD: answered, but some records wait to be sent again without their sales person */
enum bstate { WAITING, FLYING, HELD, DONE };

/*
 * Up to 300 records of one input file, sent in one call; or a resend
 * batch: up to 300 records of earlier batches that Marketo refused for
 * their sales person (718), sent again without it. A resend batch has no
 * lines, span or results of its own: its answers go to the records it
 * came from (from, at).
 */
struct batch {
	enum bstate state;
	int resolved;          /* roles: persons turned into leadIds */
	struct jsonbuf lookup; /* roles: the form of the lookup to send, while one is due */
	json_t *asked;         /* ... the persons it asks for */
	int looking;           /* roles: the call in flight is the lookup */
	json_t *recs;          /* the input records (owned) */
	unsigned long *lines;  /* their input lines */
	const char *file;      /* ... in this file (a batch never spans two) */
	size_t n;
	unsigned long span;      /* input records it answers: its own, and those passed */
	                         /* over before it (--retry, --changed-only) */
	unsigned long unchanged; /* of those passed over, the unchanged (--changed-only) */
	char *body;
	size_t len;
	int attempts, renewals;
	double not_before;
	json_t *results;  /* one result line per record, once DONE */
	size_t resending; /* records waiting for their resend (while HELD) */
	struct http_call call;

	/* a resend batch's */
	struct batch **from; /* record i is record at[i] of from[i] (borrowed) */
	size_t *at;
	unsigned long opened; /* l->answers when it opened */
	json_t *keys;         /* while open: the dedupe keys it holds */
	int after;            /* holds a key of the one before: goes once that is answered */
	struct batch *next;   /* the next resend batch, in the order they were made */
};

/* msi-load's output (results.c): the result lines, the rejects file, the counts. */
struct results {
	FILE *out; /* the result lines: standard output, or --results */
	const char *out_name;
	json_t *merged; /* --merge: "file:line" -> this run's result line */
	FILE *rejects;
	const char *rejects_name;
	unsigned long records, created, updated, skipped, failed, retryable;
	unsigned long unlinked; /* of created and updated: sent without their sales person */
};

/* The input files, read a record at a time (batch.c). */
struct input {
	char **files;
	int file;          /* the one being read */
	FILE *spool;       /* standard input kept, to be read twice (--changed-only) */
	unsigned long seq; /* records read: the position of the next (landed_same) */
	int planning;      /* reading to plan (landed_plan_add): quiet, nothing passed over */
	unsigned long planned; /* records the plan read, all of the input; -1: it stopped */
	struct ndjson_reader reader;
	FILE *fp;
	const char *name;
	int done;
	json_t *carry; /* a record read but not yet in a batch */
	unsigned long carry_line;
	int status;                    /* 0, or why reading stopped: MSI_EXIT_BADINPUT or _IO */
	json_t *retry;                 /* --retry: "file:line" of each record to send again */
	unsigned long skip;            /* records a resumed run does not send again (--state) */
	unsigned long passed;          /* records passed over since the last batch */
	unsigned long passed_over;     /* --retry: records not sent again */
	unsigned long unchanged_ahead; /* records as they landed last (--changed-only), read */
	                               /* since the last batch was made */
};

struct load {
	const struct mkto_def *obj;
	int is_lead; /* leads are matched by lookupField and answered in order */
	const char *action, *lookup;
	int concurrency, fail_fast;
	int unlink; /* a record refused for its sales person (718) goes again without it */
	struct mkclient mk;
	CURLM *multi;

	struct input in; /* the input (batch.c) */

	/* the queue of batches, oldest first */
	struct batch *queue[MAX_QUEUE];
	int head, count, flying;

	/* resend batches (batch.c): the one gathering records, those made, oldest first */
	struct batch *open;
	struct batch *resends, **resends_end;
	unsigned long answers; /* calls of input batches that came back */

	struct results results;       /* the output (results.c) */
	struct checkpoint checkpoint; /* --state (checkpoint.c); NULL path: none */

	struct landed landed;    /* --changed-only (landed.c); NULL path: none */
	struct deletes deletes;  /* (deletes.c) */
	unsigned long unchanged; /* records as they landed last, not sent, and acknowledged */

	json_t *lead_ids; /* roles: externalPersonId -> Marketo leadId (or null: none) */

	int stopping;
	char fresh[4200]; /* --merge: this run's rejects, before they join the file's */
};

struct batch *batch_read(struct load *l);
struct batch *batch_at(const struct load *l, int i);
void batch_free(struct batch *b);
void input_close(struct load *l);
void input_plan(struct load *l);
int retry_load(struct load *l, const char *path);
void resend_add(struct load *l, struct batch *b, size_t i);
void resend_due(struct load *l);
void resend_close(struct load *l);
void resend_drop(struct load *l, struct batch *r);

int roles_ask(struct load *l, struct batch *b);
void roles_answer(struct load *l, struct batch *b, json_t *answer);
int roles_person_ok(const char *pid);

void answer_fail(
    struct load *l, struct batch *b, const char *code, const char *message, int retryable);
void answer_match(struct load *l, struct batch *b, json_t *answer);

json_t *results_key(const struct load *l, json_t *rec);
json_t *results_line(const struct load *l, const char *file, unsigned long line, json_t *rec,
    const char *status, json_t *item, json_t *reasons);
int results_open(struct results *r, const char *name, int append);
void results_write(struct results *r, json_t *line, json_t *rec);
void results_flush(struct results *r);
int results_rejected(const struct results *r);
json_t *results_stats(const struct results *r, const char *object);

FILE *merge_results_open(const char *path, int resumed, unsigned long keep);
int merge_retry(const char *results, json_t *merged, const char *rejects, const char *fresh);

int run(struct load *l);
int run_dry(
    struct load *l, unsigned long *records, unsigned long *calls, unsigned long *too_large);

#endif
