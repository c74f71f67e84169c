/* known.c: the external ids Marketo will hold, read from transformed records. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "exitcode.h"
#include "known.h"
#include "msg.h"
#include "ndjson.h"

const char *const known_field[KNOWN_KINDS] = {
    "externalSalesPersonId", "externalCompanyId", "externalPersonId", "externalOpportunityId"};

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
	int opp = json_is_string(json_object_get(rec, "externalOpportunityId"));
	int person = json_is_string(json_object_get(rec, "externalPersonId"));

	if (opp && person)
		return -1;
	if (opp)
		return KNOWN_OPPORTUNITY;
	if (person)
		return KNOWN_LEAD;
	if (json_is_string(json_object_get(rec, "externalCompanyId")))
		return KNOWN_COMPANY;
	if (json_is_string(json_object_get(rec, "externalSalesPersonId")))
		return KNOWN_SALESPERSON;
	return -2;
}

/* Reads msi-transform output; returns 0 or an exit status after a message. */
int
known_load(struct known *k, const char *path)
{
	struct ndjson_reader r;
	enum ndjson_result res;
	json_t *rec;
	FILE *fp;
	int kind, status = 0;

	if ((fp = fopen(path, "r")) == NULL) {
		msg_warn("%s: %s", path, strerror(errno));
		return MSI_EXIT_IO;
	}
	ndjson_reader_init(&r, fp, path);
	while (status == 0 && (res = ndjson_read(&r, &rec)) != NDJSON_EOF) {
		if (res == NDJSON_READERR) {
			msg_warn("%s: %s", path, strerror(errno));
			status = MSI_EXIT_IO;
		} else if (res == NDJSON_BADLINE) {
			msg_at(path, r.line, "%s", r.error);
			status = MSI_EXIT_BADINPUT;
		} else if ((kind = kind_of(rec)) == -2) {
			msg_at(path, r.line,
			    "a known record needs an external id "
			    "(externalSalesPersonId, externalCompanyId, externalPersonId or "
			    "externalOpportunityId)");
			status = MSI_EXIT_BADINPUT;
		} else if (kind >= 0) {
			json_object_set_new(k->set[kind],
			    json_string_value(json_object_get(rec, known_field[kind])),
			    json_null());
			k->count[kind] = json_object_size(k->set[kind]);
		}
		json_decref(rec);
	}
	ndjson_reader_free(&r);
	fclose(fp);
	return status;
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
