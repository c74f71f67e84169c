/* known.h: the external ids Marketo will hold, read from transformed records. */
#ifndef MSI_KNOWN_H
#define MSI_KNOWN_H

#include <stddef.h>

#include <jansson.h>

enum known_kind {
	KNOWN_SALESPERSON, /* externalSalesPersonId */
	KNOWN_COMPANY,     /* externalCompanyId */
	KNOWN_LEAD,        /* externalPersonId */
	KNOWN_OPPORTUNITY, /* externalOpportunityId */
	KNOWN_KINDS
};

struct known {
	json_t *set[KNOWN_KINDS]; /* objects used as sets: the ids are the keys */
	size_t count[KNOWN_KINDS];
};

extern const char *const known_field[KNOWN_KINDS];

void known_init(struct known *k);
int known_load(struct known *k, const char *path);
int known_has(const struct known *k, enum known_kind kind, const char *id);
void known_free(struct known *k);

#endif
