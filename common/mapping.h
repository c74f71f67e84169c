/* mapping.h: which Salesforce field becomes which Marketo field, and as what type. */
#ifndef MSI_MAPPING_H
#define MSI_MAPPING_H

#include <stddef.h>

#include "convert.h"
#include "objects.h"

struct rule {
	char *source;   /* Salesforce field; NULL for a constant */
	char *constant; /* the value, when source is NULL */
	char *target;   /* Marketo field */
	enum conv_type type;
	int required; /* a record without it is rejected */
	char *key;    /* "target": as JSON, made by mapping_prepare */
	size_t keylen;
	char *spelling; /* how source was spelled in the last record that had it */
};

struct objmap {
	const char *sftype; /* Salesforce object */
	enum mkto_object mkto;
	struct rule *rules;
	size_t n, cap;
};

#define MAPPING_OBJECTS SF_OBJECTS

struct mapping {
	struct objmap obj[MAPPING_OBJECTS];
};

void mapping_defaults(struct mapping *m);
int mapping_load(struct mapping *m, const char *path);
void mapping_prepare(struct mapping *m);
struct objmap *mapping_find(struct mapping *m, const char *sftype);
void mapping_free(struct mapping *m);

#endif
