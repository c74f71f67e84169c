/* digests.h: what was last sent for each person (--state), to send only what moved. */
#ifndef MSI_DIGESTS_H
#define MSI_DIGESTS_H

#include <stdio.h>

#include <jansson.h>

#include "keysort.h"
#include "ndjson.h"
#include "statefile.h"

/*
 * The state and one run's updates. Memory holds a bit an update (whether
 * it changed), never a table of persons: the state is a file sorted by
 * Id, the run's Ids are sorted by sort(1), and the two are merged.
 */
struct digests {
	const char *path;
	unsigned long loaded;    /* persons in the state read */
	unsigned long forgotten; /* persons the state had that digests_drop named */
	FILE *old;          /* the state sorted (the file, or a sorted copy of an old one) */
	struct keysort run; /* the run's Ids, each with "digest\tseq" or "-" (dropped) */
	int running;        /* run is started */
	FILE *spool;        /* the updates spooled by digests_add, in their order */
	struct ndjson_reader back; /* the spool read back (digests_next) */
	int reading;
	unsigned long added, next; /* updates added; read back */
	unsigned char *changed;    /* bit seq: update seq changed (digests_merge) */
	struct statefile sf;       /* the new state, from digests_merge to digests_save */
	int writing;
};

void digests_load(struct digests *d, const char *path);
void digests_add(struct digests *d, const char *id, json_t *update, int spool);
void digests_drop(struct digests *d, const char *id);
void digests_merge(struct digests *d, int write);
int digests_next(struct digests *d, json_t **update, int *changed);
void digests_save(struct digests *d);
void digests_free(struct digests *d);

#endif
