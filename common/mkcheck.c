/*
 * mkcheck.c: what msi-load --check and msi-writeback --check ask Marketo,
 * read-only: a token, and the describe of each object a run loads (Adobe's
 * REST API reference: "Describe Lead2", "Describe Companies", "Describe
 * Opportunities", "Describe Opportunity Roles", "Describe Sales Persons"),
 * in which the fields MSI links records by must be listed (Adobe's page
 * "Marketo Sales Insight ... Custom (Non-native) Sync"). What was found
 * goes to out, a line each ("marketo: token: ok (URL)"); what is wrong
 * to standard error, as every message, with what to do.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "ealloc.h"
#include "exitcode.h"
#include "fshut.h"
#include "mkcheck.h"
#include "msg.h"

static void say(FILE *out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
say(FILE *out, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(out, fmt, ap);
	va_end(ap);
	if (fflush(out) == EOF)
		exit(fwrite_failed(out, "stdout"));
}

/* A token from the identity service; 0, or -1 (the why said, calls stopped with 5). */
int
mkcheck_token(struct mkclient *mk, FILE *out)
{
	if (mkclient_token(mk, 0) != 0) {
		msg_warn("marketo: no token: check MARKETO_CLIENT_ID and MARKETO_CLIENT_SECRET "
		         "(Marketo: Admin > LaunchPoint > the service's View Details) and "
		         "MARKETO_IDENTITY_URL");
		return -1;
	}
	say(out, "marketo: token: ok (%s)\n", mk->conf.base_url);
	return 0;
}

/* Whether a describe's list of fields (or of searchable field sets) names field. */
static int
listed(json_t *fields, const char *field)
{
	json_t *f;
	size_t i;

	json_array_foreach (fields, i, f) {
		if (json_is_array(f) && json_array_size(f) == 1)
			f = json_array_get(f, 0); /* searchableFields: a set a member */
		if (json_is_object(f))
			f = json_object_get(f, "name");
		if (json_is_string(f) && strcmp(json_string_value(f), field) == 0)
			return 1;
	}
	return 0;
}

/* The describe call of object o: leads' is describe2 (it names the searchable fields). */
static char *
describe_path(enum mkto_object o)
{
	const char *path = mkto_objects[o].path;
	size_t n = strlen(path) - strlen(".json");

	return easprintf(
	    "%.*s/%s", (int)n, path, o == MKTO_LEAD ? "describe2.json" : "describe.json");
}

/*
 * Describes object o: every field MSI links it by must be listed, and for
 * leads the lookup field must be searchable (a lead is found by it). Returns
 * the describe's first result (a new reference), or NULL: what is wrong was
 * said, and calls stopped with 5 when Marketo failed.
 */
json_t *
mkcheck_describe(struct mkclient *mk, enum mkto_object o, const char *lookup, FILE *out)
{
	const struct mkto_def *d = &mkto_objects[o];
	struct mkanswer a;
	char *path = describe_path(o), *links = easprintf("%s", d->links), *f, *next;
	json_t *desc, *fields;
	int bad = 0;

	if (mkclient_call(mk, path, NULL, 0, NULL, &a) != RETRY_DONE) {
		if (mkclient_status(mk) == 0) {
			msg_warn("marketo: %s: %s %s", path, a.code, a.message);
			mkclient_stop(mk, MSI_EXIT_SERVICE);
		}
		json_decref(a.json);
		free(path);
		free(links);
		return NULL;
	}
	desc = json_incref(json_array_get(json_object_get(a.json, "result"), 0));
	json_decref(a.json);
	fields = json_object_get(desc, "fields");
	if (!json_is_array(fields)) {
		msg_warn("marketo: %s: the answer has no field list", path);
		bad = 1;
	}
	for (f = links; !bad && f != NULL; f = next) {
		if ((next = strchr(f, ',')) != NULL)
			*next++ = '\0';
		if (strcmp(f, "id") == 0 || listed(fields, f))
			continue;
		msg_warn(
		    "marketo: %s: %s is not among the fields: this instance is not set up for "
		    "an MSI custom (non-native) sync, or the API user's role cannot see it",
		    path, f);
		bad = 1;
	}
	if (!bad && o == MKTO_LEAD && lookup != NULL &&
	    !listed(json_object_get(desc, "searchableFields"), lookup)) {
		msg_warn(
		    "marketo: %s: the lookup field %s is not searchable: leads cannot be "
		    "found by it (-l names another: email, externalPersonId if searchable)",
		    path, lookup);
		bad = 1;
	}
	free(links); /* the fields, as a list to read */
	links = emalloc(2 * strlen(d->links) + 1);
	for (f = links, next = (char *)d->links; *next != '\0'; next++)
		f += *next == ',' ? sprintf(f, ", ") : sprintf(f, "%c", *next);
	*f = '\0';
	if (bad) {
		mkclient_stop(mk, MSI_EXIT_SERVICE);
		json_decref(desc);
		desc = NULL;
	} else if (o == MKTO_LEAD && lookup != NULL) {
		say(out, "marketo: %s: ok (%zu fields, with %s; lookup field %s searchable)\n",
		    d->name, json_array_size(fields), links, lookup);
	} else {
		say(out, "marketo: %s: ok (%zu fields, with %s)\n", d->name,
		    json_array_size(fields), links);
	}
	free(path);
	free(links);
	return desc;
}
