/* load.h: what msi-load's files share: the run, its queue of batches, and their calls. */
#ifndef MSI_LOAD_H
#define MSI_LOAD_H

#include <stdio.h>

#include <curl/curl.h>
#include <jansson.h>

#include "inputid.h"
#include "jsonbuf.h"
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
	int resolved;         /* roles: persons turned into leadIds */
	struct jsonbuf lookup; /* roles: the form of the lookup to send, while one is due */
	json_t *asked;         /* ... the persons it asks for */
	int looking;           /* roles: the call in flight is the lookup */
	json_t *recs;         /* the input records (owned) */
	unsigned long *lines; /* their input lines */
	const char *file;     /* ... in this file (a batch never spans two) */
	size_t n;
	unsigned long span; /* input records it answers: its own, and those passed */
	                    /* over before it (--retry, --changed-only) */
	unsigned long unchanged; /* of those passed over, the unchanged (--changed-only) */
	char *body;
	size_t len;
	int attempts, renewals;
	double not_before;
	json_t *results; /* one result line per record, once DONE */
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

/* --changed-only (landed.c): what is known to be in Marketo, and the deletes. */
/*
 * Which known records are gone: those the input lacks (--delete-missing, a
 * whole export), or only those the --keep files say Salesforce deleted or
 * converted (--delete-listed, an input of what changed).
 */
#define DELETE_MISSING 1
#define DELETE_LISTED  2

struct landed {
	const char *path;     /* NULL: every record is sent */
	const char *instance; /* the Marketo REST URL the state is of */
	json_t *digest;       /* key -> digest of the record as it landed */
	json_t *extra;        /* key -> a lead's Marketo id; a role's line (with leadId) */
	json_t *seen;         /* keys of this run's input */
	json_t *keep;         /* --keep: keys set aside but not gone (true), or gone by */
	                      /* IsDeleted/IsConverted ("deleted", "converted") */
	FILE *journal;        /* the state, appended to as records are confirmed */
	int has_header;
	unsigned long known;  /* records known when the run began */
	int delete_missing; /* DELETE_MISSING or DELETE_LISTED, or 0 */
	int delete_leads;
	double max_delete;    /* percent of the known */
	FILE *out;            /* --deletes */
	const char *out_name;
	unsigned long unkeyed, planned, deleted, listed, not_deleted, calls;
	int refused, held;
	char hold[512];      /* why deletes are held (--hold-deletes, a reject's holds_deletes), or "" */
	unsigned long holds; /* the reasons met: the first is told */
	int hold_listed;     /* --hold-deletes: IsDeleted/IsConverted deletes held too */
	double needed; /* the percent that would have let refused deletes go */
};

struct load {
	const struct mkto_def *obj;
	int is_lead; /* leads are matched by lookupField and answered in order */
	const char *action, *lookup;
	int concurrency, fail_fast;
	int unlink; /* a record refused for its sales person (718) goes again without it */
	struct mkclient mk;
	CURLM *multi;

	/* the input (batch.c) */
	char **files;
	int file;
	struct ndjson_reader reader;
	FILE *fp;
	const char *name;
	int input_done;
	json_t *carry; /* a record read but not yet in a batch */
	unsigned long carry_line;
	int input_status; /* 0, or why reading stopped: MSI_EXIT_BADINPUT or _IO */
	json_t *retry;    /* --retry: "file:line" of each record to send again */
	unsigned long passed; /* records passed over since the last batch */

	/* the queue of batches, oldest first */
	struct batch *queue[MAX_QUEUE];
	int head, count, flying;

	/* resend batches (batch.c): the one gathering records, those made, oldest first */
	struct batch *open;
	struct batch *resends, **resends_end;
	unsigned long answers; /* calls of input batches that came back */

	/* the output (results.c) */
	FILE *rejects;
	const char *rejects_name;

	/* the checkpoint (checkpoint.c) */
	const char *state_name; /* --state */
	unsigned long acked;    /* records at the start of the input fully answered */
	unsigned long skip;     /* records a resumed run does not send again */
	unsigned long results_before; /* result lines of the runs before (resumed) */
	struct inputs inputs;   /* the input files as identified: what the checkpoint is of */

	struct landed landed;
	unsigned long unchanged; /* records as they landed last, not sent, and acknowledged */
	unsigned long unchanged_ahead; /* ... read since the last batch was made */

	json_t *lead_ids; /* roles: externalPersonId -> Marketo leadId (or null: none) */

	/* counts */
	unsigned long records, created, updated, skipped, failed, retryable, passed_over;
	unsigned long unlinked; /* of created and updated: sent without their sales person */
	int stopping;
};

struct batch *batch_read(struct load *l);
struct batch *batch_at(const struct load *l, int i);
void batch_free(struct batch *b);
void input_close(struct load *l);
int retry_load(struct load *l, const char *path);
void resend_add(struct load *l, struct batch *b, size_t i);
void resend_due(struct load *l);
void resend_close(struct load *l);
void resend_drop(struct load *l, struct batch *r);

int roles_ask(struct load *l, struct batch *b);
void roles_answer(struct load *l, struct batch *b, json_t *answer);
int roles_person_ok(const char *pid);

void results_fail(
    struct load *l, struct batch *b, const char *code, const char *message, int retryable);
void results_match(struct load *l, struct batch *b, json_t *answer);
void results_emit(struct load *l);
int results_unlinkable(const struct load *l, json_t *rec, json_t *item);
json_t *results_stats(const struct load *l);
json_t *results_key(const struct load *l, json_t *rec);

void landed_open(struct load *l, const char *instance);
int landed_same(struct load *l, json_t *rec);
void landed_confirm(struct load *l, json_t *rec, json_t *result);
void landed_flush(struct load *l);
void landed_report(struct load *l, int append);
int landed_keep(struct load *l, const char *path);
void landed_hold(struct load *l, const char *why, int listed_too);
int landed_deletes(struct load *l, int dry);
void landed_close(struct load *l);
void landed_stats(const struct load *l, json_t *stats);

int checkpoint_read(struct load *l);
void checkpoint_write(struct load *l);

#endif
