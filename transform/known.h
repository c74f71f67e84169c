/* known.h: the external ids Marketo will hold (--known), and which references name one. */
#ifndef MSI_KNOWN_H
#define MSI_KNOWN_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "jsonbuf.h"
#include "keysort.h"
#include "objects.h"

/* The Marketo objects a record can name by their external ids (mkto_objects[k].id_field). */
enum known_kind {
	KNOWN_SALESPERSON = MKTO_SALESPERSON,
	KNOWN_COMPANY = MKTO_COMPANY,
	KNOWN_LEAD = MKTO_LEAD,
	KNOWN_OPPORTUNITY = MKTO_OPPORTUNITY,
	KNOWN_KINDS
};

/*
 * No id is held in memory: the known ids and the references to check go
 * to one sort(1) (common/keysort.c), a reference as its position (the
 * record's, times known_slots, plus its slot); known_resolve reads them
 * back in key order and sets a bit for each reference whose id is known.
 */
struct known {
	unsigned long
	    count[KNOWN_KINDS]; /* ids read, by kind: a kind none was read of knows all */
	const char *path;       /* the file known_load is reading, for its messages */
	struct keysort sort;    /* started by the first id read */
	int sorting;
	struct jsonbuf key, escaped;
	unsigned char *bits; /* by position: the reference's id is known (known_resolve) */
	uint64_t positions;
};

void known_init(struct known *k);
int known_load(struct known *k, const char *path);
int known_active(const struct known *k);
int known_collect(struct known *k, enum known_kind kind, const char *id, uint64_t position);
int known_resolve(struct known *k, uint64_t positions);
int known_has(const struct known *k, enum known_kind kind, uint64_t position);
void known_free(struct known *k);

#endif
