/* landed.h: msi-load's --changed-only state: what landed in Marketo, key by key. */
#ifndef MSI_LANDED_H
#define MSI_LANDED_H

#include <stddef.h>
#include <stdio.h>

#include <jansson.h>

#include "jsonbuf.h"
#include "keysort.h"
#include "objects.h"
#include "statefile.h"

/* The key of a record an object's records are tracked by: a new reference, a string or not. */
typedef json_t *landed_key_fn(const void *ctx, json_t *rec);

/*
 * The state of one object's records in one Marketo instance. Its lines are
 * kept on disk in key order and merged with the input's keys sorted by
 * sort(1): memory does not grow with the records known. It knows nothing
 * of batches or calls: its owner tells it what landed and what went, and
 * asks what is known.
 */
struct landed {
	const char *path;
	const char *instance; /* the Marketo REST URL the state is of; NULL: a dry run */
	const struct mkto_def *obj;
	int is_lead;        /* leads are tracked by externalPersonId */
	landed_key_fn *key; /* the others by this key */
	const void *key_ctx;
	struct statefile file;  /* locked, appended to as records are confirmed */
	FILE *body;             /* the known lines in key order: the file, or a scratch copy */
	off_t body_at;          /* where they begin in it */
	FILE *index;            /* scratch: "key\tdigest" of each line of body, in its order */
	FILE *unseen;           /* scratch: the lines of the keys the input lacks */
	off_t journal_at;       /* where this run's lines begin in the file */
	unsigned long known;    /* records known when the run began */
	unsigned long appended; /* lines appended this run */
	struct keysort plan;    /* the input's keys, to sort (landed_plan_add) */
	unsigned char *same;    /* bit a record: as it landed last (landed_same) */
	unsigned long records;  /* records planned */
	json_t *dups;           /* keys twice in the input: their digest is 0 */
	struct jsonbuf kb, kb2; /* an escaped key; a key read from a line's text */
	struct keysort recheck; /* records to compare once parsed (landed_recheck) */
	int rechecking;
	FILE *rechecks;             /* them, in order of position */
	unsigned long next_recheck; /* the next one's position */
	json_int_t next_digest;     /* and the digest of its key known */
};

/* A line of the state: its key (borrowed from line or made) and the line. */
struct landed_rec {
	json_t *line;
	const char *key;
	json_t *made;
};

void landed_open(struct landed *s, const char *path, const struct mkto_def *obj,
    const char *instance, landed_key_fn *key, const void *key_ctx);
void landed_plan_begin(struct landed *s);
void landed_plan_add(struct landed *s, json_t *rec, unsigned long seq);
void landed_plan_end(struct landed *s);
int landed_plan_text(struct landed *s, const char *text, size_t len, unsigned long seq);
int landed_recheck(
    struct landed *s, unsigned long seq, json_t *rec, const char *text, size_t len);
int landed_same(const struct landed *s, unsigned long seq);
void landed_record(struct landed *s, json_t *rec, int unlinked, json_t *id);
void landed_gone(struct landed *s, json_t *line);
void landed_unseen_rewind(struct landed *s);
int landed_unseen_next(struct landed *s, struct landed_rec *r);
void landed_rec_free(struct landed_rec *r);
unsigned long landed_known(const struct landed *s);
void landed_sync(struct landed *s);
void landed_commit(struct landed *s);
void landed_close(struct landed *s);

#endif
