/* objects.h: the Salesforce objects MSI syncs, the Marketo objects they become, their external
 * ids. */
#ifndef MSI_OBJECTS_H
#define MSI_OBJECTS_H

#include <jansson.h>

enum mkto_object { MKTO_SALESPERSON, MKTO_COMPANY, MKTO_LEAD, MKTO_OPPORTUNITY, MKTO_ROLE };
#define MKTO_OBJECTS 5

struct mkto_def {
	const char *name;       /* as msi-load names it: "salespersons" */
	const char *label;      /* in messages: "sales person" */
	const char *path;       /* its sync call, below the REST base URL */
	const char *id_field;   /* the external id that names one; NULL for roles */
	const char *ref_prefix; /* key prefix of the Salesforce records other records */
	                        /* name by id_field: a person named by a role is a Contact */
	const char *key[3];     /* what a result line names a record by */
	int lead_ids;           /* its externalPersonId is sent as Marketo's leadId */
	const char *links;      /* the fields MSI links it by, comma-separated: what a */
	                        /* read of it asks for, what its describe must list */
};

struct sf_def {
	const char *name;   /* the Salesforce object */
	const char *prefix; /* the key prefix of its ids */
	enum mkto_object mkto;
};

/* In the order MSI needs them: each names only records of those before it. */
#define SF_OBJECTS 6

extern const struct mkto_def mkto_objects[MKTO_OBJECTS];
extern const struct sf_def sf_objects[SF_OBJECTS];

const struct mkto_def *mkto_by_name(const char *name);
const struct sf_def *sf_by_name(const char *name);
const struct sf_def *sf_by_prefix(const char *id);
int mkto_by_id_field(const char *field);
json_t *mkto_record_key(enum mkto_object o, json_t *rec, const char *lookup);
int mkto_record_key_whole(enum mkto_object o, json_t *rec);

#endif
