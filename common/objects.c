/* objects.c: the Salesforce objects MSI syncs, the Marketo objects they become, their external
 * ids. */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "jsonbuf.h"
#include "objects.h"

const struct mkto_def mkto_objects[MKTO_OBJECTS] = {
    {"salespersons", "sales person", "/v1/salespersons.json", "externalSalesPersonId", "005",
        {"externalSalesPersonId"}, 0, "externalSalesPersonId,email"},
    {"companies", "company", "/v1/companies.json", "externalCompanyId", "001",
        {"externalCompanyId"}, 0, "externalCompanyId,externalSalesPersonId"},
    {"leads", "lead", "/v1/leads.json", "externalPersonId", "003", {"externalPersonId"}, 0,
        "id,externalPersonId,externalCompanyId,externalSalesPersonId"},
    {"opportunities", "opportunity", "/v1/opportunities.json", "externalOpportunityId", "006",
        {"externalOpportunityId"}, 0,
        "externalOpportunityId,externalCompanyId,externalSalesPersonId"},
    {"roles", "opportunity role", "/v1/opportunities/roles.json", NULL, NULL,
        {"externalOpportunityId", "externalPersonId", "role"}, 1,
        "externalOpportunityId,leadId,role"},
};

const struct sf_def sf_objects[SF_OBJECTS] = {
    {"User", "005", MKTO_SALESPERSON},
    {"Account", "001", MKTO_COMPANY},
    {"Lead", "00Q", MKTO_LEAD},
    {"Contact", "003", MKTO_LEAD},
    {"Opportunity", "006", MKTO_OPPORTUNITY},
    {"OpportunityContactRole", "00K", MKTO_ROLE},
};

const struct mkto_def *
mkto_by_name(const char *name)
{
	int i;

	for (i = 0; i < MKTO_OBJECTS; i++)
		if (strcmp(mkto_objects[i].name, name) == 0)
			return &mkto_objects[i];
	return NULL;
}

/* Salesforce's API names are compared without regard to case, as Salesforce does. */
const struct sf_def *
sf_by_name(const char *name)
{
	int i;

	for (i = 0; i < SF_OBJECTS; i++)
		if (strcasecmp(sf_objects[i].name, name) == 0)
			return &sf_objects[i];
	return NULL;
}

/* The object an id is of, by its first three characters; NULL for another. */
const struct sf_def *
sf_by_prefix(const char *id)
{
	int i;

	for (i = 0; i < SF_OBJECTS; i++)
		if (strncmp(sf_objects[i].prefix, id, 3) == 0)
			return &sf_objects[i];
	return NULL;
}

/* The Marketo object whose external id field is field, or -1. */
int
mkto_by_id_field(const char *field)
{
	int i;

	for (i = 0; i < MKTO_OBJECTS; i++)
		if (mkto_objects[i].id_field != NULL &&
		    strcmp(mkto_objects[i].id_field, field) == 0)
			return i;
	return -1;
}

/*
 * The key of a Marketo record of object o, the one name msi-load's result
 * lines and state, msi-verify and msi-transform's rejects give it: the
 * fields of mkto_objects[o].key. For an object with one, its value as rec
 * has it (an external id; a lead without a string externalPersonId falls
 * back to rec's lookup field, when lookup is not NULL); for an
 * opportunity role, the string "opportunity/person/role" (a string part as
 * it is, an integer in decimal, any other part empty). Returns a new
 * reference: JSON null when rec has no such field.
 */
json_t *
mkto_record_key(enum mkto_object o, json_t *rec, const char *lookup)
{
	const struct mkto_def *d = &mkto_objects[o];
	struct jsonbuf b = {0};
	json_t *v, *key;
	char num[32];
	int i;

	if (d->key[1] == NULL) {
		v = json_object_get(rec, d->key[0]);
		if (o == MKTO_LEAD && !json_is_string(v) && lookup != NULL)
			v = json_object_get(rec, lookup);
		return v != NULL ? json_incref(v) : json_null();
	}
	for (i = 0; i < 3 && d->key[i] != NULL; i++) {
		v = json_object_get(rec, d->key[i]);
		if (i > 0)
			jsonbuf_add(&b, "/", 1);
		if (json_is_string(v)) {
			jsonbuf_addstr(&b, json_string_value(v));
		} else if (json_is_integer(v)) {
			snprintf(
			    num, sizeof num, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
			jsonbuf_addstr(&b, num);
		}
	}
	key = json_stringn(b.data != NULL ? b.data : "", b.len);
	jsonbuf_free(&b);
	return key != NULL ? key : json_null();
}

/*
 * Whether rec has each external id its key is made of as a string of one
 * character or more (a role's name may be empty or missing).
 */
int
mkto_record_key_whole(enum mkto_object o, json_t *rec)
{
	const struct mkto_def *d = &mkto_objects[o];
	json_t *v;
	int i;

	for (i = 0; i < 3 && d->key[i] != NULL; i++) {
		if (mkto_by_id_field(d->key[i]) < 0)
			continue;
		v = json_object_get(rec, d->key[i]);
		if (!json_is_string(v) || json_string_length(v) == 0)
			return 0;
	}
	return 1;
}
