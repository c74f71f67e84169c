/*
 * describe.c: before anything is sent, each object's describe read once:
 * every field the updates set must be there and updateable by the
 * integration user.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "apply.h"
#include "exitcode.h"
#include "msg.h"

/* A field's name in lower case (Salesforce's names ignore case), in out. */
static const char *
lowered(const char *name, char out[64])
{
	size_t j;

	for (j = 0; name[j] != '\0' && j < 63; j++)
		out[j] = (char)tolower((unsigned char)name[j]);
	out[j] = '\0';
	return out;
}

/*
 * Each object's describe, once: every field the updates name must be there
 * and updateable, else the run stops with status 2 before anything is sent,
 * naming the fields. Returns 0 or an exit status.
 */
int
describe_check(struct apply *a)
{
	struct http_call call;
	struct sferror e;
	json_t *d, *f, *byname, *want;
	const char *key, *name;
	char path[128], lower[64], missing[1024], fixed[1024];
	size_t i;
	int k, st, bad = 0;

	for (k = 0; k < a->nobj; k++) {
		if (a->obj[k].pending == 0)
			continue;
		snprintf(path, sizeof path, "sobjects/%s/describe", a->obj[k].name);
		if ((st = sfclient_call(&a->sf, "GET", path, NULL, NULL, &call, &e)) != 0) {
			if (st == SF_REFUSED &&
			    (e.http == 404 || strcmp(e.code, "NOT_FOUND") == 0 ||
			        strcmp(e.code, "INVALID_TYPE") == 0)) {
				msg_warn("the org has no object %s (%s: %s); nothing was sent",
				    a->obj[k].name, e.code, e.message);
				return MSI_EXIT_USAGE;
			}
			msg_warn("%s: %s%s%s", path, e.code, e.code[0] ? ": " : "", e.message);
			return st == SF_REFUSED ? MSI_EXIT_SERVICE : st;
		}
		d = json_loadb(
		    call.response.data ? call.response.data : "", call.response.len, 0, NULL);
		http_call_free(&call);
		if (!json_is_array(json_object_get(d, "fields"))) {
			msg_warn("%s: the answer has no fields", path);
			json_decref(d);
			return MSI_EXIT_SERVICE;
		}
		byname = json_object();
		json_array_foreach (json_object_get(d, "fields"), i, f) {
			if ((name = json_string_value(json_object_get(f, "name"))) == NULL)
				continue;
			json_object_set(byname, lowered(name, lower), f);
		}
		missing[0] = fixed[0] = '\0';
		json_object_foreach (a->obj[k].fields, key, want) {
			f = json_object_get(byname, lowered(key, lower));
			if (f == NULL)
				snprintf(missing + strlen(missing),
				    sizeof missing - strlen(missing), "%s%s",
				    missing[0] ? ", " : "", key);
			else if (!json_is_true(json_object_get(f, "updateable")))
				snprintf(fixed + strlen(fixed), sizeof fixed - strlen(fixed),
				    "%s%s", fixed[0] ? ", " : "", key);
		}
		if (missing[0] != '\0') {
			msg_warn("%s has no field %s", a->obj[k].name, missing);
			bad = 1;
		}
		if (fixed[0] != '\0') {
			msg_warn(
			    "%s's field %s cannot be updated by the integration user (not "
			    "updateable in the describe: read-only, a formula, or field-level "
			    "security)",
			    a->obj[k].name, fixed);
			bad = 1;
		}
		json_decref(byname);
		json_decref(d);
	}
	if (bad) {
		msg_warn(
		    "nothing was sent: is MSI's managed package installed, and do the -N namespace "
		    "(mkto_si__ for the package's fields) and the --map files given to "
		    "msi-writeback and msi-apply name the fields as this org has them?");
		return MSI_EXIT_USAGE;
	}
	return 0;
}
