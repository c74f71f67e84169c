/* landed.h: msi-load's --changed-only state: what landed in Marketo, key by key. */
#ifndef MSI_LANDED_H
#define MSI_LANDED_H

#include <stddef.h>

#include <jansson.h>

#include "objects.h"
#include "statefile.h"

/* The key of a record an object's records are tracked by: a new reference, a string or not. */
typedef json_t *landed_key_fn(const void *ctx, json_t *rec);

/*
 * The state of one object's records in one Marketo instance. It knows
 * nothing of batches or calls: its owner tells it what landed and what
 * went, and asks what is known.
 */
struct landed {
	const char *path;
	const char *instance; /* the Marketo REST URL the state is of; NULL: a dry run */
	const struct mkto_def *obj;
	int is_lead;        /* leads are tracked by externalPersonId */
	landed_key_fn *key; /* the others by this key */
	const void *key_ctx;
	json_t *digest;        /* key -> digest of the record as it landed */
	json_t *extra;         /* key -> a lead's Marketo id; a role's line (with leadId) */
	json_t *seen;          /* keys of this run's input */
	struct statefile file; /* locked, appended to as records are confirmed */
	int has_header;
	unsigned long known; /* records known when the run began */
};

void landed_open(struct landed *s, const char *path, const struct mkto_def *obj,
    const char *instance, landed_key_fn *key, const void *key_ctx);
int landed_same(struct landed *s, json_t *rec);
void landed_record(struct landed *s, json_t *rec, int unlinked, json_t *id);
void landed_gone(struct landed *s, const char *key);
int landed_seen(const struct landed *s, const char *key);
json_t *landed_extra(const struct landed *s, const char *key);
json_t *landed_line(const struct landed *s, const char *key);
const char **landed_keys(const struct landed *s, size_t *n);
unsigned long landed_known(const struct landed *s);
size_t landed_count(const struct landed *s);
void landed_sync(struct landed *s);
void landed_commit(struct landed *s);
void landed_close(struct landed *s);

#endif
