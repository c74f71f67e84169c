/* known.c: the external ids Marketo will hold, read from transformed records. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "exitcode.h"
#include "known.h"
#include "msg.h"
#include "ndjson.h"

void
known_init(struct known *k)
{
	int i;

	for (i = 0; i < KNOWN_KINDS; i++) {
		k->set[i] = json_object();
		k->count[i] = 0;
	}
}

/*
 * What a transformed record is, from the ids it carries: the most specific
 * one is its own key (a lead also names its sales person and company; an
 * opportunity role names an opportunity and a person, and is no kind).
 */
static int
kind_of(json_t *rec)
{
	int opp = json_is_string(json_object_get(rec, mkto_objects[MKTO_OPPORTUNITY].id_field));
	int person = json_is_string(json_object_get(rec, mkto_objects[MKTO_LEAD].id_field));

	if (opp && person)
		return -1;
	if (opp)
		return KNOWN_OPPORTUNITY;
	if (person)
		return KNOWN_LEAD;
	if (json_is_string(json_object_get(rec, mkto_objects[MKTO_COMPANY].id_field)))
		return KNOWN_COMPANY;
	if (json_is_string(json_object_get(rec, mkto_objects[MKTO_SALESPERSON].id_field)))
		return KNOWN_SALESPERSON;
	return -2;
}

static int
known_add(void *ctx, json_t *rec, unsigned long line)
{
	struct known *k = ctx;
	int kind;

	/* the first line of msi-load's --changed-only state names the state, no record */
	if (json_object_get(rec, "msi-load") != NULL)
		return 0;
	if ((kind = kind_of(rec)) == -2) {
		msg_at(k->path, line,
		    "a known record needs an external id "
		    "(externalSalesPersonId, externalCompanyId, externalPersonId or "
		    "externalOpportunityId)");
		return MSI_EXIT_BADINPUT;
	}
	if (kind >= 0) {
		json_object_set_new(k->set[kind],
		    json_string_value(json_object_get(rec, mkto_objects[kind].id_field)),
		    json_null());
		k->count[kind] = json_object_size(k->set[kind]);
	}
	return 0;
}

/* Reads msi-transform output; returns 0 or an exit status after a message. */
int
known_load(struct known *k, const char *path)
{
	k->path = path;
	return ndjson_each(path, known_add, k);
}

/* Whether id is known; a kind no --known file supplied knows every id. */
int
known_has(const struct known *k, enum known_kind kind, const char *id)
{
	return k->count[kind] == 0 || json_object_get(k->set[kind], id) != NULL;
}

void
known_free(struct known *k)
{
	int i;

	for (i = 0; i < KNOWN_KINDS; i++)
		json_decref(k->set[i]);
}
