/*
 * describe.c: the objects' describes, read before anything is sent:
 * every field the updates set must be there and updateable by the
 * integration user; and --check's look at the org (the token, and Lead's
 * and Contact's describes against the MSI fields as -N and -M name them).
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "apply.h"
#include "exitcode.h"
#include "msg.h"

/* The lists describe_match fills: field names, comma-separated. */
#define NAMES_SIZE 1024
/* What describe_get says went wrong: the object, Salesforce's code and message. */
#define WHY_SIZE 600

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
 * object's describe: 0 with *out (a new reference), or an exit status
 * with why: MSI_EXIT_USAGE when the org has no such object or does not
 * show it to the integration user (Salesforce answers both 404 NOT_FOUND),
 * MSI_EXIT_SERVICE or MSI_EXIT_QUOTA when the service failed.
 */
static int
describe_get(struct apply *a, const char *object, json_t **out, char *why, size_t size)
{
	struct http_call call;
	struct sferror e;
	char path[128];
	int st;

	*out = NULL;
	snprintf(path, sizeof path, "sobjects/%s/describe", object);
	if ((st = sfclient_call(&a->sf, "GET", path, NULL, NULL, &call, &e)) != 0) {
		if (st == SF_REFUSED && (e.http == 404 || strcmp(e.code, "NOT_FOUND") == 0 ||
		                            strcmp(e.code, "INVALID_TYPE") == 0)) {
			snprintf(why, size,
			    "the org has no object %s, or does not show it to the integration user "
			    "(%.63s: %.300s)",
			    object, e.code, e.message);
			return MSI_EXIT_USAGE;
		}
		snprintf(why, size, "%s: %.63s%s%.300s", path, e.code, e.code[0] ? ": " : "",
		    e.message);
		return st == SF_REFUSED ? MSI_EXIT_SERVICE : st;
	}
	*out = json_loadb(
	    call.response.data ? call.response.data : "", call.response.len, 0, NULL);
	http_call_free(&call);
	if (!json_is_array(json_object_get(*out, "fields"))) {
		snprintf(why, size, "%s: the answer has no fields", path);
		json_decref(*out);
		*out = NULL;
		return MSI_EXIT_SERVICE;
	}
	return 0;
}

/* The field of describe d named name, in any case (borrowed), or NULL. */
static json_t *
describe_field(json_t *d, const char *name)
{
	const char *s;
	json_t *f;
	size_t i;

	json_array_foreach (json_object_get(d, "fields"), i, f) {
		if ((s = json_string_value(json_object_get(f, "name"))) != NULL &&
		    strcasecmp(s, name) == 0)
			return f;
	}
	return NULL;
}

/* Appends name to the list, comma-separated. */
static void
add_name(char list[NAMES_SIZE], const char *name)
{
	size_t n = strlen(list);

	snprintf(list + n, NAMES_SIZE - n, "%s%s", n ? ", " : "", name);
}

/*
 * The fields of want (name -> anything) describe d lacks, in missing, and
 * those it has but not updateable by the integration user, in fixed.
 * Returns the number of fields wanted.
 */
static size_t
describe_match(json_t *d, json_t *want, char missing[NAMES_SIZE], char fixed[NAMES_SIZE])
{
	json_t *f, *byname = json_object(), *v;
	const char *key, *name;
	char lower[64];
	size_t i;

	json_array_foreach (json_object_get(d, "fields"), i, f) {
		if ((name = json_string_value(json_object_get(f, "name"))) != NULL)
			json_object_set(byname, lowered(name, lower), f);
	}
	missing[0] = fixed[0] = '\0';
	json_object_foreach (want, key, v) {
		f = json_object_get(byname, lowered(key, lower));
		if (f == NULL)
			add_name(missing, key);
		else if (!json_is_true(json_object_get(f, "updateable")))
			add_name(fixed, key);
	}
	json_decref(byname);
	return json_object_size(want);
}

/*
 * Where describe d has the fields of want it lacks under their names: the
 * one prefix, a namespace such as mkto_si__ or none, before every one of
 * them (less the -N given), in ns. Returns 0, or -1 when there is no such
 * prefix.
 */
static int
namespace_found(const struct apply *a, json_t *d, json_t *want, char ns[64])
{
	size_t glen = a->ns ? strlen(a->ns) : 0, blen, nlen, plen, i;
	const char *key, *base, *name;
	json_t *v, *f;
	int found, first = 1;

	json_object_foreach (want, key, v) {
		if (describe_field(d, key) != NULL)
			continue;
		base = glen > 0 && strncasecmp(key, a->ns, glen) == 0 ? key + glen : key;
		blen = strlen(base);
		found = 0;
		json_array_foreach (json_object_get(d, "fields"), i, f) {
			if ((name = json_string_value(json_object_get(f, "name"))) == NULL ||
			    (nlen = strlen(name)) < blen ||
			    strcasecmp(name + nlen - blen, base) != 0)
				continue;
			plen = nlen - blen;
			/* none, or a namespace: NS__ with no other __ in it */
			if (plen >= 64 ||
			    (plen > 0 && (plen < 3 || strncmp(name + plen - 2, "__", 2) != 0 ||
			                     strstr(name, "__") != name + plen - 2)))
				continue;
			if (first)
				snprintf(ns, 64, "%.*s", (int)plen, name);
			else if (strlen(ns) != plen || strncasecmp(ns, name, plen) != 0)
				return -1;
			first = 0;
			found = 1;
			break;
		}
		if (!found)
			return -1;
	}
	return first ? -1 : 0;
}

/*
 * Each object's describe, once: every field the updates name must be there
 * and updateable, else the run stops with status 2 before anything is sent,
 * naming the fields. Returns 0 or an exit status.
 */
int
describe_check(struct apply *a)
{
	char why[WHY_SIZE], missing[NAMES_SIZE], fixed[NAMES_SIZE], ns[64];
	json_t *d;
	int k, st, bad = 0;

	for (k = 0; k < a->nobj; k++) {
		if (a->obj[k].pending == 0)
			continue;
		if ((st = describe_get(a, a->obj[k].name, &d, why, sizeof why)) != 0) {
			msg_warn("%s%s", why, st == MSI_EXIT_USAGE ? "; nothing was sent" : "");
			return st;
		}
		describe_match(d, a->obj[k].fields, missing, fixed);
		if (missing[0] != '\0') {
			msg_warn("%s has no field %s", a->obj[k].name, missing);
			if (namespace_found(a, d, a->obj[k].fields, ns) == 0 && ns[0] != '\0')
				msg_warn("%s has them under the namespace %s: give -N %s",
				    a->obj[k].name, ns, ns);
			else if (namespace_found(a, d, a->obj[k].fields, ns) == 0)
				msg_warn("%s has them without a namespace: leave out -N",
				    a->obj[k].name);
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

/*
 * --check's line about object: its describe has every field of want,
 * updateable; or what to do. Returns 0 or an exit status.
 */
static int
probe_object(struct apply *a, const char *object, json_t *want, FILE *out)
{
	char why[WHY_SIZE], missing[NAMES_SIZE], fixed[NAMES_SIZE], ns[64];
	json_t *d;
	size_t n;
	int st;

	if ((st = describe_get(a, object, &d, why, sizeof why)) != 0) {
		msg_line(out, "salesforce: %s: %s%s", object, why,
		    st == MSI_EXIT_USAGE ? ": give the integration user read and edit access "
		                           "to it (its profile or a permission set)"
		                         : "");
		return st;
	}
	n = describe_match(d, want, missing, fixed);
	st = 0;
	if (missing[0] != '\0') {
		if (namespace_found(a, d, want, ns) == 0 && ns[0] != '\0')
			msg_line(out,
			    "salesforce: %s: the MSI fields are under the namespace %s: give -N %s",
			    object, ns, ns);
		else if (namespace_found(a, d, want, ns) == 0)
			msg_line(out,
			    "salesforce: %s: the MSI fields have no namespace in this org: leave "
			    "out -N",
			    object);
		else
			msg_line(out,
			    "salesforce: %s: no field %s, or the integration user cannot see it: is "
			    "MSI's managed package installed (then -N mkto_si__), or are they the "
			    "org's own fields (then a --map file that names them)?",
			    object, missing);
		st = MSI_EXIT_USAGE;
	}
	if (fixed[0] != '\0') {
		msg_line(out,
		    "salesforce: %s: %s %s not updateable by this user: give the integration user "
		    "edit access to %s (field-level security, in its profile or a permission "
		    "set); a formula field cannot be written",
		    object, fixed, strchr(fixed, ',') ? "are" : "is",
		    strchr(fixed, ',') ? "them" : "it");
		st = MSI_EXIT_USAGE;
	}
	if (st == 0)
		msg_line(out, "salesforce: %s: ok (%zu MSI field%s, updateable)", object, n,
		    n == 1 ? "" : "s");
	json_decref(d);
	return st;
}

/*
 * --check: a token, then Lead's and Contact's describes against the MSI
 * fields as -N and -M name them, a line each on out: "ok (...)" or what
 * to do. No write call. Returns 0, or the exit status of the first that
 * failed: a token or a describe the service refused stops there.
 */
int
describe_probe(struct apply *a, FILE *out)
{
	static const char *const objects[] = {"Lead", "Contact"};
	struct sferror e;
	json_t *want = json_object();
	size_t i;
	int st, status = 0;

	if ((st = sfclient_token(&a->sf, &e)) != 0) {
		msg_line(out, "salesforce: token: %s: %s", e.message,
		    sfclient_token_hint(&a->sf, st, &e));
		json_decref(want);
		return st;
	}
	msg_line(out, "salesforce: token: ok (%s)", a->sf.instance);
	for (i = 0; i < a->fs.n; i++)
		json_object_set_new(want, a->fs.f[i].sf, json_true());
	for (i = 0; i < sizeof objects / sizeof objects[0]; i++) {
		st = probe_object(a, objects[i], want, out);
		if (st != 0 && status == 0)
			status = st;
		if (st != 0 && st != MSI_EXIT_USAGE)
			break;
	}
	json_decref(want);
	return status;
}
