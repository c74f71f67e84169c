/* known.h: the external ids Marketo will hold, read from transformed records. */
#ifndef MSI_KNOWN_H
#define MSI_KNOWN_H

#include <stddef.h>

#include <jansson.h>

#include "objects.h"

/* The Marketo objects a record can name by their external ids (mkto_objects[k].id_field). */
enum known_kind {
	KNOWN_SALESPERSON = MKTO_SALESPERSON,
	KNOWN_COMPANY = MKTO_COMPANY,
	KNOWN_LEAD = MKTO_LEAD,
	KNOWN_OPPORTUNITY = MKTO_OPPORTUNITY,
	KNOWN_KINDS
};

struct known {
	json_t *set[KNOWN_KINDS]; /* objects used as sets: the ids are the keys */
	size_t count[KNOWN_KINDS];
	const char *path; /* the file known_load is reading, for its messages */
};

void known_init(struct known *k);
int known_load(struct known *k, const char *path);
int known_has(const struct known *k, enum known_kind kind, const char *id);
void known_free(struct known *k);

#endif
