/* objects.c: the Salesforce objects MSI syncs, the Marketo objects they become, their external ids. */
#include <string.h>
#include <strings.h>

#include "objects.h"

const struct mkto_def mkto_objects[MKTO_OBJECTS] = {
    {"salespersons", "sales person", "/v1/salespersons.json", "externalSalesPersonId", "005",
        {"externalSalesPersonId"}, 0},
    {"companies", "company", "/v1/companies.json", "externalCompanyId", "001",
        {"externalCompanyId"}, 0},
    {"leads", "lead", "/v1/leads.json", "externalPersonId", "003", {"externalPersonId"}, 0},
    {"opportunities", "opportunity", "/v1/opportunities.json", "externalOpportunityId", "006",
        {"externalOpportunityId"}, 0},
    {"roles", "opportunity role", "/v1/opportunities/roles.json", NULL, NULL,
        {"externalOpportunityId", "externalPersonId", "role"}, 1},
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
		if (mkto_objects[i].id_field != NULL && strcmp(mkto_objects[i].id_field, field) == 0)
			return i;
	return -1;
}
