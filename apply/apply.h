/*
 * apply.h: what the parts of msi-apply share. The calls go one way:
 * msi-apply.c (options, the run, its end) calls the parts, input.c,
 * describe.c (and --check's describe_probe), collections.c and ingest.c,
 * and outcome.c; the senders call outcome.c (what became of each update,
 * the result lines); the senders and outcome.c read the input again
 * through input.c (input_load, input_drop; ingest.c a job's updates by
 * input_each), which calls none of them;
 * outcome.c and ingest.c call applystate.c (--state), which calls none of
 * them; input.c, the senders and outcome.c call spool.c (the lines, kept
 * in a scratch file), which calls none of them.
 */
#ifndef MSI_APPLY_H
#define MSI_APPLY_H

#include <stdio.h>
#include <sys/types.h>

#include <jansson.h>

#include "msifields.h"
#include "inputid.h"
#include "sfclient.h"
#include "sfopts.h"

/* sObject Collections takes at most this many records a call. */
#define APPLY_BATCH 200
/* A Bulk API 2.0 ingest job's upload: Salesforce takes 150 MB; a margin for the encoding. */
#define APPLY_JOB_BYTES ((size_t)100 << 20)
/* The objects one run may update (Lead and Contact; others under --any-field). */
#define APPLY_OBJECTS 16
/* Messages about records Salesforce refused, at most; the rest are counted. */
#define APPLY_FAIL_MESSAGES 20

enum upd_status {
	U_PENDING,  /* not answered yet */
	U_UPDATED,  /* Salesforce applied it */
	U_FAILED,   /* Salesforce refused it, or the service failed it (retryable) */
	U_REJECTED, /* not sent: the input line is not an update */
	U_UNSENT,   /* not sent for a stop: failed, retryable */
	U_WOULD     /* --dry-run: an update a run would send */
};

/* One input line: an update, or a line that is not one. */
struct upd {
	char id[19];          /* the 18-character Id */
	unsigned char obj;    /* index in apply.obj */
	unsigned char status; /* enum upd_status */
	unsigned char retryable;
	unsigned char before; /* answered by a run before, past its checkpoint (--state) */
	unsigned char written_before; /* ... and its result line written then */
	unsigned short file;          /* index in apply.files */
	unsigned
	    len; /* the record as compact JSON: its length + 1; 0 for a line that is none */
	unsigned long line;
	off_t at;        /* ... where it is in apply.spool (spool.c) */
	json_t *reasons; /* [{"code","message","fields"}] of a failure: a new reference */
};

/* held[i]: the update's failure is retryable */
#define HELD_RETRYABLE 0x10

/* Update i of the window: i from base to base + nw. */
#define UPD(a, i) (&(a)->u[(i) - (a)->base])

/* A line whose Id an earlier line has: rejected, the first kept. */
struct repeat {
	size_t i;                /* the line, among those from the checkpoint on */
	unsigned long firstline; /* the first line of its Id, in its file */
};

/* An object updated: its fields met in the input, in the order met. */
struct aobj {
	char name[64];
	json_t *fields; /* field -> true, in order: a new reference */
	size_t pending; /* its updates to send */
};

struct apply {
	struct sfclient sf;
	char *const *files; /* the inputs as named; "-" standard input */
	int nfiles;
	/*
	 * The input lines from the checkpoint on: n of them, read twice
	 * (input.c). The first reading checks them and finds the repeated
	 * Ids, keeping nothing an update; the second reads them back from the
	 * spool into a window, u[0..nw) the lines [base, base + nw), from the
	 * first whose result line is not written to the last a call in flight
	 * holds (the sender asks for them: input_load).
	 */
	struct upd *u;
	size_t n, base, nw, cap;
	struct repeat *rep; /* the repeated Ids, by line (errors: kept in memory) */
	size_t nrep, nextrep;
	char *line; /* the spool's line read (getline) */
	size_t linecap;
	int frozen; /* the state written for the last time: the window drops freely */
	/*
	 * The answers of updates past the window (an ingest job's results
	 * come back before its lines are read again), until input_load reads
	 * them: a byte an update, its status and HELD_RETRYABLE; 0 none.
	 */
	unsigned char *held;
	json_t *held_reasons; /* update -> the reasons of its failure (errors) */
	int ingest_done; /* every ingest job followed: they leave the state once written out */
	unsigned long skip; /* lines answered by the runs before (--state) */
	struct aobj obj[APPLY_OBJECTS];
	int nobj;

	/* options */
	struct fields fs;        /* the fields an update may set (-N, --map) */
	const char *ns;          /* -N as given, or NULL */
	int dry_run;             /* --dry-run: the read-only calls, then what would be sent */
	int any_field;           /* --any-field: any object, any field */
	int bulk;                /* 1 --bulk, 0 --no-bulk, -1 by the threshold */
	unsigned long threshold; /* --bulk-threshold */
	int concurrency;
	struct sfopts sfo; /* -C, --timeout, --max-retries, --poll-max */
	const char *rejects_name;
	int merge; /* --merge: a resumed run's rejects of what it sends now go */
	FILE *rejects;
	const char *state_name;

	FILE *spool;   /* the records (spool.c): a scratch file */
	off_t spooled; /* its length */
	off_t readat;  /* where the second reading is in it */

	/* the state (applystate.c) */
	int state_fd;
	struct inputs inputs; /* the input files as identified: what the state is of */
	json_t
	    *jobs; /* the ingest jobs of the run: [{"object","id","first","count","state"}] */
	json_t *answered_loaded; /* as read, kept while the jobs are followed */

	/* output */
	size_t written;     /* u[0..written) have their result lines out */
	size_t answered_hi; /* none of u[answered_hi..n) is updated or failed: where
	                       answered_past stops */
	size_t unsent;      /* the first update a stopped run did not send: the checkpoint stays
	                       before it */
	unsigned long updated, failed, rejected, unsent_n, calls_coll, jobs_made;
	unsigned long would;      /* --dry-run: the updates a run would send */
	unsigned long answered_n; /* answered by the run before past its checkpoint */
	int stopped;              /* an exit status that ended sending early, or 0 */
	int job_failed; /* an ingest job ended Failed or Aborted: its rest unprocessed */
	char stop_why[512];
};

/* input.c: the input read and checked, each line an update or a reject. */
int input_read(struct apply *a);
/* input.c: the window loaded up to update upto (or the input's end): returns its end. */
size_t input_load(struct apply *a, size_t upto);
/* input.c: the window's updates whose result lines are out, dropped. */
void input_drop(struct apply *a);
/* input.c: object k's updates to send, from the first-th on, count at most, to fn. */
size_t input_each(struct apply *a, int k, size_t first, size_t count,
    void (*fn)(void *ctx, size_t i, const struct upd *u), void *ctx);

/* describe.c: the fields the updates set, checked against each object's describe. */
int describe_check(struct apply *a);
/* describe.c: --check: the token, Lead's and Contact's describes, a line each on out. */
int describe_probe(struct apply *a, FILE *out);

/* collections.c: sObject Collections PATCH, calls in parallel. */
void collections_run(struct apply *a);

/* ingest.c: Bulk API 2.0 ingest jobs, one an object. */
void ingest_run(struct apply *a);

/* outcome.c: what became of each update, and its result line. */
void outcome_updated(struct apply *a, size_t i);
void outcome_fail(struct apply *a, size_t i, const char *code, const char *message,
    json_t *fields, int retryable);
void outcome_fail_all(struct apply *a, size_t *idx, size_t n, const char *code,
    const char *message, int retryable);
void outcome_stop(struct apply *a, int status, const struct sferror *e, const char *what);
int outcome_pending(const struct apply *a, size_t i);
int outcome_unsent(struct apply *a);
int outcome_flush(struct apply *a);

/* spool.c: the updates' records, kept in a scratch file rather than in memory. */
void spool_put(struct apply *a, int file, unsigned long line, json_t *rec, const char *bad,
    const struct upd *ok);
void spool_done(struct apply *a);
int spool_next(struct apply *a, struct upd *u, json_t **rec, json_t **bad);
json_t *spool_get(const struct apply *a, const struct upd *u);
size_t spool_len(const struct upd *u);
void spool_free(struct apply *a);

/* applystate.c: --state, the checkpoint and the ingest jobs of a stopped run. */
int state_open(struct apply *a);
void state_write(struct apply *a);

#endif
